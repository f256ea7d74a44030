import EdgeIR

/// DepthToSpace (DCR and CRD) and SpaceToDepth on [N, C, H, W]: a reshape, a transpose and a
/// reshape, done as one strided walk (`LayoutKernels.blockWalk`). Super-resolution networks end
/// in DepthToSpace (PyTorch's PixelShuffle exports CRD); YOLO-style heads use SpaceToDepth.
struct BlockRearrangeOperator: OperatorDefinition {
    /// nil: SpaceToDepth.
    let depthToSpace: DepthToSpaceMode?
    let blockSize: Int

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.shape.count == 4 else { throw node.fail("expects a 4-D input [N, C, H, W], got \(x.shape)") }
        guard blockSize > 0 else { throw node.fail("blocksize must be positive, got \(blockSize)") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let area = try CheckedSize.multiply(blockSize, blockSize)
        if depthToSpace != nil {
            guard c % area == 0 else { throw node.fail("\(c) channels are not a multiple of blocksize² = \(area)") }
            return [TensorType(x.dtype, [n, c / area, try CheckedSize.multiply(h, blockSize), try CheckedSize.multiply(w, blockSize)])]
        }
        guard h % blockSize == 0, w % blockSize == 0 else { throw node.fail("height \(h) and width \(w) are not multiples of blocksize \(blockSize)") }
        return [TensorType(x.dtype, [n, try CheckedSize.multiply(c, area), h / blockSize, w / blockSize])]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let walk = LayoutKernels.blockWalk(input: x.shape, blockSize: blockSize, depthToSpace: depthToSpace)
        return [Tensor(shape: inputs.output.shape, storage: x.storage.gathering(Shapes.stridedIndices(shape: walk.shape, strides: walk.strides, base: 0)))]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let size = Fields.int(Int(try CheckedSize.int32(blockSize)))
        guard let mode = depthToSpace else { return node.make(.spaceToDepth, node.data, [size]) }
        return node.make(.depthToSpace, node.data, [size, mode == .depthColumnRow ? 0 : 1])
    }
}

/// Tile: the input repeated along each axis. Inputs X, repeats (constant int64, one per axis).
struct TileOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let repeats = try node.requiredParameter(1, "repeats").storage.int64s
        guard repeats.count == x.shape.count else { throw node.fail("repeats has \(repeats.count) values for an input of rank \(x.shape.count)") }
        if let negative = repeats.first(where: { $0 < 0 }) { throw node.fail("repeats \(repeats) has a negative count \(negative)") }
        return [TensorType(x.dtype, try zip(x.shape, repeats).map { try CheckedSize.multiply($0, Int($1)) })]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [LayoutKernels.tile(try inputs.required(0), output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.tile, node.data, []) }
}

/// Trilu: the upper (j − i ≥ k) or lower (j − i ≤ k) triangle of each matrix in the last two
/// axes, zeros elsewhere. Inputs X (rank ≥ 2), k? (a constant int64 scalar, 0 when absent).
/// Causal attention masks are written with it.
struct TriluOperator: OperatorDefinition {
    let upper: Bool

    func diagonal(_ node: NodeContext) throws -> Int {
        guard let k = try node.parameter(1, "k") else { return 0 }
        guard k.elementCount == 1 else { throw node.fail("k must hold one value, got shape \(k.shape)") }
        return Int(k.storage.int64s[0])
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.shape.count >= 2 else { throw node.fail("expects an input of rank 2 or more, got \(x.shape)") }
        _ = try diagonal(node)
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let k = inputs.optional(1).map { Int($0.storage.int64s[0]) } ?? 0
        return [LayoutKernels.trilu(x, upper: upper, k: k)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let shape = try node.shape(0)
        // Every k past the matrix's extent keeps or clears all of it: clamped, it fits 32 bits.
        let rows = shape[shape.count - 2], columns = shape[shape.count - 1]
        let k = min(max(try diagonal(node.context), -rows), columns)
        return node.make(.trilu, node.data, [upper ? 1 : 0, Fields.int(Int(try CheckedSize.int32(k)))])
    }
}

extension BlockRearrangeOperator: MovesElements {}
extension TileOperator: MovesElements {}
extension TriluOperator: MovesElements {}
