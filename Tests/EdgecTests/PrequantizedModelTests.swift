import EdgeDevice
import EdgeEvaluation
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// Models that arrive quantized by onnxruntime outside the QDQ format: its QOperator format
/// (QLinearConv, QLinearMatMul, QGemm, ...) compiles to int8 operators with the scales it carries,
/// its dynamic quantization (DynamicQuantizeLinear, MatMulInteger, ConvInteger) runs in float; both
/// agree with onnxruntime running the same quantized file (Tests/Fixtures/make_prequant_models.py,
/// and the quantized operator cases of make_op_cases.py).
@Suite("Models quantized by onnxruntime", .serialized)
struct PrequantizedModelTests {
    /// The operator cases of make_op_cases.py's `prequantized_cases`, with the int8 kinds each
    /// compiles to (LOOKUP is an int8 table). A QLinearMatMul of two activations has no int8 kernel,
    /// and the runtime's int8 average pools keep their input's scale, so a pool to another scale
    /// runs in float between its DEQUANTIZE and QUANTIZE.
    static let operatorCases: [(name: String, int8: [String])] = [
        ("qlinearconv_u8", ["CONV_INT8"]), ("qlinearconv_s8", ["CONV_INT8"]), ("qlinearmatmul_u8", ["GEMM_INT8"]),
        ("qlinearmatmul_two_activations", []), ("qgemm_transB", ["GEMM_INT8"]), ("qgemm_alpha", ["GEMM_INT8"]), ("qlinearadd", ["ADD_INT8"]), ("qlinearmul", ["MUL_INT8"]),
        ("qlinearglobalaveragepool", []), ("qlinearsigmoid", ["LOOKUP"]), ("qlinearleakyrelu", ["LOOKUP"]),
        ("qlinearsoftmax_u8", ["SOFTMAX_INT8"]), ("qlinearsoftmax_s8", ["SOFTMAX_INT8"]), ("qlinearconcat", ["CONCAT_INT8"]), ("qlinearaveragepool", ["AVERAGE_POOL_INT8"]), ("dynamicquantizelinear", []), ("dynamicquantizelinear_negative", []),
        ("matmulinteger_dynamic", []), ("convinteger_dynamic", []), ("dynamic_quantized_linear", []),
    ]

    /// The scale of the int8 value a graph output is dequantized from, if it is one.
    static func outputStep(_ graph: Graph, _ output: ValueID) -> Float? {
        guard let node = graph.nodes.first(where: { $0.outputs.contains(output) }), case .dequantizeLinear = node.operation,
              let q = graph.values[node.input(0)!].quantization else { return nil }
        return q.scale
    }

    /// Each case compiled as `edgec compile` does (int8 where a kernel fits) and run by the C
    /// runtime, against onnxruntime. A dequantized int8 output may differ by one step of its scale:
    /// the runtime requantizes with a 32-bit fixed-point multiplier and rounds half away from zero,
    /// onnxruntime with a float multiplier and half to even. Float and integer outputs (the dynamic
    /// operators) match to the conformance suite's 1e-4 relative.
    @Test(arguments: operatorCases.map(\.name))
    func operatorCompilesAndAgreesWithOnnxRuntime(_ name: String) throws {
        let fixture = try CompiledFixture.operatorCase(name)
        let graph = try StandardPipeline.deploy(try ONNXModel(contentsOf: Fixtures.path("ops/\(name).onnx")).graph, inputShapes: fixture.inputs.mapValues(\.shape))
        let file = try EdgemWriter.write(graph)
        let kinds = try EdgemFile(data: file.data, source: name).operators.map(\.kindName)
        let expected = Self.operatorCases.first { $0.name == name }!.int8
        #expect(kinds.filter { $0.hasSuffix("_INT8") || $0 == "LOOKUP" } == expected, "\(name): \(kinds)")
        let outputs = try DeviceModel(data: file.data).run(fixture.inputs)
        let golden = try NumPyFiles.read(Fixtures.path("ops/\(name).npz"))
        for id in graph.outputs {
            let output = graph.name(of: id)
            let reference = try #require(golden[output])
            if let step = Self.outputStep(graph, id) {
                let actual = try #require(outputs[output])
                let difference = maxAbsoluteDifference(actual, reference)
                let exact = zip(actual.storage.doubles, reference.storage.doubles).filter { abs($0 - $1) < Double(step) / 2 }.count
                print(String(format: "%@ %@: int8 vs onnxruntime max |diff| %.3g steps, %d of %d values equal", name, output, difference / Double(step), exact, reference.elementCount))
                #expect(difference <= 1.01 * Double(step), "\(name) \(output): max |diff| \(difference) beyond one step \(step)")
            } else {
                expectMatches(outputs[output], reference, "\(name) output \(output)")
            }
        }
    }

    static func logits(_ name: String) throws -> [Float] {
        try #require(try NumPyFiles.read(Fixtures.path("prequant/\(name)_logits.npy"))[""]?.floats)
    }

    /// onnxruntime's QOperator digits CNN (uint8 and int8 activations): every layer int8, with the
    /// model's own scales. The logits come out of int8 layers whose roundings may each differ from
    /// onnxruntime's by a step, so they are held to the QDQ suite's bar — at least 30 dB SQNR and
    /// 99% top-1 agreement over the 450 test digits — and a step count is printed.
    @Test(arguments: ["digits_qop_u8s8", "digits_qop_s8s8"])
    func qOperatorDigitsCompileToInt8(_ name: String) throws {
        let (graph, kinds, compiled) = try QDQTests.compileQuantizedDigits("prequant/\(name).onnx")
        #expect(kinds == QDQTests.int8DigitsKinds, "\(kinds)")
        let logits = compiled.floats!
        let test = try CompressionTests.data("digits_test.npz")
        let expected = try Self.logits(name)
        let agreement = QDQTests.agreement(logits, expected, classes: 10)
        let step = try #require(Self.outputStep(graph, graph.outputs[0]))
        let steps = zip(logits, expected).map { abs($0 - $1) / step }
        print(String(format: "%@ (onnxruntime QOperator) compiled by edgec vs onnxruntime: %.1f dB, top-1 %.2f%%, max |diff| %.0f steps, %.1f%% of logits equal",
                     name, agreement.sqnr, 100 * agreement.top1, steps.max() ?? 0, 100 * Double(steps.filter { $0 < 0.5 }.count) / Double(steps.count)))
        #expect(agreement.top1 >= 0.99 && agreement.sqnr >= 30, "\(agreement)")

        // `edgec run` executes the same model on the Swift executor, in float with the same scales.
        let swift = try QDQTests.swiftRun(URL(fileURLWithPath: Fixtures.path("prequant/\(name).onnx")), inputs: ["input": test.arrays["input"]!], output: "logits", sampleShape: [1, 1, 8, 8])
        let bySwift = QDQTests.agreement(swift, expected, classes: 10)
        #expect(bySwift.top1 >= 0.99 && bySwift.sqnr >= 30, "\(bySwift)")
    }

    /// PyTorch's quantization-aware training, exported as PyTorch exports it (make_qat_export.py):
    /// zero points through Identity nodes, a Clip of the quantized integers to the observer's
    /// reduced range between each QuantizeLinear and DequantizeLinear, float weights quantized in
    /// the graph. `digits_torch_qat` writes each Conv-BatchNorm as the quantized Conv, a Div and an
    /// Add by per-channel constants and a BatchNormalization, which fold into the convolution's
    /// per-channel scales and bias with the trained integers kept; `digits_torch_qat_relu` is
    /// Conv-ReLU, the clamp to the observer's range fused into the convolution. Either way both
    /// convolutions run in int8, nothing of the BatchNormalization is left in float, and the
    /// result agrees with onnxruntime's run of the same file at the QDQ suite's bar.
    @Test(arguments: ["digits_torch_qat", "digits_torch_qat_relu"])
    func pytorchQATConvolutionsRunInInt8(_ name: String) throws {
        let (_, kinds, logits) = try QDQTests.compileQuantizedDigits("prequant/\(name).onnx")
        #expect(kinds.filter { $0.hasPrefix("CONV") } == ["CONV_INT8", "CONV_INT8"], "\(kinds)")
        #expect(!kinds.contains("BATCH_NORMALIZATION") && !kinds.contains("BINARY"), "\(kinds)")
        let agreement = QDQTests.agreement(logits.floats!, try Self.logits(name), classes: 10)
        print(String(format: "%@ (PyTorch QAT export) compiled by edgec vs onnxruntime: %.1f dB, top-1 %.2f%%; %@", name, agreement.sqnr,
                     100 * agreement.top1, kinds.joined(separator: " ")))
        #expect(agreement.top1 >= 0.99 && agreement.sqnr >= 30, "\(agreement)")
    }

    /// onnxruntime's quantize_dynamic digits CNN: no int8 kernel takes a scale computed at run
    /// time, so the layers run in float, computing exactly what onnxruntime's integer kernels do
    /// (the integer products are exact in float32 at this size): 1e-4 relative, the conformance bar.
    @Test func dynamicDigitsRunInFloat() throws {
        let name = "digits_dynamic"
        let (_, kinds, logits) = try QDQTests.compileQuantizedDigits("prequant/\(name).onnx")
        #expect(!kinds.contains { $0.hasSuffix("_INT8") }, "\(kinds)")
        let expected = Tensor(shape: logits.shape, floats: try Self.logits(name))
        let difference = expectMatches(logits, expected, "digits_dynamic logits")
        let agreement = QDQTests.agreement(logits.floats!, expected.floats!, classes: 10)
        print(String(format: "digits_dynamic (onnxruntime quantize_dynamic) compiled by edgec vs onnxruntime: max |diff| %g, %.1f dB, top-1 %.2f%%; %d operators",
                     difference, agreement.sqnr, 100 * agreement.top1, kinds.count))
    }

    /// `edgec compile` says what runs in int8 and what fell back to float.
    @Test func compileSummarySaysWhatIsInt8() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let qop = try EdgecBinary.run(["compile", Fixtures.path("prequant/digits_qop_u8s8.onnx"), "-o", directory.appendingPathComponent("qop.edgem").path])
        #expect(qop.status == 0, "\(qop.standardError)")
        #expect(qop.standardOutput.contains("quantized  3 QLinearConv, 2 QGemm, 1 DequantizeLinear, 1 QuantizeLinear -> int8: CONV_INT8 ×3, GEMM_INT8 ×2; float fallback: none"), "\(qop.standardOutput)")
        let dynamic = try EdgecBinary.run(["compile", Fixtures.path("prequant/digits_dynamic.onnx"), "-o", directory.appendingPathComponent("dynamic.edgem").path])
        #expect(dynamic.status == 0, "\(dynamic.standardError)")
        #expect(dynamic.standardOutput.contains("5 DynamicQuantizeLinear, 3 ConvInteger, 2 MatMulInteger -> int8: none; float fallback: CONV ×3"), "\(dynamic.standardOutput)")
        #expect(dynamic.standardOutput.contains("run in float"), "\(dynamic.standardOutput)")
        let float = try EdgecBinary.run(["compile", Fixtures.path("digits/digits_cnn.onnx"), "-o", directory.appendingPathComponent("float.edgem").path])
        #expect(float.status == 0 && !float.standardOutput.contains("quantized"), "\(float.standardOutput)")
    }
}
