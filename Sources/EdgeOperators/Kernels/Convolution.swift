import EdgeIR

/// Conv and ConvTranspose in 1-D and 2-D (1-D runs as 2-D with a height of 1).
/// Conv lowers to matrix multiply over im2col columns; depthwise runs direct loops.
enum ConvolutionKernels {
    /// Geometry of one 2-D convolution, with 1-D inputs lifted to height 1.
    struct Geometry {
        var batch, inChannels, inHeight, inWidth: Int
        var outChannels, outHeight, outWidth: Int
        var kernelHeight, kernelWidth: Int
        var strideH, strideW, dilationH, dilationW: Int
        var padTop, padLeft: Int
        var group: Int

        var inChannelsPerGroup: Int { inChannels / group }
        var outChannelsPerGroup: Int { outChannels / group }
    }

    /// Lifts per-spatial-axis attributes of a 1-D or 2-D op to 2-D.
    static func lift(_ values: [Int], fill: Int) -> [Int] { values.count == 1 ? [fill] + values : values }

    /// The 2-D geometry of a Conv with input shape `x`, weights `w` and output shape `y`.
    static func geometry(_ attributes: Convolution, x: [Int], w: [Int], y: [Int]) -> Geometry {
        let spatial = x.count - 2
        let kernel = lift(Array(w[2...]), fill: 1)
        let input = lift(Array(x[2...]), fill: 1)
        // The node's shape rule computed these pads already and would have refused an overflow.
        let pads = (try? WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x[2...]), kernel: Array(w[2...]), strides: attributes.strides, dilations: attributes.dilations)) ?? Array(repeating: 0, count: 2 * spatial)
        let strides = lift(attributes.strides, fill: 1), dilations = lift(attributes.dilations, fill: 1)
        let outSpatial = lift(Array(y[2...]), fill: 1)
        return Geometry(
            batch: x[0], inChannels: x[1], inHeight: input[0], inWidth: input[1],
            outChannels: w[0], outHeight: outSpatial[0], outWidth: outSpatial[1],
            kernelHeight: kernel[0], kernelWidth: kernel[1],
            strideH: strides[0], strideW: strides[1], dilationH: dilations[0], dilationW: dilations[1],
            padTop: spatial == 1 ? 0 : pads[0], padLeft: spatial == 1 ? pads[0] : pads[1], group: attributes.group)
    }

    static func convolution(_ attributes: Convolution, x: Tensor, w: Tensor, bias: Tensor?, output: TensorType) -> Tensor {
        let g = geometry(attributes, x: x.shape, w: w.shape, y: output.shape)
        var result = raw(g, x: x.floats!, w: w.floats!)
        finish(&result, channels: g.outChannels, plane: g.outHeight * g.outWidth, bias: bias?.floats, activation: attributes.activation)
        return Tensor(shape: output.shape, floats: result)
    }

    /// The convolution of `geometry` without bias or activation.
    static func raw(_ g: Geometry, x: [Float], w: [Float]) -> [Float] {
        var result = [Float](repeating: 0, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
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
        let k = cg * g.kernelHeight * g.kernelWidth
        let columns = g.outHeight * g.outWidth
        let pointwise = g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideH == 1 && g.strideW == 1
            && g.padTop == 0 && g.padLeft == 0 && g.outHeight == g.inHeight && g.outWidth == g.inWidth
        var buffer = [Float](repeating: 0, count: pointwise ? 0 : k * columns)
        buffer.withUnsafeMutableBufferPointer { cols in
            for n in 0..<g.batch {
                for group in 0..<g.group {
                    let xg = x + (n * g.inChannels + group * cg) * g.inHeight * g.inWidth
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

    /// Rows are (channel, kernel row, kernel column); columns are output positions; padding reads as 0.
    static func im2col(_ g: Geometry, x: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        let cg = g.inChannelsPerGroup
        let plane = g.outHeight * g.outWidth
        var row = 0
        for c in 0..<cg {
            let xc = x + c * g.inHeight * g.inWidth
            for ki in 0..<g.kernelHeight {
                for kj in 0..<g.kernelWidth {
                    let target = columns + row * plane
                    let shift = kj * g.dilationW - g.padLeft
                    let (first, end) = validColumns(g, shift: shift)
                    for oh in 0..<g.outHeight {
                        let ih = oh * g.strideH - g.padTop + ki * g.dilationH
                        let line = target + oh * g.outWidth
                        if ih < 0 || ih >= g.inHeight {
                            line.update(repeating: 0, count: g.outWidth)
                            continue
                        }
                        let source = xc + ih * g.inWidth + shift
                        if first > 0 { line.update(repeating: 0, count: first) }
                        if g.strideW == 1 {
                            if end > first { (line + first).update(from: source + first, count: end - first) }
                        } else {
                            for ow in first..<max(first, end) { line[ow] = source[ow * g.strideW] }
                        }
                        if end < g.outWidth { (line + max(end, first)).update(repeating: 0, count: g.outWidth - max(end, first)) }
                    }
                    row += 1
                }
            }
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
        y.update(repeating: 0, count: g.batch * g.outChannels * g.outHeight * g.outWidth)
        let taps = g.kernelHeight * g.kernelWidth, stride = g.strideW
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
        let inPlane = g.inHeight * g.inWidth, outPlane = g.outHeight * g.outWidth
        var columns: [(first: Int, end: Int, shift: Int)] = []
        for kj in 0..<g.kernelWidth {
            let shift = kj * g.dilationW - g.padLeft
            let (first, end) = validColumns(g, shift: shift)
            columns.append((first, max(first, end), shift))
        }
        for n in 0..<g.batch {
            for c in 0..<g.outChannels {
                let plane = n * g.outChannels + c
                for oh in 0..<g.outHeight {
                    for ki in 0..<g.kernelHeight {
                        let ih = oh * g.strideH - g.padTop + ki * g.dilationH
                        if ih < 0 || ih >= g.inHeight { continue }
                        for kj in 0..<g.kernelWidth {
                            let column = columns[kj]
                            body(c, plane * inPlane + ih * g.inWidth + column.shift, plane * outPlane + oh * g.outWidth,
                                 ki * g.kernelWidth + kj, column.first, column.end)
                        }
                    }
                }
            }
        }
    }

    static func transposed(_ attributes: ConvolutionTranspose, x: Tensor, w: Tensor, bias: Tensor?, output: TensorType) -> Tensor {
        let spatial = x.shape.count - 2
        // The node's shape rule computed this geometry already and would have refused an overflow.
        let geometry = (try? ShapeInference.transposedConvolutionGeometry(attributes, input: Array(x.shape[2...]), kernel: Array(w.shape[2...])))
            ?? (output: Array(output.shape[2...]), pads: Array(repeating: 0, count: 2 * spatial))
        let kernel = lift(Array(w.shape[2...]), fill: 1)
        let input = lift(Array(x.shape[2...]), fill: 1)
        let strides = lift(attributes.strides, fill: 1), dilations = lift(attributes.dilations, fill: 1)
        let outSpatial = lift(Array(output.shape[2...]), fill: 1)
        let padTop = spatial == 1 ? 0 : geometry.pads[0]
        let padLeft = spatial == 1 ? geometry.pads[0] : geometry.pads[1]
        let channels = x.shape[1], groupCount = attributes.group
        let cg = channels / groupCount, mg = w.shape[1]
        let outChannels = mg * groupCount
        let rows = mg * kernel[0] * kernel[1]
        let inPlane = input[0] * input[1], outPlane = outSpatial[0] * outSpatial[1]
        var result = [Float](repeating: 0, count: output.elementCount)
        var columns = [Float](repeating: 0, count: rows * inPlane)
        let xs = x.floats!, ws = w.floats!
        // W is [C, M/g, kh, kw]; per group its transpose [M/g*kh*kw, C/g] multiplies X's [C/g, H*W].
        let weightsT: [[Float]] = (0..<groupCount).map { group in
            MatrixMultiply.transposed(Array(ws[(group * cg * rows)..<((group + 1) * cg * rows)]), rows: cg, columns: rows)
        }
        xs.withUnsafeBufferPointer { xp in
            result.withUnsafeMutableBufferPointer { yp in
                columns.withUnsafeMutableBufferPointer { cp in
                    for n in 0..<x.shape[0] {
                        for group in 0..<groupCount {
                            for i in 0..<cp.count { cp[i] = 0 }
                            weightsT[group].withUnsafeBufferPointer { wt in
                                MatrixMultiply.accumulate(m: rows, n: inPlane, k: cg, a: wt.baseAddress!, b: xp.baseAddress! + (n * channels + group * cg) * inPlane, c: cp.baseAddress!)
                            }
                            let yg = yp.baseAddress! + (n * outChannels + group * mg) * outPlane
                            var row = 0
                            for m in 0..<mg {
                                for ki in 0..<kernel[0] {
                                    for kj in 0..<kernel[1] {
                                        let source = cp.baseAddress! + row * inPlane
                                        for ih in 0..<input[0] {
                                            let oh = ih * strides[0] - padTop + ki * dilations[0]
                                            if oh < 0 || oh >= outSpatial[0] { continue }
                                            for iw in 0..<input[1] {
                                                let ow = iw * strides[1] - padLeft + kj * dilations[1]
                                                if ow < 0 || ow >= outSpatial[1] { continue }
                                                yg[m * outPlane + oh * outSpatial[1] + ow] += source[ih * input[1] + iw]
                                            }
                                        }
                                        row += 1
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        finish(&result, channels: outChannels, plane: outPlane, bias: bias?.floats, activation: attributes.activation)
        return Tensor(shape: output.shape, floats: result)
    }
}
