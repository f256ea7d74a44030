import Foundation

/// Progress on standard error for long runs, when it is a terminal: one line rewritten in place, at most every 5%.
final class Progress {
    private var last = ""
    private var lastPercent = -1
    private let enabled = isatty(2) != 0

    func show(_ stage: String, _ done: Int, _ total: Int) {
        guard enabled, total >= 20 else { return }
        let percent = done * 100 / total
        guard stage != last || percent >= lastPercent + 5 || done == total else { return }
        last = stage
        lastPercent = percent
        FileHandle.standardError.write(Data("\r\(stage) \(done)/\(total) (\(percent)%)   ".utf8))
    }

    func finish() {
        if lastPercent >= 0 { FileHandle.standardError.write(Data("\r\(String(repeating: " ", count: 60))\r".utf8)) }
    }
}
