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
    /// set. A small python3 starts it and reads RUSAGE_CHILDREN: the peak of a process this test
    /// process starts directly would include the test process's own (posix_spawn's vfork child
    /// shares its memory until exec), and RUSAGE_CHILDREN here would span every child of the run.
    static func peakResidentSet(_ arguments: [String]) throws -> (status: Int32, kibibytes: Int) {
        let script = """
            import resource, subprocess, sys
            code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            print(code if code >= 0 else 128 - code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
            """
        let result = try run(["-c", script, url.path] + arguments, executable: URL(fileURLWithPath: "/usr/bin/python3"))
        let fields = result.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        guard result.status == 0, fields.count == 2 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: result.standardError]) }
        return (Int32(fields[0]), fields[1])
    }

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
