import EdgeIR

/// Resize with nearest, (multi-)linear and cubic interpolation, the last two also antialiased.
/// Interpolation is separable, so it runs one resized axis at a time. Nearest and linear read one or
/// two inputs per output; cubic and antialiased resizes (filter resizes) a run of inputs with weights.
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

    /// For every output index along an axis of a nearest or linear resize (filter resizes have
    /// `filterRuns`): two source indices and the weight of the second.
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
            case .linear, .cubic:
                let clamped = source.isNaN ? 0 : min(max(source, 0), Float(inLength - 1))
                let low = clamped.rounded(.down)
                first[o] = Int(low)
                second[o] = min(Int(low) + 1, inLength - 1)
                weight[o] = clamped - low
            }
        }
        return (first, second, weight)
    }

    /// The inputs one output reads along an axis: `weights.count` consecutive ones from `start`.
    struct Run {
        var start: Int
        var weights: [Float]
    }

    /// For every output index along an axis, the run of inputs it reads: a filter resize's (below),
    /// or nearest's one input and linear's two (the second dropped when it has weight 0).
    static func axisRuns(inLength: Int, outLength: Int, scale: Float, attributes: Resize) -> [Run] {
        if attributes.isFiltered { return filterRuns(inLength: inLength, outLength: outLength, scale: scale, attributes: attributes) }
        let (first, second, weight) = axisTable(inLength: inLength, outLength: outLength, scale: scale, attributes: attributes)
        return (0..<outLength).map { o in
            weight[o] == 0 ? Run(start: first[o], weights: [1])
                : first[o] == second[o] ? Run(start: first[o], weights: [1]) : Run(start: first[o], weights: [1 - weight[o], weight[o]])
        }
    }

    /// Keys' cubic convolution weights of the four inputs around a coordinate `s` past the one below
    /// it (onnxruntime's formula, operation by operation).
    static func cubicWeights(_ s: Float, _ a: Float) -> [Float] {
        let t = abs(s)
        return [((a * (t + 1) - 5 * a) * (t + 1) + 8 * a) * (t + 1) - 4 * a,
                ((a + 2) * t - (a + 3)) * t * t + 1,
                ((a + 2) * (1 - t) - (a + 3)) * (1 - t) * (1 - t) + 1,
                ((a * (2 - t) - 5 * a) * (2 - t) + 8 * a) * (2 - t) - 4 * a]
    }

    /// An antialiased resize's filter at distance `x` (in filter units): a triangle for linear,
    /// Keys' cubic for cubic.
    static func antialiasFilter(_ x: Float, _ attributes: Resize) -> Float {
        let x = abs(x), a = attributes.cubicCoefficient
        guard attributes.mode == .cubic else { return x < 1 ? 1 - x : 0 }
        if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
        if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
        return 0
    }

    /// Per output index along the axis of a filter resize, its run of inputs. Cubic weighs the four
    /// inputs around the coordinate; an antialiased resize the inputs whose centres lie within the
    /// filter's support (stretched by 1/scale when it shrinks), its weights normalized to sum to 1.
    /// Taps outside the axis fold into its edge, or with exclude_outside are dropped and the rest
    /// renormalized. onnxruntime's arithmetic, as the runtime's resize.c has it.
    static func filterRuns(inLength: Int, outLength: Int, scale: Float, attributes: Resize) -> [Run] {
        let half: Float = attributes.mode == .cubic ? 2 : 1, inverse = 1 / scale
        let stretched = attributes.antialias && inverse >= 1
        let support = stretched ? half * inverse : half, stretch: Float = stretched ? 1 / inverse : 1
        let window = attributes.antialias ? Int(min(2 * Double(support).rounded(.up) + 1, Double(inLength))) : min(4, inLength)
        let limit = inLength + window + 4
        /// A float index clamped to [low, high] before its conversion (NaN reads `low`).
        func clamped(_ value: Float, _ low: Int, _ high: Int) -> Int {
            guard value > Float(low) else { return low }
            return value >= Float(high) ? high : Int(value)
        }
        return (0..<outLength).map { o in
            var source = (attributes.antialias ? inverse : scale) == 1
                ? Float(o) : sourceCoordinate(o, inLength: inLength, outLength: outLength, scale: scale, attributes.coordinateTransformation)
            let center = 0.5 + source
            let first: Int, stop: Int
            var cubic: [Float] = []
            if attributes.antialias {
                first = clamped((center - support + 0.5).rounded(.down), -limit, limit)
                stop = clamped((center + support + 0.5).rounded(.down), first, limit)
            } else {
                // Clamped far enough out that every tap still lands beyond the edge it would.
                source = !(source > -4) ? -4 : min(source, Float(inLength) + 4)
                let below = source.rounded(.down)
                cubic = cubicWeights(source - below, attributes.cubicCoefficient)
                first = Int(below) - 1
                stop = first + 4
            }
            let low = max(first, 0), high = min(min(stop, inLength), low + window)
            var weights = [Float](repeating: 0, count: max(0, high - low))
            var total: Float = 0, outside: [Float] = [0, 0]
            for x in first..<stop {
                let w = attributes.antialias ? antialiasFilter((Float(x) - center + 0.5) * stretch, attributes) : cubic[x - first]
                let inside = x >= low && x < high
                if inside || !attributes.excludeOutside { total += w }
                if inside { weights[x - low] = w } else { outside[x >= high ? 1 : 0] += w }
            }
            guard high > low else { // no input within reach: the nearest edge, or nothing with exclude_outside
                return Run(start: first >= inLength ? inLength - 1 : 0,
                           weights: attributes.excludeOutside ? [] : [total == 0 ? 0 : (outside[0] + outside[1]) / total])
            }
            if !attributes.excludeOutside {
                weights[0] += outside[0]
                weights[weights.count - 1] += outside[1]
            }
            // Keys' four weights sum to 1 already, as onnxruntime takes them.
            let scaleBy: Float = total == 0 || (!attributes.antialias && !attributes.excludeOutside) ? 1 : 1 / total
            return Run(start: low, weights: weights.map { $0 * scaleBy })
        }
    }

    private static func resizeAxis(_ values: [Float], shape: [Int], axis: Int, outLength: Int, scale: Float, attributes: Resize) -> [Float] {
        let inLength = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        if attributes.isFiltered {
            return filterAxis(values, outer: outer, inLength: inLength, outLength: outLength, inner: inner,
                              runs: filterRuns(inLength: inLength, outLength: outLength, scale: scale, attributes: attributes))
        }
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

    /// One axis of a filter resize: each output line is Σ weight · input line over its run, in order.
    private static func filterAxis(_ values: [Float], outer: Int, inLength: Int, outLength: Int, inner: Int, runs: [Run]) -> [Float] {
        var result = [Float](repeating: 0, count: outer * outLength * inner)
        values.withUnsafeBufferPointer { xp in
            result.withUnsafeMutableBufferPointer { yp in
                for n in 0..<outer {
                    for (o, run) in runs.enumerated() {
                        let y = yp.baseAddress! + (n * outLength + o) * inner
                        for (t, w) in run.weights.enumerated() {
                            let source = xp.baseAddress! + (n * inLength + run.start + t) * inner
                            for i in 0..<inner { y[i] += w * source[i] }
                        }
                    }
                }
            }
        }
        return result
    }
}
