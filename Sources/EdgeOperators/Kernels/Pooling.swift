import EdgeIR

/// MaxPool, AveragePool (1-D and 2-D) and the global pools, forward and backward.
enum PoolingKernels {
    /// The windows of a 1-D or 2-D pool (1-D lifted to a height of 1), shared by forward and backward.
    struct Windows {
        let planes: Int
        let input: [Int], out: [Int], kernel: [Int], strides: [Int], dilations: [Int]
        let padTop: Int, padLeft: Int, padBottom: Int, padRight: Int

        init(_ attributes: Pooling, x: [Int], y: [Int]) {
            let spatial = x.count - 2
            let lift = ConvolutionKernels.lift
            input = lift(Array(x[2...]), 1)
            out = lift(Array(y[2...]), 1)
            kernel = lift(attributes.kernelShape, 1)
            strides = lift(attributes.strides, 1)
            dilations = lift(attributes.dilations, 1)
            // The node's shape rule computed these pads already and would have refused an overflow.
            let pads = (try? WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x[2...]), kernel: attributes.kernelShape, strides: attributes.strides, dilations: attributes.dilations)) ?? Array(repeating: 0, count: 2 * spatial)
            padTop = spatial == 1 ? 0 : pads[0]
            padLeft = spatial == 1 ? pads[0] : pads[1]
            padBottom = spatial == 1 ? 0 : pads[2]
            padRight = spatial == 1 ? pads[1] : pads[3]
            planes = x[0] * x[1]
        }

        var inPlane: Int { input[0] * input[1] }
        var outPlane: Int { out[0] * out[1] }

        /// Calls `body` with the in-plane offset of each input cell of the window at output (oh, ow).
        @inline(__always)
        func forEachCell(_ oh: Int, _ ow: Int, _ body: (Int) -> Void) {
            let h0 = oh * strides[0] - padTop, w0 = ow * strides[1] - padLeft
            for ki in 0..<kernel[0] {
                let ih = h0 + ki * dilations[0]
                if ih < 0 || ih >= input[0] { continue }
                for kj in 0..<kernel[1] {
                    let iw = w0 + kj * dilations[1]
                    if iw < 0 || iw >= input[1] { continue }
                    body(ih * input[1] + iw)
                }
            }
        }

        /// AveragePool's divisor for the window at (oh, ow) that covers `count` real cells.
        func divisor(_ oh: Int, _ ow: Int, count: Int, includePad: Bool) -> Float {
            guard includePad else { return Float(max(count, 1)) }
            // The window clipped to the padded input, as onnxruntime counts it.
            let h0 = oh * strides[0] - padTop, w0 = ow * strides[1] - padLeft
            let hEnd = min(h0 + (kernel[0] - 1) * dilations[0] + 1, input[0] + padBottom)
            let wEnd = min(w0 + (kernel[1] - 1) * dilations[1] + 1, input[1] + padRight)
            let rows = (hEnd - h0 + dilations[0] - 1) / dilations[0]
            let cols = (wEnd - w0 + dilations[1] - 1) / dilations[1]
            return Float(max(1, rows * cols))
        }
    }

    static func pool(_ attributes: Pooling, isMax: Bool, x: Tensor, output: TensorType) -> Tensor {
        let windows = Windows(attributes, x: x.shape, y: output.shape)
        let inPlane = windows.inPlane, outPlane = windows.outPlane
        var result = [Float](repeating: 0, count: windows.planes * outPlane)
        x.floats!.withUnsafeBufferPointer { xp in
            result.withUnsafeMutableBufferPointer { yp in
                for p in 0..<windows.planes {
                    let xs = xp.baseAddress! + p * inPlane
                    for oh in 0..<windows.out[0] {
                        for ow in 0..<windows.out[1] {
                            var best = -Float.infinity
                            var sum: Float = 0
                            var count = 0
                            windows.forEachCell(oh, ow) { cell in
                                let v = xs[cell]
                                if v > best || v.isNaN { best = v }
                                sum += v
                                count += 1
                            }
                            yp[p * outPlane + oh * windows.out[1] + ow] = isMax
                                ? best : count == 0 && !attributes.countIncludePad ? 0 : sum / windows.divisor(oh, ow, count: count, includePad: attributes.countIncludePad)
                        }
                    }
                }
            }
        }
        return Tensor(shape: output.shape, floats: result)
    }

    /// dX of a pool: a max window's gradient goes to its first largest cell, an average window's
    /// is shared by its cells.
    static func poolGradient(_ attributes: Pooling, isMax: Bool, x: Tensor, outputShape: [Int], gradient g: [Float]) -> [Float] {
        let windows = Windows(attributes, x: x.shape, y: outputShape)
        let inPlane = windows.inPlane, outPlane = windows.outPlane
        var dx = [Float](repeating: 0, count: x.elementCount)
        x.floats!.withUnsafeBufferPointer { xp in
            dx.withUnsafeMutableBufferPointer { dp in
                for p in 0..<windows.planes {
                    let xs = xp.baseAddress! + p * inPlane, ds = dp.baseAddress! + p * inPlane
                    for oh in 0..<windows.out[0] {
                        for ow in 0..<windows.out[1] {
                            let gradient = g[p * outPlane + oh * windows.out[1] + ow]
                            if isMax {
                                var best = -Float.infinity, at = -1
                                windows.forEachCell(oh, ow) { cell in
                                    if at < 0 || xs[cell] > best { best = xs[cell]; at = cell }
                                }
                                if at >= 0 { ds[at] += gradient }
                            } else {
                                var count = 0
                                windows.forEachCell(oh, ow) { _ in count += 1 }
                                let share = gradient / windows.divisor(oh, ow, count: count, includePad: attributes.countIncludePad)
                                windows.forEachCell(oh, ow) { cell in ds[cell] += share }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }

    static func global(isMax: Bool, x: Tensor, output: TensorType) -> Tensor {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.elementCount / max(planes, 1)
        let values = x.floats!
        let result: [Float] = (0..<planes).map { p in
            let slice = values[(p * plane)..<((p + 1) * plane)]
            if isMax { return slice.max() ?? 0 }
            return slice.reduce(0, +) / Float(plane)
        }
        return Tensor(shape: output.shape, floats: result)
    }

    /// dX of a global pool.
    static func globalGradient(isMax: Bool, x: Tensor, gradient g: [Float]) -> [Float] {
        let planes = x.shape[0] * x.shape[1]
        let plane = x.elementCount / max(planes, 1)
        let values = x.floats!
        var dx = [Float](repeating: 0, count: x.elementCount)
        for p in 0..<planes {
            let range = (p * plane)..<((p + 1) * plane)
            if isMax {
                if let at = values[range].indices.max(by: { values[$0] < values[$1] || (values[$0] == values[$1] && $0 > $1) }) { dx[at] = g[p] }
            } else {
                for i in range { dx[i] = g[p] / Float(plane) }
            }
        }
        return dx
    }
}
