import EdgeIR

/// CumSum: running sums along one axis (exclusive: without the element itself; reverse: from the
/// end). Inputs X (float32, int32 or int64), axis (a constant int scalar). Transformer exports
/// compute position ids as the CumSum of the attention mask.
struct CumSumOperator: OperatorDefinition {
    let exclusive: Bool
    let reverse: Bool

    func axis(_ node: NodeContext, rank: Int) throws -> Int {
        let axis = try node.requiredParameter(1, "axis")
        guard axis.elementCount == 1 else { throw node.fail("axis must hold one value, got shape \(axis.shape)") }
        return try node.axis(Int(axis.storage.int64s[0]), rank: rank)
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard [.float32, .int32, .int64].contains(x.dtype) else { throw node.fail("\(x.dtype) sums are not supported (float32, int32 and int64 are)") }
        _ = try axis(node, rank: x.shape.count)
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = Shapes.normalizedAxis(Int(try inputs.required(1).storage.int64s[0]), rank: x.rank)!
        return [SelectionKernels.cumulativeSum(x, axis: axis, exclusive: exclusive, reverse: reverse)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let axis = try self.axis(node.context, rank: try node.shape(0).count)
        return node.make(.cumSum, node.data, [Fields.int(axis), exclusive ? 1 : 0, reverse ? 1 : 0])
    }
}

extension CumSumOperator: Differentiable {
    /// Each input element reaches the sums after it (before it, reversed): the gradient is the
    /// running sum of the output's gradient in the other direction.
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard x.dtype == .float32, request.wants(0) else { return [nil, nil] }
        let axis = Shapes.normalizedAxis(Int(try request.inputs.required(1).storage.int64s[0]), rank: x.rank)!
        let g = Tensor(shape: x.shape, floats: request.gradient())
        return [SelectionKernels.cumulativeSum(g, axis: axis, exclusive: exclusive, reverse: !reverse), nil]
    }
}

/// ArgMax and ArgMin: the int64 position of the extreme value along one axis (the first one, or
/// the last with select_last_index). Input X (float32, int32 or int64).
struct ArgExtremumOperator: OperatorDefinition {
    let attributes: ArgExtremum

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard [.float32, .int32, .int64].contains(x.dtype) else { throw node.fail("\(x.dtype) inputs are not supported (float32, int32 and int64 are)") }
        let a = try node.axis(attributes.axis, rank: x.shape.count)
        var shape = x.shape
        if attributes.keepDims { shape[a] = 1 } else { shape.remove(at: a) }
        guard x.shape[a] > 0 else { throw node.fail("axis \(a) of \(x.shape) is empty: there is no position to return") }
        return [TensorType(.int64, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axis = Shapes.normalizedAxis(attributes.axis, rank: x.rank)!
        return [Tensor(shape: inputs.output.shape, int64s: SelectionKernels.argExtremum(x, axis: axis, attributes))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let axis = Shapes.normalizedAxis(attributes.axis, rank: try node.shape(0).count)!
        return node.make(.argExtremum, node.data, [attributes.isMax ? 0 : 1, Fields.int(axis), attributes.keepDims ? 1 : 0, attributes.selectLastIndex ? 1 : 0])
    }
}

/// TopK: the k largest (or smallest) values along one axis and their int64 positions, best first;
/// equal values in the order of their positions, as onnxruntime gives them. Inputs X (float32), K
/// (a constant int64 [1]). Detection heads (YOLO's score selection) write it. Unsorted requests
/// get the sorted order, which is one of the orders they allow.
struct TopKOperator: OperatorDefinition {
    let axis: Int
    let largest: Bool

    func count(_ node: NodeContext, dimension: Int) throws -> Int {
        let k = try node.requiredParameter(1, "k")
        guard k.elementCount == 1 else { throw node.fail("k must hold one value, got shape \(k.shape)") }
        let value = k.storage.int64s[0]
        guard value >= 0, value <= Int64(dimension) else { throw node.fail("k = \(value) is outside 0...\(dimension), the size of the axis") }
        return Int(value)
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        guard x.dtype == .float32 else { throw node.fail("\(x.dtype) inputs are not supported (float32 is)") }
        guard node.outputCount == 2 else { throw node.fail("has \(node.outputCount) outputs; TopK writes two (values and indices)") }
        let a = try node.axis(axis, rank: x.shape.count)
        var shape = x.shape
        shape[a] = try count(node, dimension: x.shape[a])
        return [TensorType(.float32, shape), TensorType(.int64, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.float(0)
        let a = Shapes.normalizedAxis(axis, rank: x.rank)!
        let (values, indices) = SelectionKernels.topK(x, axis: a, k: inputs.output.shape[a], largest: largest)
        return [Tensor(shape: inputs.output.shape, floats: values), Tensor(shape: inputs.output.shape, int64s: indices)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let a = Shapes.normalizedAxis(axis, rank: try node.shape(0).count)!
        return node.make(.topK, node.data, [Fields.int(a), largest ? 1 : 0])
    }
}

extension TopKOperator: Differentiable {
    /// The values are copies of input elements: their gradient goes back to the positions picked.
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.float(0)
        guard request.wants(0) else { return [nil, nil] }
        let a = Shapes.normalizedAxis(axis, rank: x.rank)!
        let indices = request.outputs[1].storage.int64s, g = request.gradient(0)
        let shape = request.outputs[1].shape
        let strides = Shapes.strides(x.shape)
        // Each output position's offset in X with its axis coordinate left at 0, then the index's.
        let base = Shapes.stridedIndices(shape: shape, strides: strides.enumerated().map { $0.offset == a ? 0 : $0.element }, base: 0)
        var dx = [Float](repeating: 0, count: x.elementCount)
        for (j, offset) in base.enumerated() { dx[offset + Int(indices[j]) * strides[a]] += g[j] }
        return [Tensor(shape: x.shape, floats: dx), nil]
    }
}
