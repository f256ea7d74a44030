import ArgumentParser
import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec eval`: accuracy and fidelity of a (compressed) model on a data set.
///
///     $ edgec eval digits.int8.edgem --data Tests/Fixtures/digits/digits_test.npz --reference Tests/Fixtures/digits/digits_cnn.onnx
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure a model's accuracy, agreement with an fp32 reference, size and latency.",
        discussion: """
        Runs every sample of --data (a .npz with one array per input, leading batch dimension,
        optional integer 'labels') through the model: a .edgem on the C runtime, an .onnx on the
        fp32 reference executor. With --reference (the fp32 .onnx), also prints top-1
        agreement, cosine similarity and SQNR in dB of every output.

        Example:
          edgec eval model.int8.edgem --data test.npz --reference model.onnx
        """
    )

    @Argument(help: "The model to evaluate (.edgem or .onnx).")
    var model: String

    @Option(help: "The data set (.npz, or .npy for a single-input model).")
    var data: String

    @Option(help: "The fp32 model (.onnx) to compare outputs with.")
    var reference: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var shapes: InputShapeOptions

    struct Report: Encodable {
        var model: String
        var fileBytes: Int
        var samples: Int
        var accuracy: Double?
        var referenceAccuracy: Double?
        var top1Agreement: Double?
        var outputs: [OutputComparison]
        var latencyMilliseconds: Double
    }

    func run() throws {
        let bytes = try ModelLoading.read(model)
        let (runner, inputs) = try Self.runner(for: bytes, path: model, shapes: shapes)
        let arrays = try NumPyFiles.read(data, singleKey: inputs.count == 1 ? inputs[0].name : "")
        let dataset = try CalibrationData(arrays: arrays, inputs: inputs, source: data)
        let progress = Progress()
        let result = try BatchEvaluation.run(runner, on: dataset) { progress.show("evaluating", $0, $1) }
        var report = Report(model: model, fileBytes: bytes.count, samples: dataset.sampleCount, accuracy: nil, referenceAccuracy: nil,
                            top1Agreement: nil, outputs: [], latencyMilliseconds: result.milliseconds[result.milliseconds.count / 2])
        let first = runner.outputNames[0]
        if let labels = dataset.labels { report.accuracy = QuantizationPipeline.accuracy(result.outputs[first]!, labels: labels) }
        if let reference = reference {
            let (fp32, _) = try Self.runner(for: try ModelLoading.read(reference), path: reference, shapes: shapes)
            let expected = try BatchEvaluation.run(fp32, on: dataset) { progress.show("fp32 reference", $0, $1) }
            for name in runner.outputNames {
                guard let values = expected.outputs[name] else { throw UserFacingError("the reference has no output named '\(name)'") }
                report.outputs.append(Metrics.compare(result.outputs[name]!, to: values, output: name))
            }
            let a = Metrics.argmax(result.outputs[first]!, rows: dataset.sampleCount), b = Metrics.argmax(expected.outputs[first]!, rows: dataset.sampleCount)
            report.top1Agreement = Double(zip(a, b).filter { $0 == $1 }.count) / Double(dataset.sampleCount)
            if let labels = dataset.labels { report.referenceAccuracy = QuantizationPipeline.accuracy(expected.outputs[first]!, labels: labels) }
        }
        progress.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("model      \(model) (\(Text.grouped(bytes.count)) bytes), \(dataset.sampleCount) samples")
        if let accuracy = report.accuracy {
            print(String(format: "accuracy   %.2f%%", accuracy * 100) + (report.referenceAccuracy.map { String(format: " (fp32 reference %.2f%%)", $0 * 100) } ?? ""))
        }
        if let agreement = report.top1Agreement { print(String(format: "top-1      %.2f%% agreement with the reference", agreement * 100)) }
        for output in report.outputs {
            print(String(format: "output     %@: cosine %.6f, SQNR %@ dB, max |diff| %.4g", output.output, output.cosine, Metrics.format(output.sqnr), output.maxAbsoluteDifference))
        }
        print(String(format: "latency    %.3f ms per sample (median, %@)", report.latencyMilliseconds, bytes.starts(with: Edgem.magic) ? "C runtime" : "reference executor"))
    }

    /// The runner for a model file and its inputs' names and per-sample types.
    static func runner(for bytes: Data, path: String, shapes: InputShapeOptions) throws -> (ModelRunner, [(name: String, type: TensorType)]) {
        if bytes.starts(with: Edgem.magic) {
            let device = try DeviceModel(data: bytes)
            // A quantized int8 input of a --int8-io model takes the same real-valued data as the float model.
            return (try DeviceRunner(device), device.inputs.map { ($0.name, TensorType($0.isQuantized ? .float32 : $0.dtype, $0.shape)) })
        }
        let onnx = try ONNXModel(data: bytes, source: path)
        let bindings = ModelLoading.bindingDynamicDimensionsToOne(try ModelLoading.namedBindings(try shapes.bindings(), for: onnx.graph), for: onnx.graph)
        let graph = try StandardPipeline.prepare(onnx.graph, inputShapes: bindings)
        return (try ReferenceExecutor(graph: graph), graph.inputs.map { (graph.name(of: $0.value), graph.type(of: $0.value)!) })
    }
}
