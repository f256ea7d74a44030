import EdgeIR

/// Backward of the operators that move or pick elements (Transpose, Slice, Expand, Gather, Pad,
/// Split): each output element is a copy of one input element, so the input's gradient is the
/// output's gradient added back to where each element came from. Which input element that is,
/// the operator's own forward says: run on a tensor holding each element's index, it returns
/// the source index of every output element. One backward for every such operator, and it
/// cannot disagree with the forward.
enum LayoutGradients {
    /// The gradient of input 0 of `forward`, given the gradients of its outputs.
    static func scatter(inputShape: [Int], gradients: [[Float]?], forward: (Tensor) throws -> [Tensor]) rethrows -> [Float] {
        // Indices start at 1 so that padding's fill value 0 marks elements read from nowhere.
        let count = Shapes.elementCount(inputShape)
        let positions = Tensor(shape: inputShape, storage: .int64((0..<Int64(count)).map { $0 + 1 }))
        let sources = try forward(positions)
        var dx = [Float](repeating: 0, count: count)
        dx.withUnsafeMutableBufferPointer { d in
            for (source, gradient) in zip(sources, gradients) {
                guard let gradient else { continue }
                let indices = source.storage.int64s
                for j in indices.indices where indices[j] > 0 { d[Int(indices[j]) - 1] += gradient[j] }
            }
        }
        return dx
    }
}

/// Resize's backward: each resized axis is a linear map (each output a weighted run of inputs), so
/// its adjoint adds each output's gradient back to its inputs with the same weights.
extension ResizeKernels {
    static func resizeGradient(_ attributes: Resize, inputShape: [Int], outputShape: [Int], scales: [Float]?, gradient g: [Float]) -> [Float] {
        // The forward resizes axis by axis, so the backward undoes the axes in reverse order.
        let steps = axisSteps(attributes, inputShape: inputShape, outputShape: outputShape, scales: scales)
        var current = g
        for step in steps.reversed() {
            let inLength = step.shapeBefore[step.axis]
            let runs = axisRuns(inLength: inLength, outLength: step.outLength, scale: step.scale, attributes: attributes)
            let outer = step.shapeBefore[..<step.axis].reduce(1, *)
            let inner = step.shapeBefore[(step.axis + 1)...].reduce(1, *)
            var previous = [Float](repeating: 0, count: outer * inLength * inner)
            for n in 0..<outer {
                for (o, run) in runs.enumerated() {
                    let y = (n * step.outLength + o) * inner
                    for (t, w) in run.weights.enumerated() {
                        let x = (n * inLength + run.start + t) * inner
                        for i in 0..<inner { previous[x + i] += current[y + i] * w }
                    }
                }
            }
            current = previous
        }
        return current
    }
}
