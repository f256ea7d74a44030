/// Integer arithmetic on sizes that come from a model or a data file: dimensions, pads, strides,
/// dilations, groups, element and byte counts. Every shape rule and geometry helper computes
/// through these, so a hostile value (a group of 2^62, a Pad by 2^40, a Resize scale of 1e9)
/// becomes a `SizeOverflow` — which `Operators` turns into a one-line error naming the node —
/// instead of a Swift overflow trap. Plain `+` and `*` on such values are a bug.
public struct SizeOverflow: Error, Sendable, Equatable, CustomStringConvertible {
    /// What could not be computed, e.g. "4611686018427387904 * 3 overflows 64 bits".
    public var detail: String

    public init(_ detail: String) { self.detail = detail }

    public var description: String { detail }
}

public enum CheckedSize {
    public static func add(_ a: Int, _ b: Int) throws -> Int {
        let (value, overflow) = a.addingReportingOverflow(b)
        if overflow { throw SizeOverflow("\(a) + \(b) overflows 64 bits") }
        return value
    }

    public static func subtract(_ a: Int, _ b: Int) throws -> Int {
        let (value, overflow) = a.subtractingReportingOverflow(b)
        if overflow { throw SizeOverflow("\(a) - \(b) overflows 64 bits") }
        return value
    }

    public static func multiply(_ a: Int, _ b: Int) throws -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        if overflow { throw SizeOverflow("\(a) * \(b) overflows 64 bits") }
        return value
    }

    /// `a / b` for a divisor that came from input (0 is refused rather than trapping).
    public static func divide(_ a: Int, _ b: Int) throws -> Int {
        guard b != 0 else { throw SizeOverflow("\(a) / 0") }
        let (value, overflow) = a.dividedReportingOverflow(by: b)
        if overflow { throw SizeOverflow("\(a) / \(b) overflows 64 bits") }
        return value
    }

    public static func sum(_ values: [Int]) throws -> Int { try values.reduce(0) { try add($0, $1) } }

    /// The product of `values`: the element count of a shape. A zero anywhere gives 0 without
    /// looking at the rest, as the tensor holds nothing whatever the other dimensions say.
    public static func product(_ values: [Int]) throws -> Int {
        if values.contains(0) { return 0 }
        return try values.reduce(1) { try multiply($0, $1) }
    }

    /// Counts that are reported, never allocated (multiply-accumulates): `Int.max` when they
    /// do not fit, so a report of a hostile model prints a large number instead of trapping.
    public static func saturatingProduct(_ values: [Int]) -> Int { (try? product(values)) ?? Int.max }

    public static func saturatingSum(_ values: [Int]) -> Int { (try? sum(values)) ?? Int.max }

    /// The integer part of a float computed from data (a Resize scale times a dimension, a
    /// Range's length), refused when it is not finite or does not fit 64 bits.
    public static func integer(_ value: Double) throws -> Int {
        guard value.isFinite, let result = Int(exactly: value.rounded(.towardZero)) else {
            throw SizeOverflow("\(value) is not a size (not finite or beyond 64 bits)")
        }
        return result
    }

    /// `value` as a 32-bit field of the `.edgem` format.
    public static func int32(_ value: Int) throws -> Int32 {
        guard let result = Int32(exactly: value) else { throw SizeOverflow("\(value) does not fit the 32 bits of an .edgem field") }
        return result
    }

    /// `value` as an unsigned 32-bit count or dimension of the `.edgem` format.
    public static func uint32(_ value: Int) throws -> UInt32 {
        guard let result = UInt32(exactly: value) else { throw SizeOverflow("\(value) does not fit the 32 bits of an .edgem field") }
        return result
    }
}
