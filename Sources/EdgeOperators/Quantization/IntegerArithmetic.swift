import EdgeIR
import Foundation

/// The integer arithmetic of int8 operators: the compiler turns real-valued scales into integer
/// multipliers, shifts and tables here, when it lowers an int8 node, so the runtime computes with
/// integers only and every target produces the same bytes (formats/edgem.md, "Integer arithmetic").
public enum IntegerArithmetic {
    /// `M = m · 2^shift` with `m` in [0.5, 1) as a Q31 integer, as TFLite's QuantizeMultiplier.
    public static func quantizeMultiplier(_ real: Double) -> (multiplier: Int32, shift: Int32) {
        guard real > 0, real.isFinite else { return (0, 0) }
        let exponent = real.exponent + 1
        let fraction = real / pow(2, Double(exponent))
        var q = (fraction * 2147483648).rounded()
        var shift = exponent
        if q == 2147483648 { q /= 2; shift += 1 }
        if shift < -31 { return (0, 0) }
        return (Int32(q), Int32(shift))
    }

    public static func field(_ v: Int32) -> UInt32 { UInt32(bitPattern: v) }

    /// Output clamp bounds in the integer domain of `output` for a fused Relu/Clip.
    public static func bounds(_ activation: Activation?, _ output: QuantizationParameters) -> [UInt32] {
        var low: Int32 = -128, high: Int32 = 127
        switch activation {
        case .relu?:
            low = max(low, output.zeroPoint)
        case .clip(let lo, let hi)?:
            low = max(low, Int32(output.quantize(lo)))
            high = min(high, Int32(output.quantize(hi)))
        default:
            break
        }
        return [field(low), field(high)]
    }

    /// Multiplier and shift per output channel of `acc = Σ w·x` → output.
    public static func requantization(input: QuantizationParameters, weights: QuantizationParameters, output: QuantizationParameters, channels: Int) -> Tensor {
        var values: [Int32] = []
        for c in 0..<channels {
            let weightScale = weights.axis == nil ? weights.scale : weights.scales[c]
            let (m, s) = quantizeMultiplier(Double(input.scale) * Double(weightScale) / Double(output.scale))
            values += [m, s]
        }
        return Tensor(shape: [channels, 2], storage: .int32(values))
    }

    public static func lookupTable(_ op: UnaryOperator, input: QuantizationParameters, output: QuantizationParameters) -> Tensor {
        let f = op.apply
        let table = (-128...127).map { q in output.quantize(f(input.scale * Float(Int32(q) - input.zeroPoint))) }
        return Tensor(shape: [256], storage: .int8(table))
    }

    public static func softmaxTable(input: QuantizationParameters) -> Tensor {
        // The scale comes from the model; a value that is not a positive float must not trap.
        Tensor(shape: [256], storage: .int32((0..<256).map { d in
            let entry = (1048576 * Foundation.exp(-Double(input.scale) * Double(d))).rounded()
            return entry.isNaN ? 0 : Int32(min(max(entry, Double(Int32.min)), Double(Int32.max)))
        }))
    }

    /// Row-major [K, N] int8 weights as [N, K], with per-channel scales following along.
    public static func transposedWeights(_ tensor: Tensor, params: QuantizationParameters) -> (Tensor, QuantizationParameters) {
        guard case .int8(let values) = tensor.storage, tensor.rank == 2 else { return (tensor, params) }
        let k = tensor.shape[0], n = tensor.shape[1]
        var result = [Int8](repeating: 0, count: values.count)
        for row in 0..<k { for column in 0..<n { result[column * k + row] = values[row * n + column] } }
        var moved = params
        if moved.axis != nil { moved.axis = 0 }
        return (Tensor(shape: [n, k], storage: .int8(result)), moved)
    }
}

extension IntegerArithmetic {
    /// The int8 weight scheme: symmetric, zero point 0, [-127, 127], one scale per slice along
    /// `axis` (or one for the tensor): the scales that map each slice's largest |w| to 127.
    public static func symmetricScales(_ weights: Tensor, axis: Int, perTensor: Bool) -> [Float] {
        let values = weights.floats ?? weights.storage.doubles.map(Float.init)
        let channels = perTensor ? 1 : weights.shape[axis]
        let inner = weights.shape[(axis + 1)...].reduce(1, *)
        var maxima = [Float](repeating: 0, count: channels)
        for (i, v) in values.enumerated() {
            let c = perTensor ? 0 : (i / inner) % channels
            maxima[c] = max(maxima[c], abs(v))
        }
        return maxima.map { $0 > 0 ? $0 / 127 : 1 }
    }

    /// Int8 weights with a negative scale on some channel (a BatchNormalization with a negative
    /// gamma folded into QAT weights) as the same real values with every scale positive: that
    /// channel's integers negated. Nil when a negated channel holds -128 or a zero point is not 0.
    public static func positiveScales(_ weights: Tensor, _ params: QuantizationParameters) -> (Tensor, QuantizationParameters)? {
        guard case .int8(var values) = weights.storage, params.zeroPoints.allSatisfy({ $0 == 0 }) else { return nil }
        let axis = params.axis ?? 0
        let channels = params.scales.count == 1 ? 1 : weights.shape[axis]
        let inner = weights.shape[(axis + 1)...].reduce(1, *)
        for i in values.indices where params.scales[channels == 1 ? 0 : (i / inner) % channels] < 0 {
            guard values[i] != .min else { return nil }
            values[i] = -values[i]
        }
        var positive = params
        positive.scales = params.scales.map(abs)
        return (Tensor(shape: weights.shape, storage: .int8(values)), positive)
    }

    /// Float weights as int8 with `scales` (one, or one per slice along `axis`).
    public static func symmetricInt8(_ weights: Tensor, axis: Int, scales: [Float]) -> Tensor {
        let values = weights.floats ?? weights.storage.doubles.map(Float.init)
        let inner = weights.shape[(axis + 1)...].reduce(1, *), channels = weights.shape[axis]
        let q = values.enumerated().map { i, v in
            // Scales can come from a QDQ model: a 0 or NaN scale gives NaN here, which must not trap.
            let scaled = (v / scales[scales.count == 1 ? 0 : (i / inner) % channels]).rounded()
            return scaled.isNaN ? Int8(0) : Int8(min(max(scaled, -127), 127))
        }
        return Tensor(shape: weights.shape, storage: .int8(q))
    }

    /// A bias in the int32 units of the accumulator: `bias[c] / (s_input · s_weight[c])`, the scale a
    /// float32 product as exporters compute it, rounded half away from zero and saturated.
    public static func int32Bias(_ bias: [Float], inputScale: Float, weightScales: [Float]) -> [Int32] {
        zip(bias, weightScales).map { b, w in
            // Data-derived scales may be extreme (calibration values near ±3.4e38): a 0/0 is 0, not a trap.
            let v = (Double(b) / Double(inputScale * w)).rounded()
            return v.isNaN ? 0 : Int32(min(max(v, Double(Int32.min)), Double(Int32.max)))
        }
    }

    /// Whether a fused activation survives in int8 (as output clamp bounds).
    public static func hasInt8Form(_ activation: Activation?) -> Bool {
        switch activation {
        case nil, .relu?, .clip?: return true
        default: return false
        }
    }

    /// The per-channel multipliers and shifts of `acc = Σ w·x` → output, added to the graph as the
    /// constant the int8 kernel reads.
    static func addRequantization(_ node: LoweringContext, weights: ValueID, channels: Int) throws -> ValueID {
        let array = requantization(input: try node.quantization(node.node.input(0)), weights: try node.quantization(weights),
                                   output: try node.outputQuantization, channels: channels)
        return node.addConstant("requantization", array)
    }

    /// Int8 weights as [N, K] (rows are output channels), added as a constant unless they already are.
    static func weightsAsRows(_ node: LoweringContext, _ weights: ValueID, transposed: Bool) throws -> ValueID {
        guard !transposed else { return weights }
        let (tensor, q) = transposedWeights(node.graph.constants[weights]!, params: try node.quantization(weights))
        return node.addConstant("weights_nk", tensor, quantization: q)
    }
}
