/// The elements of a tensor, in row-major (C) order, stored in their own type.
public enum TensorStorage: Sendable, Equatable {
    case float32([Float])
    case int8([Int8])
    case uint8([UInt8])
    case int32([Int32])
    case int64([Int64])
    case bool([Bool])

    public var dtype: DType {
        switch self {
        case .float32: return .float32
        case .int8: return .int8
        case .uint8: return .uint8
        case .int32: return .int32
        case .int64: return .int64
        case .bool: return .bool
        }
    }

    public var count: Int {
        switch self {
        case .float32(let a): return a.count
        case .int8(let a): return a.count
        case .uint8(let a): return a.count
        case .int32(let a): return a.count
        case .int64(let a): return a.count
        case .bool(let a): return a.count
        }
    }

    /// Storage of `count` zeros of `dtype`.
    public static func zeros(_ dtype: DType, count: Int) -> TensorStorage {
        switch dtype {
        case .float32: return .float32(Array(repeating: 0, count: count))
        case .int8: return .int8(Array(repeating: 0, count: count))
        case .uint8: return .uint8(Array(repeating: 0, count: count))
        case .int32: return .int32(Array(repeating: 0, count: count))
        case .int64: return .int64(Array(repeating: 0, count: count))
        case .bool: return .bool(Array(repeating: false, count: count))
        }
    }

    /// The elements picked by `indices`; an index of -1 yields `fill` (used by padding).
    public func gathering(_ indices: [Int], fill: Double = 0) -> TensorStorage {
        // The fill comes from the model (Pad's constant_value): NaN or 1e300 must not trap.
        let whole: Int64 = fill.isNaN ? 0 : fill >= 0x1p63 ? .max : fill < -0x1p63 ? .min : Int64(fill)
        func pick<T>(_ a: [T], _ fillValue: T) -> [T] {
            a.withUnsafeBufferPointer { source in
                indices.map { $0 < 0 ? fillValue : source[$0] }
            }
        }
        switch self {
        case .float32(let a): return .float32(pick(a, Float(fill)))
        case .int8(let a): return .int8(pick(a, Int8(clamping: whole)))
        case .uint8(let a): return .uint8(pick(a, UInt8(clamping: whole)))
        case .int32(let a): return .int32(pick(a, Int32(clamping: whole)))
        case .int64(let a): return .int64(pick(a, whole))
        case .bool(let a): return .bool(pick(a, fill != 0))
        }
    }

    /// Joins storages of one dtype: `parts[k]` contributes `blockSizes[k]` elements to each of `outerCount` rows.
    public static func interleaving(_ parts: [TensorStorage], blockSizes: [Int], outerCount: Int) -> TensorStorage {
        func join<T>(_ arrays: [[T]]) -> [T] {
            var result: [T] = []
            result.reserveCapacity(arrays.reduce(0) { $0 + $1.count })
            for outer in 0..<outerCount {
                for (array, block) in zip(arrays, blockSizes) {
                    result.append(contentsOf: array[(outer * block)..<((outer + 1) * block)])
                }
            }
            return result
        }
        switch parts[0] {
        case .float32: return .float32(join(parts.map { $0.floatArray! }))
        case .int8: return .int8(join(parts.map { if case .int8(let a) = $0 { return a }; return [] }))
        case .uint8: return .uint8(join(parts.map { if case .uint8(let a) = $0 { return a }; return [] }))
        case .int32: return .int32(join(parts.map { if case .int32(let a) = $0 { return a }; return [] }))
        case .int64: return .int64(join(parts.map { if case .int64(let a) = $0 { return a }; return [] }))
        case .bool: return .bool(join(parts.map { if case .bool(let a) = $0 { return a }; return [] }))
        }
    }

    public var floatArray: [Float]? {
        if case .float32(let a) = self { return a }
        return nil
    }

    /// Every element as a Double, whatever the dtype (for casts, statistics and printing).
    public var doubles: [Double] {
        switch self {
        case .float32(let a): return a.map(Double.init)
        case .int8(let a): return a.map(Double.init)
        case .uint8(let a): return a.map(Double.init)
        case .int32(let a): return a.map(Double.init)
        case .int64(let a): return a.map(Double.init)
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// Every element as an Int64 (integer dtypes exactly; floats truncated toward zero, as ONNX Cast does).
    public var int64s: [Int64] {
        switch self {
        case .float32(let a): return a.map { $0.isFinite ? Int64(exactly: $0.rounded(.towardZero)) ?? 0 : 0 }
        case .int8(let a): return a.map(Int64.init)
        case .uint8(let a): return a.map(Int64.init)
        case .int32(let a): return a.map(Int64.init)
        case .int64(let a): return a
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// The same values converted to `dtype`, with ONNX Cast semantics (saturating for narrow integers).
    public func converted(to dtype: DType) -> TensorStorage {
        if dtype == self.dtype { return self }
        switch dtype {
        case .float32:
            if case .int64(let a) = self { return .float32(a.map { Float($0) }) }
            return .float32(doubles.map { Float($0) })
        case .int64: return .int64(int64s)
        case .int32: return .int32(int64s.map { Int32(truncatingIfNeeded: $0) })
        case .int8: return .int8(int64s.map { Int8(clamping: $0) })
        case .uint8: return .uint8(int64s.map { UInt8(clamping: $0) })
        case .bool: return .bool(doubles.map { $0 != 0 })
        }
    }
}

/// A dense tensor: a shape and its elements in row-major order.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var storage: TensorStorage

    /// Callers guarantee `storage.count == shape.product`; importers check it before building tensors.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(storage.count == shape.reduce(1, *), "tensor of shape \(shape) given \(storage.count) elements")
        self.shape = shape
        self.storage = storage
    }

    public init(shape: [Int], floats: [Float]) { self.init(shape: shape, storage: .float32(floats)) }
    public init(shape: [Int], int64s: [Int64]) { self.init(shape: shape, storage: .int64(int64s)) }

    public static func zeros(_ dtype: DType, shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: .zeros(dtype, count: shape.reduce(1, *)))
    }

    public var dtype: DType { storage.dtype }
    public var elementCount: Int { storage.count }
    public var rank: Int { shape.count }
    public var type: TensorType { TensorType(dtype, shape) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    /// The float elements; nil for other dtypes.
    public var floats: [Float]? { storage.floatArray }

    public func reshaped(_ newShape: [Int]) -> Tensor { Tensor(shape: newShape, storage: storage) }
}
