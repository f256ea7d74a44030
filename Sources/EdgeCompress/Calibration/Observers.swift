import EdgeIR

#if canImport(Glibc)
import Glibc
#endif

/// How a tensor's clipping range is chosen from calibration data.
public enum CalibrationMethod: String, Sendable, CaseIterable {
    /// The observed minimum and maximum.
    case minmax
    /// Percentiles of the observed values (default 99.99 at the top, 0.01 at the bottom).
    case percentile
    /// The threshold whose quantized distribution is closest in KL divergence (TensorRT's entropy calibration).
    case entropy
    /// The clipping range with the least expected squared quantization error.
    case mse
}

/// Statistics of one tensor over all calibration samples: its range, then a histogram over that range.
public struct TensorStatistics: Sendable {
    public static let binCount = 2048

    public var minimum: Float = .infinity
    public var maximum: Float = -.infinity
    /// Counts of values over [minimum, maximum] (second pass).
    public var histogram: [Double] = []
    /// Counts of |values| over [0, max(|minimum|, |maximum|)] (second pass, for entropy).
    public var magnitudeHistogram: [Double] = []

    public init() {}

    /// First pass: the range.
    public mutating func observeRange(_ values: [Float]) {
        for v in values {
            if v < minimum { minimum = v }
            if v > maximum { maximum = v }
        }
    }

    /// Second pass (after every `observeRange`): the histograms over that range.
    public mutating func observeHistogram(_ values: [Float]) {
        let bins = Self.binCount
        if histogram.isEmpty {
            histogram = Array(repeating: 0, count: bins)
            magnitudeHistogram = Array(repeating: 0, count: bins)
        }
        // In Double: finite values near ±3.4e38 overflow Float differences (and then the Int conversion).
        let low = Double(minimum)
        let width = max(Double(maximum) - low, 1e-12)
        let magnitude = max(abs(Double(minimum)), abs(Double(maximum)), 1e-12)
        func bin(_ position: Double) -> Int { position.isNaN ? 0 : Int(min(max(position, 0), Double(bins - 1))) }
        for v in values {
            histogram[bin((Double(v) - low) / width * Double(bins))] += 1
            magnitudeHistogram[bin(abs(Double(v)) / magnitude * Double(bins))] += 1
        }
    }

    /// The clipping range for `method` (always containing 0).
    public func range(_ method: CalibrationMethod, percentile: Double = 99.99) -> (low: Float, high: Float) {
        guard minimum <= maximum else { return (0, 0) }
        switch method {
        case .minmax:
            return (min(minimum, 0), max(maximum, 0))
        case .percentile:
            let total = histogram.reduce(0, +)
            guard total > 0 else { return (min(minimum, 0), max(maximum, 0)) }
            let width = (maximum - minimum) / Float(histogram.count)
            func value(at fraction: Double) -> Float {
                var running = 0.0
                for (bin, count) in histogram.enumerated() {
                    running += count
                    if running >= fraction * total { return minimum + Float(bin + 1) * width }
                }
                return maximum
            }
            let high = minimum < 0 || maximum > 0 ? value(at: percentile / 100) : maximum
            let low = minimum < 0 ? value(at: 1 - percentile / 100) - width : minimum
            return (min(low, 0), max(high, 0))
        case .entropy:
            let threshold = entropyThreshold()
            return (max(min(minimum, 0), -threshold), min(max(maximum, 0), threshold))
        case .mse:
            return mseRange()
        }
    }

    /// TensorRT's entropy calibration over the magnitude histogram: the threshold whose clipped,
    /// quantized distribution Q is closest to the reference P in KL divergence.
    func entropyThreshold() -> Float {
        let magnitude = max(abs(minimum), abs(maximum))
        guard !magnitudeHistogram.isEmpty, magnitude > 0 else { return magnitude }
        let levels = minimum >= 0 ? 255 : 128
        // Exact zeros (half of every post-ReLU tensor) are represented exactly whatever the
        // threshold, so they are left out of both distributions instead of dominating them.
        var magnitudeHistogram = self.magnitudeHistogram
        magnitudeHistogram[0] = 0
        let bins = magnitudeHistogram.count
        var best = bins, bestDivergence = Double.infinity
        for edge in stride(from: levels, through: bins, by: 1) {
            var reference = Array(magnitudeHistogram[0..<edge])
            reference[edge - 1] += magnitudeHistogram[edge...].reduce(0, +)
            // Merge `edge` bins into `levels` quantized bins, then spread each back over its non-empty source bins.
            var candidate = [Double](repeating: 0, count: edge)
            let per = Double(edge) / Double(levels)
            for level in 0..<levels {
                let start = Int((Double(level) * per).rounded(.down)), end = level == levels - 1 ? edge : Int((Double(level + 1) * per).rounded(.down))
                guard start < end else { continue }
                let slice = magnitudeHistogram[start..<end]
                let total = slice.reduce(0, +)
                let nonEmpty = slice.filter { $0 > 0 }.count
                guard nonEmpty > 0 else { continue }
                for i in start..<end where magnitudeHistogram[i] > 0 { candidate[i] = total / Double(nonEmpty) }
            }
            let p = reference.reduce(0, +), q = candidate.reduce(0, +)
            guard p > 0, q > 0 else { continue }
            var divergence = 0.0
            for i in 0..<edge where reference[i] > 0 {
                let pi = reference[i] / p
                let qi = max(candidate[i] / q, 1e-12)
                divergence += pi * log(pi / qi)
            }
            if divergence < bestDivergence { bestDivergence = divergence; best = edge }
        }
        return Float(Double(best) + 0.5) * magnitude / Float(bins)
    }

    /// The range, shrunk from [minimum, maximum] by a common factor, with the least expected
    /// squared error of 8-bit quantization (rounding inside, clipping outside) over the histogram.
    func mseRange() -> (low: Float, high: Float) {
        let low0 = min(minimum, 0), high0 = max(maximum, 0)
        guard !histogram.isEmpty, high0 > low0 else { return (low0, high0) }
        let width = (maximum - minimum) / Float(histogram.count)
        var best = (low0, high0), bestError = Double.infinity
        // Shrink geometrically, 3% a step, down to 1/400 of the observed range.
        for step in 0..<200 {
            let factor = Float(pow(0.97, Double(step)))
            let low = low0 * factor, high = high0 * factor
            let scale = (high - low) / 255
            var error = 0.0
            for (bin, count) in histogram.enumerated() where count > 0 {
                let center = minimum + (Float(bin) + 0.5) * width
                let q = min(max(((center - low) / scale).rounded(), 0), 255) * scale + low
                error += count * Double((center - q) * (center - q))
            }
            if error < bestError { bestError = error; best = (low, high) }
        }
        return best
    }
}
