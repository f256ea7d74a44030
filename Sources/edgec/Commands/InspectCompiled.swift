import EdgeFormat
import EdgeIR
import EdgeOperators
import Foundation

/// The `inspect` report of a compiled `.edgem` file: header, sections, operators, arena, metadata.
struct CompiledReport: Encodable {
    struct Section: Encodable { var kind: String; var offset: Int; var size: Int; var storedSize: Int; var compression: String; var checksum: String }
    struct Operator: Encodable {
        var index: Int; var kind: String; var name: String; var inputs: [String]
        /// The output shapes (`outputs` in JSON); `output` is their text for the table.
        var outputShapes: [[Int]]
        var output: String { outputShapes.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }.joined(separator: " ") }
        enum CodingKeys: String, CodingKey { case index, kind, name, inputs, outputShapes = "outputs" }
    }
    struct Port: Encodable { var name: String; var dtype: String; var shape: [Int] }

    var file: String
    var fileSize: Int
    var version: String
    var sections: [Section]
    var inputs: [Port]
    var outputs: [Port]
    var operators: [Operator]
    var tensorCount: Int
    /// Bytes `edge_model_arena_size` returns: the planned activations plus the kernels' scratch.
    var arenaSize: Int
    var activationBytes: Int
    var scratchBytes: Int
    var naiveArenaSize: Int
    var weightTensors: Int
    var sparseWeightTensors: Int
    var metadata: [String: String]

    /// `runtimeArena`: what the C runtime's loader says one context needs (nil when it refuses the file).
    init(path: String, file: EdgemFile, runtimeArena: Int?) {
        self.file = path
        fileSize = file.fileSize
        version = "\(file.versionMajor).\(file.versionMinor)"
        sections = file.sections.map {
            Section(kind: $0.kindName, offset: $0.offset, size: $0.size, storedSize: $0.storedSize,
                    compression: Edgem.Compression(rawValue: $0.compression)?.name ?? "unknown(\($0.compression))", checksum: String(format: "%08x", $0.checksum))
        }
        func port(_ index: UInt32) -> Port {
            let t = file.tensors[Int(index)]
            return Port(name: t.name, dtype: t.dtype?.description ?? "?", shape: t.shape)
        }
        inputs = file.inputs.map(port)
        outputs = file.outputs.map(port)
        func tensorName(_ index: UInt32) -> String { index == Edgem.none ? "-" : (Int(index) < file.tensors.count ? file.tensors[Int(index)].name : "#\(index)") }
        operators = file.operators.enumerated().map { i, op in
            let shapes = op.outputs.map { Int($0) < file.tensors.count ? file.tensors[Int($0)].shape : [] }
            return Operator(index: i, kind: op.kindName + Self.activationSuffix(op), name: op.name, inputs: op.inputs.map(tensorName), outputShapes: shapes)
        }
        tensorCount = file.tensors.count
        activationBytes = file.arenaSize
        arenaSize = runtimeArena ?? file.arenaSize
        scratchBytes = arenaSize - activationBytes
        let arenaTensors = file.tensors.filter { $0.storage == Edgem.Storage.arena.rawValue }
        naiveArenaSize = arenaTensors.reduce(0) { $0 + ($1.size + 63) / 64 * 64 }
        weightTensors = file.tensors.count - arenaTensors.count
        sparseWeightTensors = file.tensors.filter { $0.storage == Edgem.Storage.weightSparse.rawValue }.count
        metadata = Dictionary(file.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
    }

    /// "+relu" and the like for ops whose parameter block carries a fused activation.
    static func activationSuffix(_ op: EdgemFile.OperatorRecord) -> String {
        let activationField = Edgem.OperatorKind(rawValue: op.kind)?.fusedActivationField
        guard let field = activationField, field + 2 < op.parameters.count else { return "" }
        let alpha = Float(bitPattern: op.parameters[field + 1]), beta = Float(bitPattern: op.parameters[field + 2])
        switch op.parameters[field] {
        case 1: return "+relu"
        case 2: return alpha == 0 && beta == 6 ? "+relu6" : "+clip(\(alpha),\(beta))"
        case 3: return "+hardswish"
        case 4: return "+leakyrelu(\(alpha))"
        case 5: return "+sigmoid"
        case 6: return "+silu"
        default: return ""
        }
    }

    func json() throws -> String { try JSONOutput.string(self, command: "inspect") }

    func text() -> String {
        var lines = ["file       \(file) (.edgem \(version), \(Text.grouped(fileSize)) bytes)"]
        for (title, ports) in [("inputs", inputs), ("outputs", outputs)] {
            for (i, p) in ports.enumerated() {
                lines.append(Text.pad(i == 0 ? title : "", 11) + "\(p.name)  \(p.dtype) [\(p.shape.map(String.init).joined(separator: ","))]")
            }
        }
        lines.append("arena      \(Text.grouped(arenaSize)) bytes per context: \(Text.grouped(activationBytes)) activations (every tensor apart: \(Text.grouped(naiveArenaSize))) + \(Text.grouped(scratchBytes)) kernel scratch")
        lines.append("tensors    \(tensorCount) (\(weightTensors) weights, \(sparseWeightTensors) stored sparse)")
        lines.append("")
        lines.append("sections")
        var rows = [["kind", "offset", "size", "stored", "compression", "crc32"]]
        rows += sections.map { [$0.kind, String(format: "0x%06x", $0.offset), Text.grouped($0.size), Text.grouped($0.storedSize), $0.compression, $0.checksum] }
        lines += Text.table(rows, rightAligned: [2, 3]).map { "  " + $0 }
        lines.append("")
        lines.append("operators (execution order)")
        rows = [["#", "op", "node", "output"]]
        rows += operators.map { [String($0.index), $0.kind, $0.name, $0.output] }
        lines += Text.table(rows, rightAligned: [0]).map { "  " + $0 }
        if !metadata.isEmpty {
            lines.append("")
            lines.append("metadata")
            lines += Text.table(metadata.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }, rightAligned: []).map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
