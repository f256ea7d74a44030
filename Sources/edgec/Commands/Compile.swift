import ArgumentParser
import EdgeDevice
import EdgeFormat
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec compile`: ONNX in, one `.edgem` file out.
///
///     $ edgec compile Tests/Fixtures/digits/digits_cnn.onnx -o digits.edgem --compress lz4
///     compiled   7 operators, 18 tensors
///     ...
struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compile an ONNX model into one .edgem file for the device runtime.",
        discussion: """
        Binds input shapes, folds constants and BatchNormalization, fuses activations, plans the activation arena and writes the file described in formats/edgem.md. Weights that are mostly zeros are stored sparsely; --compress lz4 compresses the weights section, --compress entropy every section (smallest file; decoded once at load). A QDQ model (QuantizeLinear and DequantizeLinear around operators, as edgec quantize --export-onnx and onnxruntime's quantizer write them) or one in onnxruntime's QOperator format (QLinearConv, QLinearMatMul, QGemm, ...) compiles to int8 operators with the scales it carries; a model from onnxruntime's quantize_dynamic (DynamicQuantizeLinear, MatMulInteger, ConvInteger) runs in float, and the summary's "quantized" line says which layers are int8 and which fell back to float.

        Example:
          edgec compile model.onnx -o model.edgem --input-shape x=1,3,48,192 \\
              --compress lz4
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(name: .shortAndLong, help: "The file to write (.edgem).")
    var output: String

    @OptionGroup var shapes: InputShapeOptions

    @Option(help: "Section compression: none (weights used in place from a map), lz4 (weights, fast to decompress) or entropy (every section, smallest).")
    var compress: String = "none"

    @Flag(help: "Print the summary as JSON.")
    var json = false

    /// `--json`: what the text lines say.
    struct Summary: Encodable {
        var output: String
        var bytes: Int
        var sourceBytes: Int
        var operators: Int
        var tensors: Int
        var sparseTensors: Int
        var arenaBytes: Int
        var activationBytes: Int
        var scratchBytes: Int
        var unsharedActivationBytes: Int
        var activationLowerBoundBytes: Int
    }

    /// For a model that came quantized: its quantization operators, what runs in int8 and what
    /// fell back to float. Nil for a float model.
    ///
    ///     quantized  3 QLinearConv, 2 QGemm, 1 QuantizeLinear, 1 DequantizeLinear -> int8: CONV_INT8 ×3, GEMM_INT8 ×2; float fallback: none
    static func quantizationSummary(_ info: ONNXModelInfo, compiled: Data) throws -> String? {
        let source = info.operatorHistogram.filter { QuantizedOperators.isQuantization($0.key) }.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        guard !source.isEmpty else { return nil }
        let kinds = try EdgemFile(data: compiled, source: "compiled").operators.map(\.kindName)
        func counted(_ names: [String]) -> String {
            let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +).sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            return counts.isEmpty ? "none" : counts.map { $0.value == 1 ? $0.key : "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        }
        let weighted: Set<String> = ["CONV", "CONV_TRANSPOSE", "GEMM", "MATMUL"]
        var line = "quantized  " + source.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            + " -> int8: " + counted(kinds.filter { $0.hasSuffix("_INT8") || $0 == "LOOKUP" })
            + "; float fallback: " + counted(kinds.filter(weighted.contains))
        if source.contains(where: { QuantizedOperators.dynamic.contains($0.key) }) {
            line += " (dynamic quantization computes activation scales at run time; the runtime's int8 kernels take them at compile time, so these layers run in float)"
        }
        return line
    }

    func run() throws {
        guard let compression = Edgem.Compression(name: compress) else { throw UserFacingError("--compress takes none, lz4 or entropy, not '\(compress)'") }
        try OutputPath.check(output, notOverwriting: [model])
        let source = try ModelLoading.readONNX(model, for: "compile")
        let onnx = try ONNXModel(data: source, source: model)
        let bindings = try InputBindings.named(try shapes.bindings(), for: onnx.graph)
        let graph = try StandardPipeline.deploy(onnx.graph, inputShapes: bindings)
        let metadata = CompileMetadata(
            edgecVersion: Edgec.configuration.version, sourcePath: model, source: source, sourceProducer: onnx.info.producer, sourceOpset: onnx.info.opset,
            inputShapes: graph.inputs.map { (graph.name(of: $0.value), graph.type(of: $0.value)!.shape) }, compress: compress,
            command: ["edgec"] + CommandLine.arguments.dropFirst()).entries()
        let compiled = try EdgemWriter.write(graph, options: .init(compression: compression), metadata: metadata)
        try OutputPath.write(compiled.data, to: output)
        let plan = compiled.plan
        // The runtime's own loader says what a context needs: the planned activations plus the
        // scratch its kernels ask for (im2col columns and the like).
        let needed = try DeviceModel(data: compiled.data).arenaSize
        if json {
            return try JSONOutput.print(Summary(output: output, bytes: compiled.data.count, sourceBytes: source.count, operators: compiled.operatorCount,
                                                tensors: compiled.tensorCount, sparseTensors: compiled.sparseTensorCount, arenaBytes: needed,
                                                activationBytes: plan.arenaSize, scratchBytes: needed - plan.arenaSize,
                                                unsharedActivationBytes: plan.naiveSize, activationLowerBoundBytes: plan.lowerBound), command: "compile")
        }
        print("compiled   \(compiled.operatorCount) operators, \(compiled.tensorCount) tensors (\(compiled.sparseTensorCount) weights stored sparse)")
        print("arena      \(Text.grouped(needed)) bytes per context (edge_model_arena_size): \(Text.grouped(plan.arenaSize)) activations planned (\(Text.grouped(plan.naiveSize)) if every tensor had its own; lower bound \(Text.grouped(plan.lowerBound))) + \(Text.grouped(needed - plan.arenaSize)) kernel scratch")
        if let line = try Self.quantizationSummary(onnx.info, compiled: compiled.data) { print(line) }
        print(String(format: "file       %@ bytes (%.3fx the ONNX file's %@ bytes) -> %@",
                     Text.grouped(compiled.data.count), Double(compiled.data.count) / Double(max(source.count, 1)), Text.grouped(source.count), output))
    }
}
