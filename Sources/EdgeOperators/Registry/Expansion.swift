import EdgeIR

/// An operator edgec runs as other operators: shape inference (`InferShapesAndFold`) replaces the
/// node by the nodes `expand` returns as soon as it reaches it, its inputs' types known, and goes
/// on through them. So an expandable operator never reaches a kernel, the quantizer or the
/// lowering; what runs, trains and quantizes is the operators it became.
public protocol Expandable: OperatorDefinition {
    /// The nodes that compute `node`'s outputs, writing its own output values; the values and
    /// constants between them are added to `graph`. Throws, naming the node, when the node cannot
    /// be run this way.
    func expand(_ node: Node, in graph: inout Graph) throws -> [Node]
}

extension Expandable {
    /// The forward of an expandable operator is its expansion's, run on the inputs.
    public func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        var scratch = Graph(name: node.name)
        let inputIDs = try node.node.inputs.indices.map { index -> ValueID? in
            guard node.node.inputs[index] != nil else { return nil }
            return scratch.addConstant(name: "input\(index)", try inputs.required(index))
        }
        let outputIDs = node.node.outputs.map { scratch.addValue(name: node.graph.name(of: $0)) }
        var pending = [Node(name: node.name, operation: node.node.operation, inputs: inputIDs, outputs: outputIDs)]
        while !pending.isEmpty {
            let next = pending.removeFirst()
            if let replacement = try Operators.expansion(of: next, in: &scratch) {
                pending.insert(contentsOf: replacement, at: 0)
                continue
            }
            let types = try Operators.outputTypes(of: next, in: scratch)
            let arguments = next.inputs.map { $0.flatMap { scratch.constants[$0] } }
            for (id, tensor) in zip(next.outputs, try Operators.evaluate(next, in: scratch, inputs: arguments, outputTypes: types)) {
                scratch.setConstant(id, tensor)
            }
        }
        return outputIDs.map { scratch.constants[$0]! }
    }

    public func lower(_ node: LoweringContext) throws -> LoweredOperator {
        throw node.fail("internal error: should have been expanded into other operators by shape inference")
    }
}

extension Operators {
    /// The nodes that replace `node` (see `Expandable`), or nil when its operator runs as itself.
    public static func expansion(of node: Node, in graph: inout Graph) throws -> [Node]? {
        guard let definition = definition(of: node.operation) as? any Expandable else { return nil }
        return try naming(node) { try definition.expand(node, in: &graph) }
    }
}
