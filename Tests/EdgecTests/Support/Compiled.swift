import EdgeDevice
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation

/// A fixture model compiled to `.edgem` in memory, with what the reference executor gives for it.
struct CompiledFixture {
    var graph: Graph
    var file: EdgemWriter.Output
    var inputs: [String: Tensor]
    var reference: [String: Tensor]

    /// Compiles `modelPath` with its inputs' shapes bound and runs the Swift reference executor.
    init(_ modelPath: String, inputs: [String: Tensor], compression: Edgem.Compression = .none) throws {
        let model = try ONNXModel(contentsOf: modelPath)
        graph = try StandardPipeline.prepare(model.graph, inputShapes: inputs.mapValues(\.shape))
        file = try EdgemWriter.write(graph, options: .init(compression: compression), metadata: [("source.file", modelPath)])
        self.inputs = inputs
        reference = try ReferenceExecutor(graph: graph).run(inputs)
    }

    var outputNames: [String] { graph.outputs.map { graph.name(of: $0) } }

    /// Inputs of an operator case, read from its .npz.
    static func operatorCase(_ name: String) throws -> CompiledFixture {
        let model = try ONNXModel(contentsOf: Fixtures.path("ops/\(name).onnx"))
        let arrays = try NumPyFiles.read(Fixtures.path("ops/\(name).npz"))
        var inputs: [String: Tensor] = [:]
        for input in model.graph.inputs {
            let inputName = model.graph.name(of: input.value)
            inputs[inputName] = arrays[inputName]
        }
        return try CompiledFixture(Fixtures.path("ops/\(name).onnx"), inputs: inputs)
    }

    /// A light model on the formula input of Tests/Fixtures/README.md.
    static func lightModel(_ name: String) throws -> CompiledFixture {
        let model = try ONNXModel(contentsOf: Fixtures.path("light/\(name).onnx"))
        var inputs: [String: Tensor] = [:]
        for input in model.graph.inputs {
            inputs[model.graph.name(of: input.value)] = Fixtures.formulaInput(shape: input.staticShape ?? [])
        }
        return try CompiledFixture(Fixtures.path("light/\(name).onnx"), inputs: inputs)
    }

    static func torchModel(_ name: String) throws -> CompiledFixture {
        let arrays = try NumPyFiles.read(Fixtures.path("torch/\(name).npz"))
        return try CompiledFixture(Fixtures.path("torch/\(name).onnx"), inputs: ["input": arrays["input"]!])
    }

    static func digits(compression: Edgem.Compression = .none) throws -> CompiledFixture {
        try CompiledFixture(Fixtures.path("digits/digits_cnn.onnx"), inputs: ["input": try NumPyFiles.read(Fixtures.path("digits/digits_sample.npy"))[""]!],
                            compression: compression)
    }
}
