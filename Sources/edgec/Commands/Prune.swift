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
        element: zeroes the smallest weights (stored sparsely once compiled, so the .edgem shrinks). channel: removes whole output channels with the smallest L2 norm, and the matching inputs of the next layer (through BatchNormalization, activations, pooling, depthwise convolutions and Flatten), so the model gets smaller and faster. --scope layer prunes each layer to --sparsity; global uses one threshold for all. The first and last prunable layers are kept unless --include-first-last.

        2:4: in every group of four consecutive weights along a filter's inputs, the two smallest are zeroed (--sparsity 0.5; below it, that share of the groups). --train DATA prunes gradually while fine-tuning: sparsity rises from 0 along Zhu and Gupta's cubic schedule (--schedule polynomial; one-shot prunes at the first step) over the first three quarters of the steps, masks are recomputed every quarter epoch and re-applied after every step, and the model trains throughout (the options of `edgec train`; --epochs defaults to 10). Channel pruning zeroes channels while training and removes them at the end.

        Example:
          edgec prune model.onnx --sparsity 0.8 -o model.pruned.onnx
          edgec prune model.onnx --sparsity 0.9 --train train.npz --val val.npz \\
              --epochs 10 -o model.pruned.onnx
          edgec prune model.onnx --sparsity 0.5 --granularity channel \\
              --skip /head/Conv -o model.slim.onnx
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(help: "Fraction to remove, in [0, 1).")
    var sparsity: Double

    @Option(help: "element, channel or 2:4.")
    var granularity: String = "element"

    @Option(help: "layer (each layer to the sparsity) or global (one threshold).")
    var scope: String = "layer"

    @Option(parsing: .upToNextOption, help: "Node names not to prune.")
    var skip: [String] = []

    @Flag(name: .customLong("include-first-last"), help: "Also prune the first and the last prunable layer.")
    var includeFirstAndLast = false

    @Option(name: .shortAndLong, help: "The pruned model to write (.onnx).")
    var output: String

    @Option(help: "Training data (.npz): prune gradually while fine-tuning.")
    var train: String?

    @OptionGroup(title: "Gradual pruning with fine-tuning (with --train)") var training: TrainingOptionGroup

    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        guard let granularity = PruningOptions.Granularity(rawValue: granularity) else { throw UserFacingError("--granularity takes element, channel or 2:4, not '\(self.granularity)'") }
        guard let scope = PruningOptions.Scope(rawValue: scope) else { throw UserFacingError("--scope takes layer or global, not '\(self.scope)'") }
        let pruningOptions = PruningOptions(sparsity: sparsity, granularity: granularity, scope: scope, skip: Set(skip), includeFirstAndLast: includeFirstAndLast)
        let pruner = try MagnitudePruner(options: pruningOptions)
        if train == nil, training.val != nil || training.epochs != nil || training.lr != nil || training.schedule != nil || !training.freeze.isEmpty {
            throw UserFacingError("--val, --epochs, --lr, --schedule and --freeze are options of gradual pruning: add --train DATA")
        }
        try OutputPath.check(output, notOverwriting: [model] + [train, training.val].compactMap { $0 })
        let bytes = try ModelLoading.readONNX(model, for: "prune")
        let onnx = try ONNXModel(data: bytes, source: model)
        let bindings = try InputBindings.named(try shapes.bindings(), for: onnx.graph)
        let shapesToBind = InputBindings.bindingDynamicDimensionsToOne(bindings, for: onnx.graph)
        let weights = try ONNXWeightFile(data: bytes, source: model)
        var trainedWeights: [String: Tensor] = [:]
        var summary: TrainingSummary?
        let graph: Graph
        if let train {
            guard let schedule = GradualPruning.Schedule(rawValue: training.schedule ?? "polynomial") else {
                throw UserFacingError("--schedule takes polynomial or one-shot for prune --train, not '\(training.schedule!)'")
            }
            let options = try training.options(epochs: 10, learningRate: 1e-3, scheduleIsSparsity: true)
            let session = try FineTuning.session(onnx.graph, bindings: bindings, options: options, weightNames: Set(weights.weights.map(\.name)),
                                                 data: train, validation: training.val)
            let stepsPerEpoch = session.data.sampleCount / session.trainer.stepBatch(sampleCount: session.data.sampleCount)
            try GradualPruning(options: pruningOptions, schedule: schedule, totalSteps: stepsPerEpoch * options.epochs, stepsPerEpoch: stepsPerEpoch)
                .install(on: session.trainer)
            let started = Date()
            let result = try FineTuning.fit(session, loss: try FineTuning.loss(named: nil, data: session.data), json: training.json)
            trainedWeights = result.trainer.trainedConstants.filter { weights.weight(named: $0.key) != nil }
            var trainedGraph = result.trainer.engine.graph
            for (id, tensor) in result.trainer.parameters { trainedGraph.constants[id] = tensor }
            graph = trainedGraph
            summary = TrainingSummary(command: "prune", output: output, loss: "cross-entropy", parameters: result.parameterCount, tensors: result.trainer.parameters.count,
                                      epochs: result.reports, seconds: Date().timeIntervalSince(started), extra: ["schedule": schedule.rawValue])
        } else {
            graph = try StandardPipeline.analyze(onnx.graph, inputShapes: shapesToBind)
        }
        // The final masks (and, for channels, the removal) come from the same plan as one-shot pruning.
        let plan = try pruner.plan(graph)
        let pruned = try weights.rewriting(weights: trainedWeights.merging(plan.tensors) { _, planned in planned }, groups: plan.groups)
        // The result must still be a model edgec can compile.
        _ = try StandardPipeline.prepare(try ONNXModel(data: pruned, source: output).graph, inputShapes: shapesToBind)
        try OutputPath.write(pruned, to: output)
        var rows = [["node", "op", "weights", "removed", "sparsity", ""]]
        for layer in plan.layers {
            let share = layer.weights > 0 ? Double(layer.zeros) / Double(layer.weights) : 0
            let removed = granularity == .channel ? "\(layer.removedChannels) ch" : Text.grouped(layer.zeros)
            rows.append([layer.node, layer.kind, Text.grouped(layer.weights), removed, String(format: "%.1f%%", share * 100), layer.note ?? ""])
        }
        if training.json {
            let layers = plan.layers.map { PruneSummary.Layer(node: $0.node, kind: $0.kind, weights: $0.weights, zeros: $0.zeros, removedChannels: $0.removedChannels, note: $0.note) }
            return try JSONOutput.print(PruneSummary(output: output, bytes: pruned.count, sourceBytes: bytes.count, prunableWeights: plan.totalWeights,
                                                     prunedWeights: plan.totalZeros, layers: layers, training: summary), command: "prune")
        }
        print(Text.table(rows, rightAligned: [2, 3, 4]).joined(separator: "\n"))
        let total = plan.totalWeights
        print(String(format: "pruned     %@ of %@ prunable weights (%.1f%%) -> %@ (%@ bytes, was %@)",
                     Text.grouped(plan.totalZeros), Text.grouped(total), 100 * Double(plan.totalZeros) / Double(max(total, 1)),
                     output, Text.grouped(pruned.count), Text.grouped(bytes.count)))
        try summary?.print(json: false, wrote: false)
    }
}

/// `prune --json`: the pruned weights per layer, and with --train the training summary.
struct PruneSummary: Encodable {
    struct Layer: Encodable {
        var node: String
        var kind: String
        var weights: Int
        var zeros: Int
        var removedChannels: Int
        var note: String?
    }
    var output: String
    var bytes: Int
    var sourceBytes: Int
    var prunableWeights: Int
    var prunedWeights: Int
    var layers: [Layer]
    var training: TrainingSummary?
}
