import ArgumentParser
import EdgeCompress
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec prune`: magnitude pruning, ONNX in, ONNX out.
///
///     $ edgec prune Tests/Fixtures/digits/digits_cnn.onnx --sparsity 0.8 -o digits.pruned.onnx
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune a model's Conv, Gemm and MatMul weights by magnitude and write the pruned ONNX.",
        discussion: """
        element: zeroes the smallest weights (stored sparsely once compiled, so the .edgem
        shrinks). channel: removes whole output channels with the smallest L2 norm, and the
        matching inputs of the next layer (through BatchNormalization, activations, pooling,
        depthwise convolutions and Flatten), so the model gets smaller and faster.
        --scope layer prunes each layer to --sparsity; global uses one threshold for all.
        The first and last prunable layers are kept unless --include-first-last.

        Example:
          edgec prune model.onnx --sparsity 0.8 -o model.pruned.onnx
          edgec prune model.onnx --sparsity 0.5 --granularity channel --skip /head/Conv -o model.slim.onnx
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(help: "Fraction to remove, in [0, 1).")
    var sparsity: Double

    @Option(help: "element or channel.")
    var granularity: String = "element"

    @Option(help: "layer (each layer to the sparsity) or global (one threshold).")
    var scope: String = "layer"

    @Option(parsing: .upToNextOption, help: "Node names not to prune.")
    var skip: [String] = []

    @Flag(name: .customLong("include-first-last"), help: "Also prune the first and the last prunable layer.")
    var includeFirstAndLast = false

    @Option(name: .shortAndLong, help: "The pruned model to write (.onnx).")
    var output: String

    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        guard let granularity = PruningOptions.Granularity(rawValue: granularity) else { throw UserFacingError("--granularity takes element or channel, not '\(self.granularity)'") }
        guard let scope = PruningOptions.Scope(rawValue: scope) else { throw UserFacingError("--scope takes layer or global, not '\(self.scope)'") }
        let pruner = try MagnitudePruner(options: PruningOptions(sparsity: sparsity, granularity: granularity, scope: scope, skip: Set(skip), includeFirstAndLast: includeFirstAndLast))
        try OutputPath.check(output, notOverwriting: [model])
        let bytes = try ModelLoading.read(model)
        let onnx = try ONNXModel(data: bytes, source: model)
        let bindings = try InputBindings.named(try shapes.bindings(), for: onnx.graph)
        let shapesToBind = InputBindings.bindingDynamicDimensionsToOne(bindings, for: onnx.graph)
        let graph = try StandardPipeline.analyze(onnx.graph, inputShapes: shapesToBind)
        let plan = try pruner.plan(graph)
        let pruned = try ONNXWeightFile(data: bytes, source: model).rewriting(weights: plan.tensors, groups: plan.groups)
        // The result must still be a model edgec can compile.
        _ = try StandardPipeline.prepare(try ONNXModel(data: pruned, source: output).graph, inputShapes: shapesToBind)
        try OutputPath.write(pruned, to: output)
        var rows = [["node", "op", "weights", "removed", "sparsity", ""]]
        for layer in plan.layers {
            let share = layer.weights > 0 ? Double(layer.zeros) / Double(layer.weights) : 0
            let removed = granularity == .channel ? "\(layer.removedChannels) ch" : Text.grouped(layer.zeros)
            rows.append([layer.node, layer.kind, Text.grouped(layer.weights), removed, String(format: "%.1f%%", share * 100), layer.note ?? ""])
        }
        print(Text.table(rows, rightAligned: [2, 3, 4]).joined(separator: "\n"))
        let total = plan.totalWeights
        print(String(format: "pruned     %@ of %@ prunable weights (%.1f%%) -> %@ (%@ bytes, was %@)",
                     Text.grouped(plan.totalZeros), Text.grouped(total), 100 * Double(plan.totalZeros) / Double(max(total, 1)),
                     output, Text.grouped(pruned.count), Text.grouped(bytes.count)))
    }
}
