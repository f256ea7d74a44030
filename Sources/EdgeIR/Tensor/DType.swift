/// Element types a tensor can hold inside edgec.
///
/// The raw values are stable: the `.edgem` format and the C runtime number dtypes the same way.
public enum DType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float32 = 1
    case int8 = 2
    case uint8 = 3
    case int32 = 4
    case int64 = 5
    case bool = 6

    /// Bytes one element occupies in memory and on disk.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: return 4
        case .int64: return 8
        case .int8, .uint8, .bool: return 1
        }
    }

    public var isFloatingPoint: Bool { self == .float32 }

    public var description: String {
        switch self {
        case .float32: return "float32"
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int32: return "int32"
        case .int64: return "int64"
        case .bool: return "bool"
        }
    }
}
