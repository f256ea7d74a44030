import EdgeIR

/// Resize (and Upsample) by nearest or linear interpolation. Inputs X, roi?, scales?, sizes?.
struct ResizeOperator: OperatorDefinition {
    let attributes: Resize

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let scales = try node.parameter(2, "scales")?.floats
        let sizes = try node.parameter(3, "sizes")?.storage.int64s
        return [TensorType(x.dtype, try ShapeInference.resizedShape(input: x.shape, scales: scales, sizes: sizes, axes: attributes.axes, node: node.node))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let scales = inputs.optional(3) == nil ? inputs.optional(2)?.floats : nil
        return [ResizeKernels.resize(attributes, x: try inputs.float(0), output: inputs.output, scales: scales)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0), outputShape = node.outputShape
        let axes = (attributes.axes ?? Array(0..<x.count)).map { Shapes.normalizedAxis($0, rank: x.count)! }
        let given = node.constant(3) == nil ? node.constant(2)?.floats : nil
        var scales = (0..<x.count).map { Float(outputShape[$0]) / Float(x[$0]) }
        if let given = given, !given.isEmpty {
            for (i, axis) in axes.enumerated() { scales[axis] = given[i] }
        }
        let modeCode: UInt32 = attributes.mode == .nearest ? 0 : 1
        let coordinate: [Resize.CoordinateTransformation: UInt32] = [.halfPixel: 0, .halfPixelSymmetric: 1, .pytorchHalfPixel: 2, .alignCorners: 3, .asymmetric: 4]
        let rounding: [Resize.NearestRounding: UInt32] = [.roundPreferFloor: 0, .roundPreferCeil: 1, .floor: 2, .ceil: 3, .legacySimple: 4]
        return node.make(.resize, node.data, [modeCode, coordinate[attributes.coordinateTransformation]!, rounding[attributes.nearestRounding]!]
                         + (scales + Array(repeating: 1, count: 8 - scales.count)).map(Fields.float))
    }
}

extension ResizeOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0)
        guard request.wants(0) else { return [nil] }
        let scales = request.inputs.optional(3) == nil ? request.inputs.optional(2)?.floats : nil
        let dx = ResizeKernels.resizeGradient(attributes, inputShape: x.shape, outputShape: request.outputs[0].shape, scales: scales, gradient: request.gradient())
        return [Tensor(shape: x.shape, floats: dx)]
    }
}
