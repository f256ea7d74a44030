import EdgeIR

/// Rewrites the elementwise spellings exporters write into the operators they mean, so that
/// quantization sees one node (a HardSwish runs as one int8 lookup table, not five float ops
/// with quantize/dequantize around them) and the runtime one kernel:
///
/// - HardSwish written `x · clip(x + 3, 0, 6) / 6` (paddle2onnx, older PyTorch exports), in every
///   operand order, with Div by 6 or Mul by 1/6, the scaling on the product or on the clip;
/// - HardSigmoid written `clip(x + 3, 0, 6) / 6` (or `· (1/6)`), and x times that: HardSwish;
/// - SiLU (Swish) written `x · sigmoid(x)` (YOLOv8, EfficientNet), in either order;
/// - GELU written with its formula by exporters before opset 20: `x · (1 + erf(x / √2)) / 2`
///   with the division by √2 or multiplication by 1/√2, the halving anywhere in the product,
///   and the tanh approximation `x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) / 2` with x³ as
///   Pow(x, 3) or x · x · x;
/// - Conv, ConvTranspose and Gemm followed by the Add of a per-channel constant: a bias; followed
///   by a Mul or Div by one: the factor folded into weights and bias;
/// - MatMul of a 2-D input and a constant followed by the Add of a constant row: a Gemm.
public struct FuseExporterPatterns: Pass {
    public let name = "fuse-exporter-patterns"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        try RewriteDriver(Self.hardSwishRules + Self.hardSigmoidRules + [Self.siluRule] + Self.geluRules + [Self.biasRule] + Self.channelScaleRules + [Self.matMulAddRule]).run(graph)
    }

    // MARK: HardSwish

    /// clip(x + 3, 0, 6), read only by the expression being matched.
    static let relu6OfXPlus3 = Pattern.node("clip", .unary(.clip(min: 0, max: 6)), [
        .node("add", .binary(.add, activation: nil), commutative: true, [.value("x"), .scalar("three", 3)], singleUse: true),
    ], singleUse: true)

    static let multiply = Operation.binary(.mul, activation: nil)
    static let divide = Operation.binary(.div, activation: nil)

    static var hardSwishRules: [RewriteRule] {
        let product = Pattern.node("product", multiply, commutative: true, [.value("x"), relu6OfXPlus3], singleUse: true)
        let patterns: [Pattern] = [
            // (x · clip(x + 3, 0, 6)) / 6
            .node("root", divide, [product, .scalar("six", 6)]),
            // (x · clip(x + 3, 0, 6)) · (1/6)
            .node("root", multiply, commutative: true, [product, .scalar("sixth", 1.0 / 6, tolerance: 1e-5)]),
            // x · (clip(x + 3, 0, 6) / 6)
            .node("root", multiply, commutative: true, [.value("x"), .node("scaled", divide, [relu6OfXPlus3, .scalar("six", 6)], singleUse: true)]),
            // x · (clip(x + 3, 0, 6) · (1/6))
            .node("root", multiply, commutative: true, [.value("x"), .node("scaled", multiply, commutative: true,
                                                                          [relu6OfXPlus3, .scalar("sixth", 1.0 / 6, tolerance: 1e-5)], singleUse: true)]),
        ]
        return patterns.map { unaryRule("hard-swish", $0, .hardSwish) }
    }

    /// The rewrite of a matched root into `function` of the captured x, when x is float32 and
    /// of the root's own type (no broadcast hides in the pattern).
    static func unaryRule(_ name: String, _ pattern: Pattern, _ function: UnaryOperator) -> RewriteRule {
        RewriteRule(name, pattern) { site in
            let x = site.match.value("x")
            guard site.graph.type(of: x)?.dtype == .float32, site.graph.type(of: x) == site.graph.type(of: site.rootNode.outputs[0]) else { return false }
            site.updateRoot(operation: .unary(function), inputs: [x])
            return true
        }
    }

    // MARK: HardSigmoid

    /// ONNX's HardSigmoid with the constants HardSwish uses: clamp(x/6 + 1/2, 0, 1).
    static let sixthPlusHalf = UnaryOperator.hardSigmoid(alpha: 1.0 / 6, beta: 0.5)

    static var hardSigmoidRules: [RewriteRule] {
        let patterns: [Pattern] = [
            // clip(x + 3, 0, 6) / 6
            .node("root", divide, [relu6OfXPlus3, .scalar("six", 6)]),
            // clip(x + 3, 0, 6) · (1/6)
            .node("root", multiply, commutative: true, [relu6OfXPlus3, .scalar("sixth", 1.0 / 6, tolerance: 1e-5)]),
        ]
        // x · hardsigmoid(x): the HardSwish the rules above leave when the scaling sat on the clip.
        let hardSwish = Pattern.node("root", multiply, commutative: true, [.value("x"), .node("gate", .unary(sixthPlusHalf), [.value("x")], singleUse: true)])
        return patterns.map { unaryRule("hard-sigmoid", $0, sixthPlusHalf) } + [unaryRule("hard-swish", hardSwish, .hardSwish)]
    }

    // MARK: SiLU

    static let siluRule = unaryRule("silu", .node("root", multiply, commutative: true, [
        .value("x"), .node("sigmoid", .unary(.sigmoid), [.value("x")], singleUse: true),
    ]), .silu)

    // MARK: GELU

    static var geluRules: [RewriteRule] {
        let add = Operation.binary(.add, activation: nil)
        // erf(x / √2) or erf(x · (1/√2)), plus one.
        let erfArguments: [Pattern] = [
            .node("scaled", divide, [.value("x"), .scalar("root_two", 1.4142135, tolerance: 1e-5)], singleUse: true),
            .node("scaled", multiply, commutative: true, [.value("x"), .scalar("inverse_root_two", 0.70710678, tolerance: 1e-5)], singleUse: true),
        ]
        let exactGates = erfArguments.map { argument in
            Pattern.node("gate", add, commutative: true, [.node("erf", .unary(.erf), [argument], singleUse: true), .scalar("one", 1)], singleUse: true)
        }
        // tanh(√(2/π) · (x + 0.044715 · x³)), plus one; x³ as Pow(x, 3) or (x · x) · x.
        let cubes: [Pattern] = [
            .node("cube", .binary(.pow, activation: nil), [.value("x"), .scalar("three", 3)], singleUse: true),
            .node("cube", multiply, commutative: true, [.node("square", multiply, [.value("x"), .value("x")], singleUse: true), .value("x")], singleUse: true),
        ]
        let tanhGates = cubes.map { cube in
            let inner = Pattern.node("inner", add, commutative: true, [
                .value("x"), .node("scaled_cube", multiply, commutative: true, [cube, .scalar("cubic", 0.044715, tolerance: 1e-5)], singleUse: true),
            ], singleUse: true)
            let argument = Pattern.node("argument", multiply, commutative: true, [inner, .scalar("scale", 0.7978845608, tolerance: 1e-5)], singleUse: true)
            return Pattern.node("gate", add, commutative: true, [.node("tanh", .unary(.tanh), [argument], singleUse: true), .scalar("one", 1)], singleUse: true)
        }
        // x · gate / 2 with the halving on the product, on x or on the gate.
        func halvings(_ gate: Pattern) -> [Pattern] {
            let half = Pattern.scalar("half", 0.5)
            return [
                .node("root", multiply, commutative: true, [.node("product", multiply, commutative: true, [.value("x"), gate], singleUse: true), half]),
                .node("root", divide, [.node("product", multiply, commutative: true, [.value("x"), gate], singleUse: true), .scalar("two", 2)]),
                .node("root", multiply, commutative: true, [.node("half_x", multiply, commutative: true, [.value("x"), half], singleUse: true), gate]),
                .node("root", multiply, commutative: true, [.value("x"), .node("half_gate", multiply, commutative: true, [gate, half], singleUse: true)]),
            ]
        }
        return exactGates.flatMap(halvings).map { unaryRule("gelu", $0, .gelu(tanhApproximation: false)) }
            + tanhGates.flatMap(halvings).map { unaryRule("gelu-tanh", $0, .gelu(tanhApproximation: true)) }
    }

    // MARK: Bias and channel scales

    static let biasRule = RewriteRule("bias", .node("add", .binary(.add, activation: nil), commutative: true, [
        OutputChannels.producer, .constant("constant", where: { $0.dtype == .float32 }),
    ])) { site in
        let producer = site.graph.nodes[site.match.node("producer")]
        guard let outputShape = site.graph.type(of: site.match.value("producer"))?.shape, outputShape == site.graph.type(of: site.rootNode.outputs[0])?.shape,
              let added = OutputChannels.perChannel(site.graph.constants[site.match.value("constant")]!, outputShape: outputShape),
              let existing = OutputChannels.bias(of: producer, in: site.graph) else { return false }
        let bias = site.graph.addConstant(name: producer.name + ".bias", Tensor(shape: [added.count], floats: zip(existing.values, added).map(+)))
        site.absorbRoot(into: "producer", operation: existing.operation, inputs: [producer.input(0), producer.input(1), bias])
        return true
    }

    /// A Mul or Div of the layer's output by a per-channel constant: the weights and bias take the
    /// factor (PyTorch's QAT export divides a Conv-BatchNorm's convolution by the folded scale).
    static let channelScaleRules: [RewriteRule] = [
        RewriteRule("channel-scale", .node("mul", multiply, commutative: true, [OutputChannels.producer, .constant("factor", where: { $0.dtype == .float32 })])) {
            try scaleChannels(&$0, by: { $0 })
        },
        RewriteRule("channel-divide", .node("div", divide, [OutputChannels.producer, .constant("factor", where: { $0.dtype == .float32 })])) {
            try scaleChannels(&$0, by: { 1 / $0 })
        },
    ]

    static func scaleChannels(_ site: inout RewriteSite, by factor: (Float) -> Float) throws -> Bool {
        let producer = site.graph.nodes[site.match.node("producer")]
        guard let outputShape = site.graph.type(of: site.match.value("producer"))?.shape, outputShape == site.graph.type(of: site.rootNode.outputs[0])?.shape,
              let constant = OutputChannels.perChannel(site.graph.constants[site.match.value("factor")]!, outputShape: outputShape),
              case let scale = constant.map(factor), scale.allSatisfy({ $0.isFinite && $0 != 0 }),
              let bias = OutputChannels.bias(of: producer, in: site.graph),
              let weights = OutputChannels.scaledWeights(of: producer, by: scale, in: &site.graph) else { return false }
        let scaledBias = site.graph.addConstant(name: producer.name + ".bias", Tensor(shape: [scale.count], floats: zip(bias.values, scale).map(*)))
        site.absorbRoot(into: "producer", operation: bias.operation, inputs: [producer.input(0), weights, scaledBias])
        return true
    }

    // MARK: MatMul + Add

    static let matMulAddRule = RewriteRule("matmul-add-as-gemm", .node("add", .binary(.add, activation: nil), commutative: true, [
        .node("product", .matMul(activation: nil), [.value("a"), .constant("b", where: { $0.dtype == .float32 && $0.rank == 2 })], singleUse: true),
        .constant("row", where: { $0.dtype == .float32 }),
    ])) { site in
        guard let a = site.graph.type(of: site.match.value("a")), a.shape.count == 2,
              let outputShape = site.graph.type(of: site.match.value("product"))?.shape,
              outputShape == site.graph.type(of: site.rootNode.outputs[0])?.shape,
              let row = OutputChannels.perChannel(site.graph.constants[site.match.value("row")]!, outputShape: outputShape) else { return false }
        let bias = site.graph.addConstant(name: site.rootNode.name + ".bias", Tensor(shape: [row.count], floats: row))
        site.absorbRoot(into: "product", operation: .gemm(Gemm()), inputs: [site.match.value("a"), site.match.value("b"), bias])
        return true
    }
}
