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

    /// DepthToSpace and SpaceToDepth of an [N, C, H, W] input as a 6-D walk over the output: its
    /// shape and the input's element strides along it (formats/edgem.md writes the same).
    static func blockWalk(input: [Int], blockSize b: Int, depthToSpace mode: DepthToSpaceMode?) -> (shape: [Int], strides: [Int]) {
        let (c, h, w) = (input[1], input[2], input[3])
        let batch = c * h * w, plane = h * w
        guard let mode else {
            // Output [N, b, b, C, H/b, W/b] read from [N, C, H/b, b, W/b, b].
            return ([input[0], b, b, c, h / b, w / b], [batch, w, 1, plane, b * w, b])
        }
        // Output [N, C/b², H, b, W, b] read from [N, b, b, C/b², H, W] (DCR) or [N, C/b², b, b, H, W] (CRD).
        let depth = c / (b * b)
        switch mode {
        case .depthColumnRow: return ([input[0], depth, h, b, w, b], [batch, plane, w, b * depth * plane, 1, depth * plane])
        case .columnRowDepth: return ([input[0], depth, h, b, w, b], [batch, b * b * plane, w, b * plane, 1, plane])
        }
    }

    /// Each output element reads the input at its coordinates modulo the input's dims.
    static func tile(_ x: Tensor, output: TensorType) -> Tensor {
        // The output read as [r0, d0, r1, d1, ...]: the repeat axes have stride 0.
        let strides = Shapes.strides(x.shape)
        let shape = zip(output.shape, x.shape).flatMap { [$1 == 0 ? 0 : $0 / $1, $1] }
        let indices = Shapes.stridedIndices(shape: shape, strides: strides.flatMap { [0, $0] }, base: 0)
        return Tensor(shape: output.shape, storage: x.storage.gathering(indices))
    }

    /// Trilu: element (i, j) of each matrix kept where j − i ≥ k (upper) or ≤ k (lower), else 0.
    static func trilu(_ x: Tensor, upper: Bool, k: Int) -> Tensor {
        let rows = x.shape[x.rank - 2], columns = x.shape[x.rank - 1]
        let indices = (0..<x.elementCount).map { flat -> Int in
            let j = flat % columns, i = (flat / columns) % rows
            let kept = upper ? j - i >= k : j - i <= k
            return kept ? flat : -1
        }
        return Tensor(shape: x.shape, storage: x.storage.gathering(indices, fill: 0))
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
