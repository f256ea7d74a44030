import EdgeIR

/// Conv: grouped and depthwise convolution in 1, 2 or 3 spatial dimensions (3-D in float only: the
/// int8 kernels are 2-D). Inputs X, W, B?.
struct ConvolutionOperator: OperatorDefinition {
    let attributes: Convolution

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), w = try node.type(1)
        let spatial = x.shape.count - 2
        guard spatial >= 1, w.shape.count == x.shape.count else {
            throw node.fail("input \(x.shape) and weight \(w.shape) must both have rank >= 3 and equal ranks")
        }
        guard attributes.group >= 1, x.shape[1] == (try? CheckedSize.multiply(w.shape[1], attributes.group)), w.shape[0] % attributes.group == 0 else {
            throw node.fail("input has \(x.shape[1]) channels but weight \(w.shape) with group \(attributes.group) does not fit them (\(w.shape[1]) channels per group)")
        }
        if let b = try node.optionalType(2), b.shape != [w.shape[0]] {
            throw node.fail("bias has shape \(b.shape), expected [\(w.shape[0])]")
        }
        let kernel = Array(w.shape[2...])
        let input = Array(x.shape[2...])
        let pads = try WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: input, kernel: kernel, strides: attributes.strides, dilations: attributes.dilations)
        var output = [x.shape[0], w.shape[0]]
        for axis in 0..<spatial {
            let size = try WindowGeometry.outputSize(input: input[axis], kernel: kernel[axis], stride: attributes.strides[axis], dilation: attributes.dilations[axis], padBegin: pads[axis], padEnd: pads[spatial + axis])
            guard size > 0 else { throw node.fail("the kernel \(kernel) does not fit the padded input \(input)") }
            output.append(size)
        }
        return [TensorType(x.dtype, output)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [ConvolutionKernels.convolution(attributes, x: try inputs.float(0), w: try inputs.float(1), bias: inputs.optional(2), output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard node.isFloatActivation(0), node.isFloatConstant(1), node.node.input(2) == nil || node.isFloatConstant(2) else {
            return .none(reason: "its weights are not constants")
        }
        guard IntegerArithmetic.hasInt8Form(attributes.activation) else { return .none(reason: "fused \(attributes.activation!) has no int8 form") }
        guard attributes.strides.count <= 2 else { return .none(reason: "3-D convolutions have no int8 kernel") }
        return .weighted(weightAxis: 0)
    }

    func weightLayout(weightRank: Int) -> WeightLayout? {
        WeightLayout(input: 1, outputChannelAxis: attributes.group == 1 ? 0 : nil)
    }

    func macs(_ node: NodeContext) -> Int {
        guard let output = node.outputType(), let w = try? node.type(1) else { return 0 }
        return CheckedSize.saturatingProduct([output.elementCount, Shapes.elementCount(Array(w.shape.dropFirst()))])
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0), w = try node.shape(1)
        let pads = try WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x[2...]), kernel: Array(w[2...]), strides: attributes.strides, dilations: attributes.dilations)
        let geometry = [Fields.int(attributes.group)] + Fields.spatial(strides: attributes.strides, dilations: attributes.dilations, pads: pads)
        let inputs = Array(node.node.inputs.prefix(3))
        guard node.isInt8 else { return node.make(.conv, inputs, geometry + Fields.activation(attributes.activation)) }
        let weights = node.node.input(1)!
        let requantization = try IntegerArithmetic.addRequantization(node, weights: weights, channels: w[0])
        return node.make(.convInt8, [inputs[0], weights, node.node.input(2), requantization],
                         geometry + IntegerArithmetic.bounds(attributes.activation, try node.outputQuantization))
    }
}

/// ConvTranspose in 1, 2 or 3 spatial dimensions, with output_padding and output_shape. Inputs X, W, B?.
struct ConvolutionTransposeOperator: OperatorDefinition {
    let attributes: ConvolutionTranspose

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), w = try node.type(1)
        let spatial = x.shape.count - 2
        guard spatial >= 1, w.shape.count == x.shape.count, x.shape[1] == w.shape[0], w.shape[0] % attributes.group == 0 else {
            throw node.fail("input \(x.shape) does not fit weight \(w.shape) with group \(attributes.group)")
        }
        let geometry = try ShapeInference.transposedConvolutionGeometry(attributes, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
        guard geometry.output.allSatisfy({ $0 > 0 }) else { throw node.fail("output size \(geometry.output) is not positive") }
        return [TensorType(x.dtype, [x.shape[0], try CheckedSize.multiply(w.shape[1], attributes.group)] + geometry.output)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [ConvolutionKernels.transposed(attributes, x: try inputs.float(0), w: try inputs.float(1), bias: inputs.optional(2), output: inputs.output)]
    }

    func weightLayout(weightRank: Int) -> WeightLayout? { WeightLayout(input: 1, outputChannelAxis: nil) }

    func macs(_ node: NodeContext) -> Int {
        guard let x = try? node.type(0), let w = try? node.type(1) else { return 0 }
        return CheckedSize.saturatingProduct([x.elementCount, Shapes.elementCount(Array(w.shape.dropFirst()))])
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0), w = try node.shape(1)
        let geometry = try ShapeInference.transposedConvolutionGeometry(attributes, input: Array(x[2...]), kernel: Array(w[2...]))
        return node.make(.convTranspose, Array(node.node.inputs.prefix(3)),
                         [Fields.int(attributes.group)] + Fields.spatial(strides: attributes.strides, dilations: attributes.dilations, pads: geometry.pads) + Fields.activation(attributes.activation))
    }
}

extension ConvolutionOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0), w = try request.inputs.float(1)
        let y = request.outputs[0]
        let geometry = ConvolutionKernels.geometry(attributes, x: x.shape, w: w.shape, y: y.shape)
        let g = ElementwiseGradients.throughActivation(attributes.activation, request) {
            var plain = attributes
            plain.activation = nil
            return ConvolutionKernels.convolution(plain, x: x, w: w, bias: request.inputs.optional(2), output: y.type)
        }
        return [
            request.wants(0) ? Tensor(shape: x.shape, floats: ConvolutionGradients.input(geometry, w: w.floats!, dy: g)) : nil,
            request.wants(1) ? Tensor(shape: w.shape, floats: ConvolutionGradients.weights(geometry, x: x.floats!, dy: g)) : nil,
            request.wants(2) ? Tensor(shape: [w.shape[0]], floats: ConvolutionGradients.channelSums(g, batch: y.shape[0], channels: w.shape[0])) : nil,
        ]
    }
}

extension ConvolutionTransposeOperator: Differentiable {
    /// ConvTranspose is the adjoint of the Conv that maps its output space back to its input
    /// space with the same weights, so its backward is that Conv's forward (for X) and weight
    /// gradient (for W).
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0), w = try request.inputs.float(1)
        let y = request.outputs[0]
        let adjoint = ConvolutionKernels.adjointGeometry(attributes, x: x.shape, w: w.shape, y: y.shape)
        let g = ElementwiseGradients.throughActivation(attributes.activation, request) {
            var plain = attributes
            plain.activation = nil
            return ConvolutionKernels.transposed(plain, x: x, w: w, bias: request.inputs.optional(2), output: y.type)
        }
        return [
            request.wants(0) ? Tensor(shape: x.shape, floats: ConvolutionKernels.raw(adjoint, x: g, w: w.floats!)) : nil,
            request.wants(1) ? Tensor(shape: w.shape, floats: ConvolutionGradients.weights(adjoint, x: g, dy: x.floats!)) : nil,
            request.wants(2) ? Tensor(shape: [y.shape[1]], floats: ConvolutionGradients.channelSums(g, batch: y.shape[0], channels: y.shape[1])) : nil,
        ]
    }
}
