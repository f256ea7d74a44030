/// Shape rules shared by several operators and their kernels (Slice's ranges, Reshape's target,
/// Resize's sizes, ConvTranspose's geometry). Each operator's own rule lives in its definition
/// (EdgeOperators).
public enum ShapeInference {
    /// Resolved parameters of Slice: for every axis of the data, start, step and count.
    public struct SliceRanges: Sendable, Equatable {
        public var starts: [Int]
        public var steps: [Int]
        public var counts: [Int]
    }

    /// ONNX Slice semantics (negative indices, clamping, negative steps) over `shape`.
    public static func sliceRanges(
        shape: [Int], starts: [Int64], ends: [Int64], axes: [Int64]?, steps: [Int64]?, node: Node
    ) throws -> SliceRanges {
        let rank = shape.count
        var result = SliceRanges(starts: Array(repeating: 0, count: rank), steps: Array(repeating: 1, count: rank), counts: shape)
        let axisList = axes ?? (0..<Int64(starts.count)).map { $0 }
        guard starts.count == ends.count, axisList.count == starts.count, steps.map({ $0.count == starts.count }) ?? true else {
            throw GraphError.at(node, .shapeMismatch, "starts, ends, axes and steps must have the same length")
        }
        var seen = Set<Int>()
        for (i, rawAxis) in axisList.enumerated() {
            guard let axis = Shapes.normalizedAxis(Int(rawAxis), rank: rank), seen.insert(axis).inserted else {
                throw GraphError.at(node, .shapeMismatch, "axis \(rawAxis) is out of range or repeated for rank \(rank)")
            }
            let step = steps.map { Int(clamping: $0[i]) } ?? 1
            guard step != 0 else { throw GraphError.at(node, .shapeMismatch, "a step of 0 is not allowed") }
            let dim = shape[axis]
            func resolve(_ raw: Int64) -> Int {
                let value = raw < 0 ? raw.addingReportingOverflow(Int64(dim)).partialValue : raw
                return Int(clamping: value)
            }
            var start = resolve(starts[i])
            var end = resolve(ends[i])
            // Counts are ceil(distance / |step|), written so that a step of ±2^63 cannot overflow.
            let count: Int
            if step > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
                count = end > start ? (end - start - 1) / step + 1 : 0
            } else {
                start = min(max(start, 0), dim - 1)
                end = min(max(end, -1), dim - 1)
                count = start > end ? (start - end - 1) / (step == Int.min ? Int.max : -step) + 1 : 0
            }
            result.starts[axis] = start
            result.steps[axis] = step
            result.counts[axis] = count
        }
        return result
    }

    /// The output shape of Reshape given the requested shape (with 0 and -1 as ONNX defines them).
    public static func reshapedShape(input: [Int], requested: [Int64], allowZero: Bool, node: Node) throws -> [Int] {
        var shape: [Int] = []
        var inferred: Int?
        for (i, raw) in requested.enumerated() {
            if raw == -1 {
                guard inferred == nil else { throw GraphError.at(node, .shapeMismatch, "more than one -1 in the target shape \(requested)") }
                inferred = i
                shape.append(1)
            } else if raw == 0 && !allowZero {
                guard i < input.count else { throw GraphError.at(node, .shapeMismatch, "0 at position \(i) of target shape \(requested) but the input has rank \(input.count)") }
                shape.append(input[i])
            } else if raw < 0 {
                throw GraphError.at(node, .shapeMismatch, "invalid dimension \(raw) in target shape \(requested)")
            } else {
                shape.append(Int(raw))
            }
        }
        let total = try CheckedSize.product(input)
        if let i = inferred {
            let known = try CheckedSize.product(shape)
            guard known > 0, total % known == 0 else {
                throw GraphError.at(node, .shapeMismatch, "cannot reshape \(input) into \(requested)")
            }
            shape[i] = total / known
        }
        guard try CheckedSize.product(shape) == total else {
            throw GraphError.at(node, .shapeMismatch, "cannot reshape \(input) (\(total) elements) into \(shape)")
        }
        return shape
    }

    /// The output shape of Resize, from sizes when given, else from scales.
    public static func resizedShape(input: [Int], scales: [Float]?, sizes: [Int64]?, axes: [Int]?, node: Node) throws -> [Int] {
        let rank = input.count
        let axisList = try (axes ?? Array(0..<rank)).map { raw -> Int in
            guard let a = Shapes.normalizedAxis(raw, rank: rank) else {
                throw GraphError.at(node, .shapeMismatch, "axis \(raw) out of range for rank \(rank)")
            }
            return a
        }
        var output = input
        if let sizes = sizes, !sizes.isEmpty {
            guard sizes.count == axisList.count else {
                throw GraphError.at(node, .shapeMismatch, "sizes has \(sizes.count) values for \(axisList.count) axes")
            }
            for (a, s) in zip(axisList, sizes) { output[a] = Int(s) }
        } else if let scales = scales, !scales.isEmpty {
            guard scales.count == axisList.count else {
                throw GraphError.at(node, .shapeMismatch, "scales has \(scales.count) values for \(axisList.count) axes")
            }
            for (a, s) in zip(axisList, scales) {
                guard s > 0 else { throw GraphError.at(node, .shapeMismatch, "scale \(s) must be positive") }
                // In float32, as onnxruntime computes it; a scale of 1e9 or infinity is refused, not trapped on.
                output[a] = try CheckedSize.integer(Double((Float(input[a]) * s).rounded(.down)))
            }
        } else {
            throw GraphError.at(node, .dynamicParameter, "needs constant scales or sizes")
        }
        return output
    }

    /// Spatial output shape of ConvTranspose with its resolved begin/end pads.
    public static func transposedConvolutionGeometry(
        _ attributes: ConvolutionTranspose, input: [Int], kernel: [Int]
    ) throws -> (output: [Int], pads: [Int]) {
        let rank = input.count
        try WindowGeometry.requireAxes(rank, kernel: kernel, strides: attributes.strides, dilations: attributes.dilations)
        guard attributes.outputPadding.count == rank else {
            throw SizeOverflow("output_padding \(attributes.outputPadding) does not have one value for each of the input's \(rank) spatial axes")
        }
        var begins: [Int] = []
        var ends: [Int] = []
        var output: [Int] = []
        for axis in 0..<rank {
            let stride = attributes.strides[axis]
            let full = try CheckedSize.add(
                try CheckedSize.add(try CheckedSize.multiply(stride, input[axis] - 1), attributes.outputPadding[axis]),
                try WindowGeometry.dilatedKernel(kernel[axis], dilation: attributes.dilations[axis]))
            var target: Int?
            if let shape = attributes.outputShape {
                guard shape.count >= rank else { throw SizeOverflow("output_shape \(shape) has fewer than \(rank) spatial dimensions") }
                target = shape[shape.count - rank + axis]
            } else if attributes.autoPad == .sameUpper || attributes.autoPad == .sameLower { target = try CheckedSize.multiply(input[axis], stride) }
            if let target = target {
                let total = max(0, try CheckedSize.subtract(full, target))
                let small = total / 2
                // ONNX (and onnxruntime): an odd total pads more at the end only under SAME_UPPER.
                let begin = attributes.autoPad == .sameUpper ? small : total - small
                begins.append(begin)
                ends.append(total - begin)
                output.append(target)
            } else {
                let begin = attributes.autoPad == .valid ? 0 : (attributes.pads.count == 2 * rank ? attributes.pads[axis] : 0)
                let end = attributes.autoPad == .valid ? 0 : (attributes.pads.count == 2 * rank ? attributes.pads[rank + axis] : 0)
                begins.append(begin)
                ends.append(end)
                output.append(try CheckedSize.subtract(try CheckedSize.subtract(full, begin), end))
            }
        }
        return (output, begins + ends)
    }

    /// The dimensions Shape(start, end) returns, with ONNX's clamping of negative and out-of-range bounds.
    public static func shapeRange(rank: Int, start: Int, end: Int?) -> Range<Int> {
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        let s = clamp(start)
        let e = clamp(end ?? rank)
        return s..<max(s, e)
    }

    /// Split sizes with ONNX's rules: the given sizes, or an even split whose last part may be smaller.
    public static func splitSizes(dimension: Int, sizes: [Int]?, outputs: Int) -> [Int] {
        if let sizes = sizes { return sizes }
        let parts = max(outputs, 1)
        let chunk = dimension / parts + (dimension % parts == 0 ? 0 : 1)
        return (0..<outputs).map { max(0, min(chunk, dimension - $0 * chunk)) }
    }
}
