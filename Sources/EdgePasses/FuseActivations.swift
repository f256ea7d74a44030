import EdgeIR

/// Folds Relu, Relu6/Clip, HardSwish, LeakyRelu, Sigmoid and SiLU into the Conv, ConvTranspose, Gemm, MatMul or
/// Add/Sub/Mul that produces their input, when nothing else reads that intermediate. The runtime
/// then applies the activation while the value is still in registers.
public struct FuseActivations: Pass {
    public let name = "fuse-activations"
    /// Fuse only Relu and Clip (pure clamps). Before int8 calibration this keeps the other
    /// activations apart, so their inputs' ranges are observed: in int8 they run as lookup tables.
    public var clampsOnly: Bool

    public init(clampsOnly: Bool = false) { self.clampsOnly = clampsOnly }

    public func run(_ graph: Graph) throws -> Graph {
        let clampsOnly = self.clampsOnly
        let activation = Pattern.node("activation", operation: { operation in
            guard case .unary(let function) = operation, let activation = function.asActivation else { return false }
            if !clampsOnly { return true }
            if case .clip = activation { return true }
            return activation == .relu
        }, operands: [.node("producer", operation: { $0.fusing(.relu) != nil }, operands: [], commutative: false, singleUse: true)],
           commutative: false, singleUse: false)
        let rule = RewriteRule("fuse-activation", activation) { site in
            let producer = site.graph.nodes[site.match.node("producer")]
            guard case .unary(let function) = site.rootNode.operation, let activation = function.asActivation,
                  site.graph.type(of: site.match.value("producer"))?.dtype == .float32,
                  let fused = producer.operation.fusing(activation) else { return false }
            site.absorbRoot(into: "producer", operation: fused)
            return true
        }
        return try RewriteDriver([rule]).run(graph)
    }
}
