/// The values a node reads, seen through the graphs it holds as attributes (If's branches): an
/// If depends on every value of the enclosing graph its branches read, not only on its condition,
/// for ordering the nodes and for binding those values to the branches.
enum Subgraphs {
    /// The node's inputs and the values of the enclosing graph its subgraphs read.
    static func reads(_ node: Onnx_NodeProto) -> [String] {
        node.input.filter { !$0.isEmpty } + node.attribute.flatMap { ($0.hasG ? [$0.g] : []) + $0.graphs }.flatMap(outerReads)
    }

    /// The values `graph` reads but does not define, each once, in the order first read.
    static func outerReads(_ graph: Onnx_GraphProto) -> [String] {
        var defined = Set(graph.initializer.map(\.name) + graph.input.map(\.name))
        for node in graph.node { defined.formUnion(node.output) }
        var seen: Set<String> = []
        return (graph.node.flatMap(reads) + graph.output.map(\.name)).filter { !defined.contains($0) && seen.insert($0).inserted }
    }
}
