import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BatchNormalization (inference form), LayerNormalization, GroupNormalization, LRN and Softmax.
enum NormalizationKernels {
    /// Each run of `size` elements normalized (mean and variance accumulated in Double), then
    /// scaled and shifted; also the normalized values and 1/σ per run, for the backward.
    static func layerNormalization(_ x: Tensor, size: Int, epsilon: Float, scale: [Float], bias: [Float]?)
        -> (y: Tensor, normalized: [Float], inverseDeviations: [Float]) {
        let values = x.floats!
        let runs = size == 0 ? 0 : values.count / size
        var normalized = [Float](repeating: 0, count: values.count), y = normalized
        var inverseDeviations = [Float](repeating: 0, count: runs)
        for r in 0..<runs {
            let run = values[(r * size)..<((r + 1) * size)]
            let (mean, inverse) = statistics(run, epsilon: epsilon)
            inverseDeviations[r] = inverse
            for (k, i) in run.indices.enumerated() {
                let n = (values[i] - mean) * inverse
                normalized[i] = n
                y[i] = n * scale[k] + (bias?[k] ?? 0)
            }
        }
        return (Tensor(shape: x.shape, floats: y), normalized, inverseDeviations)
    }

    /// The mean and 1/sqrt(variance + epsilon) of one run, accumulated in Double in two passes: the
    /// statistics of LayerNormalization, GroupNormalization and InstanceNormalization alike (the
    /// runtime's edge_run_statistics computes the same).
    static func statistics(_ run: ArraySlice<Float>, epsilon: Float) -> (mean: Float, inverseDeviation: Float) {
        let mean = run.reduce(0.0) { $0 + Double($1) } / Double(run.count)
        let variance = run.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(run.count)
        return (Float(mean), Float(1 / (variance + Double(epsilon)).squareRoot()))
    }

    /// GroupNormalization on X `[N, C, ...]`: each sample's channels in `groups` runs of C / groups
    /// channels, each run normalized with `statistics`, then scaled and shifted per channel
    /// (`scale` and `bias` hold C values). InstanceNormalization is the case of one channel per group.
    static func groupNormalization(_ x: Tensor, groups: Int, epsilon: Float, scale: [Float], bias: [Float]) -> Tensor {
        let values = x.floats!
        let channelsPerGroup = x.shape[1] / groups, plane = Shapes.elementCount(Array(x.shape[2...]))
        let size = channelsPerGroup * plane
        var y = [Float](repeating: 0, count: values.count)
        for r in 0..<(size == 0 ? 0 : values.count / size) {
            let (mean, inverse) = statistics(values[(r * size)..<((r + 1) * size)], epsilon: epsilon)
            for j in 0..<channelsPerGroup {
                let channel = (r % groups) * channelsPerGroup + j
                let start = r * size + j * plane
                for i in start..<(start + plane) { y[i] = (values[i] - mean) * inverse * scale[channel] + bias[channel] }
            }
        }
        return Tensor(shape: x.shape, floats: y)
    }

    /// A parameter broadcast to `shape` (scale and bias of the normalizations).
    static func expanded(_ parameter: Tensor, to shape: [Int]) -> [Float] {
        let values = parameter.floats!
        if parameter.shape == shape || values.count == Shapes.elementCount(shape) { return values }
        return Shapes.broadcastIndices(from: parameter.shape, to: shape).map { values[$0] }
    }

    static func batchNormalization(epsilon: Float, x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor) -> Tensor {
        let channels = x.shape[1]
        let plane = x.shape.dropFirst(2).reduce(1, *)
        let s = scale.floats!, b = bias.floats!, m = mean.floats!, v = variance.floats!
        let factor = (0..<channels).map { s[$0] / sqrtf(v[$0] + epsilon) }
        let shift = (0..<channels).map { b[$0] - m[$0] * factor[$0] }
        var result = x.floats!
        result.withUnsafeMutableBufferPointer { y in
            var offset = 0
            while offset < y.count {
                for c in 0..<channels {
                    for i in (offset + c * plane)..<(offset + (c + 1) * plane) { y[i] = y[i] * factor[c] + shift[c] }
                }
                offset += channels * plane
            }
        }
        return Tensor(shape: x.shape, floats: result)
    }

    static func localResponseNormalization(_ attributes: LocalResponseNormalization, x: Tensor) -> Tensor {
        let batch = x.shape[0], channels = x.shape[1]
        let plane = x.shape.dropFirst(2).reduce(1, *)
        let values = x.floats!
        let before = (attributes.size - 1) / 2, after = attributes.size - 1 - before
        var result = [Float](repeating: 0, count: values.count)
        let alphaOverSize = attributes.alpha / Float(attributes.size)
        for n in 0..<batch {
            for c in 0..<channels {
                let lo = max(0, c - before), hi = min(channels - 1, c + after)
                for i in 0..<plane {
                    var squares: Float = 0
                    for k in lo...hi {
                        let v = values[(n * channels + k) * plane + i]
                        squares += v * v
                    }
                    let index = (n * channels + c) * plane + i
                    result[index] = values[index] / powf(attributes.bias + alphaOverSize * squares, attributes.beta)
                }
            }
        }
        return Tensor(shape: x.shape, floats: result)
    }

    static func softmax(_ attributes: Softmax, x: Tensor) -> Tensor {
        let axis = Shapes.normalizedAxis(attributes.axis, rank: x.rank)!
        let outer = x.shape[..<axis].reduce(1, *)
        let length = attributes.flattensToMatrix ? x.shape[axis...].reduce(1, *) : x.shape[axis]
        let inner = attributes.flattensToMatrix ? 1 : x.shape[(axis + 1)...].reduce(1, *)
        var result = x.floats!
        result.withUnsafeMutableBufferPointer { y in
            for o in 0..<outer {
                for i in 0..<inner {
                    let base = o * length * inner + i
                    var maximum = -Float.infinity
                    for k in 0..<length { maximum = max(maximum, y[base + k * inner]) }
                    var sum: Float = 0
                    for k in 0..<length {
                        let e = expf(y[base + k * inner] - maximum)
                        y[base + k * inner] = e
                        sum += e
                    }
                    for k in 0..<length { y[base + k * inner] /= sum }
                }
            }
        }
        return Tensor(shape: x.shape, floats: result)
    }
}
