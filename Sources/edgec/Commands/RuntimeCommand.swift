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
            abstract: "Cross-compile libedge.a, libedge.so and edge-run for a target.",
            discussion: """
            Uses the toolchain named in targets/<target>.toml and the C sources in
            Sources/EdgeRuntime (the ones SwiftPM compiles for edgec itself). Writes
            <dir>/include/edge.h, <dir>/lib/libedge.a, <dir>/lib/libedge.so and
            <dir>/bin/edge-run (liblz4 linked in statically). A missing toolchain is reported
            with the exact apt-get line that installs it.

            Example:
              edgec runtime build --target aarch64-linux-gnu -o dist/aarch64
              qemu-aarch64 -L /usr/aarch64-linux-gnu dist/aarch64/bin/edge-run model.edgem --input x=input.npy -o out.npy
            """
        )

        @Option(help: "The target: a file name in targets/ without .toml (see `edgec runtime targets`).")
        var target: String

        @Option(name: .shortAndLong, help: "The directory to create (replaced if it exists).")
        var output: String

        @Option(help: "The edgec source tree (found from the working directory or the binary's location by default).")
        var sources: String?

        func run() throws {
            let builder = try RuntimeCommand.builder(sources)
            let description = try builder.target(named: target)
            let report = try builder.build(description, into: URL(fileURLWithPath: output)) { print("  \($0)") }
            print("built      \(report.target) runtime in \(report.directory)")
            print("library    \(Text.grouped(report.libraryObjectsBytes)) bytes of stripped objects (\(report.objects.count) files)")
            print("edge-run   \(Text.grouped(report.programBytes)) bytes stripped")
            if !description.runPrefix.isEmpty {
                print("try it     \(description.runPrefix.joined(separator: " ")) \(report.directory)/bin/edge-run model.edgem --input x=input.npy -o out.npy")
            }
        }
    }

    /// `edgec runtime targets`
    struct Targets: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the targets in targets/ and whether their toolchains are installed.")

        @Option(help: "The edgec source tree (found automatically by default).")
        var sources: String?

        func run() throws {
            let builder = try RuntimeCommand.builder(sources)
            for name in builder.targetNames {
                let target = try builder.target(named: name)
                let state: String
                do { try builder.checkToolchain(target); state = "ready" } catch { state = "missing: \(target.installCommand)" }
                print("\(Text.pad(name, 28)) \(Text.pad(target.description, 44)) \(state)")
            }
        }
    }

    static func builder(_ sources: String?) throws -> RuntimeBuilder {
        if let sources = sources {
            guard let root = RuntimeBuilder.locateRoot(from: [URL(fileURLWithPath: sources)]) else {
                throw UserFacingError("--sources '\(sources)' does not hold Sources/EdgeRuntime and targets/")
            }
            return RuntimeBuilder(root: root)
        }
        let starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        guard let root = RuntimeBuilder.locateRoot(from: starts) else {
            throw UserFacingError("cannot find the edgec sources (Sources/EdgeRuntime and targets/); run from the repository or pass --sources DIR")
        }
        return RuntimeBuilder(root: root)
    }
}
