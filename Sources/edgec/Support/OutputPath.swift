import Foundation

/// Checks and atomic writes for output files.
enum OutputPath {
    /// Refuses, before any work is done, an output that would overwrite an input of the same
    /// command, that is a directory, or whose folder is missing or not writable.
    static func check(_ output: String, notOverwriting inputs: [String]) throws {
        let target = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        for input in inputs where URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw UserFacingError("-o '\(output)' would overwrite the input '\(input)'")
        }
        try checkLocation(output)
    }

    /// One plain line for an output path that cannot be written.
    static func checkLocation(_ output: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UserFacingError("-o '\(output)' is a directory; give a file path inside it")
        }
        let folder = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else {
            throw UserFacingError("-o '\(output)': the folder '\(folder)' does not exist")
        }
        guard isDirectory.boolValue else { throw UserFacingError("-o '\(output)': '\(folder)' is not a folder") }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw UserFacingError("-o '\(output)': no permission to write in '\(folder)'")
        }
    }

    /// Writes through a temporary file and a rename, so a reader never sees half a file.
    static func write(_ data: Data, to path: String) throws {
        try checkLocation(path)
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw UserFacingError("cannot write '\(path)': \((error as NSError).localizedFailureReason ?? error.localizedDescription)")
        }
    }
}
