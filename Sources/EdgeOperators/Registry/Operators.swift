import EdgeIR

/// The registry: every operator's definition, and the questions the rest of edgec asks of them.
/// `definition(of:)` is the one place that switches over the list of operations.
public enum Operators {
    /// The definition of `operation`, holding its attributes.
    public static func definition(of operation: Operation) -> any OperatorDefinition {
        switch operation {
        case .conv(let a): return ConvolutionOperator(attributes: a)
        case .convTranspose(let a): return ConvolutionTransposeOperator(attributes: a)
        case .gemm(let a): return GemmOperator(attributes: a)
        case .matMul(let activation): return MatMulOperator(activation: activation)
        case .binary(let function, let activation): return BinaryOperatorDefinition(function: function, activation: activation)
        case .unary(let function): return UnaryOperatorDefinition(function: function)
        case .prelu: return PReluOperator()
        case .range: return RangeOperator()
        case .einsum(let equation): return EinsumOperator(equation: equation)
        case .nonZero: return NonZeroOperator()
        case .conditional(let branches): return ConditionalOperator(branches: branches)
        case .softmax(let a): return SoftmaxOperator(attributes: a)
        case .maxPool(let a): return PoolingOperator(attributes: a, isMax: true)
        case .averagePool(let a): return PoolingOperator(attributes: a, isMax: false)
        case .globalAveragePool: return GlobalPoolingOperator(isMax: false)
        case .globalMaxPool: return GlobalPoolingOperator(isMax: true)
        case .batchNormalization(let epsilon): return BatchNormalizationOperator(epsilon: epsilon)
        case .layerNormalization(let axis, let epsilon): return LayerNormalizationOperator(axis: axis, epsilon: epsilon)
        case .compare(let comparison): return CompareOperator(comparison: comparison)
        case .logical(let function): return LogicalOperatorDefinition(function: function)
        case .where: return WhereOperator()
        case .gatherElements(let axis): return GatherElementsOperator(axis: axis)
        case .instanceNormalization(let epsilon): return GroupNormalizationOperator(groups: nil, epsilon: epsilon, parametersPerGroup: false)
        case .groupNormalization(let groups, let epsilon, let perGroup):
            return GroupNormalizationOperator(groups: groups, epsilon: epsilon, parametersPerGroup: perGroup)
        case .gatherND(let batchDims): return GatherNDOperator(batchDims: batchDims)
        case .scatterND(let reduction): return ScatterNDOperator(reduction: reduction)
        case .scatterElements(let axis, let reduction): return ScatterElementsOperator(axis: axis, reduction: reduction)
        case .recurrent(let attributes): return RecurrentOperator(attributes: attributes)
        case .depthToSpace(let blockSize, let mode): return BlockRearrangeOperator(depthToSpace: mode, blockSize: blockSize)
        case .spaceToDepth(let blockSize): return BlockRearrangeOperator(depthToSpace: nil, blockSize: blockSize)
        case .tile: return TileOperator()
        case .trilu(let upper): return TriluOperator(upper: upper)
        case .cumSum(let exclusive, let reverse): return CumSumOperator(exclusive: exclusive, reverse: reverse)
        case .argExtremum(let attributes): return ArgExtremumOperator(attributes: attributes)
        case .topK(let axis, let largest, _): return TopKOperator(axis: axis, largest: largest)
        case .localResponseNormalization(let a): return LocalResponseNormalizationOperator(attributes: a)
        case .concat(let axis): return ConcatOperator(axis: axis)
        case .split(let axis, let sizes): return SplitOperator(axis: axis, sizes: sizes)
        case .slice: return SliceOperator()
        case .gather(let axis): return GatherOperator(axis: axis)
        case .reshape(let allowZero): return ReshapeOperator(form: .reshape(allowZero: allowZero))
        case .flatten(let axis): return ReshapeOperator(form: .flatten(axis: axis))
        case .squeeze(let axes): return ReshapeOperator(form: .squeeze(axes: axes))
        case .unsqueeze(let axes): return ReshapeOperator(form: .unsqueeze(axes: axes))
        case .identity: return ReshapeOperator(form: .identity)
        case .transpose(let permutation): return TransposeOperator(permutation: permutation)
        case .expand: return ExpandOperator()
        case .pad(let mode): return PadOperator(mode: mode)
        case .resize(let a): return ResizeOperator(attributes: a)
        case .reduce(let reduction): return ReduceOperator(reduction: reduction)
        case .shape(let start, let end): return ShapeOperator(start: start, end: end)
        case .cast(let dtype): return CastOperator(dtype: dtype)
        case .constantOfShape(let value): return ConstantOfShapeOperator(value: value)
        case .quantizeLinear: return QuantizeLinearOperator()
        case .dequantizeLinear: return DequantizeLinearOperator()
        case .unsupported(let detail): return UnsupportedOperatorDefinition(detail: detail)
        }
    }

    /// The types of `node`'s outputs. Throws a `GraphError` naming the node when inputs do not fit,
    /// when a size overflows, or when an output is larger than `limits` allow one tensor — before
    /// anything of that size is allocated. Every shape rule goes through here, so none of them
    /// has to repeat the bound.
    public static func outputTypes(of node: Node, in graph: Graph, limits: ResourceLimits = .current) throws -> [TensorType] {
        try naming(node) {
            let types = try definition(of: node.operation).outputTypes(NodeContext(node: node, graph: graph))
            for type in types { try limits.check(type) }
            return types
        }
    }

    /// Runs `body`, turning a `SizeOverflow` from a shape rule, kernel or lowering into a
    /// one-line `GraphError` naming `node`.
    static func naming<T>(_ node: Node, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let overflow as SizeOverflow {
            throw GraphError.at(node, .shapeMismatch, overflow.detail)
        }
    }

    /// The outputs of `node` given its inputs (nil where absent) and its already inferred output
    /// types. Shared by the executor and by constant folding, so a folded constant is computed by
    /// exactly the code that would have computed it at run time.
    public static func evaluate(_ node: Node, in graph: Graph, inputs: [Tensor?], outputTypes: [TensorType], training: Bool = false) throws -> [Tensor] {
        try naming(node) {
            try definition(of: node.operation).evaluate(NodeContext(node: node, graph: graph), KernelInputs(inputs, outputTypes: outputTypes, node: node, training: training))
        }
    }

    /// Gradients of `node`'s inputs (see `OperatorDefinition.backward`).
    public static func backward(_ node: Node, in graph: Graph, _ request: GradientRequest) throws -> [Tensor?] {
        guard let definition = definition(of: node.operation) as? any Differentiable else {
            throw ExecutionError.unsupported("\(node.operation.kindName) node '\(node.name)' has no gradient")
        }
        return try naming(node) { try definition.backward(NodeContext(node: node, graph: graph), request) }
    }

    /// Whether `operation` has a backward.
    public static func isDifferentiable(_ operation: Operation) -> Bool { definition(of: operation) is any Differentiable }

    /// The inputs whose new values a training-mode forward of `node` appends to its outputs.
    public static func trainingState(of node: Node, in graph: Graph) -> [Int] {
        definition(of: node.operation).trainingState(NodeContext(node: node, graph: graph))
    }

    /// How post-training quantization treats `node`.
    public static func int8Role(of node: Node, in graph: Graph) -> Int8Role {
        definition(of: node.operation).int8Role(NodeContext(node: node, graph: graph))
    }

    /// Multiply-accumulates of one run of `node` (0 where they do not dominate its cost).
    public static func macs(of node: Node, in graph: Graph) -> Int {
        definition(of: node.operation).macs(NodeContext(node: node, graph: graph))
    }

    /// Lowers every node of a prepared graph (shapes bound, constants folded) to its `.edgem`
    /// record; the tables and requantization arrays int8 operators read are added to `graph`.
    public static func lower(_ graph: inout Graph, maxRank: Int) throws -> [LoweredOperator] {
        // One context owns the graph while it grows, so adding a constant copies nothing.
        let context = LoweringContext(graph: graph)
        graph = Graph()
        defer { graph = context.graph }
        var result: [LoweredOperator] = []
        for node in context.graph.nodes {
            context.node = node
            let inputRanks = node.inputs.compactMap { $0.flatMap { context.graph.type(of: $0)?.shape.count } }
            guard context.outputShape.count <= maxRank, inputRanks.allSatisfy({ $0 <= maxRank }) else {
                throw context.fail("tensors of rank above \(maxRank) are not supported by the format")
            }
            // An int8 operator's output needs its scale and zero point, whatever its kind.
            let dequantizes: Bool = { if case .dequantizeLinear = node.operation { return true }; return false }()
            if context.isInt8 && !dequantizes { _ = try context.outputQuantization }
            result.append(try naming(node) { try definition(of: node.operation).lower(context) })
        }
        return result
    }
}
