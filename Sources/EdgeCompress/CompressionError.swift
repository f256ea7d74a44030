/// Why a compression request cannot be carried out, said before any work is done.
public struct CompressionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
