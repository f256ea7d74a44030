import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgeOperators
import EdgePasses
import Foundation
import Testing

/// An int8 file always loads: a channel whose weights are tiny beside its bias (a dead channel of
/// a trained network) would need an int32 bias beyond what the runtime's accumulator check
/// accepts; the quantizer widens that channel's weight scale instead of writing a file the
/// runtime refuses, and says so.
@Suite("Int8 accumulator bound")
struct AccumulatorBoundTests {
    /// The prepared digits CNN with output channel 0 of its first convolution nearly dead:
    /// weights scaled by 1e-7, bias 2.
    static func deadChannelDigits() throws -> Graph {
        var graph = try StandardPipeline.prepare(try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx")).graph, fuseClampsOnly: true)
        let conv = try #require(graph.nodes.first { if case .conv = $0.operation { return true }; return false })
        let w = try #require(conv.input(1)), b = try #require(conv.input(2))
        var weights = try #require(graph.constants[w]?.floats), bias = try #require(graph.constants[b]?.floats)
        let perChannel = weights.count / bias.count
        for i in 0..<perChannel { weights[i] *= 1e-7 }
        bias[0] = 2
        graph.constants[w] = Tensor(shape: graph.constants[w]!.shape, floats: weights)
        graph.constants[b] = Tensor(shape: [bias.count], floats: bias)
        return graph
    }

    @Test func aDeadChannelGetsAWiderScaleAndTheFileLoads() throws {
        let graph = try Self.deadChannelDigits()
        let calibration = try CompressionTests.data("digits_calib.npz")
        let result = try QuantizationPipeline.run(prepared: graph, data: calibration, options: QuantizationOptions(method: .minmax),
                                                  writer: .init(), metadata: [], measure: false)
        #expect(result.report.widened.count == 1, "\(result.report.widened)")
        #expect(result.report.widened.first?.reason?.hasPrefix("1 output channel's weight scale was widened") == true, "\(result.report.widened)")
        #expect(result.report.float.isEmpty, "\(result.report.float)")
        // The runtime accepts the file, and the model still computes what fp32 does.
        let device = try DeviceRunner(try DeviceModel(data: result.file.data))
        let test = try CompressionTests.data("digits_test.npz")
        let int8 = try BatchEvaluation.run(device, on: test).outputs["logits"]!
        let fp32 = try BatchEvaluation.run(try ReferenceExecutor(graph: graph), on: test).outputs["logits"]!
        let comparison = Metrics.compare(int8, to: fp32, output: "logits")
        print(String(format: "dead-channel digits int8: SQNR %.1f dB against fp32", comparison.sqnr))
        #expect(comparison.sqnr >= 30)
    }

    /// The bound as the runtime states it, checked on exact integers.
    @Test func theBoundIsTheRuntimes() {
        let weights = Tensor(shape: [2, 3], storage: .int8([127, -127, 127, 1, 0, 0]))
        #expect(AccumulatorBound.fits(weights: weights, axis: 0, bias: Tensor(shape: [2], storage: .int32([1000, -2_000_000_000]))))
        #expect(!AccumulatorBound.fits(weights: weights, axis: 0, bias: Tensor(shape: [2], storage: .int32([Int32.max - 3 * 127 * 255 + 1, 0]))))
        #expect(AccumulatorBound.fits(weights: weights, axis: 0, bias: Tensor(shape: [2], storage: .int32([Int32.max - 3 * 127 * 255, 0]))))
    }
}
