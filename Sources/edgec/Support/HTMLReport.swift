import EdgeEvaluation
import EdgeFormat
import Foundation

/// `--report FILE.html`: one static page — inline CSS and SVG, no scripts, nothing fetched — that
/// any browser opens offline. It is also well-formed XML (every tag closed, only numeric
/// entities), so tools can read it back.
struct HTMLReport {
    private var body: [String] = []
    let title: String

    init(title: String) { self.title = title }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    mutating func heading(_ text: String) { body.append("<h2>\(Self.escape(text))</h2>") }
    mutating func paragraph(_ text: String) { body.append("<p>\(Self.escape(text))</p>") }
    mutating func raw(_ html: String) { body.append(html) }

    /// A table; `numeric` columns are right-aligned. Cells are plain text, or SVG in `svgColumns`.
    mutating func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = [], svgColumns: Set<Int> = []) {
        var lines = ["<table>", "<tr>" + header.enumerated().map { "<th\(numeric.contains($0.offset) ? " class=\"n\"" : "")>\(Self.escape($0.element))</th>" }.joined() + "</tr>"]
        for row in rows {
            lines.append("<tr>" + row.enumerated().map { index, cell in
                let content = svgColumns.contains(index) ? cell : Self.escape(cell)
                return "<td\(numeric.contains(index) ? " class=\"n\"" : "")>\(content)</td>"
            }.joined() + "</tr>")
        }
        lines.append("</table>")
        body.append(lines.joined(separator: "\n"))
    }

    /// Horizontal bars, one per item, labelled with the item and its value text.
    mutating func barChart(_ items: [(label: String, value: Double, text: String, color: String)], maximum: Double? = nil) {
        guard !items.isEmpty else { return }
        let rowHeight = 18, labelWidth = 260, barWidth = 420, height = items.count * rowHeight + 4
        let top = max(maximum ?? items.map(\.value).max() ?? 1, 1e-12)
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(labelWidth + barWidth + 190)\" height=\(quoted(height)) role=\"img\">"]
        for (index, item) in items.enumerated() {
            let y = index * rowHeight + 2
            let width = item.value.isFinite ? max(1, Int((min(item.value, top) / top) * Double(barWidth))) : barWidth
            svg.append("<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" text-anchor=\"end\">\(Self.escape(Self.shortened(item.label, 40)))</text>")
            svg.append("<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(width)\" height=\"\(rowHeight - 5)\" fill=\"\(item.color)\"><title>\(Self.escape(item.label)): \(Self.escape(item.text))</title></rect>")
            svg.append("<text x=\"\(labelWidth + width + 6)\" y=\"\(y + 13)\">\(Self.escape(item.text))</text>")
        }
        svg.append("</svg>")
        body.append(svg.joined(separator: "\n"))
    }

    /// One bar split into parts (the file's sections), with a legend.
    mutating func stackedBar(_ parts: [(label: String, value: Double)]) {
        let total = max(parts.reduce(0) { $0 + $1.value }, 1), width = 680.0
        let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"]
        var svg = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width) + 20)\" height=\(quoted(30 + parts.count * 18)) role=\"img\">"]
        var x = 0.0
        for (index, part) in parts.enumerated() {
            let w = part.value / total * width
            svg.append(String(format: "<rect x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"20\" fill=\"%@\"><title>%@</title></rect>", x, w, palette[index % palette.count], Self.escape(part.label)))
            x += w
            let y = 40 + index * 18
            svg.append("<rect x=\"0\" y=\"\(y - 10)\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>")
            svg.append("<text x=\"16\" y=\"\(y)\">\(Self.escape(part.label))</text>")
        }
        svg.append("</svg>")
        body.append(svg.joined(separator: "\n"))
    }

    /// A small number line for a [low, high] range against ±`bound`, zero marked.
    static func rangeGlyph(_ range: ClosedRange<Float>?, bound: Float) -> String {
        guard let range, bound > 0 else { return "" }
        let width = 160.0, middle = width / 2
        func x(_ v: Float) -> Double { middle + Double(max(-bound, min(bound, v)) / bound) * (middle - 2) }
        return String(format: "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"12\"><line x1=\"0\" y1=\"6\" x2=\"%d\" y2=\"6\" stroke=\"#ccc\"/><line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"12\" stroke=\"#888\"/><rect x=\"%.1f\" y=\"2\" width=\"%.1f\" height=\"8\" fill=\"#4e79a7\"/></svg>",
                      Int(width), Int(width), middle, middle, x(range.lowerBound), max(1, x(range.upperBound) - x(range.lowerBound)))
    }

    static func shortened(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : "…" + text.suffix(limit - 1)
    }

    private func quoted(_ value: Int) -> String { "\"\(value)\"" }

    /// The color of an SQNR bar: red under 20 dB, amber under 30 dB, green above.
    static func sqnrColor(_ sqnr: Double) -> String { sqnr < 20 ? "#e15759" : sqnr < 30 ? "#f28e2b" : "#59a14f" }

    func html() -> String {
        """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8"/>
        <title>\(Self.escape(title))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
        h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; font-size: 13px; }
        th, td { padding: 2px 8px; border-bottom: 1px solid #eee; text-align: left; vertical-align: middle; white-space: nowrap; }
        .n { text-align: right; font-variant-numeric: tabular-nums; }
        svg text { font: 12px system-ui, sans-serif; fill: #222; }
        </style>
        </head>
        <body>
        <h1>\(Self.escape(title))</h1>
        \(body.joined(separator: "\n"))
        </body>
        </html>

        """
    }

    /// Writes the page atomically (a reader never sees half a report).
    func write(to path: String) throws {
        try OutputPath.write(Data(html().utf8), to: path)
    }

    /// The file's bytes by section, and the bytes of each operator's weights (what it stores).
    mutating func fileSize(_ data: Data, source: String) throws {
        let file = try EdgemFile(data: data, source: source)
        heading("File size by section")
        paragraph("\(Text.grouped(data.count)) bytes in all; stored sizes (after compression).")
        stackedBar(file.sections.map { ("\($0.kindName) \(Text.grouped($0.storedSize)) bytes", Double($0.storedSize)) })
        heading("File size by layer")
        let layers = file.operators.map { op -> (String, String, Int) in
            let bytes = op.inputs.filter { Int($0) < file.tensors.count && file.tensors[Int($0)].storage != Edgem.Storage.arena.rawValue }
                .reduce(0) { $0 + file.tensors[Int($1)].size }
            return (op.name, op.kindName, bytes)
        }
        paragraph("Bytes of the weights, biases and requantization tables each operator reads (before section compression).")
        barChart(layers.map { (label: $0.0, value: Double($0.2), text: "\(Text.grouped($0.2)) B \($0.1)", color: "#4e79a7") })
    }
}
