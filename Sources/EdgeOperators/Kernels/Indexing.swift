import EdgeIR

/// Ops that address data through an index tensor read at run time: GatherElements, GatherND,
/// ScatterND and ScatterElements (Gather, along one axis, is `LayoutKernels.gather`).
enum IndexingKernels {
    /// `raw` as a position along `axis` of size `dimension`, negative values counting from the end:
    /// the one index check of Gather, GatherElements, GatherND and the scatters (the runtime's
    /// edge_index_position is the same).
    static func position(_ raw: Int64, axis: Int, dimension: Int, node: Node) throws -> Int {
        let index = raw < 0 ? raw + Int64(dimension) : raw
        guard index >= 0, index < Int64(dimension) else {
            throw ExecutionError.invalidInput("\(node.operation.kindName) node '\(node.name)': index \(raw) is out of range for axis \(axis) of size \(dimension)")
        }
        return Int(index)
    }

    /// For each element of `indices`, the offset in data (of `dataShape`) of the element at the same
    /// position except along `axis`, where the index says which: what GatherElements reads and
    /// ScatterElements writes.
    static func elementOffsets(dataShape: [Int], indices: Tensor, axis rawAxis: Int, node: Node) throws -> [Int] {
        let axis = Shapes.normalizedAxis(rawAxis, rank: dataShape.count)!
        let dimension = dataShape[axis]
        let dataStrides = Shapes.strides(dataShape)
        // Each output position's offset in data with the axis coordinate left at 0, then the index's.
        let base = Shapes.stridedIndices(shape: indices.shape, strides: dataStrides.enumerated().map { $0.offset == axis ? 0 : $0.element }, base: 0)
        return try zip(base, indices.storage.int64s).map { offset, raw in
            offset + (try position(raw, axis: rawAxis, dimension: dimension, node: node)) * dataStrides[axis]
        }
    }

    static func gatherElements(_ x: Tensor, indices: Tensor, axis: Int, node: Node) throws -> Tensor {
        Tensor(shape: indices.shape, storage: x.storage.gathering(try elementOffsets(dataShape: x.shape, indices: indices, axis: axis, node: node)))
    }

    static func scatterElements(_ x: Tensor, indices: Tensor, updates: Tensor, axis: Int, reduction: ScatterReduction, node: Node) throws -> Tensor {
        let targets = try elementOffsets(dataShape: x.shape, indices: indices, axis: axis, node: node)
        return Tensor(shape: x.shape, storage: try scatter(updates.storage, into: x.storage, at: targets, reduction: reduction, node: node))
    }

    static func gatherND(_ x: Tensor, indices: Tensor, batchDims: Int, node: NodeContext) throws -> Tensor {
        let addressing = try SliceAddressing(data: x.shape, indices: indices.shape, batchDims: batchDims, node: node)
        let elements = addressing.elements(of: try addressing.sliceOffsets(indices.storage.int64s, node: node.node))
        return Tensor(shape: addressing.gatheredShape, storage: x.storage.gathering(elements))
    }

    static func scatterND(_ x: Tensor, indices: Tensor, updates: Tensor, reduction: ScatterReduction, node: NodeContext) throws -> Tensor {
        let addressing = try SliceAddressing(data: x.shape, indices: indices.shape, batchDims: 0, node: node)
        let targets = addressing.elements(of: try addressing.sliceOffsets(indices.storage.int64s, node: node.node))
        return Tensor(shape: x.shape, storage: try scatter(updates.storage, into: x.storage, at: targets, reduction: reduction, node: node.node))
    }

    /// Whether add and mul reductions run on `dtype`.
    static func combines(_ dtype: DType) -> Bool { dtype == .float32 || dtype == .int32 || dtype == .int64 }

    /// `data` with `updates[k]` written to element `targets[k]` (or combined with what is there by
    /// `reduction`), in the order of `k`; integers wrap on overflow, as the runtime's do.
    static func scatter(_ updates: TensorStorage, into data: TensorStorage, at targets: [Int], reduction: ScatterReduction, node: Node) throws -> TensorStorage {
        func apply<T>(_ values: [T], _ updates: [T], _ combine: (T, T) -> T) -> [T] {
            var result = values
            for (k, target) in targets.enumerated() { result[target] = combine(result[target], updates[k]) }
            return result
        }
        func replace<T>(_ old: T, _ new: T) -> T { new }
        func combining<T>(_ add: @escaping (T, T) -> T, _ multiply: @escaping (T, T) -> T) -> (T, T) -> T {
            switch reduction {
            case .none: return replace
            case .add: return add
            case .mul: return multiply
            }
        }
        switch (data, updates, reduction) {
        case (.float32(let d), .float32(let u), _): return .float32(apply(d, u, combining(+, *)))
        case (.int32(let d), .int32(let u), _): return .int32(apply(d, u, combining(&+, &*)))
        case (.int64(let d), .int64(let u), _): return .int64(apply(d, u, combining(&+, &*)))
        case (.int8(let d), .int8(let u), .none): return .int8(apply(d, u, replace))
        case (.uint8(let d), .uint8(let u), .none): return .uint8(apply(d, u, replace))
        case (.bool(let d), .bool(let u), .none): return .bool(apply(d, u, replace))
        default:
            throw ExecutionError.unsupported("\(node.operation.kindName) node '\(node.name)': reduction \(reduction.onnxName) of \(updates.dtype) updates into \(data.dtype) data")
        }
    }
}

/// Where GatherND's and ScatterND's index tuples point. Data is `[B..., A..., S...]` with
/// `batchDims` dimensions B shared with indices `[B..., T..., k]`; each k-tuple of indices gives
/// the coordinates along the k axes A, picking a slice of the S elements after them.
struct SliceAddressing {
    let batchDims: Int
    /// k, the last dimension of indices.
    let depth: Int
    let dataShape: [Int]
    let batchCount: Int
    let tuplesPerBatch: Int
    let sliceSize: Int
    /// GatherND's output, ScatterND's updates: `indices.shape[..<-1] + data.shape[batchDims + k...]`.
    let gatheredShape: [Int]

    /// Checks the shapes (every count checked, so a hostile attribute is an error naming the node).
    init(data: [Int], indices: [Int], batchDims: Int, node: NodeContext) throws {
        guard let depth = indices.last, !data.isEmpty else { throw node.fail("data \(data) and indices \(indices) must both have rank >= 1") }
        guard batchDims >= 0, batchDims < min(data.count, indices.count) else {
            throw node.fail("batch_dims \(batchDims) must be at least 0 and below the ranks of data (\(data.count)) and indices (\(indices.count))")
        }
        guard depth >= 1, depth <= data.count - batchDims else {
            throw node.fail("the last dimension of indices \(indices) is \(depth); it must be between 1 and \(data.count - batchDims), data's rank after batch_dims")
        }
        guard indices[..<batchDims] == data[..<batchDims] else {
            throw node.fail("the first \(batchDims) dimensions of indices \(indices) and data \(data) differ")
        }
        self.batchDims = batchDims
        self.depth = depth
        dataShape = data
        batchCount = try CheckedSize.product(Array(data[..<batchDims]))
        tuplesPerBatch = try CheckedSize.product(Array(indices[batchDims..<(indices.count - 1)]))
        sliceSize = try CheckedSize.product(Array(data[(batchDims + depth)...]))
        gatheredShape = Array(indices.dropLast()) + Array(data[(batchDims + depth)...])
        _ = try CheckedSize.product(gatheredShape)
    }

    /// The offset in data of the slice each tuple of `indices` addresses, in order.
    func sliceOffsets(_ indices: [Int64], node: Node) throws -> [Int] {
        let strides = Shapes.strides(dataShape)
        let batchStride = batchDims == 0 ? 0 : strides[batchDims - 1]
        var offsets: [Int] = []
        offsets.reserveCapacity(batchCount * tuplesPerBatch)
        for tuple in 0..<(batchCount * tuplesPerBatch) {
            var offset = (tuple / tuplesPerBatch) * batchStride
            for j in 0..<depth {
                let axis = batchDims + j
                offset += try IndexingKernels.position(indices[tuple * depth + j], axis: axis, dimension: dataShape[axis], node: node) * strides[axis]
            }
            offsets.append(offset)
        }
        return offsets
    }

    /// Every element of the slices starting at `offsets`, slice after slice.
    func elements(of offsets: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(offsets.count * sliceSize)
        for offset in offsets { result.append(contentsOf: offset..<(offset + sliceSize)) }
        return result
    }
}
