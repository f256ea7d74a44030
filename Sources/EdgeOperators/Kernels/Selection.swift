import EdgeIR

/// CumSum, ArgMax/ArgMin and TopK: walks along one axis of a tensor seen as [outer, axis, inner].
enum SelectionKernels {
    /// (outer, axis length, inner) of `shape` around `axis`.
    static func lines(_ shape: [Int], axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    /// Running sums in the element type, one line at a time in the order the runtime adds them.
    static func cumulativeSum(_ x: Tensor, axis: Int, exclusive: Bool, reverse: Bool) -> Tensor {
        let (outer, length, inner) = lines(x.shape, axis: axis)
        func scan<T: AdditiveArithmetic>(_ values: [T]) -> [T] {
            var result = values
            for o in 0..<outer {
                for i in 0..<inner {
                    var sum = T.zero
                    for step in 0..<length {
                        let index = (o * length + (reverse ? length - 1 - step : step)) * inner + i
                        if exclusive {
                            result[index] = sum
                            sum += values[index]
                        } else {
                            sum += values[index]
                            result[index] = sum
                        }
                    }
                }
            }
            return result
        }
        switch x.storage {
        case .float32(let values): return Tensor(shape: x.shape, floats: scan(values))
        // Integers wrap on overflow, as C's unsigned arithmetic and onnxruntime do.
        case .int32(let values): return Tensor(shape: x.shape, storage: .int32(scan(values.map { WrappingInt32(value: $0) }).map(\.value)))
        default: return Tensor(shape: x.shape, storage: .int64(scan(x.storage.int64s.map { WrappingInt64(value: $0) }).map(\.value)))
        }
    }

    /// The position of the largest (smallest) value along the axis of each line.
    static func argExtremum(_ x: Tensor, axis: Int, _ attributes: ArgExtremum) -> [Int64] {
        let (outer, length, inner) = lines(x.shape, axis: axis)
        func find<T: Comparable>(_ values: [T]) -> [Int64] {
            var result = [Int64](repeating: 0, count: outer * inner)
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = 0, bestValue = values[o * length * inner + i]
                    for step in 1..<max(length, 1) {
                        let v = values[(o * length + step) * inner + i]
                        let better = attributes.isMax ? v > bestValue : v < bestValue
                        if better || (attributes.selectLastIndex && v == bestValue) { best = step; bestValue = v }
                    }
                    result[o * inner + i] = Int64(best)
                }
            }
            return result
        }
        if case .float32(let values) = x.storage { return find(values) }
        return find(x.storage.int64s)
    }

    /// Whether `a` at position `i` comes before `b` at position `j` in TopK's order: better values
    /// first (NaN counts as larger than every number), equal values by position.
    @inline(__always)
    static func precedes(_ a: Float, _ i: Int, _ b: Float, _ j: Int, largest: Bool) -> Bool {
        if a.isNaN || b.isNaN {
            if a.isNaN == b.isNaN { return i < j }
            return a.isNaN == largest
        }
        if a != b { return largest ? a > b : a < b }
        return i < j
    }

    static func topK(_ x: Tensor, axis: Int, k: Int, largest: Bool) -> (values: [Float], indices: [Int64]) {
        let values = x.floats!
        let (outer, length, inner) = lines(x.shape, axis: axis)
        var picked = [Float](repeating: 0, count: outer * k * inner), positions = [Int64](repeating: 0, count: outer * k * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                let line = (0..<length).map { values[(o * length + $0) * inner + i] }
                let order = (0..<length).sorted { precedes(line[$0], $0, line[$1], $1, largest: largest) }
                for (rank, position) in order.prefix(k).enumerated() {
                    picked[(o * k + rank) * inner + i] = line[position]
                    positions[(o * k + rank) * inner + i] = Int64(position)
                }
            }
        }
        return (picked, positions)
    }
}

/// Integers whose sums wrap around instead of trapping (a hostile CumSum input must not crash).
struct WrappingInt32: AdditiveArithmetic {
    var value: Int32
    static let zero = WrappingInt32(value: 0)
    static func + (a: Self, b: Self) -> Self { Self(value: a.value &+ b.value) }
    static func - (a: Self, b: Self) -> Self { Self(value: a.value &- b.value) }
}

struct WrappingInt64: AdditiveArithmetic {
    var value: Int64
    static let zero = WrappingInt64(value: 0)
    static func + (a: Self, b: Self) -> Self { Self(value: a.value &+ b.value) }
    static func - (a: Self, b: Self) -> Self { Self(value: a.value &- b.value) }
}
