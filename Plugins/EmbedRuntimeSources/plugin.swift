import Foundation
import PackagePlugin

/// Embeds the device runtime's C sources, edge-run and targets/*.toml into EdgeTargets at build
/// time, so that an `edgec` binary copied anywhere builds the runtime it was itself built with.
/// A plugin rather than a committed generated file: the embedded copy can never be stale, and
/// changes to the C runtime need no extra step.
@main
struct EmbedRuntimeSources: BuildToolPlugin {
    /// The folders whose sources travel inside edgec; the runtime's own tests stay behind.
    static let folders = ["Sources/EdgeRuntime", "Sources/edge-run", "targets"]
    static let extensions: Set<String> = ["c", "h", "toml"]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        var inputs: [URL] = []
        for folder in Self.folders {
            let enumerator = FileManager.default.enumerator(at: package.appending(path: folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                let relative = url.path.dropFirst(package.path.count).split(separator: "/")
                if relative.contains("tests") || !Self.extensions.contains(url.pathExtension) { continue }
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedRuntimeSources.swift")
        return [.buildCommand(
            displayName: "Embedding the C runtime's sources and targets into \(target.name)",
            executable: try context.tool(named: "embed-runtime-sources").url,
            arguments: [package.path, output.path] + inputs.map(\.path),
            inputFiles: inputs,
            outputFiles: [output]
        )]
    }
}
