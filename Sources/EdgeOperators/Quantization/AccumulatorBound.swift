import EdgeIR

/// The runtime refuses an int8 Conv or Gemm whose 32-bit accumulator could overflow: for every
/// output channel it requires `|B| + 255 · Σ|W| ≤ 2³¹ − 1` (B the int32 bias, W the int8 weights,
/// 255 the largest |x − zero point|; formats/edgem.md). A channel whose weights are tiny beside its
/// bias — a dead channel of a trained network, a bias that carries the whole output — gets an
/// int32 bias beyond that. The quantizer prevents it here, at quantize time, from the exact values.
public enum AccumulatorBound {
    /// What the runtime accepts, in the accumulator's units.
    public static let limit: Double = 2_147_483_647

    /// Whether every output channel (along `axis` of the int8 `weights`) passes the runtime's check
    /// with the int32 `bias`.
    public static func fits(weights: Tensor, axis: Int, bias: Tensor?) -> Bool {
        guard case .int8(let values) = weights.storage else { return false }
        let channels = weights.shape[axis], inner = weights.shape[(axis + 1)...].reduce(1, *)
        var sums = [Double](repeating: 0, count: channels)
        for (i, w) in values.enumerated() { sums[(i / inner) % channels] += 255 * Double(abs(Int32(w))) }
        let biases = bias.map { $0.storage.int64s } ?? []
        return (0..<channels).allSatisfy { c in sums[c] + (c < biases.count ? Double(abs(biases[c])) : 0) <= limit }
    }

    /// The smallest weight scale per output channel that keeps the int32 bias `bias / (s_x · s_w)`
    /// within the bound whatever the channel's int8 weights are (|w| ≤ 127 over `depth` products):
    /// a wider scale moves that channel's precision from weights that hardly matter to the bias
    /// that does, where keeping the layer float would cost the whole layer's speed.
    public static func minimumWeightScales(bias: [Float], inputScale: Float, depth: Int, alpha: Float = 1) -> [Float] {
        let room = limit - 255 * 127 * Double(depth)
        return bias.map { b in
            guard b != 0, room > 0 else { return 0 }
            // A margin of 1/1000 absorbs the rounding of the bias to an integer.
            return Float(Double(abs(b)) / (Double(inputScale) * room) * 1.001 / Double(alpha))
        }
    }
}
