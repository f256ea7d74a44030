import ArgumentParser
import EdgeCompress
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec train`: fine-tunes an ONNX model's weights on data and writes the same ONNX file with
/// its weights replaced.
///
///     $ edgec train Tests/Fixtures/digits/digits_cnn_dynamic.onnx --data Tests/Fixtures/digits/digits_train.npz --epochs 1 -o tuned.onnx
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fine-tune a model's weights on data and write the same ONNX with the new weights.",
        discussion: """
        Data is a .npz with one array per model input (leading sample dimension) and 'labels' (integer class ids, for --loss cross-entropy) or 'targets' (floats shaped like the output, for --loss mse). A model that ends in Softmax is trained from the Softmax's input. A dynamic batch dimension is bound to --batch; a model exported with a fixed batch runs each step's samples in chunks of that size. BatchNormalization trains with batch statistics and its running averages are updated; Dropout runs as identity. Every float weight of more than one value is trained unless a node reading it is named by --freeze. The output is the input file with initializers and Constant-node weights replaced, nothing else changed; the same --seed gives the same bytes.

        Example:
          edgec train model.onnx --data train.npz --val val.npz --epochs 5 \\
              -o tuned.onnx
          edgec train model.onnx --data train.npz --optimizer sgd --lr 0.01 \\
              --schedule cosine --freeze /conv1/Conv -o tuned.onnx
        """
    )

    @Argument(help: "The model (.onnx).")
    var model: String

    @Option(help: "Training data (.npz).")
    var data: String

    @Option(help: "cross-entropy (labels) or mse (targets); default: cross-entropy when the data has labels.")
    var loss: String?

    @Option(name: .shortAndLong, help: "The trained model to write (.onnx).")
    var output: String

    @OptionGroup var training: TrainingOptionGroup
    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        let options = try training.options(epochs: 5, learningRate: 1e-3)
        try OutputPath.check(output, notOverwriting: [model, data] + [training.val].compactMap { $0 })
        let bytes = try ModelLoading.readONNX(model, for: "train")
        let onnx = try ONNXModel(data: bytes, source: model)
        let weights = try ONNXWeightFile(data: bytes, source: model)
        let session = try FineTuning.session(onnx.graph, bindings: try InputBindings.named(try shapes.bindings(), for: onnx.graph), options: options,
                                             weightNames: Set(weights.weights.map(\.name)), data: data, validation: training.val)
        let lossKind = try FineTuning.loss(named: loss, data: session.data)
        let started = Date()
        let result = try FineTuning.fit(session, loss: lossKind, json: training.json)
        let replacements = result.trainer.trainedConstants.filter { weights.weight(named: $0.key) != nil }.mapValues { $0.floats! }
        let trained = try weights.replacingWeights(replacements)
        try OutputPath.write(trained, to: output)
        let summary = TrainingSummary(command: "train", output: output, loss: lossKind.name, parameters: result.parameterCount,
                                      tensors: result.trainer.parameters.count, epochs: result.reports, seconds: Date().timeIntervalSince(started))
        try summary.print(json: training.json)
    }
}

/// What every training verb reports at the end.
struct TrainingSummary: Encodable {
    var command: String
    var output: String
    var loss: String
    var parameters: Int
    var tensors: Int
    var epochs: [EpochReport]
    var seconds: Double
    var extra: [String: String] = [:]

    func print(json: Bool, wrote: Bool = true) throws {
        if json { return try JSONOutput.print(self) }
        Swift.print("trained    \(Text.grouped(parameters)) parameters in \(tensors) tensors, \(epochs.count) epoch\(epochs.count == 1 ? "" : "s"), \(loss) loss, \(String(format: "%.1f", seconds)) s")
        if let last = epochs.last {
            var line = String(format: "final      loss %.4f", last.loss)
            if let a = last.validationAccuracy { line += String(format: ", val accuracy %.2f%%", a * 100) }
            Swift.print(line)
        }
        for (key, value) in extra.sorted(by: { $0.key < $1.key }) { Swift.print(key.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + value) }
        if wrote { Swift.print("wrote      \(output)") }
    }
}

/// The steps every training verb shares: bind the model for training, load and check the data,
/// run the trainer with the epoch log.
enum FineTuning {
    struct Session {
        var trainer: Trainer
        var data: CalibrationData
        var validation: CalibrationData?
        var options: TrainingOptions
    }

    static func loadData(_ path: String, for graph: TrainingGraph) throws -> CalibrationData {
        let inputs = graph.sampleInputs
        let arrays = try NumPyFiles.read(path, singleKey: inputs.count == 1 ? inputs[0].name : "")
        return try CalibrationData(arrays: arrays, inputs: inputs, source: path)
    }

    static func session(_ model: Graph, bindings: [String: [Int]], options: TrainingOptions, weightNames: Set<String>?,
                        data: String, validation: String?) throws -> Session {
        let prepare = { (batch: Int) in try TrainingGraph.bind(model, batch: batch, bindings: bindings) { try StandardPipeline.train($0, inputShapes: $1) } }
        var bound = try prepare(options.batch)
        var trainable = try Trainer.trainableParameters(bound.graph, named: weightNames, frozen: options.freeze)
        let samples = try loadData(data, for: bound)
        // Fewer samples than a batch: a dynamic batch is bound to what there is.
        if samples.sampleCount < options.batch, bound.graphBatch == options.batch {
            bound = try prepare(samples.sampleCount)
            trainable = try Trainer.trainableParameters(bound.graph, named: weightNames, frozen: options.freeze)
        }
        let trainer = try Trainer(graph: bound.graph, trainable: trainable, graphBatch: bound.graphBatch, options: options)
        return Session(trainer: trainer, data: samples, validation: try validation.map { try loadData($0, for: bound) }, options: options)
    }

    static func loss(named name: String?, data: CalibrationData) throws -> TrainingLoss {
        switch name {
        case nil: return data.labels == nil && data.targets != nil ? .meanSquaredError : .crossEntropy
        case "cross-entropy"?: return .crossEntropy
        case "mse"?: return .meanSquaredError
        case let other?: throw UserFacingError("--loss takes cross-entropy or mse, not '\(other)'")
        }
    }

    struct Result {
        var trainer: Trainer
        var reports: [EpochReport]
        var parameterCount: Int
    }

    static func fit(_ session: Session, loss: TrainingLoss, json: Bool) throws -> Result {
        try session.trainer.check(session.data, loss: loss, source: "training data")
        if let validation = session.validation { try session.trainer.check(validation, loss: loss, source: "validation data", validation: true) }
        let log = TrainingLog(json: json, epochs: session.options.epochs)
        let reports = try session.trainer.fit(session.data, validation: session.validation, loss: loss, progress: log.step, epochEnd: log.epoch)
        return Result(trainer: session.trainer, reports: reports, parameterCount: session.trainer.parameters.values.reduce(0) { $0 + $1.elementCount })
    }
}
