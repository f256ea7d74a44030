import ArgumentParser
import EdgeCompress
import EdgeEvaluation
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec quantize`: post-training int8 quantization to a `.edgem` file.
///
///     $ edgec quantize Tests/Fixtures/digits/digits_cnn.onnx --calib Tests/Fixtures/digits/digits_calib.npz -o digits.int8.edgem
struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a model to int8 with calibration data and compile it to .edgem.",
        discussion: """
        Weights become int8 symmetric per output channel (--per-tensor: one scale per tensor), activations int8 asymmetric per tensor, biases int32; inputs and outputs stay float (--int8-io: they become int8 too, each with its scale and zero point in the file). Calibration data is a .npz with one array per model input (leading batch dimension), or a .npy for a single-input model; an optional 'labels' array gives accuracy before and after. Ops without an int8 kernel stay float, with (de)quantization around them. --export-onnx also writes the quantized model as a standard ONNX QDQ model (opset 14: int8 weights behind per-channel DequantizeLinear, QuantizeLinear/DequantizeLinear on activations, int32 biases) that onnxruntime runs and Netron shows; `edgec run` runs it as simulated int8 and `edgec compile` turns it into the same int8 .edgem.

        --calib-images DIR calibrates on a folder of PNG/JPEG images: each is decoded (libpng, libjpeg-turbo), converted to --color (gray, rgb or bgr; gray as PIL's convert("L")), resized to the model input's H×W with bilinear filtering that averages when it shrinks (PIL's Image.resize(BILINEAR), so torchvision's Resize on PIL images: no aspect-preserving crop), then (pixel - mean) / std per channel with pixels in 0–255 (defaults mean 0, std 255: values in [0, 1]), laid out as --layout. Images directly in DIR have no labels; one sub-folder per class gives labels (sub-folder names in sorted order, as torchvision's ImageFolder) and accuracy before and after.

        --report FILE.html writes one static page (inline SVG, no scripts) with every int8 layer's SQNR, each layer's weight and activation ranges, the file's size by section and by layer, and the accuracy before and after.

        --train DATA makes it quantization-aware training: after calibration the model is fine-tuned (--epochs, default 3; --lr, default 1e-5 — a trained model needs only small steps; the other training options as in `edgec train`) with fake quantization in the graph and the straight-through estimator — BatchNormalization folded as the int8 runtime sees it, weight scales following the weights, activation ranges a moving average — and then quantized as PTQ does, from the trained weights and the ranges training ended with. DATA needs 'labels'.

        Example:
          edgec quantize model.onnx --calib calib.npz -o model.int8.edgem \\
              --method entropy
          edgec quantize model.onnx --calib calib.npz --train train.npz \\
              --val val.npz --epochs 3 -o model.qat.edgem
          edgec quantize model.onnx --calib calib.npz -o model.int8.edgem \\
              --keep-float /head/Conv
          edgec quantize model.onnx --calib calib.npz -o model.int8.edgem \\
              --export-onnx model.qdq.onnx
          edgec quantize model.onnx --calib-images calib/ \\
              --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 \\
              -o model.int8.edgem --report report.html
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(help: "Calibration data (.npz or .npy), or 'random' to calibrate on random inputs (not recommended).")
    var calib: String?

    @Option(name: .customLong("calib-images"), help: ArgumentHelp("Calibrate on a folder of .png/.jpg images instead (see --size, --mean, --std, --color, --layout); with one sub-folder per class, also accuracy before and after.", valueName: "dir"))
    var calibImages: String?

    @OptionGroup(title: "Image data (with --calib-images)") var images: ImageDataOptions

    @Option(name: .shortAndLong, help: "The file to write (.edgem).")
    var output: String

    @Option(help: "How activation ranges are chosen: minmax, percentile, entropy or mse.")
    var method: String = "percentile"

    @Option(help: "The percentile for --method percentile.")
    var percentile: Double = 99.99

    @Flag(name: .customLong("per-tensor"), help: "One weight scale per tensor instead of per output channel.")
    var perTensor = false

    @Option(name: .customLong("keep-float"), parsing: .upToNextOption, help: "Node names to keep in float.")
    var keepFloat: [String] = []

    @Flag(name: .customLong("int8-io"), help: "Make the model's inputs and outputs int8 (scale and zero point in the file; edge-run and edgec eval still take real numbers).")
    var int8IO = false

    @Option(help: "Section compression: none (weights used in place from a map), lz4 (weights, fast to decompress) or entropy (every section, smallest).")
    var compress: String = "none"

    @Option(name: .customLong("export-onnx"), help: "Also write the quantized model as an ONNX QDQ model (.onnx).")
    var exportONNX: String?

    @Option(help: ArgumentHelp("Also write a report to look at (.html: per-layer SQNR, weight and activation ranges, size by section and by layer, accuracy before and after).", valueName: "file.html"))
    var report: String?

    @Flag(name: .customLong("no-measure"), help: "Write the file without measuring per-layer SQNR and accuracy on the runtime (faster).")
    var noMeasure = false

    @Option(help: "Training data (.npz with 'labels'): quantization-aware training after calibration.")
    var train: String?

    @OptionGroup(title: "Quantization-aware training (with --train)") var training: TrainingOptionGroup

    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        guard let method = CalibrationMethod(rawValue: self.method) else {
            throw UserFacingError("--method takes minmax, percentile, entropy or mse, not '\(self.method)'")
        }
        guard percentile > 50, percentile <= 100 else { throw UserFacingError("--percentile must be in (50, 100], got \(percentile)") }
        guard let compression = Edgem.Compression(name: compress) else { throw UserFacingError("--compress takes none, lz4 or entropy, not '\(compress)'") }
        if calib != nil, calibImages != nil { throw UserFacingError("pass --calib or --calib-images, not both") }
        if calibImages == nil, images.given { throw UserFacingError("--size, --mean, --std, --color and --layout describe --calib-images: add --calib-images DIR") }
        guard let calib = calib ?? calibImages else {
            throw UserFacingError("quantizing needs calibration data: pass --calib data.npz or --calib-images DIR (or --calib random to accept a poor, data-free calibration)")
        }
        if train == nil, training.val != nil || training.epochs != nil || training.lr != nil || !training.freeze.isEmpty {
            throw UserFacingError("--val, --epochs, --lr and --freeze are options of quantization-aware training: add --train DATA")
        }
        let trainingOptions = try training.options(epochs: 3, learningRate: 1e-5)
        try OutputPath.check(output, notOverwriting: [model, calib] + [train, training.val].compactMap { $0 })
        if let exportONNX {
            try OutputPath.check(exportONNX, notOverwriting: [model, calib, output])
        }
        if let report {
            try OutputPath.check(report, notOverwriting: [model, calib, output] + [exportONNX].compactMap { $0 })
        }
        let source = try ModelLoading.readONNX(model, for: "quantize")
        let onnx = try ONNXModel(data: source, source: model)
        let bindings = InputBindings.bindingDynamicBatchToOne(try InputBindings.named(try shapes.bindings(), for: onnx.graph), for: onnx.graph)
        let prepared = try StandardPipeline.prepare(onnx.graph, inputShapes: bindings, fuseClampsOnly: true)
        let inputs = prepared.inputs.map { (name: prepared.name(of: $0.value), type: prepared.type(of: $0.value)!) }
        let data: CalibrationData
        if let calibImages {
            data = try CalibrationData(arrays: try images.arrays(folder: calibImages, option: "--calib-images", inputs: inputs).arrays, inputs: inputs, source: calibImages)
        } else if calib == "random" {
            FileHandle.standardError.write(Data("edgec: warning: calibrating on RANDOM inputs: activation ranges will not match real data and accuracy may collapse; pass --calib with real samples\n".utf8))
            data = try CalibrationData.random(inputs: inputs)
        } else {
            let arrays = try NumPyFiles.read(calib, singleKey: inputs.count == 1 ? inputs[0].name : "")
            data = try CalibrationData(arrays: arrays, inputs: inputs, source: calib)
        }
        let options = QuantizationOptions(method: method, percentile: percentile, perTensorWeights: perTensor, keepFloat: Set(keepFloat), int8IO: int8IO)
        let metadata = CompileMetadata(
            edgecVersion: Edgec.configuration.version, sourcePath: model, source: source, sourceProducer: onnx.info.producer, sourceOpset: onnx.info.opset,
            inputShapes: inputs.map { ($0.name, $0.type.shape) }, compress: compress, command: ["edgec"] + CommandLine.arguments.dropFirst()
        ).entries([
            ("quantization.scheme", perTensor ? "int8 weights per tensor, activations per tensor" : "int8 weights per channel, activations per tensor"),
            ("quantization.io", int8IO ? "int8" : "float32"),
            ("calibration.method", method == .percentile ? "percentile \(percentile)" : method.rawValue),
            ("calibration.samples", String(data.sampleCount)),
            ("calibration.source", calib == "random" ? "random" : URL(fileURLWithPath: calib).lastPathComponent),
        ])
        let trainData = try train.map { try CalibrationData(arrays: try NumPyFiles.read($0, singleKey: inputs.count == 1 ? inputs[0].name : ""), inputs: inputs, source: $0) }
        let validation = try training.val.map { try CalibrationData(arrays: try NumPyFiles.read($0, singleKey: inputs.count == 1 ? inputs[0].name : ""), inputs: inputs, source: $0) }
        var epochs: [EpochReport] = []
        let fineTune: QuantizationPipeline.FineTuning? = trainData.map { trainData in
            { prepared, statistics in
                let log = TrainingLog(json: training.json, epochs: trainingOptions.epochs)
                let qat = try QuantizationAwareTraining(quantization: options, training: trainingOptions).fineTune(
                    model: onnx.graph, bindings: bindings, prepared: prepared, statistics: statistics, data: trainData, validation: validation,
                    progress: log.step, epochEnd: log.epoch)
                epochs = qat.reports
                return (qat.prepared, qat.statistics)
            }
        }
        let progress = Progress()
        let result = try QuantizationPipeline.run(prepared: prepared, data: data, options: options,
                                                  writer: .init(compression: compression), metadata: metadata + (train == nil ? [] : [
                                                      ("quantization.training", "quantization-aware, \(trainingOptions.epochs) epochs, lr \(trainingOptions.learningRate), seed \(trainingOptions.seed)"),
                                                      ("training.source", URL(fileURLWithPath: train!).lastPathComponent),
                                                  ]),
                                                  measure: !noMeasure, fineTune: fineTune) { progress.show($0, $1, $2) }
        progress.finish()
        // The QDQ model is made before anything is written, so a model it cannot express leaves no file.
        let qdq = try exportONNX.map { _ in try ONNXExport.write(result.fakeQuantized, producer: Edgec.configuration.version) }
        let page = try report.map { _ in try ReportPages.quantization(result, model: model, output: output, sourceBytes: source.count, measured: !noMeasure) }
        try OutputPath.write(result.file.data, to: output)
        if training.json {
            try JSONOutput.print(QuantizationSummary.JSON(result, sourceBytes: source.count, output: output, epochs: epochs), command: "quantize")
        } else {
            print(QuantizationSummary.text(result, sourceBytes: source.count, output: output))
        }
        if let exportONNX, let qdq {
            try OutputPath.write(qdq, to: exportONNX)
            print("wrote      \(exportONNX) (ONNX QDQ, \(Text.grouped(qdq.count)) bytes)")
        }
        if let report, let page {
            try page.write(to: report)
            if !training.json { print("wrote      \(report) (report)") }
        }
    }
}

enum QuantizationSummary {
    /// `--json`: the summary as one object.
    struct JSON: Encodable {
        struct Node: Encodable {
            var node: String
            var kind: String
            var reason: String?
            var sqnr: Double?
        }
        var output: String
        var sourceBytes: Int
        var bytes: Int
        var int8: [Node]
        var float: [Node]
        var widened: [Node]
        var layers: [Node]
        var accuracyBefore: Double?
        var accuracyAfter: Double?
        var epochs: [EpochReport]

        init(_ result: QuantizationPipeline.Result, sourceBytes: Int, output: String, epochs: [EpochReport]) {
            self.output = output
            self.sourceBytes = sourceBytes
            bytes = result.file.data.count
            int8 = result.report.int8.map { Node(node: $0.node, kind: $0.kind) }
            float = result.report.float.map { Node(node: $0.node, kind: $0.kind, reason: $0.reason) }
            widened = result.report.widened.map { Node(node: $0.node, kind: $0.kind, reason: $0.reason) }
            layers = result.layers.map { Node(node: $0.node, kind: $0.kind, sqnr: $0.sqnr) }
            accuracyBefore = result.accuracyBefore
            accuracyAfter = result.accuracyAfter
            self.epochs = epochs
        }
    }

    static func text(_ result: QuantizationPipeline.Result, sourceBytes: Int, output: String) -> String {
        var lines: [String] = []
        let size = result.file.data.count
        lines.append(String(format: "file       %@ -> %@ bytes (%.3fx the ONNX file)", Text.grouped(sourceBytes), Text.grouped(size), Double(size) / Double(max(sourceBytes, 1))))
        let int8Kinds = Dictionary(grouping: result.report.int8, by: \.kind).mapValues(\.count).sorted { $0.key < $1.key }
        lines.append("int8       \(result.report.int8.count) nodes: " + int8Kinds.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if result.report.float.isEmpty {
            lines.append("float      none")
        } else {
            lines.append("float      \(result.report.float.count) nodes (with quantize/dequantize around them):")
            lines += Text.table(result.report.float.map { [$0.node, $0.kind, $0.reason ?? ""] }, rightAligned: []).map { "  " + $0 }
        }
        if !result.report.widened.isEmpty {
            lines.append("widened    \(result.report.widened.count) nodes (their bias would not fit the int32 accumulator beside tiny weights):")
            lines += Text.table(result.report.widened.map { [$0.node, $0.reason ?? ""] }, rightAligned: []).map { "  " + $0 }
        }
        if !result.layers.isEmpty {
            lines.append("worst layers by SQNR against fp32 on the calibration data:")
            lines += Text.table(result.layers.prefix(5).map { [$0.node, $0.kind, Metrics.format($0.sqnr) + " dB"] }, rightAligned: [2]).map { "  " + $0 }
        }
        if let before = result.accuracyBefore, let after = result.accuracyAfter {
            lines.append(String(format: "accuracy   fp32 %.2f%% -> int8 %.2f%% on the calibration labels", before * 100, after * 100))
        }
        lines.append("wrote      \(output)")
        return lines.joined(separator: "\n")
    }
}
