import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The update rules of `edgec train`: SGD with momentum, Adam, and AdamW (decoupled weight decay).
public enum OptimizerKind: String, Sendable, CaseIterable {
    case sgd, adam, adamw
}

/// How the learning rate changes over the steps of a run.
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    /// The same rate throughout.
    case constant
    /// Half a cosine from the rate down to 0 over the run.
    case cosine
    /// ×0.1 after each third of the epochs.
    case step

    /// The rate at `step` (0-based) of `totalSteps`, with `stepsPerEpoch` and `epochs`.
    public func rate(_ base: Float, step: Int, totalSteps: Int, stepsPerEpoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant:
            return base
        case .cosine:
            return base * Float(0.5 * (1 + cos(Double.pi * Double(step) / Double(max(totalSteps, 1)))))
        case .step:
            let epoch = step / max(stepsPerEpoch, 1)
            let third = max(1, (epochs + 2) / 3)
            return base * powf(0.1, Float(epoch / third))
        }
    }
}

/// Optimizer state per parameter and the update of one step.
public struct Optimizer: Sendable {
    public let kind: OptimizerKind
    public let momentum: Float
    /// L2 penalty folded into the gradient (SGD, Adam) or decoupled decay (AdamW).
    public let weightDecay: Float
    let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    private var first: [ValueID: [Float]] = [:]
    private var second: [ValueID: [Float]] = [:]
    private var steps = 0

    public init(kind: OptimizerKind, momentum: Float = 0.9, weightDecay: Float? = nil) {
        self.kind = kind
        self.momentum = momentum
        self.weightDecay = weightDecay ?? (kind == .adamw ? 0.01 : 0)
    }

    /// Applies one step with learning rate `rate` to every parameter that has a gradient.
    public mutating func step(_ parameters: inout [ValueID: Tensor], gradients: [ValueID: Tensor], rate: Float) {
        steps += 1
        let correction1 = 1 - powf(beta1, Float(steps)), correction2 = 1 - powf(beta2, Float(steps))
        for (id, gradient) in gradients {
            guard var tensor = parameters.removeValue(forKey: id), case .float32(var values) = tensor.storage, let g = gradient.floats else { continue }
            tensor.storage = .float32([])
            let count = values.count
            // The state arrays are taken out of the dictionaries so that they update in place.
            var m = first.removeValue(forKey: id) ?? [Float](repeating: 0, count: count)
            var v = kind == .sgd ? [] : second.removeValue(forKey: id) ?? [Float](repeating: 0, count: count)
            values.withUnsafeMutableBufferPointer { w in
                m.withUnsafeMutableBufferPointer { m in
                    switch kind {
                    case .sgd:
                        for i in 0..<count {
                            m[i] = momentum * m[i] + g[i] + weightDecay * w[i]
                            w[i] -= rate * m[i]
                        }
                    case .adam, .adamw:
                        let decoupled = kind == .adamw
                        let stepSize = rate / correction1, rootCorrection = correction2.squareRoot()
                        v.withUnsafeMutableBufferPointer { v in
                            for i in 0..<count {
                                let d = decoupled ? g[i] : g[i] + weightDecay * w[i]
                                m[i] = beta1 * m[i] + (1 - beta1) * d
                                v[i] = beta2 * v[i] + (1 - beta2) * d * d
                                if decoupled { w[i] -= rate * weightDecay * w[i] }
                                w[i] -= stepSize * m[i] / (v[i].squareRoot() / rootCorrection + epsilon)
                            }
                        }
                    }
                }
            }
            first[id] = m
            if kind != .sgd { second[id] = v }
            tensor.storage = .float32(values)
            parameters[id] = tensor
        }
    }
}
