import EdgeIR

/// Removes nodes whose outputs are all known at compile time (see `InferShapes`), leaving their
/// outputs as constants. Shape-computation chains and weight pre-processing disappear here.
public struct FoldConstants: Pass {
    public let name = "fold-constants"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        graph.nodes.removeAll { node in node.outputs.allSatisfy { graph.constants[$0] != nil } }
        return graph
    }
}
