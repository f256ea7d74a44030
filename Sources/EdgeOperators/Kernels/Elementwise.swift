import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Broadcasting binary ops (float and, for shape arithmetic, integers) and unary functions.
enum ElementwiseKernels {
    static func binary(_ op: BinaryOperator, _ a: Tensor, _ b: Tensor, activation: Activation?, output: TensorType) throws -> Tensor {
        switch (a.storage, b.storage) {
        case (.float32(let x), .float32(let y)):
            var result = broadcast(x, a.shape, y, b.shape, output.shape, floatFunction(op))
            if let activation = activation {
                for i in result.indices { result[i] = activation.apply(result[i]) }
            }
            return Tensor(shape: output.shape, floats: result)
        case (.float32(let x), _) where op == .pow:
            let y = b.storage.doubles.map { Float($0) }
            return Tensor(shape: output.shape, floats: broadcast(x, a.shape, y, b.shape, output.shape, floatFunction(op)))
        case (.int64, _), (.int32, _):
            guard a.dtype == b.dtype || op == .pow else { throw ExecutionError.unsupported("\(op.onnxName) of \(a.dtype) and \(b.dtype)") }
            let values = broadcast(a.storage.int64s, a.shape, b.storage.int64s, b.shape, output.shape, try integerFunction(op))
            return Tensor(shape: output.shape, storage: TensorStorage.int64(values).converted(to: a.dtype))
        default:
            throw ExecutionError.unsupported("\(op.onnxName) on \(a.dtype) tensors")
        }
    }

    private static func floatFunction(_ op: BinaryOperator) -> (Float, Float) -> Float {
        switch op {
        case .add: return { $0 + $1 }
        case .sub: return { $0 - $1 }
        case .mul: return { $0 * $1 }
        case .div: return { $0 / $1 }
        case .pow: return { $1 == 2 ? $0 * $0 : powf($0, $1) }
        case .min: return { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }
        case .max: return { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }
        case .fmod: return { fmodf($0, $1) }
        case .mod: return { a, b in
            let r = fmodf(a, b)
            return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
        }
        }
    }

    private static func integerFunction(_ op: BinaryOperator) throws -> (Int64, Int64) -> Int64 {
        switch op {
        case .add: return { $0 &+ $1 }
        case .sub: return { $0 &- $1 }
        case .mul: return { $0 &* $1 }
        case .div: return { $1 == 0 ? 0 : $0 / $1 }
        case .pow: return { base, exponent in
            var result: Int64 = 1
            for _ in 0..<Swift.max(0, exponent) { result = result &* base }
            return result
        }
        case .min: return { Swift.min($0, $1) }
        case .max: return { Swift.max($0, $1) }
        case .fmod: return { $1 == 0 ? 0 : $0 % $1 }
        case .mod: return { a, b in
            if b == 0 { return 0 }
            let r = a % b
            return (r != 0 && (r < 0) != (b < 0)) ? r + b : r
        }
        }
    }

    /// Applies `f` with NumPy broadcasting; same shapes and scalar operands take direct loops.
    static func broadcast<T>(_ x: [T], _ xShape: [Int], _ y: [T], _ yShape: [Int], _ outShape: [Int], _ f: (T, T) -> T) -> [T] {
        if xShape == yShape { return zip(x, y).map(f) }
        if y.count == 1 && x.count == Shapes.elementCount(outShape) { let s = y[0]; return x.map { f($0, s) } }
        if x.count == 1 && y.count == Shapes.elementCount(outShape) { let s = x[0]; return y.map { f(s, $0) } }
        // A per-channel operand ([C,1,1] against [N,C,H,W]) is the common case: walk contiguous runs.
        if let run = innerRun(of: yShape, in: outShape), x.count == Shapes.elementCount(outShape) {
            return runBroadcast(x, y, yShape: yShape, outShape: outShape, run: run) { f($0, $1) }
        }
        if let run = innerRun(of: xShape, in: outShape), y.count == Shapes.elementCount(outShape) {
            return runBroadcast(y, x, yShape: xShape, outShape: outShape, run: run) { f($1, $0) }
        }
        let xi = Shapes.broadcastIndices(from: xShape, to: outShape)
        let yi = Shapes.broadcastIndices(from: yShape, to: outShape)
        return x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                (0..<xi.count).map { f(xp[xi[$0]], yp[yi[$0]]) }
            }
        }
    }

    /// When `shape` broadcast to `outShape` is constant over the trailing `run` elements, that run length.
    private static func innerRun(of shape: [Int], in outShape: [Int]) -> Int? {
        let run = outShape.suffix(trailingOnes(shape, outShape)).reduce(1, *)
        return run > 1 ? run : nil
    }

    /// `f(full[i], small[j])` where `small` is constant across runs of `run` consecutive outputs.
    private static func runBroadcast<T>(_ full: [T], _ small: [T], yShape: [Int], outShape: [Int], run: Int, _ f: (T, T) -> T) -> [T] {
        let outerRank = outShape.count - trailingOnes(yShape, outShape)
        let padded = Array(repeating: 1, count: outShape.count - yShape.count) + yShape
        let smallIndex = Shapes.broadcastIndices(from: Array(padded.prefix(outerRank)), to: Array(outShape.prefix(outerRank)))
        var result = [T]()
        result.reserveCapacity(full.count)
        full.withUnsafeBufferPointer { fp in
            for (r, index) in smallIndex.enumerated() {
                let s = small[index]
                for j in (r * run)..<((r + 1) * run) { result.append(f(fp[j], s)) }
            }
        }
        return result
    }

    private static func trailingOnes(_ shape: [Int], _ outShape: [Int]) -> Int {
        let padded = Array(repeating: 1, count: outShape.count - shape.count) + shape
        var count = 0
        var axis = outShape.count - 1
        while axis >= 0 && padded[axis] == 1 { count += 1; axis -= 1 }
        return count
    }

    static func unary(_ op: UnaryOperator, _ x: Tensor) throws -> Tensor {
        guard let values = x.floats else {
            if case .neg = op { return Tensor(shape: x.shape, storage: TensorStorage.int64(x.storage.int64s.map { 0 &- $0 }).converted(to: x.dtype)) }
            if case .abs = op { return Tensor(shape: x.shape, storage: TensorStorage.int64(x.storage.int64s.map { Swift.abs($0) }).converted(to: x.dtype)) }
            throw ExecutionError.unsupported("\(op.onnxName) on \(x.dtype) tensors")
        }
        // Relu and Clip get loops the compiler specializes; the formula is still `apply`'s.
        switch op {
        case .relu: return Tensor(shape: x.shape, floats: values.map { UnaryOperator.relu.apply($0) })
        case .clip(let lo, let hi): return Tensor(shape: x.shape, floats: values.map { UnaryOperator.clip(min: lo, max: hi).apply($0) })
        default: return Tensor(shape: x.shape, floats: values.map(op.apply))
        }
    }
}
