import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// The real-model suite's sequence and transformer architectures at CI size
/// (Tests/Fixtures/make_sequence_models.py; the full-size models run in .ci/benchmark-models): each
/// imports, matches onnxruntime in the Swift executor and the C runtime, quantizes to a file that
/// loads, and keeps at least the SQNR onnxruntime's own quantizer reaches on the same data.
@Suite("Real architectures against onnxruntime")
struct ModelSuiteTests {
    struct Model: CustomTestStringConvertible, Sendable {
        var name: String
        var inputs: [String]
        var onnxruntimeSQNR: Double
        var testDescription: String { name }
    }

    static let models: [Model] = {
        guard let data = FileManager.default.contents(atPath: Fixtures.path("suite/models.json")),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map { Model(name: $0["name"] as! String, inputs: $0["inputs"] as! [String], onnxruntimeSQNR: $0["onnxruntime_int8_sqnr"] as! Double) }
    }()

    @Test func everyModelIsListed() {
        #expect(Self.models.map(\.name) == ["bert_mini", "keyword_rnn", "vit_micro"])
    }

    @Test(arguments: models)
    func floatMatchesOnnxRuntime(_ model: Model) throws {
        let path = Fixtures.path("suite/\(model.name).onnx")
        let arrays = try NumPyFiles.read(Fixtures.path("suite/\(model.name).npz"))
        let inputs = try Dictionary(uniqueKeysWithValues: model.inputs.map { ($0, try #require(arrays[$0])) })
        let compiled = try CompiledFixture(path, inputs: inputs)
        let device = try DeviceModel(data: compiled.file.data).run(inputs)
        for name in compiled.outputNames {
            let expected = try #require(arrays[name], "no golden for \(name)")
            let swift = expectMatches(compiled.reference[name], expected, "\(model.name) \(name), Swift executor")
            let c = expectMatches(device[name], expected, "\(model.name) \(name), C runtime")
            print("suite \(model.name) \(name): max |diff| Swift \(swift), C \(c)")
        }
    }

    @Test(arguments: models)
    func int8KeepsOnnxRuntimesFidelity(_ model: Model) throws {
        let onnx = try ONNXModel(contentsOf: Fixtures.path("suite/\(model.name).onnx"))
        let calibration = try NumPyFiles.read(Fixtures.path("suite/\(model.name)_calib.npz"))
        let test = try NumPyFiles.read(Fixtures.path("suite/\(model.name)_test.npz"))
        let shapes = try Dictionary(uniqueKeysWithValues: model.inputs.map { name in
            (name, [1] + Array(try #require(calibration[name]).shape.dropFirst()))
        })
        let prepared = try StandardPipeline.prepare(onnx.graph, inputShapes: shapes, fuseClampsOnly: true)
        let inputTypes = prepared.inputs.map { (name: prepared.name(of: $0.value), type: prepared.type(of: $0.value)!) }
        let result = try QuantizationPipeline.run(prepared: prepared, data: try CalibrationData(arrays: calibration, inputs: inputTypes, source: "calibration"),
                                                  options: QuantizationOptions(), writer: .init(), metadata: [], measure: false)
        // The file loads in the runtime, and runs the test samples.
        let runner = try DeviceRunner(try DeviceModel(data: result.file.data))
        let outputs = try BatchEvaluation.run(runner, on: try CalibrationData(arrays: test.filter { model.inputs.contains($0.key) }, inputs: inputTypes, source: "test"))
        var worst = Double.infinity
        for name in runner.outputNames {
            let reference = try #require(test[name]).storage.doubles, values = try #require(outputs.outputs[name])
            #expect(values.count == reference.count, "\(model.name) \(name): \(values.count) values for \(reference.count)")
            let signal = reference.reduce(0) { $0 + $1 * $1 }
            let noise = zip(reference, values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            worst = min(worst, Metrics.sqnr(signal: signal, noise: noise))
        }
        print("suite \(model.name): int8 SQNR edgec \(Metrics.format(worst)) dB, onnxruntime's quantizer \(model.onnxruntimeSQNR) dB")
        #expect(worst >= model.onnxruntimeSQNR - 1, "\(model.name): int8 SQNR \(worst) dB, onnxruntime's quantizer reaches \(model.onnxruntimeSQNR) dB")
    }
}
