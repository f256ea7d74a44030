import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import EdgeRuntime
import Foundation
import Testing

@Suite("Calibration observers")
struct ObserverTests {
    func statistics(_ values: [Float]) -> TensorStatistics {
        var s = TensorStatistics()
        s.observeRange(values)
        s.observeHistogram(values)
        return s
    }

    @Test func minmaxIsTheObservedRangeWidenedToZero() {
        let s = statistics([0.5, 2, 3.25])
        #expect(s.range(.minmax) == (0, 3.25))
        let t = statistics([-4, -1])
        #expect(t.range(.minmax) == (-4, 0))
    }

    /// 100,000 exponentially distributed values (the long tail of post-ReLU activations) plus one
    /// outlier: percentile and entropy clip the outlier, minmax keeps it. (MSE keeps a lone outlier
    /// this far out: its squared clipping error outweighs the rounding noise it saves.)
    @Test func clippingMethodsIgnoreTheTail() {
        let tail = (1...100_000).map { -Float(log(Double($0) / 100_001)) }
        let s = statistics(tail + [50])
        #expect(s.range(.minmax).high == 50)
        let mse = statistics(tail).range(.mse).high
        print("observer mse: clips the tail at \(mse) of \(tail.max()!)")
        #expect(mse < tail.max()! * 0.95 && mse > 2)
        for method in [CalibrationMethod.percentile, .entropy] {
            let high = s.range(method, percentile: 99.9).high
            print("observer \(method): clips at \(high)")
            #expect(high < 20, "\(method) kept the outlier: \(high)")
            #expect(high > 2, "\(method) clipped the bulk: \(high)")
        }
    }

    @Test func asymmetricParametersRepresentZeroExactly() {
        let q = QuantizationParameters.asymmetricInt8(low: -1.3, high: 4.1)
        #expect(q.quantize(0) == Int8(q.zeroPoint))
        #expect(abs(q.scale * Float(Int32(q.quantize(4.1)) - q.zeroPoint) - 4.1) <= q.scale)
    }
}

@Suite("Quantization and pruning end to end", .serialized)
struct CompressionTests {
    static let digits = Fixtures.path("digits/digits_cnn.onnx")

    static func data(_ file: String) throws -> CalibrationData {
        try CalibrationData(arrays: try NumPyFiles.read(Fixtures.path("digits/\(file)")), inputs: [("input", TensorType(.float32, [1, 1, 8, 8]))], source: file)
    }

    static func quantize(_ method: CalibrationMethod, perTensor: Bool = false, keepFloat: Set<String> = [], int8IO: Bool = false,
                         measure: Bool = true) throws -> QuantizationPipeline.Result {
        let prepared = try StandardPipeline.prepare(try ONNXModel(contentsOf: digits).graph, fuseClampsOnly: true)
        return try QuantizationPipeline.run(prepared: prepared, data: try data("digits_calib.npz"),
                                            options: QuantizationOptions(method: method, perTensorWeights: perTensor, keepFloat: keepFloat, int8IO: int8IO),
                                            writer: .init(), metadata: [], measure: measure)
    }

    static func accuracy(of file: Data) throws -> Double {
        let test = try data("digits_test.npz")
        let result = try BatchEvaluation.run(try DeviceRunner(try DeviceModel(data: file)), on: test)
        return QuantizationPipeline.accuracy(result.outputs["logits"]!, labels: test.labels!)
    }

    /// Each observer gives an int8 digits model within a point of fp32 (99.33%) on the test split.
    @Test(arguments: CalibrationMethod.allCases)
    func int8DigitsKeepsItsAccuracy(_ method: CalibrationMethod) throws {
        let result = try Self.quantize(method)
        #expect(result.report.float.isEmpty, "\(result.report.float)")
        #expect(result.report.int8.count == 7)
        let accuracy = try Self.accuracy(of: result.file.data)
        print("int8 digits (\(method)): accuracy \(accuracy), file \(result.file.data.count) bytes, worst layer \(result.layers.first.map { "\($0.node) \($0.sqnr) dB" } ?? "-")")
        #expect(accuracy >= 0.9833, "\(method): \(accuracy)")
        #expect(result.layers.allSatisfy { $0.sqnr > 15 }, "\(result.layers)")
        #expect(Double(result.file.data.count) <= 0.3 * 192_024)
    }

    /// Requantization arrays derived at load and entropy-coded sections change no output byte;
    /// together they bring the int8 digits CNN under a quarter of its ONNX file.
    @Test func derivedRequantizationAndEntropyCodingRunTheSame() throws {
        let result = try Self.quantize(.minmax)
        let stored = try EdgemWriter.write(result.graph, options: .init(deriveRequantization: false))
        let entropy = try EdgemWriter.write(result.graph, options: .init(compression: .entropy))
        let derivedStorage = Edgem.Storage.requantization.rawValue
        #expect(try EdgemFile(data: stored.data, source: "stored").tensors.filter { $0.storage == derivedStorage }.isEmpty)
        #expect(try EdgemFile(data: result.file.data, source: "derived").tensors.filter { $0.storage == derivedStorage }.count == 5)
        #expect(result.file.data.count + 5 * 8 * 16 < stored.data.count, "\(result.file.data.count) vs \(stored.data.count)")
        #expect(Double(entropy.data.count) <= 0.25 * 192_024, "\(entropy.data.count) bytes")
        let test = try Self.data("digits_test.npz")
        var logits: [[Double]] = []
        for file in [stored.data, result.file.data, entropy.data] {
            logits.append(try #require(try BatchEvaluation.run(try DeviceRunner(try DeviceModel(data: file)), on: test).outputs["logits"]))
        }
        #expect(logits[0] == logits[1] && logits[0] == logits[2])
    }

    @Test func perTensorWeightsAndKeepFloat() throws {
        let perTensor = try Self.quantize(.minmax, perTensor: true)
        #expect(try Self.accuracy(of: perTensor.file.data) >= 0.97)
        let mixed = try Self.quantize(.minmax, keepFloat: ["/fc2/Gemm"])
        #expect(mixed.report.float.map(\.node) == ["/fc2/Gemm"])
        #expect(mixed.report.float.first?.reason == "kept float by --keep-float")
        let kinds = try EdgemFile(data: mixed.file.data, source: "mixed").operators.map(\.kindName)
        #expect(kinds.contains("DEQUANTIZE") && kinds.contains("GEMM") && kinds.contains("GEMM_INT8"), "\(kinds)")
        #expect(try Self.accuracy(of: mixed.file.data) >= 0.98)
    }

    /// `--int8-io`: the file's input and output are int8 with the calibrated scale and zero point,
    /// the edge QUANTIZE/DEQUANTIZE are gone, and quantizing the input with `edge_quantize` and
    /// dequantizing the output with `edge_dequantize` gives the float-I/O model's logits exactly.
    @Test func int8InputsAndOutputs() throws {
        let io = try Self.quantize(.percentile, int8IO: true, measure: false)
        let plain = try Self.quantize(.percentile, measure: false)
        let kinds = try EdgemFile(data: io.file.data, source: "io").operators.map(\.kindName)
        #expect(!kinds.contains("QUANTIZE") && !kinds.contains("DEQUANTIZE"), "\(kinds)")
        let device = try DeviceModel(data: io.file.data), reference = try DeviceModel(data: plain.file.data)
        let input = try #require(device.inputs.first), output = try #require(device.outputs.first)
        #expect(input.dtype == .int8 && input.isQuantized && output.dtype == .int8 && output.isQuantized)
        #expect(input.name == "input" && output.name == "logits")
        #expect(reference.inputs.first?.dtype == .float32 && reference.inputs.first?.isQuantized == false)

        let test = try Self.data("digits_test.npz")
        let feeds = ["input": test.arrays["input"]!]
        let expected = try reference.run(feeds)["logits"]!
        let raw = try device.run(feeds)["logits"]!
        guard case .int8 = raw.storage else { Issue.record("the int8-io output is \(raw.dtype)"); return }
        #expect(device.realOutputs(["logits": raw])["logits"] == expected)
        // The same through the public C functions a device would call on its own int8 data.
        let reals = test.arrays["input"]!.floats!
        var ints = [Int8](repeating: 0, count: reals.count)
        edge_quantize(reals, reals.count, input.scale, input.zeroPoint, &ints)
        let fromInts = try device.run(["input": Tensor(shape: test.arrays["input"]!.shape, storage: .int8(ints))])
        #expect(fromInts["logits"] == raw)
        #expect(try Self.accuracy(of: io.file.data) == Self.accuracy(of: plain.file.data))
    }

    @Test func badCalibrationDataIsRefusedBeforeAnyWork() throws {
        let inputs = [("input", TensorType(.float32, [1, 1, 8, 8]))]
        let good = try NumPyFiles.read(Fixtures.path("digits/digits_calib.npz"))["input"]!
        var nan = good.floats!
        nan[17] = .nan
        let cases: [([String: Tensor], String)] = [
            (["image": good], "no array for input 'input'"),
            (["input": good.reshaped([200, 64])], "has shape [200, 64]"),
            (["input": Tensor(shape: [0, 1, 8, 8], floats: [])], "holds no samples"),
            (["input": Tensor(shape: good.shape, floats: nan)], "must be finite"),
            (["input": good, "labels": Tensor(shape: [3], int64s: [1, 2, 3])], "'labels' must be integer class ids"),
        ]
        for (arrays, expected) in cases {
            #expect(throws: CompressionError.self) { try CalibrationData(arrays: arrays, inputs: inputs, source: "calib.npz") }
            do { _ = try CalibrationData(arrays: arrays, inputs: inputs, source: "calib.npz") } catch let error as CompressionError {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
        let graph = try StandardPipeline.prepare(try ONNXModel(contentsOf: Self.digits).graph)
        #expect(throws: CompressionError.self) { try PostTrainingQuantizer.validateKeepFloat(["/nope/Conv"], in: graph) }
    }

    /// 3-D convolutions and pools have no int8 kernel: `edgec quantize` keeps them float, says why,
    /// and quantizes the 2-D layers after them; the file loads and runs close to onnxruntime's fp32.
    @Test func volumetricLayersStayFloat() throws {
        let model = Fixtures.path("ops/conv3d_to_2d_head.onnx")
        let reference = try NumPyFiles.read(Fixtures.path("ops/conv3d_to_2d_head.npz"))
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let calib = directory.appendingPathComponent("calib.npz").path, edgem = directory.appendingPathComponent("video.edgem").path
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        let samples = (0..<(16 * 2 * 4 * 8 * 8)).map { _ -> Float in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state) >> 40) / Float(1 << 22)  // uniform in [-2, 2)
        }
        try NumPyFiles.writeArchive(["x": Tensor(shape: [16, 2, 4, 8, 8], floats: samples)], to: calib)
        let result = try EdgecBinary.run(["quantize", model, "--calib", calib, "-o", edgem])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains("3-D convolutions have no int8 kernel") && result.standardOutput.contains("3-D pooling has no int8 kernel"),
                "\(result.standardOutput)")
        let file = try Data(contentsOf: URL(fileURLWithPath: edgem))
        let kinds = try EdgemFile(data: file, source: "video").operators.map(\.kindName)
        #expect(kinds.prefix(2) == ["CONV", "MAX_POOL"] && kinds.contains("CONV_INT8") && kinds.contains("GEMM_INT8"), "\(kinds)")
        let outputs = try DeviceModel(data: file).run(["x": try #require(reference["x"])])
        expectMatches(outputs["y"], try #require(reference["y"]), "int8 video head against onnxruntime fp32", relative: 0.05)
    }

    /// Element pruning reaches the sparsity in every pruned layer; the compiled file stores the zeros sparsely.
    @Test func elementPruningShrinksTheCompiledFile() throws {
        let model = try ONNXModel(contentsOf: Self.digits)
        let graph = try StandardPipeline.analyze(model.graph)
        let plan = try MagnitudePruner(options: PruningOptions(sparsity: 0.8)).plan(graph)
        for layer in plan.layers where layer.note == nil {
            #expect(abs(Double(layer.zeros) / Double(layer.weights) - 0.8) < 0.01, "\(layer)")
        }
        #expect(plan.layers.filter { $0.note != nil }.map(\.node) == ["/conv1/Conv", "/fc2/Gemm"])
        let pruned = try ONNXWeightFile(contentsOf: Self.digits).rewriting(weights: plan.tensors, groups: [:])
        let dense = try EdgemWriter.write(try StandardPipeline.prepare(model.graph)).data
        let sparse = try EdgemWriter.write(try StandardPipeline.prepare(try ONNXModel(data: pruned, source: "pruned").graph)).data
        #expect(Double(sparse.count) < 0.45 * Double(dense.count), "\(sparse.count) vs \(dense.count)")
    }

    /// Removing channels equals zeroing them when no bias follows: the slim model computes what the
    /// full model computes with those channels' weights and biases set to zero.
    @Test func channelPruningEqualsZeroedChannels() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.digits))
        let model = try ONNXModel(data: bytes, source: "digits")
        let graph = try StandardPipeline.analyze(model.graph)
        let plan = try MagnitudePruner(options: PruningOptions(sparsity: 0.5, granularity: .channel)).plan(graph)
        #expect(plan.layers.filter { $0.removedChannels > 0 }.map(\.node) == ["/conv2/Conv", "/conv3/Conv", "/fc1/Gemm"])
        let slim = try ONNXModel(data: try ONNXWeightFile(data: bytes, source: "digits").rewriting(weights: plan.tensors, groups: [:]), source: "slim")
        let input = ["input": try NumPyFiles.read(Fixtures.path("digits/digits_sample.npy"))[""]!]
        let slimGraph = try StandardPipeline.prepare(slim.graph)
        let slimOutput = try ReferenceExecutor(graph: slimGraph).run(input)["logits"]!
        #expect(GraphStatistics.parameters(slimGraph).count < 20_000)
        // The same model with the removed channels zeroed instead.
        var zeroed = graph
        for layer in plan.layers where layer.removedChannels > 0 {
            let node = graph.nodes.first { $0.name == layer.node }!
            let full = graph.constants[node.input(1)!]!
            let axis = MagnitudePruner.outputAxis(node, weight: full)!
            let zeroChannels = Set(layer.removedChannelIndices)
            let inner = full.shape[(axis + 1)...].reduce(1, *)
            var values = full.floats!
            for i in values.indices where zeroChannels.contains((i / inner) % full.shape[axis]) { values[i] = 0 }
            zeroed.setConstant(node.input(1)!, Tensor(shape: full.shape, floats: values))
            if let bias = node.input(2), var b = graph.constants[bias]?.floats {
                for c in zeroChannels { b[c] = 0 }
                zeroed.setConstant(bias, Tensor(shape: [b.count], floats: b))
            }
        }
        let zeroedOutput = try ReferenceExecutor(graph: try StandardPipeline.prepare(zeroed)).run(input)["logits"]!
        expectMatches(slimOutput, zeroedOutput, "channel-pruned vs zeroed channels")
    }

    @Test func pruningOptionsAreChecked() throws {
        #expect(throws: CompressionError.self) { try MagnitudePruner(options: PruningOptions(sparsity: 1.0)) }
        #expect(throws: CompressionError.self) { try MagnitudePruner(options: PruningOptions(sparsity: -0.1)) }
        let graph = try StandardPipeline.analyze(try ONNXModel(contentsOf: Self.digits).graph)
        #expect(throws: CompressionError.self) { try MagnitudePruner(options: PruningOptions(sparsity: 0.5, skip: ["nope"])).plan(graph) }
    }
}
