import Foundation

/// Why a .npy or .npz file could not be read or written, naming the file and the array.
public struct NumPyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// How much one array may hold before it is read: a bound that a corrupt or hostile file cannot
/// talk edgec past (1 GiB; `EDGEC_MAX_ARRAY_BYTES` raises it).
public enum NumPyLimits {
    public static let maximumArrayBytes: Int = {
        if let text = ProcessInfo.processInfo.environment["EDGEC_MAX_ARRAY_BYTES"], let value = Int(text), value > 0 { return value }
        return 1 << 30
    }()
}
