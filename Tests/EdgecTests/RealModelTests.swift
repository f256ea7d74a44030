import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

@Suite("Real models against onnxruntime")
struct RealModelTests {
    static let lightModels = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"]

    /// The architecture models that ship inside the onnx package, on a deterministic input.
    @Test(arguments: lightModels)
    func lightModel(_ name: String) throws {
        let path = Fixtures.path("light/\(name).onnx")
        let model = try ONNXModel(contentsOf: path)
        try Verifier.verify(model.graph)
        var inputs: [String: Tensor] = [:]
        for input in model.graph.inputs {
            inputs[model.graph.name(of: input.value)] = Fixtures.formulaInput(shape: try #require(input.staticShape))
        }
        let (graph, outputs) = try Fixtures.run(path, inputs: inputs)
        try Verifier.verify(graph)
        let expected = try NumPyFiles.read(Fixtures.path("light/\(name).expected.npz"))
        for (outputName, reference) in expected {
            let difference = expectMatches(outputs[outputName], reference, "\(name) \(outputName)")
            print("light model \(name): output \(outputName) max |diff| \(difference)")
        }
    }

    /// The digits CNN exported by PyTorch: static batch 1 run sample by sample, and the
    /// dynamic-batch export (with its Shape->Gather->Concat->Reshape chain) bound to 32.
    @Test func digitsCNN() throws {
        let reference = try NumPyFiles.read(Fixtures.path("digits/digits_reference.npz"))
        let batch = try #require(reference["input"])
        let (dynamicGraph, dynamic) = try Fixtures.run(Fixtures.path("digits/digits_cnn_dynamic.onnx"), inputs: ["input": batch])
        let difference = expectMatches(dynamic["logits"], try #require(reference["logits"]), "dynamic digits CNN")
        print("digits CNN (dynamic, batch 32): max |diff| \(difference)")
        #expect(!dynamicGraph.nodes.contains { $0.operation.kindName == "Shape" }, "the shape chain should fold away")

        let staticModel = try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx"))
        let graph = try StandardPipeline.prepare(staticModel.graph)
        let executor = try ReferenceExecutor(graph: graph)
        let perSample = batch.elementCount / batch.shape[0]
        let samples = batch.floats!
        var stacked: [Float] = []
        for i in 0..<batch.shape[0] {
            let sample = Tensor(shape: [1, 1, 8, 8], floats: Array(samples[(i * perSample)..<((i + 1) * perSample)]))
            stacked += try #require(try executor.run(["input": sample])["logits"]?.floats)
        }
        expectMatches(Tensor(shape: [batch.shape[0], 10], floats: stacked), try #require(reference["logits_static"]), "static digits CNN")
    }

    /// Accuracy of the fp32 model on the whole digits test split equals onnxruntime's.
    @Test func digitsAccuracy() throws {
        let data = try NumPyFiles.read(Fixtures.path("digits/digits_test.npz"))
        let images = try #require(data["input"]), labels = try #require(data["labels"]).storage.int64s
        let (_, outputs) = try Fixtures.run(Fixtures.path("digits/digits_cnn_dynamic.onnx"), inputs: ["input": images])
        let logits = try #require(outputs["logits"]?.floats)
        var correct = 0
        for (i, label) in labels.enumerated() {
            let row = logits[(i * 10)..<((i + 1) * 10)]
            if row.firstIndex(of: row.max()!)! - i * 10 == Int(label) { correct += 1 }
        }
        let metrics = try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("digits/digits_metrics.json")))) as? [String: Any]
        let accuracy = Double(correct) / Double(labels.count)
        print("digits CNN fp32 accuracy: \(accuracy) on \(labels.count) test samples")
        let reference = try #require((metrics?["ort_fp32_test_accuracy"] as? [String: Any])?["digits_cnn_dynamic.onnx"] as? Double)
        #expect(abs(accuracy - reference) < 1e-9, "accuracy \(accuracy) vs onnxruntime's \(reference)")
    }

    /// Models written in PyTorch and exported by its exporter: a detector with focus slicing and
    /// upsampling, transformer blocks (LayerNorm and attention pieces), and a MobileNetV3-style network.
    @Test(arguments: ["tiny_detector", "tiny_transformer", "tiny_transformer_nn", "tiny_mobilenet"])
    func torchModel(_ name: String) throws {
        let arrays = try NumPyFiles.read(Fixtures.path("torch/\(name).npz"))
        let (_, outputs) = try Fixtures.run(Fixtures.path("torch/\(name).onnx"), inputs: ["input": try #require(arrays["input"])])
        let difference = expectMatches(outputs["output"], try #require(arrays["output"]), name)
        print("torch model \(name): max |diff| \(difference)")
    }
}
