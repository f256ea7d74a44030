import Crypto
import Foundation

/// The metadata every compiled file carries — producer version, the source model's name and hash,
/// its producer and opset, the bound input shapes, the compile options and command — enough to
/// reproduce the file (formats/edgem.md, "Metadata"). `compile` and `quantize` both write it.
public struct CompileMetadata: Sendable {
    public var edgecVersion: String
    public var sourcePath: String
    public var source: Data
    public var sourceProducer: String
    public var sourceOpset: Int
    public var inputShapes: [(name: String, shape: [Int])]
    public var compress: String
    public var command: [String]

    public init(edgecVersion: String, sourcePath: String, source: Data, sourceProducer: String, sourceOpset: Int,
                inputShapes: [(name: String, shape: [Int])], compress: String, command: [String]) {
        self.edgecVersion = edgecVersion
        self.sourcePath = sourcePath
        self.source = source
        self.sourceProducer = sourceProducer
        self.sourceOpset = sourceOpset
        self.inputShapes = inputShapes
        self.compress = compress
        self.command = command
    }

    /// The entries in the order files have always listed them, then `extra` (quantization keys).
    public func entries(_ extra: [(String, String)] = []) -> [(String, String)] {
        [
            ("edgec.version", edgecVersion),
            ("source.file", URL(fileURLWithPath: sourcePath).lastPathComponent),
            ("source.sha256", SHA256.hash(data: source).map { String(format: "%02x", $0) }.joined()),
            ("source.producer", sourceProducer),
            ("source.opset", String(sourceOpset)),
            ("compile.input_shapes", inputShapes.map { "\($0.name)=\($0.shape.map(String.init).joined(separator: ","))" }.joined(separator: ";")),
            ("compile.compress", compress),
            ("compile.command", Self.reproducible(command).joined(separator: " ")),
        ] + extra
    }

    /// The command without the paths it writes (`-o`, `--output`, `--export-onnx`, `--report`), so
    /// the same inputs and options give the same bytes wherever the file is written.
    static func reproducible(_ command: [String]) -> [String] {
        let writes: Set<String> = ["-o", "--output", "--export-onnx", "--report"]
        var result: [String] = []
        var skipNext = false
        for argument in command {
            if skipNext { skipNext = false; continue }
            if writes.contains(argument) { skipNext = true; continue }
            if writes.contains(where: { argument.hasPrefix($0 + "=") }) { continue }
            result.append(argument)
        }
        return result
    }
}
