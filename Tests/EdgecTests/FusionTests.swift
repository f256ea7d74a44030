import EdgeExec
import EdgeIR
import EdgePasses
import Foundation
import Testing

/// The exporter patterns the prepare pipeline rewrites, each checked for equivalence: the fused
/// graph computes what the graph as written computes, on inputs that cover every branch.
@Suite("Fusions of exporter patterns")
struct FusionTests {
    struct Builder {
        var graph = Graph(name: "pattern")
        let x: ValueID

        init(shape: [Int]) {
            x = graph.addValue(name: "x")
            graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: shape.map { .fixed($0) })]
        }

        mutating func constant(_ name: String, _ values: [Float], shape: [Int] = []) -> ValueID {
            graph.addConstant(name: name, Tensor(shape: shape, floats: values))
        }

        mutating func node(_ operation: EdgeIR.Operation, _ inputs: [ValueID?]) -> ValueID {
            let output = graph.addValue(name: "v\(graph.values.count)")
            graph.nodes.append(Node(name: "n\(graph.nodes.count)", operation: operation, inputs: inputs, outputs: [output]))
            return output
        }

        mutating func add(_ a: ValueID, _ b: ValueID) -> ValueID { node(.binary(.add, activation: nil), [a, b]) }
        mutating func mul(_ a: ValueID, _ b: ValueID) -> ValueID { node(.binary(.mul, activation: nil), [a, b]) }
        mutating func div(_ a: ValueID, _ b: ValueID) -> ValueID { node(.binary(.div, activation: nil), [a, b]) }
        mutating func relu6(_ a: ValueID) -> ValueID { node(.unary(.clip(min: 0, max: 6)), [a]) }
        mutating func unary(_ function: UnaryOperator, _ a: ValueID) -> ValueID { node(.unary(function), [a]) }
        /// `a · b` or `b · a`.
        mutating func mul(_ a: ValueID, _ b: ValueID, swapped: Bool) -> ValueID { swapped ? mul(b, a) : mul(a, b) }
    }

    /// Runs the graph as written (analyze) and prepared (fused) on `input`; returns the prepared
    /// graph's node kinds and the largest difference.
    static func compare(_ graph: Graph, _ input: Tensor) throws -> (kinds: [String], difference: Float) {
        let asWritten = try ReferenceExecutor(graph: try StandardPipeline.analyze(graph)).run(["x": input])
        let prepared = try StandardPipeline.prepare(graph)
        let fused = try ReferenceExecutor(graph: prepared).run(["x": input])
        let name = prepared.name(of: prepared.outputs[0])
        let difference = zip(asWritten[name]!.floats!, fused[name]!.floats!).map { abs($0 - $1) }.max() ?? 0
        return (prepared.nodes.map(\.operation.kindName), difference)
    }

    static let ramp = Tensor(shape: [2, 3, 2, 2], floats: (0..<24).map { Float($0) * 0.5 - 6 })

    /// Every spelling of HardSwish becomes one HardSwish node.
    @Test(arguments: 0..<6)
    func hardSwishSpellings(_ spelling: Int) throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let three = b.constant("three", [3]), six = b.constant("six", [6]), sixth = b.constant("sixth", [1.0 / 6])
        let clip = b.relu6(spelling % 2 == 0 ? b.add(b.x, three) : b.add(three, b.x))
        let y: ValueID
        switch spelling {
        case 0: y = b.div(b.mul(b.x, clip), six)
        case 1: y = b.div(b.mul(clip, b.x), six)
        case 2: y = b.mul(b.mul(b.x, clip), sixth)
        case 3: y = b.mul(sixth, b.mul(clip, b.x))
        case 4: y = b.mul(b.x, b.div(clip, six))
        default: y = b.mul(b.mul(clip, sixth), b.x)
        }
        b.graph.outputs = [y]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["HardSwish"], "spelling \(spelling): \(kinds)")
        #expect(difference <= 1e-6, "spelling \(spelling): \(difference)")
    }

    /// HardSigmoid written `clip(x + 3, 0, 6) / 6` or `· (1/6)` becomes one HardSigmoid; x times
    /// it, one HardSwish.
    @Test(arguments: 0..<4)
    func hardSigmoidSpellings(_ spelling: Int) throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let three = b.constant("three", [3]), six = b.constant("six", [6]), sixth = b.constant("sixth", [1.0 / 6])
        let clip = b.relu6(b.add(b.x, three))
        let gate = spelling % 2 == 0 ? b.div(clip, six) : b.mul(clip, sixth, swapped: true)
        b.graph.outputs = [spelling < 2 ? gate : b.mul(gate, b.x)]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == [spelling < 2 ? "HardSigmoid" : "HardSwish"], "spelling \(spelling): \(kinds)")
        #expect(difference <= 1e-6, "spelling \(spelling): \(difference)")
    }

    /// `x · sigmoid(x)` in either order becomes one SiLU; `x · sigmoid(y)` does not.
    @Test func siluSpellings() throws {
        for swapped in [false, true] {
            var b = Builder(shape: [2, 3, 2, 2])
            b.graph.outputs = [b.mul(b.x, b.unary(.sigmoid, b.x), swapped: swapped)]
            let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
            #expect(kinds == ["SiLU"], "\(kinds)")
            #expect(difference == 0, "\(difference)")
        }
        var b = Builder(shape: [2, 3, 2, 2])
        b.graph.outputs = [b.mul(b.x, b.unary(.sigmoid, b.unary(.neg, b.x)))]
        #expect(try Self.compare(b.graph, Self.ramp).kinds == ["Neg", "Sigmoid", "Mul"])
    }

    /// GELU as exporters before opset 20 write it — exact (erf of x/√2 or x·(1/√2)) and the tanh
    /// approximation (x³ as Pow or x·x·x), the halving on the product (·0.5 or /2), on x or on the
    /// gate — becomes one Gelu node of the right form.
    @Test(arguments: 0..<16)
    func geluSpellings(_ spelling: Int) throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let exact = spelling < 8, variant = spelling % 2 == 1, halving = (spelling / 2) % 4
        let one = b.constant("one", [1]), half = b.constant("half", [0.5]), two = b.constant("two", [2])
        let inner: ValueID
        if exact {
            let scaled = variant ? b.mul(b.x, b.constant("inverse_root_two", [0.70710678]), swapped: true) : b.div(b.x, b.constant("root_two", [1.4142135]))
            inner = b.unary(.erf, scaled)
        } else {
            let cube = variant ? b.mul(b.mul(b.x, b.x), b.x) : b.node(.binary(.pow, activation: nil), [b.x, b.constant("three", [3])])
            let sum = b.add(b.x, b.mul(b.constant("cubic", [0.044715]), cube))
            inner = b.unary(.tanh, b.mul(sum, b.constant("scale", [0.7978845608])))
        }
        let gate = b.add(one, inner)
        let y: ValueID
        switch halving {
        case 0: y = b.mul(b.mul(b.x, gate), half)
        case 1: y = b.div(b.mul(gate, b.x), two)
        case 2: y = b.mul(b.mul(half, b.x), gate)
        default: y = b.mul(b.x, b.mul(gate, half))
        }
        b.graph.outputs = [y]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["Gelu"], "spelling \(spelling): \(kinds)")
        #expect(difference <= 2e-6 * 6, "spelling \(spelling): \(difference)")
        let prepared = try StandardPipeline.prepare(b.graph)
        #expect(prepared.nodes.first?.operation == .unary(.gelu(tanhApproximation: !exact)), "spelling \(spelling)")
    }

    /// A clamp after a fused clamp becomes one clamp (Relu then Clip(-1, 3) is Clip(0, 3)); two
    /// clamps whose ranges do not meet stay two nodes.
    @Test func clampsAfterClampsCompose() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        b.graph.outputs = [b.unary(.clip(min: -1, max: 3), b.unary(.relu, b.add(b.x, b.x)))]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["Add"] && difference == 0, "\(kinds) \(difference)")
        #expect(try StandardPipeline.prepare(b.graph).nodes.first?.operation == .binary(.add, activation: .clip(min: 0, max: 3)))

        var c = Builder(shape: [2, 3, 2, 2])
        c.graph.outputs = [c.unary(.clip(min: 0, max: 1), c.unary(.clip(min: 4, max: 6), c.add(c.x, c.x)))]
        let (apart, gap) = try Self.compare(c.graph, Self.ramp)
        #expect(apart == ["Add", "Clip"] && gap == 0, "\(apart) \(gap)")
    }

    /// Not HardSwish: the clip is read elsewhere too, or the constant is not 3.
    @Test func lookalikesStay() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let three = b.constant("three", [3]), six = b.constant("six", [6])
        let clip = b.relu6(b.add(b.x, three))
        b.graph.outputs = [b.div(b.mul(b.x, clip), six), clip]
        #expect(try StandardPipeline.prepare(b.graph).nodes.map(\.operation.kindName).contains("Div"))

        var c = Builder(shape: [2, 3, 2, 2])
        let four = c.constant("four", [4]), six2 = c.constant("six", [6])
        c.graph.outputs = [c.div(c.mul(c.x, c.relu6(c.add(c.x, four))), six2)]
        #expect(!(try StandardPipeline.prepare(c.graph).nodes.map(\.operation.kindName).contains("HardSwish")))
    }

    /// SiLU (written x · sigmoid(x)) and Sigmoid after a Conv become the Conv's fused activation,
    /// as Relu does; before int8 calibration (clamps only) they stay apart, to become lookup tables.
    @Test func logisticActivationsFuseIntoTheConvolution() throws {
        for silu in [true, false] {
            var b = Builder(shape: [2, 3, 2, 2])
            let w = b.constant("w", (0..<12).map { Float($0) * 0.3 - 1.5 }, shape: [4, 3, 1, 1])
            let conv = b.node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), [b.x, w])
            let gate = b.unary(.sigmoid, conv)
            b.graph.outputs = [silu ? b.mul(conv, gate) : gate]
            let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
            #expect(kinds == ["Conv"], "\(kinds)")
            #expect(difference <= 1e-6, "\(difference)")
            let fused = try StandardPipeline.prepare(b.graph).nodes[0].operation.fusedActivation
            #expect(fused == (silu ? .silu : .sigmoid))
            let calibrated = try StandardPipeline.prepare(b.graph, fuseClampsOnly: true).nodes.map(\.operation.kindName)
            #expect(calibrated == ["Conv", silu ? "SiLU" : "Sigmoid"], "\(calibrated)")
        }
    }

    /// Conv without bias + Add of a [1,C,1,1] constant, and Gemm with C + Add of a row: biases.
    @Test func addOfAPerChannelConstantBecomesTheBias() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let w = b.constant("w", (0..<12).map { Float($0) * 0.1 - 0.5 }, shape: [4, 3, 1, 1])
        let conv = b.node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), [b.x, w])
        let shift = b.constant("shift", [0.5, -1, 2, 0.25], shape: [1, 4, 1, 1])
        b.graph.outputs = [b.node(.unary(.relu), [b.add(shift, conv)])]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["Conv"], "\(kinds)")
        #expect(difference <= 1e-5)

        var g = Builder(shape: [2, 3])
        let weights = g.constant("w", [1, 2, 3, 4, 5, 6], shape: [3, 2]), c = g.constant("c", [0.5, 0.5], shape: [2])
        let gemm = g.node(.gemm(Gemm(beta: 2)), [g.x, weights, c])
        g.graph.outputs = [g.add(gemm, g.constant("row", [1, -1], shape: [1, 2]))]
        let result = try Self.compare(g.graph, Tensor(shape: [2, 3], floats: [1, -2, 3, 0.5, 0, -1]))
        #expect(result.kinds == ["Gemm"], "\(result.kinds)")
        #expect(result.difference <= 1e-5)
    }

    /// Per-channel factors after a weighted layer fold into its weights and bias: a Conv with a bias
    /// divided, shifted and multiplied (in either operand order, with negative factors); a grouped
    /// ConvTranspose times a factor; a Gemm divided by a row. A factor along another axis, or a zero
    /// divisor, stays.
    @Test func perChannelFactorsFoldIntoWeights() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let w = b.constant("w", (0..<12).map { Float($0) * 0.1 - 0.5 }, shape: [4, 3, 1, 1])
        let conv = b.node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), [b.x, w, b.constant("bias", [0.1, 0.2, -0.3, 0.4], shape: [4])])
        let divided = b.div(conv, b.constant("d", [2, -0.5, 4, 1], shape: [1, 4, 1, 1]))
        let shifted = b.add(divided, b.constant("shift", [0.5, -1, 2, 0.25], shape: [1, 4, 1, 1]))
        b.graph.outputs = [b.mul(b.constant("m", [3, 1, -2, 0.5], shape: [4, 1, 1]), shifted)]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["Conv"], "\(kinds)")
        #expect(difference <= 1e-5)

        var t = Builder(shape: [2, 4, 2, 2])
        let tw = t.constant("w", (0..<16).map { Float($0) * 0.1 - 0.7 }, shape: [4, 2, 1, 2])
        let transposed = t.node(.convTranspose(ConvolutionTranspose(group: 2, strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0], outputPadding: [0, 0],
                                                                    outputShape: nil, autoPad: .explicit)), [t.x, tw])
        t.graph.outputs = [t.mul(transposed, t.constant("m", [1, -2, 3, 0.5], shape: [1, 4, 1, 1]))]
        let grouped = try Self.compare(t.graph, Tensor(shape: [2, 4, 2, 2], floats: (0..<32).map { Float($0) * 0.25 - 4 }))
        #expect(grouped.kinds == ["ConvTranspose"], "\(grouped.kinds)")
        #expect(grouped.difference <= 1e-5)

        var g = Builder(shape: [2, 3])
        let gemm = g.node(.gemm(Gemm(beta: 2, transposeB: true)), [g.x, g.constant("w", [1, 2, 3, 4, 5, 6], shape: [2, 3]), g.constant("c", [0.5, -0.5], shape: [2])])
        g.graph.outputs = [g.div(gemm, g.constant("row", [4, -0.25], shape: [1, 2]))]
        let row = try Self.compare(g.graph, Tensor(shape: [2, 3], floats: [1, -2, 3, 0.5, 0, -1]))
        #expect(row.kinds == ["Gemm"], "\(row.kinds)")
        #expect(row.difference <= 1e-5)

        for (factor, shape) in [([Float](arrayLiteral: 1, 3), [1, 1, 1, 2]), ([2, 0, 1, 1], [1, 4, 1, 1])] {
            var c = Builder(shape: [2, 3, 2, 2])
            let conv = c.node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), [c.x, c.constant("w", (0..<12).map(Float.init), shape: [4, 3, 1, 1])])
            c.graph.outputs = [c.div(conv, c.constant("d", factor, shape: shape))]
            #expect(try StandardPipeline.prepare(c.graph).nodes.map(\.operation.kindName) == ["Conv", "Div"])
        }
    }

    /// A zero Pad of the spatial axes in front of a Conv becomes the Conv's padding (added to its
    /// own); a Pad with another value, or of the channel axis, stays.
    @Test func padIntoConvolution() throws {
        func padded(_ pads: [Int64], value: Float? = nil, axes: [Int64]? = nil) throws -> (kinds: [String], difference: Float) {
            var b = Builder(shape: [2, 3, 2, 2])
            let padValues = b.graph.addConstant(name: "pads", Tensor(shape: [pads.count], storage: .int64(pads)))
            let fill = value.map { b.constant("value", [$0]) }
            let axisValues = axes.map { b.graph.addConstant(name: "axes", Tensor(shape: [$0.count], storage: .int64($0))) }
            let pad = b.node(.pad(mode: .constant), [b.x, padValues, fill ?? (axisValues == nil ? nil : b.constant("zero", [0])), axisValues])
            let w = b.constant("w", (0..<54).map { Float($0) * 0.05 - 1 }, shape: [2, 3, 3, 3])
            b.graph.outputs = [b.node(.conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [1, 0, 0, 1])), [pad, w])]
            return try Self.compare(b.graph, Self.ramp)
        }
        let fused = try padded([0, 0, 1, 2, 0, 0, 2, 1])
        #expect(fused.kinds == ["Conv"], "\(fused.kinds)")
        #expect(fused.difference <= 1e-5)
        let zero = try padded([0, 0, 1, 1, 0, 0, 1, 1], value: 0)
        #expect(zero.kinds == ["Conv"] && zero.difference <= 1e-5, "\(zero)")
        // Opset 18's axes input, negative axes included.
        let alongAxes = try padded([2, 1, 0, 1], axes: [-1, 2])
        #expect(alongAxes.kinds == ["Conv"] && alongAxes.difference <= 1e-5, "\(alongAxes)")
        #expect(try padded([0, 0, 1, 1, 0, 0, 1, 1], value: 1).kinds == ["Pad", "Conv"])
        #expect(try padded([0, 0, 1, -1, 0, 0, 1, 1]).kinds.contains("Pad"), "a crop stays a Pad")
        #expect(try padded([1, 0, 1, 1, 0, 0, 1, 1]).kinds.contains("Pad"))
    }

    /// Sub of a float constant becomes Add, Div by powers of two Mul; a division by zero, or by a
    /// constant whose reciprocal is not exact, stays.
    @Test func constantSubtractAndDivide() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let shifted = b.node(.binary(.sub, activation: nil), [b.x, b.constant("c", [0.5, -1, 2], shape: [3, 1, 1])])
        b.graph.outputs = [b.div(shifted, b.constant("d", [4, -0.25], shape: [2]))]
        let (kinds, difference) = try Self.compare(b.graph, Self.ramp)
        #expect(kinds == ["Add", "Mul"], "\(kinds)")
        #expect(difference <= 1e-5)

        for divisor: [Float] in [[1, 0], [1, 3]] {
            var z = Builder(shape: [2, 3, 2, 2])
            z.graph.outputs = [z.div(z.x, z.constant("d", divisor, shape: [2]))]
            #expect(try StandardPipeline.prepare(z.graph).nodes.map(\.operation.kindName) == ["Div"])
        }
    }

    /// Transposes that cancel disappear, two that do not become one; a Reshape of a Reshape is one
    /// Reshape, and a Reshape to the shape it has disappears.
    @Test func layoutPairs() throws {
        var b = Builder(shape: [2, 3, 2, 2])
        let toChannelsLast = b.node(.transpose(permutation: [0, 2, 3, 1]), [b.x])
        b.graph.outputs = [b.node(.unary(.relu), [b.node(.transpose(permutation: [0, 3, 1, 2]), [toChannelsLast])])]
        let cancelled = try Self.compare(b.graph, Self.ramp)
        #expect(cancelled.kinds == ["Relu"] && cancelled.difference == 0, "\(cancelled)")

        var t = Builder(shape: [2, 3, 2, 2])
        t.graph.outputs = [t.node(.transpose(permutation: nil), [t.node(.transpose(permutation: [0, 2, 3, 1]), [t.x])])]
        let combined = try Self.compare(t.graph, Self.ramp)
        #expect(combined.kinds == ["Transpose"] && combined.difference == 0, "\(combined)")

        var r = Builder(shape: [2, 3, 2, 2])
        func shape(_ dims: [Int64]) -> ValueID { r.graph.addConstant(name: "s\(r.graph.values.count)", Tensor(shape: [dims.count], storage: .int64(dims))) }
        let flat = r.node(.reshape(allowZero: false), [r.x, shape([6, 4])])
        let again = r.node(.reshape(allowZero: false), [flat, shape([0, -1, 2])])
        let same = r.node(.reshape(allowZero: false), [r.node(.unary(.relu), [again]), shape([6, 2, 2])])
        r.graph.outputs = [r.node(.unary(.neg), [same])]
        let reshaped = try Self.compare(r.graph, Self.ramp)
        #expect(reshaped.kinds == ["Reshape", "Relu", "Neg"] && reshaped.difference == 0, "\(reshaped)")
    }

    /// MatMul(2-D, constant) + Add(row) becomes Gemm; a 3-D MatMul stays.
    @Test func matMulAddBecomesGemm() throws {
        var b = Builder(shape: [2, 3])
        let w = b.constant("w", [1, 0, -1, 2, 0.5, 1], shape: [3, 2])
        b.graph.outputs = [b.add(b.node(.matMul(activation: nil), [b.x, w]), b.constant("row", [0.25, -0.75], shape: [2]))]
        let (kinds, difference) = try Self.compare(b.graph, Tensor(shape: [2, 3], floats: [1, -2, 3, 0.5, 0, -1]))
        #expect(kinds == ["Gemm"], "\(kinds)")
        #expect(difference <= 1e-5)

        var c = Builder(shape: [2, 2, 3])
        let w3 = c.constant("w", [1, 0, -1, 2, 0.5, 1], shape: [3, 2])
        c.graph.outputs = [c.add(c.node(.matMul(activation: nil), [c.x, w3]), c.constant("row", [0.25, -0.75], shape: [2]))]
        #expect(try StandardPipeline.prepare(c.graph).nodes.map(\.operation.kindName).contains("MatMul"))
    }
}
