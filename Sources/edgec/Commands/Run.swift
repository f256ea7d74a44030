import ArgumentParser
import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec run`: executes a model on inputs from .npy/.npz files and writes the outputs.
///
///     $ edgec run Tests/Fixtures/digits/digits_cnn.onnx --input input=Tests/Fixtures/digits/digits_sample.npy -o out.npz
///     logits  float32 [1,10]  argmax 0  min -9.87 max 11.2
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on .npy/.npz inputs with the fp32 reference executor and write the outputs.",
        discussion: """
        Inputs: --input name=file.npy for each model input, or --input file.npz holding one
        array per input name, or --input file.npy for a single-input model. Dynamic input
        dimensions are bound from the arrays given (or from --input-shape).
        Outputs: a .npz keyed by output name (or a .npy for a single-output model).

        Example:
          edgec run model.onnx --input x=input.npy -o out.npz
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input: name=file.npy, file.npz, or file.npy for a single-input model (repeatable).", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Where to write the outputs (.npz, or .npy for a single output).")
    var output: String

    @OptionGroup var shapes: InputShapeOptions

    @Option(name: .customLong("repeat"), help: "Run the model this many times and print the median and fastest latency.")
    var repetitions: Int = 1

    func run() throws {
        let onnx = try ONNXModel(contentsOf: model)
        let feeds = try InputFiles.read(inputs, for: onnx.graph)
        var bindings = try ModelLoading.namedBindings(try shapes.bindings(), for: onnx.graph)
        for (name, tensor) in feeds where bindings[name] == nil { bindings[name] = tensor.shape }
        let graph = try StandardPipeline.prepare(onnx.graph, inputShapes: bindings)
        guard repetitions >= 1 else { throw UserFacingError("--repeat must be at least 1") }
        let executor = try ReferenceExecutor(graph: graph)
        var results: [String: Tensor] = [:]
        var milliseconds: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now()
            results = try executor.run(feeds)
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
        }
        try OutputFiles.write(results, order: graph.outputs.map { graph.name(of: $0) }, to: output)
        for id in graph.outputs {
            let name = graph.name(of: id)
            print(OutputFiles.summary(name: name, tensor: results[name]!))
        }
        milliseconds.sort()
        print(String(format: "ran %d nodes: median %.3f ms, fastest %.3f ms over %d run(s); wrote %@",
                     graph.nodes.count, milliseconds[milliseconds.count / 2], milliseconds[0], milliseconds.count, output))
    }
}
