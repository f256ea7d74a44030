import ArgumentParser
import EdgeDevice
import EdgeFormat
import EdgeIR
import EdgeOperators
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec inspect`: what a model is made of and what it costs.
///
///     $ edgec inspect Tests/Fixtures/digits/digits_cnn.onnx
///     model      Tests/Fixtures/digits/digits_cnn.onnx (pytorch 2.15.0, IR 8, opset 13)
///     inputs     input   float32 [1,1,8,8]
///     ...
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print what an ONNX model or a compiled .edgem file is made of.",
        discussion: """
        For ONNX: inputs, outputs, operators, weights and multiply-accumulates per layer; every operator edgec cannot run (node, op type, opset) is listed at once and the exit status is then non-zero. Dynamic input dimensions must be bound with --input-shape. For .edgem: the header, the section table, the operators in execution order, the arena size and the metadata.

        Example:
          edgec inspect model.onnx --input-shape x=1,3,48,192
          edgec inspect model.onnx --json
        """
    )

    @Argument(help: "The model (.onnx or .edgem).")
    var model: String

    @OptionGroup var shapes: InputShapeOptions

    @Flag(help: "Print the report as JSON.")
    var json = false

    func run() throws {
        let data = try ModelLoading.read(model)
        if ModelFileKind(data) == .compiled {
            let report = CompiledReport(path: model, file: try EdgemFile(data: data, source: model), runtimeArena: (try? DeviceModel(data: data))?.arenaSize)
            print(json ? try report.json() : report.text())
            return
        }
        let onnx = try ONNXModel(data: data, source: model)
        var report = ModelReport(path: model, onnx: onnx)
        let unsupported = onnx.graph.unsupportedNodes
        if unsupported.isEmpty {
            let bindings = try InputBindings.named(try shapes.bindings(), for: onnx.graph)
            let analyzed = try StandardPipeline.analyze(onnx.graph, inputShapes: bindings)
            let prepared = try StandardPipeline.prepare(onnx.graph, inputShapes: bindings)
            report.addAnalysis(analyzed: analyzed, prepared: prepared)
        } else {
            report.unsupported = unsupported.map {
                .init(node: $0.node.name, opType: $0.detail.opType, domain: $0.detail.domain, opset: $0.detail.opset, reason: $0.detail.reason)
            }
        }
        print(json ? try report.json() : report.text())
        if !unsupported.isEmpty {
            throw UserFacingError("\(unsupported.count) unsupported operator\(unsupported.count == 1 ? "" : "s") in '\(model)' (listed above)")
        }
    }
}

/// Everything `inspect` reports, printable as aligned text or JSON.
struct ModelReport: Encodable {
    /// `dtype` and `shape` are nil for an output of a model whose operators edgec cannot analyze.
    struct Port: Encodable {
        var name: String
        var dtype: String?
        var shape: [ShapeDimension]?
        var shapeText: String { shape.map { "[" + $0.map(\.description).joined(separator: ",") + "]" } ?? "?" }
        enum CodingKeys: String, CodingKey { case name, dtype, shape }
    }
    struct Layer: Encodable { var node: String; var op: String; var output: [Int]; var macs: Int }
    struct Weights: Encodable {
        var parameters: Int
        var bytes: Int
        var initializers: Int
        var initializerParameters: Int
        var constantNodes: Int
        var constantNodeParameters: Int
        var constantOfShapeNodes: Int
    }
    struct Unsupported: Encodable { var node: String; var opType: String; var domain: String; var opset: Int; var reason: String }

    var model: String
    var producer: String
    var irVersion: Int
    var opset: Int
    var inputs: [Port]
    var outputs: [Port]
    var operators: [String: Int]
    var weights: Weights
    var layers: [Layer] = []
    var totalMacs: Int?
    var compiledNodes: Int?
    var sourceNodes: Int
    var unsupported: [Unsupported] = []

    init(path: String, onnx: ONNXModel) {
        let graph = onnx.graph
        let info = onnx.info
        model = path
        producer = info.producer
        irVersion = info.irVersion
        opset = info.opset
        inputs = graph.inputs.map {
            Port(name: graph.name(of: $0.value), dtype: $0.dtype.description, shape: $0.declaredShape.map { dimension -> ShapeDimension in
                if case .fixed(let value) = dimension { return .fixed(value) }
                return .named(dimension.description)
            })
        }
        outputs = graph.outputs.map { Port(name: graph.name(of: $0), dtype: nil, shape: nil) }
        operators = info.operatorHistogram
        sourceNodes = info.operatorHistogram.values.reduce(0, +)
        weights = Weights(
            parameters: info.initializerElements + info.constantNodeElements,
            bytes: info.initializerBytes + info.constantNodeBytes,
            initializers: info.initializerCount, initializerParameters: info.initializerElements,
            constantNodes: info.constantNodeCount, constantNodeParameters: info.constantNodeElements,
            constantOfShapeNodes: info.constantOfShapeCount)
    }

    mutating func addAnalysis(analyzed: Graph, prepared: Graph) {
        inputs = analyzed.inputs.map { input in
            Port(name: analyzed.name(of: input.value), dtype: input.dtype.description, shape: (analyzed.type(of: input.value)?.shape ?? []).map(ShapeDimension.fixed))
        }
        outputs = analyzed.outputs.map { id in
            let type = analyzed.type(of: id)
            return Port(name: analyzed.name(of: id), dtype: type?.dtype.description, shape: type.map { $0.shape.map(ShapeDimension.fixed) })
        }
        // ConstantOfShape weights only exist once shapes are known, so the totals come from the analyzed graph.
        let parameters = GraphStatistics.parameters(analyzed)
        weights.parameters = parameters.count
        weights.bytes = parameters.bytes
        layers = GraphStatistics.layerCosts(analyzed).map { Layer(node: $0.node, op: $0.kind, output: $0.outputShape, macs: $0.macs) }
        totalMacs = CheckedSize.saturatingSum(layers.map(\.macs))
        compiledNodes = prepared.nodes.count
    }

    static func shapeText(_ shape: [Int]) -> String { "[" + shape.map(String.init).joined(separator: ",") + "]" }

    func json() throws -> String { try JSONOutput.string(self, command: "inspect") }

    func text() -> String {
        var lines: [String] = []
        let source = [producer.isEmpty ? nil : producer, "IR \(irVersion)", "opset \(opset)"].compactMap { $0 }.joined(separator: ", ")
        lines.append("model      \(model) (\(source))")
        let portWidth = (inputs + outputs).map(\.name.count).max() ?? 0
        for (title, ports) in [("inputs", inputs), ("outputs", outputs)] {
            for (i, port) in ports.enumerated() {
                lines.append(Text.pad(i == 0 ? title : "", 11) + Text.pad(port.name, portWidth + 2) + "\(port.dtype ?? "?") \(port.shapeText)")
            }
        }
        lines.append("weights    \(Text.grouped(weights.parameters)) parameters, \(Text.bytes(weights.bytes))")
        lines.append("           stored as \(weights.initializers) initializers (\(Text.grouped(weights.initializerParameters)) parameters), "
            + "\(weights.constantNodes) Constant nodes (\(Text.grouped(weights.constantNodeParameters)) parameters), "
            + "\(weights.constantOfShapeNodes) ConstantOfShape")
        lines.append("")
        lines.append("operators (\(sourceNodes) nodes in the file)")
        let opRows = operators.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { [$0.key, String($0.value)] }
        lines += Text.table(opRows, rightAligned: [1]).map { "  " + $0 }
        if !layers.isEmpty {
            lines.append("")
            lines.append("multiply-accumulates per layer")
            var rows = [["node", "op", "output", "MACs"]]
            rows += layers.map { [$0.node, $0.op, Self.shapeText($0.output), Text.grouped($0.macs)] }
            lines += Text.table(rows, rightAligned: [3]).map { "  " + $0 }
        }
        if let total = totalMacs {
            lines.append("")
            lines.append("total      \(Text.grouped(total)) MACs (\(Text.scaled(Double(total))))")
        }
        if let compiled = compiledNodes {
            lines.append("compiled   \(compiled) nodes after folding constants and BatchNormalization and fusing activations")
        }
        if !unsupported.isEmpty {
            lines.append("")
            lines.append("unsupported operators (\(unsupported.count)):")
            var rows = [["node", "op", "opset", "reason"]]
            rows += unsupported.map { [$0.node, ($0.domain.isEmpty ? "" : $0.domain + ".") + $0.opType, String($0.opset), $0.reason] }
            lines += Text.table(rows, rightAligned: []).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
