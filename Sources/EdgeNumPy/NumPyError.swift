/// Why a .npy or .npz file could not be read or written, naming the file and the array.
public struct NumPyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
