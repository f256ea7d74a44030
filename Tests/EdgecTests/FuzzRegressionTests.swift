import EdgeFederated
import EdgeFormat
import EdgeNumPy
import EdgeONNX
import EdgePasses
import EdgeRuntime
import Foundation
import Testing

/// Every input a fuzz target (Fuzz/, .ci/fuzz) ever stopped on, kept in
/// Tests/Fixtures/fuzz/<target>/ and replayed through the code that target drives: each must now be
/// refused with a thrown error (or accepted), never trap. A trap here stops the test process.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static func files(_ target: String) -> [String] {
        let directory = Fixtures.path("fuzz/\(target)")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { "\(directory)/\($0)" }
    }

    static func data(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    @Test func onnx() throws {
        for path in Self.files("onnx") { try onnxCase(path) }
    }

    func onnxCase(_ path: String) throws {
        guard let model = try? ONNXModel(data: try Self.data(path), source: path) else { return }
        var bindings: [String: [Int]] = [:]
        for input in model.graph.inputs {
            bindings[model.graph.name(of: input.value)] = input.declaredShape.map { if case .fixed(let n) = $0 { return n }; return 1 }
        }
        guard let prepared = try? StandardPipeline.deploy(model.graph, inputShapes: bindings) else { return }
        _ = try? EdgemWriter.write(prepared)
    }

    @Test func numpy() throws {
        for path in Self.files("npy") { try numpyCase(path) }
    }

    func numpyCase(_ path: String) throws {
        _ = try? NumPyFiles.decode(try Self.data(path), source: path)
    }

    @Test func edgem() throws {
        for path in Self.files("edgem") { try edgemCase(path) }
        // Refused by the count check, before the 4 GB of parameters it claims are reserved (the
        // fuzzer's 2 GiB allocation limit caught the reservation; a test process would not).
        let claim = Self.files("edgem").first { $0.hasSuffix("parameter-block-past-section.edgem") }!
        do {
            _ = try EdgemFile(data: try Self.data(claim), source: claim)
            Issue.record("\(claim) was read")
        } catch {
            #expect("\(error)".contains("values of 4 bytes claimed"), "\(error)")
        }
    }

    func edgemCase(_ path: String) throws {
        _ = try? EdgemFile(data: try Self.data(path), source: path)
    }

    @Test func update() throws {
        for path in Self.files("update") { try updateCase(path) }
    }

    func updateCase(_ path: String) throws {
        let base = try BaseModel(contentsOf: Fixtures.path("federated/base.onnx"))
        guard var update = try? ClientUpdate(data: try Self.data(path)) else { return }
        update.baseModelSHA256 = base.sha256
        update.round = 1
        _ = try? base.validate(update, round: 1, maxExamples: AggregationSettings.defaultMaxExamples)
    }

    @Test func loader() throws {
        for path in Self.files("loader") { try loaderCase(path) }
    }

    func loaderCase(_ path: String) throws {
        let bytes = [UInt8](try Self.data(path))
        var model: OpaquePointer?
        var error = edge_error()
        let status = bytes.withUnsafeBytes { edge_model_load_buffer($0.baseAddress, $0.count, &model, &error) }
        guard status == EDGE_OK, let model else { return }
        defer { edge_model_free(model) }
        var context: OpaquePointer?
        if edge_model_arena_size(model) <= 1 << 26, edge_context_create(model, nil, 0, &context, &error) == EDGE_OK {
            _ = edge_context_invoke(context, &error)
            edge_context_free(context)
        }
    }
}
