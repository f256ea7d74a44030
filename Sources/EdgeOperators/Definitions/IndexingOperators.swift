import EdgeIR

/// GatherElements: the output has the indices' shape; each element is data's at the same position
/// except along `axis`, where the index says which. Inputs data, indices (same rank, each
/// dimension but `axis` at most data's).
struct GatherElementsOperator: OperatorDefinition {
    let axis: Int

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), indices = try node.type(1)
        _ = try IndexingRules.elementIndices(node, data: x, indices: indices, axis: axis)
        return [TensorType(x.dtype, indices.shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try IndexingKernels.gatherElements(try inputs.required(0), indices: try inputs.required(1), axis: axis, node: node.node)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.gatherElements, Array(node.node.inputs.prefix(2)), [Fields.int(Shapes.normalizedAxis(axis, rank: try node.shape(0).count)!)])
    }
}

/// GatherND: each k-tuple along the last axis of `indices` picks a slice of data; the first
/// `batchDims` dimensions are shared, pairing each batch of indices with its own batch of data.
/// Inputs data, indices (int64 or int32, negative values counting from the end). Output
/// `indices.shape[..<-1] + data.shape[batchDims + k...]`.
struct GatherNDOperator: OperatorDefinition {
    let batchDims: Int

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), indices = try node.type(1)
        try IndexingRules.indexType(node, indices)
        return [TensorType(x.dtype, try SliceAddressing(data: x.shape, indices: indices.shape, batchDims: batchDims, node: node).gatheredShape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try IndexingKernels.gatherND(try inputs.required(0), indices: try inputs.required(1), batchDims: batchDims, node: node)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.gatherND, Array(node.node.inputs.prefix(2)), [Fields.int(batchDims)])
    }
}

/// ScatterND (opset 16 with `reduction`): a copy of data in which the slice each k-tuple of
/// indices addresses is replaced by, added to or multiplied by the matching slice of updates, in
/// the order of the tuples. Inputs data, indices `[..., k]`, updates `indices.shape[..<-1] + data.shape[k...]`.
struct ScatterNDOperator: OperatorDefinition {
    let reduction: ScatterReduction

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), indices = try node.type(1), updates = try node.type(2)
        try IndexingRules.indexType(node, indices)
        let addressing = try SliceAddressing(data: x.shape, indices: indices.shape, batchDims: 0, node: node)
        try IndexingRules.updates(node, updates, expected: TensorType(x.dtype, addressing.gatheredShape), reduction: reduction)
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try IndexingKernels.scatterND(try inputs.required(0), indices: try inputs.required(1), updates: try inputs.required(2), reduction: reduction, node: node)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.scatterND, Array(node.node.inputs.prefix(3)), [IndexingRules.reductionField(reduction)])
    }
}

/// ScatterElements: a copy of data in which each element GatherElements would read for the same
/// indices is replaced by, added to or multiplied by the update at the index's position, in
/// row-major order of the indices. Inputs data, indices, updates (of the indices' shape).
struct ScatterElementsOperator: OperatorDefinition {
    let axis: Int
    let reduction: ScatterReduction

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), indices = try node.type(1), updates = try node.type(2)
        _ = try IndexingRules.elementIndices(node, data: x, indices: indices, axis: axis)
        try IndexingRules.updates(node, updates, expected: TensorType(x.dtype, indices.shape), reduction: reduction)
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try IndexingKernels.scatterElements(try inputs.required(0), indices: try inputs.required(1), updates: try inputs.required(2),
                                             axis: axis, reduction: reduction, node: node.node)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let normalized = Shapes.normalizedAxis(axis, rank: try node.shape(0).count)!
        return node.make(.scatterElements, Array(node.node.inputs.prefix(3)), [Fields.int(normalized), IndexingRules.reductionField(reduction)])
    }
}

extension GatherElementsOperator: MovesElements {}
extension GatherNDOperator: MovesElements {}

/// The shape rules the indexing operators share.
enum IndexingRules {
    static func indexType(_ node: NodeContext, _ indices: TensorType) throws {
        guard indices.dtype == .int64 || indices.dtype == .int32 else { throw node.fail("indices must be int32 or int64, got \(indices.dtype)") }
    }

    /// GatherElements' and ScatterElements' indices: of data's rank, no dimension larger than
    /// data's except along `axis`. Returns the axis in 0..<rank.
    static func elementIndices(_ node: NodeContext, data: TensorType, indices: TensorType, axis: Int) throws -> Int {
        try indexType(node, indices)
        let a = try node.axis(axis, rank: data.shape.count)
        guard indices.shape.count == data.shape.count,
              zip(indices.shape, data.shape).enumerated().allSatisfy({ $0.offset == a || $0.element.0 <= $0.element.1 }) else {
            throw node.fail("indices of shape \(indices.shape) do not fit data of shape \(data.shape) (same rank, no dimension larger except along axis \(a))")
        }
        return a
    }

    /// The scatters' updates: `expected` exactly, and a dtype `reduction` can combine.
    static func updates(_ node: NodeContext, _ updates: TensorType, expected: TensorType, reduction: ScatterReduction) throws {
        guard updates == expected else {
            throw node.fail("updates are \(updates), expected \(expected)")
        }
        guard reduction == .none || IndexingKernels.combines(expected.dtype) else {
            throw node.fail("reduction \(reduction.onnxName) on \(expected.dtype) data is not supported (float32, int32 and int64 are)")
        }
    }

    /// The SCATTER records' `reduction` field: 0 none, 1 add, 2 mul.
    static func reductionField(_ reduction: ScatterReduction) -> UInt32 { UInt32(ScatterReduction.allCases.firstIndex(of: reduction)!) }
}
