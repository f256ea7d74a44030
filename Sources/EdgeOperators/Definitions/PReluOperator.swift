import EdgeIR

/// PRelu: `x` where x >= 0, else `slope · x`, the slope broadcast to X one way (per channel as
/// PyTorch exports it, [C, 1, 1]; or one value; or per element). Inputs X, slope. Runs as the
/// runtime's BINARY with function PRELU, so it shares that kernel's broadcast walk.
struct PReluOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), slope = try node.type(1)
        guard x.dtype == .float32, slope.dtype == .float32 else { throw node.fail("expects float inputs, got \(x.dtype) and \(slope.dtype)") }
        guard Shapes.broadcast(x.shape, slope.shape) == x.shape else {
            throw node.fail("slope of shape \(slope.shape) does not broadcast to the input's shape \(x.shape)")
        }
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0), slope = try inputs.float(1)
        let y = ElementwiseKernels.broadcast(x.floats!, x.shape, slope.floats!, slope.shape, x.shape) { v, s in Self.apply(v, slope: s) }
        return [Tensor(shape: x.shape, floats: y)]
    }

    /// The formula, as the runtime writes it.
    @inline(__always)
    static func apply(_ x: Float, slope: Float) -> Float { x >= 0 ? x : x * slope }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.binary, Array(node.node.inputs.prefix(2)), [BinaryOperatorDefinition.preluCode] + Fields.activation(nil))
    }
}

extension PReluOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0), slope = try request.inputs.float(1)
        let g = request.gradient()
        let xs = x.floats!
        let slopes = ElementwiseGradients.expanded(slope, to: x.shape)
        return [
            request.wants(0) ? Tensor(shape: x.shape, floats: g.indices.map { xs[$0] > 0 ? g[$0] : g[$0] * slopes[$0] }) : nil,
            request.wants(1) ? Tensor(shape: slope.shape, floats: ElementwiseGradients.reduce(g.indices.map { xs[$0] > 0 ? 0 : g[$0] * xs[$0] }, from: x.shape, to: slope.shape)) : nil,
        ]
    }
}
