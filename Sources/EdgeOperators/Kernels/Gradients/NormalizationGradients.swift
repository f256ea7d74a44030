import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// BatchNormalization in training mode (forward with the batch's statistics, and its backward)
/// and Softmax's backward.
enum NormalizationGradients {
    /// PyTorch's default: running = 0.9·running + 0.1·batch (ONNX's momentum 0.9).
    static let momentum: Float = 0.9

    /// Per-channel mean and biased variance over the batch and spatial positions of `x` [N, C, ...].
    static func batchStatistics(_ x: Tensor) -> (mean: [Float], variance: [Float], count: Int) {
        let channels = x.shape[1], batch = x.shape[0]
        let plane = x.shape.dropFirst(2).reduce(1, *)
        let values = x.floats!
        var mean = [Double](repeating: 0, count: channels), squares = [Double](repeating: 0, count: channels)
        values.withUnsafeBufferPointer { xp in
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * plane
                    var s: Double = 0, q: Double = 0
                    for i in base..<(base + plane) { let v = Double(xp[i]); s += v; q += v * v }
                    mean[c] += s
                    squares[c] += q
                }
            }
        }
        let count = batch * plane
        let m = mean.map { $0 / Double(count) }
        let v = zip(squares, m).map { max(0, $0 / Double(count) - $1 * $1) }
        return (m.map(Float.init), v.map(Float.init), count)
    }

    /// The training-mode forward: the output normalized with the batch's statistics, then the new
    /// running mean and running (unbiased) variance.
    static func batchNormalizationTraining(epsilon: Float, x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor) -> [Tensor] {
        let stats = batchStatistics(x)
        let y = NormalizationKernels.batchNormalization(epsilon: epsilon, x: x, scale: scale, bias: bias,
                                                        mean: Tensor(shape: mean.shape, floats: stats.mean),
                                                        variance: Tensor(shape: variance.shape, floats: stats.variance))
        let unbiased = Float(stats.count) / Float(max(stats.count - 1, 1))
        let runningMean = zip(mean.floats!, stats.mean).map { momentum * $0 + (1 - momentum) * $1 }
        let runningVariance = zip(variance.floats!, stats.variance).map { momentum * $0 + (1 - momentum) * $1 * unbiased }
        return [y, Tensor(shape: mean.shape, floats: runningMean), Tensor(shape: variance.shape, floats: runningVariance)]
    }

    /// Gradients of X, scale and bias. In training mode the statistics are the batch's own (and
    /// depend on X); otherwise the running ones are constants.
    static func batchNormalization(epsilon: Float, x: Tensor, scale: Tensor, mean: Tensor, variance: Tensor, gradient g: [Float], training: Bool) -> (dx: [Float], dScale: [Float], dBias: [Float]) {
        let channels = x.shape[1], batch = x.shape[0]
        let plane = x.shape.dropFirst(2).reduce(1, *)
        let stats = training ? batchStatistics(x) : (mean.floats!, variance.floats!, batch * plane)
        let gamma = scale.floats!, values = x.floats!
        let mean = stats.0, invstd = stats.1.map { 1 / sqrtf($0 + epsilon) }
        var dScale = [Float](repeating: 0, count: channels), dBias = [Float](repeating: 0, count: channels)
        var dx = [Float](repeating: 0, count: values.count)
        let count = Float(stats.2)
        values.withUnsafeBufferPointer { xs in
            g.withUnsafeBufferPointer { gs in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let base = (n * channels + c) * plane, m = mean[c], s = invstd[c]
                        var sg: Float = 0, sgx: Float = 0
                        for i in base..<(base + plane) {
                            sg += gs[i]
                            sgx += gs[i] * (xs[i] - m) * s
                        }
                        dBias[c] += sg
                        dScale[c] += sgx
                    }
                }
                dx.withUnsafeMutableBufferPointer { d in
                    for n in 0..<batch {
                        for c in 0..<channels {
                            let base = (n * channels + c) * plane, m = mean[c], s = invstd[c]
                            let k = gamma[c] * s
                            if training {
                                // dX = γ·σ⁻¹/m · (m·g − Σg − x̂·Σ(g·x̂))
                                let meanG = dBias[c] / count, meanGX = dScale[c] / count
                                for i in base..<(base + plane) { d[i] = k * (gs[i] - meanG - (xs[i] - m) * s * meanGX) }
                            } else {
                                for i in base..<(base + plane) { d[i] = k * gs[i] }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dScale, dBias)
    }

    /// dX of Softmax: `y · (g − Σ g·y)` along the normalized axis.
    /// LayerNormalization's vector–Jacobian product per run of `size` elements, from the forward's
    /// normalized values x̂ and 1/σ: dx = (1/σ)(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·scale;
    /// dScale = Σ g·x̂ and dBias = Σ g over the runs.
    static func layerNormalization(gradient g: [Float], normalized: [Float], inverseDeviations: [Float], scale: [Float], size: Int)
        -> (dx: [Float], dScale: [Float], dBias: [Float]) {
        var dx = [Float](repeating: 0, count: g.count)
        var dScale = [Float](repeating: 0, count: size), dBias = dScale
        for r in inverseDeviations.indices {
            let base = r * size
            var meanG = 0.0, meanGX = 0.0
            for k in 0..<size {
                let scaled = Double(g[base + k] * scale[k])
                meanG += scaled
                meanGX += scaled * Double(normalized[base + k])
                dScale[k] += g[base + k] * normalized[base + k]
                dBias[k] += g[base + k]
            }
            meanG /= Double(size)
            meanGX /= Double(size)
            for k in 0..<size {
                let scaled = Double(g[base + k] * scale[k])
                dx[base + k] = Float(Double(inverseDeviations[r]) * (scaled - meanG - Double(normalized[base + k]) * meanGX))
            }
        }
        return (dx, dScale, dBias)
    }

    static func softmax(_ attributes: Softmax, y: Tensor, gradient g: [Float]) -> [Float] {
        let axis = Shapes.normalizedAxis(attributes.axis, rank: y.rank)!
        let outer = y.shape[..<axis].reduce(1, *)
        let length = attributes.flattensToMatrix ? y.shape[axis...].reduce(1, *) : y.shape[axis]
        let inner = attributes.flattensToMatrix ? 1 : y.shape[(axis + 1)...].reduce(1, *)
        let ys = y.floats!
        var dx = [Float](repeating: 0, count: ys.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var dot: Float = 0
                for k in 0..<length { dot += g[base + k * inner] * ys[base + k * inner] }
                for k in 0..<length { dx[base + k * inner] = ys[base + k * inner] * (g[base + k * inner] - dot) }
            }
        }
        return dx
    }
}
