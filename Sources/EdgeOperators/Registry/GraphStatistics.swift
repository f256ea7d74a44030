import EdgeIR

/// Counts that describe a graph's size and cost: multiply-accumulates per layer, parameters.
public enum GraphStatistics {
    public struct LayerCost: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var outputShape: [Int]
        public var macs: Int
    }

    /// Every node with a multiply-accumulate cost, in execution order.
    public static func layerCosts(_ graph: Graph) -> [LayerCost] {
        graph.nodes.compactMap { node in
            let macs = Operators.macs(of: node, in: graph)
            guard macs > 0 else { return nil }
            let shape = node.outputs.first.flatMap { graph.type(of: $0)?.shape } ?? []
            return LayerCost(node: node.name, kind: node.operation.kindName, outputShape: shape, macs: macs)
        }
    }

    /// Float weights: constants that no node computes (initializers, Constant nodes), plus the
    /// outputs of ConstantOfShape, which some exporters use to store uniform weights.
    public static func parameters(_ graph: Graph) -> (count: Int, bytes: Int) {
        let producers = graph.producers()
        var count = 0, bytes = 0
        for (id, tensor) in graph.constants where tensor.dtype == .float32 {
            if let producer = producers[id] {
                guard case .constantOfShape = graph.nodes[producer].operation else { continue }
            }
            count += tensor.elementCount
            bytes += tensor.byteCount
        }
        return (count, bytes)
    }
}
