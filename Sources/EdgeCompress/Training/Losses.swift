import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a training step minimizes, and its gradient with respect to the model's output (the
/// logits: where a model ends in Softmax, the Softmax's input).
public enum TrainingLoss: Sendable {
    /// Softmax cross-entropy from logits against integer class ids (class axis 1).
    case crossEntropy
    /// Mean squared error against float targets of the output's shape.
    case meanSquaredError
    /// Hinton's distillation loss: α·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1−α)·CE,
    /// the cross-entropy term only where labels are given. `teacher` holds the teacher's logits
    /// for every training sample, in data order.
    case distillation(teacher: Tensor, temperature: Float, alpha: Float)

    public var name: String {
        switch self {
        case .crossEntropy: return "cross-entropy"
        case .meanSquaredError: return "mse"
        case .distillation: return "distillation"
        }
    }
}

/// One batch's loss (averaged over its samples), the gradient of that mean with respect to the
/// logits, and how many samples the logits classify correctly (classification losses).
public struct LossValue: Sendable {
    public var loss: Double
    public var gradient: Tensor
    public var correct: Int?
}

enum LossFunctions {
    /// `logits` [N, C, ...]: classes along axis 1, the rest are positions each with its own label.
    static func layout(_ shape: [Int]) -> (batch: Int, classes: Int, positions: Int) {
        let classes = shape.count >= 2 ? shape[1] : shape.first ?? 1
        let batch = shape.count >= 2 ? shape[0] : 1
        return (batch, classes, Shapes.elementCount(shape) / max(batch * classes, 1))
    }

    /// Softmax over axis 1 at temperature `t`, and log-softmax, in Double.
    static func softmax(_ logits: [Float], shape: [Int], temperature t: Double = 1) -> (p: [Double], logp: [Double]) {
        let (batch, classes, positions) = layout(shape)
        var p = [Double](repeating: 0, count: logits.count), logp = p
        for n in 0..<batch {
            for s in 0..<positions {
                let index = { (c: Int) in (n * classes + c) * positions + s }
                var maximum = -Double.infinity
                for c in 0..<classes { maximum = max(maximum, Double(logits[index(c)]) / t) }
                var sum = 0.0
                for c in 0..<classes { sum += exp(Double(logits[index(c)]) / t - maximum) }
                let logSum = log(sum) + maximum
                for c in 0..<classes {
                    logp[index(c)] = Double(logits[index(c)]) / t - logSum
                    p[index(c)] = exp(logp[index(c)])
                }
            }
        }
        return (p, logp)
    }

    /// The number of rows whose largest logit is the label.
    static func correct(_ logits: [Float], shape: [Int], labels: [Int64]) -> Int {
        let (batch, classes, positions) = layout(shape)
        var hits = 0
        for n in 0..<batch {
            for s in 0..<positions {
                var best = 0
                for c in 1..<max(classes, 1) where logits[(n * classes + c) * positions + s] > logits[(n * classes + best) * positions + s] { best = c }
                if Int64(best) == labels[n * positions + s] { hits += 1 }
            }
        }
        return hits
    }

    static func crossEntropy(logits: Tensor, labels: [Int64]) -> LossValue {
        let values = logits.floats!
        let (batch, classes, positions) = layout(logits.shape)
        let (p, logp) = softmax(values, shape: logits.shape)
        let rows = Double(batch * positions)
        var loss = 0.0
        var gradient = p.map { Float($0 / rows) }
        for n in 0..<batch {
            for s in 0..<positions {
                let label = Int(labels[n * positions + s])
                let index = (n * classes + label) * positions + s
                loss -= logp[index]
                gradient[index] -= Float(1 / rows)
            }
        }
        return LossValue(loss: loss / rows, gradient: Tensor(shape: logits.shape, floats: gradient),
                         correct: correct(values, shape: logits.shape, labels: labels))
    }

    static func meanSquaredError(output: Tensor, targets: Tensor) -> LossValue {
        let y = output.floats!, t = targets.floats!
        let count = Double(max(y.count, 1))
        var loss = 0.0
        let gradient = y.indices.map { i -> Float in
            let d = Double(y[i]) - Double(t[i])
            loss += d * d
            return Float(2 * d / count)
        }
        return LossValue(loss: loss / count, gradient: Tensor(shape: output.shape, floats: gradient), correct: nil)
    }

    /// d/ds of α·T²·KL(p_t ‖ p_s) is α·T·(p_s − p_t) per row (at temperature T), plus (1−α)·CE.
    static func distillation(student: Tensor, teacher: Tensor, labels: [Int64]?, temperature: Float, alpha: Float) -> LossValue {
        let values = student.floats!
        let (batch, _, positions) = layout(student.shape)
        let rows = Double(batch * positions)
        let t = Double(temperature)
        let (ps, logps) = softmax(values, shape: student.shape, temperature: t)
        let (pt, logpt) = softmax(teacher.floats!, shape: teacher.shape, temperature: t)
        let soft = labels == nil ? 1.0 : Double(alpha)
        var kl = 0.0
        for i in ps.indices where pt[i] > 0 { kl += pt[i] * (logpt[i] - logps[i]) }
        var loss = soft * t * t * kl / rows
        var gradient = ps.indices.map { Float(soft * t * (ps[$0] - pt[$0]) / rows) }
        var hits: Int?
        if let labels {
            let hard = crossEntropy(logits: student, labels: labels)
            loss += (1 - soft) * hard.loss
            let g = hard.gradient.floats!
            for i in gradient.indices { gradient[i] += Float(1 - soft) * g[i] }
            hits = hard.correct
        }
        return LossValue(loss: loss, gradient: Tensor(shape: student.shape, floats: gradient), correct: hits)
    }
}
