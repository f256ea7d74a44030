import EdgeIR
import Foundation

/// How close a model's outputs are to a reference's, and to the labels.
public struct OutputComparison: Sendable, Equatable, Codable {
    public var output: String
    /// Cosine similarity of all values (1 is identical direction).
    public var cosine: Double
    /// Signal-to-quantization-noise ratio in dB: 10·log10(Σ ref² / Σ (ref − x)²).
    public var sqnr: Double
    public var maxAbsoluteDifference: Double
}

public enum Metrics {
    public static func compare(_ values: [Double], to reference: [Double], output: String) -> OutputComparison {
        var dot = 0.0, normX = 0.0, normR = 0.0, noise = 0.0, worst = 0.0
        for (x, r) in zip(values, reference) {
            dot += x * r
            normX += x * x
            normR += r * r
            noise += (r - x) * (r - x)
            worst = max(worst, abs(r - x))
        }
        let cosine = normX > 0 && normR > 0 ? dot / (normX.squareRoot() * normR.squareRoot()) : (normX == normR ? 1 : 0)
        return OutputComparison(output: output, cosine: cosine, sqnr: sqnr(signal: normR, noise: noise), maxAbsoluteDifference: worst)
    }

    /// 10·log10(signal / noise) in dB from the sums of squares; infinite for no noise.
    public static func sqnr(signal: Double, noise: Double) -> Double {
        noise == 0 ? .infinity : 10 * log10(max(signal, 1e-30) / noise)
    }

    /// The arg-max of each row of `values` viewed as [rows, classes].
    public static func argmax(_ values: [Double], rows: Int) -> [Int] {
        guard rows > 0 else { return [] }
        let classes = values.count / rows
        return (0..<rows).map { row in
            let slice = values[(row * classes)..<((row + 1) * classes)]
            return (slice.indices.max { values[$0] < values[$1] } ?? row * classes) - row * classes
        }
    }

    /// SQNR in dB as printed: "inf" for an exact match.
    public static func format(_ sqnr: Double) -> String { sqnr.isInfinite ? "inf" : String(format: "%.1f", sqnr) }
}
