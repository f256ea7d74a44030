import Foundation

/// Builds the device runtime for a target from the same C sources SwiftPM compiles:
/// `include/edge.h`, `lib/libedge.a`, `lib/libedge.so` and `bin/edge-run`.
public struct RuntimeBuilder {
    /// What a build produced and how big it is.
    public struct Report: Sendable {
        public var target: String
        public var directory: String
        /// Stripped object files of the library, name and bytes.
        public var objects: [(name: String, bytes: Int)]
        public var libraryObjectsBytes: Int
        public var programBytes: Int
    }

    /// The repository folder holding `Sources/EdgeRuntime` and `targets/`.
    public let root: URL

    public init(root: URL) { self.root = root }

    /// Finds the repository from the given folders upward (the working directory, the binary's folder).
    public static func locateRoot(from starts: [URL]) -> URL? {
        for start in starts {
            var directory = start.standardizedFileURL
            while true {
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Sources/EdgeRuntime/include/edge.h").path),
                   FileManager.default.fileExists(atPath: directory.appendingPathComponent("targets").path) {
                    return directory
                }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return nil
    }

    public var targetNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("targets").path)) ?? []
        return files.filter { $0.hasSuffix(".toml") }.map { String($0.dropLast(5)) }.sorted()
    }

    public func target(named name: String) throws -> TargetDescription {
        let path = root.appendingPathComponent("targets/\(name).toml").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TargetError("unknown target '\(name)'; targets: \(targetNames.joined(separator: ", "))")
        }
        return try TargetDescription(toml: text, source: "targets/\(name).toml")
    }

    /// The runtime's library sources (everything but its tests) and the edge-run program.
    var librarySources: [URL] {
        let base = root.appendingPathComponent("Sources/EdgeRuntime")
        let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        var result: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            if url.pathComponents.contains("tests") { continue }
            if url.pathExtension == "c" { result.append(url) }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// Checks the toolchain is installed; otherwise says exactly what to install.
    public func checkToolchain(_ target: TargetDescription) throws {
        var missing: [String] = []
        for tool in [target.compiler, target.archiver, target.strip] where Self.which(tool) == nil { missing.append(tool) }
        let libraryDirectory = "/usr/lib/\(target.multiarch)"
        if !FileManager.default.fileExists(atPath: "\(libraryDirectory)/liblz4.a") { missing.append("liblz4 for \(target.multiarch)") }
        if !FileManager.default.fileExists(atPath: "/usr/include/lz4.h") { missing.append("lz4.h") }
        if !FileManager.default.fileExists(atPath: "\(libraryDirectory)/libprotobuf-c.a") { missing.append("libprotobuf-c for \(target.multiarch)") }
        if !FileManager.default.fileExists(atPath: "/usr/include/protobuf-c/protobuf-c.h") { missing.append("protobuf-c.h") }
        guard missing.isEmpty else {
            throw TargetError("target \(target.name) needs \(missing.joined(separator: ", ")); install with: \(target.installCommand)")
        }
    }

    /// Builds into `output` (replaced only once the build has succeeded).
    public func build(_ target: TargetDescription, into output: URL, log: (String) -> Void = { _ in }) throws -> Report {
        try checkToolchain(target)
        let fileManager = FileManager.default
        let staging = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).building-\(getpid())")
        try? fileManager.removeItem(at: staging)
        for folder in ["include", "lib", "bin", "obj"] {
            try fileManager.createDirectory(at: staging.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        defer { try? fileManager.removeItem(at: staging) }
        let include = root.appendingPathComponent("Sources/EdgeRuntime/include")
        let flags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fPIC", "-I", include.path, "-I", root.appendingPathComponent("Sources/EdgeRuntime").path] + target.flags
        var objects: [URL] = []
        for source in librarySources {
            let relative = source.path.dropFirst(root.appendingPathComponent("Sources/EdgeRuntime").path.count + 1)
            let object = staging.appendingPathComponent("obj/" + relative.replacingOccurrences(of: "/", with: "_").dropLast(2) + ".o")
            log("cc \(relative)")
            try Self.run([target.compiler] + flags + ["-c", source.path, "-o", object.path])
            objects.append(object)
        }
        let library = staging.appendingPathComponent("lib/libedge.a")
        try Self.run([target.archiver, "rcs", library.path] + objects.map(\.path))
        let libraryDirectory = "/usr/lib/\(target.multiarch)"
        try Self.run([target.compiler] + target.flags + ["-shared", "-o", staging.appendingPathComponent("lib/libedge.so").path]
                     + objects.map(\.path) + ["-L", libraryDirectory, "-llz4", "-lprotobuf-c", "-lm"])
        let program = staging.appendingPathComponent("bin/edge-run")
        log("link edge-run")
        try Self.run([target.compiler] + flags + [root.appendingPathComponent("Sources/edge-run/edge_run.c").path, library.path,
                     "-L", libraryDirectory, "-Wl,-Bstatic", "-llz4", "-lprotobuf-c", "-Wl,-Bdynamic", "-lm", "-o", program.path])
        try Self.run([target.strip, program.path])
        try fileManager.copyItem(at: include.appendingPathComponent("edge.h"), to: staging.appendingPathComponent("include/edge.h"))

        var sizes: [(String, Int)] = []
        for object in objects {
            let stripped = staging.appendingPathComponent("obj/stripped.o")
            try? fileManager.removeItem(at: stripped)
            try Self.run([target.strip, "--strip-unneeded", "-o", stripped.path, object.path])
            sizes.append((object.deletingPathExtension().lastPathComponent, Self.fileSize(stripped)))
            try? fileManager.removeItem(at: stripped)
        }
        try fileManager.removeItem(at: staging.appendingPathComponent("obj"))
        if fileManager.fileExists(atPath: output.path) { try fileManager.removeItem(at: output) }
        try fileManager.moveItem(at: staging, to: output)
        return Report(target: target.name, directory: output.path, objects: sizes, libraryObjectsBytes: sizes.reduce(0) { $0 + $1.1 },
                      programBytes: Self.fileSize(output.appendingPathComponent("bin/edge-run")))
    }

    static func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The full path of `tool` on PATH, if any.
    public static func which(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs a tool; a failure carries its own error output.
    @discardableResult
    public static func run(_ arguments: [String]) throws -> String {
        guard let executable = which(arguments[0]) else { throw TargetError("'\(arguments[0])' is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TargetError("\(arguments[0]) failed (exit \(process.terminationStatus)): \(text.split(separator: "\n").prefix(8).joined(separator: " | "))")
        }
        return text
    }
}
