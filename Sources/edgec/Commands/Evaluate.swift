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
        Runs every sample of --data (a .npz with one array per input, leading batch dimension, optional integer 'labels') through the model: a .edgem on the C runtime, an .onnx on the fp32 reference executor. With --reference (the fp32 .onnx), also prints top-1 agreement, cosine similarity and SQNR in dB of every output.

        Example:
          edgec eval model.int8.edgem --data test.npz --reference model.onnx
          edgec eval model.int8.edgem --data-images val/ --reference model.onnx \\
              --report eval.html
        """
    )

    @Argument(help: "The model to evaluate (.edgem or .onnx).")
    var model: String

    @Option(help: "The data set (.npz, or .npy for a single-input model).")
    var data: String?

    @Option(name: .customLong("data-images"), help: ArgumentHelp("A folder of .png/.jpg images instead, one sub-folder per class: labels 0, 1, ... for the sub-folder names in sorted order, as torchvision's ImageFolder (see --size, --mean, --std, --color, --layout).", valueName: "dir"))
    var dataImages: String?

    @OptionGroup(title: "Image data (with --data-images)") var images: ImageDataOptions

    @Option(help: "The fp32 model (.onnx) to compare outputs with.")
    var reference: String?

    @Option(help: ArgumentHelp("Also write the report as a page to look at (.html: accuracy, outputs against the reference, size by section and by layer).", valueName: "file.html"))
    var report: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        if let report { try OutputPath.check(report, notOverwriting: [model, reference, data, dataImages].compactMap { $0 }) }
        let bytes = try ModelLoading.read(model)
        let bindings = try shapes.bindings()
        let (runner, inputs) = try ModelEvaluation.runner(for: bytes, path: model, bindings: bindings)
        if data != nil, dataImages != nil { throw UserFacingError("pass --data or --data-images, not both") }
        if dataImages == nil, images.given { throw UserFacingError("--size, --mean, --std, --color and --layout describe --data-images: add --data-images DIR") }
        guard let data = data ?? dataImages else { throw UserFacingError("eval needs data: pass --data test.npz or --data-images DIR") }
        let arrays = dataImages == nil
            ? try NumPyFiles.read(data, singleKey: inputs.count == 1 ? inputs[0].name : "")
            : try images.arrays(folder: data, option: "--data-images", inputs: inputs).arrays
        let dataset = try CalibrationData(arrays: arrays, inputs: inputs, source: data)
        let fp32 = try reference.map { try ModelEvaluation.runner(for: try ModelLoading.read($0), path: $0, bindings: bindings).0 }
        let progress = Progress()
        let evaluation = try ModelEvaluation.evaluate(model: runner, path: model, fileBytes: bytes.count, compiled: ModelFileKind(bytes) == .compiled,
                                                  data: dataset, reference: fp32) { progress.show($0, $1, $2) }
        progress.finish()
        if let report {
            try ReportPages.evaluation(evaluation, model: model, bytes: bytes, compiled: ModelFileKind(bytes) == .compiled, data: data).write(to: report)
        }
        if json {
            try JSONOutput.print(evaluation, command: "eval")
            return
        }
        print("model      \(model) (\(Text.grouped(bytes.count)) bytes), \(dataset.sampleCount) samples")
        if let accuracy = evaluation.accuracy {
            print(String(format: "accuracy   %.2f%%", accuracy * 100) + (evaluation.referenceAccuracy.map { String(format: " (fp32 reference %.2f%%)", $0 * 100) } ?? ""))
        }
        if let agreement = evaluation.top1Agreement { print(String(format: "top-1      %.2f%% agreement with the reference", agreement * 100)) }
        for output in evaluation.outputs {
            print(String(format: "output     %@: cosine %.6f, SQNR %@ dB, max |diff| %.4g", output.output, output.cosine, Metrics.format(output.sqnr), output.maxAbsoluteDifference))
        }
        print(String(format: "latency    %.3f ms per sample (median, %@)", evaluation.latencyMilliseconds, evaluation.runtime))
    }
}
