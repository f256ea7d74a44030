import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// Quantization fidelity on a larger model: squeezenet from the light set with pseudo-random
/// He-uniform weights up to its logits, calibrated on 8 synthetic images and evaluated on 4
/// (Tests/Fixtures/make_squeezenet_fidelity.py defines the formulas and recorded onnxruntime's
/// fp32 logits and the SQNR of onnxruntime's own static int8 quantizer on the same data).
@Suite("Quantization fidelity on squeezenet", .serialized)
struct FidelityTests {
    struct Summary: Decodable {
        var input: String
        var logits: String
        var calibration_images: [Int]
        var evaluation_images: [Int]
        var onnxruntime_int8_sqnr_percentile: Double
    }

    /// The fixture script's stream: xorshift32 seeded with FNV-1a of `name`, mapped to [-1, 1).
    static func stream(_ name: String, count: Int) -> [Float] {
        var state: UInt32 = 0x811C_9DC5
        for byte in name.utf8 { state = (state ^ UInt32(byte)) &* 0x0100_0193 }
        if state == 0 { state = 1 }
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return Float(state >> 8) / Float(1 << 24) * 2 - 1
        }
    }

    static func image(_ index: Int) -> [Float] { stream("image/\(index)", count: 3 * 224 * 224).map { $0 * 2 } }

    static func images(_ indices: [Int], input: String) -> [String: Tensor] {
        [input: Tensor(shape: [indices.count, 3, 224, 224], floats: indices.flatMap(image))]
    }

    /// The light squeezenet, prepared, with the formula weights and without its final Softmax.
    static func model(_ summary: Summary) throws -> Graph {
        let onnx = try ONNXModel(contentsOf: Fixtures.path("light/squeezenet.onnx"))
        var graph = try StandardPipeline.prepare(onnx.graph, inputShapes: [summary.input: [1, 3, 224, 224]], fuseClampsOnly: true)
        var replaced = 0
        for node in graph.nodes {
            guard case .conv = node.operation, let weight = node.input(1), let w = graph.constants[weight] else { continue }
            let fanIn = w.shape.dropFirst().reduce(1, *)
            let scale = Float(sqrt(6.0 / Double(fanIn)))
            graph.constants[weight] = Tensor(shape: w.shape, floats: stream(graph.name(of: weight), count: w.storage.count).map { $0 * scale })
            if let bias = node.input(2), let b = graph.constants[bias] {
                graph.constants[bias] = Tensor(shape: b.shape, floats: stream(graph.name(of: bias), count: b.storage.count).map { $0 * Float(0.01) })
            }
            replaced += 1
        }
        #expect(replaced == 26, "squeezenet has 26 convolutions")
        let softmax = try #require(graph.nodes.last)
        guard case .softmax = softmax.operation else { throw ExecutionError.invalidInput("squeezenet should end with Softmax, not \(softmax.operation.kindName)") }
        graph.nodes.removeLast()
        graph.outputs = [try #require(softmax.input(0))]
        #expect(graph.name(of: graph.outputs[0]) == summary.logits)
        return try EliminateDeadValues().run(graph)
    }

    @Test func int8SqueezenetIsAtLeastAsFaithfulAsOnnxruntime() throws {
        let summary = try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("fidelity/squeezenet_fidelity.json"))))
        let expected = try #require(try NumPyFiles.read(Fixtures.path("fidelity/squeezenet_logits.npy"))[""]?.floats)
        let graph = try Self.model(summary)

        // The regenerated model is the one onnxruntime ran: its fp32 logits agree.
        let evaluation = Self.images(summary.evaluation_images, input: summary.input)
        let reference = try ReferenceExecutor(graph: graph)
        var fp32: [Float] = []
        for index in summary.evaluation_images.indices {
            let sample = Tensor(shape: [1, 3, 224, 224], floats: Array(evaluation[summary.input]!.floats![(index * 150_528)..<((index + 1) * 150_528)]))
            fp32 += try reference.run([summary.input: sample])[summary.logits]!.floats!
        }
        let scale = expected.map(abs).max() ?? 1
        let difference = zip(fp32, expected).map { abs($0 - $1) }.max() ?? 0
        print("squeezenet fp32: max |diff| against onnxruntime \(difference) on logits up to \(scale)")
        #expect(difference <= 1e-4 * max(1, scale))

        let inputs = [(name: summary.input, type: TensorType(.float32, [1, 3, 224, 224]))]
        let calibration = try CalibrationData(arrays: Self.images(summary.calibration_images, input: summary.input), inputs: inputs, source: "synthetic")
        for method in [CalibrationMethod.percentile, .minmax] {
            let result = try QuantizationPipeline.run(prepared: graph, data: calibration, options: QuantizationOptions(method: method),
                                                      writer: .init(), metadata: [], measure: false)
            #expect(result.report.float.isEmpty, "\(result.report.float)")
            let device = try DeviceRunner(try DeviceModel(data: result.file.data))
            let int8 = try device.run(evaluation)[summary.logits]!.floats!
            let ours = Metrics.compare(int8.map(Double.init), to: expected.map(Double.init), output: summary.logits).sqnr
            print(String(format: "squeezenet int8 (%@): SQNR %.2f dB against fp32; onnxruntime's quantizer %.2f dB; file %d bytes",
                         method.rawValue, ours, summary.onnxruntime_int8_sqnr_percentile, result.file.data.count))
            #expect(ours >= summary.onnxruntime_int8_sqnr_percentile - 1, "\(method): \(ours) dB")
        }
    }
}
