import EdgeEvaluation
import Foundation

/// The pages `quantize --report` and `eval --report` write (see HTMLReport).
enum ReportPages {
    static func quantization(_ result: QuantizationPipeline.Result, model: String, output: String, sourceBytes: Int, measured: Bool) throws -> HTMLReport {
        var page = HTMLReport(title: "edgec quantize: \(URL(fileURLWithPath: model).lastPathComponent)")
        let size = result.file.data.count
        page.paragraph("\(model) (\(Text.grouped(sourceBytes)) bytes) → \(output) (\(Text.grouped(size)) bytes, \(String(format: "%.3f", Double(size) / Double(max(sourceBytes, 1))))× the ONNX file); \(result.report.int8.count) int8 nodes, \(result.report.float.count) kept in float.")
        if let before = result.accuracyBefore, let after = result.accuracyAfter {
            page.heading("Accuracy on the calibration labels")
            page.barChart([
                (label: "fp32 (before)", value: before * 100, text: String(format: "%.2f%%", before * 100), color: "#4e79a7"),
                (label: "int8 (after)", value: after * 100, text: String(format: "%.2f%%", after * 100), color: "#f28e2b"),
            ], maximum: 100)
        }
        page.heading("Per-layer SQNR against fp32")
        if measured, !result.layers.isEmpty {
            page.paragraph("Every int8 layer's output on the C runtime against the fp32 reference on the calibration data (up to 32 samples), in graph order. Red under 20 dB, amber under 30 dB.")
            let byName = Dictionary(result.layers.map { ($0.node, $0) }, uniquingKeysWith: { first, _ in first })
            let ordered = result.ranges.compactMap { byName[$0.node] } + result.layers.filter { layer in !result.ranges.contains { $0.node == layer.node } }
            page.barChart(ordered.map { (label: $0.node, value: $0.sqnr.isFinite ? max($0.sqnr, 0) : 80, text: Metrics.format($0.sqnr) + " dB " + $0.kind, color: HTMLReport.sqnrColor($0.sqnr)) }, maximum: 60)
        } else {
            page.paragraph(measured ? "No int8 layer to measure." : "Not measured (--no-measure).")
        }
        page.heading("Layers: precision, weight and activation ranges")
        let sqnr = Dictionary(result.layers.map { ($0.node, $0.sqnr) }, uniquingKeysWith: { first, _ in first })
        let status = Dictionary(result.report.int8.map { ($0.node, "int8") } + result.report.widened.map { ($0.node, "int8, widened") } + result.report.float.map { ($0.node, "float: " + ($0.reason ?? "")) },
                                uniquingKeysWith: { _, last in last })
        let weightBound = result.ranges.compactMap { $0.weights.map { max(abs($0.lowerBound), abs($0.upperBound)) } }.max() ?? 1
        let activationBound = result.ranges.compactMap { $0.activations.map { max(abs($0.lowerBound), abs($0.upperBound)) } }.max() ?? 1
        func text(_ range: ClosedRange<Float>?) -> String { range.map { String(format: "[%.4g, %.4g]", $0.lowerBound, $0.upperBound) } ?? "" }
        var rows: [[String]] = []
        for layer in result.ranges {
            rows.append([layer.node, layer.kind, status[layer.node] ?? "", sqnr[layer.node].map { Metrics.format($0) } ?? "",
                         text(layer.weights), HTMLReport.rangeGlyph(layer.weights, bound: weightBound),
                         text(layer.activations), HTMLReport.rangeGlyph(layer.activations, bound: activationBound)])
        }
        page.table(["node", "op", "precision", "SQNR dB", "weights", "", "activations (calibration)", ""], rows, numeric: [3], svgColumns: [5, 7])
        try page.fileSize(result.file.data, source: output)
        return page
    }

    static func evaluation(_ report: ModelEvaluation.Report, model: String, bytes: Data, compiled: Bool, data: String) throws -> HTMLReport {
        var page = HTMLReport(title: "edgec eval: \(URL(fileURLWithPath: model).lastPathComponent)")
        page.paragraph("\(model) (\(Text.grouped(bytes.count)) bytes) on \(data), \(report.samples) samples, \(report.runtime); \(String(format: "%.3f", report.latencyMilliseconds)) ms per sample (median).")
        if let accuracy = report.accuracy {
            page.heading("Accuracy")
            var bars = [(label: "model", value: accuracy * 100, text: String(format: "%.2f%%", accuracy * 100), color: "#f28e2b")]
            if let reference = report.referenceAccuracy {
                bars.insert((label: "fp32 reference", value: reference * 100, text: String(format: "%.2f%%", reference * 100), color: "#4e79a7"), at: 0)
            }
            page.barChart(bars, maximum: 100)
        }
        if !report.outputs.isEmpty {
            page.heading("Outputs against the fp32 reference")
            if let agreement = report.top1Agreement { page.paragraph(String(format: "Top-1 agreement %.2f%%.", agreement * 100)) }
            page.table(["output", "cosine", "SQNR dB", "max |diff|"], report.outputs.map { [$0.output, String(format: "%.6f", $0.cosine), Metrics.format($0.sqnr), String(format: "%.4g", $0.maxAbsoluteDifference)] }, numeric: [1, 2, 3])
            page.barChart(report.outputs.map { (label: $0.output, value: $0.sqnr.isFinite ? max($0.sqnr, 0) : 80, text: Metrics.format($0.sqnr) + " dB", color: HTMLReport.sqnrColor($0.sqnr)) }, maximum: 60)
        }
        if compiled { try page.fileSize(bytes, source: model) }
        return page
    }
}
