import EdgeIR

/// Removes Identity (and Dropout, which the front end maps to Identity) by reading its input directly.
/// An Identity that produces a graph output hands its name to the value it copies, so outputs keep
/// their names; it stays only where that is impossible (it copies a graph input, a constant or another output).
public struct DropIdentity: Pass {
    public let name = "drop-identity"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var replacement: [ValueID: ValueID] = [:]
        func resolve(_ id: ValueID) -> ValueID { replacement[id] ?? id }
        var kept: [Node] = []
        for var node in graph.nodes {
            node.inputs = node.inputs.map { $0.map(resolve) }
            guard case .identity = node.operation, let source = node.input(0) else {
                kept.append(node)
                continue
            }
            let output = node.outputs[0]
            if graph.outputs.contains(output) {
                if graph.isGraphInput(source) || graph.outputs.contains(source) || graph.constants[source] != nil {
                    kept.append(node)
                    continue
                }
                graph.values[source].name = graph.values[output].name
                graph.outputs = graph.outputs.map { $0 == output ? source : $0 }
            }
            replacement[output] = source
        }
        graph.nodes = kept
        graph.outputs = graph.outputs.map(resolve)
        return graph
    }
}
