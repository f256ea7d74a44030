import EdgeIR

/// BatchNormalization in its inference form. Inputs X, scale, bias, mean, variance.
struct BatchNormalizationOperator: OperatorDefinition {
    let epsilon: Float

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.shape.count >= 2 else { throw node.fail("expects an input of rank >= 2, got \(x.shape)") }
        for i in 1...4 {
            let p = try node.type(i)
            guard p.shape == [x.shape[1]] else {
                throw node.fail("parameter \(i) has shape \(p.shape), expected [\(x.shape[1])] (the channel count)")
            }
        }
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let arguments = (x: try inputs.float(0), scale: try inputs.float(1), bias: try inputs.float(2), mean: try inputs.float(3), variance: try inputs.float(4))
        if inputs.training {
            return NormalizationGradients.batchNormalizationTraining(epsilon: epsilon, x: arguments.x, scale: arguments.scale, bias: arguments.bias,
                                                                     mean: arguments.mean, variance: arguments.variance)
        }
        return [NormalizationKernels.batchNormalization(epsilon: epsilon, x: arguments.x, scale: arguments.scale, bias: arguments.bias,
                                                        mean: arguments.mean, variance: arguments.variance)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.batchNormalization, Array(node.node.inputs.prefix(5)), [Fields.float(epsilon)])
    }
}

/// LRN across channels. Input X.
struct LocalResponseNormalizationOperator: OperatorDefinition {
    let attributes: LocalResponseNormalization

    func outputTypes(_ node: NodeContext) throws -> [TensorType] { [try node.type(0)] }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [NormalizationKernels.localResponseNormalization(attributes, x: try inputs.float(0))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.lrn, node.data, [Fields.int(attributes.size), Fields.float(attributes.alpha), Fields.float(attributes.beta), Fields.float(attributes.bias)])
    }
}

extension BatchNormalizationOperator: Differentiable {
    /// Running mean and variance: a training-mode forward returns their new values after Y.
    func trainingState(_ node: NodeContext) -> [Int] { [3, 4] }

    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0), scale = try request.inputs.float(1)
        let (dx, dScale, dBias) = NormalizationGradients.batchNormalization(
            epsilon: epsilon, x: x, scale: scale, mean: try request.inputs.float(3), variance: try request.inputs.float(4),
            gradient: request.gradient(), training: request.training)
        return [request.wants(0) ? Tensor(shape: x.shape, floats: dx) : nil,
                request.wants(1) ? Tensor(shape: scale.shape, floats: dScale) : nil,
                request.wants(2) ? Tensor(shape: scale.shape, floats: dBias) : nil, nil, nil]
    }
}
