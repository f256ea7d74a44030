#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An elementwise function fused into the op that produces its input.
public enum Activation: Sendable, Equatable, CustomStringConvertible {
    case relu
    /// Relu6 is `clip(min: 0, max: 6)`.
    case clip(min: Float, max: Float)
    case hardSwish
    case leakyRelu(alpha: Float)
    /// The logistic function, and x times it (SiLU, Swish): the gates and activations of
    /// EfficientNet, YOLOv5/v8 and their kin, applied while a convolution's output is still in cache.
    case sigmoid
    case silu

    /// The clamp bounds of Relu and Clip; nil for the other activations.
    var clampBounds: (Float, Float)? {
        switch self {
        case .relu: return (0, .infinity)
        case .clip(let lo, let hi): return (lo, hi)
        default: return nil
        }
    }

    /// `next` applied after this, as one activation, when both are clamps whose ranges overlap:
    /// clamp(clamp(x, a, b), c, d) = clamp(x, max(a, c), min(b, d)).
    public func thenClamped(by next: Activation) -> Activation? {
        guard let (a, b) = clampBounds, let (c, d) = next.clampBounds else { return nil }
        let (lo, hi) = (Swift.max(a, c), Swift.min(b, d))
        guard lo <= hi else { return nil }
        return lo == 0 && hi == .infinity ? .relu : .clip(min: lo, max: hi)
    }

    public var description: String {
        switch self {
        case .relu: return "Relu"
        case .clip(let lo, let hi): return lo == 0 && hi == 6 ? "Relu6" : "Clip(\(lo),\(hi))"
        case .hardSwish: return "HardSwish"
        case .leakyRelu(let a): return "LeakyRelu(\(a))"
        case .sigmoid: return "Sigmoid"
        case .silu: return "SiLU"
        }
    }

    /// The activation applied to one value: the formula of the unary operator it is.
    @inlinable
    public func apply(_ x: Float) -> Float { asUnary.apply(x) }

    /// The same function as a unary operator.
    @inlinable
    public var asUnary: UnaryOperator {
        switch self {
        case .relu: return .relu
        case .clip(let lo, let hi): return .clip(min: lo, max: hi)
        case .hardSwish: return .hardSwish
        case .leakyRelu(let alpha): return .leakyRelu(alpha: alpha)
        case .sigmoid: return .sigmoid
        case .silu: return .silu
        }
    }
}

/// How ONNX's `auto_pad` chooses padding.
public enum AutoPad: Sendable, Equatable {
    case explicit
    case sameUpper
    case sameLower
    case valid
}

public struct Convolution: Sendable, Equatable {
    public var group: Int
    /// Per spatial dimension.
    public var strides: [Int]
    public var dilations: [Int]
    /// All begins then all ends, as ONNX orders them.
    public var pads: [Int]
    public var autoPad: AutoPad
    public var activation: Activation?

    public init(group: Int = 1, strides: [Int], dilations: [Int], pads: [Int], autoPad: AutoPad = .explicit, activation: Activation? = nil) {
        self.group = group
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.autoPad = autoPad
        self.activation = activation
    }
}

public struct ConvolutionTranspose: Sendable, Equatable {
    public var group: Int
    public var strides: [Int]
    public var dilations: [Int]
    public var pads: [Int]
    public var outputPadding: [Int]
    /// When the model gives `output_shape`, padding is derived from it.
    public var outputShape: [Int]?
    public var autoPad: AutoPad
    public var activation: Activation?

    public init(group: Int, strides: [Int], dilations: [Int], pads: [Int], outputPadding: [Int], outputShape: [Int]?, autoPad: AutoPad, activation: Activation? = nil) {
        self.group = group
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.outputPadding = outputPadding
        self.outputShape = outputShape
        self.autoPad = autoPad
        self.activation = activation
    }
}

public struct Gemm: Sendable, Equatable {
    public var alpha: Float
    public var beta: Float
    public var transposeA: Bool
    public var transposeB: Bool
    public var activation: Activation?

    public init(alpha: Float = 1, beta: Float = 1, transposeA: Bool = false, transposeB: Bool = false, activation: Activation? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.transposeA = transposeA
        self.transposeB = transposeB
        self.activation = activation
    }
}

public enum BinaryOperator: Sendable, Equatable, CaseIterable {
    case add, sub, mul, div, pow, min, max
    /// ONNX Mod with fmod=0: the result takes the divisor's sign (integers only in ONNX).
    case mod
    /// ONNX Mod with fmod=1: C's fmod, the result takes the dividend's sign.
    case fmod

    public var onnxName: String {
        switch self {
        case .add: return "Add"
        case .sub: return "Sub"
        case .mul: return "Mul"
        case .div: return "Div"
        case .pow: return "Pow"
        case .min: return "Min"
        case .max: return "Max"
        case .mod, .fmod: return "Mod"
        }
    }
}

/// LSTM and GRU as ONNX defines them, with their default activations (sigmoid, tanh, tanh).
public struct Recurrent: Sendable, Equatable {
    public enum Cell: Sendable, Equatable { case lstm, gru }
    public enum Direction: Int, Sendable, Equatable { case forward = 0, reverse, bidirectional }

    public var cell: Cell
    public var hiddenSize: Int
    public var direction: Direction
    /// GRU only: the reset gate multiplies (H·Rh + Rbh) rather than H (PyTorch exports 1).
    public var linearBeforeReset: Bool
    /// 0: X [seq, batch, input], Y [seq, dirs, batch, hidden]; 1: batch first.
    public var layout: Int

    public init(cell: Cell, hiddenSize: Int, direction: Direction, linearBeforeReset: Bool, layout: Int) {
        self.cell = cell
        self.hiddenSize = hiddenSize
        self.direction = direction
        self.linearBeforeReset = linearBeforeReset
        self.layout = layout
    }

    /// Gates per step: LSTM's i, o, f, c; GRU's z, r, h.
    public var gates: Int { cell == .lstm ? 4 : 3 }
    public var directions: Int { direction == .bidirectional ? 2 : 1 }
}

/// Elementwise comparisons: bool outputs of two inputs of one type.
public enum Comparison: Sendable, Equatable, CaseIterable {
    case equal, less, greater, lessOrEqual, greaterOrEqual

    public var onnxName: String {
        switch self {
        case .equal: return "Equal"
        case .less: return "Less"
        case .greater: return "Greater"
        case .lessOrEqual: return "LessOrEqual"
        case .greaterOrEqual: return "GreaterOrEqual"
        }
    }

    /// The comparison of two values; the one formula for the executor (the runtime writes the same).
    @inlinable
    public func holds<T: Comparable>(_ a: T, _ b: T) -> Bool {
        switch self {
        case .equal: return a == b
        case .less: return a < b
        case .greater: return a > b
        case .lessOrEqual: return a <= b
        case .greaterOrEqual: return a >= b
        }
    }
}

/// Boolean logic: And, Or, Xor of two inputs, Not of one.
public enum LogicalOperator: Sendable, Equatable, CaseIterable {
    case and, or, xor, not

    public var onnxName: String {
        switch self {
        case .and: return "And"
        case .or: return "Or"
        case .xor: return "Xor"
        case .not: return "Not"
        }
    }

    @inlinable
    public func apply(_ a: Bool, _ b: Bool) -> Bool {
        switch self {
        case .and: return a && b
        case .or: return a || b
        case .xor: return a != b
        case .not: return !a
        }
    }
}

public enum UnaryOperator: Sendable, Equatable {
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    case hardSigmoid(alpha: Float, beta: Float)
    case hardSwish
    case tanh
    case sqrt
    case exp
    case erf
    case neg
    case abs
    case elu(alpha: Float)
    case selu(alpha: Float, gamma: Float)
    case celu(alpha: Float)
    case softplus
    case softsign
    case mish
    case reciprocal
    case floor
    case ceil
    /// Round half to even, as ONNX's Round.
    case round
    case sign
    case log
    case sin
    case cos
    /// ONNX Gelu (opset 20): exact with `erf` when `tanhApproximation` is false.
    case gelu(tanhApproximation: Bool)
    /// SiLU (Swish), `x · sigmoid(x)`: not an ONNX operator, but what YOLOv8 and EfficientNet
    /// write as Sigmoid and Mul. One function, so it runs as one kernel, or one int8 table.
    case silu

    public var onnxName: String {
        switch self {
        case .relu: return "Relu"
        case .leakyRelu: return "LeakyRelu"
        case .clip: return "Clip"
        case .sigmoid: return "Sigmoid"
        case .hardSigmoid: return "HardSigmoid"
        case .hardSwish: return "HardSwish"
        case .tanh: return "Tanh"
        case .sqrt: return "Sqrt"
        case .exp: return "Exp"
        case .erf: return "Erf"
        case .neg: return "Neg"
        case .abs: return "Abs"
        case .elu: return "Elu"
        case .selu: return "Selu"
        case .celu: return "Celu"
        case .softplus: return "Softplus"
        case .softsign: return "Softsign"
        case .mish: return "Mish"
        case .reciprocal: return "Reciprocal"
        case .floor: return "Floor"
        case .ceil: return "Ceil"
        case .round: return "Round"
        case .sign: return "Sign"
        case .log: return "Log"
        case .sin: return "Sin"
        case .cos: return "Cos"
        case .gelu: return "Gelu"
        case .silu: return "SiLU"
        }
    }

    /// log(1 + e^x), written to stay finite and exact for large |x|.
    @inlinable
    public static func softplus(_ x: Float) -> Float { x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x)) }

    /// sqrt(2 / pi), the tanh approximation of GELU's constant.
    @usableFromInline static let geluTanhScale: Float = 0.7978845608028654

    /// The function applied to one value. This is the one definition of each elementwise formula
    /// in Swift: the reference kernels, fused activations and int8 lookup tables all call it, and
    /// the C runtime writes the same expressions (formats/edgem.md, "Activation formulas").
    @inlinable
    public func apply(_ x: Float) -> Float {
        switch self {
        case .relu: return Swift.max(x, 0)
        case .leakyRelu(let alpha): return x >= 0 ? x : x * alpha
        case .clip(let lo, let hi): return Swift.min(Swift.max(x, lo), hi)
        case .sigmoid:
            // Written to stay finite for large |x|.
            if x >= 0 { return 1 / (1 + expf(-x)) }
            let e = expf(x)
            return e / (1 + e)
        case .hardSigmoid(let alpha, let beta): return Swift.max(0, Swift.min(1, alpha * x + beta))
        // ONNX's definition, x · hardsigmoid(x) with alpha 1/6 and beta 1/2.
        case .hardSwish: return x * Swift.max(0, Swift.min(1, x / 6 + 0.5))
        case .tanh: return tanhf(x)
        case .sqrt: return sqrtf(x)
        case .exp: return expf(x)
        case .erf: return erff(x)
        case .neg: return -x
        case .abs: return Swift.abs(x)
        case .elu(let alpha): return x > 0 ? x : alpha * (expf(x) - 1)
        case .selu(let alpha, let gamma): return x > 0 ? gamma * x : gamma * (alpha * expf(x) - alpha)
        case .celu(let alpha): return Swift.max(0, x) + Swift.min(0, alpha * (expf(x / alpha) - 1))
        case .softplus: return Self.softplus(x)
        case .softsign: return x / (1 + Swift.abs(x))
        case .mish: return x * tanhf(Self.softplus(x))
        case .reciprocal: return 1 / x
        case .floor: return floorf(x)
        case .ceil: return ceilf(x)
        case .round: return rintf(x)
        case .sign: return x > 0 ? 1 : x < 0 ? -1 : 0
        case .log: return logf(x)
        case .sin: return sinf(x)
        case .cos: return cosf(x)
        case .gelu(let tanhApproximation):
            if tanhApproximation { return 0.5 * x * (1 + tanhf(Self.geluTanhScale * (x + 0.044715 * x * x * x))) }
            return 0.5 * x * (1 + erff(x * 0.70710678118654752))
        case .silu: return x * UnaryOperator.sigmoid.apply(x)
        }
    }

    /// The derivative at `x`, where `y` is `apply(x)` (some formulas are cheaper from the output).
    /// Beside `apply`, so each function's derivative is written once; at a kink it takes the
    /// value PyTorch's autograd takes (0 for Relu at 0, 1 inside Clip's closed range).
    @inlinable
    public func derivative(_ x: Float, output y: Float) -> Float {
        switch self {
        case .relu: return x > 0 ? 1 : 0
        case .leakyRelu(let alpha): return x > 0 ? 1 : alpha
        case .clip(let lo, let hi): return x >= lo && x <= hi ? 1 : 0
        case .sigmoid: return y * (1 - y)
        case .hardSigmoid(let alpha, let beta):
            let z = alpha * x + beta
            return z > 0 && z < 1 ? alpha : 0
        case .hardSwish: return x < -3 ? 0 : x > 3 ? 1 : (2 * x + 3) / 6
        case .tanh: return 1 - y * y
        case .sqrt: return 0.5 / y
        case .exp: return y
        case .erf: return 1.1283791670955126 * expf(-x * x)
        case .neg: return -1
        case .abs: return x > 0 ? 1 : x < 0 ? -1 : 0
        case .elu(let alpha): return x > 0 ? 1 : y + alpha
        case .selu(let alpha, let gamma): return x > 0 ? gamma : y + gamma * alpha
        case .celu(let alpha): return x > 0 ? 1 : expf(x / alpha)
        case .softplus: return UnaryOperator.sigmoid.apply(x)
        case .softsign: return 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x)))
        case .mish:
            let t = tanhf(Self.softplus(x))
            return t + x * (1 - t * t) * UnaryOperator.sigmoid.apply(x)
        case .reciprocal: return -y * y
        case .floor, .ceil, .round, .sign: return 0
        case .log: return 1 / x
        case .sin: return cosf(x)
        case .cos: return -sinf(x)
        case .gelu(let tanhApproximation):
            if tanhApproximation {
                let t = tanhf(Self.geluTanhScale * (x + 0.044715 * x * x * x))
                return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * Self.geluTanhScale * (1 + 3 * 0.044715 * x * x)
            }
            return 0.5 * (1 + erff(x * 0.70710678118654752)) + x * expf(-0.5 * x * x) * 0.3989422804014327
        case .silu:
            let s = UnaryOperator.sigmoid.apply(x)
            return s + x * s * (1 - s)
        }
    }

    /// The same function as a fusable activation, when it is one.
    public var asActivation: Activation? {
        switch self {
        case .relu: return .relu
        case .clip(let lo, let hi): return .clip(min: lo, max: hi)
        case .hardSwish: return .hardSwish
        case .leakyRelu(let a): return .leakyRelu(alpha: a)
        case .sigmoid: return .sigmoid
        case .silu: return .silu
        default: return nil
        }
    }
}

public struct Softmax: Sendable, Equatable {
    public var axis: Int
    /// Opsets before 13 flatten the input to 2-D at `axis` and normalize over everything after it.
    public var flattensToMatrix: Bool

    public init(axis: Int, flattensToMatrix: Bool) {
        self.axis = axis
        self.flattensToMatrix = flattensToMatrix
    }
}

public struct Pooling: Sendable, Equatable {
    public var kernelShape: [Int]
    public var strides: [Int]
    public var dilations: [Int]
    public var pads: [Int]
    public var autoPad: AutoPad
    public var ceilMode: Bool
    /// AveragePool only: whether padded cells count in the divisor.
    public var countIncludePad: Bool

    public init(kernelShape: [Int], strides: [Int], dilations: [Int], pads: [Int], autoPad: AutoPad, ceilMode: Bool, countIncludePad: Bool) {
        self.kernelShape = kernelShape
        self.strides = strides
        self.dilations = dilations
        self.pads = pads
        self.autoPad = autoPad
        self.ceilMode = ceilMode
        self.countIncludePad = countIncludePad
    }
}

public struct LocalResponseNormalization: Sendable, Equatable {
    public var alpha: Float
    public var beta: Float
    public var bias: Float
    public var size: Int

    public init(alpha: Float, beta: Float, bias: Float, size: Int) {
        self.alpha = alpha
        self.beta = beta
        self.bias = bias
        self.size = size
    }
}

public enum PadMode: Sendable, Equatable {
    case constant, reflect, edge
}

public struct Resize: Sendable, Equatable {
    public enum Mode: Sendable, Equatable { case nearest, linear, cubic }
    public enum CoordinateTransformation: Sendable, Equatable {
        case halfPixel, halfPixelSymmetric, pytorchHalfPixel, alignCorners, asymmetric
    }
    public enum NearestRounding: Sendable, Equatable {
        case roundPreferFloor, roundPreferCeil, floor, ceil
        /// Upsample and Resize-10: floor when enlarging, ceil when shrinking (onnxruntime's behaviour).
        case legacySimple
    }

    public var mode: Mode
    public var coordinateTransformation: CoordinateTransformation
    public var nearestRounding: NearestRounding
    /// Opset 18's `axes`: the dimensions scales/sizes refer to (nil: all).
    public var axes: [Int]?
    /// Cubic mode's `a` of Keys' kernel: -0.75 by default (PyTorch's), -0.5 is TensorFlow's.
    public var cubicCoefficient: Float
    /// Cubic and antialiased resizes: inputs outside the tensor get weight 0 and the rest are
    /// renormalized, rather than reading the edge value.
    public var excludeOutside: Bool
    /// Opset 18's `antialias` (linear and cubic): a downscale stretches the filter over 1/scale inputs.
    public var antialias: Bool

    public init(mode: Mode, coordinateTransformation: CoordinateTransformation, nearestRounding: NearestRounding, axes: [Int]? = nil,
                cubicCoefficient: Float = -0.75, excludeOutside: Bool = false, antialias: Bool = false) {
        self.mode = mode
        self.coordinateTransformation = coordinateTransformation
        self.nearestRounding = nearestRounding
        self.axes = axes
        self.cubicCoefficient = cubicCoefficient
        self.excludeOutside = excludeOutside
        self.antialias = antialias
    }

    /// Cubic resizes and antialiased ones weigh a run of inputs per output (a filter) rather than
    /// one or two.
    public var isFiltered: Bool { mode == .cubic || antialias }
}

public struct Reduction: Sendable, Equatable {
    public enum Kind: Sendable, Equatable, CaseIterable {
        // The order is the REDUCE record's kind number.
        case mean, sum, max, min, product, l1, l2, logSumExp, sumSquare

        public var onnxName: String {
            switch self {
            case .mean: return "ReduceMean"
            case .sum: return "ReduceSum"
            case .max: return "ReduceMax"
            case .min: return "ReduceMin"
            case .product: return "ReduceProd"
            case .l1: return "ReduceL1"
            case .l2: return "ReduceL2"
            case .logSumExp: return "ReduceLogSumExp"
            case .sumSquare: return "ReduceSumSquare"
            }
        }
    }

    public var kind: Kind
    /// nil reduces every axis.
    public var axes: [Int]?
    public var keepDims: Bool

    public init(kind: Kind, axes: [Int]?, keepDims: Bool) {
        self.kind = kind
        self.axes = axes
        self.keepDims = keepDims
    }
}

/// An ONNX node edgec cannot run, and why.
/// How ScatterND and ScatterElements combine an update with the value already there (opset 16's
/// `reduction`; none replaces it). The order is the SCATTER records' `reduction` number.
public enum ScatterReduction: Sendable, Equatable, CaseIterable {
    case none, add, mul

    public var onnxName: String {
        switch self {
        case .none: return "none"
        case .add: return "add"
        case .mul: return "mul"
        }
    }
}

public struct UnsupportedOperator: Sendable, Equatable {
    public var domain: String
    public var opType: String
    public var opset: Int
    public var reason: String

    public init(domain: String, opType: String, opset: Int, reason: String) {
        self.domain = domain
        self.opType = opType
        self.opset = opset
        self.reason = reason
    }
}

/// DepthToSpace's two orders of the channel dimension (opset 11): DCR reads it as
/// [blockRow, blockColumn, channel] (the default, and the only form before opset 11), CRD as
/// [channel, blockRow, blockColumn] (PixelShuffle's).
public enum DepthToSpaceMode: Sendable, Equatable {
    case depthColumnRow, columnRowDepth
}

/// ArgMax and ArgMin: the int64 position of the largest or smallest value along one axis.
public struct ArgExtremum: Sendable, Equatable {
    public var isMax: Bool
    public var axis: Int
    public var keepDims: Bool
    /// The last position of a repeated extreme value rather than the first (opset 12).
    public var selectLastIndex: Bool

    public init(isMax: Bool, axis: Int, keepDims: Bool, selectLastIndex: Bool) {
        self.isMax = isMax
        self.axis = axis
        self.keepDims = keepDims
        self.selectLastIndex = selectLastIndex
    }

    public var onnxName: String { isMax ? "ArgMax" : "ArgMin" }
}
