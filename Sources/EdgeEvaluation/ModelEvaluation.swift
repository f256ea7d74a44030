import EdgeCompress
import EdgeDevice
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec eval`'s measurement: a model (compiled, on the C runtime; or ONNX, on the reference
/// executor) over a data set — accuracy when the data has labels, and against an fp32 reference
/// the top-1 agreement and each output's cosine, SQNR and largest difference.
public enum ModelEvaluation {
    public struct Report: Sendable, Encodable {
        public var model: String
        public var fileBytes: Int
        public var samples: Int
        public var accuracy: Double?
        public var referenceAccuracy: Double?
        public var top1Agreement: Double?
        public var outputs: [OutputComparison]
        public var latencyMilliseconds: Double
        /// Where the model ran: "C runtime" or "reference executor".
        public var runtime: String

        enum CodingKeys: String, CodingKey {
            case model, fileBytes, samples, accuracy, referenceAccuracy, top1Agreement, outputs, latencyMilliseconds
        }
    }

    /// The runner for a model file and its inputs' names and per-sample types. `bindings` bind
    /// dynamic dimensions of an ONNX model; any left are set to 1 (one sample at a time).
    public static func runner(for bytes: Data, path: String, bindings: [String: [Int]]) throws -> (ModelRunner, [(name: String, type: TensorType)]) {
        if ModelFileKind(bytes) == .compiled {
            let device = try DeviceModel(data: bytes)
            // A quantized int8 input of a --int8-io model takes the same real-valued data as the float model.
            return (try DeviceRunner(device), device.inputs.map { ($0.name, TensorType($0.isQuantized ? .float32 : $0.dtype, $0.shape)) })
        }
        let onnx = try ONNXModel(data: bytes, source: path)
        let bound = InputBindings.bindingDynamicDimensionsToOne(try InputBindings.named(bindings, for: onnx.graph), for: onnx.graph)
        let graph = try StandardPipeline.prepare(onnx.graph, inputShapes: bound)
        return (try ReferenceExecutor(graph: graph), graph.inputs.map { (graph.name(of: $0.value), graph.type(of: $0.value)!) })
    }

    /// Runs `model` (and `reference`, when given) over every sample of `data`.
    public static func evaluate(model: ModelRunner, path: String, fileBytes: Int, compiled: Bool, data: CalibrationData,
                                reference: ModelRunner?, progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> Report {
        let result = try BatchEvaluation.run(model, on: data) { progress("evaluating", $0, $1) }
        var report = Report(model: path, fileBytes: fileBytes, samples: data.sampleCount, accuracy: nil, referenceAccuracy: nil, top1Agreement: nil,
                            outputs: [], latencyMilliseconds: result.milliseconds[result.milliseconds.count / 2],
                            runtime: compiled ? "C runtime" : "reference executor")
        let first = model.outputNames[0]
        if let labels = data.labels { report.accuracy = QuantizationPipeline.accuracy(result.outputs[first]!, labels: labels) }
        guard let reference else { return report }
        let expected = try BatchEvaluation.run(reference, on: data) { progress("fp32 reference", $0, $1) }
        for name in model.outputNames {
            guard let values = expected.outputs[name] else { throw EvaluationError("the reference has no output named '\(name)'") }
            report.outputs.append(Metrics.compare(result.outputs[name]!, to: values, output: name))
        }
        let a = Metrics.argmax(result.outputs[first]!, rows: data.sampleCount), b = Metrics.argmax(expected.outputs[first]!, rows: data.sampleCount)
        report.top1Agreement = Double(zip(a, b).filter { $0 == $1 }.count) / Double(data.sampleCount)
        if let labels = data.labels { report.referenceAccuracy = QuantizationPipeline.accuracy(expected.outputs[first]!, labels: labels) }
        return report
    }
}

/// Why an evaluation could not be made, in one line.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
