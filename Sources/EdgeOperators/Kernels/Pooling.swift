import EdgeIR

/// MaxPool, AveragePool (1-D, 2-D and 3-D) and the global pools, forward and backward.
enum PoolingKernels {
    /// The windows of a pool, lifted to 3-D (depth, height, width: 2-D with a depth of 1, 1-D also
    /// with a height of 1), shared by forward and backward.
    struct Windows {
        let planes: Int
        let input: [Int], out: [Int], kernel: [Int], strides: [Int], dilations: [Int], padBegin: [Int], padEnd: [Int]

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
            padBegin = lift(Array(pads.prefix(spatial)), 0)
            padEnd = lift(Array(pads.suffix(spatial)), 0)
            planes = x[0] * x[1]
        }

        var inPlane: Int { input[0] * input[1] * input[2] }
        var outPlane: Int { out[0] * out[1] * out[2] }

        /// Calls `body` with the offset of the output at `output` (depth, row, column) in its plane.
        @inline(__always)
        func forEachOutput(_ body: (_ output: Int, _ position: (Int, Int, Int)) -> Void) {
            var offset = 0
            for od in 0..<out[0] {
                for oh in 0..<out[1] {
                    for ow in 0..<out[2] {
                        body(offset, (od, oh, ow))
                        offset += 1
                    }
                }
            }
        }

        /// Calls `body` with the in-plane offset of each input cell of the window at output
        /// `position` (depth, row, column), in row-major order.
        @inline(__always)
        func forEachCell(_ position: (Int, Int, Int), _ body: (Int) -> Void) {
            let d0 = position.0 * strides[0] - padBegin[0], h0 = position.1 * strides[1] - padBegin[1], w0 = position.2 * strides[2] - padBegin[2]
            for kd in 0..<kernel[0] {
                let id = d0 + kd * dilations[0]
                if id < 0 || id >= input[0] { continue }
                for ki in 0..<kernel[1] {
                    let ih = h0 + ki * dilations[1]
                    if ih < 0 || ih >= input[1] { continue }
                    for kj in 0..<kernel[2] {
                        let iw = w0 + kj * dilations[2]
                        if iw < 0 || iw >= input[2] { continue }
                        body((id * input[1] + ih) * input[2] + iw)
                    }
                }
            }
        }

        /// AveragePool's divisor for the window at output `position` that covers `count` real cells.
        func divisor(_ position: (Int, Int, Int), count: Int, includePad: Bool) -> Float {
            guard includePad else { return Float(max(count, 1)) }
            // The window clipped to the padded input, as onnxruntime counts it.
            var cells = 1
            for (axis, o) in [position.0, position.1, position.2].enumerated() {
                let start = o * strides[axis] - padBegin[axis]
                let stop = min(start + (kernel[axis] - 1) * dilations[axis] + 1, input[axis] + padEnd[axis])
                cells *= (stop - start + dilations[axis] - 1) / dilations[axis]
            }
            return Float(max(1, cells))
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
                    windows.forEachOutput { offset, position in
                        var best = -Float.infinity
                        var sum: Float = 0
                        var count = 0
                        windows.forEachCell(position) { cell in
                            let v = xs[cell]
                            if v > best || v.isNaN { best = v }
                            sum += v
                            count += 1
                        }
                        yp[p * outPlane + offset] = isMax
                            ? best : count == 0 && !attributes.countIncludePad ? 0 : sum / windows.divisor(position, count: count, includePad: attributes.countIncludePad)
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
                    windows.forEachOutput { offset, position in
                        let gradient = g[p * outPlane + offset]
                        if isMax {
                            var best = -Float.infinity, at = -1
                            windows.forEachCell(position) { cell in
                                if at < 0 || xs[cell] > best { best = xs[cell]; at = cell }
                            }
                            if at >= 0 { ds[at] += gradient }
                        } else {
                            var count = 0
                            windows.forEachCell(position) { _ in count += 1 }
                            let share = gradient / windows.divisor(position, count: count, includePad: attributes.countIncludePad)
                            windows.forEachCell(position) { cell in ds[cell] += share }
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
