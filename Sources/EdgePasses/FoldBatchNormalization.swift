import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folds an inference BatchNormalization into the Conv, ConvTranspose or Gemm before it, when that op's
/// weights are constants and the BN is its only reader: `W' = W * s`, `b' = (b - mean) * s + beta`
/// with `s = gamma / sqrt(var + eps)` per output channel.
public struct FoldBatchNormalization: Pass {
    public let name = "fold-batch-normalization"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        let floats: @Sendable (Tensor) -> Bool = { $0.dtype == .float32 }
        let pattern = Pattern.node("normalization", operation: { if case .batchNormalization = $0 { return true }; return false }, operands: [
            .node("producer", operation: { ["Conv", "ConvTranspose", "Gemm"].contains($0.kindName) && $0.fusedActivation == nil }, operands: [],
                  commutative: false, singleUse: true),
            .constant("gamma", where: floats), .constant("beta", where: floats), .constant("mean", where: floats), .constant("variance", where: floats),
        ], commutative: false, singleUse: false)
        return try RewriteDriver([RewriteRule("fold-batch-normalization", pattern, rewrite: fold)]).run(graph)
    }

    /// `W' = W · s` and `b' = (b − mean) · s + beta` into the producer, or false where its weights do not allow it.
    func fold(_ site: inout RewriteSite) throws -> Bool {
        guard case .batchNormalization(let epsilon) = site.rootNode.operation else { return false }
        let graph = site.graph
        let constants = ["gamma", "beta", "mean", "variance"].map { graph.constants[site.match.value($0)]!.floats! }
        let (gamma, beta, mean, variance) = (constants[0], constants[1], constants[2], constants[3])
        let producer = graph.nodes[site.match.node("producer")]
        guard producer.operation.fusedActivation == nil, let weightID = producer.input(1),
              var weight = graph.constant(weightID), weight.dtype == .float32, gamma.count == beta.count,
              gamma.count == mean.count, gamma.count == variance.count else { return false }
        let scale = (0..<gamma.count).map { gamma[$0] / sqrtf(variance[$0] + epsilon) }
        let channels = scale.count
        var bias = graph.constant(producer.input(2))
        var newOperation = producer.operation
        switch producer.operation {
        case .conv:
            guard weight.shape[0] == channels else { return false }
            weight = scaled(weight, channelOf: { $0 / (weight.elementCount / channels) }, by: scale)
        case .convTranspose(let attributes):
            let perGroup = weight.shape[1]
            let block = weight.shape[2...].reduce(1, *)
            let inPerGroup = weight.shape[0] / attributes.group
            guard perGroup * attributes.group == channels else { return false }
            weight = scaled(weight, channelOf: { i in ((i / block) % perGroup) + (i / (block * perGroup) / inPerGroup) * perGroup }, by: scale)
        case .gemm(var attributes):
            let n = attributes.transposeB ? weight.shape[0] : weight.shape[1]
            guard n == channels, attributes.beta != 0 || bias == nil else { return false }
            if let c = bias {
                guard c.elementCount == 1 || c.shape.last == channels && c.elementCount == channels else { return false }
                let values = c.elementCount == 1 ? Array(repeating: c.floats![0], count: channels) : c.floats!
                bias = Tensor(shape: [channels], floats: values.map { $0 * attributes.beta })
            }
            attributes.beta = 1
            newOperation = .gemm(attributes)
            let columns = weight.shape[1]
            weight = scaled(weight, channelOf: { attributes.transposeB ? $0 / columns : $0 % columns }, by: scale)
        default:
            return false
        }
        let oldBias = bias?.floats ?? Array(repeating: 0, count: channels)
        guard oldBias.count == channels else { return false }
        let newBias = (0..<channels).map { (oldBias[$0] - mean[$0]) * scale[$0] + beta[$0] }
        let producerName = producer.name
        let weightValue = site.graph.addConstant(name: "\(producerName).folded_weight", weight)
        let biasValue = site.graph.addConstant(name: "\(producerName).folded_bias", Tensor(shape: [channels], floats: newBias))
        site.absorbRoot(into: "producer", operation: newOperation, inputs: [producer.inputs[0], weightValue, biasValue])
        return true
    }

    private func scaled(_ weight: Tensor, channelOf: (Int) -> Int, by scale: [Float]) -> Tensor {
        var values = weight.floats!
        for i in values.indices { values[i] *= scale[channelOf(i)] }
        return Tensor(shape: weight.shape, floats: values)
    }
}
