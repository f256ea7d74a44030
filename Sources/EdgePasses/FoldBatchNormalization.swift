import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folds an inference BatchNormalization into the Conv, ConvTranspose or Gemm before it, when that op's
/// weights are constants and the BN is its only reader: `W' = W * s`, `b' = (b - mean) * s + beta`
/// with `s = gamma / sqrt(var + eps)` per output channel. Weights a DequantizeLinear makes from
/// integers (a QAT export's Conv-BatchNorm) keep their integers; their scales take `s`.
public struct FoldBatchNormalization: Pass {
    public let name = "fold-batch-normalization"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        let floats: @Sendable (Tensor) -> Bool = { $0.dtype == .float32 }
        let pattern = Pattern.node("normalization", operation: { if case .batchNormalization = $0 { return true }; return false }, operands: [
            OutputChannels.producer,
            .constant("gamma", where: floats), .constant("beta", where: floats), .constant("mean", where: floats), .constant("variance", where: floats),
        ], commutative: false, singleUse: false)
        return try RewriteDriver([RewriteRule("fold-batch-normalization", pattern, rewrite: fold)]).run(graph)
    }

    /// `W' = W · s` and `b' = (b − mean) · s + beta` into the producer, or false where its weights do not allow it.
    func fold(_ site: inout RewriteSite) throws -> Bool {
        guard case .batchNormalization(let epsilon) = site.rootNode.operation else { return false }
        let constants = ["gamma", "beta", "mean", "variance"].map { site.graph.constants[site.match.value($0)]!.floats! }
        let (gamma, beta, mean, variance) = (constants[0], constants[1], constants[2], constants[3])
        let producer = site.graph.nodes[site.match.node("producer")]
        guard gamma.count == beta.count, gamma.count == mean.count, gamma.count == variance.count,
              let bias = OutputChannels.bias(of: producer, in: site.graph), bias.values.count == gamma.count else { return false }
        let scale = (0..<gamma.count).map { gamma[$0] / sqrtf(variance[$0] + epsilon) }
        guard let weights = OutputChannels.scaledWeights(of: producer, by: scale, in: &site.graph) else { return false }
        let newBias = (0..<scale.count).map { (bias.values[$0] - mean[$0]) * scale[$0] + beta[$0] }
        let biasValue = site.graph.addConstant(name: "\(producer.name).folded_bias", Tensor(shape: [scale.count], floats: newBias))
        site.absorbRoot(into: "producer", operation: bias.operation, inputs: [producer.inputs[0], weights, biasValue])
        return true
    }
}
