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

    public enum OperatorKind: UInt16, CaseIterable, Sendable {
        case conv = 1, convTranspose, gemm, matMul, binary, unary, softmax, maxPool, averagePool
        case globalAveragePool, globalMaxPool, batchNormalization, lrn, concat, split, slice, gather
        case reshape, transpose, expand, pad, resize, reduce, cast
        case quantize = 25, dequantize, convInt8, gemmInt8, addInt8, mulInt8, concatInt8, lookup, softmaxInt8
        case averagePoolInt8, globalAveragePoolInt8

        public var name: String {
            switch self {
            case .conv: return "CONV"
            case .convTranspose: return "CONV_TRANSPOSE"
            case .gemm: return "GEMM"
            case .matMul: return "MATMUL"
            case .binary: return "BINARY"
            case .unary: return "UNARY"
            case .softmax: return "SOFTMAX"
            case .maxPool: return "MAX_POOL"
            case .averagePool: return "AVERAGE_POOL"
            case .globalAveragePool: return "GLOBAL_AVERAGE_POOL"
            case .globalMaxPool: return "GLOBAL_MAX_POOL"
            case .batchNormalization: return "BATCH_NORMALIZATION"
            case .lrn: return "LRN"
            case .concat: return "CONCAT"
            case .split: return "SPLIT"
            case .slice: return "SLICE"
            case .gather: return "GATHER"
            case .reshape: return "RESHAPE"
            case .transpose: return "TRANSPOSE"
            case .expand: return "EXPAND"
            case .pad: return "PAD"
            case .resize: return "RESIZE"
            case .reduce: return "REDUCE"
            case .cast: return "CAST"
            case .quantize: return "QUANTIZE"
            case .dequantize: return "DEQUANTIZE"
            case .convInt8: return "CONV_INT8"
            case .gemmInt8: return "GEMM_INT8"
            case .addInt8: return "ADD_INT8"
            case .mulInt8: return "MUL_INT8"
            case .concatInt8: return "CONCAT_INT8"
            case .lookup: return "LOOKUP"
            case .softmaxInt8: return "SOFTMAX_INT8"
            case .averagePoolInt8: return "AVERAGE_POOL_INT8"
            case .globalAveragePoolInt8: return "GLOBAL_AVERAGE_POOL_INT8"
            }
        }
    }
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
