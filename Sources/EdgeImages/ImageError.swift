/// Why an image folder or one of its images could not be used, naming the file in one line.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
