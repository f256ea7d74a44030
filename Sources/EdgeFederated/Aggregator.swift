import Foundation

/// How a round's updates are combined and which ones count.
public struct AggregationSettings: Sendable, Equatable {
    public enum Strategy: Sendable, Equatable, CustomStringConvertible {
        /// Example-weighted mean of the deltas: sum(n_k d_k) / sum(n_k) — Flower's FedAvg.
        case fedavg
        /// Coordinate-wise: drop the `trim` fraction of the lowest and of the highest values,
        /// average the rest (unweighted) — Flower's FedTrimmedAvg (`beta`).
        case trimmedMean(trim: Double)
        /// Coordinate-wise median (unweighted) — Flower's FedMedian.
        case median

        /// Parses the command line's name.
        public init(name: String, trim: Double) throws {
            switch name {
            case "fedavg": self = .fedavg
            case "trimmed-mean": self = .trimmedMean(trim: trim)
            case "median": self = .median
            default: throw FederatedError("unknown strategy '\(name)'; strategies: fedavg, trimmed-mean, median")
            }
        }

        public var description: String {
            switch self {
            case .fedavg: return "fedavg"
            case .trimmedMean(let trim): return "trimmed-mean (trim \(trim))"
            case .median: return "median"
            }
        }
    }

    public var strategy: Strategy = .fedavg
    /// new = base + serverLearningRate * aggregate delta (1: plain FedAvg).
    public var serverLearningRate: Double = 1
    /// Scale each update down to this L2 norm when it is larger (nil: no clipping).
    public var clipNorm: Double?
    /// Reject updates whose L2 norm is larger (nil: no bound).
    public var maxNorm: Double?
    /// Reject updates claiming more examples.
    public var maxExamples: UInt64 = defaultMaxExamples
    /// The bound `aggregate` and `update inspect --base` both apply unless told otherwise, so an
    /// update the one calls valid the other accepts.
    public static let defaultMaxExamples: UInt64 = 1_000_000
    /// Fewer accepted updates than this: no new model.
    public var minClients = 1
    /// The round updates must be for (nil: the round of the first update made for the base model).
    public var round: UInt64?

    public init() {}

    public func check() throws {
        if case .trimmedMean(let trim) = strategy, !(trim >= 0 && trim < 0.5) {
            throw FederatedError("--trim must be in [0, 0.5), not \(trim)")
        }
        guard serverLearningRate.isFinite, serverLearningRate > 0 else { throw FederatedError("--server-lr must be a positive number, not \(serverLearningRate)") }
        if let clip = clipNorm, !(clip.isFinite && clip > 0) { throw FederatedError("--clip-norm must be a positive number, not \(clip)") }
        if let bound = maxNorm, !(bound.isFinite && bound > 0) { throw FederatedError("--max-norm must be a positive number, not \(bound)") }
        guard maxExamples >= 1, maxExamples <= 1 << 40 else { throw FederatedError("--max-examples must be between 1 and 2^40, not \(maxExamples)") }
        guard minClients >= 1 else { throw FederatedError("--min-clients must be at least 1, not \(minClients)") }
    }
}

/// The next global model's weights: those some counted update changed, by name.
public struct AggregationResult: Sendable {
    public var weights: [String: [Float]]
    /// L2 norm of the step applied to the base (server learning rate included).
    public var appliedNorm: Double
    public var clientCount: Int
    public var exampleCount: UInt64
    public var round: UInt64

    /// The new model: the base ONNX with those weights replaced, everything else kept.
    public func model(from base: BaseModel) throws -> Data { try base.file.replacingWeights(weights) }
}

/// Folds a round's updates into the next global model, one update at a time.
///
///     let aggregator = try Aggregator(base: BaseModel(contentsOf: "global.onnx"), settings: settings)
///     for path in files { aggregator.add(contentsOf: path) }      // each: accepted, or rejected with a reason
///     let result = try aggregator.finish()
///     try result.model(from: aggregator.base).write(to: next, options: .atomic)
///
/// FedAvg streams: it holds the running weighted sum (float64, one per parameter) and the
/// update being added, never two updates, so memory is O(model) for any number of updates.
/// The robust strategies need every value of a coordinate at once: they keep the accepted
/// updates in their encoded form (what the files hold) and expand them block by block.
/// Updates are validated completely before they touch any sum: a rejected update never
/// changes the result.
public final class Aggregator {
    public let base: BaseModel
    public let settings: AggregationSettings
    /// The round being aggregated (from the settings, or the first update made for the base).
    public private(set) var round: UInt64?
    /// One record per update added, in order.
    public private(set) var records: [AuditRecord] = []
    public private(set) var exampleCount: UInt64 = 0
    public private(set) var clippedCount = 0
    public private(set) var clients: [PartialAggregate.Client] = []

    /// FedAvg: sum of n_k * clip_k * delta_k, in the base's flat layout.
    private var sums: [Double]
    /// Robust strategies: the accepted updates and their clip factors.
    private var kept: [(update: ClientUpdate, clip: Double)] = []
    /// Per base weight (by index): whether some accepted update changed it.
    private var touched: [Bool]
    private var acceptedFiles: [String: String] = [:]

    public init(base: BaseModel, settings: AggregationSettings) throws {
        try settings.check()
        self.base = base
        self.settings = settings
        round = settings.round
        sums = settings.strategy == .fedavg ? [Double](repeating: 0, count: base.parameterCount) : []
        touched = [Bool](repeating: false, count: base.weights.count)
    }

    public var acceptedCount: Int { clients.count }
    public var rejectedCount: Int { records.count - clients.count }

    /// Reads and adds one update file; a file that cannot be read is rejected like a bad update.
    @discardableResult
    public func add(contentsOf path: String) -> AuditRecord {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            var record = AuditRecord(file: path, sha256: "", bytes: 0)
            record.reason = Rejection.Reason.unreadable.rawValue
            record.detail = "cannot read the file: \((error as NSError).localizedDescription)"
            records.append(record)
            return record
        }
        return add(data, source: path)
    }

    /// Validates one update and, when it passes, adds it; returns (and keeps) its audit record.
    @discardableResult
    public func add(_ data: Data, source: String) -> AuditRecord {
        // The file's SHA-256 (for the audit log) is computed on another core while the update
        // is decoded, checked and summed: hashing costs about as much as all the rest.
        let digest = Digest()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { digest.hex = ModelHash.sha256(data) }
        var record = AuditRecord(file: source, sha256: "", bytes: data.count)
        let counted = evaluate(data, source: source, into: &record)
        group.wait()
        record.sha256 = digest.hex
        if var client = counted {
            client.updateSHA256 = digest.hex
            clients.append(client)
        }
        records.append(record)
        return record
    }

    /// Everything `add` does but the hash; returns the counted client when the update is accepted.
    private func evaluate(_ data: Data, source: String, into record: inout AuditRecord) -> PartialAggregate.Client? {
        do {
            let update = try ClientUpdate(data: data)
            record.clientID = update.clientID
            record.round = update.round
            record.examples = update.exampleCount
            record.loss = update.loss.flatMap { $0.isFinite ? $0 : nil }
            record.accuracy = update.accuracy.flatMap { $0.isFinite ? $0 : nil }
            if round == nil && update.baseModelSHA256 == base.sha256 { round = update.round }
            let stored = try base.validate(update, round: round ?? update.round, maxExamples: settings.maxExamples)
            let norm = stored.reduce(0.0) { total, values in values.reduce(total) { $0 + Double($1) * Double($1) } }.squareRoot()
            record.norm = norm
            if let bound = settings.maxNorm, norm > bound {
                throw Rejection(.normTooLarge, "L2 norm \(Self.format(norm)) is above the bound \(Self.format(bound))")
            }
            if let first = acceptedFiles[update.clientID] {
                throw Rejection(.duplicateClient, "client '\(update.clientID)' already counted in round \(update.round) (\(first))")
            }
            var clip = 1.0
            if let limit = settings.clipNorm {
                if norm > limit { clip = limit / norm; clippedCount += 1 }
                record.clipFactor = clip
            }
            accept(update, stored: stored, clip: clip)
            acceptedFiles[update.clientID] = source
            exampleCount += update.exampleCount
            record.status = .accepted
            return PartialAggregate.Client(clientID: update.clientID, exampleCount: update.exampleCount, updateSHA256: "", norm: norm)
        } catch let rejection as Rejection {
            record.reason = rejection.reason.rawValue
            record.detail = rejection.detail
        } catch {
            record.reason = Rejection.Reason.undecodable.rawValue
            record.detail = "\(error)"
        }
        return nil
    }

    private func accept(_ update: ClientUpdate, stored: [[Float]], clip: Double) {
        for tensor in update.tensors { touched[base.slots[tensor.name]!.index] = true }
        guard settings.strategy == .fedavg else {
            kept.append((update, clip))
            return
        }
        let factor = Double(update.exampleCount) * clip
        sums.withUnsafeMutableBufferPointer { sums in
            for (tensor, values) in zip(update.tensors, stored) {
                tensor.accumulate(values, factor: factor, into: sums.baseAddress! + base.slots[tensor.name]!.offset)
            }
        }
    }

    /// The FedAvg state of what was added, to merge with other shards' (`PartialAggregate.merge`).
    public func partial() throws -> PartialAggregate {
        guard settings.strategy == .fedavg else {
            throw FederatedError("partial aggregates hold FedAvg sums; --strategy \(settings.strategy) needs all updates in one process")
        }
        guard let round = round else {
            throw FederatedError("no update was made from this base model, so the round is unknown; pass --round")
        }
        var partial = PartialAggregate(baseModelSHA256: base.sha256, round: round, clipNorm: settings.clipNorm, maxNorm: settings.maxNorm,
                                       maxExamples: settings.maxExamples)
        partial.exampleCount = exampleCount
        partial.clients = clients
        partial.rejectedCount = rejectedCount
        for weight in base.weights {
            let slot = base.slots[weight.name]!
            guard touched[slot.index] else { continue }
            partial.sums.append(PartialAggregate.Sum(name: weight.name, shape: slot.shape, values: Array(sums[slot.offset..<(slot.offset + slot.count)])))
        }
        return partial
    }

    /// The next global weights; throws when fewer than `minClients` updates were accepted.
    public func finish() throws -> AggregationResult {
        guard acceptedCount >= settings.minClients else {
            throw FederatedError("\(acceptedCount) update(s) accepted, fewer than --min-clients \(settings.minClients); no model written")
        }
        if settings.strategy == .fedavg {
            return try partial().apply(to: base, serverLearningRate: settings.serverLearningRate, minClients: settings.minClients)
        }
        return robustResult()
    }

    /// Trimmed mean or median of every coordinate over the accepted updates, in blocks of
    /// coordinates so that memory stays (clients x block) beside the kept updates.
    private func robustResult() -> AggregationResult {
        let clientCount = kept.count
        let block = 4096
        var matrix = [Float](repeating: 0, count: clientCount * block)
        var column = [Double](repeating: 0, count: clientCount)
        let byName = kept.map { entry in Dictionary(uniqueKeysWithValues: entry.update.tensors.map { ($0.name, $0) }) }
        var weights: [String: [Float]] = [:]
        var squaredNorm = 0.0
        for weight in base.weights where touched[base.slots[weight.name]!.index] {
            let baseValues = weight.tensor.storage.floatArray!
            var next = baseValues
            for start in stride(from: 0, to: baseValues.count, by: block) {
                let count = min(block, baseValues.count - start)
                matrix.withUnsafeMutableBufferPointer { matrix in
                    for client in 0..<clientCount {
                        let row = matrix.baseAddress! + client * block
                        if let delta = byName[client][weight.name] {
                            delta.values(in: start..<(start + count), into: row)
                        } else {
                            row.update(repeating: 0, count: count)
                        }
                    }
                }
                for j in 0..<count {
                    for client in 0..<clientCount { column[client] = Double(matrix[client * block + j]) * kept[client].clip }
                    column.sort()
                    let step = settings.serverLearningRate * Self.statistic(of: column, settings.strategy)
                    squaredNorm += step * step
                    next[start + j] = Float(Double(baseValues[start + j]) + step)
                }
            }
            weights[weight.name] = next
        }
        return AggregationResult(weights: weights, appliedNorm: squaredNorm.squareRoot(), clientCount: clientCount,
                                 exampleCount: exampleCount, round: round ?? 0)
    }

    /// The trimmed mean or median of sorted values (as Flower's `_trim_mean` and `np.median`).
    static func statistic(of sorted: [Double], _ strategy: AggregationSettings.Strategy) -> Double {
        let count = sorted.count
        switch strategy {
        case .trimmedMean(let trim):
            let cut = Int(trim * Double(count))
            let kept = sorted[cut..<(count - cut)]
            return kept.reduce(0, +) / Double(kept.count)
        case .median, .fedavg:
            return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.6g", value) }
}

/// A hash computed on another thread, read once that thread is done (after `DispatchGroup.wait`).
private final class Digest: @unchecked Sendable {
    var hex = ""
}
