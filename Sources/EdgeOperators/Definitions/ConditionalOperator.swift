import EdgeIR

/// If, when its condition is known at compile time: an initializer, or computed from shapes, as
/// exporters write a model's branch on its input size (`Shape → Gather → Equal → If`). Shape
/// inference puts the nodes of the branch it takes in its place, their names prefixed with the
/// If's, the branch's outputs written to the If's outputs, the values it read from the enclosing
/// graph bound to the If's inputs. An If on a condition computed at run time is refused: the
/// runtime has no branches. Inputs: condition, then the captured values (`Branches`).
struct ConditionalOperator: Expandable {
    let branches: Branches

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        _ = try taken(node)
        throw GraphError.at(node.node, .invalidGraph, "internal error: an If whose condition is known should have been inlined by shape inference")
    }

    func expand(_ node: Node, in graph: inout Graph) throws -> [Node] {
        let (branch, side) = try taken(NodeContext(node: node, graph: graph))
        let body = branch.graph
        guard body.unsupportedNodes.isEmpty else {
            throw GraphError.at(node, .unsupported, "its condition takes the \(side) branch, which has \(body.unsupportedNodesSummary)")
        }
        guard body.outputs.count == node.outputs.count else {
            throw GraphError.at(node, .invalidGraph, "its \(side) branch has \(body.outputs.count) outputs for the If's \(node.outputs.count)")
        }
        let prefix = "\(node.name).\(side)."
        var inlined = [ValueID?](repeating: nil, count: body.values.count)
        func copy(_ id: ValueID, as new: ValueID) {
            graph.values[new].quantization = body.values[id].quantization
            inlined[id] = new
        }
        for (capture, outer) in zip(branch.captures, node.inputs.dropFirst()) { inlined[capture] = outer }
        for id in body.constants.keys.sorted() { copy(id, as: graph.addConstant(name: prefix + body.name(of: id), body.constants[id]!)) }
        // A branch output a branch node computes is written by that node straight into the If's output.
        var written: [ValueID: ValueID] = [:]
        for (output, target) in zip(body.outputs, node.outputs) where inlined[output] == nil && written[output] == nil { written[output] = target }
        var nodes: [Node] = []
        for inner in body.nodes {
            let outputs = inner.outputs.map { id -> ValueID in
                let new = written[id] ?? graph.addValue(name: prefix + body.name(of: id))
                copy(id, as: new)
                return new
            }
            nodes.append(Node(name: prefix + inner.name, operation: inner.operation, inputs: inner.inputs.map { $0.map { inlined[$0]! } }, outputs: outputs))
        }
        // Outputs the branch passes through from the enclosing graph or its constants, or gives twice.
        for (index, (output, target)) in zip(body.outputs, node.outputs).enumerated() where written[output] != target {
            nodes.append(Node(name: prefix + "output\(index)", operation: .identity, inputs: [inlined[output]!], outputs: [target]))
        }
        return nodes
    }

    /// The branch the constant condition takes, and its name.
    private func taken(_ node: NodeContext) throws -> (Branch, String) {
        guard let id = node.node.input(0) else { throw node.fail("its condition is missing") }
        guard let condition = node.graph.constants[id] else {
            throw GraphError.at(node.node, .dynamicParameter, "its condition '\(node.graph.name(of: id))' is computed at run time; edgec runs an If only when its condition is known at compile time (an initializer, or computed from shapes once they are bound), and then inlines the branch it takes")
        }
        guard condition.elementCount == 1 else { throw node.fail("its condition must hold one element, got shape \(condition.shape)") }
        return condition.storage.doubles[0] != 0 ? (branches.thenBranch, "then") : (branches.elseBranch, "else")
    }
}
