import ArgumentParser
import EdgeDevice
import EdgeExec
import EdgeFormat
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
        abstract: "Run a model on .npy/.npz inputs and write the outputs.",
        discussion: """
        An .onnx model runs on the fp32 reference executor (Swift); a compiled .edgem model runs through the C device runtime, and then takes inputs with a leading batch of N samples for a model compiled with batch 1 (they run one by one, outputs stacked). Inputs: --input name=file.npy for each model input, or --input file.npz holding one array per input name, or --input file.npy for a single-input model. Dynamic input dimensions are bound from the arrays given (or from --input-shape). Outputs: a .npz keyed by output name (or a .npy for a single-output model). --profile (an .edgem) times every operator over --repeat runs (20 by default) after a warm-up and prints them by time: kind, node, output, ms, % of the total, MACs and GMAC/s, then the time per kind, as edge-run --profile does on a device.

        Example:
          edgec run model.onnx --input x=input.npy -o out.npz
          edgec run model.int8.edgem --input x=input.npy -o out.npz --profile
        """
    )

    @Argument(help: "The model (.onnx or .edgem).")
    var model: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input: name=file.npy, file.npz, or file.npy for a single-input model (repeatable).", valueName: "input"))
    var inputs: [String] = []

    @Option(name: .shortAndLong, help: "Where to write the outputs (.npz, or .npy for a single output).")
    var output: String

    @OptionGroup var shapes: InputShapeOptions

    @Option(name: .customLong("repeat"), help: "Run the model this many times and print the median and fastest latency.")
    var repetitions: Int?

    @Flag(help: "Print the outputs' summary, the latency and the profile as JSON.")
    var json = false

    /// `--json`: each output's type and range, the latencies, and with --profile every operator.
    struct Summary: Encodable {
        struct Output: Encodable {
            var name: String
            var dtype: String
            var shape: [Int]
            var min: Double?
            var max: Double?
            var argmax: Int?
        }
        var output: String
        var runner: String
        var outputs: [Output]
        var runs: Int
        var medianMilliseconds: Double
        var fastestMilliseconds: Double
        var profile: [Operator]?

        struct Operator: Encodable {
            var index: Int
            var kind: String
            var name: String
            var outputDtype: String
            var outputShape: [Int]
            var macs: Int
            var milliseconds: Double

            init(_ op: OperatorProfile) {
                (index, kind, name, outputDtype, outputShape, macs, milliseconds) = (op.index, op.kind, op.name, op.outputDType.description, op.outputShape, op.macs, op.milliseconds)
            }
        }
    }

    @Flag(help: "Time every operator of an .edgem model (over --repeat runs, 20 by default) and print them by time.")
    var profile = false

    func run() throws {
        let repetitions = self.repetitions ?? (profile ? 20 : 1)
        guard repetitions >= 1 else { throw UserFacingError("--repeat must be at least 1") }
        try OutputPath.check(output, notOverwriting: [model] + inputs.map { $0.split(separator: "=", maxSplits: 1).last.map(String.init) ?? $0 })
        let data = try ModelLoading.read(model)
        if ModelFileKind(data) == .compiled {
            try runCompiled(data, repetitions: repetitions)
            return
        }
        guard !profile else { throw UserFacingError("--profile times the operators of a compiled .edgem model; '\(model)' is ONNX (compile it first)") }
        let onnx = try ONNXModel(data: data, source: model)
        let feeds = try InputFiles.read(inputs, names: onnx.graph.inputs.map { onnx.graph.name(of: $0.value) })
        var bindings = try InputBindings.named(try shapes.bindings(), for: onnx.graph)
        for (name, tensor) in feeds where bindings[name] == nil { bindings[name] = tensor.shape }
        let graph = try StandardPipeline.prepare(onnx.graph, inputShapes: bindings)
        let executor = try ReferenceExecutor(graph: graph)
        let (results, milliseconds) = try Self.timed(repetitions) { try executor.run(feeds) }
        try finish(results, order: graph.outputs.map { graph.name(of: $0) }, milliseconds: milliseconds, what: "\(graph.nodes.count) nodes on the reference executor", runner: "reference executor")
    }

    /// Runs a compiled model through the C runtime.
    func runCompiled(_ data: Data, repetitions: Int) throws {
        let device = try DeviceModel(data: data)
        let feeds = try InputFiles.read(inputs, names: device.inputs.map(\.name))
        let context = try device.makeContext()
        let (results, milliseconds) = try Self.timed(repetitions) { try device.run(feeds, context: context) }
        let profiled = profile ? try device.profile(feeds, runs: repetitions) : nil
        try finish(results, order: device.outputs.map(\.name), milliseconds: milliseconds,
                   what: "\(device.operatorCount) operators on the C runtime (arena \(Text.grouped(device.arenaSize)) bytes, weights \(Text.grouped(device.weightBytes)) bytes)",
                   runner: "C runtime", profile: profiled)
        if let profiled, !json { print(Self.profileText(profiled, runs: repetitions)) }
    }

    /// The operators by time, then the kinds, then the total.
    static func profileText(_ operators: [OperatorProfile], runs: Int) -> String {
        let total = operators.reduce(0) { $0 + $1.milliseconds }
        func share(_ ms: Double) -> String { String(format: "%.1f%%", total > 0 ? 100 * ms / total : 0) }
        var lines = ["profile  mean per run over \(runs) run(s) after a warm-up run, \(operators.count) operators"]
        var rows = [["#", "kind", "node", "output", "ms", "%", "MACs", "GMAC/s"]]
        for op in operators.sorted(by: { $0.milliseconds > $1.milliseconds }) {
            rows.append([String(op.index), op.kind, op.name, "\(op.outputDType)[\(op.outputShape.map(String.init).joined(separator: ","))]",
                         String(format: "%.4f", op.milliseconds), share(op.milliseconds), op.macs > 0 ? Text.grouped(op.macs) : "-",
                         op.gmacPerSecond.map { String(format: "%.2f", $0) } ?? "-"])
        }
        lines += Text.table(rows, rightAligned: [0, 4, 5, 6, 7]).map { "  " + $0 }
        var kinds = [["kind", "count", "ms", "%"]]
        for (kind, group) in Dictionary(grouping: operators, by: \.kind).sorted(by: { $0.value.reduce(0) { $0 + $1.milliseconds } > $1.value.reduce(0) { $0 + $1.milliseconds } }) {
            let ms = group.reduce(0) { $0 + $1.milliseconds }
            kinds.append([kind, String(group.count), String(format: "%.4f", ms), share(ms)])
        }
        lines += Text.table(kinds, rightAligned: [1, 2, 3]).map { "  " + $0 }
        let macs = CheckedSize.saturatingSum(operators.map(\.macs))
        lines.append(String(format: "total    %.4f ms per run, %@ MACs, %.2f GMAC/s", total, Text.grouped(macs), total > 0 ? Double(macs) / (total * 1e6) : 0))
        return lines.joined(separator: "\n")
    }

    static func timed(_ repetitions: Int, _ body: () throws -> [String: Tensor]) throws -> ([String: Tensor], [Double]) {
        var results: [String: Tensor] = [:]
        var milliseconds: [Double] = []
        for _ in 0..<repetitions {
            let start = DispatchTime.now()
            results = try body()
            milliseconds.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
        }
        return (results, milliseconds.sorted())
    }

    func finish(_ results: [String: Tensor], order: [String], milliseconds: [Double], what: String, runner: String, profile: [OperatorProfile]? = nil) throws {
        try OutputFiles.write(results, order: order, to: output)
        if json {
            let outputs = order.map { name -> Summary.Output in
                let tensor = results[name]!, values = tensor.storage.doubles
                let argmax = tensor.dtype == .float32 ? values.indices.max { values[$0] < values[$1] } : nil
                return Summary.Output(name: name, dtype: tensor.dtype.description, shape: tensor.shape, min: values.min(), max: values.max(), argmax: argmax)
            }
            return try JSONOutput.print(Summary(output: output, runner: runner, outputs: outputs, runs: milliseconds.count,
                                                medianMilliseconds: milliseconds[milliseconds.count / 2], fastestMilliseconds: milliseconds[0], profile: profile?.map(Summary.Operator.init)), command: "run")
        }
        for name in order { print(OutputFiles.summary(name: name, tensor: results[name]!)) }
        print(String(format: "ran %@: median %.3f ms, fastest %.3f ms over %d run(s); wrote %@",
                     what, milliseconds[milliseconds.count / 2], milliseconds[0], milliseconds.count, output))
    }
}
