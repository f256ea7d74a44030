/// Static shape arithmetic shared by shape inference and the kernels.
public enum Shapes {
    /// The element count of a shape that has passed `ResourceLimits.check` (every inferred,
    /// bound and decoded shape has). On any other shape it saturates at `Int.max` instead of
    /// trapping, which every bound refuses; shape rules use `CheckedSize.product` to say why.
    public static func elementCount(_ shape: [Int]) -> Int { (try? CheckedSize.product(shape)) ?? Int.max }

    /// Row-major strides of `shape`.
    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = Array(repeating: 1, count: shape.count)
        var running = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[axis] = running
            running = running.multipliedReportingOverflow(by: shape[axis]).overflow ? Int.max : running * shape[axis]
        }
        return strides
    }

    /// NumPy-style broadcast of two shapes, or nil when they are incompatible.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = Array(repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { result[i] = da } else if da == 1 { result[i] = db } else { return nil }
        }
        return result
    }

    /// Maps a possibly negative axis into 0..<rank, or nil when out of range. A scalar has no axis
    /// (ONNX gives every axis the range [-r, r-1]): rank 0 is nil for any axis, so that no caller
    /// indexes an empty shape with what this returned.
    public static func normalizedAxis(_ axis: Int, rank: Int) -> Int? {
        let a = axis < 0 ? axis + rank : axis
        return (0..<rank).contains(a) ? a : nil
    }

    /// For every element of `outputShape`, the flat index of the element of `inputShape` it reads when
    /// `inputShape` is broadcast to `outputShape`.
    public static func broadcastIndices(from inputShape: [Int], to outputShape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: outputShape.count - inputShape.count) + inputShape
        let inputStrides = strides(padded).enumerated().map { padded[$0.offset] == 1 ? 0 : $0.element }
        return stridedIndices(shape: outputShape, strides: inputStrides, base: 0)
    }

    /// For every element of `shape` (row-major), `base + sum(coordinate[a] * strides[a])`.
    /// Transpose, Slice, Expand and broadcasting are all this walk with different strides.
    public static func stridedIndices(shape: [Int], strides: [Int], base: Int) -> [Int] {
        let rank = shape.count
        let total = elementCount(shape)
        var result = [Int](repeating: 0, count: total)
        if total == 0 { return result }
        if rank == 0 { result[0] = base; return result }
        var counter = [Int](repeating: 0, count: rank)
        var offset = base
        let innerCount = shape[rank - 1], innerStride = strides[rank - 1]
        result.withUnsafeMutableBufferPointer { out in
            var flat = 0
            while flat < total {
                var o = offset
                for _ in 0..<innerCount {
                    out[flat] = o
                    o += innerStride
                    flat += 1
                }
                var axis = rank - 2
                while axis >= 0 {
                    counter[axis] += 1
                    offset += strides[axis]
                    if counter[axis] < shape[axis] { break }
                    offset -= strides[axis] * counter[axis]
                    counter[axis] = 0
                    axis -= 1
                }
            }
        }
        return result
    }
}
