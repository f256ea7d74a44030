/// How an integer tensor maps to real numbers: `real = scale * (q - zeroPoint)`, per tensor or per
/// slice along one axis (weights are quantized per output channel).
public struct QuantizationParameters: Sendable, Equatable, CustomStringConvertible {
    public var scales: [Float]
    public var zeroPoints: [Int32]
    /// nil: one scale for the whole tensor; otherwise the axis the scales run along.
    public var axis: Int?

    public init(scale: Float, zeroPoint: Int32) {
        scales = [scale]
        zeroPoints = [zeroPoint]
        axis = nil
    }

    public init(scales: [Float], zeroPoints: [Int32], axis: Int) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.axis = axis
    }

    public var scale: Float { scales[0] }
    public var zeroPoint: Int32 { zeroPoints[0] }

    /// Asymmetric int8 parameters covering [low, high] (widened to include 0, as zero must be exact).
    public static func asymmetricInt8(low: Float, high: Float) -> QuantizationParameters {
        let lo = min(low, 0), hi = max(high, 0)
        // A range wider than Float holds (calibration values near ±3.4e38) is measured in Double.
        let difference = hi - lo
        let range = max(difference.isFinite ? difference : Float(Double(hi) - Double(lo)), 1e-8)
        let scale = range / 255
        let zero = (-128 - lo / scale).rounded()
        return QuantizationParameters(scale: scale, zeroPoint: zero.isNaN ? 0 : Int32(min(max(zero, -128), 127)))
    }

    /// The int8 value of a real number under these (per-tensor) parameters, as the runtime's
    /// QUANTIZE computes it.
    public func quantize(_ x: Float) -> Int8 { Self.quantizeLikeRuntime(x, scale: scale, zeroPoint: zeroPoint) }

    public var description: String {
        if let axis = axis { return "per-channel(axis \(axis), \(scales.count) scales)" }
        return "scale \(scale) zero \(zeroPoint)"
    }
}

extension QuantizationParameters {
    /// For each flat index of a tensor of `shape`, the index of its scale and zero point.
    func channelIndex(shape: [Int]) -> (Int) -> Int {
        guard let axis = axis, scales.count > 1 else { return { _ in 0 } }
        let inner = shape[(axis + 1)...].reduce(1, *), channels = shape[axis]
        return { ($0 / inner) % channels }
    }

    /// A float tensor quantized to int8 with these parameters (per tensor or per slice), element by
    /// element as the runtime's QUANTIZE does, or, with `.toNearestOrEven`, as ONNX's QuantizeLinear.
    public func quantize(_ tensor: Tensor, rounding: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Tensor {
        let values = tensor.floats ?? tensor.storage.doubles.map(Float.init)
        let channel = channelIndex(shape: tensor.shape)
        return Tensor(shape: tensor.shape, storage: .int8(values.indices.map { i in
            let c = channel(i)
            return Self.quantizeLikeRuntime(values[i], scale: scales[c], zeroPoint: zeroPoints[c], rounding: rounding)
        }))
    }

    /// The real numbers an integer tensor (int8, or int32 for biases) stands for: `scale · (q − zero)`
    /// in float32, as the runtime's DEQUANTIZE computes it. The difference is taken in 64 bits: an int32
    /// tensor's zero point may be any int32 (a fuzzer's file had one that overflowed the subtraction).
    public func dequantize(_ tensor: Tensor) -> Tensor {
        let integers = tensor.storage.int64s
        let channel = channelIndex(shape: tensor.shape)
        return Tensor(shape: tensor.shape, floats: integers.indices.map { i in
            let c = channel(i)
            return scales[c] * Float(Int64(Int32(truncatingIfNeeded: integers[i])) - Int64(zeroPoints[c]))
        })
    }

    /// One value quantized as the runtime's QUANTIZE does it (formats/edgem.md): `x / scale` in
    /// float32, rounded half away from zero, clamped to int8 around the zero point; NaN gives the zero point.
    public static func quantizeLikeRuntime(_ x: Float, scale: Float, zeroPoint: Int32, rounding: FloatingPointRoundingRule = .toNearestOrAwayFromZero) -> Int8 {
        let q = (x / scale).rounded(rounding)
        if q.isNaN { return Int8(truncatingIfNeeded: zeroPoint) }
        if q < Float(-128 - zeroPoint) { return -128 }
        if q > Float(127 - zeroPoint) { return 127 }
        return Int8(truncatingIfNeeded: Int32(q) + zeroPoint)
    }
}

extension QuantizationParameters {
    /// QuantizeLinear's backward under the straight-through estimator: the gradient of an int8
    /// level passed to `x` as `g / scale` where `x` quantizes inside the int8 range, 0 where it
    /// was clamped. With DequantizeLinear's `g · scale` after it, a fake-quant pair passes the
    /// gradient unchanged inside the range.
    public func quantizeGradient(_ gradient: [Float], input: Tensor) -> [Float] {
        let values = input.floats ?? input.storage.doubles.map(Float.init)
        let channel = channelIndex(shape: input.shape)
        return values.indices.map { i in
            let c = channel(i)
            let q = (values[i] / scales[c]).rounded()
            return q >= Float(-128 - zeroPoints[c]) && q <= Float(127 - zeroPoints[c]) ? gradient[i] / scales[c] : 0
        }
    }

    /// DequantizeLinear's backward: `g · scale`, per tensor or per slice.
    public func dequantizeGradient(_ gradient: [Float], shape: [Int]) -> [Float] {
        let channel = channelIndex(shape: shape)
        return gradient.indices.map { gradient[$0] * scales[channel($0)] }
    }
}
