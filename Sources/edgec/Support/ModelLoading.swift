import EdgeFormat
import Foundation

/// Reading a model named on the command line.
enum ModelLoading {
    /// The bytes of a file named on the command line.
    static func read(_ path: String) throws -> Data {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UserFacingError("'\(path)' is a directory, not a model file")
        }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied or unreadable" : "no such file"
            throw UserFacingError("cannot read '\(path)': \(reason)")
        }
    }

    /// The bytes of a file that must be an ONNX model: a file of another kind is named for what it
    /// is ("'x.edgem' is a compiled .edgem model; quantize takes ONNX (.onnx)").
    static func readONNX(_ path: String, for verb: String) throws -> Data {
        let data = try read(path)
        let kind = ModelFileKind(data)
        guard kind == .onnx else { throw UserFacingError("'\(path)' is \(kind.description); \(verb) takes ONNX (.onnx)") }
        return data
    }
}
