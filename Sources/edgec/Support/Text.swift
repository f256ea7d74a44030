import Foundation

/// Formatting for terminal tables and numbers.
enum Text {
    /// Levenshtein distance, for "did you mean" on a mistyped command.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// Rows with columns aligned; `rightAligned` columns are numbers.
    static func table(_ rows: [[String]], rightAligned: Set<Int>) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                rightAligned.contains(c) ? padLeft(cell, widths[c]) : (c == row.count - 1 ? cell : pad(cell, widths[c]))
            }.joined(separator: "  ")
        }
    }

    /// 1234567 -> "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = String(abs(n))
        var result = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { result.append(",") }
            result.append(ch)
        }
        return n < 0 ? "-" + result : result
    }

    /// 4.1e9 -> "4.10 G".
    static func scaled(_ value: Double) -> String {
        let units = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (factor, unit) in units where value >= factor { return String(format: "%.2f %@", value / factor, unit) }
        return String(format: "%.0f", value)
    }

    static func bytes(_ n: Int) -> String {
        if n >= 1 << 20 { return String(format: "%.2f MiB", Double(n) / 1048576) }
        if n >= 1 << 10 { return String(format: "%.1f KiB", Double(n) / 1024) }
        return "\(n) B"
    }
}
