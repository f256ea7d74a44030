import EdgeIR

/// Concat along one axis. Inputs: any number of tensors of one dtype.
struct ConcatOperator: OperatorDefinition {
    let axis: Int

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let first = try node.type(0)
        let a = try node.axis(axis, rank: first.shape.count)
        var shape = first.shape
        shape[a] = 0
        for i in 0..<node.inputCount {
            let t = try node.type(i)
            guard t.dtype == first.dtype, t.shape.count == first.shape.count,
                  t.shape.enumerated().allSatisfy({ $0.offset == a || $0.element == first.shape[$0.offset] }) else {
                throw node.fail("input \(i) of shape \(t.shape) does not match \(first.shape) outside axis \(axis)")
            }
            shape[a] = try CheckedSize.add(shape[a], t.shape[a])
        }
        return [TensorType(first.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try LayoutKernels.concat(try inputs.all(), axis: axis, output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        (0..<node.inputCount).allSatisfy(node.isFloatActivation) ? .rescalesInputs : .none(reason: "some inputs are constants")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let normalized = Fields.int(Shapes.normalizedAxis(axis, rank: node.outputShape.count)!)
        guard node.isInt8 else { return node.make(.concat, node.node.inputs, [normalized]) }
        let output = try node.outputQuantization
        let inputs = try node.node.inputs.map { try node.quantization($0) }
        // Inputs that already share the output's scale are copied as bytes.
        if inputs.allSatisfy({ $0 == output }) { return node.make(.concat, node.node.inputs, [normalized]) }
        var fields = [normalized]
        for q in inputs {
            let (m, sh) = q == output ? (Int32(0), Int32(0)) : IntegerArithmetic.quantizeMultiplier(Double(q.scale) / Double(output.scale))
            fields += [IntegerArithmetic.field(m), IntegerArithmetic.field(sh)]
        }
        return node.make(.concatInt8, node.node.inputs, fields)
    }
}

/// Split along one axis into the node's outputs. Input X.
struct SplitOperator: OperatorDefinition {
    let axis: Int
    let sizes: [Int]?

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let a = try node.axis(axis, rank: x.shape.count)
        let dimension = x.shape[a], outputs = node.outputCount
        if let sizes = sizes {
            guard sizes.count == outputs, (try? CheckedSize.sum(sizes)) == dimension, sizes.allSatisfy({ $0 >= 0 }) else {
                throw node.fail("split sizes \(sizes) do not add up to \(dimension) over \(outputs) outputs")
            }
        }
        return ShapeInference.splitSizes(dimension: dimension, sizes: sizes, outputs: outputs).map { size in
            var shape = x.shape
            shape[a] = size
            return TensorType(x.dtype, shape)
        }
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        LayoutKernels.split(try inputs.required(0), axis: axis, outputs: inputs.outputTypes)
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.split, node.data, [Fields.int(Shapes.normalizedAxis(axis, rank: try node.shape(0).count)!)])
    }
}

/// Slice with constant bounds. Inputs data, starts, ends, axes?, steps?.
struct SliceOperator: OperatorDefinition {
    func ranges(_ node: NodeContext, shape: [Int]) throws -> ShapeInference.SliceRanges {
        try ShapeInference.sliceRanges(
            shape: shape, starts: try node.requiredParameter(1, "starts").storage.int64s, ends: try node.requiredParameter(2, "ends").storage.int64s,
            axes: try node.parameter(3, "axes")?.storage.int64s, steps: try node.parameter(4, "steps")?.storage.int64s, node: node.node)
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        return [TensorType(x.dtype, try ranges(node, shape: x.shape).counts)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let ranges = try ShapeInference.sliceRanges(
            shape: x.shape, starts: try inputs.required(1).storage.int64s, ends: try inputs.required(2).storage.int64s,
            axes: inputs.optional(3)?.storage.int64s, steps: inputs.optional(4)?.storage.int64s, node: node.node)
        return [LayoutKernels.slice(x, ranges: ranges)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        guard node.constant(1) != nil, node.constant(2) != nil else { throw node.fail("starts and ends must be constants") }
        let ranges = try self.ranges(node.context, shape: try node.shape(0))
        return node.make(.slice, node.data, Fields.eight(ranges.starts) + Fields.eight(ranges.steps))
    }
}

/// Gather along one axis. Inputs data, indices.
struct GatherOperator: OperatorDefinition {
    let axis: Int

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), indices = try node.type(1)
        guard indices.dtype == .int64 || indices.dtype == .int32 else { throw node.fail("indices must be int32 or int64, got \(indices.dtype)") }
        let a = try node.axis(axis, rank: x.shape.count)
        return [TensorType(x.dtype, Array(x.shape[..<a]) + indices.shape + Array(x.shape[(a + 1)...]))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try LayoutKernels.gather(try inputs.required(0), indices: try inputs.required(1), axis: axis, output: inputs.output, node: node.node)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.gather, Array(node.node.inputs.prefix(2)), [Fields.int(Shapes.normalizedAxis(axis, rank: try node.shape(0).count)!)])
    }
}

/// Reshape, Flatten, Squeeze, Unsqueeze and Identity: the same bytes under another shape.
struct ReshapeOperator: OperatorDefinition {
    enum Form {
        case reshape(allowZero: Bool)
        case flatten(axis: Int)
        case squeeze(axes: [Int]?)
        case unsqueeze(axes: [Int])
        case identity
    }

    let form: Form

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        switch form {
        case .reshape(let allowZero):
            let requested = try node.requiredParameter(1, "the target shape").storage.int64s
            return [TensorType(x.dtype, try ShapeInference.reshapedShape(input: x.shape, requested: requested, allowZero: allowZero, node: node.node))]
        case .flatten(let rawAxis):
            let a = rawAxis < 0 ? rawAxis + x.shape.count : rawAxis
            guard (0...x.shape.count).contains(a) else { throw node.fail("axis \(rawAxis) is out of range for rank \(x.shape.count)") }
            return [TensorType(x.dtype, [Shapes.elementCount(Array(x.shape[..<a])), Shapes.elementCount(Array(x.shape[a...]))])]
        case .squeeze(let axes):
            guard let axes = axes else { return [TensorType(x.dtype, x.shape.filter { $0 != 1 })] }
            let normalized = try Set(axes.map { try node.axis($0, rank: x.shape.count) })
            for a in normalized where x.shape[a] != 1 {
                throw node.fail("cannot squeeze axis \(a) of size \(x.shape[a]) in \(x.shape)")
            }
            return [TensorType(x.dtype, x.shape.enumerated().filter { !normalized.contains($0.offset) }.map(\.element))]
        case .unsqueeze(let axes):
            let rank = x.shape.count + axes.count
            let normalized = try Set(axes.map { try node.axis($0, rank: rank) })
            guard normalized.count == axes.count else { throw node.fail("repeated axes \(axes)") }
            var shape: [Int] = []
            var source = x.shape.makeIterator()
            for a in 0..<rank { shape.append(normalized.contains(a) ? 1 : source.next()!) }
            return [TensorType(x.dtype, shape)]
        case .identity:
            return [x]
        }
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try inputs.required(0).reshaped(inputs.output.shape)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.reshape, node.data, []) }
}

/// Transpose by a permutation (nil reverses the axes). Input X.
struct TransposeOperator: OperatorDefinition {
    let permutation: [Int]?

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let perm = permutation ?? Array((0..<x.shape.count).reversed())
        guard perm.sorted() == Array(0..<x.shape.count) else { throw node.fail("permutation \(perm) does not fit rank \(x.shape.count)") }
        return [TensorType(x.dtype, perm.map { x.shape[$0] })]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [LayoutKernels.transpose(try inputs.required(0), permutation: permutation, output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .passesScales : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let rank = try node.shape(0).count
        return node.make(.transpose, node.data, Fields.eight(permutation ?? Array((0..<rank).reversed())))
    }
}

/// Expand: NumPy broadcast to a shape. Inputs data, shape.
struct ExpandOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let target = try node.requiredParameter(1, "the target shape").storage.int64s.map { Int($0) }
        guard let shape = Shapes.broadcast(x.shape, target) else { throw node.fail("cannot expand \(x.shape) to \(target)") }
        return [TensorType(x.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [LayoutKernels.expand(try inputs.required(0), output: inputs.output)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.expand, node.data, []) }
}

/// Pad with a constant, by reflection or by repeating the edge. Inputs data, pads, constantValue?, axes?.
struct PadOperator: OperatorDefinition {
    let mode: PadMode

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        let pads = try node.requiredParameter(1, "pads").storage.int64s.map { Int($0) }
        let axes = try node.parameter(3, "axes")?.storage.int64s.map { try node.axis(Int($0), rank: x.shape.count) } ?? Array(0..<x.shape.count)
        guard pads.count == 2 * axes.count else {
            throw node.fail("pads has \(pads.count) values; \(axes.count) axes need \(2 * axes.count) (a begin and an end for each)")
        }
        var shape = x.shape
        for (i, a) in axes.enumerated() {
            shape[a] = try CheckedSize.add(shape[a], try CheckedSize.add(pads[i], pads[axes.count + i]))
            guard shape[a] >= 0 else { throw node.fail("pads \(pads) remove more than axis \(a) holds") }
        }
        return [TensorType(x.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let x = try inputs.required(0)
        let axes = inputs.optional(3)?.storage.int64s.map { Shapes.normalizedAxis(Int($0), rank: x.rank)! } ?? Array(0..<x.rank)
        let value = inputs.optional(2)?.storage.doubles.first ?? 0
        return [LayoutKernels.pad(x, mode: mode, pads: try inputs.required(1).storage.int64s.map { Int($0) }, axes: axes, value: value, output: inputs.output)]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let x = try node.shape(0)
        guard let pads = node.constant(1)?.storage.int64s.map({ Int($0) }) else { throw node.fail("pads must be constant") }
        let axes = node.constant(3)?.storage.int64s.map { Shapes.normalizedAxis(Int($0), rank: x.count)! } ?? Array(0..<x.count)
        var begins = Array(repeating: 0, count: x.count)
        // A begin of -2^40 beside an end of +2^40 leaves the shape alone but fits no 32-bit field.
        for (i, axis) in axes.enumerated() { begins[axis] = Int(try CheckedSize.int32(pads[i])) }
        let value = Float(node.constant(2)?.storage.doubles.first ?? 0)
        let modeCode: UInt32 = mode == .constant ? 0 : mode == .reflect ? 1 : 2
        return node.make(.pad, node.data, [modeCode, Fields.float(value)] + Fields.eight(begins))
    }
}

extension ConcatOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let parts = try request.inputs.all()
        guard request.outputs[0].dtype == .float32 else { return parts.map { _ in nil } }
        let pieces = LayoutKernels.split(Tensor(shape: request.outputs[0].shape, floats: request.gradient()), axis: axis, outputs: parts.map(\.type))
        return pieces.indices.map { request.wants($0) ? pieces[$0] : nil }
    }
}

extension SplitOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard x.dtype == .float32, request.wants(0) else { return [nil] + Array(repeating: nil, count: max(0, request.inputs.tensors.count - 1)) }
        let parts = request.outputs.indices.map { Tensor(shape: request.outputs[$0].shape, floats: request.gradient($0)) }
        return [try LayoutKernels.concat(parts, axis: axis, output: x.type)] + Array(repeating: nil, count: max(0, request.inputs.tensors.count - 1))
    }
}

/// The operators whose output elements are copies of input 0's elements: their backward scatters
/// the gradient back through the forward's own index map (`LayoutGradients.scatter`).
protocol MovesElements: Differentiable {}

extension MovesElements {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        let others = Array(repeating: Tensor?.none, count: max(0, request.inputs.tensors.count - 1))
        guard x.dtype == .float32, request.wants(0) else { return [nil] + others }
        let types = request.outputs.map(\.type)
        let gradients = request.outputs.indices.map { request.outputGradients.count > $0 ? request.outputGradients[$0]?.floats : nil }
        let dx = try LayoutGradients.scatter(inputShape: x.shape, gradients: gradients) { positions in
            // Padding's fill value reads as "from nowhere": the constant value input is left out.
            var tensors = request.inputs.tensors
            tensors[0] = positions
            if tensors.count > 2, self is PadOperator { tensors[2] = nil }
            return try evaluate(node, KernelInputs(tensors, outputTypes: types.map { TensorType(.int64, $0.shape) }, node: node.node))
        }
        return [Tensor(shape: x.shape, floats: dx)] + others
    }
}

extension SliceOperator: MovesElements {}
extension GatherOperator: MovesElements {}
extension TransposeOperator: MovesElements {}
extension ExpandOperator: MovesElements {}
extension PadOperator: MovesElements {}

extension ReshapeOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        let others = Array(repeating: Tensor?.none, count: max(0, request.inputs.tensors.count - 1))
        guard x.dtype == .float32, request.wants(0) else { return [nil] + others }
        return [Tensor(shape: x.shape, floats: request.gradient())] + others
    }
}
