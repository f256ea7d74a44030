import EdgeFederated
import EdgeNumPy
import EdgeONNX
import Foundation
import Testing

/// `edgec update` and `edgec aggregate` through the binary, as the README shows them.
@Suite("Federated commands through the edgec binary", .serialized)
struct FederatedCommandLineTests {
    static let federated = Fixtures.path("federated")
    static let base = Fixtures.path("federated/base.onnx")

    func run(_ arguments: [String]) throws -> EdgecBinary.Result { try EdgecBinary.run(arguments) }

    /// The weights of an ONNX file by name.
    func weights(_ path: String) throws -> [String: [Float]] {
        Dictionary(uniqueKeysWithValues: try ONNXWeightFile(contentsOf: path).weights.map { ($0.name, $0.tensor.storage.floatArray!) })
    }

    func expectClose(_ actual: [String: [Float]], _ expected: [String: [Float]], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(actual.keys) == Set(expected.keys), "\(label)", sourceLocation: sourceLocation)
        for (name, values) in expected {
            let difference = zip(values, actual[name] ?? []).map { abs($0 - $1) }.max() ?? .infinity
            #expect(difference <= 1e-6, "\(label) \(name): max |diff| \(difference)", sourceLocation: sourceLocation)
        }
    }

    @Test("update, inspect and aggregate as in the README")
    func workflow() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let updates = work.appendingPathComponent("updates")
        try FileManager.default.createDirectory(at: updates, withIntermediateDirectories: true)
        for file in try UpdateFiles.list([Fixtures.path("federated/updates/int8")]) {
            try FileManager.default.copyItem(atPath: file, toPath: updates.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent).path)
        }
        let made = try run(["update", "--base", Self.base, "--local", "\(Self.federated)/client_local.onnx", "--examples", "120", "--client-id", "c17",
                            "--round", "7", "--encoding", "int8", "--loss", "0.31", "-o", updates.appendingPathComponent("c17.pb").path])
        #expect(made.status == 0, "\(made.standardError)")
        #expect(made.standardOutput.contains("tensors    4 of 5 weights changed (1 unchanged, left out)"), "\(made.standardOutput)")
        let inspected = try run(["update", "inspect", updates.appendingPathComponent("c17.pb").path, "--base", Self.base])
        #expect(inspected.status == 0, "\(inspected.standardError)")
        for text in ["client     c17, round 7, 120 examples", "producer   edge 0.1.0", "metrics    loss 0.31", "conv.weight  [4,3,3,3]  int8", "valid      for"] {
            #expect(inspected.standardOutput.contains(text), "missing '\(text)' in:\n\(inspected.standardOutput)")
        }
        let next = work.appendingPathComponent("next.onnx").path, audit = work.appendingPathComponent("audit.jsonl").path
        let aggregated = try run(["aggregate", "--base", Self.base, "--updates", updates.path, "--updates", "\(Self.federated)/malformed/wrong_round.pb",
                                  "-o", next, "--min-clients", "3", "--round", "7", "--audit", audit])
        #expect(aggregated.status == 0, "\(aggregated.standardError)")
        for text in ["updates    12 read: 11 accepted, 1 rejected", "wrong_round: round 6, expected 7", "examples   1,016 in the accepted updates",
                     "applied    L2 norm", "wrote      \(next)"] {
            #expect(aggregated.standardOutput.contains(text), "missing '\(text)' in:\n\(aggregated.standardOutput)")
        }
        let records = try AuditLog.decode(Data(contentsOf: URL(fileURLWithPath: audit)))
        #expect(records.count == 12 && records.filter { $0.status == .accepted }.count == 11)
        // The same aggregation in-process gives the same model.
        let aggregator = try Aggregator(base: try BaseModel(contentsOf: Self.base), settings: {
            var settings = AggregationSettings()
            settings.round = 7
            return settings
        }())
        for file in try UpdateFiles.list([updates.path]) { aggregator.add(contentsOf: file) }
        let expected = try aggregator.finish()
        expectClose(try weights(next).filter { expected.weights[$0.key] != nil }, expected.weights, "CLI vs in-process")
    }

    @Test("sharded with --partial and --merge equals one process")
    func shards() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let files = try UpdateFiles.list([Fixtures.path("federated/updates/mixed")])
        var partials: [String] = []
        for (index, range) in [0..<4, 4..<7, 7..<10].enumerated() {
            let shard = work.appendingPathComponent("shard-\(index)")
            try FileManager.default.createDirectory(at: shard, withIntermediateDirectories: true)
            for file in files[range] { try FileManager.default.copyItem(atPath: file, toPath: shard.appendingPathComponent(URL(fileURLWithPath: file).lastPathComponent).path) }
            let output = work.appendingPathComponent("shard-\(index).partial").path
            let result = try run(["aggregate", "--base", Self.base, "--updates", shard.path, "--partial", "--clip-norm", "2", "--round", "7", "-o", output])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("wrote      \(output) (partial: \(range.count) updates"), "\(result.standardOutput)")
            partials.append(output)
        }
        let merged = work.appendingPathComponent("merged.onnx").path
        let mergeRun = try run(["aggregate", "--base", Self.base, "--merge"] + partials + ["-o", merged, "--min-clients", "10"])
        #expect(mergeRun.status == 0, "\(mergeRun.standardError)")
        #expect(mergeRun.standardOutput.contains("merged     3 partials: 10 accepted updates"), "\(mergeRun.standardOutput)")
        let single = work.appendingPathComponent("single.onnx").path
        let singleRun = try run(["aggregate", "--base", Self.base, "--updates", Fixtures.path("federated/updates/mixed"), "--clip-norm", "2", "-o", single])
        #expect(singleRun.status == 0, "\(singleRun.standardError)")
        expectClose(try weights(merged), try weights(single), "merged vs single")
        // Merging a shard twice counts its clients twice: refused.
        let twice = try run(["aggregate", "--base", Self.base, "--merge", partials[0], partials[0], "-o", work.appendingPathComponent("x.onnx").path])
        #expect(twice.status == 1 && twice.standardError.hasPrefix("edgec: error: client 'c00' is counted in both"), "\(twice.standardError)")
    }

    @Test("failures: one line, exit status 1, no model written")
    func failures() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let output = work.appendingPathComponent("next.onnx").path, audit = work.appendingPathComponent("audit.jsonl").path
        let cases: [([String], String)] = [
            // With no valid update before it, duplicate_client.pb is the first (valid) update of client c00.
            (["aggregate", "--base", Self.base, "--updates", "\(Self.federated)/malformed", "-o", output, "--round", "7", "--max-norm", "50",
              "--min-clients", "3", "--audit", audit],
             "edgec: error: 1 update(s) accepted, fewer than --min-clients 3; no model written"),
            (["aggregate", "--base", Self.base, "--updates", "\(Self.federated)/updates/fp32", "-o", output, "--strategy", "mean"],
             "edgec: error: unknown strategy 'mean'; strategies: fedavg, trimmed-mean, median"),
            (["aggregate", "--base", Self.base, "--updates", "\(Self.federated)/updates/fp32", "-o", output, "--strategy", "median", "--partial"],
             "edgec: error: partial aggregates hold FedAvg sums; --strategy median needs all updates in one process"),
            (["aggregate", "--base", Self.base, "--updates", "\(Self.federated)/updates/fp32", "-o", Self.base],
             "edgec: error: -o '\(Self.base)' would overwrite the input '\(Self.base)'"),
            (["aggregate", "--base", Self.base, "--updates", "\(Self.federated)/nowhere", "-o", output],
             "edgec: error: '\(Self.federated)/nowhere' does not exist"),
            (["update", "inspect", "\(Self.federated)/malformed/bad_encoding_topk_gap.pb"],
             "edgec: error: '\(Self.federated)/malformed/bad_encoding_topk_gap.pb' is not a valid update: bad_encoding: tensor 'fc.weight': top-k index gap 1 is 0; indices must strictly increase"),
            (["update", "--base", Self.base, "--local", Fixtures.path("digits/digits_cnn.onnx"), "--examples", "5", "--client-id", "c", "--round", "1", "-o", output],
             "edgec: error: '\(Fixtures.path("digits/digits_cnn.onnx"))' has a weight"),
            (["update", "--base", Self.base, "--local", "\(Self.federated)/client_local.onnx", "--examples", "5", "--client-id", "c", "--round", "1",
              "--encoding", "int4", "-o", output],
             "edgec: error: unknown encoding 'int4'"),
        ]
        for (arguments, message) in cases {
            let result = try run(arguments)
            #expect(result.status == 1, "\(arguments.joined(separator: " ")): status \(result.status)")
            #expect(result.standardError.hasPrefix(message), "\(arguments.joined(separator: " ")):\n\(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
        // The refused round still leaves its audit log: every update with its reason.
        let records = try AuditLog.decode(Data(contentsOf: URL(fileURLWithPath: audit)))
        #expect(records.count == 27 && records.filter { $0.status == .rejected && $0.reason != nil }.count == 26)
    }

    @Test("every verb documents itself with an example")
    func help() throws {
        for verb in [["update"], ["update", "inspect"], ["aggregate"]] {
            let result = try run(verb + ["--help"])
            #expect(result.status == 0)
            #expect(result.standardOutput.contains("Example"), "edgec \(verb.joined(separator: " ")) --help has no example")
        }
    }

    /// Killed at any moment, the aggregator leaves either no model or the complete one, and a
    /// re-run writes the same bytes as an uninterrupted run.
    @Test("interrupted runs leave no partial output; re-running gives the same model")
    func interruption() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let digits = Fixtures.path("digits/digits_cnn.onnx")
        let base = try BaseModel(contentsOf: digits)
        let updates = work.appendingPathComponent("updates")
        try FileManager.default.createDirectory(at: updates, withIntermediateDirectories: true)
        var generator = SplitMix(seed: 7)
        for client in 0..<120 {
            let encoder = try UpdateEncoder(baseModelSHA256: base.sha256, round: 1, clientID: "client-\(client)", exampleCount: UInt64(10 + client % 50))
            for weight in base.weights {
                let delta = (0..<weight.tensor.elementCount).map { _ in Float(generator.normal() * 0.01) }
                try encoder.add(name: weight.name, shape: weight.tensor.shape, delta: delta, encoding: client % 2 == 0 ? .fp32 : .int8)
            }
            try encoder.serialized().write(to: updates.appendingPathComponent(String(format: "u%03d.pb", client)))
        }
        let arguments = ["aggregate", "--base", digits, "--updates", updates.path, "--round", "1", "--clip-norm", "1"]
        func outputs(_ name: String) -> (model: String, audit: String) {
            (work.appendingPathComponent("\(name).onnx").path, work.appendingPathComponent("\(name).jsonl").path)
        }
        let reference = outputs("reference")
        let started = Date()
        let complete = try run(arguments + ["-o", reference.model, "--audit", reference.audit])
        // Kill points are fractions of an uninterrupted run, so a faster aggregator is still caught mid-run.
        let duration = Date().timeIntervalSince(started)
        #expect(complete.status == 0, "\(complete.standardError)")
        let referenceModel = try Data(contentsOf: URL(fileURLWithPath: reference.model))
        let referenceAudit = try Data(contentsOf: URL(fileURLWithPath: reference.audit))
        let target = outputs("next")
        var interrupted = 0
        for delay in [0.1, 0.3, 0.5, 0.7, 0.9].map({ $0 * duration }) {
            let process = Process()
            process.executableURL = EdgecBinary.url
            process.arguments = arguments + ["-o", target.model, "--audit", target.audit]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { interrupted += 1 }
            for (path, complete) in [(target.model, referenceModel), (target.audit, referenceAudit)] where FileManager.default.fileExists(atPath: path) {
                #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == complete, "killed after \(delay) s: '\(path)' is incomplete")
            }
        }
        #expect(interrupted >= 2, "only \(interrupted) of 5 runs were killed before they finished")
        let rerun = try run(arguments + ["-o", target.model, "--audit", target.audit])
        #expect(rerun.status == 0, "\(rerun.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.model)) == referenceModel)
        #expect(try Data(contentsOf: URL(fileURLWithPath: target.audit)) == referenceAudit)
    }
}
