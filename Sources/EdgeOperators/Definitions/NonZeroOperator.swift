import EdgeIR

/// NonZero: the positions of X's non-zero elements as int64 `[rank, count]`, one column per element
/// in row-major order (NaN counts as non-zero). How many there are depends on X's values, so X must
/// be known at compile time — an initializer, or computed from shapes and folded — and the node
/// folds to a constant; on a value computed at run time it is refused. A scalar counts as one
/// element of rank 1, as onnxruntime has it. Input X.
struct NonZeroOperator: HasNoGradient {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        [TensorType(.int64, [max(try node.type(0).shape.count, 1), try positions(node).count])]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let shape = x.rank == 0 ? [1] : x.shape
        let flat = Self.nonZero(x.storage)
        // Row r holds coordinate r of each element, so an element's coordinates come from its flat index.
        var coordinates = [Int64](repeating: 0, count: shape.count * flat.count)
        for (column, index) in flat.enumerated() {
            var rest = index
            for axis in shape.indices.reversed() {
                coordinates[axis * flat.count + column] = Int64(rest % shape[axis])
                rest /= shape[axis]
            }
        }
        return [Tensor(shape: [shape.count, flat.count], int64s: coordinates)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        throw node.fail("internal error: should have been folded to a constant")
    }

    /// The flat indices of the non-zero elements of the constant input.
    private func positions(_ node: NodeContext) throws -> [Int] {
        guard let id = node.node.input(0) else { throw node.fail("required input 0 is missing") }
        guard let x = node.graph.constants[id] else {
            throw GraphError.at(node.node, .dynamicParameter, "its output shape depends on the values of '\(node.graph.name(of: id))', which are computed at run time; edgec runs NonZero only on values known at compile time (initializers, or computed from shapes once they are bound)")
        }
        return Self.nonZero(x.storage)
    }

    private static func nonZero(_ storage: TensorStorage) -> [Int] {
        switch storage {
        case .float32(let values): return values.indices.filter { values[$0] != 0 }
        case .bool(let values): return values.indices.filter { values[$0] }
        default:
            let values = storage.int64s
            return values.indices.filter { values[$0] != 0 }
        }
    }
}
