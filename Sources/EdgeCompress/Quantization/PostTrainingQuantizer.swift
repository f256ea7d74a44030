import EdgeIR
import EdgeOperators

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
}

/// Post-training int8 quantization in the scheme of ../shared/ARCHITECTURE.md: weights int8
/// symmetric per output channel (zero point 0, range [-127, 127]), activations int8 asymmetric per
/// tensor, bias int32 with scale `s_input * s_weight`. The result is a graph whose int8 values carry
/// their `QuantizationParameters`; `QuantizeLinear`/`DequantizeLinear` nodes sit where int8 and
/// float parts meet, so graph inputs and outputs stay float — unless `int8IO` makes them int8.
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
    public func quantize(_ graph: Graph, statistics: [ValueID: TensorStatistics]) throws -> (graph: Graph, report: QuantizationReport) {
        var builder = Builder(source: graph, options: options, statistics: statistics)
        try builder.run()
        return (builder.result, builder.report)
    }

    struct Builder {
        let source: Graph
        let options: QuantizationOptions
        let statistics: [ValueID: TensorStatistics]
        var result: Graph
        var report = QuantizationReport()
        /// The int8 twin of a float value, once made.
        var quantized: [ValueID: ValueID] = [:]
        /// The float twin of an int8 value, once made.
        var dequantized: [ValueID: ValueID] = [:]
        var nodes: [Node] = []

        init(source: Graph, options: QuantizationOptions, statistics: [ValueID: TensorStatistics]) {
            self.source = source
            self.options = options
            self.statistics = statistics
            result = source
            result.nodes = []
        }

        func parameters(for value: ValueID) throws -> QuantizationParameters {
            guard let stats = statistics[value] else {
                throw CompressionError("no calibration statistics for '\(source.name(of: value))'")
            }
            let range = stats.range(options.method, percentile: options.percentile)
            return .asymmetricInt8(low: range.low, high: range.high)
        }

        /// The int8 form of float activation `value`, inserting a QuantizeLinear the first time.
        mutating func int8(_ value: ValueID) throws -> ValueID {
            if result.type(of: value)?.dtype == .int8 { return value }
            if let known = quantized[value] { return known }
            let params = try parameters(for: value)
            let id = result.addValue(name: result.name(of: value) + ".int8", type: TensorType(.int8, result.type(of: value)!.shape))
            result.values[id].quantization = params
            nodes.append(Node(name: result.name(of: value) + ".quantize", operation: .quantizeLinear, inputs: [value], outputs: [id]))
            quantized[value] = id
            return id
        }

        /// The float form of `value`, inserting a DequantizeLinear the first time it is needed.
        mutating func float(_ value: ValueID) -> ValueID {
            guard result.type(of: value)?.dtype == .int8, result.constants[value] == nil else { return value }
            if let known = dequantized[value] { return known }
            let id = result.addValue(name: result.name(of: value) + ".float", type: TensorType(.float32, result.type(of: value)!.shape))
            nodes.append(Node(name: result.name(of: value) + ".dequantize", operation: .dequantizeLinear, inputs: [value], outputs: [id]))
            dequantized[value] = id
            return id
        }

        /// Makes `value` (a node output) int8 with `params`.
        mutating func retype(_ value: ValueID, _ params: QuantizationParameters) {
            result.values[value].type = TensorType(.int8, result.type(of: value)!.shape)
            result.values[value].quantization = params
        }

        /// Symmetric int8 weights, per slice along `axis` (or per tensor).
        mutating func int8Weights(_ value: ValueID, axis: Int) -> (ValueID, [Float]) {
            let tensor = result.constants[value]!
            let values = tensor.floats!
            let channels = options.perTensorWeights ? 1 : tensor.shape[axis]
            let inner = tensor.shape[(axis + 1)...].reduce(1, *)
            func channel(_ i: Int) -> Int { options.perTensorWeights ? 0 : (i / inner) % tensor.shape[axis] }
            var maxima = [Float](repeating: 0, count: channels)
            for (i, v) in values.enumerated() { maxima[channel(i)] = max(maxima[channel(i)], abs(v)) }
            let scales = maxima.map { $0 > 0 ? $0 / 127 : 1 }
            let q = values.enumerated().map { i, v in Int8(min(max((v / scales[channel(i)]).rounded(), -127), 127)) }
            let id = result.addConstant(name: result.name(of: value) + ".int8", Tensor(shape: tensor.shape, storage: .int8(q)))
            result.values[id].quantization = options.perTensorWeights
                ? QuantizationParameters(scale: scales[0], zeroPoint: 0)
                : QuantizationParameters(scales: scales, zeroPoints: Array(repeating: 0, count: channels), axis: axis)
            let perChannel = options.perTensorWeights ? Array(repeating: scales[0], count: tensor.shape[axis]) : scales
            return (id, perChannel)
        }

        /// Bias as int32 with scale `s_input * s_weight[c]`, broadcast to `channels` values.
        mutating func int32Bias(_ value: ValueID?, inputScale: Float, weightScales: [Float], beta: Float = 1) -> ValueID? {
            guard let value = value, let tensor = result.constants[value] else { return nil }
            let values = tensor.floats!
            let channels = weightScales.count
            let expanded = values.count == 1 ? Array(repeating: values[0], count: channels) : values
            guard expanded.count == channels else { return nil }
            let scales = weightScales.map { inputScale * $0 }
            let q = (0..<channels).map { c -> Int32 in
                let v = (Double(beta * expanded[c]) / Double(scales[c])).rounded()
                return Int32(min(max(v, Double(Int32.min)), Double(Int32.max)))
            }
            // No quantization record: the runtime reads biases through the requantization multipliers,
            // and per-channel records would cost 8 bytes a channel in every file.
            return result.addConstant(name: result.name(of: value) + ".int32", Tensor(shape: [channels], storage: .int32(q)))
        }

        /// A constant operand of Add/Mul as int8 per tensor.
        mutating func int8Constant(_ value: ValueID) -> ValueID {
            let tensor = result.constants[value]!
            let values = tensor.floats!
            let params = QuantizationParameters.asymmetricInt8(low: values.min() ?? 0, high: values.max() ?? 0)
            let id = result.addConstant(name: result.name(of: value) + ".int8", Tensor(shape: tensor.shape, storage: .int8(values.map(params.quantize))))
            result.values[id].quantization = params
            return id
        }

        mutating func run() throws {
            for var node in source.nodes {
                if options.keepFloat.contains(node.name) {
                    report.float.append(.init(node: node.name, kind: node.operation.kindName, reason: "kept float by --keep-float"))
                    node.inputs = node.inputs.map { $0.map { float($0) } }
                    nodes.append(node)
                    continue
                }
                let role = Operators.int8Role(of: node, in: source)
                if case .none(let reason) = role {
                    report.float.append(.init(node: node.name, kind: node.operation.kindName, reason: reason))
                    node.inputs = node.inputs.map { $0.map { float($0) } }
                    nodes.append(node)
                    continue
                }
                try quantizeNode(&node, role: role)
                report.int8.append(.init(node: node.name, kind: node.operation.kindName, reason: nil))
                nodes.append(node)
            }
            if options.int8IO {
                try makeInputsAndOutputsInt8()
                result.nodes = nodes
                return
            }
            // Graph outputs stay float under their own names.
            for (index, output) in result.outputs.enumerated() where result.type(of: output)?.dtype == .int8 {
                let name = result.name(of: output)
                result.values[output].name = name + ".int8"
                let id = result.addValue(name: name, type: TensorType(.float32, result.type(of: output)!.shape))
                nodes.append(Node(name: name + ".dequantize", operation: .dequantizeLinear, inputs: [output], outputs: [id]))
                result.outputs[index] = id
            }
            result.nodes = nodes
        }

        /// `--int8-io`: each float graph input becomes int8 with its calibrated parameters (its
        /// QuantizeLinear disappears; a float consumer reads a DequantizeLinear of it), and each
        /// float graph output is quantized under its own name.
        mutating func makeInputsAndOutputsInt8() throws {
            var prologue: [Node] = []
            for input in result.inputs where result.type(of: input.value)?.dtype == .float32 {
                let value = input.value
                let params = try parameters(for: value)
                let twin = quantized[value]
                nodes.removeAll { node in
                    if case .quantizeLinear = node.operation, node.inputs == [value] { return true }
                    return false
                }
                let readsFloat = nodes.contains { $0.inputs.contains(value) }
                let float = result.addValue(name: result.name(of: value) + ".float", type: result.type(of: value)!)
                retype(value, params)
                for index in nodes.indices {
                    nodes[index].inputs = nodes[index].inputs.map { input in
                        input.map { id in
                            if id == value { return float }
                            if let twin, id == twin { return value }
                            return id
                        }
                    }
                }
                if readsFloat {
                    prologue.append(Node(name: result.name(of: value) + ".dequantize", operation: .dequantizeLinear, inputs: [value], outputs: [float]))
                }
            }
            nodes = prologue + nodes
            for (index, output) in result.outputs.enumerated() where result.type(of: output)?.dtype == .float32 && result.constants[output] == nil {
                let name = result.name(of: output)
                let params = try parameters(for: output)
                result.values[output].name = name + ".float"
                let id = result.addValue(name: name, type: TensorType(.int8, result.type(of: output)!.shape))
                result.values[id].quantization = params
                nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [output], outputs: [id]))
                result.outputs[index] = id
            }
        }

        /// Rewrites `node` into its int8 form as its operator's int8 role says.
        mutating func quantizeNode(_ node: inout Node, role: Int8Role) throws {
            let output = node.outputs[0]
            switch role {
            case .weighted(let weightAxis):
                let x = try int8(node.input(0)!)
                let (w, scales) = int8Weights(node.input(1)!, axis: weightAxis)
                let inputScale = result.values[x].quantization!.scale
                if case .gemm(var g) = node.operation {
                    // alpha scales the product: it joins the weight scales; beta joins the bias.
                    let effective = scales.map { $0 * g.alpha }
                    result.values[w].quantization!.scales = result.values[w].quantization!.scales.map { $0 * g.alpha }
                    node.inputs = [x, w, int32Bias(node.input(2), inputScale: inputScale, weightScales: effective, beta: g.beta)]
                    g.alpha = 1
                    g.beta = 1
                    node.operation = .gemm(g)
                } else if case .matMul = node.operation {
                    node.inputs = [x, w]
                } else {
                    node.inputs = [x, w, int32Bias(node.input(2), inputScale: inputScale, weightScales: scales)]
                }
                retype(output, try parameters(for: output))
            case .arithmetic:
                node.inputs = try node.inputs.map { input in
                    guard let input = input else { return nil }
                    return source.constants[input] != nil ? int8Constant(input) : try int8(input)
                }
                retype(output, try parameters(for: output))
            case .fixedOutput(let parameters):
                node.inputs = [try int8(node.input(0)!)]
                retype(output, parameters)
            case .rescalesInputs, .lookupTable:
                node.inputs = try node.inputs.map { try $0.map { try int8($0) } }
                retype(output, try parameters(for: output))
            case .passesScales:
                let x = try int8(node.input(0)!)
                node.inputs = [x] + node.inputs.dropFirst()
                retype(output, result.values[x].quantization!)
            case .none:
                preconditionFailure("float nodes are not rewritten")
            }
        }
    }
}
