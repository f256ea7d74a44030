import Foundation

/// What one model may ask edgec to hold, checked before anything is allocated: a ConstantOfShape
/// or Expand asking for 16 GiB is one line naming the node, not a process killed for memory.
/// The defaults fit a device-sized model many times over; the environment raises them.
public struct ResourceLimits: Sendable, Equatable {
    /// Bytes of any one tensor whose shape inference computes (`EDGEC_MAX_TENSOR_BYTES`).
    public var tensorBytes: Int
    /// Bytes of all constants folded at compile time together (`EDGEC_MAX_FOLDED_BYTES`).
    public var foldedBytes: Int
    /// Bytes of the activation arena a compiled model asks of a device (`EDGEC_MAX_ARENA_BYTES`).
    public var arenaBytes: Int
    /// Multiply-accumulates constant folding may spend (`EDGEC_MAX_FOLDED_MACS`); nodes past it
    /// are not folded but left to run.
    public var foldedMACs: Int

    public static let gibibyte = 1 << 30

    public init(tensorBytes: Int = gibibyte, foldedBytes: Int = 2 * gibibyte, arenaBytes: Int = gibibyte, foldedMACs: Int = 1_000_000_000) {
        self.tensorBytes = tensorBytes
        self.foldedBytes = foldedBytes
        self.arenaBytes = arenaBytes
        self.foldedMACs = foldedMACs
    }

    /// The defaults, raised or lowered by the environment variables named above.
    public static let current: ResourceLimits = {
        let environment = ProcessInfo.processInfo.environment
        func value(_ name: String, _ fallback: Int) -> Int {
            guard let text = environment[name], let parsed = Int(text), parsed > 0 else { return fallback }
            return parsed
        }
        let defaults = ResourceLimits()
        return ResourceLimits(tensorBytes: value("EDGEC_MAX_TENSOR_BYTES", defaults.tensorBytes),
                              foldedBytes: value("EDGEC_MAX_FOLDED_BYTES", defaults.foldedBytes),
                              arenaBytes: value("EDGEC_MAX_ARENA_BYTES", defaults.arenaBytes),
                              foldedMACs: value("EDGEC_MAX_FOLDED_MACS", defaults.foldedMACs))
    }()

    /// Throws when `type` has a negative dimension, dimensions whose product overflows (even
    /// beside a 0), or more bytes than one tensor may hold; the message says which and the variable that raises it.
    public func check(_ type: TensorType) throws {
        if let negative = type.shape.first(where: { $0 < 0 }) {
            throw SizeOverflow("dimension \(negative) of \(type.shape) is negative")
        }
        // An empty tensor still has strides: its other dimensions must multiply without overflow too.
        guard !type.shape.contains(0) || (try? CheckedSize.multiply(try CheckedSize.product(type.shape.filter { $0 != 0 }), type.dtype.byteSize)) != nil else {
            throw SizeOverflow("the dimensions of \(type.dtype) \(type.shape) multiply beyond 64 bits")
        }
        let bytes = try CheckedSize.multiply(try CheckedSize.product(type.shape), type.dtype.byteSize)
        guard bytes <= tensorBytes else {
            throw SizeOverflow("\(type.dtype) \(type.shape) needs \(bytes) bytes, more than the \(tensorBytes) edgec allows one tensor (EDGEC_MAX_TENSOR_BYTES raises it)")
        }
    }
}
