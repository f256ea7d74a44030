import EdgeIR

/// Folds Relu, Relu6/Clip, HardSwish and LeakyRelu into the Conv, ConvTranspose, Gemm, MatMul or
/// Add/Sub/Mul that produces their input, when nothing else reads that intermediate. The runtime
/// then applies the activation while the value is still in registers.
public struct FuseActivations: Pass {
    public let name = "fuse-activations"
    /// Fuse only Relu and Clip (pure clamps). Before int8 calibration this keeps HardSwish and
    /// LeakyRelu apart, so their inputs' ranges are observed: in int8 they run as lookup tables.
    public var clampsOnly: Bool

    public init(clampsOnly: Bool = false) { self.clampsOnly = clampsOnly }

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        let producers = graph.producers()
        let uses = graph.useCounts()
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            guard case .unary(let function) = node.operation, let activation = function.asActivation,
                  !clampsOnly || activation == .relu || { if case .clip = activation { return true }; return false }(),
                  let x = node.input(0), let producerIndex = producers[x], uses[x] == 1,
                  !graph.outputs.contains(x), graph.type(of: x)?.dtype == .float32,
                  let fused = graph.nodes[producerIndex].operation.fusing(activation)
            else { continue }
            graph.nodes[producerIndex].operation = fused
            graph.nodes[producerIndex].outputs = node.outputs
            removed.insert(index)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return graph
    }
}
