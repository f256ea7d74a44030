import EdgeIR

/// QuantizeLinear: float to int8 with the output value's scale and zero point (per tensor, or per
/// slice along the parameters' axis). Rounds exactly as the runtime's QUANTIZE does: the quotient
/// `x / scale` in float32, rounded half away from zero, clamped, NaN to the zero point.
struct QuantizeLinearOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] { [TensorType(.int8, try node.type(0).shape)] }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0)
        let q = try parameters(node, of: node.node.outputs[0])
        let values = x.floats!
        let result = values.indices.map { i -> Int8 in
            let (scale, zero) = q.parameters(at: i, shape: x.shape)
            return QuantizationParameters.quantizeLikeRuntime(values[i], scale: scale, zeroPoint: zero)
        }
        return [Tensor(shape: x.shape, storage: .int8(result))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.quantize, node.data, []) }
}

/// DequantizeLinear: int8 to float with the input value's scale and zero point, `scale · (q − zero)`
/// in float32 as the runtime's DEQUANTIZE computes it.
struct DequantizeLinearOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] { [TensorType(.float32, try node.type(0).shape)] }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        // int8 activations and weights; int32 biases, whose scale is s_input · s_weight.
        guard x.dtype == .int8 || x.dtype == .int32 else {
            throw ExecutionError.unsupported("DequantizeLinear node '\(node.name)' on \(x.dtype) input")
        }
        let q = try parameters(node, of: node.node.input(0)!)
        let values = x.storage.int64s
        let result = values.indices.map { i -> Float in
            let (scale, zero) = q.parameters(at: i, shape: x.shape)
            return scale * Float(Int32(truncatingIfNeeded: values[i]) - zero)
        }
        return [Tensor(shape: x.shape, floats: result)]
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
