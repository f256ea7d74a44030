import EdgeIR

/// QuantizeLinear: float to int8 with the output value's scale and zero point (per tensor, or per
/// slice along the parameters' axis). Rounds exactly as the runtime's QUANTIZE does: the quotient
/// `x / scale` in float32, rounded half away from zero, clamped, NaN to the zero point.
struct QuantizeLinearOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        try checkAxis(node, node.node.outputs[0], shape: x.shape)
        return [TensorType(.int8, x.shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0)
        return [try parameters(node, of: node.node.outputs[0]).quantize(x)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.quantize, node.data, []) }
}

/// DequantizeLinear: int8 to float with the input value's scale and zero point, `scale · (q − zero)`
/// in float32 as the runtime's DEQUANTIZE computes it.
struct DequantizeLinearOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        try checkAxis(node, node.node.input(0)!, shape: x.shape)
        return [TensorType(.float32, x.shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        // int8 activations and weights; int32 biases, whose scale is s_input · s_weight.
        guard x.dtype == .int8 || x.dtype == .int32 else {
            throw ExecutionError.unsupported("DequantizeLinear node '\(node.name)' on \(x.dtype) input")
        }
        return [try parameters(node, of: node.node.input(0)!).dequantize(x)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.dequantize, node.data, []) }
}

/// The quantization parameters recorded on `value`, which the node needs.
private func parameters(_ node: NodeContext, of value: ValueID) throws -> QuantizationParameters {
    guard let q = node.graph.values[value].quantization else {
        throw ExecutionError.invalidInput("\(node.kindName) node '\(node.name)': '\(node.graph.name(of: value))' has no scale and zero point")
    }
    return q
}

/// Per-channel parameters must run along an axis of the tensor, one scale per slice.
private func checkAxis(_ node: NodeContext, _ value: ValueID, shape: [Int]) throws {
    guard let q = node.graph.values[value].quantization, let axis = q.axis, q.scales.count > 1 else { return }
    guard axis >= 0, axis < shape.count, shape[axis] == q.scales.count else {
        throw node.fail("\(q.scales.count) scales along axis \(axis) do not fit the tensor's shape \(shape)")
    }
}

extension QuantizeLinearOperator: Differentiable {
    /// The straight-through estimator of quantization-aware training (`QuantizationParameters.quantizeGradient`).
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0)
        guard request.wants(0) else { return [nil] }
        let params = try parameters(node, of: node.node.outputs[0])
        return [Tensor(shape: x.shape, floats: params.quantizeGradient(request.gradient(), input: x))]
    }
}

extension DequantizeLinearOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard request.wants(0) else { return [nil] }
        let params = try parameters(node, of: node.node.input(0)!)
        return [Tensor(shape: x.shape, floats: params.dequantizeGradient(request.gradient(), shape: x.shape))]
    }
}
