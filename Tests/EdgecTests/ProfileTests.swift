import EdgeDevice
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgeOperators
import EdgePasses
import Foundation
import Testing

/// The per-operator profile of a compiled model: every operator once, its multiply-accumulates as
/// the graph counts them, through `edgec run --profile` as a user runs it.
@Suite("Per-operator profile")
struct ProfileTests {
    @Test func everyOperatorIsTimedWithItsMACs() throws {
        let graph = try StandardPipeline.prepare(try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx")).graph)
        let device = try DeviceModel(data: try EdgemWriter.write(graph).data)
        let sample = try #require(try NumPyFiles.read(Fixtures.path("digits/digits_sample.npy"))[""])
        let profile = try device.profile(["input": sample], runs: 5)
        #expect(profile.map(\.index) == Array(0..<device.operatorCount))
        #expect(profile.map(\.kind) == ["CONV", "CONV", "MAX_POOL", "CONV", "RESHAPE", "GEMM", "GEMM"], "\(profile.map(\.kind))")
        // The runtime's MACs equal the compiler's (Operators.macs), layer by layer.
        let expected = graph.nodes.map { Operators.macs(of: $0, in: graph) }
        #expect(profile.map(\.macs) == expected, "\(profile.map(\.macs)) vs \(expected)")
        #expect(profile[0].outputShape == [1, 16, 8, 8] && profile[0].outputDType == .float32)
    }

    @Test func runProfilePrintsTheTable() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let edgem = directory.appendingPathComponent("digits.edgem").path
        #expect(try EdgecBinary.run(["compile", Fixtures.path("digits/digits_cnn.onnx"), "-o", edgem]).status == 0)
        let result = try EdgecBinary.run(["run", edgem, "--input", Fixtures.path("digits/digits_sample.npy"), "-o", directory.appendingPathComponent("y.npy").path,
                                          "--profile", "--repeat", "3"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("profile  mean per run over 3 run(s)"), "\(result.standardOutput)")
        for kind in ["CONV", "MAX_POOL", "RESHAPE", "GEMM"] { #expect(result.standardOutput.contains(kind)) }
        #expect(result.standardOutput.contains("total "), "\(result.standardOutput)")
        let refused = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn.onnx"), "--input", Fixtures.path("digits/digits_sample.npy"),
                                           "-o", directory.appendingPathComponent("z.npy").path, "--profile"])
        #expect(refused.status == 1 && refused.standardError.contains("compiled .edgem"), "\(refused.standardError)")
    }
}
