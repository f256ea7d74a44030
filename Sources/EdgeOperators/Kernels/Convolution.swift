import EdgeIR

/// Conv and ConvTranspose in 1-D, 2-D and 3-D (2-D runs as 3-D with a depth of 1, 1-D also with a
/// height of 1). Conv lowers to matrix multiply over im2col columns; depthwise runs direct loops.
enum ConvolutionKernels {
    /// Geometry of one 3-D convolution, with 1-D and 2-D inputs lifted.
    struct Geometry {
        var batch, inChannels, inDepth, inHeight, inWidth: Int
        var outChannels, outDepth, outHeight, outWidth: Int
        var kernelDepth, kernelHeight, kernelWidth: Int
        var strideD, strideH, strideW, dilationD, dilationH, dilationW: Int
        var padFront, padTop, padLeft: Int
        var group: Int

        /// From the per-spatial-axis values of a 1-D, 2-D or 3-D op (`padBegins`: the begin pads).
        init(batch: Int, inChannels: Int, outChannels: Int, group: Int, input: [Int], output: [Int], kernel: [Int],
             strides: [Int], dilations: [Int], padBegins: [Int]) {
            let input = lift(input, fill: 1), output = lift(output, fill: 1), kernel = lift(kernel, fill: 1)
            let strides = lift(strides, fill: 1), dilations = lift(dilations, fill: 1), pads = lift(padBegins, fill: 0)
            (self.batch, self.inChannels, self.outChannels, self.group) = (batch, inChannels, outChannels, group)
            (inDepth, inHeight, inWidth) = (input[0], input[1], input[2])
            (outDepth, outHeight, outWidth) = (output[0], output[1], output[2])
            (kernelDepth, kernelHeight, kernelWidth) = (kernel[0], kernel[1], kernel[2])
            (strideD, strideH, strideW) = (strides[0], strides[1], strides[2])
            (dilationD, dilationH, dilationW) = (dilations[0], dilations[1], dilations[2])
            (padFront, padTop, padLeft) = (pads[0], pads[1], pads[2])
        }

        var inChannelsPerGroup: Int { inChannels / group }
        var outChannelsPerGroup: Int { outChannels / group }
        /// Elements of one channel of the input, of the output, and taps of one kernel.
        var inVolume: Int { inDepth * inHeight * inWidth }
        var outVolume: Int { outDepth * outHeight * outWidth }
        var taps: Int { kernelDepth * kernelHeight * kernelWidth }
    }

    /// Lifts per-spatial-axis attributes of a 1-D or 2-D op to 3-D (depth, height, width).
    static func lift(_ values: [Int], fill: Int) -> [Int] { Array(repeating: fill, count: max(0, 3 - values.count)) + values }

    /// The geometry of a Conv with input shape `x`, weights `w` and output shape `y`.
    static func geometry(_ attributes: Convolution, x: [Int], w: [Int], y: [Int]) -> Geometry {
        let spatial = x.count - 2
        // The node's shape rule computed these pads already and would have refused an overflow.
        let pads = (try? WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x[2...]), kernel: Array(w[2...]), strides: attributes.strides, dilations: attributes.dilations)) ?? Array(repeating: 0, count: 2 * spatial)
        return Geometry(batch: x[0], inChannels: x[1], outChannels: w[0], group: attributes.group, input: Array(x[2...]), output: Array(y[2...]),
                        kernel: Array(w[2...]), strides: attributes.strides, dilations: attributes.dilations, padBegins: Array(pads.prefix(spatial)))
    }

    static func convolution(_ attributes: Convolution, x: Tensor, w: Tensor, bias: Tensor?, output: TensorType) -> Tensor {
        let g = geometry(attributes, x: x.shape, w: w.shape, y: output.shape)
        var result = raw(g, x: x.floats!, w: w.floats!)
        finish(&result, channels: g.outChannels, plane: g.outVolume, bias: bias?.floats, activation: attributes.activation)
        return Tensor(shape: output.shape, floats: result)
    }

    /// The convolution of `geometry` without bias or activation.
    static func raw(_ g: Geometry, x: [Float], w: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: g.batch * g.outChannels * g.outVolume)
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                result.withUnsafeMutableBufferPointer { yp in
                    if g.inChannelsPerGroup == 1 && g.outChannelsPerGroup == 1 {
                        depthwise(g, x: xp.baseAddress!, w: wp.baseAddress!, y: yp.baseAddress!)
                    } else {
                        lowered(g, x: xp.baseAddress!, w: wp.baseAddress!, y: yp.baseAddress!)
                    }
                }
            }
        }
        return result
    }

    /// Adds the per-channel bias and applies the fused activation.
    static func finish(_ y: inout [Float], channels: Int, plane: Int, bias: [Float]?, activation: Activation?) {
        guard bias != nil || activation != nil else { return }
        y.withUnsafeMutableBufferPointer { yp in
            var offset = 0
            while offset < yp.count {
                for c in 0..<channels {
                    let b = bias?[c] ?? 0
                    let base = offset + c * plane
                    if let activation = activation {
                        for i in base..<(base + plane) { yp[i] = activation.apply(yp[i] + b) }
                    } else {
                        for i in base..<(base + plane) { yp[i] += b }
                    }
                }
                offset += channels * plane
            }
        }
    }

    private static func lowered(_ g: Geometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let cg = g.inChannelsPerGroup, mg = g.outChannelsPerGroup
        let k = cg * g.taps
        let columns = g.outVolume
        let pointwise = g.taps == 1 && g.strideD == 1 && g.strideH == 1 && g.strideW == 1 && g.padFront == 0 && g.padTop == 0 && g.padLeft == 0
            && g.outDepth == g.inDepth && g.outHeight == g.inHeight && g.outWidth == g.inWidth
        var buffer = [Float](repeating: 0, count: pointwise ? 0 : k * columns)
        buffer.withUnsafeMutableBufferPointer { cols in
            for n in 0..<g.batch {
                for group in 0..<g.group {
                    let xg = x + (n * g.inChannels + group * cg) * g.inVolume
                    let yg = y + (n * g.outChannels + group * mg) * columns
                    let wg = w + group * mg * k
                    if pointwise {
                        MatrixMultiply.accumulate(m: mg, n: columns, k: k, a: wg, b: xg, c: yg)
                    } else {
                        im2col(g, x: xg, columns: cols.baseAddress!)
                        MatrixMultiply.accumulate(m: mg, n: columns, k: k, a: wg, b: UnsafePointer(cols.baseAddress!), c: yg)
                    }
                }
            }
        }
    }

    /// The input row (depth `id`, height `ih`) that output row (`od`, `oh`) reads at kernel tap
    /// (`kd`, `ki`), as an offset in the channel, or nil where the tap falls in the padding.
    @inline(__always)
    static func inputRow(_ g: Geometry, od: Int, oh: Int, kd: Int, ki: Int) -> Int? {
        let id = od * g.strideD - g.padFront + kd * g.dilationD, ih = oh * g.strideH - g.padTop + ki * g.dilationH
        guard id >= 0 && id < g.inDepth && ih >= 0 && ih < g.inHeight else { return nil }
        return (id * g.inHeight + ih) * g.inWidth
    }

    /// Walks the im2col matrix of one group (rows: channel and kernel tap; columns: output positions)
    /// an output row at a time: `body` gets the offset of that stretch of the matrix, the offset of
    /// the input row it reads shifted by the tap's column offset (output column `ow` reads
    /// `input + ow·strideW`; nil where the tap's row falls in the padding), and the output columns
    /// `first..<end` that read inside the row.
    @inline(__always)
    static func forEachColumnRow(_ g: Geometry, _ body: (_ matrix: Int, _ input: Int?, _ first: Int, _ end: Int) -> Void) {
        var row = 0
        for c in 0..<g.inChannelsPerGroup {
            for kd in 0..<g.kernelDepth {
                for ki in 0..<g.kernelHeight {
                    for kj in 0..<g.kernelWidth {
                        let shift = kj * g.dilationW - g.padLeft
                        let (first, end) = validColumns(g, shift: shift)
                        for od in 0..<g.outDepth {
                            for oh in 0..<g.outHeight {
                                let input = inputRow(g, od: od, oh: oh, kd: kd, ki: ki).map { c * g.inVolume + $0 + shift }
                                body(row * g.outVolume + (od * g.outHeight + oh) * g.outWidth, input, first, max(first, end))
                            }
                        }
                        row += 1
                    }
                }
            }
        }
    }

    /// Rows are (channel, kernel depth, row, column); columns are output positions; padding reads as 0.
    static func im2col(_ g: Geometry, x: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        forEachColumnRow(g) { matrix, input, first, end in
            let line = columns + matrix
            guard let input else {
                line.update(repeating: 0, count: g.outWidth)
                return
            }
            let source = x + input
            if first > 0 { line.update(repeating: 0, count: first) }
            if g.strideW == 1 {
                if end > first { (line + first).update(from: source + first, count: end - first) }
            } else {
                for ow in first..<end { line[ow] = source[ow * g.strideW] }
            }
            if end < g.outWidth { (line + end).update(repeating: 0, count: g.outWidth - end) }
        }
    }

    /// The adjoint of `im2col`: adds every column entry back to the input cell it was read from.
    static func col2im(_ g: Geometry, columns: UnsafePointer<Float>, x: UnsafeMutablePointer<Float>) {
        forEachColumnRow(g) { matrix, input, first, end in
            guard let input else { return }
            let line = columns + matrix, target = x + input
            for ow in first..<end { target[ow * g.strideW] += line[ow] }
        }
    }

    /// The output columns `first..<end` whose input column `ow·strideW + shift` lies inside the row.
    @inline(__always)
    static func validColumns(_ g: Geometry, shift: Int) -> (first: Int, end: Int) {
        // ow·s + shift >= 0  and  ow·s + shift < inWidth
        let first = shift >= 0 ? 0 : (-shift + g.strideW - 1) / g.strideW
        let end = g.inWidth - shift <= 0 ? 0 : min(g.outWidth, (g.inWidth - shift + g.strideW - 1) / g.strideW)
        return (min(first, g.outWidth), end)
    }

    static func depthwise(_ g: Geometry, x: UnsafePointer<Float>, w: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        y.update(repeating: 0, count: g.batch * g.outChannels * g.outVolume)
        let taps = g.taps, stride = g.strideW
        forEachDepthwiseRow(g) { channel, input, output, tap, first, end in
            let weight = w[channel * taps + tap]
            let source = x + input, target = y + output
            for ow in first..<end { target[ow] += weight * source[ow * stride] }
        }
    }

    /// Walks a depthwise geometry row by row: for every (image, channel), output row and kernel tap
    /// whose input row exists, `body` gets the channel, the element offset of the input row shifted
    /// by the tap's column offset (output column `ow` reads `input + ow·strideW`), the offset of the
    /// output row, the tap, and the output columns `first..<end` that read inside the row. The
    /// forward and both gradients run their inner loops over those columns without a branch.
    @inline(__always)
    static func forEachDepthwiseRow(_ g: Geometry, _ body: (_ channel: Int, _ input: Int, _ output: Int, _ tap: Int, _ first: Int, _ end: Int) -> Void) {
        var columns: [(first: Int, end: Int, shift: Int)] = []
        for kj in 0..<g.kernelWidth {
            let shift = kj * g.dilationW - g.padLeft
            let (first, end) = validColumns(g, shift: shift)
            columns.append((first, max(first, end), shift))
        }
        for n in 0..<g.batch {
            for c in 0..<g.outChannels {
                let plane = n * g.outChannels + c
                for od in 0..<g.outDepth {
                    for oh in 0..<g.outHeight {
                        let output = plane * g.outVolume + (od * g.outHeight + oh) * g.outWidth
                        for kd in 0..<g.kernelDepth {
                            for ki in 0..<g.kernelHeight {
                                guard let input = inputRow(g, od: od, oh: oh, kd: kd, ki: ki) else { continue }
                                for kj in 0..<g.kernelWidth {
                                    let column = columns[kj]
                                    body(c, plane * g.inVolume + input + column.shift, output,
                                         (kd * g.kernelHeight + ki) * g.kernelWidth + kj, column.first, column.end)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The convolution a ConvTranspose is the adjoint of: it maps the ConvTranspose's output space
    /// (shape `y`) back to its input space (`x`) with the same weights `w` ([C, M/group, k...]).
    static func adjointGeometry(_ attributes: ConvolutionTranspose, x: [Int], w: [Int], y: [Int]) -> Geometry {
        let spatial = x.count - 2
        // The node's shape rule computed these pads already and would have refused an overflow.
        let pads = (try? ShapeInference.transposedConvolutionGeometry(attributes, input: Array(x[2...]), kernel: Array(w[2...])).pads)
            ?? Array(repeating: 0, count: 2 * spatial)
        return Geometry(batch: x[0], inChannels: y[1], outChannels: x[1], group: attributes.group, input: Array(y[2...]), output: Array(x[2...]),
                        kernel: Array(w[2...]), strides: attributes.strides, dilations: attributes.dilations, padBegins: Array(pads.prefix(spatial)))
    }

    /// ConvTranspose is the input gradient of its adjoint convolution with X in the place of dY:
    /// per group, the transposed weights times X give one column per input position and kernel
    /// tap, which col2im adds into the output.
    static func transposed(_ attributes: ConvolutionTranspose, x: Tensor, w: Tensor, bias: Tensor?, output: TensorType) -> Tensor {
        let g = adjointGeometry(attributes, x: x.shape, w: w.shape, y: output.shape)
        var result = ConvolutionGradients.input(g, w: w.floats!, dy: x.floats!)
        finish(&result, channels: g.inChannels, plane: g.inVolume, bias: bias?.floats, activation: attributes.activation)
        return Tensor(shape: output.shape, floats: result)
    }
}
