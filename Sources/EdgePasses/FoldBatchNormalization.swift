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
        var graph = graph
        let producers = graph.producers()
        let uses = graph.useCounts()
        var removed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() {
            guard case .batchNormalization(let epsilon) = node.operation,
                  let x = node.input(0), let producerIndex = producers[x], uses[x] == 1,
                  !graph.outputs.contains(x),
                  let gamma = graph.constant(node.input(1))?.floats, let beta = graph.constant(node.input(2))?.floats,
                  let mean = graph.constant(node.input(3))?.floats, let variance = graph.constant(node.input(4))?.floats
            else { continue }
            let producer = graph.nodes[producerIndex]
            guard producer.operation.fusedActivation == nil, let weightID = producer.input(1),
                  var weight = graph.constant(weightID), weight.dtype == .float32 else { continue }
            let scale = (0..<gamma.count).map { gamma[$0] / sqrtf(variance[$0] + epsilon) }
            let channels = scale.count
            var bias = graph.constant(producer.input(2))
            var newOperation = producer.operation
            switch producer.operation {
            case .conv:
                guard weight.shape[0] == channels else { continue }
                weight = scaled(weight, channelOf: { $0 / (weight.elementCount / channels) }, by: scale)
            case .convTranspose(let attributes):
                let perGroup = weight.shape[1]
                let block = weight.shape[2...].reduce(1, *)
                let inPerGroup = weight.shape[0] / attributes.group
                guard perGroup * attributes.group == channels else { continue }
                weight = scaled(weight, channelOf: { i in ((i / block) % perGroup) + (i / (block * perGroup) / inPerGroup) * perGroup }, by: scale)
            case .gemm(var attributes):
                let n = attributes.transposeB ? weight.shape[0] : weight.shape[1]
                guard n == channels, attributes.beta != 0 || bias == nil else { continue }
                if let c = bias {
                    guard c.elementCount == 1 || c.shape.last == channels && c.elementCount == channels else { continue }
                    let values = c.elementCount == 1 ? Array(repeating: c.floats![0], count: channels) : c.floats!
                    bias = Tensor(shape: [channels], floats: values.map { $0 * attributes.beta })
                }
                attributes.beta = 1
                newOperation = .gemm(attributes)
                let columns = weight.shape[1]
                weight = scaled(weight, channelOf: { attributes.transposeB ? $0 / columns : $0 % columns }, by: scale)
            default:
                continue
            }
            let oldBias = bias?.floats ?? Array(repeating: 0, count: channels)
            guard oldBias.count == channels else { continue }
            let newBias = (0..<channels).map { (oldBias[$0] - mean[$0]) * scale[$0] + beta[$0] }
            let producerName = producer.name
            let weightValue = graph.addConstant(name: "\(producerName).folded_weight", weight)
            let biasValue = graph.addConstant(name: "\(producerName).folded_bias", Tensor(shape: [channels], floats: newBias))
            var updated = producer
            updated.operation = newOperation
            updated.inputs = [producer.inputs[0], weightValue, biasValue]
            updated.outputs = node.outputs
            graph.nodes[producerIndex] = updated
            removed.insert(index)
        }
        graph.nodes = graph.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return graph
    }

    private func scaled(_ weight: Tensor, channelOf: (Int) -> Int, by scale: [Float]) -> Tensor {
        var values = weight.floats!
        for i in values.indices { values[i] *= scale[channelOf(i)] }
        return Tensor(shape: weight.shape, floats: values)
    }
}
