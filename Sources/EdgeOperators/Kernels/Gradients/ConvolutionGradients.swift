import EdgeIR

/// Backward of Conv (and, through its adjoint, ConvTranspose) for one (3-D) geometry: the input
/// gradient scatters `Wᵀ·dY` back through the im2col columns (col2im), the weight gradient is
/// `dY·im2col(X)ᵀ`; depthwise geometries run direct loops, as the forward does.
enum ConvolutionGradients {
    typealias Geometry = ConvolutionKernels.Geometry

    /// dX of `Y = conv(X, W)`.
    static func input(_ g: Geometry, w: [Float], dy: [Float]) -> [Float] {
        var dx = [Float](repeating: 0, count: g.batch * g.inChannels * g.inVolume)
        let cg = g.inChannelsPerGroup, mg = g.outChannelsPerGroup
        let k = cg * g.taps, plane = g.outVolume
        w.withUnsafeBufferPointer { wp in
            dy.withUnsafeBufferPointer { gp in
                dx.withUnsafeMutableBufferPointer { xp in
                    if cg == 1 && mg == 1 {
                        depthwiseInput(g, w: wp.baseAddress!, dy: gp.baseAddress!, dx: xp.baseAddress!)
                        return
                    }
                    var columns = [Float](repeating: 0, count: k * plane)
                    columns.withUnsafeMutableBufferPointer { cp in
                        for n in 0..<g.batch {
                            for group in 0..<g.group {
                                MatrixMultiply.product(m: k, n: plane, k: mg, a: wp.baseAddress! + group * mg * k, transposeA: true,
                                                       b: gp.baseAddress! + (n * g.outChannels + group * mg) * plane, transposeB: false,
                                                       c: cp.baseAddress!, accumulate: false)
                                ConvolutionKernels.col2im(g, columns: cp.baseAddress!, x: xp.baseAddress! + (n * g.inChannels + group * cg) * g.inVolume)
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    /// dW of `Y = conv(X, W)`.
    static func weights(_ g: Geometry, x: [Float], dy: [Float]) -> [Float] {
        let cg = g.inChannelsPerGroup, mg = g.outChannelsPerGroup
        let k = cg * g.taps, plane = g.outVolume
        var dw = [Float](repeating: 0, count: g.outChannels * k)
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { gp in
                dw.withUnsafeMutableBufferPointer { wp in
                    if cg == 1 && mg == 1 {
                        depthwiseWeights(g, x: xp.baseAddress!, dy: gp.baseAddress!, dw: wp.baseAddress!)
                        return
                    }
                    var columns = [Float](repeating: 0, count: k * plane)
                    columns.withUnsafeMutableBufferPointer { cp in
                        for n in 0..<g.batch {
                            for group in 0..<g.group {
                                ConvolutionKernels.im2col(g, x: xp.baseAddress! + (n * g.inChannels + group * cg) * g.inVolume, columns: cp.baseAddress!)
                                MatrixMultiply.product(m: mg, n: k, k: plane, a: gp.baseAddress! + (n * g.outChannels + group * mg) * plane, transposeA: false,
                                                       b: UnsafePointer(cp.baseAddress!), transposeB: true,
                                                       c: wp.baseAddress! + group * mg * k, accumulate: true)
                            }
                        }
                    }
                }
            }
        }
        return dw
    }

    /// The per-channel sums of `dy` laid out [N, C, plane]: a bias gradient.
    static func channelSums(_ dy: [Float], batch: Int, channels: Int) -> [Float] {
        let plane = dy.count / max(batch * channels, 1)
        var sums = [Float](repeating: 0, count: channels)
        dy.withUnsafeBufferPointer { gp in
            for n in 0..<batch {
                for c in 0..<channels {
                    let base = (n * channels + c) * plane
                    var s: Float = 0
                    for i in base..<(base + plane) { s += gp[i] }
                    sums[c] += s
                }
            }
        }
        return sums
    }

    private static func depthwiseInput(_ g: Geometry, w: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let taps = g.taps, stride = g.strideW
        ConvolutionKernels.forEachDepthwiseRow(g) { channel, input, output, tap, first, end in
            let weight = w[channel * taps + tap]
            let target = dx + input, source = dy + output
            for ow in first..<end { target[ow * stride] += weight * source[ow] }
        }
    }

    private static func depthwiseWeights(_ g: Geometry, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        let taps = g.taps, stride = g.strideW
        ConvolutionKernels.forEachDepthwiseRow(g) { channel, input, output, tap, first, end in
            let source = x + input, gradient = dy + output
            var sum: Float = 0
            for ow in first..<end { sum += gradient[ow] * source[ow * stride] }
            dw[channel * taps + tap] += sum
        }
    }
}
