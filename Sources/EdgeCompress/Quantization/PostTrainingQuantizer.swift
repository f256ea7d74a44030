import EdgeIR
import EdgeOperators
import EdgePasses

/// Options of `edgec quantize`.
public struct QuantizationOptions: Sendable {
    public var method: CalibrationMethod
    public var percentile: Double
    /// One scale per weight tensor instead of one per output channel.
    public var perTensorWeights: Bool
    /// Node names to keep in float.
    public var keepFloat: Set<String>
    /// Graph inputs and outputs become int8 tensors with their own scale and zero point, so a
    /// device that has int8 data (a camera, a microphone) skips the float edges.
    public var int8IO: Bool

    public init(method: CalibrationMethod = .percentile, percentile: Double = 99.99, perTensorWeights: Bool = false, keepFloat: Set<String> = [],
                int8IO: Bool = false) {
        self.method = method
        self.percentile = percentile
        self.perTensorWeights = perTensorWeights
        self.keepFloat = keepFloat
        self.int8IO = int8IO
    }
}

/// Which nodes run in int8 and which stay float, and why.
public struct QuantizationReport: Sendable {
    public struct Entry: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var reason: String?
    }

    public var int8: [Entry] = []
    public var float: [Entry] = []
    /// Int8 nodes some of whose output channels got a wider weight scale than their weights
    /// need, so that the int32 accumulator of the runtime cannot overflow (the reason says how many).
    public var widened: [Entry] = []
}

/// Post-training int8 quantization in the scheme of ../shared/ARCHITECTURE.md: weights int8
/// symmetric per output channel (zero point 0, range [-127, 127]), activations int8 asymmetric per
/// tensor, bias int32 with scale `s_input * s_weight`.
///
/// The result is the same float graph with quantization written into it as operators — a
/// QuantizeLinear/DequantizeLinear pair on every activation an int8 operator reads or writes, and
/// int8 (int32 for biases) constants behind a DequantizeLinear for its weights — which the Swift
/// executor runs in float with the runtime's rounding, which exports as a standard ONNX QDQ model,
/// and which `LowerFakeQuantization` turns into int8 operators.
public struct PostTrainingQuantizer {
    public let options: QuantizationOptions

    public init(options: QuantizationOptions) { self.options = options }

    /// Checks `--keep-float` names before any work is done.
    public static func validateKeepFloat(_ names: Set<String>, in graph: Graph) throws {
        let known = Set(graph.nodes.map(\.name))
        if let missing = names.sorted().first(where: { !known.contains($0) }) {
            let suggestions = graph.nodes.map(\.name).filter { $0.lowercased().contains(missing.lowercased().prefix(4)) }.prefix(5)
            throw CompressionError("--keep-float names '\(missing)', which is no node of the model" + (suggestions.isEmpty ? "" : " (similar: \(suggestions.joined(separator: ", ")))"))
        }
    }

    /// `graph` is prepared with only Relu/Clip fused; `statistics` come from `Calibrator` on it.
    /// Value ids of `graph` keep their meaning in the result: each one still holds the same
    /// (now fake-quantized) tensor.
    public func quantize(_ graph: Graph, statistics: [ValueID: TensorStatistics]) throws -> (graph: Graph, report: QuantizationReport) {
        var builder = Builder(source: graph, options: options, statistics: statistics)
        try builder.run()
        return (builder.result, builder.report)
    }

    /// The same fake quantization in the form quantization-aware training trains: float weights
    /// stay constants (under their own ids) and pass through a QuantizeLinear/DequantizeLinear
    /// pair whose parameters the trainer recomputes after every step; biases stay float (they
    /// become int32 when the trained model is quantized with `quantize`).
    public func quantizeForTraining(_ graph: Graph, statistics: [ValueID: TensorStatistics]) throws -> Graph {
        var builder = Builder(source: graph, options: options, statistics: statistics)
        builder.trainable = true
        try builder.run()
        return builder.result
    }

    /// The int8 graph the runtime runs: `fakeQuantized` (from `quantize` on `source`) lowered to int8
    /// operators, with int8 graph inputs and outputs under `int8IO`.
    public func lower(_ fakeQuantized: Graph, source: Graph, statistics: [ValueID: TensorStatistics]) throws -> Graph {
        let lowered = try LowerFakeQuantization().run(fakeQuantized)
        guard options.int8IO else { return lowered }
        return try Int8Interface.apply(lowered) { try Self.parameters(for: $0, in: source, statistics: statistics, options: options) }
    }

    /// The int8 parameters calibration chose for `value`.
    /// The most one Concat input's range may be narrower than the widest before the Concat stays
    /// float (the narrowest then keeps at least 256/16 = 16 steps).
    static let concatRangeRatio = 16

    static func parameters(for value: ValueID, in graph: Graph, statistics: [ValueID: TensorStatistics], options: QuantizationOptions) throws -> QuantizationParameters {
        guard let stats = statistics[value] else {
            throw CompressionError("no calibration statistics for '\(graph.name(of: value))'")
        }
        let range = stats.range(options.method, percentile: options.percentile)
        // A value that overflowed float32 during calibration has no int8 scale: say which.
        guard range.low.isFinite, range.high.isFinite else {
            throw CompressionError("'\(graph.name(of: value))' reached \(range.low.isFinite ? range.high : range.low) on the calibration data (float32 overflowed): it has no int8 scale; the data's range is too wide for the model")
        }
        return .asymmetricInt8(low: range.low, high: range.high)
    }

    struct Builder {
        let source: Graph
        let options: QuantizationOptions
        let statistics: [ValueID: TensorStatistics]
        var result: Graph
        var report = QuantizationReport()
        var nodes: [Node] = []
        /// The fake-quantized twin of a float activation, once made.
        var fakeQuantized: [ValueID: ValueID] = [:]
        /// Values that are already the output of a DequantizeLinear, with the parameters they carry.
        var dequantized: [ValueID: QuantizationParameters] = [:]
        /// Weights stay float behind QuantizeLinear (quantization-aware training).
        var trainable = false

        init(source: Graph, options: QuantizationOptions, statistics: [ValueID: TensorStatistics]) {
            self.source = source
            self.options = options
            self.statistics = statistics
            result = source
            result.nodes = []
        }

        func parameters(for value: ValueID) throws -> QuantizationParameters {
            try PostTrainingQuantizer.parameters(for: value, in: source, statistics: statistics, options: options)
        }

        /// Appends `int8 → DequantizeLinear → float` and returns the float value.
        mutating func dequantize(_ int8: ValueID, named name: String) -> ValueID {
            let type = result.type(of: int8)!
            let float = result.addValue(name: name, type: TensorType(.float32, type.shape))
            nodes.append(Node(name: name + ".dequantize", operation: .dequantizeLinear, inputs: [int8], outputs: [float]))
            dequantized[float] = result.values[int8].quantization
            return float
        }

        /// The fake-quantized form of float activation `value`: QuantizeLinear then DequantizeLinear,
        /// made once and shared by every int8 reader.
        mutating func activation(_ value: ValueID) throws -> ValueID {
            if dequantized[value] != nil { return value }
            if let known = fakeQuantized[value] { return known }
            let name = result.name(of: value)
            let int8 = result.addValue(name: name + ".int8", type: TensorType(.int8, result.type(of: value)!.shape))
            result.values[int8].quantization = try parameters(for: value)
            nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [value], outputs: [int8]))
            let float = dequantize(int8, named: name + ".fake_quantized")
            fakeQuantized[value] = float
            return float
        }

        /// The parameters of a fake-quantized activation.
        func activationParameters(_ value: ValueID) -> QuantizationParameters { dequantized[value]! }

        /// Symmetric int8 weights, per slice along `axis` (or per tensor), behind a DequantizeLinear.
        /// With `accumulator` (the input's scale and the real bias the kernel adds, per output
        /// channel), a channel whose int32 bias would not fit beside its products gets a wider scale.
        mutating func weights(_ value: ValueID, axis: Int, scaledBy factor: Float = 1,
                              accumulator: (inputScale: Float, bias: [Float])? = nil, node: String = "") -> (ValueID, [Float]) {
            let tensor = result.constants[value]!
            var scales = IntegerArithmetic.symmetricScales(tensor, axis: axis, perTensor: options.perTensorWeights)
            let channels = scales.count
            if let accumulator {
                let depth = tensor.elementCount / max(tensor.shape[axis], 1)
                let minimum = AccumulatorBound.minimumWeightScales(bias: accumulator.bias, inputScale: accumulator.inputScale, depth: depth, alpha: factor)
                var widened = 0
                for c in scales.indices {
                    let needed = options.perTensorWeights ? (minimum.max() ?? 0) : minimum[c]
                    if needed > scales[c] { scales[c] = needed; widened += 1 }
                }
                if widened > 0 {
                    report.widened.append(.init(node: node, kind: "", reason: options.perTensorWeights
                        ? "its weight scale was widened so that the int32 accumulator cannot overflow"
                        : "\(widened) output channel\(widened == 1 ? "'s" : "s'") weight scale\(widened == 1 ? " was" : "s were") widened so that the int32 accumulator cannot overflow"))
                }
            }
            let name = result.name(of: value)
            let id = trainable ? result.addValue(name: name + ".int8", type: TensorType(.int8, tensor.shape))
                : result.addConstant(name: name + ".int8", IntegerArithmetic.symmetricInt8(tensor, axis: axis, scales: scales))
            if trainable { nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [value], outputs: [id])) }
            // A Gemm's alpha scales the product: it joins the weight scales.
            let stored = scales.map { $0 * factor }
            result.values[id].quantization = options.perTensorWeights
                ? QuantizationParameters(scale: stored[0], zeroPoint: 0)
                : QuantizationParameters(scales: stored, zeroPoints: Array(repeating: 0, count: channels), axis: axis)
            let perChannel = options.perTensorWeights ? Array(repeating: stored[0], count: tensor.shape[axis]) : stored
            return (dequantize(id, named: name + ".dequantized"), perChannel)
        }

        /// A constant bias as one real value per output channel, or nil.
        func realBias(_ value: ValueID?, channels: Int) -> [Float]? {
            guard let value, let values = result.constants[value]?.floats else { return nil }
            let expanded = values.count == 1 ? Array(repeating: values[0], count: channels) : values
            return expanded.count == channels ? expanded : nil
        }

        /// Bias as int32 with scale `s_input * s_weight[c]` (times `beta`), behind a DequantizeLinear.
        mutating func bias(_ value: ValueID?, inputScale: Float, weightScales: [Float], beta: Float = 1) -> ValueID? {
            if trainable { return value }
            guard let value, let real = realBias(value, channels: weightScales.count) else { return nil }
            let q = IntegerArithmetic.int32Bias(real.map { $0 * beta }, inputScale: inputScale, weightScales: weightScales)
            let name = result.name(of: value)
            let id = result.addConstant(name: name + ".int32", Tensor(shape: [q.count], storage: .int32(q)))
            result.values[id].quantization = QuantizationParameters(scales: weightScales.map { inputScale * $0 }, zeroPoints: Array(repeating: 0, count: q.count), axis: 0)
            return dequantize(id, named: name + ".dequantized")
        }

        /// A constant operand of Add/Mul as int8 per tensor, behind a DequantizeLinear.
        mutating func constantOperand(_ value: ValueID) -> ValueID {
            let tensor = result.constants[value]!
            let values = tensor.floats!
            let params = QuantizationParameters.asymmetricInt8(low: values.min() ?? 0, high: values.max() ?? 0)
            let name = result.name(of: value)
            let id = trainable ? result.addValue(name: name + ".int8", type: TensorType(.int8, tensor.shape))
                : result.addConstant(name: name + ".int8", Tensor(shape: tensor.shape, storage: .int8(values.map(params.quantize))))
            if trainable { nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [value], outputs: [id])) }
            result.values[id].quantization = params
            return dequantize(id, named: name + ".dequantized")
        }

        /// Makes `node` write a new float value, quantized with `params` and dequantized back into its
        /// original output, so every reader sees the fake-quantized tensor under the same id.
        mutating func quantizeOutput(_ node: inout Node, _ params: QuantizationParameters) {
            let output = node.outputs[0]
            let name = result.name(of: output)
            let type = result.type(of: output)!
            let real = result.addValue(name: name + ".real", type: type)
            node.outputs[0] = real
            nodes.append(node)
            let int8 = result.addValue(name: name + ".int8", type: TensorType(.int8, type.shape))
            result.values[int8].quantization = params
            nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [real], outputs: [int8]))
            nodes.append(Node(name: name + ".dequantize", operation: .dequantizeLinear, inputs: [int8], outputs: [output]))
            dequantized[output] = params
        }

        /// Concat's int8 output has one scale: an input whose range is a small part of the others'
        /// (YOLOv8's class scores in [0, 1] beside box coordinates up to 320) would keep only a few
        /// of its 256 steps, so such a Concat stays float.
        func disparateRanges(_ node: Node) -> String? {
            let widths = node.inputs.compactMap { $0.flatMap { statistics[$0] } }.map { Double($0.maximum) - Double($0.minimum) }
            guard let widest = widths.max(), let narrowest = widths.min(), widest.isFinite, widest > 0,
                  narrowest * Double(PostTrainingQuantizer.concatRangeRatio) < widest else { return nil }
            return "its inputs' ranges differ \(Int(min(widest / max(narrowest, 1e-30), 1e9)))-fold: one int8 scale would leave the narrowest a few steps"
        }

        mutating func run() throws {
            for var node in source.nodes {
                if options.keepFloat.contains(node.name) {
                    report.float.append(.init(node: node.name, kind: node.operation.kindName, reason: "kept float by --keep-float"))
                    nodes.append(node)
                    continue
                }
                var role = Operators.int8Role(of: node, in: source)
                // Moving values in int8 between float operators only adds rounding (the Squeeze and
                // Transpose between two LSTMs): such a node stays float with its neighbours.
                if role == .passesScales, let input = node.input(0), dequantized[input] == nil {
                    role = .none(reason: "it only moves values, and its input is float")
                }
                if role == .rescalesInputs, let reason = disparateRanges(node) { role = .none(reason: reason) }
                if case .none(let reason) = role {
                    report.float.append(.init(node: node.name, kind: node.operation.kindName, reason: reason))
                    nodes.append(node)
                    continue
                }
                let params = try fakeQuantize(&node, role: role)
                quantizeOutput(&node, params)
                report.int8.append(.init(node: node.name, kind: node.operation.kindName, reason: nil))
            }
            result.nodes = nodes
        }

        /// Puts `node`'s inputs through fake quantization as its operator's int8 role says, and
        /// returns the parameters of its output.
        mutating func fakeQuantize(_ node: inout Node, role: Int8Role) throws -> QuantizationParameters {
            let output = node.outputs[0]
            switch role {
            case .weighted(let weightAxis):
                let x = try activation(node.input(0)!)
                let inputScale = activationParameters(x).scale
                let channels = result.constants[node.input(1)!]!.shape[weightAxis]
                if case .gemm(var g) = node.operation, !trainable {
                    // alpha joins the weight scales and beta the bias, so the int8 Gemm computes A·B + C.
                    let guardBias = realBias(node.input(2), channels: channels).map { $0.map { $0 * g.beta } }
                    let (w, scales) = weights(node.input(1)!, axis: weightAxis, scaledBy: g.alpha,
                                              accumulator: guardBias.map { (inputScale, $0) }, node: node.name)
                    node.inputs = [x, w, bias(node.input(2), inputScale: inputScale, weightScales: scales, beta: g.beta)]
                    g.alpha = 1
                    g.beta = 1
                    node.operation = .gemm(g)
                } else {
                    let (w, scales) = weights(node.input(1)!, axis: weightAxis,
                                              accumulator: realBias(node.input(2), channels: channels).map { (inputScale, $0) }, node: node.name)
                    if case .matMul = node.operation {
                        node.inputs = [x, w]
                    } else {
                        node.inputs = [x, w, bias(node.input(2), inputScale: inputScale, weightScales: scales)]
                    }
                }
                return try parameters(for: output)
            case .arithmetic:
                node.inputs = try node.inputs.map { input in
                    guard let input = input else { return nil }
                    return source.constants[input] != nil ? constantOperand(input) : try activation(input)
                }
                return try parameters(for: output)
            case .fixedOutput(let params):
                node.inputs = [try activation(node.input(0)!)]
                return params
            case .rescalesInputs, .lookupTable:
                node.inputs = try node.inputs.map { try $0.map { try activation($0) } }
                return try parameters(for: output)
            case .passesScales:
                let x = try activation(node.input(0)!)
                node.inputs = [x] + node.inputs.dropFirst()
                return activationParameters(x)
            case .none:
                preconditionFailure("float nodes are not rewritten")
            }
        }
    }
}
