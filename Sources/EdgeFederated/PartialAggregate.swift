import Foundation
import SwiftProtobuf

/// A shard's FedAvg state (formats/partial.proto): per changed weight the sum of
/// n_k * clip_k * delta_k in float64, the total example count, and who counted. Sums are
/// associative, so shards aggregated anywhere merge into the single-process result.
///
///     let merged = try PartialAggregate.merge(files.map { (try PartialAggregate(contentsOf: $0), $0) })
///     let result = try merged.apply(to: base, serverLearningRate: 1, minClients: 3)
public struct PartialAggregate: Sendable {
    public struct Client: Sendable, Equatable {
        public var clientID: String
        public var exampleCount: UInt64
        public var updateSHA256: String
        public var norm: Double
    }

    public struct Sum: Sendable {
        public var name: String
        public var shape: [Int]
        public var values: [Double]
    }

    /// The `format_version` this reader knows.
    public static let formatVersion: UInt32 = 1

    public var baseModelSHA256: String
    public var round: UInt64
    public var clipNorm: Double?
    public var maxNorm: Double?
    public var maxExamples: UInt64
    public var exampleCount: UInt64 = 0
    public var sums: [Sum] = []
    public var clients: [Client] = []
    public var rejectedCount = 0

    public init(baseModelSHA256: String, round: UInt64, clipNorm: Double?, maxNorm: Double?, maxExamples: UInt64) {
        self.baseModelSHA256 = baseModelSHA256
        self.round = round
        self.clipNorm = clipNorm
        self.maxNorm = maxNorm
        self.maxExamples = maxExamples
    }

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FederatedError("cannot read the partial aggregate '\(path)': \((error as NSError).localizedDescription)")
        }
        try self.init(data: data, source: path)
    }

    public init(data: Data, source: String) throws {
        let message: Edgec_Federated_PartialAggregate
        do {
            message = try Edgec_Federated_PartialAggregate(serializedBytes: data)
        } catch {
            throw FederatedError("'\(source)' is not a partial aggregate (\(ClientUpdate.describe(error)))")
        }
        guard message.formatVersion == Self.formatVersion else {
            throw FederatedError("'\(source)' is a partial aggregate of format version \(message.formatVersion); this edgec reads version \(Self.formatVersion)")
        }
        baseModelSHA256 = message.baseModelSha256
        round = message.round
        clipNorm = message.settings.clipNorm > 0 ? message.settings.clipNorm : nil
        maxNorm = message.settings.maxNorm > 0 ? message.settings.maxNorm : nil
        maxExamples = message.settings.maxExamples
        exampleCount = message.exampleCount
        rejectedCount = Int(clamping: message.rejectedCount)
        clients = message.clients.map { Client(clientID: $0.clientID, exampleCount: $0.exampleCount, updateSHA256: $0.updateSha256, norm: $0.norm) }
        sums = try message.sums.map { sum in
            let count = sum.shape.reduce(1) { $0.multipliedReportingOverflow(by: Int(clamping: $1)).overflow ? Int.max : $0 * Int(clamping: $1) }
            guard count < 1 << 34, sum.data.count == 8 * count else {
                throw FederatedError("'\(source)': the sum of '\(sum.name)' holds \(sum.data.count) bytes; shape \(sum.shape) needs \(count) float64 values")
            }
            let values = sum.data.withUnsafeBytes { bytes in
                (0..<count).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
            }
            guard values.allSatisfy(\.isFinite) else { throw FederatedError("'\(source)': the sum of '\(sum.name)' holds a NaN or infinite value") }
            return Sum(name: sum.name, shape: sum.shape.map { Int(clamping: $0) }, values: values)
        }
        guard clients.reduce(UInt64(0), { $0 &+ $1.exampleCount }) == exampleCount else {
            throw FederatedError("'\(source)': the example count \(exampleCount) is not the sum of its clients' counts")
        }
    }

    public func serialized() -> Data {
        var message = Edgec_Federated_PartialAggregate()
        message.formatVersion = Self.formatVersion
        message.baseModelSha256 = baseModelSHA256
        message.round = round
        message.settings.clipNorm = clipNorm ?? 0
        message.settings.maxNorm = maxNorm ?? 0
        message.settings.maxExamples = maxExamples
        message.exampleCount = exampleCount
        message.rejectedCount = UInt64(rejectedCount)
        message.clients = clients.map { client in
            var counted = Edgec_Federated_CountedClient()
            counted.clientID = client.clientID
            counted.exampleCount = client.exampleCount
            counted.updateSha256 = client.updateSHA256
            counted.norm = client.norm
            return counted
        }
        message.sums = sums.map { sum in
            var weighted = Edgec_Federated_WeightedSum()
            weighted.name = sum.name
            weighted.shape = sum.shape.map { UInt64($0) }
            weighted.data = sum.values.map { $0.bitPattern.littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
            return weighted
        }
        // Every field is set from valid values; serializing cannot fail.
        return try! message.serializedBytes()
    }

    /// Adds partials of one base model, round and settings; a client in two of them is an error
    /// (shards must partition the clients).
    public static func merge(_ partials: [(partial: PartialAggregate, source: String)]) throws -> PartialAggregate {
        guard var merged = partials.first?.partial, let firstSource = partials.first?.source else {
            throw FederatedError("no partial aggregates to merge")
        }
        var positions = Dictionary(uniqueKeysWithValues: merged.sums.enumerated().map { ($1.name, $0) })
        var owners = Dictionary(merged.clients.map { ($0.clientID, firstSource) }, uniquingKeysWith: { first, _ in first })
        for (partial, source) in partials.dropFirst() {
            guard partial.baseModelSHA256 == merged.baseModelSHA256 else {
                throw FederatedError("'\(source)' was aggregated from base model \(BaseModel.abbreviated(partial.baseModelSHA256)), '\(firstSource)' from \(BaseModel.abbreviated(merged.baseModelSHA256))")
            }
            guard partial.round == merged.round else {
                throw FederatedError("'\(source)' is for round \(partial.round), '\(firstSource)' for round \(merged.round)")
            }
            guard partial.clipNorm == merged.clipNorm, partial.maxNorm == merged.maxNorm, partial.maxExamples == merged.maxExamples else {
                throw FederatedError("'\(source)' was aggregated with other settings than '\(firstSource)' (\(partial.settingsText) vs \(merged.settingsText))")
            }
            for client in partial.clients {
                if let owner = owners[client.clientID] {
                    throw FederatedError("client '\(client.clientID)' is counted in both '\(owner)' and '\(source)'; shards must partition the clients")
                }
                owners[client.clientID] = source
            }
            for sum in partial.sums {
                if let position = positions[sum.name] {
                    guard merged.sums[position].shape == sum.shape else {
                        throw FederatedError("'\(source)': the sum of '\(sum.name)' has shape \(sum.shape), '\(firstSource)' has \(merged.sums[position].shape)")
                    }
                    for i in sum.values.indices { merged.sums[position].values[i] += sum.values[i] }
                } else {
                    positions[sum.name] = merged.sums.count
                    merged.sums.append(sum)
                }
            }
            merged.clients += partial.clients
            merged.exampleCount += partial.exampleCount
            merged.rejectedCount += partial.rejectedCount
        }
        return merged
    }

    /// new = base + serverLearningRate * sums / exampleCount, for the weights that have a sum.
    public func apply(to base: BaseModel, serverLearningRate: Double, minClients: Int) throws -> AggregationResult {
        guard baseModelSHA256 == base.sha256 else {
            throw FederatedError("the partial aggregate is for base model \(BaseModel.abbreviated(baseModelSHA256)), '\(base.source)' is \(BaseModel.abbreviated(base.sha256))")
        }
        guard clients.count >= max(minClients, 1), exampleCount > 0 else {
            throw FederatedError("\(clients.count) update(s) accepted, fewer than --min-clients \(max(minClients, 1)); no model written")
        }
        var weights: [String: [Float]] = [:]
        var squaredNorm = 0.0
        let denominator = Double(exampleCount)
        for sum in sums {
            guard let slot = base.slots[sum.name], slot.shape == sum.shape,
                  let baseValues = base.weights[slot.index].tensor.storage.floatArray else {
                throw FederatedError("the partial aggregate has a sum for '\(sum.name)' \(sum.shape), which is not a weight of that shape in '\(base.source)'")
            }
            weights[sum.name] = baseValues.indices.map { i in
                let step = serverLearningRate * sum.values[i] / denominator
                squaredNorm += step * step
                return Float(Double(baseValues[i]) + step)
            }
        }
        return AggregationResult(weights: weights, appliedNorm: squaredNorm.squareRoot(), clientCount: clients.count,
                                 exampleCount: exampleCount, round: round)
    }

    var settingsText: String {
        "clip norm \(clipNorm.map { "\($0)" } ?? "none"), max norm \(maxNorm.map { "\($0)" } ?? "none"), max examples \(maxExamples)"
    }
}
