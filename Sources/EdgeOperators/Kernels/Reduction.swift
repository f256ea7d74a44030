import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ONNX reductions over any set of axes.
enum ReductionKernels {
    static func reduce(_ reduction: Reduction, x: Tensor, output: TensorType) throws -> Tensor {
        guard let values = x.floats else {
            throw ExecutionError.unsupported("\(reduction.kind.onnxName) on \(x.dtype) tensors")
        }
        let axes = Set((reduction.axes ?? Array(0..<x.rank)).map { Shapes.normalizedAxis($0, rank: x.rank)! })
        let kept = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let target = Shapes.broadcastIndices(from: kept, to: x.shape)
        let outCount = Shapes.elementCount(kept)
        let initial: Float = reduction.kind == .max ? -.infinity : reduction.kind == .min ? .infinity : reduction.kind == .product ? 1 : 0
        var result = [Float](repeating: initial, count: outCount)
        switch reduction.kind {
        case .sum, .mean:
            for (i, v) in values.enumerated() { result[target[i]] += v }
        case .max:
            for (i, v) in values.enumerated() where v > result[target[i]] || v.isNaN { result[target[i]] = v }
        case .min:
            for (i, v) in values.enumerated() where v < result[target[i]] || v.isNaN { result[target[i]] = v }
        case .product:
            for (i, v) in values.enumerated() { result[target[i]] *= v }
        case .l1:
            for (i, v) in values.enumerated() { result[target[i]] += Swift.abs(v) }
        case .l2, .sumSquare:
            for (i, v) in values.enumerated() { result[target[i]] += v * v }
        case .logSumExp:
            // The largest value of each slice first, so exp never overflows (as onnxruntime computes it).
            var largest = [Float](repeating: -.infinity, count: outCount)
            for (i, v) in values.enumerated() where v > largest[target[i]] { largest[target[i]] = v }
            for (i, v) in values.enumerated() { result[target[i]] += expf(v - largest[target[i]]) }
            for i in result.indices { result[i] = logf(result[i]) + (largest[i].isFinite ? largest[i] : 0) }
        }
        if reduction.kind == .mean {
            let count = Float(max(1, values.count / max(outCount, 1)))
            for i in result.indices { result[i] /= count }
        }
        if reduction.kind == .l2 {
            for i in result.indices { result[i] = sqrtf(result[i]) }
        }
        return Tensor(shape: output.shape, floats: result)
    }
}
