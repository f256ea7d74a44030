import Foundation

/// Builds the device runtime for a target from the same C sources SwiftPM compiles, laid out as
/// a package C and C++ builds consume: `include/edge.h`, `lib/libedge.a`, `lib/libedge.so.X.Y.Z`
/// (SONAME `libedge.so.X`, with the usual symlinks), `lib/pkgconfig/edge.pc`,
/// `lib/cmake/edge/edgeConfig.cmake` (+ version file), a CMake toolchain file for cross targets
/// and `bin/edge-run`.
public struct RuntimeBuilder {
    /// What to leave out of a build.
    public struct Options: Sendable {
        /// Without the client-update encoder (Sources/EdgeRuntime/update) and protobuf-c: its
        /// edge.h functions return EDGE_ERROR_UNSUPPORTED (update_unavailable.c).
        public var inferenceOnly: Bool
        public init(inferenceOnly: Bool = false) { self.inferenceOnly = inferenceOnly }
    }

    /// What a build produced and how big it is.
    public struct Report: Sendable {
        public var target: String
        public var directory: String
        /// Stripped object files of the library, name and bytes.
        public var objects: [(name: String, bytes: Int)]
        public var libraryObjectsBytes: Int
        public var programBytes: Int
        /// The stripped shared library's bytes.
        public var sharedLibraryBytes: Int
        /// The runtime version (edge.h's EDGE_VERSION_*), which names the shared library.
        public var version: RuntimeVersion
        public var inferenceOnly: Bool
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
        guard FileManager.default.fileExists(atPath: path) else {
            throw TargetError("unknown target '\(name)'; targets: \(targetNames.joined(separator: ", "))")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TargetError("targets/\(name).toml cannot be read as UTF-8 text") }
        return try TargetDescription(toml: text, source: "targets/\(name).toml")
    }

    /// Every target file read on its own: a bad file gives its error and hides none of the others.
    public func allTargets() -> [(name: String, result: Result<TargetDescription, TargetError>)] {
        targetNames.map { name in
            do { return (name, .success(try target(named: name))) } catch let error as TargetError {
                return (name, .failure(error))
            } catch {
                return (name, .failure(TargetError("targets/\(name).toml: \(error)")))
            }
        }
    }

    var runtimeDirectory: URL { root.appendingPathComponent("Sources/EdgeRuntime") }

    /// The runtime's library sources: every C file but its tests, and without update/ (the encoder
    /// and its protobuf-c code) for an inference-only build.
    func librarySources(_ options: Options) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: runtimeDirectory, includingPropertiesForKeys: nil)
        var result: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            let relative = url.path.dropFirst(runtimeDirectory.path.count + 1).split(separator: "/")
            if relative.first == "tests" || (options.inferenceOnly && relative.first == "update") { continue }
            if url.pathExtension == "c" { result.append(url) }
        }
        return result.sorted { $0.path < $1.path }
    }

    /// The libraries libedge needs beside the C library, in link order.
    static func dependencies(_ options: Options) -> [String] {
        options.inferenceOnly ? ["m"] : ["protobuf-c", "m"]
    }

    /// Checks the toolchain is installed; otherwise says exactly what to install.
    public func checkToolchain(_ target: TargetDescription, _ options: Options = Options()) throws {
        var missing: [String] = []
        for tool in [target.compiler, target.archiver, target.strip] where Self.which(tool) == nil { missing.append(tool) }
        let libraryDirectory = "/usr/lib/\(target.multiarch)"
        if !options.inferenceOnly {
            if !FileManager.default.fileExists(atPath: "\(libraryDirectory)/libprotobuf-c.a") { missing.append("libprotobuf-c for \(target.multiarch)") }
            if !FileManager.default.fileExists(atPath: "/usr/include/protobuf-c/protobuf-c.h") { missing.append("protobuf-c.h") }
        }
        guard missing.isEmpty else {
            throw TargetError("target \(target.name) needs \(missing.joined(separator: ", ")); install with: \(target.installCommand)")
        }
    }

    /// Builds into `output` (replaced only once the build has succeeded).
    public func build(_ target: TargetDescription, into output: URL, options: Options = Options(),
                      log: (String) -> Void = { _ in }) throws -> Report {
        try checkToolchain(target, options)
        let fileManager = FileManager.default
        let staging = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).building-\(getpid())")
        try? fileManager.removeItem(at: staging)
        for folder in ["include", "lib/pkgconfig", "lib/cmake/edge", "bin", "obj"] {
            try fileManager.createDirectory(at: staging.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        defer { try? fileManager.removeItem(at: staging) }
        let header = runtimeDirectory.appendingPathComponent("include/edge.h")
        let version = try RuntimeVersion(header: header)
        // Hidden by default: the shared library exports edge.h's EDGE_API functions and nothing else.
        let flags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-fPIC", "-fvisibility=hidden",
                     "-I", runtimeDirectory.appendingPathComponent("include").path, "-I", runtimeDirectory.path]
            + (options.inferenceOnly ? ["-DEDGE_INFERENCE_ONLY"] : []) + target.flags
        var objects: [URL] = []
        for source in librarySources(options) {
            let relative = source.path.dropFirst(runtimeDirectory.path.count + 1)
            let object = staging.appendingPathComponent("obj/" + relative.replacingOccurrences(of: "/", with: "_").dropLast(2) + ".o")
            log("cc \(relative)")
            try Self.run([target.compiler] + flags + ["-c", source.path, "-o", object.path])
            objects.append(object)
        }
        let lib = staging.appendingPathComponent("lib")
        let library = lib.appendingPathComponent("libedge.a")
        try Self.run([target.archiver, "rcs", library.path] + objects.map(\.path))
        let libraryDirectory = "/usr/lib/\(target.multiarch)"
        let dependencies = Self.dependencies(options)
        log("link \(version.sharedLibraryFile)")
        let shared = lib.appendingPathComponent(version.sharedLibraryFile)
        try Self.run([target.compiler] + target.flags + ["-shared", "-Wl,-soname,\(version.soname)", "-Wl,--no-undefined", "-o", shared.path]
                     + objects.map(\.path) + ["-L", libraryDirectory] + dependencies.map { "-l\($0)" })
        try Self.run([target.strip, "--strip-unneeded", shared.path])
        try fileManager.createSymbolicLink(atPath: lib.appendingPathComponent(version.soname).path, withDestinationPath: version.sharedLibraryFile)
        try fileManager.createSymbolicLink(atPath: lib.appendingPathComponent("libedge.so").path, withDestinationPath: version.soname)
        let program = staging.appendingPathComponent("bin/edge-run")
        log("link edge-run")
        // protobuf-c (when the encoder is in) linked in statically: edge-run copied alone to a board runs.
        let staticDependencies = dependencies.filter { $0 != "m" }.map { "-l\($0)" }
        try Self.run([target.compiler] + flags + [root.appendingPathComponent("Sources/edge-run/edge_run.c").path, library.path,
                     "-L", libraryDirectory, "-Wl,-Bstatic"] + staticDependencies + ["-Wl,-Bdynamic", "-lm", "-o", program.path])
        try Self.run([target.strip, program.path])
        try fileManager.copyItem(at: header, to: staging.appendingPathComponent("include/edge.h"))
        let package = RuntimePackageFiles(target: target, version: version, dependencies: dependencies,
                                          pointerSize: try Self.pointerSize(target), inferenceOnly: options.inferenceOnly)
        try package.write(into: staging)

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
                      programBytes: Self.fileSize(output.appendingPathComponent("bin/edge-run")),
                      sharedLibraryBytes: Self.fileSize(output.appendingPathComponent("lib/\(version.sharedLibraryFile)")),
                      version: version, inferenceOnly: options.inferenceOnly)
    }

    /// sizeof(void *) on the target, as its compiler defines it (the CMake version file checks it).
    static func pointerSize(_ target: TargetDescription) throws -> Int {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-empty-\(getpid()).c")
        try Data().write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let macros = try run([target.compiler] + target.flags + ["-dM", "-E", empty.path])
        for line in macros.split(separator: "\n") where line.hasPrefix("#define __SIZEOF_POINTER__ ") {
            if let size = Int(line.split(separator: " ").last ?? "") { return size }
        }
        throw TargetError("\(target.compiler) does not define __SIZEOF_POINTER__")
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
        let outcome = try ChildProcess.run(executable, Array(arguments.dropFirst()))
        let text = String(decoding: outcome.output, as: UTF8.self)
        guard outcome.status == 0 else {
            throw TargetError("\(arguments[0]) failed (exit \(outcome.status)): \(text.split(separator: "\n").prefix(8).joined(separator: " | "))")
        }
        return text
    }
}
