import EdgeIR

/// Removes nodes and constants nothing reaches the outputs through, then renumbers the values
/// densely so later stages (the memory planner, the emitter) see no holes.
public struct EliminateDeadValues: Pass {
    public let name = "eliminate-dead-values"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        var live = [Bool](repeating: false, count: graph.values.count)
        for output in graph.outputs { live[output] = true }
        var keptNodes: [Node] = []
        for node in graph.nodes.reversed() where node.outputs.contains(where: { live[$0] }) {
            keptNodes.append(node)
            for case let input? in node.inputs { live[input] = true }
        }
        keptNodes.reverse()
        // Graph inputs stay, even when unused: they are part of the model's interface.
        for input in graph.inputs { live[input.value] = true }
        for node in keptNodes { for output in node.outputs { live[output] = true } }

        var renumber = [ValueID?](repeating: nil, count: graph.values.count)
        var result = Graph(name: graph.name)
        result.metadata = graph.metadata
        for (old, info) in graph.values.enumerated() where live[old] {
            renumber[old] = result.values.count
            result.values.append(info)
            if let constant = graph.constants[old] { result.constants[renumber[old]!] = constant }
        }
        result.inputs = graph.inputs.map { var input = $0; input.value = renumber[$0.value]!; return input }
        result.outputs = graph.outputs.map { renumber[$0]! }
        result.nodes = keptNodes.map { node in
            var node = node
            node.inputs = node.inputs.map { $0.map { renumber[$0]! } }
            node.outputs = node.outputs.map { renumber[$0]! }
            return node
        }
        return result
    }
}
