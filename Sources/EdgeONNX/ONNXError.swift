/// Why an ONNX file could not be read, in one line naming what and where.
public struct ONNXError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unreadable
        case malformed
        case unsupportedOpset
        case undefinedValue
        case cycle
        case invalidTensor
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
