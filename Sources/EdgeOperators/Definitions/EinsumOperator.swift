import EdgeIR

/// Einsum of one or two float operands, run as the operators it amounts to: a sum over labels
/// one operand alone has is a ReduceSum; a product with labels to contract is a MatMul between
/// the operands transposed and reshaped to [shared…, kept, contracted] and [shared…, contracted,
/// kept] (`bhqd,bhkd->bhqk` is one Transpose and a MatMul; `bij,jk->bik` a MatMul of the 2-D
/// weight the quantizer takes); a product without is a broadcast Mul; a final Reshape and
/// Transpose give the output's order. The equation's forms are checked at import
/// (`EinsumEquation`); here the operands' shapes, a label of size 1 broadcast against a longer one
/// as NumPy and onnxruntime do.
struct EinsumOperator: Expandable {
    let equation: EinsumEquation

    /// Each operand's labels in axis order, those of size 1 that broadcast against a longer one in
    /// the other operand (summed away first: a reshape), the output's, and every label's size.
    private struct Labels {
        var operands: [[Int]]
        var broadcastOnly: [Set<Int>]
        var output: [Int]
        var sizes: [Int: Int]
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let labels = try self.labels(node)
        return [TensorType(.float32, labels.output.map { labels.sizes[$0]! })]
    }

    private func labels(_ node: NodeContext) throws -> Labels {
        let types = try (0..<node.inputCount).map { try node.type($0) }
        if let other = types.first(where: { $0.dtype != .float32 }) { throw node.fail("Einsum on \(other.dtype) is not supported (float32 is)") }
        let found: (operands: [[Int]], output: [Int])
        switch equation.labels(ranks: types.map(\.shape.count)) {
        case .success(let labels): found = labels
        case .failure(let error): throw node.fail(error.message)
        }
        var sizes: [Int: Int] = [:]
        for (operand, type) in zip(found.operands, types) {
            for (label, size) in zip(operand, type.shape) {
                let known = sizes[label] ?? size
                guard known == size || known == 1 || size == 1 else {
                    throw node.fail("equation '\(equation)': \(Self.describe(label)) is \(known) in one operand and \(size) in the other")
                }
                sizes[label] = max(known, size)
            }
        }
        let broadcastOnly = zip(found.operands, types).map { operand, type in
            Set(zip(operand, type.shape).filter { $0.1 == 1 && sizes[$0.0]! > 1 }.map(\.0))
        }
        return Labels(operands: found.operands, broadcastOnly: broadcastOnly, output: found.output, sizes: sizes)
    }

    private static func describe(_ label: Int) -> String {
        label >= 0 ? "'\(Character(Unicode.Scalar(UInt8(label))))'" : "a dimension under '...'"
    }

    func expand(_ node: Node, in graph: inout Graph) throws -> [Node] {
        let labels = try self.labels(NodeContext(node: node, graph: graph))
        let output = labels.output
        var build = EinsumBuilder(graph: graph, name: node.name, sizes: labels.sizes)
        // First each operand sums what it alone has and the output lacks, and its broadcast 1s.
        var operands: [EinsumBuilder.Operand] = []
        for (index, input) in node.inputs.enumerated() {
            let own = labels.operands[index], broadcast = labels.broadcastOnly[index]
            let others = labels.operands.indices.filter { $0 != index }.flatMap { other in labels.operands[other].filter { !labels.broadcastOnly[other].contains($0) } }
            let summed = own.filter { broadcast.contains($0) || (!output.contains($0) && !others.contains($0)) }
            operands.append(build.sum(EinsumBuilder.Operand(value: input!, labels: own), over: summed, label: "sum\(index)"))
        }
        if operands.count == 1 {
            return build.finish(writing: node.outputs[0], from: build.transpose(operands[0], to: output, label: "transpose").value, into: &graph)
        }
        var (a, b) = (operands[0], operands[1])
        // A constant operand goes right, where MatMul's int8 kernel takes its weights.
        if graph.constants[a.value] != nil && graph.constants[b.value] == nil { swap(&a, &b) }
        let shared = a.labels.filter { b.labels.contains($0) }
        let batch = shared.filter { output.contains($0) }, contracted = shared.filter { !output.contains($0) }
        let keptA = a.labels.filter { !shared.contains($0) }, keptB = b.labels.filter { !shared.contains($0) }

        guard !contracted.isEmpty else {
            // Nothing to sum: each operand in the output's order, 1 where it lacks a label, multiplied.
            let left = build.placed(a, in: output, label: "a"), right = build.placed(b, in: output, label: "b")
            return build.finish(writing: node.outputs[0], from: build.add("multiply", .binary(.mul, activation: nil), [left, right]), into: &graph)
        }
        let k = build.size(contracted), n = build.size(keptB)
        let left: ValueID, right: ValueID, productShape: [Int]
        if batch.isEmpty {
            // [keptA…, K] x [K, N]: MatMul broadcasts a 2-D right operand over the left's leading axes.
            let rows = keptA.isEmpty ? [1] : keptA.map { labels.sizes[$0]! }
            left = build.arranged(a, keptA + contracted, shape: rows + [k], label: "a")
            right = build.arranged(b, contracted + keptB, shape: [k, n], label: "b")
            productShape = rows + [n]
        } else {
            let batchSizes = batch.map { labels.sizes[$0]! }
            left = build.arranged(a, batch + keptA + contracted, shape: batchSizes + [build.size(keptA), k], label: "a")
            right = build.arranged(b, batch + contracted + keptB, shape: batchSizes + [k, n], label: "b")
            productShape = batchSizes + [build.size(keptA), n]
        }
        let product = build.add("matmul", .matMul(activation: nil), [left, right])
        let productLabels = batch + keptA + keptB
        let unfolded = build.reshape(product, from: productShape, to: productLabels.map { labels.sizes[$0]! }, label: "unfold")
        let result = build.transpose(EinsumBuilder.Operand(value: unfolded, labels: productLabels), to: output, label: "transpose")
        return build.finish(writing: node.outputs[0], from: result.value, into: &graph)
    }
}

/// Adds the nodes of an Einsum's expansion, each writing a value of its own named after the node.
/// An operand is a value and the labels of its axes, whose sizes `sizes` gives.
struct EinsumBuilder {
    struct Operand {
        var value: ValueID
        var labels: [Int]
    }

    var graph: Graph
    let name: String
    let sizes: [Int: Int]
    var nodes: [Node] = []

    init(graph: Graph, name: String, sizes: [Int: Int]) {
        self.graph = graph
        self.name = name
        self.sizes = sizes
    }

    func size(_ labels: [Int]) -> Int { labels.reduce(1) { $0 * sizes[$1]! } }

    mutating func add(_ label: String, _ operation: Operation, _ inputs: [ValueID?]) -> ValueID {
        let output = graph.addValue(name: "\(name).\(label)")
        nodes.append(Node(name: "\(name).\(label)", operation: operation, inputs: inputs, outputs: [output]))
        return output
    }

    /// `operand` with `labels` summed away (itself when there are none).
    mutating func sum(_ operand: Operand, over labels: [Int], label: String) -> Operand {
        let axes = operand.labels.indices.filter { labels.contains(operand.labels[$0]) }
        guard !axes.isEmpty else { return operand }
        let value = add(label, .reduce(Reduction(kind: .sum, axes: axes, keepDims: false)), [operand.value])
        return Operand(value: value, labels: operand.labels.filter { !labels.contains($0) })
    }

    /// `operand` with its axes in the order of `order`, a permutation of its labels.
    mutating func transpose(_ operand: Operand, to order: [Int], label: String) -> Operand {
        let permutation = order.map { operand.labels.firstIndex(of: $0)! }
        guard permutation != Array(permutation.indices) else { return operand }
        return Operand(value: add(label, .transpose(permutation: permutation), [operand.value]), labels: order)
    }

    /// `value`, of shape `current`, reshaped to `shape` (itself when that is its shape).
    mutating func reshape(_ value: ValueID, from current: [Int], to shape: [Int], label: String) -> ValueID {
        guard current != shape else { return value }
        let target = graph.addConstant(name: "\(name).\(label)_shape", Tensor(shape: [shape.count], int64s: shape.map { Int64($0) }))
        return add(label, .reshape(allowZero: true), [value, target])
    }

    /// `operand` transposed to `order` and reshaped to `shape`: an operand of a MatMul.
    mutating func arranged(_ operand: Operand, _ order: [Int], shape: [Int], label: String) -> ValueID {
        let moved = transpose(operand, to: order, label: "transpose_" + label)
        return reshape(moved.value, from: order.map { sizes[$0]! }, to: shape, label: "reshape_" + label)
    }

    /// `operand` with its labels in `output`'s order and a 1 for each output label it lacks: an
    /// operand of a broadcast Mul.
    mutating func placed(_ operand: Operand, in output: [Int], label: String) -> ValueID {
        let order = output.filter { operand.labels.contains($0) }
        let moved = transpose(operand, to: order, label: "transpose_" + label)
        return reshape(moved.value, from: order.map { sizes[$0]! }, to: output.map { operand.labels.contains($0) ? sizes[$0]! : 1 }, label: "reshape_" + label)
    }

    /// The nodes, the last writing `output` instead of the value it was given (or an Identity
    /// when `value` is an input), and the graph they read given back.
    mutating func finish(writing output: ValueID, from value: ValueID, into target: inout Graph) -> [Node] {
        if let last = nodes.indices.last, nodes[last].outputs == [value] {
            nodes[last].outputs = [output]
            if value == graph.values.count - 1 { graph.values.removeLast() }
        } else {
            nodes.append(Node(name: name, operation: .identity, inputs: [value], outputs: [output]))
        }
        target = graph
        return nodes
    }
}
