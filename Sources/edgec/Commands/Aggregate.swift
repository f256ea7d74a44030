import ArgumentParser
import EdgeFederated
import Foundation

/// `edgec aggregate`: a round's client updates folded into the next global model.
///
///     $ edgec aggregate --base global.onnx --updates updates/ -o next.onnx --min-clients 3 --audit audit.jsonl
///     base       global.onnx: 5 weights, 1,097 parameters, sha256 5d41a0c3e2b1…
///     round      7 (from the first update made for this base; pass --round to pin it)
///     updates    12 read: 10 accepted, 2 rejected
///       rejected  updates/c03.pb  wrong_round: round 6, expected 7
///     ...
///     wrote      next.onnx
struct Aggregate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Aggregate client updates into the next global model (FedAvg, trimmed mean, median).",
        discussion: """
        Reads every update file (a directory's non-hidden files in name order, or files named), validates each — it decodes; base-model hash and round match; tensor names and shapes are the base's; values are finite; 1 <= examples <= --max-examples; the client has no other accepted update this round; norm <= --max-norm — and folds the accepted ones into the base's weights: new = base + server-lr * aggregate(deltas). Every update gets a line in the --audit log (JSON lines: accepted, or the reason). Fewer than --min-clients accepted updates: no model, exit status 1.

        Strategies: fedavg (weighted by example count: sum(n_k d_k) / sum(n_k), streaming, memory O(model)), trimmed-mean (coordinate-wise, --trim of each end dropped) and median (coordinate-wise). --clip-norm scales each update down to that L2 norm first.

        Sharded FedAvg: --partial writes a shard's weighted sum instead of a model; --merge adds partials and writes the model (the same result as one process, up to float summation order). The new model is the base ONNX with the weights replaced, written atomically.

        Examples:
          edgec aggregate --base global.onnx --updates updates/ -o next.onnx \\
              --min-clients 3 --audit audit.jsonl
          edgec aggregate --base global.onnx --updates updates/ -o next.onnx \\
              --strategy trimmed-mean --trim 0.1
          edgec aggregate --base global.onnx --updates shard-3/ --partial \\
              -o shard-3.partial
          edgec aggregate --base global.onnx --merge shard-*.partial -o next.onnx
        """
    )

    @Option(help: "The global model of the round (.onnx).")
    var base: String

    @Option(help: "A directory of update files, or one update file (repeatable).")
    var updates: [String] = []

    @Option(parsing: .upToNextOption, help: "Partial aggregates (.partial) to merge instead of reading updates.")
    var merge: [String] = []

    @Flag(help: "Write the shard's FedAvg partial aggregate to -o instead of a model.")
    var partial = false

    @Option(name: .shortAndLong, help: "The model (.onnx) or, with --partial, the partial aggregate to write.")
    var output: String

    @Option(help: "fedavg, trimmed-mean or median.")
    var strategy = "fedavg"

    @Option(help: "trimmed-mean: the fraction of updates dropped at each end of every coordinate, in [0, 0.5).")
    var trim = 0.1

    @Option(name: .customLong("server-lr"), help: "Server learning rate: new = base + server-lr * aggregate delta.")
    var serverLearningRate = 1.0

    @Option(name: .customLong("clip-norm"), help: "Scale each update down to this L2 norm when it is larger.")
    var clipNorm: Double?

    @Option(name: .customLong("max-norm"), help: "Reject updates whose L2 norm is larger than this.")
    var maxNorm: Double?

    @Option(name: .customLong("max-examples"), help: "Reject updates claiming more examples than this.")
    var maxExamples: UInt64 = AggregationSettings.defaultMaxExamples

    @Option(name: .customLong("min-clients"), help: "Write nothing (exit 1) when fewer updates are accepted.")
    var minClients = 1

    @Option(help: "The round updates must be for (default: the round of the first update made for the base).")
    var round: UInt64?

    @Option(help: "Write one JSON line per update read (accepted, or rejected with the reason) to this file.")
    var audit: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    /// `--json`: what the text lines say, gathered as the aggregation goes.
    final class Summary: Encodable {
        struct Rejection: Encodable { var file: String; var reason: String?; var detail: String? }
        var base = "", baseSha256 = "", output = ""
        var round: UInt64?
        var updatesRead: Int?, accepted: Int?, rejected: Int?
        var rejections: [Rejection] = []
        var examples: UInt64?
        var strategy: String?
        var serverLr: Double?
        var clipped: Int?
        var bytesRead: Int?, seconds: Double?
        var partials: Int?
        var audit: String?
        var partial = false
        var appliedNorm: Double?
    }

    /// A text line of the summary (left out with --json, which prints the object at the end).
    private func say(_ line: String) {
        if !json { print(line) }
    }

    func run() throws {
        guard merge.isEmpty != updates.isEmpty else { throw UserFacingError("give either --updates (directories or files) or --merge (partial files)") }
        guard !(partial && !merge.isEmpty) else { throw UserFacingError("--partial makes a partial aggregate from updates; it cannot be combined with --merge") }
        var settings = AggregationSettings()
        settings.strategy = try AggregationSettings.Strategy(name: strategy, trim: trim)
        settings.serverLearningRate = serverLearningRate
        settings.clipNorm = clipNorm
        settings.maxNorm = maxNorm
        settings.maxExamples = maxExamples
        settings.minClients = minClients
        settings.round = round
        try settings.check()
        let files = try UpdateFiles.list(updates)
        try OutputPath.check(output, notOverwriting: [base] + files + merge)
        if let audit = audit {
            try OutputPath.check(audit, notOverwriting: [base, output] + files + merge)
        }

        let baseModel = try BaseModel(contentsOf: base)
        let summary = Summary()
        (summary.base, summary.baseSha256, summary.output) = (base, baseModel.sha256, output)
        say("base       \(base): \(baseModel.weights.count) weights, \(Text.grouped(baseModel.parameterCount)) parameters, sha256 \(baseModel.sha256.prefix(12))…")
        if !merge.isEmpty { return try runMerge(baseModel, settings: settings, summary: summary) }

        let aggregator = try Aggregator(base: baseModel, settings: settings)
        let start = Date()
        var bytes = 0
        for file in files { bytes += aggregator.add(contentsOf: file).bytes }
        let seconds = Date().timeIntervalSince(start)
        summary.round = aggregator.round
        (summary.updatesRead, summary.accepted, summary.rejected) = (files.count, aggregator.acceptedCount, aggregator.rejectedCount)
        summary.rejections = aggregator.records.filter { $0.status == .rejected }.map { .init(file: $0.file, reason: $0.reason.map { "\($0)" }, detail: $0.detail) }
        (summary.examples, summary.strategy, summary.serverLr) = (aggregator.exampleCount, "\(settings.strategy)", serverLearningRate)
        summary.clipped = clipNorm == nil ? nil : aggregator.clippedCount
        (summary.bytesRead, summary.seconds) = (bytes, seconds)
        summary.audit = audit
        if let round = aggregator.round {
            say("round      \(round)\(self.round == nil ? " (from the first update made for this base; pass --round to pin it)" : "")")
        }
        say("updates    \(files.count) read: \(aggregator.acceptedCount) accepted, \(aggregator.rejectedCount) rejected")
        for record in aggregator.records where record.status == .rejected {
            say("  rejected  \(record.file)  \(record.reason ?? ""): \(record.detail ?? "")")
        }
        say("examples   \(Text.grouped(Int(clamping: aggregator.exampleCount))) in the accepted updates")
        var strategyLine = "strategy   \(settings.strategy), server learning rate \(serverLearningRate)"
        if let clipNorm = clipNorm { strategyLine += ", clip norm \(clipNorm) (\(aggregator.clippedCount) clipped)" }
        say(strategyLine)
        say(String(format: "read       %@ bytes of updates in %.2f s (%.1f MB/s)", Text.grouped(bytes), seconds, Double(bytes) / 1e6 / max(seconds, 1e-9)))
        if let audit = audit {
            try AuditLog.write(aggregator.records, to: audit)
            say("audit      \(audit) (\(aggregator.records.count) lines)")
        }
        if partial {
            let shard = try aggregator.partial()
            try OutputPath.write(shard.serialized(), to: output)
            summary.partial = true
            if json { return try JSONOutput.print(summary, command: "aggregate") }
            say("wrote      \(output) (partial: \(shard.clients.count) updates, \(Text.grouped(Int(clamping: shard.exampleCount))) examples, \(shard.sums.count) weight sums)")
            return
        }
        try write(try aggregator.finish(), base: baseModel, summary: summary)
    }

    private func runMerge(_ baseModel: BaseModel, settings: AggregationSettings, summary: Summary) throws {
        guard case .fedavg = settings.strategy else { throw UserFacingError("--merge combines FedAvg partial sums; --strategy must be fedavg") }
        guard audit == nil else { throw UserFacingError("--audit lists updates as they are read; with --merge, the shards' audit logs hold those lines") }
        let partials = try merge.map { (partial: try PartialAggregate(contentsOf: $0), source: $0) }
        let merged = try PartialAggregate.merge(partials)
        if let round = round, round != merged.round { throw UserFacingError("the partials are for round \(merged.round), not --round \(round)") }
        (summary.round, summary.partials, summary.rejected) = (merged.round, partials.count, merged.rejectedCount)
        (summary.accepted, summary.examples, summary.serverLr) = (merged.clients.count, merged.exampleCount, serverLearningRate)
        say("round      \(merged.round)")
        say("merged     \(partials.count) partials: \(merged.clients.count) accepted updates, \(merged.rejectedCount) rejected in the shards")
        say("examples   \(Text.grouped(Int(clamping: merged.exampleCount))) in the accepted updates")
        try write(try merged.apply(to: baseModel, serverLearningRate: serverLearningRate, minClients: minClients), base: baseModel, summary: summary)
    }

    private func write(_ result: AggregationResult, base: BaseModel, summary: Summary) throws {
        say(String(format: "applied    L2 norm %.6g over %d of %d weights", result.appliedNorm, result.weights.count, base.weights.count))
        try OutputPath.write(try result.model(from: base), to: output)
        summary.appliedNorm = Double(result.appliedNorm)
        if json { return try JSONOutput.print(summary, command: "aggregate") }
        say("wrote      \(output)")
    }
}
