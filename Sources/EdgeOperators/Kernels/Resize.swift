import EdgeIR

/// Resize with nearest and (multi-)linear interpolation. Linear interpolation is separable, so it runs
/// one resized axis at a time.
enum ResizeKernels {
    static func resize(_ attributes: Resize, x: Tensor, output: TensorType, scales: [Float]?) -> Tensor {
        var current = x.floats!
        for step in axisSteps(attributes, inputShape: x.shape, outputShape: output.shape, scales: scales) {
            current = resizeAxis(current, shape: step.shapeBefore, axis: step.axis, outLength: step.outLength, scale: step.scale, attributes: attributes)
        }
        return Tensor(shape: output.shape, floats: current)
    }

    /// One resized axis: the shape before it is resized, its new length and its scale.
    struct AxisStep {
        var axis: Int
        var shapeBefore: [Int]
        var outLength: Int
        var scale: Float
    }

    /// The axes the forward resizes, in order.
    static func axisSteps(_ attributes: Resize, inputShape: [Int], outputShape: [Int], scales: [Float]?) -> [AxisStep] {
        var shape = inputShape
        let rank = inputShape.count
        let axisList = (attributes.axes ?? Array(0..<rank)).map { Shapes.normalizedAxis($0, rank: rank)! }
        var steps: [AxisStep] = []
        for axis in 0..<rank where outputShape[axis] != inputShape[axis] || scaleFor(axis, axisList, scales) != nil {
            let outLength = outputShape[axis]
            let scale = scaleFor(axis, axisList, scales) ?? Float(outLength) / Float(shape[axis])
            if outLength == shape[axis] && scale == 1 { continue }
            steps.append(AxisStep(axis: axis, shapeBefore: shape, outLength: outLength, scale: scale))
            shape[axis] = outLength
        }
        return steps
    }

    /// The scale the model gave for `axis`, when it gave scales (not sizes).
    private static func scaleFor(_ axis: Int, _ axes: [Int], _ scales: [Float]?) -> Float? {
        guard let scales = scales, !scales.isEmpty, let i = axes.firstIndex(of: axis) else { return nil }
        return scales[i]
    }

    /// Input coordinate that output index `o` maps to.
    static func sourceCoordinate(_ o: Int, inLength: Int, outLength: Int, scale: Float, _ mode: Resize.CoordinateTransformation) -> Float {
        let x = Float(o)
        switch mode {
        case .halfPixel: return (x + 0.5) / scale - 0.5
        case .pytorchHalfPixel: return outLength > 1 ? (x + 0.5) / scale - 0.5 : 0
        case .alignCorners: return outLength == 1 ? 0 : x * Float(inLength - 1) / Float(outLength - 1)
        case .asymmetric: return x / scale
        case .halfPixelSymmetric:
            let adjustment = Float(outLength) / (scale * Float(inLength))
            let center = Float(inLength) / 2
            return center * (1 - adjustment) + (x + 0.5) / scale - 0.5
        }
    }

    /// For every output index along an axis: two source indices and the weight of the second.
    static func axisTable(inLength: Int, outLength: Int, scale: Float, attributes: Resize) -> (first: [Int], second: [Int], weight: [Float]) {
        var first = [Int](repeating: 0, count: outLength)
        var second = [Int](repeating: 0, count: outLength)
        var weight = [Float](repeating: 0, count: outLength)
        for o in 0..<outLength {
            let source = sourceCoordinate(o, inLength: inLength, outLength: outLength, scale: scale, attributes.coordinateTransformation)
            switch attributes.mode {
            case .nearest:
                let rounded: Float
                switch attributes.nearestRounding {
                case .roundPreferFloor: rounded = source == source.rounded(.down) + 0.5 ? source.rounded(.down) : source.rounded()
                case .roundPreferCeil: rounded = source.rounded()
                case .floor: rounded = source.rounded(.down)
                case .ceil: rounded = source.rounded(.up)
                case .legacySimple: rounded = scale < 1 ? source.rounded(.up) : source.rounded(.down)
                }
                // Clamped as a float: a coordinate far outside (or NaN) must not trap the conversion.
                first[o] = rounded.isNaN ? 0 : Int(min(max(rounded, 0), Float(inLength - 1)))
                second[o] = first[o]
            case .linear:
                let clamped = source.isNaN ? 0 : min(max(source, 0), Float(inLength - 1))
                let low = clamped.rounded(.down)
                first[o] = Int(low)
                second[o] = min(Int(low) + 1, inLength - 1)
                weight[o] = clamped - low
            }
        }
        return (first, second, weight)
    }

    private static func resizeAxis(_ values: [Float], shape: [Int], axis: Int, outLength: Int, scale: Float, attributes: Resize) -> [Float] {
        let inLength = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        let (first, second, weight) = axisTable(inLength: inLength, outLength: outLength, scale: scale, attributes: attributes)
        var result = [Float](repeating: 0, count: outer * outLength * inner)
        values.withUnsafeBufferPointer { xp in
            result.withUnsafeMutableBufferPointer { yp in
                for n in 0..<outer {
                    for o in 0..<outLength {
                        let a = xp.baseAddress! + (n * inLength + first[o]) * inner
                        let b = xp.baseAddress! + (n * inLength + second[o]) * inner
                        let y = yp.baseAddress! + (n * outLength + o) * inner
                        let w = weight[o]
                        if w == 0 {
                            for i in 0..<inner { y[i] = a[i] }
                        } else {
                            for i in 0..<inner { y[i] = a[i] + (b[i] - a[i]) * w }
                        }
                    }
                }
            }
        }
        return result
    }
}
