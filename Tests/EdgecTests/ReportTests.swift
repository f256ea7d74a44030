import Foundation
import Testing

/// `quantize --report` and `eval --report`: one static page, well-formed (read back by an XML
/// parser), self-contained (no scripts, nothing fetched) and holding every layer.
@Suite struct ReportTests {
    /// Parses the page as XML and returns its text and the names of its elements.
    static func parse(_ path: String) throws -> (text: String, elements: Set<String>) {
        final class Collector: NSObject, XMLParserDelegate {
            var text = "", elements: Set<String> = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
                elements.insert(name)
                for (key, value) in attributes where key == "src" || key == "href" { text += " \(key)=\(value)" }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
        }
        let parser = try #require(XMLParser(contentsOf: URL(fileURLWithPath: path)))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "\(path) is not well-formed: \(String(describing: parser.parserError))")
        return (collector.text, collector.elements)
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
        #expect(!text.contains("src=") && !text.contains("href="))
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
