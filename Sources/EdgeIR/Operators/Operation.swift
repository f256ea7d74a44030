/// What a node computes. Each case carries its attributes as a typed value; inputs follow ONNX's
/// order for the same operator at its latest opset (the front end rewrites older forms), and
/// parameters that ONNX passes as inputs (Reshape's shape, Slice's bounds, Pad's pads, Resize's
/// scales) stay inputs: they are constants once shapes are bound and folded.
public enum Operation: Sendable, Equatable {
    /// Inputs: X, W, B?. Covers grouped and depthwise convolution in any number of spatial dims.
    case conv(Convolution)
    /// Inputs: X, W, B?.
    case convTranspose(ConvolutionTranspose)
    /// Inputs: A, B, C?.
    case gemm(Gemm)
    /// Inputs: A, B (NumPy matmul semantics, batch dims broadcast).
    case matMul(activation: Activation?)
    /// Inputs: A, B (NumPy broadcasting).
    case binary(BinaryOperator, activation: Activation?)
    /// Inputs: X.
    case unary(UnaryOperator)
    /// Inputs: X, slope (broadcast to X). `x` where x >= 0, else `slope · x`.
    case prelu
    /// Inputs: start, limit, delta (scalars). Folds to a constant once they are known.
    case range
    /// Inputs: one or two float tensors. Expanded during shape inference into Transpose, Reshape,
    /// ReduceSum, MatMul and Mul, so it never reaches a kernel.
    case einsum(EinsumEquation)
    /// Inputs: X. Output: int64 `[rank, count]`, the positions of X's non-zero elements in row-major
    /// order. Its shape depends on X's values, so it folds to a constant or is refused.
    case nonZero
    /// Inputs: condition (bool, one element), then the enclosing graph's values the branches read.
    /// Once the condition is known, shape inference puts the chosen branch's nodes in its place.
    case conditional(Branches)
    /// Inputs: X.
    case softmax(Softmax)
    /// Inputs: X.
    case maxPool(Pooling)
    /// Inputs: X.
    case averagePool(Pooling)
    /// Inputs: X. Reduces every spatial dimension to 1.
    case globalAveragePool
    /// Inputs: X.
    case globalMaxPool
    /// Inputs: X, scale, bias, mean, variance (inference form).
    case batchNormalization(epsilon: Float)
    /// Inputs: X, scale, bias?. Normalizes over the axes from `axis` to the last (opset 17).
    case layerNormalization(axis: Int, epsilon: Float)
    /// Inputs: A, B of one dtype (NumPy broadcasting). Output: bool.
    case compare(Comparison)
    /// Inputs: A, B (bool, NumPy broadcasting); Not takes X alone. Output: bool.
    case logical(LogicalOperator)
    /// Inputs: condition (bool), X, Y (NumPy broadcasting of the three).
    case `where`
    /// Inputs: data, indices of the same rank; picks data along `axis` at each index.
    case gatherElements(axis: Int)
    /// Inputs: X `[N, C, ...]`, scale `[C]`, bias `[C]`. Each channel of each sample normalized on its own.
    case instanceNormalization(epsilon: Float)
    /// Inputs: X `[N, C, ...]`, scale, bias: `[C]` (opset 21), or `[groups]` when `parametersPerGroup`
    /// (opset 18). Each group of C / groups channels of each sample normalized together.
    case groupNormalization(groups: Int, epsilon: Float, parametersPerGroup: Bool)
    /// Inputs: data, indices `[..., k]` (int64). Picks the slices of data that each k-tuple of
    /// indices addresses, after `batchDims` leading dimensions the two share.
    case gatherND(batchDims: Int)
    /// Inputs: data, indices `[..., k]` (int64), updates. A copy of data with the slices the
    /// indices address replaced by (or combined with) the updates.
    case scatterND(reduction: ScatterReduction)
    /// Inputs: data, indices, updates (the indices' shape). A copy of data with each element
    /// GatherElements would read written from the updates instead.
    case scatterElements(axis: Int, reduction: ScatterReduction)
    /// Inputs: X, W, R, B?, sequence_lens (absent), initial_h?, initial_c? (LSTM). Outputs: Y, Y_h, Y_c (LSTM).
    case recurrent(Recurrent)
    /// Inputs: X [N, C, H, W]. Moves blocks of `blockSize`² channels into space: [N, C/b², H·b, W·b].
    case depthToSpace(blockSize: Int, mode: DepthToSpaceMode)
    /// Inputs: X [N, C, H, W]. The inverse of DCR DepthToSpace: [N, C·b², H/b, W/b].
    case spaceToDepth(blockSize: Int)
    /// Inputs: X, repeats (int64, one per axis).
    case tile
    /// Inputs: X (rank >= 2), k? (int64 scalar diagonal offset). Keeps the upper or lower triangle of each matrix.
    case trilu(upper: Bool)
    /// Inputs: X, axis (int scalar). Running sums along the axis.
    case cumSum(exclusive: Bool, reverse: Bool)
    /// Inputs: X. Output: int64 positions.
    case argExtremum(ArgExtremum)
    /// Inputs: X, K (int64 [1]). Outputs: values, int64 indices of the k largest (or smallest) along `axis`, sorted.
    case topK(axis: Int, largest: Bool, sorted: Bool)
    /// Inputs: X.
    case localResponseNormalization(LocalResponseNormalization)
    /// Inputs: any number of tensors of one dtype.
    case concat(axis: Int)
    /// Inputs: X. `sizes` nil splits evenly across the outputs (the last part may be smaller).
    case split(axis: Int, sizes: [Int]?)
    /// Inputs: data, starts, ends, axes?, steps?.
    case slice
    /// Inputs: data, indices.
    case gather(axis: Int)
    /// Inputs: data, shape.
    case reshape(allowZero: Bool)
    /// Inputs: X.
    case flatten(axis: Int)
    /// Inputs: X. nil reverses the axes.
    case transpose(permutation: [Int]?)
    /// Inputs: X. nil removes every dimension of size 1.
    case squeeze(axes: [Int]?)
    /// Inputs: X.
    case unsqueeze(axes: [Int])
    /// Inputs: data, shape (NumPy broadcast to the shape).
    case expand
    /// Inputs: data, pads, constantValue?, axes?.
    case pad(mode: PadMode)
    /// Inputs: X, roi?, scales?, sizes?.
    case resize(Resize)
    /// Inputs: X.
    case reduce(Reduction)
    /// Inputs: X. The shape of X (or the part start..<end) as int64.
    case shape(start: Int, end: Int?)
    /// Inputs: X.
    case cast(to: DType)
    /// Inputs: shape. A tensor of that shape filled with `value`'s one element.
    case constantOfShape(value: Tensor)
    /// Inputs: X. Also what Dropout is at inference.
    case identity
    /// Inputs: X (float). Output: int8 with the output value's quantization parameters.
    case quantizeLinear
    /// Inputs: X (int8, with quantization parameters). Output: float.
    case dequantizeLinear
    /// A node the front end read but edgec cannot run; kept so that tools can report all of them at once.
    case unsupported(UnsupportedOperator)

    /// A short name for tables and messages, close to the ONNX op type.
    public var kindName: String {
        switch self {
        case .conv: return "Conv"
        case .convTranspose: return "ConvTranspose"
        case .gemm: return "Gemm"
        case .matMul: return "MatMul"
        case .binary(let op, _): return op.onnxName
        case .unary(let op): return op.onnxName
        case .prelu: return "PRelu"
        case .range: return "Range"
        case .einsum: return "Einsum"
        case .nonZero: return "NonZero"
        case .conditional: return "If"
        case .softmax: return "Softmax"
        case .maxPool: return "MaxPool"
        case .averagePool: return "AveragePool"
        case .globalAveragePool: return "GlobalAveragePool"
        case .globalMaxPool: return "GlobalMaxPool"
        case .batchNormalization: return "BatchNormalization"
        case .layerNormalization: return "LayerNormalization"
        case .compare(let c): return c.onnxName
        case .logical(let l): return l.onnxName
        case .where: return "Where"
        case .gatherElements: return "GatherElements"
        case .instanceNormalization: return "InstanceNormalization"
        case .groupNormalization: return "GroupNormalization"
        case .gatherND: return "GatherND"
        case .scatterND: return "ScatterND"
        case .scatterElements: return "ScatterElements"
        case .recurrent(let r): return r.cell == .lstm ? "LSTM" : "GRU"
        case .depthToSpace: return "DepthToSpace"
        case .spaceToDepth: return "SpaceToDepth"
        case .tile: return "Tile"
        case .trilu: return "Trilu"
        case .cumSum: return "CumSum"
        case .argExtremum(let a): return a.onnxName
        case .topK: return "TopK"
        case .localResponseNormalization: return "LRN"
        case .concat: return "Concat"
        case .split: return "Split"
        case .slice: return "Slice"
        case .gather: return "Gather"
        case .reshape: return "Reshape"
        case .flatten: return "Flatten"
        case .transpose: return "Transpose"
        case .squeeze: return "Squeeze"
        case .unsqueeze: return "Unsqueeze"
        case .expand: return "Expand"
        case .pad: return "Pad"
        case .resize: return "Resize"
        case .reduce(let r): return r.kind.onnxName
        case .shape: return "Shape"
        case .cast: return "Cast"
        case .constantOfShape: return "ConstantOfShape"
        case .identity: return "Identity"
        case .quantizeLinear: return "QuantizeLinear"
        case .dequantizeLinear: return "DequantizeLinear"
        case .unsupported(let u): return u.opType
        }
    }

    /// The activation fused into this node, if any.
    public var fusedActivation: Activation? {
        switch self {
        case .conv(let c): return c.activation
        case .convTranspose(let c): return c.activation
        case .gemm(let g): return g.activation
        case .matMul(let a): return a
        case .binary(_, let a): return a
        default: return nil
        }
    }

    /// The same operation with `activation` fused in, or nil when this op cannot carry one. A
    /// clamp after a fused clamp becomes one clamp (PyTorch's QAT export clips the Relu's output
    /// to its observer's range); any other second activation is refused.
    public func fusing(_ activation: Activation) -> Operation? {
        var activation = activation
        if let existing = fusedActivation {
            guard let composed = existing.thenClamped(by: activation) else { return nil }
            activation = composed
        }
        switch self {
        case .conv(var c): c.activation = activation; return .conv(c)
        case .convTranspose(var c): c.activation = activation; return .convTranspose(c)
        case .gemm(var g): g.activation = activation; return .gemm(g)
        case .matMul: return .matMul(activation: activation)
        case .binary(let op, _) where op == .add || op == .sub || op == .mul: return .binary(op, activation: activation)
        default: return nil
        }
    }
}
