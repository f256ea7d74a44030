import ArgumentParser
import EdgeCompress
import Foundation

/// The options every training verb shares (`train`, `distill`, `quantize --train`, `prune --train`).
struct TrainingOptionGroup: ParsableArguments {
    @Option(help: "Validation data (.npz): accuracy and loss after every epoch.")
    var val: String?

    @Option(help: "Passes over the training data (default: 5 for train, 3 for quantize --train, 30 for distill, 10 for prune --train).")
    var epochs: Int?

    @Option(help: "Samples per optimizer step.")
    var batch: Int = 32

    @Option(help: "sgd (with momentum 0.9), adam or adamw.")
    var optimizer: String = "adam"

    @Option(help: "Learning rate (default: 1e-3, or 1e-5 for quantize --train).")
    var lr: Float?

    @Option(name: .customLong("weight-decay"), help: "L2 penalty (sgd, adam) or decoupled decay (adamw; default 0.01).")
    var weightDecay: Float?

    @Option(help: "Learning-rate schedule: constant (default), cosine or step (x0.1 after each third of the epochs); for prune --train, the sparsity schedule: polynomial (default) or one-shot.")
    var schedule: String?

    @Option(parsing: .upToNextOption, help: "Node names whose weights are not trained.")
    var freeze: [String] = []

    @Option(help: "Seeds the order of the samples: the same seed gives the same file.")
    var seed: UInt64 = 0

    @Flag(help: "Print the summary as JSON.")
    var json = false

    /// The options, with each verb's defaults; `scheduleIsSparsity` when --schedule names a
    /// sparsity schedule (prune), and the learning rate stays constant.
    func options(epochs defaultEpochs: Int, learningRate defaultRate: Float, scheduleIsSparsity: Bool = false) throws -> TrainingOptions {
        guard let optimizer = OptimizerKind(rawValue: optimizer) else { throw UserFacingError("--optimizer takes sgd, adam or adamw, not '\(self.optimizer)'") }
        guard let schedule = LearningRateSchedule(rawValue: scheduleIsSparsity ? "constant" : self.schedule ?? "constant") else {
            throw UserFacingError("--schedule takes constant, cosine or step, not '\(self.schedule ?? "")'")
        }
        let epochs = self.epochs ?? defaultEpochs
        guard epochs >= 1 else { throw UserFacingError("--epochs must be at least 1, got \(epochs)") }
        guard batch >= 1 else { throw UserFacingError("--batch must be at least 1, got \(batch)") }
        return TrainingOptions(epochs: epochs, batch: batch, optimizer: optimizer, learningRate: lr ?? defaultRate,
                               weightDecay: weightDecay, schedule: schedule, freeze: Set(freeze), seed: seed)
    }
}

/// Prints training as it goes: a progress bar inside each epoch (on a terminal), one line per
/// epoch (to standard error under --json, so standard output holds only the JSON).
final class TrainingLog {
    private let progress = Progress()
    private let json: Bool
    private let epochs: Int

    init(json: Bool, epochs: Int) {
        self.json = json
        self.epochs = epochs
    }

    func step(_ done: Int, _ total: Int) { progress.show("training", done, total) }

    func epoch(_ report: EpochReport) {
        progress.finish()
        var line = String(format: "epoch %d/%d  loss %.4f", report.epoch, epochs, report.loss)
        if let a = report.trainAccuracy { line += String(format: "  train %.2f%%", a * 100) }
        if let a = report.validationAccuracy { line += String(format: "  val %.2f%%", a * 100) }
        if let l = report.validationLoss { line += String(format: "  val loss %.4f", l) }
        line += "  \(Text.grouped(Int(report.samplesPerSecond.rounded()))) samples/s  lr \(report.learningRate)"
        if json {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }
}
