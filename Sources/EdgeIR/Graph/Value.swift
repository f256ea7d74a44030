/// Index of a value in `Graph.values`. Nodes refer to values by id, so executors index arrays, not dictionaries.
public typealias ValueID = Int

/// Element type and static shape of a value.
public struct TensorType: Sendable, Equatable, CustomStringConvertible {
    public var dtype: DType
    public var shape: [Int]

    public init(_ dtype: DType, _ shape: [Int]) {
        self.dtype = dtype
        self.shape = shape
    }

    public var elementCount: Int { Shapes.elementCount(shape) }
    public var byteCount: Int { elementCount * dtype.byteSize }
    public var description: String { "\(dtype)[\(shape.map(String.init).joined(separator: ","))]" }
}

/// A named value of the graph: a graph input, a constant, or a node output.
/// `type` is nil until shape inference has reached it.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var type: TensorType?
    /// For int8/int32 values of a quantized graph: how their integers map to real numbers.
    public var quantization: QuantizationParameters?

    public init(name: String, type: TensorType? = nil, quantization: QuantizationParameters? = nil) {
        self.name = name
        self.type = type
        self.quantization = quantization
    }
}

/// One dimension of a graph input as the model declares it: a number, or a name the user binds.
public enum DeclaredDimension: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)

    public var description: String {
        switch self {
        case .fixed(let n): return String(n)
        case .symbolic(let name): return name.isEmpty ? "?" : name
        }
    }
}

/// A graph input with the shape the model declares (possibly symbolic) and its element type.
public struct GraphInput: Sendable, Equatable {
    public var value: ValueID
    public var dtype: DType
    public var declaredShape: [DeclaredDimension]

    public init(value: ValueID, dtype: DType, declaredShape: [DeclaredDimension]) {
        self.value = value
        self.dtype = dtype
        self.declaredShape = declaredShape
    }

    /// The declared shape when every dimension is a number.
    public var staticShape: [Int]? {
        var dims: [Int] = []
        for d in declaredShape {
            guard case .fixed(let n) = d else { return nil }
            dims.append(n)
        }
        return dims
    }
}
