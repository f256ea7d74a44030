import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// One small ONNX model per operator variant, with onnxruntime's outputs (Tests/Fixtures/make_op_cases.py).
struct OperatorCase: CustomTestStringConvertible, Sendable {
    var name: String
    var op: String
    var opset: Int

    var testDescription: String { "\(name) (\(op), opset \(opset))" }

    static let all: [OperatorCase] = {
        guard let data = FileManager.default.contents(atPath: Fixtures.path("ops/cases.json")),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map { OperatorCase(name: $0["case"] as! String, op: $0["op"] as! String, opset: $0["opset"] as! Int) }
    }()
}

@Suite("Operators against onnxruntime")
struct OperatorConformanceTests {
    @Test("every operator case is present")
    func casesExist() {
        #expect(OperatorCase.all.count >= 200)
    }

    /// Runs each case twice: as the model was written, and after the optimizing passes
    /// (BatchNormalization folding, activation fusion), so both paths meet onnxruntime.
    @Test(arguments: OperatorCase.all)
    func matchesOnnxRuntime(_ testCase: OperatorCase) throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("ops/\(testCase.name).onnx"))
        let arrays = try NumPyFiles.read(Fixtures.path("ops/\(testCase.name).npz"))
        let inputNames = model.graph.inputs.map { model.graph.name(of: $0.value) }
        var inputs: [String: Tensor] = [:]
        for name in inputNames { inputs[name] = try #require(arrays[name], "no array for input \(name)") }
        for prepare in [false, true] {
            let (graph, outputs) = try Fixtures.run(Fixtures.path("ops/\(testCase.name).onnx"), inputs: inputs, prepare: prepare)
            for id in graph.outputs {
                let name = graph.name(of: id)
                let expected = try #require(arrays[name], "no golden for output \(name)")
                expectMatches(outputs[name], expected, "\(testCase.name) \(prepare ? "prepared" : "as written") output \(name)")
            }
        }
    }
}
