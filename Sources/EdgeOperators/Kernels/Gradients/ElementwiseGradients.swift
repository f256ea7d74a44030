import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Backward of the broadcasting binary operators, the unary functions, fused activations and
/// reductions.
enum ElementwiseGradients {
    /// The gradient of an operand broadcast from `shape` to `outShape`: summed over the axes it
    /// was repeated along.
    static func reduce(_ gradient: [Float], from outShape: [Int], to shape: [Int]) -> [Float] {
        if outShape == shape { return gradient }
        var result = [Float](repeating: 0, count: Shapes.elementCount(shape))
        if result.count == 1 { return [gradient.reduce(0, +)] }
        let target = Shapes.broadcastIndices(from: shape, to: outShape)
        result.withUnsafeMutableBufferPointer { r in
            for i in gradient.indices { r[target[i]] += gradient[i] }
        }
        return result
    }

    /// `operand` broadcast to `outShape`.
    static func expanded(_ operand: Tensor, to outShape: [Int]) -> [Float] {
        if operand.shape == outShape { return operand.floats! }
        let values = operand.floats!
        return Shapes.broadcastIndices(from: operand.shape, to: outShape).map { values[$0] }
    }

    /// The gradient before a fused activation, from the gradient after it. Relu, Clip and a
    /// positive-slope LeakyRelu read their derivative off the output; the others (HardSwish)
    /// need the pre-activation values, which `recompute` gives.
    static func throughActivation(_ activation: Activation?, _ request: GradientRequest, recompute: () throws -> Tensor) rethrows -> [Float] {
        var g = request.gradient(0)
        guard let activation else { return g }
        let y = request.outputs[0].floats!
        switch activation {
        case .relu:
            for i in g.indices where !(y[i] > 0) { g[i] = 0 }
        case .clip(let lo, let hi):
            for i in g.indices where !(y[i] > lo && y[i] < hi) { g[i] = 0 }
        case .leakyRelu(let alpha) where alpha > 0:
            for i in g.indices where !(y[i] > 0) { g[i] *= alpha }
        default:
            let x = try recompute().floats!
            let unary = activation.asUnary
            for i in g.indices { g[i] *= unary.derivative(x[i], output: y[i]) }
        }
        return g
    }

    static func unary(_ function: UnaryOperator, x: Tensor, y: Tensor, gradient: [Float]) -> [Float] {
        let xs = x.floats!, ys = y.floats!
        var result = gradient
        result.withUnsafeMutableBufferPointer { g in
            // Relu and Clip, in every convolutional network, get a loop the compiler specializes
            // (the formula is still `derivative`'s); the others share the general one.
            @inline(__always) func loop(_ f: UnaryOperator) {
                for i in 0..<g.count { g[i] *= f.derivative(xs[i], output: ys[i]) }
            }
            switch function {
            case .relu: loop(.relu)
            case .clip(let lo, let hi): loop(.clip(min: lo, max: hi))
            default: loop(function)
            }
        }
        return result
    }

    /// Gradients of A and B of `A op B` (nil for those not wanted), from the gradient `g` of the
    /// broadcast output.
    static func binary(_ function: BinaryOperator, a: Tensor, b: Tensor, y: Tensor, gradient g: [Float], wants: (Int) -> Bool) throws -> [Tensor?] {
        guard a.dtype == .float32, b.dtype == .float32 else { return [nil, nil] }
        let out = y.shape
        func result(_ index: Int, _ shape: [Int], _ full: () -> [Float]) -> Tensor? {
            wants(index) ? Tensor(shape: shape, floats: reduce(full(), from: out, to: shape)) : nil
        }
        switch function {
        case .add:
            return [result(0, a.shape) { g }, result(1, b.shape) { g }]
        case .sub:
            return [result(0, a.shape) { g }, result(1, b.shape) { g.map { -$0 } }]
        case .mul:
            return [result(0, a.shape) { zip(g, expanded(b, to: out)).map(*) },
                    result(1, b.shape) { zip(g, expanded(a, to: out)).map(*) }]
        case .div:
            let bs = expanded(b, to: out)
            return [result(0, a.shape) { zip(g, bs).map(/) },
                    result(1, b.shape) { let ys = y.floats!; return g.indices.map { -g[$0] * ys[$0] / bs[$0] } }]
        case .pow:
            let as_ = expanded(a, to: out), bs = expanded(b, to: out), ys = y.floats!
            return [result(0, a.shape) { g.indices.map { g[$0] * bs[$0] * powf(as_[$0], bs[$0] - 1) } },
                    result(1, b.shape) { g.indices.map { g[$0] * ys[$0] * logf(as_[$0]) } }]
        case .min, .max:
            // The larger (smaller) operand takes the gradient; a tie splits it, as PyTorch does.
            let as_ = expanded(a, to: out), bs = expanded(b, to: out)
            let sign: Float = function == .max ? 1 : -1
            func share(_ mine: Float, _ other: Float) -> Float {
                let d = sign * (mine - other)
                return d > 0 ? 1 : d < 0 ? 0 : 0.5
            }
            return [result(0, a.shape) { g.indices.map { g[$0] * share(as_[$0], bs[$0]) } },
                    result(1, b.shape) { g.indices.map { g[$0] * share(bs[$0], as_[$0]) } }]
        case .mod, .fmod:
            throw ExecutionError.unsupported("\(function.onnxName) has no gradient")
        }
    }

    /// The gradient of X of a reduction over `reduction.axes`, from the output's gradient.
    static func reduction(_ reduction: Reduction, x: Tensor, y: Tensor, gradient g: [Float]) -> [Float] {
        let axes = Set((reduction.axes ?? Array(0..<x.rank)).map { Shapes.normalizedAxis($0, rank: x.rank)! })
        let kept = x.shape.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
        let source = Shapes.broadcastIndices(from: kept, to: x.shape)
        switch reduction.kind {
        case .sum:
            return source.map { g[$0] }
        case .mean:
            let count = Float(max(1, x.elementCount / max(Shapes.elementCount(kept), 1)))
            return source.map { g[$0] / count }
        default:
            // Max (the others have no backward): the first element equal to the maximum takes the gradient.
            let xs = x.floats!, ys = y.floats!
            var taken = [Bool](repeating: false, count: ys.count)
            var result = [Float](repeating: 0, count: xs.count)
            for i in xs.indices where !taken[source[i]] && xs[i] == ys[source[i]] {
                taken[source[i]] = true
                result[i] = g[source[i]]
            }
            return result
        }
    }
}
