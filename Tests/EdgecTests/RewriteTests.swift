import EdgeCompress
import EdgeExec
import EdgeIR
import EdgeONNX
import EdgeOperators
import EdgePasses
import Foundation
import Testing

/// The rewrite engine (patterns, commutative operands, constant predicates, single use, a driver
/// to a fixed point), the pipelines built on it, and the type verifier that checks every pass.
@Suite("Rewrite engine and verifiers")
struct RewriteTests {
    /// y = x * sigmoid(x) written as Mul(Sigmoid(x), x): the operands in the other order.
    func swishGraph(sigmoidAlsoOutput: Bool = false) -> Graph {
        var graph = Graph(name: "swish")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: [.fixed(2), .fixed(3)])]
        let s = graph.addValue(name: "s"), y = graph.addValue(name: "y")
        graph.nodes = [
            Node(name: "sigmoid", operation: .unary(.sigmoid), inputs: [x], outputs: [s]),
            Node(name: "mul", operation: .binary(.mul, activation: nil), inputs: [s, x], outputs: [y]),
        ]
        graph.outputs = sigmoidAlsoOutput ? [y, s] : [y]
        return graph
    }

    static let silu = Pattern.node("mul", .binary(.mul, activation: nil), commutative: true,
                                   [.value("x"), .node("sigmoid", .unary(.sigmoid), [.value("x")], singleUse: true)])

    @Test func commutativePatternsMatchEitherOperandOrder() throws {
        let graph = swishGraph()
        let match = try #require(PatternMatcher(graph).match(Self.silu, at: 1))
        #expect(match.value("x") == 0 && match.node("sigmoid") == 0)
        let ordered = Pattern.node("mul", .binary(.mul, activation: nil), [.value("x"), .node("sigmoid", .unary(.sigmoid), [.value("x")])])
        #expect(PatternMatcher(graph).match(ordered, at: 1) == nil, "without commutativity the order counts")
    }

    @Test func singleUseRefusesAValueReadElsewhere() {
        #expect(PatternMatcher(swishGraph(sigmoidAlsoOutput: true)).match(Self.silu, at: 1) == nil)
    }

    @Test func constantPredicatesSelectTheConstant() {
        var graph = Graph(name: "scale")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: [.fixed(4)])]
        let six = graph.addConstant(name: "six", Tensor(shape: [], floats: [6]))
        let y = graph.addValue(name: "y")
        graph.nodes = [Node(name: "div", operation: .binary(.div, activation: nil), inputs: [x, six], outputs: [y])]
        graph.outputs = [y]
        #expect(PatternMatcher(graph).match(.node("div", .binary(.div, activation: nil), [.value("x"), .scalar("c", 6)]), at: 0) != nil)
        #expect(PatternMatcher(graph).match(.node("div", .binary(.div, activation: nil), [.value("x"), .scalar("c", 3)]), at: 0) == nil)
    }

    /// A rule applied to a fixed point: x·sigmoid(x) becomes one node, the Sigmoid disappears, and
    /// the result computes the same numbers.
    @Test func driverRewritesToAFixedPointAndKeepsTheResult() throws {
        let rule = RewriteRule("silu-as-hard-expression", Self.silu) { site in
            // Stand-in rewrite for the test: x·sigmoid(x) → Mul(x, Sigmoid(x)) computed by one Mul whose
            // second operand is recomputed in place, to exercise replaceRoot and dead-match removal.
            let x = site.match.value("x")
            let root = site.rootNode
            let sigmoid = site.graph.addValue(name: "sigmoid.again", type: site.graph.type(of: x))
            site.replaceRoot(with: [
                Node(name: "sigmoid.again", operation: .unary(.sigmoid), inputs: [x], outputs: [sigmoid]),
                Node(name: root.name + ".rewritten", operation: .binary(.mul, activation: nil), inputs: [x, sigmoid], outputs: root.outputs),
            ])
            return root.name == "mul"
        }
        let rewritten = try RewriteDriver([rule]).run(try StandardPipeline.analyze(swishGraph()))
        #expect(rewritten.nodes.map(\.name) == ["sigmoid.again", "mul.rewritten"], "\(rewritten.nodes.map(\.name))")
        let input = Tensor(shape: [2, 3], floats: [-3, -1, 0, 0.5, 2, 4])
        let before = try ReferenceExecutor(graph: try StandardPipeline.analyze(swishGraph())).run(["x": input])
        #expect(try ReferenceExecutor(graph: rewritten).run(["x": input]) == before)
    }

    @Test func aRuleThatNeverSettlesIsStopped() throws {
        let rule = RewriteRule("forever", .node("sigmoid", kind: "Sigmoid", [.value("x")])) { _ in true }
        #expect(throws: GraphError.self) { try RewriteDriver([rule], limit: 50).run(swishGraph()) }
    }

    /// Every pipeline's result passes the type verifier on the real fixtures (release builds skip
    /// the per-pass check, so it is asserted here), and a wrong recorded type is named.
    @Test func pipelinesKeepTypesConsistent() throws {
        for path in ["digits/digits_cnn.onnx", "light/squeezenet.onnx", "torch/tiny_detector.onnx", "qdq/digits_s8s8.onnx"] {
            let model = try ONNXModel(contentsOf: Fixtures.path(path))
            for graph in [try StandardPipeline.analyze(model.graph), try StandardPipeline.train(model.graph),
                          try StandardPipeline.prepare(model.graph), try StandardPipeline.deploy(model.graph)] {
                try Verifier.verify(graph)
                try TypeVerifier.verify(graph)
            }
        }
        var broken = try StandardPipeline.prepare(try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx")).graph)
        let first = broken.nodes[0].outputs[0]
        broken.values[first].type = TensorType(.float32, [1, 16, 8, 9])
        #expect(throws: GraphError.self) { try TypeVerifier.verify(broken) }
    }

    /// The train pipeline keeps BatchNormalization and activations; prepare folds and fuses them.
    @Test func trainKeepsWhatDeployFolds() throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("ops/pattern_conv_bn_relu.onnx"))
        let train = try StandardPipeline.train(model.graph).nodes.map(\.operation.kindName)
        #expect(train.contains("BatchNormalization") && train.contains("Relu"), "\(train)")
        let deploy = try StandardPipeline.deploy(model.graph).nodes.map(\.operation.kindName)
        #expect(!deploy.contains("BatchNormalization") && !deploy.contains("Relu"), "\(deploy)")
    }
}
