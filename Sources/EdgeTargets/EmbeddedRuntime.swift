import Foundation

extension RuntimeBuilder {
    /// Runs `body` with a builder over the C sources and target descriptions embedded in this binary
    /// at build time (the EmbedRuntimeSources plugin): written to a private temporary folder that
    /// is removed afterwards. The sources are those this binary's own runtime was compiled from.
    public static func withEmbeddedSources<T>(_ body: (RuntimeBuilder) throws -> T) throws -> T {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-runtime-sources-\(getpid())-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for file in EmbeddedRuntimeSources.files {
            guard let data = Data(base64Encoded: file.base64) else { throw TargetError("the embedded copy of \(file.path) is damaged") }
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url)
        }
        return try body(RuntimeBuilder(root: root))
    }

    /// The paths embedded in this binary, relative to the repository (for tests and `--help`).
    public static var embeddedPaths: [String] { EmbeddedRuntimeSources.files.map(\.path) }
}
