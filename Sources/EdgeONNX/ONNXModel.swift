import EdgeIR
import Foundation
import SwiftProtobuf

/// Facts about an ONNX file that the graph itself does not keep: producer, opsets, and where the
/// weights were stored (exporters use initializers, Constant nodes and ConstantOfShape alike).
public struct ONNXModelInfo: Sendable, Equatable {
    public var irVersion: Int
    public var producer: String
    /// The default-domain opset.
    public var opset: Int
    public var otherDomains: [String: Int]
    /// ONNX op types as written in the file, with counts (Constant nodes included).
    public var operatorHistogram: [String: Int]
    public var initializerCount = 0
    public var initializerElements = 0
    public var initializerBytes = 0
    public var constantNodeCount = 0
    public var constantNodeElements = 0
    public var constantNodeBytes = 0
    public var constantOfShapeCount = 0
}

/// An ONNX model read into EdgeIR. The only code in edgec that knows ONNX lives in this module.
///
///     let model = try ONNXModel(contentsOf: "digits_cnn.onnx")
///     let graph = try StandardPipeline.prepare(model.graph, inputShapes: ["input": [1, 1, 8, 8]])
public struct ONNXModel: Sendable {
    /// The supported range of the default-domain opset.
    public static let supportedOpsets = 9...21

    public var graph: Graph
    public var info: ONNXModelInfo

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ONNXError(.unreadable, "cannot read '\(path)': \((error as NSError).localizedDescription)")
        }
        try self.init(data: data, source: path)
    }

    public init(data: Data, source: String) throws {
        guard !data.isEmpty else { throw ONNXError(.unreadable, "'\(source)' is empty") }
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            let place = ProtobufLocator.locate([UInt8](data)).map { "at \($0)" } ?? "(\(Self.describe(error)))"
            throw ONNXError(.malformed, "'\(source)' is not a valid ONNX model: the protobuf does not decode \(place); the file is truncated or corrupt")
        }
        guard proto.hasGraph, proto.irVersion > 0 else {
            throw ONNXError(.malformed, "'\(source)' is not an ONNX model: it has no graph or no IR version")
        }
        var builder = try GraphBuilder(model: proto, source: source)
        try builder.build()
        graph = builder.graph
        info = builder.info
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? BinaryDecodingError {
            switch e {
            case .truncated: return "truncated data"
            case .malformedProtobuf: return "malformed protobuf"
            case .invalidUTF8: return "invalid UTF-8 in a string field"
            case .messageDepthLimit: return "nesting too deep"
            default: return "\(e)"
            }
        }
        return "\(error)"
    }
}

/// Builds a `Graph` from a decoded ModelProto.
struct GraphBuilder {
    let model: Onnx_ModelProto
    let source: String
    var graph: Graph
    var info: ONNXModelInfo
    private var valueIDs: [String: ValueID] = [:]
    /// The names the graph being read returns (an Identity writing one stays a node).
    private var graphOutputNames: Set<String> = []
    /// How many times each name is read, by nodes and as a graph output.
    private var readCounts: [String: Int] = [:]
    private var opsets: [String: Int] = [:]

    init(model: Onnx_ModelProto, source: String) throws {
        self.model = model
        self.source = source
        for entry in model.opsetImport {
            let domain = entry.domain == "ai.onnx" ? "" : entry.domain
            opsets[domain] = Int(clamping: entry.version)
        }
        guard let opset = opsets[""] else {
            throw ONNXError(.unsupportedOpset, "'\(source)' imports no version of the default ONNX domain")
        }
        guard ONNXModel.supportedOpsets.contains(opset) else {
            throw ONNXError(.unsupportedOpset, "'\(source)' uses ONNX opset \(opset); edgec reads opsets \(ONNXModel.supportedOpsets.lowerBound) to \(ONNXModel.supportedOpsets.upperBound) (convert it with onnx.version_converter)")
        }
        graph = Graph(name: model.graph.name.isEmpty ? "graph" : model.graph.name)
        info = ONNXModelInfo(
            irVersion: Int(model.irVersion), producer: [model.producerName, model.producerVersion].filter { !$0.isEmpty }.joined(separator: " "),
            opset: opset, otherDomains: opsets.filter { !$0.key.isEmpty }, operatorHistogram: [:])
        graph.metadata["source.producer"] = info.producer
        graph.metadata["source.opset"] = String(opset)
    }

    /// A builder for an If's branch: the model's opsets, a graph of its own, the counts carried on.
    private init(branchOf parent: GraphBuilder, name: String) {
        model = parent.model
        source = parent.source
        opsets = parent.opsets
        info = parent.info
        graph = Graph(name: name)
    }

    mutating func build() throws {
        try build(model.graph)
        guard !graph.outputs.isEmpty else { throw ONNXError(.malformed, "'\(source)' declares no graph outputs") }
    }

    /// Reads `onnxGraph` into `graph`: its initializers, inputs, nodes in order and outputs.
    private mutating func build(_ onnxGraph: Onnx_GraphProto) throws {
        let initializerNames = Set(onnxGraph.initializer.map(\.name))
        for initializer in onnxGraph.initializer {
            let tensor = try TensorDecoding.decode(initializer, context: "initializer")
            guard valueIDs[initializer.name] == nil else {
                throw ONNXError(.malformed, "initializer '\(initializer.name)' is defined twice")
            }
            valueIDs[initializer.name] = graph.addConstant(name: initializer.name, tensor)
            info.initializerCount += 1
            if tensor.dtype == .float32 { info.initializerElements += tensor.elementCount }
            info.initializerBytes += tensor.byteCount
        }
        for input in onnxGraph.input where !initializerNames.contains(input.name) {
            try addGraphInput(input)
        }
        let ordered = try TopologicalOrder.sort(onnxGraph.node, available: Set(valueIDs.keys))
        graphOutputNames = Set(onnxGraph.output.map(\.name))
        readCounts = (onnxGraph.node.flatMap(Subgraphs.reads) + onnxGraph.output.map(\.name)).reduce(into: [:]) { $0[$1, default: 0] += 1 }
        let consumed = Set(readCounts.keys)
        for (index, node) in ordered.enumerated() {
            info.operatorHistogram[node.opType, default: 0] += 1
            try add(node, index: index, consumed: consumed)
        }
        for output in onnxGraph.output {
            guard let id = valueIDs[output.name] else {
                throw ONNXError(.undefinedValue, "graph output '\(output.name)' is not produced by any node, input or initializer")
            }
            graph.outputs.append(id)
        }
    }

    private mutating func addGraphInput(_ input: Onnx_ValueInfoProto) throws {
        guard case .tensorType? = input.type.value else {
            throw ONNXError(.malformed, "graph input '\(input.name)' is not a tensor")
        }
        let code = input.type.tensorType.elemType
        guard let dtype = TensorDecoding.dtype(forONNX: code), code == 1 || !(code == 10 || code == 11 || code == 16) else {
            throw ONNXError(.invalidTensor, "graph input '\(input.name)' has element type \(TensorDecoding.onnxTypeName(code)); edgec takes float32 and integer inputs")
        }
        guard input.type.tensorType.hasShape else {
            throw ONNXError(.malformed, "graph input '\(input.name)' declares no shape")
        }
        let dims: [DeclaredDimension] = input.type.tensorType.shape.dim.map { dim in
            switch dim.value {
            case .dimValue(let n)? where n > 0: return .fixed(Int(clamping: n))
            case .dimParam(let name)?: return .symbolic(name)
            default: return .symbolic("")
            }
        }
        let id = graph.addValue(name: input.name)
        valueIDs[input.name] = id
        graph.inputs.append(GraphInput(value: id, dtype: dtype, declaredShape: dims))
    }

    private mutating func add(_ node: Onnx_NodeProto, index: Int, consumed: Set<String>) throws {
        let name = node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
        let inputs: [ValueID?] = try node.input.map { inputName in
            if inputName.isEmpty { return nil }
            guard let id = valueIDs[inputName] else {
                throw ONNXError(.undefinedValue, "\(node.opType) node '\(name)' reads '\(inputName)', which is not a graph input, an initializer or the output of any node")
            }
            return id
        }
        let domain = node.domain == "ai.onnx" ? "" : node.domain
        let opset = opsets[domain] ?? 0
        let context = "\(node.opType) node '\(name)'"

        if domain.isEmpty && node.opType == "Constant" {
            guard node.output.count == 1 else { throw ONNXError(.malformed, "\(context) must have one output") }
            let tensor = try constantValue(node, context: context)
            try define(node.output[0], as: graph.addConstant(name: node.output[0], tensor), context: context)
            info.constantNodeCount += 1
            if tensor.dtype == .float32 { info.constantNodeElements += tensor.elementCount }
            info.constantNodeBytes += tensor.byteCount
            return
        }
        if domain.isEmpty && node.opType == "If" {
            try addConditional(node, name: name, inputs: inputs)
            return
        }
        if domain.isEmpty && ["Sum", "Min", "Max"].contains(node.opType) {
            try addVariadic(node, name: name, inputs: inputs.compactMap { $0 })
            return
        }
        // PyTorch's exporter passes zero points through an Identity: the constant itself, so the
        // QuantizeLinear and DequantizeLinear reading it see a constant.
        if domain.isEmpty && node.opType == "Identity", node.output.count == 1, !graphOutputNames.contains(node.output[0]),
           let source = inputs.first ?? nil, graph.constants[source] != nil {
            try define(node.output[0], as: source, context: context)
            return
        }
        if domain.isEmpty && node.opType == "Clip", try addClipOfQuantized(node, name: name, inputs: inputs, context: context) { return }
        if domain.isEmpty && (node.opType == "QuantizeLinear" || node.opType == "DequantizeLinear") {
            if let reason = try addQuantization(node, name: name, inputs: inputs) {
                try addUnsupported(node, name: name, inputs: inputs, outputs: Array(node.output.prefix(1)), reason: reason, domain: domain, opset: opset)
            }
            return
        }
        let constants = (graph: graph, ids: valueIDs)
        switch QuantizedOperators.expand(node, domain: domain, name: name, opset: opsets[""] ?? 0, constant: { constants.ids[$0].flatMap { constants.graph.constants[$0] } }) {
        case .notQuantized:
            break
        case .unsupported(let reason):
            try addUnsupported(node, name: name, inputs: inputs, outputs: node.output.filter { !$0.isEmpty }, reason: reason, domain: domain, opset: opset)
            return
        case .nodes(let expansion, let made):
            for (constantName, tensor) in made { try define(constantName, as: graph.addConstant(name: constantName, tensor), context: context) }
            for standard in expansion { try add(standard, index: index, consumed: consumed) }
            return
        }
        if domain.isEmpty, try addOnQuantizedValues(node, name: name, inputs: inputs, index: index, consumed: consumed) { return }
        if domain.isEmpty && node.opType == "ConstantOfShape" { info.constantOfShapeCount += 1 }

        var result: OperatorMapping.Result
        if !domain.isEmpty {
            result = .unsupported("domain '\(domain)' is not supported (edgec reads the default ONNX domain)")
        } else {
            try AttributeReader.checkIntegerRanges(node, context: context)
            let graphSnapshot = graph
            var made: [(String, Tensor)] = []
            let firstNew = graph.values.count
            result = try OperatorMapping.map(OperatorMapping.Context(
                node: node, name: name, opset: opset, attributes: AttributeReader(node, context: context), inputs: inputs,
                constant: { id in id.flatMap { graphSnapshot.constants[$0] } },
                makeConstant: { constantName, tensor in
                    made.append((constantName, tensor))
                    return firstNew + made.count - 1
                }))
            for (constantName, tensor) in made { graph.addConstant(name: constantName, tensor) }
        }
        // Ops other than Split, LSTM/GRU and TopK produce one output; extra outputs (BatchNormalization's training
        // statistics, Dropout's mask) are dropped when nothing reads them.
        var outputNames = node.output
        if case .mapped(let operation, _) = result, !isMultiOutput(operation), outputNames.count > 1 {
            if let used = outputNames.dropFirst().first(where: { !$0.isEmpty && consumed.contains($0) }) {
                result = .unsupported("its extra output '\(used)' is read by the model, which edgec does not support")
            } else {
                outputNames = [outputNames[0]]
            }
        }
        let outputs = try outputNames.map { outputName -> ValueID in
            let id = graph.addValue(name: outputName.isEmpty ? "\(name).unused" : outputName)
            if !outputName.isEmpty { try define(outputName, as: id, context: context) }
            return id
        }
        switch result {
        case .mapped(let operation, let mappedInputs):
            graph.nodes.append(Node(name: name, operation: operation, inputs: mappedInputs, outputs: outputs))
        case .unsupported(let reason):
            let detail = UnsupportedOperator(domain: domain, opType: node.opType, opset: opset, reason: reason)
            graph.nodes.append(Node(name: name, operation: .unsupported(detail), inputs: inputs, outputs: outputs))
        }
    }

    /// An If keeps both branches, each read into a graph of its own; shape inference inlines the one
    /// its condition takes once that is known. The enclosing graph's values the branches read are
    /// the node's inputs after the condition, except constants, which each branch holds itself.
    private mutating func addConditional(_ node: Onnx_NodeProto, name: String, inputs: [ValueID?]) throws {
        let context = "If node '\(name)'"
        let a = AttributeReader(node, context: context)
        guard let thenGraph = a.graph("then_branch"), let elseGraph = a.graph("else_branch") else {
            throw ONNXError(.malformed, "\(context) needs the graphs then_branch and else_branch")
        }
        guard inputs.count == 1, let condition = inputs[0] else { throw ONNXError(.malformed, "\(context) needs one input, its condition") }
        var seen: Set<String> = []
        let read = (Subgraphs.outerReads(thenGraph) + Subgraphs.outerReads(elseGraph)).filter { seen.insert($0).inserted }
        var captured: [(name: String, value: ValueID)] = []
        var constants: [(name: String, tensor: Tensor)] = []
        for outerName in read {
            guard let id = valueIDs[outerName] else {
                throw ONNXError(.undefinedValue, "\(context): a branch reads '\(outerName)', which is not a graph input, an initializer or the output of any node")
            }
            if let tensor = graph.constants[id] { constants.append((outerName, tensor)) } else { captured.append((outerName, id)) }
        }
        var branches: [Branch] = []
        for (attribute, body) in [("then_branch", thenGraph), ("else_branch", elseGraph)] {
            guard body.input.isEmpty else { throw ONNXError(.malformed, "\(context): its \(attribute) declares inputs; an If's branches take none") }
            var builder = GraphBuilder(branchOf: self, name: body.name.isEmpty ? attribute : body.name)
            let captures = captured.map { builder.graph.addValue(name: $0.name) }
            for (outerName, id) in zip(captured.map(\.name), captures) { builder.valueIDs[outerName] = id }
            for (outerName, tensor) in constants { builder.valueIDs[outerName] = builder.graph.addConstant(name: outerName, tensor) }
            try builder.build(body)
            guard builder.graph.outputs.count == node.output.count else {
                throw ONNXError(.malformed, "\(context): its \(attribute) has \(builder.graph.outputs.count) outputs for the If's \(node.output.count)")
            }
            info = builder.info
            branches.append(Branch(graph: builder.graph, captures: captures))
        }
        let outputs = try node.output.map { outputName -> ValueID in
            let id = graph.addValue(name: outputName)
            try define(outputName, as: id, context: context)
            return id
        }
        let operation = EdgeIR.Operation.conditional(Branches(thenBranch: branches[0], elseBranch: branches[1]))
        graph.nodes.append(Node(name: name, operation: operation, inputs: [condition] + captured.map(\.value), outputs: outputs))
    }

    /// A node edgec cannot run, kept with its reason so that every one is reported at once.
    private mutating func addUnsupported(_ node: Onnx_NodeProto, name: String, inputs: [ValueID?], outputs outputNames: [String], reason: String, domain: String, opset: Int) throws {
        let outputs = try outputNames.map { outputName -> ValueID in
            let id = graph.addValue(name: outputName)
            try define(outputName, as: id, context: "\(node.opType) node '\(name)'")
            return id
        }
        let detail = UnsupportedOperator(domain: domain, opType: node.opType, opset: opset, reason: reason)
        graph.nodes.append(Node(name: name, operation: .unsupported(detail), inputs: inputs, outputs: outputs))
    }

    /// Operators that onnxruntime's QOperator format runs on the quantized integers themselves,
    /// whose output has the input's scale and zero point.
    private static let scalePreserving: Set<String> = ["MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Slice", "Gather"]

    /// One of `scalePreserving` reading a quantized activation becomes a QDQ group: DequantizeLinear
    /// of the integers, the float operator, QuantizeLinear back to the same parameters — the form
    /// `LowerFakeQuantization` turns into the int8 operator, and the Swift executor runs in float.
    /// Returns false (having added nothing) for any other node.
    private mutating func addOnQuantizedValues(_ node: Onnx_NodeProto, name: String, inputs: [ValueID?], index: Int, consumed: Set<String>) throws -> Bool {
        guard Self.scalePreserving.contains(node.opType), node.output.count == 1, let x = inputs.first ?? nil, graph.constants[x] == nil,
              let parameters = graph.values[x].quantization, parameters.scales.count == 1 else { return false }
        let context = "\(node.opType) node '\(name)'"
        let dequantizedName = "\(name).input_dequantized", floatName = "\(name).float"
        let dequantized = graph.addValue(name: dequantizedName)
        try define(dequantizedName, as: dequantized, context: context)
        graph.nodes.append(Node(name: "\(name).dequantize", operation: .dequantizeLinear, inputs: [x], outputs: [dequantized]))
        var floatNode = node
        floatNode.name = name
        floatNode.input[0] = dequantizedName
        floatNode.output = [floatName]
        try add(floatNode, index: index, consumed: consumed)
        let output = graph.addValue(name: node.output[0])
        try define(node.output[0], as: output, context: context)
        graph.values[output].quantization = parameters
        graph.nodes.append(Node(name: "\(name).quantize", operation: .quantizeLinear, inputs: [valueIDs[floatName]], outputs: [output]))
        return true
    }

    /// PyTorch's QAT export clamps the quantized integers to its observer's range (fbgemm's
    /// reduce_range keeps uint8 to 0...127): `Clip(QuantizeLinear(y), lo, hi)`. Clamping at
    /// quantization levels commutes with quantizing, so the clamp moves before it, in float:
    /// `QuantizeLinear(Clip(y, (lo − z)·s, (hi − z)·s))`, where it fuses with the activation before.
    /// Returns false (and adds nothing) for any other Clip.
    private mutating func addClipOfQuantized(_ node: Onnx_NodeProto, name: String, inputs: [ValueID?], context: String) throws -> Bool {
        guard node.output.count == 1, let x = inputs.first ?? nil, graph.constants[x] == nil,
              let parameters = graph.values[x].quantization, parameters.scales.count == 1,
              let quantizeIndex = graph.nodes.lastIndex(where: { $0.outputs.contains(x) }), case .quantizeLinear = graph.nodes[quantizeIndex].operation,
              let y = graph.nodes[quantizeIndex].input(0), readCounts[node.input[0]] == 1 else { return false }
        var bounds: [Float] = [-.infinity, .infinity]
        for index in 1...2 where index < inputs.count {
            guard let id = inputs[index] else { continue }
            guard let level = graph.constants[id], level.elementCount == 1, level.dtype == .int8 || level.dtype == .uint8 else { return false }
            // In EdgeIR a uint8 level v is the int8 level v − 128, against the zero point moved alike.
            let steps = level.storage.int64s[0] - (level.dtype == .uint8 ? 128 : 0) - Int64(parameters.zeroPoints[0])
            bounds[index - 1] = Float(steps) * parameters.scales[0]
        }
        // The QuantizeLinear, read only by this Clip, now quantizes the clamped value and writes the Clip's output.
        let clippedName = "\(name).float"
        let clipped = graph.addValue(name: clippedName)
        try define(clippedName, as: clipped, context: context)
        graph.nodes[quantizeIndex].inputs[0] = clipped
        graph.nodes.insert(Node(name: name, operation: .unary(.clip(min: bounds[0], max: bounds[1])), inputs: [y], outputs: [clipped]), at: quantizeIndex)
        try define(node.output[0], as: x, context: context)
        return true
    }

    /// QuantizeLinear and DequantizeLinear carry their scale and zero point as constant inputs; in
    /// EdgeIR they sit on the int8 value (Q's output, DQ's input), so the pair shares one record.
    /// uint8 tensors (onnxruntime's U8 activations) become int8 with the zero point moved by 128,
    /// which represents the same real numbers exactly. Returns why the node is unsupported, if it
    /// is; then nothing has been added to the graph.
    private mutating func addQuantization(_ node: Onnx_NodeProto, name: String, inputs: [ValueID?]) throws -> String? {
        let context = "\(node.opType) node '\(name)'"
        let isQuantize = node.opType == "QuantizeLinear"
        guard node.output.count == 1, var x = inputs.first ?? nil else { return "needs an input and one output" }
        guard inputs.count >= 2, let scaleID = inputs[1], let scaleTensor = graph.constants[scaleID], let scales = scaleTensor.floats else {
            return "its scale is computed at run time; edgec needs it constant"
        }
        guard !scales.isEmpty, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else { return "its scales must be positive and finite (and at least one)" }
        let constant = graph.constants[x]
        // Without a zero point ONNX means 0 of uint8 for QuantizeLinear, and the input's own type for DequantizeLinear.
        var zeroPoints = [Int32](repeating: isQuantize || constant?.dtype == .uint8 ? -128 : 0, count: scales.count)
        if !isQuantize, inputs.count < 3 || inputs[2] == nil, let existing = graph.values[x].quantization, existing.scales.count == scales.count {
            zeroPoints = existing.zeroPoints
        }
        if inputs.count >= 3, let zeroID = inputs[2] {
            guard let zero = graph.constants[zeroID] else { return "its zero point is computed at run time; edgec needs it constant" }
            guard zero.elementCount == scales.count else { return "has \(scales.count) scales but \(zero.elementCount) zero points" }
            guard [.int8, .uint8, .int32].contains(zero.dtype) else { return "\(zero.dtype) zero points are not supported (int8, uint8 and int32 are)" }
            let shift: Int64 = zero.dtype == .uint8 ? 128 : 0
            zeroPoints = zero.storage.int64s.map { Int32(clamping: $0 - shift) }
        }
        var parameters = QuantizationParameters(scale: scales[0], zeroPoint: zeroPoints[0])
        if scales.count > 1 {
            // The axis is checked against the tensor where its rank is known now (a constant), and by
            // the operator's shape rule otherwise.
            var axis = AttributeReader(node, context: context).int("axis", 1)
            if let rank = constant?.rank {
                guard let normalized = Shapes.normalizedAxis(axis, rank: rank), constant!.shape[normalized] == scales.count else {
                    return "axis \(axis) with \(scales.count) scales does not fit the tensor's shape \(constant!.shape)"
                }
                axis = normalized
            }
            parameters = QuantizationParameters(scales: scales, zeroPoints: zeroPoints, axis: axis)
        }
        if !isQuantize, let constant {
            guard [.int8, .uint8, .int32].contains(constant.dtype) else { return "dequantizes a \(constant.dtype) tensor (int8, uint8 and int32 are supported)" }
        }
        if !isQuantize, let existing = graph.values[x].quantization, existing != parameters {
            return "dequantizes '\(graph.name(of: x))' with other parameters than those it was quantized with"
        }

        // Checked: now the graph changes.
        if isQuantize, let constant, constant.dtype == .float32 {
            // Float weights quantized in the graph (PyTorch's QAT export): quantized now, as ONNX's
            // QuantizeLinear rounds (half to even), so the int8 kernels find int8 weights.
            let quantized = graph.addConstant(name: node.output[0], parameters.quantize(constant, rounding: .toNearestOrEven))
            try define(node.output[0], as: quantized, context: context)
            graph.values[quantized].quantization = parameters
            return nil
        }
        let output = graph.addValue(name: node.output[0])
        try define(node.output[0], as: output, context: context)
        if isQuantize {
            graph.values[output].quantization = parameters
            graph.nodes.append(Node(name: name, operation: .quantizeLinear, inputs: [x], outputs: [output]))
            return nil
        }
        // A uint8 initializer is read as an int8 copy of its own: other readers keep the original.
        if let constant, constant.dtype == .uint8 {
            x = graph.addConstant(name: graph.name(of: x) + ".int8", Tensor(shape: constant.shape, storage: .int8(constant.storage.int64s.map { Int8(clamping: $0 - 128) })))
        }
        graph.values[x].quantization = parameters
        graph.nodes.append(Node(name: name, operation: .dequantizeLinear, inputs: [x], outputs: [output]))
        return nil
    }

    private func isMultiOutput(_ operation: EdgeIR.Operation) -> Bool {
        switch operation {
        case .split, .recurrent, .topK: return true
        default: return false
        }
    }

    private mutating func define(_ name: String, as id: ValueID, context: String) throws {
        guard valueIDs[name] == nil else {
            throw ONNXError(.malformed, "\(context) defines '\(name)', which is already defined")
        }
        valueIDs[name] = id
    }

    /// Sum, Min and Max take any number of inputs; EdgeIR chains them as binary ops.
    private mutating func addVariadic(_ node: Onnx_NodeProto, name: String, inputs: [ValueID]) throws {
        let op: BinaryOperator = node.opType == "Sum" ? .add : node.opType == "Min" ? .min : .max
        let context = "\(node.opType) node '\(name)'"
        guard !inputs.isEmpty, node.output.count == 1 else { throw ONNXError(.malformed, "\(context) needs inputs and one output") }
        let outputID = graph.addValue(name: node.output[0])
        try define(node.output[0], as: outputID, context: context)
        if inputs.count == 1 {
            graph.nodes.append(Node(name: name, operation: .identity, inputs: [inputs[0]], outputs: [outputID]))
            return
        }
        var accumulated = inputs[0]
        for (step, next) in inputs.dropFirst().enumerated() {
            let isLast = step == inputs.count - 2
            let target = isLast ? outputID : graph.addValue(name: "\(node.output[0]).partial\(step)")
            graph.nodes.append(Node(name: isLast ? name : "\(name).step\(step)", operation: .binary(op, activation: nil), inputs: [accumulated, next], outputs: [target]))
            accumulated = target
        }
    }

    private func constantValue(_ node: Onnx_NodeProto, context: String) throws -> Tensor {
        let a = AttributeReader(node, context: context)
        if let t = try a.tensor("value") { return t }
        if a.has("value_float") { return Tensor(shape: [], floats: [a.float("value_float", 0)]) }
        if let values = a.floats("value_floats") { return Tensor(shape: [values.count], floats: values) }
        if a.has("value_int") { return Tensor(shape: [], int64s: [Int64(a.int("value_int", 0))]) }
        if let values = a.int64s("value_ints") { return Tensor(shape: [values.count], int64s: values) }
        throw ONNXError(.invalidTensor, "\(context): only tensor, float(s) and int(s) constants are supported")
    }
}
