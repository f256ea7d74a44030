import EdgeIR

/// MaxPool and AveragePool over 1-D, 2-D and 3-D windows (3-D in float only). Input X.
struct PoolingOperator: OperatorDefinition {
    let attributes: Pooling
    let isMax: Bool

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let spatial = x.shape.count - 2
        guard spatial >= 1, attributes.kernelShape.count == spatial else {
            throw node.fail("kernel \(attributes.kernelShape) does not fit input \(x.shape)")
        }
        let input = Array(x.shape[2...])
        let pads = try WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: input, kernel: attributes.kernelShape, strides: attributes.strides, dilations: attributes.dilations)
        var output = Array(x.shape.prefix(2))
        for axis in 0..<spatial {
            let size = try WindowGeometry.outputSize(input: input[axis], kernel: attributes.kernelShape[axis], stride: attributes.strides[axis], dilation: attributes.dilations[axis], padBegin: pads[axis], padEnd: pads[spatial + axis], ceilMode: attributes.ceilMode)
            guard size > 0 else { throw node.fail("the window \(attributes.kernelShape) does not fit the input \(input)") }
            output.append(size)
        }
        return [TensorType(x.dtype, output)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [PoolingKernels.pool(attributes, isMax: isMax, x: try inputs.float(0), output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard attributes.kernelShape.count <= 2 else { return .none(reason: "3-D pooling has no int8 kernel") }
        return node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0)
        let pads = try WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x[2...]), kernel: attributes.kernelShape, strides: attributes.strides, dilations: attributes.dilations)
        let kernel = attributes.kernelShape.count == 1 ? [1] + attributes.kernelShape : attributes.kernelShape
        let fields = kernel.map(Fields.int) + Fields.spatial(strides: attributes.strides, dilations: attributes.dilations, pads: pads) + [attributes.countIncludePad ? 1 : 0]
        // MAX_POOL compares bytes in either dtype; average pooling has its own int8 kind.
        let kind: EdgemOperatorKind = isMax ? .maxPool : node.isInt8 ? .averagePoolInt8 : .averagePool
        return node.make(kind, node.data, fields)
    }
}

/// GlobalAveragePool and GlobalMaxPool: every spatial dimension reduced to 1. Input X.
struct GlobalPoolingOperator: OperatorDefinition {
    let isMax: Bool

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.shape.count >= 3 else { throw node.fail("expects an input of rank >= 3, got \(x.shape)") }
        return [TensorType(x.dtype, Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.shape.count - 2))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [PoolingKernels.global(isMax: isMax, x: try inputs.float(0), output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard !isMax else { return .none(reason: "GlobalMaxPool has no int8 kernel") }
        return node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        if isMax { return node.make(.globalMaxPool, node.data, []) }
        return node.make(node.isInt8 ? .globalAveragePoolInt8 : .globalAveragePool, node.data, [])
    }
}

extension PoolingOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0)
        guard request.wants(0) else { return [nil] }
        return [Tensor(shape: x.shape, floats: PoolingKernels.poolGradient(attributes, isMax: isMax, x: x, outputShape: request.outputs[0].shape, gradient: request.gradient()))]
    }
}

extension GlobalPoolingOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0)
        guard request.wants(0) else { return [nil] }
        return [Tensor(shape: x.shape, floats: PoolingKernels.globalGradient(isMax: isMax, x: x, gradient: request.gradient()))]
    }
}
