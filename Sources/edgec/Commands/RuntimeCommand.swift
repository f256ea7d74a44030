import ArgumentParser
import EdgeTargets
import Foundation

/// `edgec runtime`: the device runtime as a library and a program for each target.
struct RuntimeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Build the C device runtime for a target board.",
        subcommands: [Build.self, Targets.self]
    )

    /// `edgec runtime build --target aarch64-linux-gnu -o dist/aarch64`
    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cross-compile the runtime for a target as a package C and C++ builds use.",
            discussion: """
            Compiles the runtime's C sources, which are built into edgec (the ones its own runtime was compiled from; --sources DIR takes them from a checkout instead), with the toolchain its target description names. Writes:
              <dir>/include/edge.h
              <dir>/lib/libedge.a, <dir>/lib/libedge.so.X.Y.Z (SONAME libedge.so.X, with libedge.so.X and libedge.so links)
              <dir>/lib/pkgconfig/edge.pc (Libs.private: -lprotobuf-c -lm)
              <dir>/lib/cmake/edge/edgeConfig.cmake (targets edge::edge and edge::edge_static) and its version file
              <dir>/share/edge/toolchain.cmake (cross targets: the compilers and qemu-user as the emulator)
              <dir>/bin/edge-run (protobuf-c linked in statically)
            --inference-only leaves out the client-update encoder and protobuf-c. A missing toolchain is reported with the exact apt-get line that installs it.

            Examples:
              edgec runtime build --target aarch64-linux-gnu -o dist/aarch64
              export PKG_CONFIG_PATH=$PWD/dist/aarch64/lib/pkgconfig
              aarch64-linux-gnu-gcc app.c $(pkg-config --cflags --libs --static edge) \\
                -static -o app
              cmake -S . -B build -DCMAKE_PREFIX_PATH=$PWD/dist/aarch64 \\
                -DCMAKE_TOOLCHAIN_FILE=$PWD/dist/aarch64/share/edge/toolchain.cmake
              edgec runtime build --target x86_64-linux-gnu --inference-only \\
                -o dist/x86_64-inference
            """
        )

        @Option(help: "The target: a name `edgec runtime targets` lists.")
        var target: String

        @Option(name: .shortAndLong, help: "The directory to create (replaced if it exists).")
        var output: String

        @Flag(help: "Leave out the client-update encoder and protobuf-c: its edge.h functions return EDGE_ERROR_UNSUPPORTED.")
        var inferenceOnly = false

        @Option(help: "Build from this edgec checkout's Sources/EdgeRuntime and targets/ instead of the copy built into edgec.")
        var sources: String?

        @Flag(help: "Print what was built as JSON.")
        var json = false

        struct Summary: Encodable {
            var target: String
            var version: String
            var inferenceOnly: Bool
            var directory: String
            var libraryObjectsBytes: Int
            var sharedLibrary: String
            var sharedLibraryBytes: Int
            var programBytes: Int
        }

        func run() throws {
            try RuntimeCommand.withBuilder(sources) { builder in
                let description = try builder.target(named: target)
                let options = RuntimeBuilder.Options(inferenceOnly: inferenceOnly)
                let report = try builder.build(description, into: URL(fileURLWithPath: output), options: options) { if !json { print("  \($0)") } }
                if json {
                    return try JSONOutput.print(Summary(target: report.target, version: "\(report.version)", inferenceOnly: report.inferenceOnly, directory: report.directory,
                                                        libraryObjectsBytes: report.libraryObjectsBytes, sharedLibrary: report.version.sharedLibraryFile,
                                                        sharedLibraryBytes: report.sharedLibraryBytes, programBytes: report.programBytes), command: "runtime build")
                }
                print("built      \(report.target) runtime \(report.version)\(report.inferenceOnly ? " (inference only)" : "") in \(report.directory)")
                print("library    \(Text.grouped(report.libraryObjectsBytes)) bytes of stripped objects (\(report.objects.count) files); "
                      + "\(report.version.sharedLibraryFile) \(Text.grouped(report.sharedLibraryBytes)) bytes")
                print("edge-run   \(Text.grouped(report.programBytes)) bytes stripped")
                print("pkg-config PKG_CONFIG_PATH=\(report.directory)/lib/pkgconfig pkg-config --cflags --libs edge")
                print("cmake      -DCMAKE_PREFIX_PATH=\(report.directory)"
                      + (description.emulator == nil ? "" : " -DCMAKE_TOOLCHAIN_FILE=\(report.directory)/share/edge/toolchain.cmake"))
                if !description.runPrefix.isEmpty {
                    print("try it     \(description.runPrefix.joined(separator: " ")) \(report.directory)/bin/edge-run model.edgem --input x=input.npy -o out.npy")
                }
            }
        }
    }

    /// `edgec runtime targets`
    struct Targets: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the targets and whether their toolchains are installed.",
            discussion: """
            Reads every target description (built into edgec, or targets/*.toml under --sources). A file that does not read is reported on its own line, the others are still listed, and the exit status is 1.

            Example:
              edgec runtime targets
            """
        )

        @Option(help: "Read the targets from this edgec checkout's targets/ instead of the copy built into edgec.")
        var sources: String?

        @Flag(help: "Print the targets as JSON (a file that does not read is still reported on stderr).")
        var json = false

        struct Listing: Encodable {
            struct Target: Encodable {
                var name: String
                var description: String
                var ready: Bool
                /// The line that installs the missing toolchain, when it is missing.
                var install: String?
            }
            var targets: [Target]
        }

        func run() throws {
            let failures = try RuntimeCommand.withBuilder(sources) { builder in
                var failures = 0
                var listed: [Listing.Target] = []
                for (name, result) in builder.allTargets() {
                    switch result {
                    case .success(let target):
                        let ready = (try? builder.checkToolchain(target)) != nil
                        listed.append(.init(name: name, description: target.description, ready: ready, install: ready ? nil : target.installCommand))
                        if !json { print("\(Text.pad(name, 28)) \(Text.pad(target.description, 44)) \(ready ? "ready" : "missing: \(target.installCommand)")") }
                    case .failure(let error):
                        FileHandle.standardError.write(Data("edgec: error: \(error.message)\n".utf8))
                        failures += 1
                    }
                }
                if json { try JSONOutput.print(Listing(targets: listed), command: "runtime targets") }
                return failures
            }
            if failures > 0 { throw ExitCode(1) }
        }
    }

    /// Runs `body` with a builder over `--sources DIR`, or else over the sources built into edgec.
    static func withBuilder<T>(_ sources: String?, _ body: (RuntimeBuilder) throws -> T) throws -> T {
        guard let sources = sources else { return try RuntimeBuilder.withEmbeddedSources(body) }
        guard let root = RuntimeBuilder.locateRoot(from: [URL(fileURLWithPath: sources)]) else {
            throw UserFacingError("--sources '\(sources)' does not hold Sources/EdgeRuntime and targets/")
        }
        return try body(RuntimeBuilder(root: root))
    }
}
