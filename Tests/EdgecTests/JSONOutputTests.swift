import Foundation
import Testing

/// `--json` on every verb: one object with snake_case keys, a `command` key, numbers as numbers,
/// shapes as arrays and paths unescaped — the keys the README's "JSON output" table documents.
@Suite struct JSONOutputTests {
    static let digits = Fixtures.path("digits/digits_cnn.onnx"), dynamic = Fixtures.path("digits/digits_cnn_dynamic.onnx")
    static let calib = Fixtures.path("digits/digits_calib.npz"), train = Fixtures.path("digits/digits_train.npz")
    static let federated = Fixtures.path("federated")

    /// Runs a verb with --json and returns its object after the checks every verb shares.
    static func object(_ arguments: [String], command: String, keys: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try EdgecBinary.run(arguments + ["--json"])
        #expect(result.status == 0, "\(arguments): \(result.standardError)", sourceLocation: sourceLocation)
        #expect(!result.standardOutput.contains("\\/"), "escaped slash in \(arguments)", sourceLocation: sourceLocation)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any], sourceLocation: sourceLocation)
        #expect(object["command"] as? String == command, sourceLocation: sourceLocation)
        for key in keys { #expect(object[key] != nil, "'\(command)' JSON lacks '\(key)': \(object.keys.sorted())", sourceLocation: sourceLocation) }
        for key in object.keys { #expect(key == key.lowercased() && !key.contains("-"), "'\(key)' is not snake_case", sourceLocation: sourceLocation) }
        return object
    }

    static func shape(_ port: Any?) -> [Int]? { ((port as? [[String: Any]])?.first?["shape"]) as? [Int] }

    @Test func inspectONNXAndEdgemGiveShapesAsArrays() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let onnx = try Self.object(["inspect", Self.digits], command: "inspect", keys: ["model", "producer", "ir_version", "opset", "inputs", "outputs", "operators", "weights", "layers", "total_macs"])
        #expect(Self.shape(onnx["inputs"]) == [1, 1, 8, 8])
        #expect(Self.shape(onnx["outputs"]) == [1, 10])
        // Before analysis a dynamic dimension is its name, in the same array.
        let unsupported = try EdgecBinary.run(["inspect", Fixtures.path("bad/unsupported_ops.onnx"), "--json"])
        let partial = try #require(try JSONSerialization.jsonObject(with: Data(unsupported.standardOutput.utf8)) as? [String: Any])
        #expect(((partial["inputs"] as? [[String: Any]])?.first?["shape"] as? [Any]) != nil)
        let edgem = directory.appendingPathComponent("digits.edgem").path
        let compiled = try Self.object(["compile", Self.digits, "-o", edgem], command: "compile",
                                       keys: ["output", "bytes", "source_bytes", "operators", "tensors", "arena_bytes", "activation_bytes", "scratch_bytes"])
        #expect(compiled["output"] as? String == edgem)
        #expect((compiled["arena_bytes"] as? Int ?? 0) == (compiled["activation_bytes"] as? Int ?? -1) + (compiled["scratch_bytes"] as? Int ?? -1))
        let inspected = try Self.object(["inspect", edgem], command: "inspect",
                                        keys: ["file", "file_size", "sections", "inputs", "outputs", "operators", "arena_size", "activation_bytes", "scratch_bytes", "metadata"])
        #expect(Self.shape(inspected["inputs"]) == [1, 1, 8, 8])
        #expect(((inspected["operators"] as? [[String: Any]])?.last?["outputs"] as? [[Int]]) == [[1, 10]])
        let ran = try Self.object(["run", edgem, "--input", Fixtures.path("digits/digits_sample.npy"), "-o", directory.appendingPathComponent("out.npy").path],
                                  command: "run", keys: ["output", "runner", "outputs", "runs", "median_milliseconds", "fastest_milliseconds"])
        #expect(Self.shape(ran["outputs"]) == [1, 10])
    }

    @Test func compressionAndTrainingVerbs() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let quantized = try Self.object(["quantize", Self.digits, "--calib", Fixtures.path("images/digits.npz"), "-o", path("q.edgem")], command: "quantize",
                                        keys: ["output", "bytes", "source_bytes", "int8", "float", "layers", "accuracy_before", "accuracy_after"])
        #expect((quantized["layers"] as? [[String: Any]])?.allSatisfy { $0["sqnr"] is Double } == true)
        _ = try Self.object(["eval", path("q.edgem"), "--data", Fixtures.path("digits/digits_test.npz"), "--reference", Self.digits], command: "eval",
                            keys: ["model", "file_bytes", "samples", "accuracy", "reference_accuracy", "top1_agreement", "outputs", "latency_milliseconds"])
        _ = try Self.object(["prune", Self.digits, "--sparsity", "0.5", "-o", path("p.onnx")], command: "prune",
                            keys: ["output", "bytes", "source_bytes", "prunable_weights", "pruned_weights", "layers"])
        _ = try Self.object(["train", Self.dynamic, "--data", Self.train, "--epochs", "1", "-o", path("t.onnx")], command: "train",
                            keys: ["output", "loss", "parameters", "tensors", "epochs", "seconds"])
        _ = try Self.object(["distill", "--teacher", Self.dynamic, "--student", Fixtures.path("digits/digits_student.onnx"), "--data", Self.train, "--epochs", "1", "-o", path("s.onnx")],
                            command: "distill", keys: ["output", "loss", "parameters", "tensors", "epochs", "seconds"])
    }

    @Test func federatedVerbs() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = "\(Self.federated)/base.onnx", update = directory.appendingPathComponent("c17.pb").path
        let made = try Self.object(["update", "--base", base, "--local", "\(Self.federated)/client_local.onnx", "--examples", "120", "--client-id", "c17",
                                    "--round", "7", "--encoding", "int8", "-o", update], command: "update",
                                   keys: ["output", "client_id", "round", "examples", "base", "base_sha256", "changed_tensors", "encoding", "bytes", "fp32_bytes", "norm"])
        #expect(made["round"] as? Int == 7)
        let inspected = try Self.object(["update", "inspect", update, "--base", base], command: "update inspect",
                                        keys: ["file", "bytes", "client_id", "round", "examples", "base_sha256", "tensors", "norm", "valid_for_base"])
        #expect((inspected["tensors"] as? [[String: Any]])?.allSatisfy { $0["shape"] is [Int] } == true)
        let aggregated = try Self.object(["aggregate", "--base", base, "--updates", "\(Self.federated)/updates/int8", "--updates", update,
                                          "-o", directory.appendingPathComponent("next.onnx").path], command: "aggregate",
                                         keys: ["base", "base_sha256", "output", "round", "updates_read", "accepted", "rejected", "rejections", "examples", "strategy", "applied_norm"])
        #expect(aggregated["accepted"] as? Int == 11)
    }

    @Test func runtimeVerbs() throws {
        let listed = try Self.object(["runtime", "targets"], command: "runtime targets", keys: ["targets"])
        let targets = try #require(listed["targets"] as? [[String: Any]])
        #expect(targets.compactMap { $0["name"] as? String }.contains("x86_64-linux-gnu"))
        #expect(targets.allSatisfy { $0["ready"] is Bool && $0["description"] is String })
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-json-runtime-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let built = try Self.object(["runtime", "build", "--target", "x86_64-linux-gnu", "--inference-only", "-o", directory.path], command: "runtime build",
                                    keys: ["target", "version", "inference_only", "directory", "library_objects_bytes", "shared_library", "shared_library_bytes", "program_bytes"])
        #expect(built["inference_only"] as? Bool == true)
        #expect((built["program_bytes"] as? Int ?? 0) > 0)
    }

    /// Help texts are not hard-wrapped: every example (with its backslash continuations) comes out
    /// the same at 80 columns as at 200, so it pastes whole; paragraphs reflow to the width.
    @Test(arguments: ["inspect", "compile", "quantize", "prune", "train", "distill", "eval", "run", "update", "aggregate"])
    func helpExamplesPasteWhole(_ verb: String) throws {
        func examples(columns: Int) throws -> [String] {
            let process = Process()
            process.executableURL = EdgecBinary.url
            process.arguments = [verb, "--help"]
            process.environment = ProcessInfo.processInfo.environment.merging(["COLUMNS": String(columns)]) { $1 }
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            var commands: [String] = [], current: String?
            for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
                // Examples are indented by two spaces; reflowed prose starts at the margin.
                let line = raw.trimmingCharacters(in: .whitespaces)
                if current == nil, raw.hasPrefix("  edgec ") { current = "" }
                guard let sofar = current else { continue }
                current = sofar + (line.hasSuffix("\\") ? String(line.dropLast()) : line)
                if !line.hasSuffix("\\") { commands.append(current!); current = nil }
            }
            return commands
        }
        let narrow = try examples(columns: 80), wide = try examples(columns: 200)
        #expect(!wide.isEmpty)
        #expect(narrow == wide)
    }

    @Test func usageErrorsAreOneLineWithStatus64() throws {
        let result = try EdgecBinary.run(["quantize", Self.digits, "--calib", Self.calib, "-o", "x.edgem", "--no-such-option"])
        #expect(result.status == 64)
        #expect(result.standardError == "edgec: error: Unknown option '--no-such-option' (see 'edgec quantize --help')\n")
        let missing = try EdgecBinary.run(["compile"])
        #expect(missing.status == 64)
        #expect(missing.standardError.split(separator: "\n").count == 1, "\(missing.standardError)")
    }
}
