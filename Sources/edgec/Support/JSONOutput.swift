import Foundation

/// `--json`: one pretty-printed object with sorted keys on standard output.
enum JSONOutput {
    static func print<T: Encodable>(_ value: T, snakeCaseKeys: Bool = false) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if snakeCaseKeys { encoder.keyEncodingStrategy = .convertToSnakeCase }
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}
