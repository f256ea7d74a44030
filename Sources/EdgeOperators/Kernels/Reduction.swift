import EdgeIR

/// ReduceMean, ReduceSum and ReduceMax over any set of axes.
enum ReductionKernels {
    static func reduce(_ reduction: Reduction, x: Tensor, output: TensorType) throws -> Tensor {
        guard let values = x.floats else {
            throw ExecutionError.unsupported("\(reduction.kind.onnxName) on \(x.dtype) tensors")
        }
        let axes = Set((reduction.axes ?? Array(0..<x.rank)).map { Shapes.normalizedAxis($0, rank: x.rank)! })
        let kept = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let target = Shapes.broadcastIndices(from: kept, to: x.shape)
        let outCount = Shapes.elementCount(kept)
        let initial: Float = reduction.kind == .max ? -.infinity : 0
        var result = [Float](repeating: initial, count: outCount)
        switch reduction.kind {
        case .sum, .mean:
            for (i, v) in values.enumerated() { result[target[i]] += v }
        case .max:
            for (i, v) in values.enumerated() where v > result[target[i]] || v.isNaN { result[target[i]] = v }
        }
        if reduction.kind == .mean {
            let count = Float(max(1, values.count / max(outCount, 1)))
            for i in result.indices { result[i] /= count }
        }
        return Tensor(shape: output.shape, floats: result)
    }
}
