import EdgeIR

/// The ONNX reductions (Mean, Sum, Max, Min, Prod, L1, L2, LogSumExp, SumSquare) over some axes. Input X.
struct ReduceOperator: OperatorDefinition {
    let reduction: Reduction

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let axes = try Set((reduction.axes ?? Array(0..<x.shape.count)).map { try node.axis($0, rank: x.shape.count) })
        var shape: [Int] = []
        for (a, d) in x.shape.enumerated() {
            if axes.contains(a) { if reduction.keepDims { shape.append(1) } } else { shape.append(d) }
        }
        return [TensorType(x.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try ReductionKernels.reduce(reduction, x: try inputs.required(0), output: inputs.output)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let rank = try node.shape(0).count
        let axes = (reduction.axes ?? Array(0..<rank)).map { Shapes.normalizedAxis($0, rank: rank)! }
        let mask = axes.reduce(UInt32(0)) { $0 | (1 << UInt32($1)) }
        return node.make(.reduce, node.data, [UInt32(Reduction.Kind.allCases.firstIndex(of: reduction.kind)!), mask])
    }
}

extension ReduceOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard x.dtype == .float32, request.wants(0) else { return [nil] }
        guard [.mean, .sum, .max].contains(reduction.kind) else { throw node.fail("\(reduction.kind.onnxName) has no gradient") }
        return [Tensor(shape: x.shape, floats: ElementwiseGradients.reduction(reduction, x: x, y: request.outputs[0], gradient: request.gradient()))]
    }
}
