import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// Einsum, If and NonZero never reach a kernel: shape inference expands the first two into the
/// operators they amount to and folds NonZero. What comes out is what the quantizer and the
/// runtime see; OperatorConformanceTests and RuntimeAgreementTests check the numbers.
@Suite("Operators that expand or fold away")
struct ExpansionTests {
    func model(_ name: String) throws -> (graph: Graph, arrays: [String: Tensor]) {
        (try ONNXModel(contentsOf: Fixtures.path("ops/\(name).onnx")).graph, try NumPyFiles.read(Fixtures.path("ops/\(name).npz")))
    }

    func prepared(_ name: String) throws -> Graph {
        let (graph, arrays) = try model(name)
        var shapes: [String: [Int]] = [:]
        for input in graph.inputs { shapes[graph.name(of: input.value)] = arrays[graph.name(of: input.value)]?.shape }
        return try StandardPipeline.prepare(graph, inputShapes: shapes)
    }

    /// `bij,jk->bik` and a weight in Linear's [out, in] layout written first both become one MatMul
    /// with a 2-D constant right operand: the form post-training quantization gives an int8 kernel.
    @Test(arguments: ["einsum_weight", "einsum_linear_weight_first"])
    func einsumWithAWeightQuantizesAsAMatMul(_ name: String) throws {
        let graph = try prepared(name)
        #expect(graph.nodes.map(\.operation.kindName) == ["MatMul"], "\(name)")
        let matMul = try #require(graph.nodes.first)
        #expect(graph.constant(matMul.input(1))?.rank == 2)
        #expect(Operators.int8Role(of: matMul, in: graph) == .weighted(weightAxis: 1))
    }

    @Test func attentionScoresAreATransposeAndAMatMul() throws {
        #expect(try prepared("einsum_attention_scores").nodes.map(\.operation.kindName) == ["Transpose", "MatMul"])
    }

    /// The forward an unexpanded Einsum node has (its expansion run on the inputs) gives onnxruntime's numbers.
    @Test func einsumEvaluatesThroughItsExpansion() throws {
        let (graph, arrays) = try model("einsum_two_contracted")
        let node = try #require(graph.nodes.first)
        let outputs = try Operators.evaluate(node, in: graph, inputs: [arrays["x"], arrays["x2"]], outputTypes: [])
        expectMatches(outputs.first, try #require(arrays["y"]), "abc,cbd->ad evaluated unexpanded")
    }

    @Test(arguments: [
        ("ij,jk,kl->il", 3, "3 operands are not supported (one or two are)"),
        ("ii->i", 1, "'i' appears twice in operand 1 (a diagonal or trace), which edgec does not lower"),
        ("...ij->ij", 1, "an operand has '...' but the output does not (summing broadcast dimensions is not supported)"),
        ("i......j->ij", 1, "operand 1 'i......j' has '...' twice"),
        ("ij->jj", 1, "'j' appears twice in the output"),
        ("ij->ik", 1, "the output's 'k' names no input dimension"),
        ("i1->i", 1, "operand 1 'i1' has '1', which is not a letter or '...'"),
        ("ij,jk->ik", 1, "it has 2 operand terms for 1 inputs"),
    ])
    func unsupportedEquationsAreRefusedWithTheirReason(_ equation: String, _ operands: Int, _ reason: String) {
        guard case .failure(let error) = EinsumEquation.parse(equation, operandCount: operands) else {
            Issue.record("'\(equation)' was accepted")
            return
        }
        #expect(error.message == "equation '\(equation)': \(reason)")
    }

    @Test func implicitOutputsListTheLabelsUsedOnceInOrder() throws {
        let equation = try EinsumEquation.parse("ji,ia", operandCount: 2).get()
        #expect(equation.output == [.letter("a"), .letter("j")])
        let spaced = try EinsumEquation.parse(" ...ij , ...jk ", operandCount: 2).get()
        #expect(spaced.output == [.ellipsis, .letter("i"), .letter("k")])
    }

    /// The If on Shape → Gather → Equal takes its else branch: only that branch's Reshape is left
    /// (its target folded), named after the If; the then branch's Hardmax was never looked at.
    @Test func ifInlinesTheBranchItsConditionTakes() throws {
        let graph = try prepared("if_from_shape")
        #expect(graph.nodes.map(\.name) == ["If_3.else.flatten", "Relu_4"])
        #expect(try prepared("if_nested").nodes.map(\.operation.kindName).sorted() == ["Sigmoid", "Tanh"])
    }

    /// Unsupported nodes in a branch matter only once the condition takes it; then all are named.
    @Test func aTakenBranchWithUnsupportedNodesIsRefusedNamingThem() {
        var body = Graph(name: "then")
        let captured = body.addValue(name: "x"), hard = body.addValue(name: "hard")
        let hardmax = UnsupportedOperator(domain: "", opType: "Hardmax", opset: 13, reason: "operator Hardmax is not supported")
        body.nodes = [Node(name: "hardmax", operation: .unsupported(hardmax), inputs: [captured], outputs: [hard])]
        body.outputs = [hard]
        var graph = Graph(name: "branching")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: [.fixed(2)])]
        let condition = graph.addConstant(name: "condition", Tensor(shape: [], storage: .bool([true])))
        let y = graph.addValue(name: "y")
        let branch = Branch(graph: body, captures: [captured])
        graph.nodes = [Node(name: "choose", operation: .conditional(Branches(thenBranch: branch, elseBranch: branch)), inputs: [condition, x], outputs: [y])]
        graph.outputs = [y]
        #expect(throws: GraphError(.unsupported, "If node 'choose': its condition takes the then branch, which has 1 unsupported node: 'hardmax' (Hardmax, opset 13): operator Hardmax is not supported")) {
            try StandardPipeline.prepare(graph)
        }
    }

    @Test func nonZeroOfAConstantFoldsAway() throws {
        let graph = try prepared("nonzero_constant_mask")
        #expect(graph.nodes.map(\.operation.kindName) == ["Gather"])
        #expect(graph.constant(graph.nodes.first?.input(1))?.storage == .int64([1, 2, 5]))
    }
}
