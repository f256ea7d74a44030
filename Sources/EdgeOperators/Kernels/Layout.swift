import EdgeIR

/// Ops that move or pick elements without arithmetic. Most are an index walk (`Shapes.stridedIndices`)
/// followed by one gather, so they work for every dtype alike.
enum LayoutKernels {
    static func transpose(_ x: Tensor, permutation: [Int]?, output: TensorType) -> Tensor {
        let perm = permutation ?? Array((0..<x.rank).reversed())
        let strides = Shapes.strides(x.shape)
        let indices = Shapes.stridedIndices(shape: output.shape, strides: perm.map { strides[$0] }, base: 0)
        return Tensor(shape: output.shape, storage: x.storage.gathering(indices))
    }

    static func slice(_ x: Tensor, ranges: ShapeInference.SliceRanges) -> Tensor {
        let strides = Shapes.strides(x.shape)
        let base = zip(ranges.starts, strides).reduce(0) { $0 + $1.0 * $1.1 }
        let indices = Shapes.stridedIndices(shape: ranges.counts, strides: zip(strides, ranges.steps).map { $0 * $1 }, base: base)
        return Tensor(shape: ranges.counts, storage: x.storage.gathering(indices))
    }

    static func expand(_ x: Tensor, output: TensorType) -> Tensor {
        Tensor(shape: output.shape, storage: x.storage.gathering(Shapes.broadcastIndices(from: x.shape, to: output.shape)))
    }

    static func concat(_ parts: [Tensor], axis rawAxis: Int, output: TensorType) throws -> Tensor {
        let axis = Shapes.normalizedAxis(rawAxis, rank: output.shape.count)!
        let outer = output.shape[..<axis].reduce(1, *)
        let blocks = parts.map { $0.shape[axis...].reduce(1, *) }
        return Tensor(shape: output.shape, storage: .interleaving(parts.map(\.storage), blockSizes: blocks, outerCount: outer))
    }

    static func split(_ x: Tensor, axis rawAxis: Int, outputs: [TensorType]) -> [Tensor] {
        let axis = Shapes.normalizedAxis(rawAxis, rank: x.rank)!
        let strides = Shapes.strides(x.shape)
        var offset = 0
        return outputs.map { type in
            let indices = Shapes.stridedIndices(shape: type.shape, strides: strides, base: offset * strides[axis])
            offset += type.shape[axis]
            return Tensor(shape: type.shape, storage: x.storage.gathering(indices))
        }
    }

    static func gather(_ x: Tensor, indices: Tensor, axis rawAxis: Int, output: TensorType, node: Node) throws -> Tensor {
        let axis = Shapes.normalizedAxis(rawAxis, rank: x.rank)!
        let dimension = x.shape[axis]
        let inner = x.shape[(axis + 1)...].reduce(1, *)
        let outer = x.shape[..<axis].reduce(1, *)
        let picks = try indices.storage.int64s.map { try IndexingKernels.position($0, axis: rawAxis, dimension: dimension, node: node) }
        var map: [Int] = []
        map.reserveCapacity(outer * picks.count * inner)
        for o in 0..<outer {
            for p in picks {
                let base = (o * dimension + p) * inner
                for i in 0..<inner { map.append(base + i) }
            }
        }
        return Tensor(shape: output.shape, storage: x.storage.gathering(map))
    }

    static func pad(_ x: Tensor, mode: PadMode, pads: [Int], axes: [Int], value: Double, output: TensorType) -> Tensor {
        let rank = x.rank
        var begins = Array(repeating: 0, count: rank)
        for (i, a) in axes.enumerated() { begins[a] = pads[i] }
        let strides = Shapes.strides(x.shape)
        var indices = [0]
        for axis in 0..<rank {
            let d = x.shape[axis]
            let perAxis: [Int] = (0..<output.shape[axis]).map { o in
                var i = o - begins[axis]
                switch mode {
                case .constant:
                    return (0..<d).contains(i) ? i : -1
                case .edge:
                    return min(max(i, 0), d - 1)
                case .reflect:
                    if d == 1 { return 0 }
                    while i < 0 || i >= d { i = i < 0 ? -i : 2 * (d - 1) - i }
                    return i
                }
            }
            var next: [Int] = []
            next.reserveCapacity(indices.count * perAxis.count)
            for prefix in indices {
                for i in perAxis { next.append(prefix < 0 || i < 0 ? -1 : prefix + i * strides[axis]) }
            }
            indices = next
        }
        return Tensor(shape: output.shape, storage: x.storage.gathering(indices, fill: value))
    }
}
