import EdgeIR

/// Rewrites the elementwise spellings exporters write into the operators they mean, so that
/// quantization sees one node (a HardSwish runs as one int8 lookup table, not five float ops
/// with quantize/dequantize around them) and the runtime one kernel:
///
/// - HardSwish written `x · clip(x + 3, 0, 6) / 6` (paddle2onnx, older PyTorch exports), in every
///   operand order, with Div by 6 or Mul by 1/6, the scaling on the product or on the clip;
/// - Conv, ConvTranspose and Gemm followed by the Add of a per-channel constant: a bias;
/// - MatMul of a 2-D input and a constant followed by the Add of a constant row: a Gemm.
public struct FuseExporterPatterns: Pass {
    public let name = "fuse-exporter-patterns"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        try RewriteDriver(Self.hardSwishRules + [Self.biasRule, Self.matMulAddRule]).run(graph)
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
        return patterns.map { pattern in
            RewriteRule("hard-swish", pattern) { site in
                let x = site.match.value("x")
                guard site.graph.type(of: x)?.dtype == .float32, site.graph.type(of: x) == site.graph.type(of: site.rootNode.outputs[0]) else { return false }
                site.updateRoot(operation: .unary(.hardSwish), inputs: [x])
                return true
            }
        }
    }

    // MARK: Bias

    /// The producer's output channels when `constant` adds one value per channel (or one value)
    /// to its output `shape`: [C], [C,1,...], [1,C,1,...] for Conv; [N] or [1,N] for Gemm.
    static func perChannel(_ constant: Tensor, outputShape: [Int], channelAxis: Int) -> [Float]? {
        guard let values = constant.floats, channelAxis < outputShape.count else { return nil }
        let channels = outputShape[channelAxis]
        if values.count == 1 { return Array(repeating: values[0], count: channels) }
        guard values.count == channels, Shapes.broadcast(outputShape, constant.shape) == outputShape else { return nil }
        // The one non-1 dimension must line up with the channel axis once right-aligned.
        let aligned = Array(repeating: 1, count: outputShape.count - constant.shape.count) + constant.shape
        return aligned.enumerated().allSatisfy({ $0.offset == channelAxis || $0.element == 1 }) ? values : nil
    }

    static let biasRule = RewriteRule("bias", .node("add", .binary(.add, activation: nil), commutative: true, [
        .node("producer", operation: { ["Conv", "ConvTranspose", "Gemm"].contains($0.kindName) && $0.fusedActivation == nil },
              operands: [], commutative: false, singleUse: true),
        .constant("constant", where: { $0.dtype == .float32 }),
    ])) { site in
        let producer = site.graph.nodes[site.match.node("producer")]
        guard let outputShape = site.graph.type(of: site.match.value("producer"))?.shape, outputShape == site.graph.type(of: site.rootNode.outputs[0])?.shape,
              let added = perChannel(site.graph.constants[site.match.value("constant")]!, outputShape: outputShape,
                                     channelAxis: 1) else { return false }
        var existing = [Float](repeating: 0, count: added.count)
        var operation = producer.operation
        if let bias = producer.input(2) {
            guard let tensor = site.graph.constants[bias], let values = perChannel(tensor, outputShape: outputShape, channelAxis: 1) else { return false }
            existing = values
            if case .gemm(var g) = operation {
                // Gemm scales C by beta: fold beta in, so the new bias is plain.
                existing = existing.map { $0 * g.beta }
                g.beta = 1
                operation = .gemm(g)
            }
        } else if case .gemm(var g) = operation {
            g.beta = 1
            operation = .gemm(g)
        }
        let bias = site.graph.addConstant(name: producer.name + ".bias", Tensor(shape: [added.count], floats: zip(existing, added).map(+)))
        site.absorbRoot(into: "producer", operation: operation, inputs: [producer.input(0), producer.input(1), bias])
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
              let row = perChannel(site.graph.constants[site.match.value("row")]!, outputShape: outputShape, channelAxis: 1) else { return false }
        let bias = site.graph.addConstant(name: site.rootNode.name + ".bias", Tensor(shape: [row.count], floats: row))
        site.absorbRoot(into: "product", operation: .gemm(Gemm()), inputs: [site.match.value("a"), site.match.value("b"), bias])
        return true
    }
}
