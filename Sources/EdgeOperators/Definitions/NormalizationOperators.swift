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

/// LayerNormalization (opset 17): each slice over the axes from `axis` to the last is normalized
/// to zero mean and unit variance, then scaled and shifted. Inputs X, scale, bias?; scale and bias
/// broadcast to the normalized shape. The runtime's record takes them at the normalized size.
struct LayerNormalizationOperator: OperatorDefinition {
    let axis: Int
    let epsilon: Float

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.dtype == .float32 else { throw node.fail("expects a float input, got \(x.dtype)") }
        let a = try node.axis(axis, rank: x.shape.count)
        let normalized = Array(x.shape[a...])
        for (index, what) in [(1, "scale"), (2, "bias")] {
            guard let p = try node.optionalType(index) else {
                if index == 1 { throw node.fail("scale is missing") }
                continue
            }
            guard p.dtype == .float32, Shapes.broadcast(normalized, p.shape) == normalized else {
                throw node.fail("\(what) of shape \(p.shape) does not broadcast to the normalized shape \(normalized)")
            }
        }
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0)
        let a = Shapes.normalizedAxis(axis, rank: x.rank)!
        let normalized = Array(x.shape[a...])
        let scale = NormalizationKernels.expanded(try inputs.float(1), to: normalized)
        let bias = inputs.optional(2) == nil ? nil : NormalizationKernels.expanded(try inputs.float(2), to: normalized)
        return [NormalizationKernels.layerNormalization(x, size: Shapes.elementCount(normalized), epsilon: epsilon, scale: scale, bias: bias).y]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let shape = try node.shape(0)
        let a = Shapes.normalizedAxis(axis, rank: shape.count)!
        let normalized = Array(shape[a...])
        // Scale and bias at the normalized size, so the kernel reads them without a broadcast walk.
        var parameters: [ValueID?] = []
        for (index, suffix) in [(1, "scale"), (2, "bias")] {
            guard let id = node.node.input(index) else { parameters.append(nil); continue }
            if try node.shape(index) == normalized || Shapes.elementCount(try node.shape(index)) == Shapes.elementCount(normalized) {
                parameters.append(id)
            } else if let constant = node.constant(index) {
                parameters.append(node.addConstant(suffix, Tensor(shape: normalized, floats: NormalizationKernels.expanded(constant, to: normalized))))
            } else {
                throw node.fail("\(suffix) is computed at run time and smaller than the normalized shape \(normalized)")
            }
        }
        return node.make(.layerNormalization, [node.node.input(0)] + parameters, [Fields.int(a), Fields.float(epsilon)])
    }
}

extension LayerNormalizationOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0), scaleTensor = try request.inputs.float(1)
        let a = Shapes.normalizedAxis(axis, rank: x.rank)!
        let normalized = Array(x.shape[a...])
        let size = Shapes.elementCount(normalized)
        let scale = NormalizationKernels.expanded(scaleTensor, to: normalized)
        let forward = NormalizationKernels.layerNormalization(x, size: size, epsilon: epsilon, scale: scale, bias: nil)
        let (dx, dScale, dBias) = NormalizationGradients.layerNormalization(gradient: request.gradient(), normalized: forward.normalized,
                                                                          inverseDeviations: forward.inverseDeviations, scale: scale, size: size)
        var result: [Tensor?] = [
            request.wants(0) ? Tensor(shape: x.shape, floats: dx) : nil,
            request.wants(1) ? Tensor(shape: scaleTensor.shape, floats: ElementwiseGradients.reduce(dScale, from: normalized, to: scaleTensor.shape)) : nil,
        ]
        if let bias = request.inputs.optional(2) {
            result.append(request.wants(2) ? Tensor(shape: bias.shape, floats: ElementwiseGradients.reduce(dBias, from: normalized, to: bias.shape)) : nil)
        }
        return result
    }
}

/// GroupNormalization and InstanceNormalization: each sample's channels in `groups` groups, each
/// group normalized to zero mean and unit variance over its channels and spatial positions, then
/// scaled and shifted per channel. Inputs X `[N, C, ...]`, scale, bias. InstanceNormalization is
/// one group per channel (`groups` nil); GroupNormalization-18 gives scale and bias per group
/// (`parametersPerGroup`), GroupNormalization-21 per channel.
struct GroupNormalizationOperator: OperatorDefinition {
    /// nil: one group per channel (InstanceNormalization).
    let groups: Int?
    let epsilon: Float
    let parametersPerGroup: Bool

    /// The group count for `channels`, checked: it must divide them.
    func groupCount(channels: Int, _ node: NodeContext) throws -> Int {
        guard let groups = groups else { return channels }
        guard groups > 0, channels % groups == 0 else { throw node.fail("num_groups \(groups) does not divide the \(channels) channels") }
        return groups
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.dtype == .float32 else { throw node.fail("expects a float input, got \(x.dtype)") }
        // InstanceNormalization's X has at least one spatial dimension (onnxruntime refuses [N, C]).
        let minimumRank = self.groups == nil ? 3 : 2
        guard x.shape.count >= minimumRank else { throw node.fail("expects an input [N, C, ...] of rank >= \(minimumRank), got \(x.shape)") }
        guard epsilon >= 0 else { throw node.fail("epsilon \(epsilon) is not a non-negative number") }
        let groups = try groupCount(channels: x.shape[1], node)
        let expected = parametersPerGroup ? groups : x.shape[1]
        for (index, what) in [(1, "scale"), (2, "bias")] {
            let p = try node.type(index)
            guard p.dtype == .float32, p.shape == [expected] else {
                throw node.fail("\(what) is \(p), expected float32[\(expected)] (one value per \(parametersPerGroup ? "group" : "channel"))")
            }
        }
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0)
        let channels = x.shape[1], groups = try groupCount(channels: channels, node)
        // Per-group parameters repeated over each group's channels: the kernel reads one per channel.
        func perChannel(_ values: [Float]) -> [Float] {
            parametersPerGroup ? (0..<channels).map { values[$0 / (channels / groups)] } : values
        }
        return [NormalizationKernels.groupNormalization(x, groups: groups, epsilon: epsilon, scale: perChannel(try inputs.float(1).floats!),
                                                        bias: perChannel(try inputs.float(2).floats!))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let groups = try groupCount(channels: try node.shape(0)[1], node.context)
        return node.make(.groupNormalization, Array(node.node.inputs.prefix(3)),
                         [Fields.int(Int(try CheckedSize.int32(groups))), Fields.float(epsilon), parametersPerGroup ? 1 : 0])
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
