import Foundation

/// What a model file is, from its first bytes: a compiled `.edgem` (its magic) or, otherwise, ONNX.
/// Every command that takes either asks here.
public enum ModelFileKind: Sendable, Equatable {
    case compiled
    case onnx

    public init(_ data: Data) {
        self = data.starts(with: Edgem.magic) ? .compiled : .onnx
    }
}
