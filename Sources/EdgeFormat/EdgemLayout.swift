import EdgeOperators

/// The numbers of formats/edgem.md, in one place. Values are never reused; new ones go at the end.
public enum Edgem {
    public static let magic: [UInt8] = Array("EDGEM\r\n".utf8) + [0x1A]
    public static let versionMajor: UInt16 = 1
    public static let versionMinor: UInt16 = 1
    public static let headerSize = 64
    public static let sectionEntrySize = 40
    public static let tensorRecordSize = 64
    public static let graphHeaderSize = 32
    public static let maxRank = 8
    public static let none: UInt32 = 0xFFFF_FFFF

    public enum SectionKind: UInt32, CaseIterable, Sendable {
        case metadata = 1, strings = 2, graph = 3, tensors = 4, operators = 5, weights = 6, quantization = 7

        public var name: String {
            switch self {
            case .metadata: return "METADATA"
            case .strings: return "STRINGS"
            case .graph: return "GRAPH"
            case .tensors: return "TENSORS"
            case .operators: return "OPERATORS"
            case .weights: return "WEIGHTS"
            case .quantization: return "QUANTIZATION"
            }
        }
    }

    public enum Compression: UInt32, CaseIterable, Sendable {
        case none = 0, lz4 = 1, entropy = 2

        /// The name `--compress` takes and `inspect` prints.
        public var name: String {
            switch self {
            case .none: return "none"
            case .lz4: return "lz4"
            case .entropy: return "entropy"
            }
        }

        public init?(name: String) {
            guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
            self = match
        }
    }

    public enum Storage: UInt8, Sendable {
        case arena = 0, weight = 1, weightSparse = 2, requantization = 3
    }

    /// Operator kinds are defined beside the operators (EdgeOperators); the name stays here for the format.
    public typealias OperatorKind = EdgemOperatorKind
}

/// Little-endian byte assembly.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func align(_ alignment: Int) { zeros((alignment - bytes.count % alignment) % alignment) }
    mutating func patchU32(at offset: Int, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
    }
}
