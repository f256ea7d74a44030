import EdgeIR

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LSTM and GRU (forward, reverse or bidirectional; layout 0 or 1) with the default activations.
/// Inputs X, W, R, B?, sequence_lens?, initial_h?, initial_c? (LSTM); outputs Y, Y_h, Y_c (LSTM),
/// as many as the node lists. sequence_lens may be given only when every length is the sequence's
/// (then it changes nothing); the runtime's RECURRENT record leaves it out.
struct RecurrentOperator: OperatorDefinition {
    let attributes: Recurrent

    /// Sequence, batch and input sizes of X.
    private func dimensions(_ x: [Int]) -> (steps: Int, batch: Int, features: Int) {
        attributes.layout == 0 ? (x[0], x[1], x[2]) : (x[1], x[0], x[2])
    }

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0), w = try node.type(1), r = try node.type(2)
        guard x.dtype == .float32, w.dtype == .float32, r.dtype == .float32 else { throw node.fail("expects float X, W and R") }
        guard x.shape.count == 3 else { throw node.fail("X must have rank 3, got \(x.shape)") }
        let (steps, batch, features) = dimensions(x.shape)
        let d = attributes.directions, gh = attributes.gates * attributes.hiddenSize, h = attributes.hiddenSize
        guard w.shape == [d, gh, features] else { throw node.fail("W is \(w.shape), expected \([d, gh, features])") }
        guard r.shape == [d, gh, h] else { throw node.fail("R is \(r.shape), expected \([d, gh, h])") }
        if let b = try node.optionalType(3), b.shape != [d, 2 * gh] { throw node.fail("B is \(b.shape), expected \([d, 2 * gh])") }
        if node.node.input(4) != nil {
            guard let lengths = try node.parameter(4, "sequence_lens") else { throw node.fail("sequence_lens is missing") }
            guard lengths.storage.int64s.allSatisfy({ $0 == Int64(steps) }) else {
                throw node.fail("sequence_lens \(lengths.storage.int64s) differ from the sequence length \(steps); only full-length sequences are supported")
            }
        }
        let state = attributes.layout == 0 ? [d, batch, h] : [batch, d, h]
        let stateInputs = attributes.cell == .lstm ? [5, 6] : [5]
        for i in stateInputs {
            if let s = try node.optionalType(i), s.shape != state || s.dtype != .float32 {
                throw node.fail("initial state \(i == 5 ? "initial_h" : "initial_c") is \(s.shape), expected float \(state)")
            }
        }
        let sequence = attributes.layout == 0 ? [steps, d, batch, h] : [batch, steps, d, h]
        let types = [TensorType(.float32, sequence), TensorType(.float32, state), TensorType(.float32, state)]
        let most = attributes.cell == .lstm ? 3 : 2
        guard node.outputCount <= most else { throw node.fail("has \(node.outputCount) outputs; \(node.kindName) has at most \(most)") }
        return Array(types.prefix(node.outputCount))
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let xTensor = try inputs.float(0)
        let x = xTensor.floats!, w = try inputs.float(1).floats!, r = try inputs.float(2).floats!
        let bias = inputs.optional(3) == nil ? nil : try inputs.float(3).floats!
        let initialH = inputs.optional(5) == nil ? nil : try inputs.float(5).floats!
        let initialC = inputs.optional(6) == nil ? nil : try inputs.float(6).floats!
        let (steps, batch, features) = dimensions(xTensor.shape)
        let directions = attributes.directions, hidden = attributes.hiddenSize, gh = attributes.gates * hidden
        let layout0 = attributes.layout == 0
        var y = [Float](repeating: 0, count: steps * directions * batch * hidden)
        var lastH = [Float](repeating: 0, count: directions * batch * hidden), lastC = lastH
        func stateIndex(_ d: Int, _ b: Int) -> Int { (layout0 ? d * batch + b : b * directions + d) * hidden }

        for d in 0..<directions {
            let backwards = attributes.direction == .reverse || d == 1
            var h = [Float](repeating: 0, count: batch * hidden), c = h
            for b in 0..<batch {
                for j in 0..<hidden {
                    h[b * hidden + j] = initialH?[stateIndex(d, b) + j] ?? 0
                    c[b * hidden + j] = initialC?[stateIndex(d, b) + j] ?? 0
                }
            }
            let weights = d * gh * features, recurrent = d * gh * hidden, biases = d * 2 * gh
            for step in 0..<steps {
                let t = backwards ? steps - 1 - step : step
                var next = h
                for b in 0..<batch {
                    let xBase = (layout0 ? t * batch + b : b * steps + t) * features
                    // Pre-activations of every gate from the input (with Wb) and from the state (with Rb).
                    var fromInput = [Float](repeating: 0, count: gh), fromState = fromInput
                    for g in 0..<gh {
                        var s: Float = 0
                        for i in 0..<features { s += x[xBase + i] * w[weights + g * features + i] }
                        var z: Float = 0
                        for k in 0..<hidden { z += h[b * hidden + k] * r[recurrent + g * hidden + k] }
                        fromInput[g] = s + (bias?[biases + g] ?? 0)
                        fromState[g] = z + (bias?[biases + gh + g] ?? 0)
                    }
                    // Every reset gate, once: GRU without linear_before_reset needs all of them for each candidate.
                    let resets = attributes.cell == .gru ? (0..<hidden).map { Self.sigmoid(fromInput[hidden + $0] + fromState[hidden + $0]) } : []
                    for j in 0..<hidden {
                        let previous = h[b * hidden + j]
                        switch attributes.cell {
                        case .lstm:
                            let input = Self.sigmoid(fromInput[j] + fromState[j])
                            let output = Self.sigmoid(fromInput[hidden + j] + fromState[hidden + j])
                            let forget = Self.sigmoid(fromInput[2 * hidden + j] + fromState[2 * hidden + j])
                            let candidate = tanhf(fromInput[3 * hidden + j] + fromState[3 * hidden + j])
                            let cell = forget * c[b * hidden + j] + input * candidate
                            c[b * hidden + j] = cell
                            next[b * hidden + j] = output * tanhf(cell)
                        case .gru:
                            let update = Self.sigmoid(fromInput[j] + fromState[j])
                            let recurrentPart: Float
                            if attributes.linearBeforeReset {
                                recurrentPart = resets[j] * fromState[2 * hidden + j]
                            } else {
                                // (reset ⊙ H)·Rh + Rbh.
                                var s: Float = 0
                                for k in 0..<hidden { s += resets[k] * h[b * hidden + k] * r[recurrent + (2 * hidden + j) * hidden + k] }
                                recurrentPart = s + (bias?[biases + gh + 2 * hidden + j] ?? 0)
                            }
                            let candidate = tanhf(fromInput[2 * hidden + j] + recurrentPart)
                            next[b * hidden + j] = (1 - update) * candidate + update * previous
                        }
                    }
                }
                h = next
                for b in 0..<batch {
                    let base = (layout0 ? (t * directions + d) * batch + b : (b * steps + t) * directions + d) * hidden
                    for j in 0..<hidden { y[base + j] = h[b * hidden + j] }
                }
            }
            for b in 0..<batch {
                for j in 0..<hidden {
                    lastH[stateIndex(d, b) + j] = h[b * hidden + j]
                    lastC[stateIndex(d, b) + j] = c[b * hidden + j]
                }
            }
        }
        let all = [y, lastH, lastC]
        return inputs.outputTypes.enumerated().map { Tensor(shape: $0.element.shape, floats: all[$0.offset]) }
    }

    @inline(__always)
    private static func sigmoid(_ x: Float) -> Float { UnaryOperator.sigmoid.apply(x) }

    func macs(_ node: NodeContext) -> Int {
        guard let x = try? node.type(0) else { return 0 }
        let (steps, batch, features) = dimensions(x.shape)
        return attributes.directions * steps * batch * attributes.gates * attributes.hiddenSize * (features + attributes.hiddenSize)
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let inputs = node.node.inputs
        func input(_ i: Int) -> ValueID? { i < inputs.count ? inputs[i] : nil }
        return node.make(.recurrent, [input(0), input(1), input(2), input(3), input(5), input(6)],
                         [attributes.cell == .lstm ? 0 : 1, UInt32(attributes.hiddenSize), UInt32(attributes.direction.rawValue),
                          attributes.linearBeforeReset ? 1 : 0, UInt32(attributes.layout)])
    }
}
