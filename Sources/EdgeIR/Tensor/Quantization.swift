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
        let range = max(hi - lo, 1e-8)
        let scale = range / 255
        let zero = (-128 - lo / scale).rounded()
        return QuantizationParameters(scale: scale, zeroPoint: Int32(min(max(zero, -128), 127)))
    }

    /// The int8 value of a real number under these (per-tensor) parameters.
    public func quantize(_ x: Float) -> Int8 {
        let q = (x / scale).rounded() + Float(zeroPoint)
        return Int8(min(max(q, -128), 127))
    }

    public var description: String {
        if let axis = axis { return "per-channel(axis \(axis), \(scales.count) scales)" }
        return "scale \(scale) zero \(zeroPoint)"
    }
}

extension QuantizationParameters {
    /// Scale and zero point of the element at flat `index` of a tensor of `shape`.
    public func parameters(at index: Int, shape: [Int]) -> (scale: Float, zeroPoint: Int32) {
        guard let axis = axis, scales.count > 1 else { return (scales[0], zeroPoints[0]) }
        let inner = shape[(axis + 1)...].reduce(1, *)
        let channel = (index / inner) % shape[axis]
        return (scales[channel], zeroPoints[channel])
    }

    /// One value quantized as the runtime's QUANTIZE does it (formats/edgem.md): `x / scale` in
    /// float32, rounded half away from zero, clamped to int8 around the zero point; NaN gives the zero point.
    public static func quantizeLikeRuntime(_ x: Float, scale: Float, zeroPoint: Int32) -> Int8 {
        let q = (x / scale).rounded()
        if q.isNaN { return Int8(truncatingIfNeeded: zeroPoint) }
        if q < Float(-128 - zeroPoint) { return -128 }
        if q > Float(127 - zeroPoint) { return 127 }
        return Int8(truncatingIfNeeded: Int32(q) + zeroPoint)
    }
}
