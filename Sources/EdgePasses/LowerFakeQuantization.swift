import EdgeIR
import EdgeOperators

/// Turns fake-quantized operators into int8 operators: a node whose inputs all come out of
/// DequantizeLinear and whose output goes only into a QuantizeLinear reads the integers directly
/// and writes the QuantizeLinear's int8 value, when its operator's int8 role allows it with these
/// parameters. The same pass compiles edgec's own quantized graphs and QDQ models made elsewhere
/// (onnxruntime's quantizer, PyTorch's QAT export).
///
/// What is left — a DequantizeLinear in front of a float operator, a QuantizeLinear after one —
/// runs as the runtime's QUANTIZE and DEQUANTIZE; a DequantizeLinear of constant weights that no
/// int8 operator took is folded into float weights. Value ids are kept; the values nothing reads
/// any more are left for `EliminateDeadValues`.
public struct LowerFakeQuantization: Pass {
    public let name = "lower-fake-quantization"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        var lowering = Lowering(graph: graph)
        lowering.run()
        return lowering.graph
    }

    struct Lowering {
        var graph: Graph
        /// The graph as float operators see it: the output of a DequantizeLinear of a constant is
        /// that constant in float, so an operator's int8 role can check that its weights are constant.
        var floatView: Graph
        var producers: [Int?]
        var readers: [ValueID: [Int]] = [:]

        init(graph: Graph) {
            self.graph = graph
            floatView = graph
            producers = graph.producers()
            for (index, node) in graph.nodes.enumerated() {
                for case let input? in node.inputs { readers[input, default: []].append(index) }
            }
            for node in graph.nodes {
                guard case .dequantizeLinear = node.operation, let x = node.input(0), let constant = graph.constants[x],
                      let q = graph.values[x].quantization else { continue }
                floatView.setConstant(node.outputs[0], q.dequantize(constant))
            }
        }

        /// The int8 (or int32) value a DequantizeLinear turned into `value`, if one did.
        func integerSource(_ value: ValueID?) -> ValueID? {
            guard let value = value, let producer = producers[value], case .dequantizeLinear = graph.nodes[producer].operation else { return nil }
            return graph.nodes[producer].input(0)
        }

        func isActivation(_ value: ValueID) -> Bool { graph.constants[value] == nil && graph.type(of: value)?.dtype == .int8 }

        func perTensor(_ value: ValueID) -> QuantizationParameters? {
            guard let q = graph.values[value].quantization, q.scales.count == 1 else { return nil }
            return QuantizationParameters(scale: q.scale, zeroPoint: q.zeroPoint)
        }

        /// The QuantizeLinear that is the only reader of `node`'s output, if there is one.
        func quantizer(of node: Node) -> Int? {
            guard node.outputs.count == 1, let output = node.outputs.first, !graph.outputs.contains(output),
                  let list = readers[output], list.count == 1, case .quantizeLinear = graph.nodes[list[0]].operation,
                  graph.type(of: graph.nodes[list[0]].outputs[0])?.dtype == .int8 else { return nil }
            return list[0]
        }

        mutating func run() {
            var absorbed = Set<Int>()
            var lowered: [Int: Node] = [:]
            for (index, node) in graph.nodes.enumerated() {
                switch node.operation {
                case .quantizeLinear, .dequantizeLinear: continue
                default: break
                }
                guard let q = quantizer(of: node) else { continue }
                let role = Operators.int8Role(of: node, in: floatView)
                guard let int8 = lower(node, role: role, output: graph.nodes[q].outputs[0]) else { continue }
                lowered[index] = int8
                absorbed.insert(q)
            }
            var nodes: [Node] = []
            for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
                nodes.append(lowered[index] ?? node)
            }
            graph.nodes = nodes
            foldConstantDequantization()
            nameIntegerOutputs(Set(lowered.values.map { $0.outputs[0] }))
        }

        /// An int8 output whose dequantized twin nothing reads takes the twin's name, so the file
        /// names each layer's tensor as the model did.
        mutating func nameIntegerOutputs(_ outputs: Set<ValueID>) {
            var read = Set(graph.outputs)
            for node in graph.nodes { read.formUnion(node.inputs.compactMap { $0 }) }
            for node in graph.nodes {
                guard case .dequantizeLinear = node.operation, let x = node.input(0), outputs.contains(x), !read.contains(node.outputs[0]) else { continue }
                let name = graph.name(of: node.outputs[0])
                graph.values[node.outputs[0]].name = name + ".float"
                graph.values[x].name = name
            }
        }

        /// The int8 form of `node` writing `output`, or nil when its role or parameters do not allow one.
        mutating func lower(_ node: Node, role: Int8Role, output: ValueID) -> Node? {
            guard let outputQ = perTensor(output) else { return nil }
            var int8 = node
            int8.outputs = [output]
            switch role {
            case .none:
                return nil
            case .weighted(let weightAxis):
                guard let x = integerSource(node.input(0)), isActivation(x), let inputQ = perTensor(x),
                      var w = integerSource(node.input(1)), var weights = graph.constants[w], weights.dtype == .int8,
                      var weightQ = graph.values[w].quantization else { return nil }
                if weightQ.scales.contains(where: { $0 < 0 }), let positive = IntegerArithmetic.positiveScales(weights, weightQ) {
                    (weights, weightQ) = positive
                    w = graph.addConstant(name: graph.name(of: w) + ".positive", weights)
                    graph.values[w].quantization = weightQ
                }
                if !weightQ.zeroPoints.allSatisfy({ $0 == 0 }) || (weightQ.scales.count > 1 && weightQ.axis != weightAxis)
                    || weightQ.scales.contains(where: { $0 <= 0 }) {
                    // Weights quantized another way (asymmetric, or along another axis, as onnxruntime
                    // quantizes weights it finds in Constant nodes, or with a scale no sign flip makes
                    // positive) are quantized again in the runtime's scheme from the real values they stand for.
                    let real = weightQ.dequantize(weights)
                    let scales = IntegerArithmetic.symmetricScales(real, axis: weightAxis, perTensor: false)
                    weights = IntegerArithmetic.symmetricInt8(real, axis: weightAxis, scales: scales)
                    weightQ = QuantizationParameters(scales: scales, zeroPoints: Array(repeating: 0, count: scales.count), axis: weightAxis)
                    w = graph.addConstant(name: graph.name(of: w) + ".symmetric", weights)
                    graph.values[w].quantization = weightQ
                }
                var alpha: Float = 1, beta: Float = 1
                if case .gemm(var g) = node.operation {
                    alpha = g.alpha
                    beta = g.beta
                    g.alpha = 1
                    g.beta = 1
                    int8.operation = .gemm(g)
                }
                let channels = weights.shape[weightAxis]
                var weightScales = (0..<channels).map { weightQ.scales.count == 1 ? weightQ.scale : weightQ.scales[$0] }
                var weightValue = w
                if alpha != 1 {
                    weightScales = weightScales.map { $0 * alpha }
                    weightValue = graph.addConstant(name: graph.name(of: w) + ".alpha", weights)
                    var scaled = weightQ
                    scaled.scales = weightQ.scales.map { $0 * alpha }
                    graph.values[weightValue].quantization = scaled
                }
                if case .matMul = node.operation {
                    int8.inputs = [x, weightValue]
                } else {
                    let bias = self.bias(node.input(2), inputScale: inputQ.scale, weightScales: weightScales, beta: beta)
                    guard bias.fits else { return nil }
                    int8.inputs = [x, weightValue, bias.value]
                }
                // The runtime refuses a channel whose accumulator could overflow: such a node stays float.
                guard AccumulatorBound.fits(weights: weights, axis: weightAxis, bias: int8.inputs.count > 2 ? int8.inputs[2].flatMap { graph.constants[$0] } : nil) else { return nil }
                return int8
            case .arithmetic:
                let sources = node.inputs.map(integerSource)
                guard sources.count == 2, sources.allSatisfy({ $0.map { perTensor($0) != nil && graph.type(of: $0)?.dtype == .int8 } ?? false }),
                      sources.contains(where: { isActivation($0!) }) else { return nil }
                int8.inputs = sources
                return int8
            case .rescalesInputs, .lookupTable:
                let sources = node.inputs.map(integerSource)
                guard sources.allSatisfy({ $0.map { isActivation($0) && perTensor($0) != nil } ?? false }) else { return nil }
                int8.inputs = sources
                return int8
            case .fixedOutput(let required):
                guard let x = integerSource(node.input(0)), isActivation(x), perTensor(x) != nil, Self.same(outputQ, required) else { return nil }
                int8.inputs = [x]
                return int8
            case .passesScales:
                guard let x = integerSource(node.input(0)), isActivation(x), let inputQ = perTensor(x), Self.same(outputQ, inputQ) else { return nil }
                int8.inputs = [x] + node.inputs.dropFirst()
                return int8
            }
        }

        /// Parameters equal up to float32 rounding of the scale (exporters compute them in float64).
        static func same(_ a: QuantizationParameters, _ b: QuantizationParameters) -> Bool {
            a.zeroPoint == b.zeroPoint && abs(a.scale - b.scale) <= 1e-6 * max(a.scale, b.scale)
        }

        /// The int32 bias the int8 kernel adds, with scale `s_input · s_weight[c]`: the model's own
        /// when it already has that scale, otherwise requantized from its real values.
        /// `fits` is false when the bias is neither a constant nor a dequantized constant.
        mutating func bias(_ value: ValueID?, inputScale: Float, weightScales: [Float], beta: Float) -> (fits: Bool, value: ValueID?) {
            guard let value = value else { return (true, nil) }
            let real: [Float]
            if let source = integerSource(value), let tensor = graph.constants[source], let q = graph.values[source].quantization {
                let scales = weightScales.map { inputScale * $0 }
                if tensor.dtype == .int32, beta == 1, tensor.elementCount == scales.count, q.zeroPoints.allSatisfy({ $0 == 0 }),
                   q.scales.count == scales.count, zip(q.scales, scales).allSatisfy({ abs($0 - $1) <= 1e-6 * $1 }) {
                    return (true, source)
                }
                real = q.dequantize(tensor).floats!
            } else if let tensor = graph.constants[value], let floats = tensor.floats {
                real = floats
            } else {
                return (false, nil)
            }
            let channels = weightScales.count
            let expanded = real.count == 1 ? Array(repeating: real[0], count: channels) : real
            guard expanded.count == channels else { return (false, nil) }
            let q = IntegerArithmetic.int32Bias(expanded.map { $0 * beta }, inputScale: inputScale, weightScales: weightScales)
            return (true, graph.addConstant(name: graph.name(of: value) + ".int32", Tensor(shape: [channels], storage: .int32(q))))
        }

        /// A DequantizeLinear of a constant that a float operator still reads becomes float weights.
        mutating func foldConstantDequantization() {
            var read = Set(graph.outputs)
            for node in graph.nodes { read.formUnion(node.inputs.compactMap { $0 }) }
            var kept: [Node] = []
            for node in graph.nodes {
                guard case .dequantizeLinear = node.operation, let x = node.input(0), let constant = graph.constants[x],
                      let q = graph.values[x].quantization else { kept.append(node); continue }
                if read.contains(node.outputs[0]) { graph.setConstant(node.outputs[0], q.dequantize(constant)) }
            }
            graph.nodes = kept
            // An int32 bias needs no quantization record: the runtime reads it through the
            // requantization multipliers, and a per-channel record costs 8 bytes a channel.
            for (id, constant) in graph.constants where constant.dtype == .int32 { graph.values[id].quantization = nil }
        }
    }
}
