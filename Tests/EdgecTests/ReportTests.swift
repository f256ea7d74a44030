import Foundation
import Testing

/// `quantize --report` and `eval --report`: one static page, well-formed (read back by an XML
/// parser), self-contained (no scripts, nothing fetched) and holding every layer.
@Suite struct ReportTests {
    /// The page read back by Python's XML parser (Tests/Fixtures/read_report.py): its text and the
    /// names of its elements; a page that is not well-formed fails here.
    static func parse(_ path: String) throws -> (text: String, elements: Set<String>) {
        guard let python = OnnxRuntimeReference.python else {
            throw OnnxRuntimeReference.Unavailable(description: "EDGEC_PYTHON is not set: export EDGEC_PYTHON=$(bash .ci/python-env)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.path("read_report.py"), path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(path) is not well-formed XML: \(String(decoding: errors, as: UTF8.self))")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let links = object["links"] as? [String] ?? []
        #expect(links.isEmpty, "the report links outside itself: \(links)")
        return (object["text"] as? String ?? "", Set(object["tags"] as? [String] ?? []))
    }

    @Test func quantizationReportHoldsEveryLayer() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx"), output = directory.appendingPathComponent("d.edgem").path
        let report = directory.appendingPathComponent("report.html").path
        let result = try EdgecBinary.run(["quantize", model, "--calib", Fixtures.path("images/digits.npz"), "-o", output, "--report", report, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let (text, elements) = try Self.parse(report)
        #expect(elements.isSuperset(of: ["html", "head", "body", "svg", "table", "rect"]))
        #expect(!elements.contains("script") && !elements.contains("link") && !elements.contains("img"))
        let layers = try #require(summary["layers"] as? [[String: Any]])
        #expect(layers.count == 7)
        for layer in layers {
            let node = try #require(layer["node"] as? String)
            #expect(text.contains(node), "the report lacks layer \(node)")
            #expect(text.contains(String(format: "%.1f dB", layer["sqnr"] as! Double)), "the report lacks \(node)'s SQNR")
        }
        let inspected = try EdgecBinary.run(["inspect", output, "--json"])
        let file = try #require(try JSONSerialization.jsonObject(with: Data(inspected.standardOutput.utf8)) as? [String: Any])
        for op in try #require(file["operators"] as? [[String: Any]]) { #expect(text.contains(op["name"] as! String)) }
        for section in try #require(file["sections"] as? [[String: Any]]) { #expect(text.contains(section["kind"] as! String)) }
        #expect(text.contains("fp32 (before)") && text.contains("int8 (after)"))
    }

    @Test func evaluationReport() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx"), edgem = directory.appendingPathComponent("d.edgem").path
        #expect(try EdgecBinary.run(["compile", model, "-o", edgem]).status == 0)
        let report = directory.appendingPathComponent("eval.html").path
        let result = try EdgecBinary.run(["eval", edgem, "--data-images", Fixtures.path("images/digits"), "--std", "16", "--reference", model, "--report", report])
        #expect(result.status == 0, "\(result.standardError)")
        let (text, _) = try Self.parse(report)
        for fragment in ["Accuracy", "logits", "WEIGHTS", "/fc1/Gemm"] { #expect(text.contains(fragment), "missing \(fragment)") }
        // A report path that is an input is refused before anything runs.
        let refused = try EdgecBinary.run(["eval", edgem, "--data", Fixtures.path("images/digits.npz"), "--report", edgem])
        #expect(refused.status == 1)
    }
}
