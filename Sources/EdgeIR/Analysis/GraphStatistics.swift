/// Counts that describe a graph's size and cost: multiply-accumulates per layer, parameters.
public enum GraphStatistics {
    public struct LayerCost: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var outputShape: [Int]
        public var macs: Int
    }

    /// Multiply-accumulates of one node (Conv, ConvTranspose, Gemm, MatMul; 0 for the rest),
    /// or nil when its shapes are unknown.
    public static func macs(of node: Node, in graph: Graph) -> Int? {
        func shape(_ i: Int) -> [Int]? { node.input(i).flatMap { graph.type(of: $0)?.shape } }
        guard let output = node.outputs.first.flatMap({ graph.type(of: $0)?.shape }) else { return nil }
        switch node.operation {
        case .conv:
            guard let w = shape(1) else { return nil }
            return Shapes.elementCount(output) * Shapes.elementCount(Array(w.dropFirst()))
        case .convTranspose:
            guard let x = shape(0), let w = shape(1) else { return nil }
            return Shapes.elementCount(x) * Shapes.elementCount(Array(w.dropFirst()))
        case .gemm(let g):
            guard let a = shape(0) else { return nil }
            return Shapes.elementCount(output) * (g.transposeA ? a[0] : a[1])
        case .matMul:
            guard let a = shape(0) else { return nil }
            return Shapes.elementCount(output) * (a.last ?? 1)
        default:
            return 0
        }
    }

    /// Every node with a multiply-accumulate cost, in execution order.
    public static func layerCosts(_ graph: Graph) -> [LayerCost] {
        graph.nodes.compactMap { node in
            guard let macs = macs(of: node, in: graph), macs > 0 else { return nil }
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
