import EdgeExec
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation
import Testing

@Suite("Graph passes")
struct PassTests {
    /// x -> Conv -> Identity -> y, plus a dead Relu branch.
    func smallGraph() -> Graph {
        var graph = Graph(name: "small")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: [.fixed(1), .fixed(2), .fixed(4), .fixed(4)])]
        let w = graph.addConstant(name: "w", Tensor(shape: [3, 2, 1, 1], floats: [1, 2, 3, 4, 5, 6]))
        let conv = graph.addValue(name: "conv")
        let y = graph.addValue(name: "y")
        let dead = graph.addValue(name: "dead")
        graph.nodes = [
            Node(name: "conv", operation: .conv(Convolution(strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0])), inputs: [x, w], outputs: [conv]),
            Node(name: "unused", operation: .unary(.relu), inputs: [conv], outputs: [dead]),
            Node(name: "copy", operation: .identity, inputs: [conv], outputs: [y]),
        ]
        graph.outputs = [y]
        return graph
    }

    @Test func identityAndDeadNodesDisappearAndOutputsKeepTheirNames() throws {
        let prepared = try StandardPipeline.prepare(smallGraph())
        #expect(prepared.nodes.map(\.name) == ["conv"])
        #expect(prepared.outputs.map { prepared.name(of: $0) } == ["y"])
        #expect(prepared.values.count == 3, "x, w and y remain after renumbering")
        try Verifier.verify(prepared)
        let x = Tensor(shape: [1, 2, 4, 4], floats: (0..<32).map(Float.init))
        let before = try ReferenceExecutor(graph: try StandardPipeline.analyze(smallGraph())).run(["x": x])
        let after = try ReferenceExecutor(graph: prepared).run(["x": x])
        #expect(before == after)
    }

    @Test func batchNormalizationFoldsIntoConvAndReluFuses() throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("ops/pattern_conv_bn_relu.onnx"))
        let prepared = try StandardPipeline.prepare(model.graph)
        let kinds = prepared.nodes.map(\.operation.kindName)
        #expect(!kinds.contains("BatchNormalization"), "\(kinds)")
        #expect(!kinds.contains("Relu"), "\(kinds)")
        #expect(prepared.nodes.first?.operation.fusedActivation == .relu)
    }

    @Test func digitsCNNCompilesToSevenFusedNodes() throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn_dynamic.onnx"))
        let prepared = try StandardPipeline.prepare(model.graph, inputShapes: ["input": [1, 1, 8, 8]])
        #expect(prepared.nodes.map(\.operation.kindName) == ["Conv", "Conv", "MaxPool", "Conv", "Reshape", "Gemm", "Gemm"])
        #expect(prepared.nodes.map(\.operation.fusedActivation) == [.relu, .relu, nil, .clip(min: 0, max: 6), nil, .relu, nil])
    }

    @Test func verifierRejectsReadsBeforeDefinition() {
        var graph = smallGraph()
        graph.nodes.swapAt(0, 2)
        #expect(throws: GraphError.self) { try Verifier.verify(graph) }
    }

    @Test func shapeInferenceNamesTheNode() throws {
        var graph = smallGraph()
        graph.setConstant(1, Tensor(shape: [3, 5, 1, 1], floats: Array(repeating: 1, count: 15)))
        #expect(throws: GraphError(.shapeMismatch, "Conv node 'conv': input has 2 channels but weight [3, 5, 1, 1] with group 1 does not fit them (5 channels per group)")) {
            try StandardPipeline.prepare(graph)
        }
    }
}
