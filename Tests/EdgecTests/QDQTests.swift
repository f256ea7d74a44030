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
import Testing

/// Quantization as operators: the fake-quantized graph exported as ONNX QDQ agrees with the int8
/// `.edgem` when onnxruntime runs it and when edgec's Swift executor runs it; QDQ models come back
/// in through `edgec compile`, ours and onnxruntime's quantizer's alike.
@Suite("ONNX QDQ export and import", .serialized)
struct QDQTests {
    static func agreement(_ actual: [Float], _ expected: [Float], classes: Int) -> (sqnr: Double, top1: Double) {
        let sqnr = Metrics.compare(actual.map(Double.init), to: expected.map(Double.init), output: "logits").sqnr
        let rows = expected.count / classes
        let a = Metrics.argmax(actual.map(Double.init), rows: rows), e = Metrics.argmax(expected.map(Double.init), rows: rows)
        return (sqnr, Double(zip(a, e).filter { $0 == $1 }.count) / Double(max(rows, 1)))
    }

    /// Writes the QDQ export of `result` and returns the path.
    static func export(_ result: QuantizationPipeline.Result, name: String) throws -> URL {
        let url = try EdgecBinary.temporaryDirectory().appendingPathComponent(name + ".qdq.onnx")
        try ONNXExport.write(result.fakeQuantized, producer: "edgec tests").write(to: url)
        return url
    }

    /// The exported model as `edgec run` executes it: imported, prepared, on the Swift executor.
    static func swiftRun(_ url: URL, inputs: [String: Tensor], output: String, sampleShape: [Int]) throws -> [Float] {
        let model = try ONNXModel(contentsOf: url.path)
        let graph = try StandardPipeline.prepare(model.graph, inputShapes: inputs.mapValues { _ in sampleShape })
        let executor = try ReferenceExecutor(graph: graph)
        let (name, batch) = inputs.first!
        let size = sampleShape.reduce(1, *)
        var result: [Float] = []
        for i in 0..<(batch.shape[0]) {
            let sample = Tensor(shape: sampleShape, floats: Array(batch.floats![(i * size)..<((i + 1) * size)]))
            result += try executor.run([name: sample])[output]!.floats!
        }
        return result
    }

    @Test func digitsExportAgreesWithTheInt8File() throws {
        let result = try CompressionTests.quantize(.percentile, measure: false)
        let test = try CompressionTests.data("digits_test.npz")
        let inputs = ["input": test.arrays["input"]!]
        let device = try DeviceRunner(try DeviceModel(data: result.file.data)).run(inputs)["logits"]!.floats!
        let url = try Self.export(result, name: "digits")

        let onnxruntime = try OnnxRuntimeReference.run(model: url, inputs: inputs)["logits"]!.floats!
        let byOnnxruntime = Self.agreement(onnxruntime, device, classes: 10)
        let swift = try Self.swiftRun(url, inputs: inputs, output: "logits", sampleShape: [1, 1, 8, 8])
        let bySwift = Self.agreement(swift, device, classes: 10)
        print(String(format: "digits QDQ export: onnxruntime vs .edgem %.1f dB, top-1 %.2f%%; edgec run vs .edgem %.1f dB, top-1 %.2f%%; Swift vs onnxruntime max |diff| %g",
                     byOnnxruntime.sqnr, 100 * byOnnxruntime.top1, bySwift.sqnr, 100 * bySwift.top1,
                     zip(swift, onnxruntime).map { abs($0 - $1) }.max() ?? 0))
        #expect(byOnnxruntime.top1 >= 0.99 && byOnnxruntime.sqnr >= 30, "\(byOnnxruntime)")
        #expect(bySwift.top1 >= 0.99 && bySwift.sqnr >= 30, "\(bySwift)")

        // Compiling the export gives the very file's outputs: the scales survive the round trip.
        let compiled = try StandardPipeline.deploy(try ONNXModel(contentsOf: url.path).graph)
        let recompiled = try DeviceRunner(try DeviceModel(data: try EdgemWriter.write(compiled).data)).run(inputs)["logits"]!.floats!
        #expect(recompiled == device)
    }

    @Test func squeezenetExportAgreesWithTheInt8File() throws {
        let summary = try JSONDecoder().decode(FidelityTests.Summary.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fidelity/squeezenet_fidelity.json"))))
        let graph = try FidelityTests.model(summary)
        let shape = [1, 3, 224, 224]
        let calibration = try CalibrationData(arrays: FidelityTests.images(summary.calibration_images, input: summary.input),
                                              inputs: [(name: summary.input, type: TensorType(.float32, shape))], source: "synthetic")
        let result = try QuantizationPipeline.run(prepared: graph, data: calibration, options: QuantizationOptions(method: .percentile),
                                                  writer: .init(), metadata: [], measure: false)
        let inputs = FidelityTests.images(summary.evaluation_images, input: summary.input)
        let device = try DeviceRunner(try DeviceModel(data: result.file.data)).run(inputs)[summary.logits]!.floats!
        let url = try Self.export(result, name: "squeezenet")
        let onnxruntime = try OnnxRuntimeReference.run(model: url, inputs: inputs)[summary.logits]!.floats!
        let byOnnxruntime = Self.agreement(onnxruntime, device, classes: 1000)
        let swift = try Self.swiftRun(url, inputs: inputs, output: summary.logits, sampleShape: shape)
        let bySwift = Self.agreement(swift, device, classes: 1000)
        print(String(format: "squeezenet QDQ export: onnxruntime vs .edgem %.1f dB, top-1 %.0f%%; edgec run vs .edgem %.1f dB, top-1 %.0f%%",
                     byOnnxruntime.sqnr, 100 * byOnnxruntime.top1, bySwift.sqnr, 100 * bySwift.top1))
        #expect(byOnnxruntime.top1 >= 0.99 && byOnnxruntime.sqnr >= 30, "\(byOnnxruntime)")
        #expect(bySwift.top1 >= 0.99 && bySwift.sqnr >= 30, "\(bySwift)")
    }

    /// A digits CNN quantized elsewhere (`path`: onnxruntime's quantizer, PyTorch's QAT export),
    /// compiled as `edgec compile` does. Returns the deployed graph, the file's operator kinds and
    /// the runtime's logits over the 450 test digits.
    static func compileQuantizedDigits(_ path: String) throws -> (graph: Graph, kinds: [String], logits: Tensor) {
        let graph = try StandardPipeline.deploy(try ONNXModel(contentsOf: Fixtures.path(path)).graph)
        let file = try EdgemWriter.write(graph)
        let kinds = try EdgemFile(data: file.data, source: path).operators.map(\.kindName)
        let test = try CompressionTests.data("digits_test.npz")
        let logits = try DeviceRunner(try DeviceModel(data: file.data)).run(["input": test.arrays["input"]!])["logits"]!
        return (graph, kinds, logits)
    }

    /// A QAT export's Conv-BatchNorm, Conv(DQ(int8 weights)) / d then BatchNormalization, folds into
    /// the convolution with the trained integers kept and the factors in the per-channel scales. A
    /// negative factor (gamma < 0) makes a negative scale until lowering, which negates that
    /// channel's integers; a channel holding -128, which cannot be negated, is quantized again.
    /// Either way the convolution runs in int8 and gives what the graph as written computes.
    @Test(arguments: [Int8(-127), -128])
    func batchNormalizationFoldsIntoQuantizedWeights(_ extreme: Int8) throws {
        var graph = Graph(name: "qat-conv-bn")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: [1, 2, 3, 3].map { .fixed($0) })]
        func node(_ operation: EdgeIR.Operation, _ inputs: [ValueID?], quantization: QuantizationParameters? = nil) -> ValueID {
            let output = graph.addValue(name: "v\(graph.values.count)")
            graph.values[output].quantization = quantization
            graph.nodes.append(Node(name: "n\(graph.nodes.count)", operation: operation, inputs: inputs, outputs: [output]))
            return output
        }
        func constant(_ values: [Float], _ shape: [Int]) -> ValueID { graph.addConstant(name: "c\(graph.values.count)", Tensor(shape: shape, floats: values)) }
        let input = node(.dequantizeLinear, [node(.quantizeLinear, [x], quantization: QuantizationParameters(scale: 0.05, zeroPoint: 0))])
        let trained = Tensor(shape: [3, 2, 1, 1], storage: .int8([extreme, 5, 100, -3, 7, 127]))
        let integers = graph.addConstant(name: "w.int8", trained)
        graph.values[integers].quantization = QuantizationParameters(scales: [0.01, 0.02, 0.03], zeroPoints: [0, 0, 0], axis: 0)
        let conv = node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), [input, node(.dequantizeLinear, [integers]), constant([0, 0, 0], [3])])
        let divided = node(.binary(.div, activation: nil), [conv, constant([0.5, 2, 1.5], [1, 3, 1, 1])])
        let normalized = node(.batchNormalization(epsilon: 1e-5), [divided, constant([-1, 0.5, 2], [3]), constant([0.1, -0.2, 0.3], [3]),
                                                                   constant([0.05, 0, -0.1], [3]), constant([4, 1, 0.25], [3])])
        graph.outputs = [node(.dequantizeLinear, [node(.quantizeLinear, [normalized], quantization: QuantizationParameters(scale: 0.02, zeroPoint: 0))])]

        let prepared = try StandardPipeline.prepare(graph)
        #expect(prepared.nodes.map(\.operation.kindName) == ["QuantizeLinear", "DequantizeLinear", "DequantizeLinear", "Conv", "QuantizeLinear", "DequantizeLinear"])
        let weights = try #require(prepared.nodes[2].input(0))
        #expect(prepared.constants[weights] == trained, "the trained integers are kept")
        let factors: [Float] = [-1 / 2 / 0.5, 0.5 / 1 / 2, 2 / 0.5 / 1.5]  // gamma / sqrt(var) / d
        let scales = try #require(prepared.values[weights].quantization?.scales)
        #expect(zip(scales, zip([0.01, 0.02, 0.03], factors).map(*)).allSatisfy { abs($0 - $1) <= 1e-4 * abs($1) }, "\(scales)")

        let deployed = try StandardPipeline.deploy(graph)
        let file = try EdgemWriter.write(deployed)
        #expect(try EdgemFile(data: file.data, source: "qat").operators.map(\.kindName) == ["QUANTIZE", "CONV_INT8", "DEQUANTIZE"])
        let lowered = try #require(deployed.nodes.first { $0.operation.kindName == "Conv" }?.input(1))
        let loweredScales = try #require(deployed.values[lowered].quantization?.scales)
        #expect(loweredScales.allSatisfy { $0 > 0 }, "\(loweredScales)")
        if extreme == -127 {
            #expect(deployed.constants[lowered] == Tensor(shape: [3, 2, 1, 1], storage: .int8([127, -5, 100, -3, 7, 127])), "channel 0 negated")
        }
        let sample = Tensor(shape: [1, 2, 3, 3], floats: (0..<18).map { Float($0) * 0.4 - 3.5 })
        let asWritten = try ReferenceExecutor(graph: try StandardPipeline.analyze(graph)).run(["x": sample]).values.first!.floats!
        let device = try DeviceRunner(try DeviceModel(data: file.data)).run(["x": sample]).values.first!.floats!
        // Exact in int8 up to one output step; a requantized channel within a few.
        let steps = zip(asWritten, device).map { abs($0 - $1) / 0.02 }.max() ?? 0
        #expect(steps <= (extreme == -127 ? 1.01 : 3), "\(asWritten) vs \(device)")
    }

    /// The digits CNN with every layer int8.
    static let int8DigitsKinds = ["QUANTIZE", "CONV_INT8", "CONV_INT8", "MAX_POOL", "CONV_INT8", "RESHAPE", "GEMM_INT8", "GEMM_INT8", "DEQUANTIZE"]

    /// onnxruntime's static quantizer (per-channel QDQ, int8 and uint8 activations) in, every
    /// operator int8 out, agreeing with onnxruntime's own run of the QDQ model.
    @Test(arguments: ["digits_s8s8", "digits_u8s8"])
    func onnxruntimeQuantizedModelsCompileToInt8(_ name: String) throws {
        let compiled = try Self.compileQuantizedDigits("qdq/\(name).onnx")
        #expect(compiled.kinds == Self.int8DigitsKinds, "\(compiled.kinds)")
        let logits = compiled.logits.floats!
        let expected = try #require(try NumPyFiles.read(Fixtures.path("qdq/\(name)_logits.npy"))[""]?.floats)
        let agreement = Self.agreement(logits, expected, classes: 10)
        print(String(format: "%@ from onnxruntime's quantizer: .edgem vs onnxruntime %.1f dB, top-1 %.2f%%", name, agreement.sqnr, 100 * agreement.top1))
        #expect(agreement.top1 >= 0.99 && agreement.sqnr >= 30, "\(agreement)")
    }

    /// The verbs as a user runs them: quantize with --export-onnx, run the QDQ file, compile it;
    /// an --export-onnx path equal to an input is refused and leaves nothing behind.
    @Test func exportRunAndCompileThroughTheCommandLine() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let model = Fixtures.path("digits/digits_cnn.onnx"), calib = Fixtures.path("digits/digits_calib.npz")
        let edgem = directory.appendingPathComponent("digits.int8.edgem").path, qdq = directory.appendingPathComponent("digits.qdq.onnx").path
        let quantized = try EdgecBinary.run(["quantize", model, "--calib", calib, "-o", edgem, "--export-onnx", qdq, "--no-measure"])
        #expect(quantized.status == 0, "\(quantized.standardError)")
        #expect(quantized.standardOutput.contains("ONNX QDQ"), "\(quantized.standardOutput)")
        let logits = directory.appendingPathComponent("logits.npy").path
        let ran = try EdgecBinary.run(["run", qdq, "--input", "input=" + Fixtures.path("digits/digits_sample.npy"), "-o", logits])
        #expect(ran.status == 0 && FileManager.default.fileExists(atPath: logits), "\(ran.standardError)")
        let recompiled = directory.appendingPathComponent("again.edgem").path
        let compiled = try EdgecBinary.run(["compile", qdq, "-o", recompiled])
        #expect(compiled.status == 0, "\(compiled.standardError)")
        let kinds = try EdgemFile(data: try Data(contentsOf: URL(fileURLWithPath: recompiled)), source: "again").operators.map(\.kindName)
        #expect(kinds.filter { $0.hasSuffix("_INT8") }.count == 5, "\(kinds)")

        let other = directory.appendingPathComponent("other.edgem").path
        let refused = try EdgecBinary.run(["quantize", model, "--calib", calib, "-o", other, "--export-onnx", model, "--no-measure"])
        #expect(refused.status == 1 && refused.standardError.contains("would overwrite the input"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: other))
    }

    /// Weights quantized another way — per tensor with a zero point, as onnxruntime quantizes
    /// weights it finds in Constant nodes — are quantized again symmetric per channel at lowering,
    /// so the layer still runs in int8, and the model still computes what it did.
    @Test func asymmetricWeightsAreQuantizedAgainForTheRuntime() throws {
        var graph = try ONNXModel(contentsOf: Fixtures.path("qdq/digits_s8s8.onnx")).graph
        var changed = 0
        for node in graph.nodes {
            guard case .dequantizeLinear = node.operation, let w = node.input(0), let weights = graph.constants[w], weights.rank == 4,
                  let q = graph.values[w].quantization else { continue }
            let real = q.dequantize(weights)
            let asymmetric = QuantizationParameters.asymmetricInt8(low: real.floats!.min()!, high: real.floats!.max()!)
            graph.setConstant(w, asymmetric.quantize(real))
            graph.values[w].quantization = asymmetric
            changed += 1
        }
        #expect(changed == 3, "the digits CNN has 3 convolutions")
        let file = try EdgemWriter.write(try StandardPipeline.deploy(graph))
        let kinds = try EdgemFile(data: file.data, source: "asymmetric").operators.map(\.kindName)
        #expect(kinds.filter { $0 == "CONV_INT8" }.count == 3, "\(kinds)")
        let test = try CompressionTests.data("digits_test.npz")
        let logits = try DeviceRunner(try DeviceModel(data: file.data)).run(["input": test.arrays["input"]!])["logits"]!.floats!
        let expected = try #require(try NumPyFiles.read(Fixtures.path("qdq/digits_s8s8_logits.npy"))[""]?.floats)
        let agreement = Self.agreement(logits, expected, classes: 10)
        print(String(format: "asymmetric per-tensor conv weights, quantized again: .edgem vs onnxruntime %.1f dB, top-1 %.2f%%", agreement.sqnr, 100 * agreement.top1))
        #expect(agreement.top1 >= 0.99 && agreement.sqnr >= 30, "\(agreement)")
    }
}
