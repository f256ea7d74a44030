import EdgeIR

/// Resize (and Upsample) by nearest, linear or cubic interpolation, linear and cubic also
/// antialiased. Inputs X, roi?, scales?, sizes?.
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
        guard !attributes.isFiltered else { return .none(reason: "cubic and antialiased resizes have no int8 kernel") }
        return node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0), outputShape = node.outputShape
        let axes = (attributes.axes ?? Array(0..<x.count)).map { Shapes.normalizedAxis($0, rank: x.count)! }
        let given = node.constant(3) == nil ? node.constant(2)?.floats : nil
        var scales = (0..<x.count).map { Float(outputShape[$0]) / Float(x[$0]) }
        if let given = given, !given.isEmpty {
            for (i, axis) in axes.enumerated() { scales[axis] = given[i] }
        }
        let modes: [Resize.Mode: UInt32] = [.nearest: 0, .linear: 1, .cubic: 2]
        let coordinate: [Resize.CoordinateTransformation: UInt32] = [.halfPixel: 0, .halfPixelSymmetric: 1, .pytorchHalfPixel: 2, .alignCorners: 3, .asymmetric: 4]
        let rounding: [Resize.NearestRounding: UInt32] = [.roundPreferFloor: 0, .roundPreferCeil: 1, .floor: 2, .ceil: 3, .legacySimple: 4]
        // A filter resize adds its three fields; nearest and linear keep the 11 of older files.
        let filter = attributes.isFiltered
            ? [Fields.float(attributes.cubicCoefficient), attributes.excludeOutside ? 1 : 0, attributes.antialias ? 1 : 0] : []
        return node.make(.resize, node.data, [modes[attributes.mode]!, coordinate[attributes.coordinateTransformation]!, rounding[attributes.nearestRounding]!]
                         + (scales + Array(repeating: 1, count: 8 - scales.count)).map(Fields.float) + filter)
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
