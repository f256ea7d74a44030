/// Output types of a node from its input types, and from the contents of parameter inputs
/// (Reshape's shape, Slice's bounds, ...) when those are constants.
public enum ShapeInference {
    /// The types of `node`'s outputs. Throws a `GraphError` naming the node when inputs do not fit.
    public static func outputTypes(of node: Node, in graph: Graph) throws -> [TensorType] {
        let context = Context(node: node, graph: graph)
        return try context.infer()
    }

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
            let count: Int
            if step > 0 {
                start = min(max(start, 0), dim)
                end = min(max(end, 0), dim)
                count = end > start ? (end - start + step - 1) / step : 0
            } else {
                start = min(max(start, 0), dim - 1)
                end = min(max(end, -1), dim - 1)
                count = start > end ? (start - end + (-step) - 1) / (-step) : 0
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
        let total = Shapes.elementCount(input)
        if let i = inferred {
            let known = Shapes.elementCount(shape)
            guard known > 0, total % known == 0 else {
                throw GraphError.at(node, .shapeMismatch, "cannot reshape \(input) into \(requested)")
            }
            shape[i] = total / known
        }
        guard Shapes.elementCount(shape) == total else {
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
                output[a] = Int((Float(input[a]) * s).rounded(.down))
            }
        } else {
            throw GraphError.at(node, .dynamicParameter, "needs constant scales or sizes")
        }
        return output
    }

    /// Spatial output shape of ConvTranspose with its resolved begin/end pads.
    public static func transposedConvolutionGeometry(
        _ attributes: ConvolutionTranspose, input: [Int], kernel: [Int]
    ) -> (output: [Int], pads: [Int]) {
        let rank = input.count
        var begins: [Int] = []
        var ends: [Int] = []
        var output: [Int] = []
        for axis in 0..<rank {
            let stride = attributes.strides[axis]
            let full = stride * (input[axis] - 1) + attributes.outputPadding[axis]
                + WindowGeometry.dilatedKernel(kernel[axis], dilation: attributes.dilations[axis])
            var target: Int?
            if let shape = attributes.outputShape { target = shape[shape.count - rank + axis] }
            else if attributes.autoPad == .sameUpper || attributes.autoPad == .sameLower { target = input[axis] * stride }
            if let target = target {
                let total = max(0, full - target)
                let small = total / 2
                let begin = attributes.autoPad == .sameLower ? total - small : small
                begins.append(begin)
                ends.append(total - begin)
                output.append(target)
            } else {
                let begin = attributes.autoPad == .valid ? 0 : (attributes.pads.count == 2 * rank ? attributes.pads[axis] : 0)
                let end = attributes.autoPad == .valid ? 0 : (attributes.pads.count == 2 * rank ? attributes.pads[rank + axis] : 0)
                begins.append(begin)
                ends.append(end)
                output.append(full - begin - end)
            }
        }
        return (output, begins + ends)
    }

    private struct Context {
        let node: Node
        let graph: Graph

        func fail(_ detail: String) -> GraphError { GraphError.at(node, .shapeMismatch, detail) }

        func type(_ index: Int) throws -> TensorType {
            guard let id = node.input(index) else { throw fail("required input \(index) is missing") }
            guard let type = graph.type(of: id) else {
                throw GraphError.at(node, .shapeMismatch, "the shape of input '\(graph.name(of: id))' is unknown")
            }
            return type
        }

        func optionalType(_ index: Int) throws -> TensorType? {
            node.input(index) == nil ? nil : try type(index)
        }

        /// The constant contents of a parameter input, or nil when the input is absent.
        func parameter(_ index: Int, _ what: String) throws -> Tensor? {
            guard let id = node.input(index) else { return nil }
            guard let tensor = graph.constants[id] else {
                throw GraphError.at(node, .dynamicParameter, "\(what) ('\(graph.name(of: id))') is computed at run time; edgec needs it constant once input shapes are bound")
            }
            return tensor
        }

        func axis(_ raw: Int, rank: Int) throws -> Int {
            guard let a = Shapes.normalizedAxis(raw, rank: rank) else { throw fail("axis \(raw) is out of range for rank \(rank)") }
            return a
        }

        func infer() throws -> [TensorType] {
            switch node.operation {
            case .conv(let attributes): return [try convolution(attributes)]
            case .convTranspose(let attributes): return [try convolutionTranspose(attributes)]
            case .gemm(let attributes): return [try gemm(attributes)]
            case .matMul: return [try matMul()]
            case .binary(let op, _):
                let a = try type(0), b = try type(1)
                guard a.dtype == b.dtype || op == .pow else { throw fail("input types differ: \(a.dtype) and \(b.dtype)") }
                guard let shape = Shapes.broadcast(a.shape, b.shape) else {
                    throw fail("shapes \(a.shape) and \(b.shape) cannot be broadcast together")
                }
                return [TensorType(a.dtype, shape)]
            case .unary, .identity, .localResponseNormalization:
                return [try type(0)]
            case .softmax(let attributes):
                let x = try type(0)
                _ = try axis(attributes.axis, rank: x.shape.count)
                return [x]
            case .maxPool(let attributes), .averagePool(let attributes):
                let x = try type(0)
                return [try pooled(x, attributes)]
            case .globalAveragePool, .globalMaxPool:
                let x = try type(0)
                guard x.shape.count >= 3 else { throw fail("expects an input of rank >= 3, got \(x.shape)") }
                return [TensorType(x.dtype, Array(x.shape.prefix(2)) + Array(repeating: 1, count: x.shape.count - 2))]
            case .batchNormalization:
                let x = try type(0)
                guard x.shape.count >= 2 else { throw fail("expects an input of rank >= 2, got \(x.shape)") }
                for i in 1...4 {
                    let p = try type(i)
                    guard p.shape == [x.shape[1]] else {
                        throw fail("parameter \(i) has shape \(p.shape), expected [\(x.shape[1])] (the channel count)")
                    }
                }
                return [x]
            case .concat(let rawAxis):
                let first = try type(0)
                let a = try axis(rawAxis, rank: first.shape.count)
                var shape = first.shape
                shape[a] = 0
                for i in node.inputs.indices {
                    let t = try type(i)
                    guard t.dtype == first.dtype, t.shape.count == first.shape.count,
                          t.shape.enumerated().allSatisfy({ $0.offset == a || $0.element == first.shape[$0.offset] }) else {
                        throw fail("input \(i) of shape \(t.shape) does not match \(first.shape) outside axis \(rawAxis)")
                    }
                    shape[a] += t.shape[a]
                }
                return [TensorType(first.dtype, shape)]
            case .split(let rawAxis, let sizes):
                let x = try type(0)
                let a = try axis(rawAxis, rank: x.shape.count)
                let parts = try splitSizes(dimension: x.shape[a], sizes: sizes, outputs: node.outputs.count)
                return parts.map { size in
                    var shape = x.shape
                    shape[a] = size
                    return TensorType(x.dtype, shape)
                }
            case .slice:
                let x = try type(0)
                let ranges = try sliceRanges(
                    shape: x.shape,
                    starts: try parameter(1, "starts")!.storage.int64s,
                    ends: try parameter(2, "ends")!.storage.int64s,
                    axes: try parameter(3, "axes")?.storage.int64s,
                    steps: try parameter(4, "steps")?.storage.int64s,
                    node: node)
                return [TensorType(x.dtype, ranges.counts)]
            case .gather(let rawAxis):
                let x = try type(0), indices = try type(1)
                guard indices.dtype == .int64 || indices.dtype == .int32 else { throw fail("indices must be int32 or int64, got \(indices.dtype)") }
                let a = try axis(rawAxis, rank: x.shape.count)
                return [TensorType(x.dtype, Array(x.shape[..<a]) + indices.shape + Array(x.shape[(a + 1)...]))]
            case .reshape(let allowZero):
                let x = try type(0)
                let requested = try parameter(1, "the target shape")!.storage.int64s
                return [TensorType(x.dtype, try reshapedShape(input: x.shape, requested: requested, allowZero: allowZero, node: node))]
            case .flatten(let rawAxis):
                let x = try type(0)
                let a = rawAxis < 0 ? rawAxis + x.shape.count : rawAxis
                guard (0...x.shape.count).contains(a) else { throw fail("axis \(rawAxis) is out of range for rank \(x.shape.count)") }
                return [TensorType(x.dtype, [Shapes.elementCount(Array(x.shape[..<a])), Shapes.elementCount(Array(x.shape[a...]))])]
            case .transpose(let permutation):
                let x = try type(0)
                let perm = permutation ?? Array((0..<x.shape.count).reversed())
                guard perm.sorted() == Array(0..<x.shape.count) else { throw fail("permutation \(perm) does not fit rank \(x.shape.count)") }
                return [TensorType(x.dtype, perm.map { x.shape[$0] })]
            case .squeeze(let axes):
                let x = try type(0)
                if let axes = axes {
                    let normalized = try Set(axes.map { try axis($0, rank: x.shape.count) })
                    for a in normalized where x.shape[a] != 1 {
                        throw fail("cannot squeeze axis \(a) of size \(x.shape[a]) in \(x.shape)")
                    }
                    return [TensorType(x.dtype, x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))]
                }
                return [TensorType(x.dtype, x.shape.filter { $0 != 1 })]
            case .unsqueeze(let axes):
                let x = try type(0)
                let rank = x.shape.count + axes.count
                let normalized = try Set(axes.map { try axis($0, rank: rank) })
                guard normalized.count == axes.count else { throw fail("repeated axes \(axes)") }
                var shape: [Int] = []
                var source = x.shape.makeIterator()
                for a in 0..<rank { shape.append(normalized.contains(a) ? 1 : source.next()!) }
                return [TensorType(x.dtype, shape)]
            case .expand:
                let x = try type(0)
                let target = try parameter(1, "the target shape")!.storage.int64s.map { Int($0) }
                guard let shape = Shapes.broadcast(x.shape, target) else { throw fail("cannot expand \(x.shape) to \(target)") }
                return [TensorType(x.dtype, shape)]
            case .pad:
                let x = try type(0)
                let pads = try parameter(1, "pads")!.storage.int64s.map { Int($0) }
                let axes = try parameter(3, "axes")?.storage.int64s.map { try axis(Int($0), rank: x.shape.count) } ?? Array(0..<x.shape.count)
                guard pads.count == 2 * axes.count else { throw fail("pads has \(pads.count) values for \(axes.count) axes") }
                var shape = x.shape
                for (i, a) in axes.enumerated() {
                    shape[a] += pads[i] + pads[axes.count + i]
                    guard shape[a] >= 0 else { throw fail("pads \(pads) remove more than axis \(a) holds") }
                }
                return [TensorType(x.dtype, shape)]
            case .resize(let attributes):
                let x = try type(0)
                let scales = try parameter(2, "scales")?.floats
                let sizes = try parameter(3, "sizes")?.storage.int64s
                return [TensorType(x.dtype, try resizedShape(input: x.shape, scales: scales, sizes: sizes, axes: attributes.axes, node: node))]
            case .reduce(let reduction):
                let x = try type(0)
                let axes = try Set((reduction.axes ?? Array(0..<x.shape.count)).map { try axis($0, rank: x.shape.count) })
                var shape: [Int] = []
                for (a, d) in x.shape.enumerated() {
                    if axes.contains(a) { if reduction.keepDims { shape.append(1) } } else { shape.append(d) }
                }
                return [TensorType(x.dtype, shape)]
            case .shape(let start, let end):
                let x = try type(0)
                let range = shapeRange(rank: x.shape.count, start: start, end: end)
                return [TensorType(.int64, [range.count])]
            case .cast(let dtype):
                return [TensorType(dtype, try type(0).shape)]
            case .quantizeLinear:
                return [TensorType(.int8, try type(0).shape)]
            case .dequantizeLinear:
                return [TensorType(.float32, try type(0).shape)]
            case .constantOfShape(let value):
                let shape = try parameter(0, "the shape")!.storage.int64s
                guard shape.allSatisfy({ $0 >= 0 }) else { throw fail("negative dimension in \(shape)") }
                return [TensorType(value.dtype, shape.map { Int($0) })]
            case .unsupported(let detail):
                throw GraphError.at(node, .unsupported, detail.reason)
            }
        }

        func convolution(_ attributes: Convolution) throws -> TensorType {
            let x = try type(0), w = try type(1)
            let spatial = x.shape.count - 2
            guard spatial >= 1, w.shape.count == x.shape.count else {
                throw fail("input \(x.shape) and weight \(w.shape) must both have rank >= 3 and equal ranks")
            }
            guard attributes.group >= 1, x.shape[1] == w.shape[1] * attributes.group, w.shape[0] % attributes.group == 0 else {
                throw fail("input has \(x.shape[1]) channels but weight \(w.shape) with group \(attributes.group) expects \(w.shape[1] * attributes.group)")
            }
            if let b = try optionalType(2), b.shape != [w.shape[0]] {
                throw fail("bias has shape \(b.shape), expected [\(w.shape[0])]")
            }
            let kernel = Array(w.shape[2...])
            let input = Array(x.shape[2...])
            let pads = WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: input, kernel: kernel, strides: attributes.strides, dilations: attributes.dilations)
            var output = [x.shape[0], w.shape[0]]
            for axis in 0..<spatial {
                let size = WindowGeometry.outputSize(input: input[axis], kernel: kernel[axis], stride: attributes.strides[axis], dilation: attributes.dilations[axis], padBegin: pads[axis], padEnd: pads[spatial + axis])
                guard size > 0 else { throw fail("the kernel \(kernel) does not fit the padded input \(input)") }
                output.append(size)
            }
            return TensorType(x.dtype, output)
        }

        func convolutionTranspose(_ attributes: ConvolutionTranspose) throws -> TensorType {
            let x = try type(0), w = try type(1)
            let spatial = x.shape.count - 2
            guard spatial >= 1, w.shape.count == x.shape.count, x.shape[1] == w.shape[0], w.shape[0] % attributes.group == 0 else {
                throw fail("input \(x.shape) does not fit weight \(w.shape) with group \(attributes.group)")
            }
            let geometry = ShapeInference.transposedConvolutionGeometry(attributes, input: Array(x.shape[2...]), kernel: Array(w.shape[2...]))
            guard geometry.output.allSatisfy({ $0 > 0 }) else { throw fail("output size \(geometry.output) is not positive") }
            return TensorType(x.dtype, [x.shape[0], w.shape[1] * attributes.group] + geometry.output)
        }

        func gemm(_ attributes: Gemm) throws -> TensorType {
            let a = try type(0), b = try type(1)
            guard a.shape.count == 2, b.shape.count == 2 else { throw fail("expects 2-D inputs, got \(a.shape) and \(b.shape)") }
            let m = attributes.transposeA ? a.shape[1] : a.shape[0]
            let k = attributes.transposeA ? a.shape[0] : a.shape[1]
            let kb = attributes.transposeB ? b.shape[1] : b.shape[0]
            let n = attributes.transposeB ? b.shape[0] : b.shape[1]
            guard k == kb else { throw fail("inner dimensions differ: A \(a.shape) and B \(b.shape) (transA \(attributes.transposeA), transB \(attributes.transposeB))") }
            if let c = try optionalType(2), Shapes.broadcast(c.shape, [m, n]) != [m, n] {
                throw fail("C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
            }
            return TensorType(a.dtype, [m, n])
        }

        func matMul() throws -> TensorType {
            let a = try type(0), b = try type(1)
            guard !a.shape.isEmpty, !b.shape.isEmpty else { throw fail("inputs must have rank >= 1") }
            let aShape = a.shape.count == 1 ? [1] + a.shape : a.shape
            let bShape = b.shape.count == 1 ? b.shape + [1] : b.shape
            guard aShape[aShape.count - 1] == bShape[bShape.count - 2] else {
                throw fail("inner dimensions differ: \(a.shape) x \(b.shape)")
            }
            guard let batch = Shapes.broadcast(Array(aShape.dropLast(2)), Array(bShape.dropLast(2))) else {
                throw fail("batch dimensions of \(a.shape) and \(b.shape) cannot be broadcast")
            }
            var shape = batch
            if a.shape.count > 1 { shape.append(aShape[aShape.count - 2]) }
            if b.shape.count > 1 { shape.append(bShape[bShape.count - 1]) }
            return TensorType(a.dtype, shape)
        }

        func pooled(_ x: TensorType, _ attributes: Pooling) throws -> TensorType {
            let spatial = x.shape.count - 2
            guard spatial >= 1, attributes.kernelShape.count == spatial else {
                throw fail("kernel \(attributes.kernelShape) does not fit input \(x.shape)")
            }
            let input = Array(x.shape[2...])
            let pads = WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: input, kernel: attributes.kernelShape, strides: attributes.strides, dilations: attributes.dilations)
            var output = Array(x.shape.prefix(2))
            for axis in 0..<spatial {
                let size = WindowGeometry.outputSize(input: input[axis], kernel: attributes.kernelShape[axis], stride: attributes.strides[axis], dilation: attributes.dilations[axis], padBegin: pads[axis], padEnd: pads[spatial + axis], ceilMode: attributes.ceilMode)
                guard size > 0 else { throw fail("the window \(attributes.kernelShape) does not fit the input \(input)") }
                output.append(size)
            }
            return TensorType(x.dtype, output)
        }

        func splitSizes(dimension: Int, sizes: [Int]?, outputs: Int) throws -> [Int] {
            if let sizes = sizes {
                guard sizes.count == outputs, sizes.reduce(0, +) == dimension, sizes.allSatisfy({ $0 >= 0 }) else {
                    throw fail("split sizes \(sizes) do not add up to \(dimension) over \(outputs) outputs")
                }
                return sizes
            }
            return ShapeInference.splitSizes(dimension: dimension, sizes: nil, outputs: outputs)
        }
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
        let chunk = (dimension + outputs - 1) / outputs
        return (0..<outputs).map { max(0, min(chunk, dimension - $0 * chunk)) }
    }
}
