import EdgeFederated
import EdgeIR
import EdgeNumPy
import EdgeONNX
import Foundation
import Testing

/// The goldens of Tests/Fixtures/make_federated.py (federated/expected.json and expected/*.npz).
struct FederatedGolden: Decodable {
    struct Config: Decodable {
        var strategy: String
        var serverLr: Double?
        var clipNorm: Double?
        var maxNorm: Double?
        var trim: Double?
        var round: UInt64?
        var maxExamples: UInt64?
    }

    struct Facts: Decodable {
        var accepted: [String]
        var examples: UInt64
        var clipped: Int
        var appliedNorm: Double
        var touched: [String]
    }

    var baseSha256: String
    var round: UInt64
    var topkFraction: Double
    var configs: [String: Config]
    var results: [String: [String: Facts]]
    var malformed: [String: String]
    var malformedSettings: Config

    static let encodings = ["fp32", "fp16", "int8", "topk", "mixed"]

    static func load() throws -> FederatedGolden {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(FederatedGolden.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("federated/expected.json"))))
    }

    static func settings(_ config: Config) throws -> AggregationSettings {
        var settings = AggregationSettings()
        settings.strategy = try .init(name: config.strategy, trim: config.trim ?? 0.1)
        settings.serverLearningRate = config.serverLr ?? 1
        settings.clipNorm = config.clipNorm
        settings.maxNorm = config.maxNorm
        settings.round = config.round
        if let bound = config.maxExamples { settings.maxExamples = bound }
        return settings
    }

    static var basePath: String { Fixtures.path("federated/base.onnx") }

    static func updateFiles(_ encoding: String) throws -> [String] {
        try UpdateFiles.list([Fixtures.path("federated/updates/\(encoding)")])
    }
}

/// New weights against the NumPy goldens: float64 arithmetic on both sides, rounded to float32
/// once, so at most an ulp or two apart.
func expectWeights(_ weights: [String: [Float]], equal expected: [String: Tensor], prefix: String, base: BaseModel, touched: [String],
                   _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(Set(weights.keys) == Set(touched), "\(label): replaced \(weights.keys.sorted()), expected \(touched)", sourceLocation: sourceLocation)
    for weight in base.weights {
        guard let reference = expected["\(prefix)/\(weight.name)"]?.storage.floatArray else {
            Issue.record("\(label): no golden for \(weight.name)", sourceLocation: sourceLocation)
            continue
        }
        let actual = weights[weight.name] ?? weight.tensor.storage.floatArray!
        let difference = zip(actual, reference).map { abs(Double($0) - Double($1)) / max(1, abs(Double($1))) }.max() ?? 0
        #expect(actual.count == reference.count && difference <= 1e-6, "\(label) \(weight.name): max relative diff \(difference)", sourceLocation: sourceLocation)
    }
}

@Suite("Federated averaging against NumPy")
struct FederatedTests {
    static let golden = try! FederatedGolden.load()

    @Test("every strategy and option, every encoding", arguments: FederatedGolden.encodings)
    func strategies(encoding: String) throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        #expect(base.sha256 == Self.golden.baseSha256)
        let expected = try NumPyFiles.read(Fixtures.path("federated/expected/\(encoding).npz"))
        for (name, config) in Self.golden.configs.sorted(by: { $0.key < $1.key }) {
            let facts = try #require(Self.golden.results[encoding]?[name])
            let aggregator = try Aggregator(base: base, settings: try FederatedGolden.settings(config))
            for file in try FederatedGolden.updateFiles(encoding) { aggregator.add(contentsOf: file) }
            #expect(aggregator.clients.map(\.clientID) == facts.accepted, "\(encoding) \(name)")
            #expect(aggregator.exampleCount == facts.examples, "\(encoding) \(name)")
            #expect(aggregator.clippedCount == facts.clipped, "\(encoding) \(name)")
            let result = try aggregator.finish()
            expectWeights(result.weights, equal: expected, prefix: name, base: base, touched: facts.touched, "\(encoding) \(name)")
            #expect(abs(result.appliedNorm - facts.appliedNorm) <= 1e-9 * max(1, facts.appliedNorm), "\(encoding) \(name): norm \(result.appliedNorm) vs \(facts.appliedNorm)")
        }
    }

    @Test("malformed updates are rejected with their reason and change nothing")
    func malformed() throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        let aggregator = try Aggregator(base: base, settings: try FederatedGolden.settings(Self.golden.malformedSettings))
        for file in try FederatedGolden.updateFiles("fp32") { #expect(aggregator.add(contentsOf: file).status == .accepted) }
        var seen = Set<String>()
        for file in try UpdateFiles.list([Fixtures.path("federated/malformed")]) {
            let name = URL(fileURLWithPath: file).lastPathComponent
            let expected = try #require(Self.golden.malformed[name], "\(name) has no expected reason")
            let record = aggregator.add(contentsOf: file)
            #expect(record.status == .rejected, "\(name) was accepted")
            #expect(record.reason == expected, "\(name): \(record.reason ?? "-") (\(record.detail ?? "")), expected \(expected)")
            #expect(!(record.detail ?? "").isEmpty && !(record.detail ?? "").contains("\n"), "\(name): detail must be one line")
            seen.insert(expected)
        }
        // Every reason that an update file (as opposed to the file system) can cause is covered.
        let coverable = Set(Rejection.Reason.allCases.map(\.rawValue)).subtracting(["unreadable"])
        #expect(seen == coverable, "reasons without a malformed fixture: \(coverable.subtracting(seen).sorted())")
        #expect(aggregator.acceptedCount == 10)
        let result = try aggregator.finish()
        let expected = try NumPyFiles.read(Fixtures.path("federated/expected/fp32.npz"))
        expectWeights(result.weights, equal: expected, prefix: "fedavg", base: base, touched: Self.golden.results["fp32"]!["fedavg"]!.touched,
                      "fp32 fedavg after every malformed update")
    }

    @Test("partial aggregates merge into the single-process result", arguments: ["fp32", "int8", "mixed"])
    func partialsMerge(encoding: String) throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        var settings = AggregationSettings()
        settings.clipNorm = 1.0
        settings.round = Self.golden.round
        let files = try FederatedGolden.updateFiles(encoding)
        let single = try Aggregator(base: base, settings: settings)
        for file in files { single.add(contentsOf: file) }
        let reference = try single.finish()
        // Shards of several sizes, one of them empty, merged in an order unlike the files'.
        for cuts in [[3, 7], [1, 2, 9], [0, 5, 10]] {
            var shards: [(partial: PartialAggregate, source: String)] = []
            for (index, range) in zip([0] + cuts, cuts + [files.count]).map({ $0..<$1 }).enumerated() {
                let aggregator = try Aggregator(base: base, settings: settings)
                for file in files[range] { aggregator.add(contentsOf: file) }
                let shard = try PartialAggregate(data: try aggregator.partial().serialized(), source: "shard-\(index).partial")
                shards.append((shard, "shard-\(index).partial"))
            }
            let merged = try PartialAggregate.merge(shards.reversed())
            #expect(merged.clients.count == 10 && merged.exampleCount == single.exampleCount)
            let result = try merged.apply(to: base, serverLearningRate: 1, minClients: 3)
            #expect(Set(result.weights.keys) == Set(reference.weights.keys))
            for (name, values) in reference.weights {
                let difference = zip(values, result.weights[name]!).map { abs($0 - $1) }.max() ?? 0
                #expect(difference <= 1e-6, "\(encoding) shards \(cuts) \(name): max |diff| \(difference)")
            }
            #expect(abs(result.appliedNorm - reference.appliedNorm) <= 1e-9)
        }
    }

    @Test("merging refuses shards that overlap or disagree")
    func mergeRefusals() throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        let files = try FederatedGolden.updateFiles("fp32")
        func shard(_ range: Range<Int>, clip: Double? = nil, round: UInt64 = 7) throws -> PartialAggregate {
            var settings = AggregationSettings()
            settings.clipNorm = clip
            settings.round = round
            let aggregator = try Aggregator(base: base, settings: settings)
            for file in files[range] { aggregator.add(contentsOf: file) }
            return try aggregator.partial()
        }
        let overlap = #expect(throws: FederatedError.self) { try PartialAggregate.merge([(try shard(0..<5), "a"), (try shard(4..<10), "b")]) }
        #expect(overlap?.message.contains("client 'c04' is counted in both 'a' and 'b'") == true)
        let settings = #expect(throws: FederatedError.self) { try PartialAggregate.merge([(try shard(0..<5), "a"), (try shard(5..<10, clip: 1), "b")]) }
        #expect(settings?.message.contains("other settings") == true)
        let round = #expect(throws: FederatedError.self) { try PartialAggregate.merge([(try shard(0..<5), "a"), (try shard(5..<10, round: 8), "b")]) }
        #expect(round?.message.contains("round 8") == true)
        #expect(throws: FederatedError.self) { try PartialAggregate(data: Data("not a partial".utf8), source: "x.partial") }
        var robust = AggregationSettings()
        robust.strategy = .median
        #expect(throws: FederatedError.self) { try Aggregator(base: base, settings: robust).partial() }
    }

    @Test("too few accepted updates: no result")
    func minimumClients() throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        var settings = AggregationSettings()
        settings.minClients = 11
        let aggregator = try Aggregator(base: base, settings: settings)
        for file in try FederatedGolden.updateFiles("fp16") { aggregator.add(contentsOf: file) }
        let error = #expect(throws: FederatedError.self) { try aggregator.finish() }
        #expect(error?.message == "10 update(s) accepted, fewer than --min-clients 11; no model written")
        let empty = try Aggregator(base: base, settings: AggregationSettings())
        #expect(throws: FederatedError.self) { try empty.finish() }
        for bad in [{ (s: inout AggregationSettings) in s.strategy = .trimmedMean(trim: 0.5) }, { $0.serverLearningRate = 0 },
                    { $0.clipNorm = -1 }, { $0.minClients = 0 }] {
            var settings = AggregationSettings()
            bad(&settings)
            #expect(throws: FederatedError.self) { try Aggregator(base: base, settings: settings) }
        }
    }

    @Test("thousands of corrupted updates and partials: never a crash, never counted unless valid")
    func mutations() throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        var settings = AggregationSettings()
        settings.round = 7
        var generator = SplitMix(seed: 11)
        var originals = try ["fp32", "fp16", "int8", "topk"].map { try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("federated/updates/\($0)/c05.pb"))) }
        let partialAggregator = try Aggregator(base: base, settings: settings)
        for file in try FederatedGolden.updateFiles("int8") { partialAggregator.add(contentsOf: file) }
        originals.append(try partialAggregator.partial().serialized())
        var accepted = 0, rejected = 0
        for round in 0..<4000 {
            var bytes = [UInt8](originals[round % originals.count])
            for _ in 0..<(1 + Int(generator.next() % 4)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 4 {
                case 0: bytes[position] ^= UInt8(1 << (generator.next() % 8))
                case 1: bytes[position] = UInt8(truncatingIfNeeded: generator.next())
                case 2: bytes.removeSubrange(position...)
                default: bytes.insert(contentsOf: (0..<Int(generator.next() % 9)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, at: position)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            if round % originals.count == originals.count - 1 {
                _ = try? PartialAggregate(data: Data(bytes), source: "mutant.partial")
                continue
            }
            // A fresh aggregator each time, so that a mutant that is still a valid update is judged alone.
            let aggregator = try Aggregator(base: base, settings: settings)
            let record = aggregator.add(Data(bytes), source: "mutant-\(round).pb")
            if record.status == .accepted {
                accepted += 1
                let update = try ClientUpdate(data: Data(bytes))
                #expect(update.tensors.allSatisfy { tensor in tensor.storedValues().allSatisfy(\.isFinite) && base.slots[tensor.name]?.shape == tensor.shape })
                _ = try aggregator.finish()
            } else {
                rejected += 1
                #expect(Rejection.Reason(rawValue: record.reason ?? "") != nil)
                #expect(aggregator.acceptedCount == 0)
            }
        }
        print("mutated updates: \(accepted) still valid (flips inside float data), \(rejected) rejected")
        #expect(rejected > 1000)
    }

    @Test("the audit log has one line per update, in order, and reads back")
    func auditLog() throws {
        let base = try BaseModel(contentsOf: FederatedGolden.basePath)
        let aggregator = try Aggregator(base: base, settings: try FederatedGolden.settings(Self.golden.malformedSettings))
        let files = try FederatedGolden.updateFiles("topk") + [Fixtures.path("federated/malformed/wrong_round.pb"), Fixtures.path("federated/no-such-file.pb")]
        for file in files { aggregator.add(contentsOf: file) }
        let lines = AuditLog.encode(aggregator.records)
        let text = String(decoding: lines, as: UTF8.self)
        #expect(text.split(separator: "\n").count == files.count)
        let records = try AuditLog.decode(lines)
        #expect(records == aggregator.records)
        #expect(records.map(\.file) == files)
        #expect(records[0].status == .accepted && records[0].clientID == "c00" && records[0].round == 7 && records[0].norm != nil)
        #expect(records[0].sha256.count == 64 && records[0].bytes > 0)
        #expect(records[10].reason == "wrong_round" && records[10].detail == "round 6, expected 7")
        #expect(records[11].reason == "unreadable")
        #expect(text.contains(#""status":"rejected""#) && text.contains(#""reason":"wrong_round""#))
    }
}

@Suite("ONNX weights: listing and rewriting")
struct ONNXWeightTests {
    @Test("initializers and Constant-node weights, by name; integer constants are not weights")
    func listing() throws {
        let file = try ONNXWeightFile(contentsOf: FederatedGolden.basePath)
        #expect(file.weights.map(\.name) == ["conv.weight", "fc.weight", "conv.bias", "fc.bias", "scale"])
        #expect(file.weights.map(\.origin) == [.initializer, .initializer, .constantNode, .constantNode, .constantNode])
        #expect(file.weight(named: "scale")?.tensor.shape == [])
        #expect(file.weight(named: "flatten_shape") == nil)
        let digits = try ONNXWeightFile(contentsOf: Fixtures.path("digits/digits_cnn.onnx"))
        let info = try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx")).info
        #expect(digits.weights.filter { $0.origin == .initializer }.count == info.initializerCount)
        #expect(digits.weights.reduce(0) { $0 + $1.tensor.elementCount } == info.initializerElements + info.constantNodeElements)
    }

    @Test("rewriting keeps every other byte; the new model runs")
    func rewriting() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: FederatedGolden.basePath))
        let file = try ONNXWeightFile(data: original, source: "base.onnx")
        #expect(try file.replacingWeights([:]) == original)
        let doubled = Dictionary(uniqueKeysWithValues: file.weights.map { ($0.name, $0.tensor.storage.floatArray!.map { $0 * 2 }) })
        let rewritten = try file.replacingWeights(doubled)
        let reread = try ONNXWeightFile(data: rewritten, source: "rewritten.onnx")
        for weight in reread.weights {
            #expect(weight.tensor.storage.floatArray! == doubled[weight.name]!, "\(weight.name)")
            #expect(weight.origin == file.weight(named: weight.name)!.origin)
        }
        // Putting the old values back gives the original file byte for byte.
        let restored = try reread.replacingWeights(Dictionary(uniqueKeysWithValues: file.weights.map { ($0.name, $0.tensor.storage.floatArray!) }))
        #expect(restored == original)
        // The rewritten models load and run: doubling the final `scale` (a Constant node) doubles the output.
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scaled = try file.replacingWeights(["scale": file.weight(named: "scale")!.tensor.storage.floatArray!.map { $0 * 2 }])
        for (name, data) in [("base", original), ("doubled", rewritten), ("scaled", scaled)] {
            try data.write(to: directory.appendingPathComponent("\(name).onnx"))
        }
        let input = ["x": Fixtures.formulaInput(shape: [1, 3, 6, 6])]
        let before = try Fixtures.run(directory.appendingPathComponent("base.onnx").path, inputs: input).outputs["y"]!
        let after = try Fixtures.run(directory.appendingPathComponent("scaled.onnx").path, inputs: input).outputs["y"]!
        #expect(zip(before.storage.floatArray!, after.storage.floatArray!).allSatisfy { abs($0 * 2 - $1) <= 1e-5 * max(1, abs($1)) })
        _ = try Fixtures.run(directory.appendingPathComponent("doubled.onnx").path, inputs: input)
        #expect(throws: ONNXError.self) { try file.replacingWeights(["nope": [1]]) }
        #expect(throws: ONNXError.self) { try file.replacingWeights(["scale": [1, 2]]) }
    }
}
