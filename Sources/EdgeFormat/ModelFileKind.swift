import Foundation

/// What a model file is, from its first bytes: a compiled `.edgem` (its magic), a NumPy array or
/// archive, a TFLite flatbuffer, or otherwise ONNX. Every command that takes a model asks here,
/// so a file of another kind is named for what it is instead of failing to decode as ONNX.
public enum ModelFileKind: Sendable, Equatable {
    case compiled
    case onnx
    case numpy
    case numpyArchive
    case tflite

    public init(_ data: Data) {
        if data.starts(with: Edgem.magic) {
            self = .compiled
        } else if data.starts(with: [0x93] + Array("NUMPY".utf8)) {
            self = .numpy
        } else if data.starts(with: Array("PK".utf8) + [3, 4]) {
            self = .numpyArchive
        } else if data.count >= 8, data.dropFirst(4).prefix(4).elementsEqual("TFL3".utf8) {
            self = .tflite
        } else {
            self = .onnx
        }
    }

    /// What the file is, for messages: "a compiled .edgem model".
    public var description: String {
        switch self {
        case .compiled: return "a compiled .edgem model"
        case .onnx: return "an ONNX model"
        case .numpy: return "a NumPy array (.npy), not a model"
        case .numpyArchive: return "a ZIP archive (a .npz of arrays?), not a model"
        case .tflite: return "a TFLite model; edgec reads ONNX (tf2onnx converts TFLite models)"
        }
    }
}
