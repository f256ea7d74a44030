import EdgeTargets
import Foundation
import Testing

/// Runs the built `edgec` binary the way a user does.
enum EdgecBinary {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The binary sits next to the test bundle in the build folder.
    static var url: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" && !FileManager.default.fileExists(atPath: directory.appendingPathComponent("edgec").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("edgec")
    }

    /// Runs edgec (or another program of the build folder, `executable`) with `arguments`, in
    /// `directory` when given (relative paths are then relative to it).
    static func run(_ arguments: [String], executable: URL? = nil, in directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable ?? url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outData, as: UTF8.self), standardError: String(decoding: errData, as: UTF8.self))
    }

    /// Runs edgec with `arguments`, its output discarded; its exit status and its own peak resident
    /// set (RUSAGE_CHILDREN would span every child of the whole test run).
    static func peakResidentSet(_ arguments: [String]) throws -> (status: Int32, kibibytes: Int) {
        let outcome = try ChildProcess.run(url.path, arguments, captureOutput: false)
        return (outcome.status, outcome.peakResidentKibibytes)
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
