import Foundation

/// `--json` on every verb, one schema (README, "JSON output"): one pretty-printed object with
/// sorted snake_case keys on standard output; numbers as numbers (an infinite SQNR as the string
/// "inf"), shapes as arrays, paths as given (no escaped slashes).
enum JSONOutput {
    /// `command` (the verb, e.g. "compile" or "update inspect") is added as the object's
    /// `command` key unless the value has its own.
    static func print<T: Encodable>(_ value: T, command: String? = nil) throws {
        Swift.print(try string(value, command: command))
    }

    static func string<T: Encodable>(_ value: T, command: String? = nil) throws -> String {
        if let command { return try string(Tagged(command: command, value: value)) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// A value's own keys and `command` in one object (JSONEncoder merges the two keyed containers).
private struct Tagged<T: Encodable>: Encodable {
    enum Key: String, CodingKey { case command }
    var command: String
    var value: T

    func encode(to encoder: Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(command, forKey: .command)
    }
}

/// A dimension of a declared shape: a number, or the name of a dynamic dimension ("batch").
enum ShapeDimension: Encodable, CustomStringConvertible {
    case fixed(Int)
    case named(String)

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .fixed(let value): try container.encode(value)
        case .named(let name): try container.encode(name)
        }
    }

    var description: String {
        switch self {
        case .fixed(let value): return String(value)
        case .named(let name): return name
        }
    }
}
