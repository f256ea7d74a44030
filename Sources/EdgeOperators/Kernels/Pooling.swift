import EdgeIR

/// MaxPool, AveragePool (1-D and 2-D) and the global pools.
enum PoolingKernels {
    static func pool(_ attributes: Pooling, isMax: Bool, x: Tensor, output: TensorType) -> Tensor {
        let spatial = x.rank - 2
        let lift = ConvolutionKernels.lift
        let input = lift(Array(x.shape[2...]), 1)
        let out = lift(Array(output.shape[2...]), 1)
        let kernel = lift(attributes.kernelShape, 1), strides = lift(attributes.strides, 1), dilations = lift(attributes.dilations, 1)
        let pads = WindowGeometry.resolvedPads(autoPad: attributes.autoPad, pads: attributes.pads, input: Array(x.shape[2...]), kernel: attributes.kernelShape, strides: attributes.strides, dilations: attributes.dilations)
        let padTop = spatial == 1 ? 0 : pads[0], padLeft = spatial == 1 ? pads[0] : pads[1]
        let padBottom = spatial == 1 ? 0 : pads[2], padRight = spatial == 1 ? pads[1] : pads[3]
        let planes = x.shape[0] * x.shape[1]
        let inPlane = input[0] * input[1], outPlane = out[0] * out[1]
        var result = [Float](repeating: 0, count: planes * outPlane)
        x.floats!.withUnsafeBufferPointer { xp in
            result.withUnsafeMutableBufferPointer { yp in
                for p in 0..<planes {
                    let xs = xp.baseAddress! + p * inPlane
                    for oh in 0..<out[0] {
                        for ow in 0..<out[1] {
                            let h0 = oh * strides[0] - padTop, w0 = ow * strides[1] - padLeft
                            var best = -Float.infinity
                            var sum: Float = 0
                            var count = 0
                            for ki in 0..<kernel[0] {
                                let ih = h0 + ki * dilations[0]
                                if ih < 0 || ih >= input[0] { continue }
                                for kj in 0..<kernel[1] {
                                    let iw = w0 + kj * dilations[1]
                                    if iw < 0 || iw >= input[1] { continue }
                                    let v = xs[ih * input[1] + iw]
                                    if v > best || v.isNaN { best = v }
                                    sum += v
                                    count += 1
                                }
                            }
                            let value: Float
                            if isMax {
                                value = best
                            } else if attributes.countIncludePad {
                                // The window clipped to the padded input, as onnxruntime counts it.
                                let hEnd = min(h0 + (kernel[0] - 1) * dilations[0] + 1, input[0] + padBottom)
                                let wEnd = min(w0 + (kernel[1] - 1) * dilations[1] + 1, input[1] + padRight)
                                let rows = (hEnd - h0 + dilations[0] - 1) / dilations[0]
                                let cols = (wEnd - w0 + dilations[1] - 1) / dilations[1]
                                value = sum / Float(max(1, rows * cols))
                            } else {
                                value = count > 0 ? sum / Float(count) : 0
                            }
                            yp[p * outPlane + oh * out[1] + ow] = value
                        }
                    }
                }
            }
        }
        return Tensor(shape: output.shape, floats: result)
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
}
