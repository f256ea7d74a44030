import EdgeIR

/// A weighted layer's (Conv, ConvTranspose, Gemm) output channels as the folds that change them
/// see them: a BatchNormalization after the layer, the Add of a per-channel constant (a bias), a
/// Mul or Div by one. Weights and biases are constants, or constants a DequantizeLinear turns
/// into floats (a QDQ or QAT export).
enum OutputChannels {
    /// The layer a fold changes, captured as "producer": a Conv, ConvTranspose or Gemm with no
    /// activation fused yet, read only by the node being matched.
    static let producer = Pattern.node("producer", operation: { ["Conv", "ConvTranspose", "Gemm"].contains($0.kindName) && $0.fusedActivation == nil },
                                       operands: [], commutative: false, singleUse: true)

    /// The layer's output channels when `constant` adds or multiplies one value per channel (or
    /// one value) to its output `shape`: [C], [C,1,...], [1,C,...] for Conv; [N] or [1,N] for Gemm.
    static func perChannel(_ constant: Tensor, outputShape: [Int], channelAxis: Int = 1) -> [Float]? {
        guard let values = constant.floats, channelAxis < outputShape.count else { return nil }
        let channels = outputShape[channelAxis]
        if values.count == 1 { return Array(repeating: values[0], count: channels) }
        guard values.count == channels, Shapes.broadcast(outputShape, constant.shape) == outputShape else { return nil }
        // The one non-1 dimension must line up with the channel axis once right-aligned.
        let aligned = Array(repeating: 1, count: outputShape.count - constant.shape.count) + constant.shape
        return aligned.enumerated().allSatisfy({ $0.offset == channelAxis || $0.element == 1 }) ? values : nil
    }

    /// The real values of a constant, or of a constant a DequantizeLinear reads.
    static func real(_ value: ValueID, in graph: Graph) -> Tensor? {
        if let tensor = graph.constants[value] { return tensor.dtype == .float32 ? tensor : nil }
        guard let dequantized = dequantization(of: value, in: graph) else { return nil }
        return dequantized.parameters.dequantize(graph.constants[dequantized.integers]!)
    }

    /// The layer's bias as one real value per output channel (zeros when it has none, Gemm's beta
    /// multiplied in), with the operation that reads it as is (Gemm's beta set to 1); nil when the
    /// bias is not a constant of that form.
    static func bias(of producer: Node, in graph: Graph) -> (values: [Float], operation: Operation)? {
        guard let outputShape = graph.type(of: producer.outputs[0])?.shape, outputShape.count >= 2 else { return nil }
        var values = [Float](repeating: 0, count: outputShape[1])
        if let bias = producer.input(2) {
            // Conv's bias is [M]; Gemm's C broadcasts to [M, N] and is per channel as [N] or [1, N].
            guard let tensor = real(bias, in: graph), let floats = tensor.floats else { return nil }
            if case .gemm = producer.operation {
                guard let perChannel = perChannel(tensor, outputShape: outputShape) else { return nil }
                values = perChannel
            } else if floats.count == 1 {
                values = Array(repeating: floats[0], count: values.count)
            } else {
                guard floats.count == values.count else { return nil }
                values = floats
            }
        }
        guard case .gemm(var gemm) = producer.operation else { return (values, producer.operation) }
        values = values.map { $0 * gemm.beta }
        gemm.beta = 1
        return (values, .gemm(gemm))
    }

    /// A value with `producer`'s weights, each output channel `c` scaled by `scale[c]`, or nil when
    /// its weights do not allow it. Float weights are multiplied. Integer weights behind a
    /// DequantizeLinear keep their integers and the channel's scale is multiplied: the grid a QAT
    /// export trained survives the fold exactly. A negative factor makes a negative scale, which
    /// `LowerFakeQuantization` turns positive by negating the channel's integers.
    static func scaledWeights(of producer: Node, by scale: [Float], in graph: inout Graph) -> ValueID? {
        guard let weightID = producer.input(1), let shape = graph.type(of: weightID)?.shape,
              let layout = Layout(producer.operation, weightShape: shape), layout.channels == scale.count,
              scale.allSatisfy({ $0.isFinite }) else { return nil }
        if let weight = graph.constants[weightID] {
            guard var values = weight.floats, weight.dtype == .float32 else { return nil }
            for i in values.indices { values[i] *= scale[layout.channel(i)] }
            return graph.addConstant(name: graph.name(of: weightID) + ".scaled", Tensor(shape: shape, floats: values))
        }
        // The DequantizeLinear is rewired to the rescaled integers, so no other layer may read it.
        guard let axis = layout.axis, let dequantized = dequantization(of: weightID, in: graph),
              graph.useCounts()[weightID] == 1, !graph.outputs.contains(weightID) else { return nil }
        let q = dequantized.parameters
        guard q.axis == nil || q.axis == axis else { return nil }
        let channels = scale.count
        let rescaled = QuantizationParameters(
            scales: (0..<channels).map { (q.scales.count == 1 ? q.scale : q.scales[$0]) * scale[$0] },
            zeroPoints: (0..<channels).map { q.zeroPoints.count == 1 ? q.zeroPoint : q.zeroPoints[$0] }, axis: axis)
        let integers = graph.addConstant(name: graph.name(of: dequantized.integers) + ".scaled", graph.constants[dequantized.integers]!)
        graph.values[integers].quantization = rescaled
        graph.nodes[dequantized.node].inputs[0] = integers
        return weightID
    }

    /// The DequantizeLinear of a constant that writes `value`: its node, the integers and their parameters.
    static func dequantization(of value: ValueID, in graph: Graph) -> (node: Int, integers: ValueID, parameters: QuantizationParameters)? {
        guard let node = graph.nodes.firstIndex(where: { $0.outputs.first == value }), case .dequantizeLinear = graph.nodes[node].operation,
              let integers = graph.nodes[node].input(0), graph.constants[integers] != nil,
              let parameters = graph.values[integers].quantization else { return nil }
        return (node, integers, parameters)
    }

    /// Which output channel each weight element feeds, and the weight axis that is the output
    /// channel when one axis is (a per-channel quantization can only be scaled along it).
    struct Layout {
        let channels: Int
        let channel: (Int) -> Int
        let axis: Int?

        init?(_ operation: Operation, weightShape shape: [Int]) {
            guard shape.count >= 2, shape.allSatisfy({ $0 > 0 }) else { return nil }
            let count = shape.reduce(1, *)
            switch operation {
            case .conv:
                // [M, C/group, k...]
                let channels = shape[0], block = count / channels
                (self.channels, channel, axis) = (channels, { $0 / block }, 0)
            case .convTranspose(let attributes):
                // [C, M/group, k...]: output channel g·(M/group) + m for input channel c in group g.
                let perGroup = shape[1], block = shape[2...].reduce(1, *), group = attributes.group
                guard group > 0, shape[0] % group == 0 else { return nil }
                let inPerGroup = shape[0] / group
                (channels, axis) = (perGroup * group, group == 1 ? 1 : nil)
                channel = { i in (i / block) % perGroup + (i / (block * perGroup) / inPerGroup) * perGroup }
            case .gemm(let gemm):
                guard shape.count == 2 else { return nil }
                let columns = shape[1]
                if gemm.transposeB {
                    (channels, channel, axis) = (shape[0], { $0 / columns }, 0)
                } else {
                    (channels, channel, axis) = (columns, { $0 % columns }, 1)
                }
            default:
                return nil
            }
        }
    }
}
