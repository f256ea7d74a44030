import EdgeIR

/// One operator as the `.edgem` file stores it: a kind, data inputs and outputs, and a parameter
/// block of 4-byte fields. Parameters ONNX passes as inputs (shapes, bounds, scales) are resolved
/// by the operator's lowering, so the runtime only ever reads data tensors.
public struct LoweredOperator: Sendable, Equatable {
    public var kind: EdgemOperatorKind
    public var name: String
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    public var parameters: [UInt32]

    public init(kind: EdgemOperatorKind, name: String, inputs: [ValueID?], outputs: [ValueID], parameters: [UInt32]) {
        self.kind = kind
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.parameters = parameters
    }
}

/// Why a prepared graph cannot be written as `.edgem`.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Operator kinds of formats/edgem.md. Values are never reused; new ones go at the end.
public enum EdgemOperatorKind: UInt16, CaseIterable, Sendable {
    case conv = 1, convTranspose, gemm, matMul, binary, unary, softmax, maxPool, averagePool
    case globalAveragePool, globalMaxPool, batchNormalization, lrn, concat, split, slice, gather
    case reshape, transpose, expand, pad, resize, reduce, cast
    case quantize = 25, dequantize, convInt8, gemmInt8, addInt8, mulInt8, concatInt8, lookup, softmaxInt8
    case averagePoolInt8, globalAveragePoolInt8
    case layerNormalization = 36, compare, logical, `where`, gatherElements, recurrent
    case groupNormalization = 42, gatherND, scatterND, scatterElements
    case depthToSpace = 46, spaceToDepth, tile, trilu, cumSum, argExtremum, topK

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
        case .layerNormalization: return "LAYER_NORMALIZATION"
        case .compare: return "COMPARE"
        case .logical: return "LOGICAL"
        case .where: return "WHERE"
        case .gatherElements: return "GATHER_ELEMENTS"
        case .recurrent: return "RECURRENT"
        case .groupNormalization: return "GROUP_NORMALIZATION"
        case .gatherND: return "GATHER_ND"
        case .scatterND: return "SCATTER_ND"
        case .scatterElements: return "SCATTER_ELEMENTS"
        case .depthToSpace: return "DEPTH_TO_SPACE"
        case .spaceToDepth: return "SPACE_TO_DEPTH"
        case .tile: return "TILE"
        case .trilu: return "TRILU"
        case .cumSum: return "CUMSUM"
        case .argExtremum: return "ARG_EXTREMUM"
        case .topK: return "TOP_K"
        }
    }

    /// Moves bytes whatever the dtype; every other float kind computes in float32, so the writer
    /// stores constant inputs of other types (an int64 exponent, say) converted.
    public var movesBytes: Bool {
        switch self {
        case .concat, .split, .slice, .gather, .reshape, .transpose, .expand, .pad, .cast, .where, .gatherElements, .gatherND: return true
        // Replace in any dtype; add and mul in the data's own type (int64 counters, say).
        case .scatterND, .scatterElements: return true
        case .depthToSpace, .spaceToDepth, .tile, .trilu: return true
        // Sum, compare and pick values in their own type (int64 position ids, say).
        case .cumSum, .argExtremum, .topK: return true
        // Compares values in their own type (an int64 position against an int64 length, say).
        case .compare, .logical: return true
        default: return false
        }
    }

    /// The parameter field where a fused activation (kind, alpha, beta) starts, for kinds that carry one.
    public var fusedActivationField: Int? {
        switch self {
        case .conv, .convTranspose: return 9
        case .gemm: return 4
        case .matMul: return 0
        case .binary: return 1
        default: return nil
        }
    }

    /// Reads its constants (int8 weights, int32 biases and tables) as stored.
    public var readsIntegers: Bool {
        switch self {
        case .quantize, .dequantize, .convInt8, .gemmInt8, .addInt8, .mulInt8, .concatInt8, .lookup, .softmaxInt8,
             .averagePoolInt8, .globalAveragePoolInt8, .maxPool, .resize:
            return true
        default:
            return false
        }
    }
}

/// One node being lowered, with the graph it lives in (lowering may add constants: requantization
/// arrays, lookup tables, weights in the layout a kernel reads).
public final class LoweringContext {
    /// The node being lowered; `Operators.lower` moves it along the graph.
    public internal(set) var node: Node
    public private(set) var graph: Graph

    public init(graph: Graph) {
        self.graph = graph
        node = graph.nodes.first ?? Node(name: "", operation: .identity, inputs: [], outputs: [])
    }

    public var context: NodeContext { NodeContext(node: node, graph: graph) }

    public func fail(_ detail: String) -> FormatError { FormatError("\(node.operation.kindName) node '\(node.name)': \(detail)") }

    public func shape(_ i: Int) throws -> [Int] {
        guard let id = node.input(i), let type = graph.type(of: id) else { throw fail("input \(i) has no known shape") }
        return type.shape
    }

    public var outputShape: [Int] { node.outputs.first.flatMap { graph.type(of: $0)?.shape } ?? [] }

    public func constant(_ i: Int) -> Tensor? { graph.constant(node.input(i)) }

    /// Whether the node's data input is int8: then the int8 form of the operator applies.
    public var isInt8: Bool {
        guard let first = node.input(0) else { return false }
        return graph.type(of: first)?.dtype == .int8
    }

    public func quantization(_ id: ValueID?) throws -> QuantizationParameters {
        guard let id = id, let q = graph.values[id].quantization else { throw fail("int8 tensor without quantization parameters") }
        return q
    }

    public var outputQuantization: QuantizationParameters {
        get throws { try quantization(node.outputs.first) }
    }

    /// Adds a constant the operator reads, named after the node.
    public func addConstant(_ suffix: String, _ tensor: Tensor, quantization: QuantizationParameters? = nil) -> ValueID {
        let id = graph.addConstant(name: "\(node.name).\(suffix)", tensor)
        graph.values[id].quantization = quantization
        return id
    }

    public func make(_ kind: EdgemOperatorKind, _ inputs: [ValueID?], _ parameters: [UInt32]) -> LoweredOperator {
        LoweredOperator(kind: kind, name: node.name, inputs: inputs, outputs: node.outputs, parameters: parameters)
    }

    /// The node's first input alone: most operators read only their data tensor.
    public var data: [ValueID?] { [node.input(0)] }
}

/// Encodings of parameter fields, shared by every operator's lowering.
public enum Fields {
    public static func float(_ value: Float) -> UInt32 { value.bitPattern }
    public static func int(_ value: Int) -> UInt32 { UInt32(bitPattern: Int32(truncatingIfNeeded: value)) }

    /// Pads an axis list to the format's fixed 8 entries.
    public static func eight(_ values: [Int]) -> [UInt32] { (values + Array(repeating: 0, count: 8 - values.count)).map(int) }

    /// `activation, alpha, beta` as the format encodes fused activations.
    public static func activation(_ activation: Activation?) -> [UInt32] {
        switch activation {
        case nil: return [0, 0, 0]
        case .relu?: return [1, 0, 0]
        case .clip(let low, let high)?: return [2, float(low), float(high)]
        case .hardSwish?: return [3, 0, 0]
        case .leakyRelu(let alpha)?: return [4, float(alpha), 0]
        case .sigmoid?: return [5, 0, 0]
        case .silu?: return [6, 0, 0]
        }
    }

    /// The strides, dilations, begin pads and end pads, one per spatial axis: `stride_h, stride_w,
    /// dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right` in 2-D (1-D lifted to it),
    /// with a depth field before each pair in 3-D.
    public static func spatial(strides: [Int], dilations: [Int], pads: [Int]) -> [UInt32] {
        if strides.count == 1 {
            return [1, int(strides[0]), 1, int(dilations[0]), 0, int(pads[0]), 0, int(pads[1])]
        }
        return (strides + dilations + pads).map(int)
    }
}
