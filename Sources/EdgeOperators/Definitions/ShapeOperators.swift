import EdgeIR

/// Shape: the input's dimensions (or the part start..<end) as int64. Always folded once input
/// shapes are bound. Input X.
struct ShapeOperator: OperatorDefinition {
    let start: Int
    let end: Int?

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        return [TensorType(.int64, [ShapeInference.shapeRange(rank: x.shape.count, start: start, end: end).count])]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let range = ShapeInference.shapeRange(rank: x.rank, start: start, end: end)
        return [Tensor(shape: [range.count], int64s: x.shape[range].map { Int64($0) })]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        throw node.fail("should have been folded to a constant; its input shapes are not static")
    }
}

/// Cast to another element type. Input X.
struct CastOperator: OperatorDefinition {
    let dtype: DType

    func outputTypes(_ node: NodeContext) throws -> [TensorType] { [TensorType(dtype, try node.type(0).shape)] }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        return [Tensor(shape: x.shape, storage: x.storage.converted(to: dtype))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.cast, node.data, [UInt32(dtype.rawValue)]) }
}

/// ConstantOfShape: a tensor of the given shape filled with one value. Always folded. Input shape.
struct ConstantOfShapeOperator: OperatorDefinition {
    let value: Tensor

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let shape = try node.requiredParameter(0, "the shape").storage.int64s
        guard shape.allSatisfy({ $0 >= 0 }) else { throw node.fail("negative dimension in \(shape)") }
        return [TensorType(value.dtype, shape.map { Int($0) })]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let output = inputs.output
        return [Tensor(shape: output.shape, storage: value.storage.gathering(Array(repeating: 0, count: output.elementCount)))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        throw node.fail("should have been folded to a constant; its input shapes are not static")
    }
}

/// A node the front end read but edgec cannot run: every question about it names the reason.
struct UnsupportedOperatorDefinition: OperatorDefinition {
    let detail: UnsupportedOperator

    func outputTypes(_ node: NodeContext) throws -> [TensorType] { throw GraphError.at(node.node, .unsupported, detail.reason) }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        throw ExecutionError.unsupported("\(detail.opType) node '\(node.name)': \(detail.reason)")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { throw node.fail(detail.reason) }
}

/// Operators whose outputs do not depend on their inputs' values differentiably (shapes, filled
/// tensors): no gradient flows back through them.
protocol HasNoGradient: Differentiable {}

extension HasNoGradient {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        Array(repeating: nil, count: request.inputs.tensors.count)
    }
}

extension ShapeOperator: HasNoGradient {}
extension ConstantOfShapeOperator: HasNoGradient {}
extension RangeOperator: HasNoGradient {}

extension CastOperator: Differentiable {
    /// A cast between floats passes the gradient; to or from integers there is none.
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard x.dtype == .float32, dtype == .float32, request.wants(0) else { return [nil] }
        return [Tensor(shape: x.shape, floats: request.gradient())]
    }
}
