import EdgeExec
import EdgeIR
import EdgeOperators

/// Gives every value a static type, walking nodes in order, and folds every node whose inputs
/// are known at compile time (constants, or Shape of a value whose shape is known): the node is
/// evaluated by the executor's own kernel and replaced by its outputs as constants. Exporters
/// compute Reshape targets and Resize sizes from `Shape`; those chains disappear here, which is
/// why types and folding must advance together, node by node.
public struct InferShapesAndFold: Pass {
    public let name = "infer-shapes-and-fold"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var remaining: [Node] = []
        for node in graph.nodes {
            let types = try Operators.outputTypes(of: node, in: graph)
            guard types.count == node.outputs.count else {
                throw GraphError.at(node, .invalidGraph, "produces \(types.count) outputs, the model names \(node.outputs.count)")
            }
            for (id, type) in zip(node.outputs, types) { graph.values[id].type = type }
            if let values = try Self.knownOutputs(of: node, in: graph, types: types) {
                for (id, tensor) in zip(node.outputs, values) { graph.setConstant(id, tensor) }
            } else {
                remaining.append(node)
            }
        }
        graph.nodes = remaining
        return graph
    }

    /// The outputs of `node` when they can be computed at compile time.
    static func knownOutputs(of node: Node, in graph: Graph, types: [TensorType]) throws -> [Tensor]? {
        if case .shape = node.operation, let id = node.input(0), let type = graph.type(of: id) {
            return try Operators.evaluate(node, in: graph, inputs: [Tensor.zeros(type.dtype, shape: type.shape)], outputTypes: types)
        }
        // A DequantizeLinear of int8 weights stays: lowering reads the integers and their scales.
        if case .dequantizeLinear = node.operation { return nil }
        let inputs = node.inputs.map { $0.flatMap { graph.constants[$0] } }
        for (id, value) in zip(node.inputs, inputs) where id != nil && value == nil { return nil }
        return try Operators.evaluate(node, in: graph, inputs: inputs, outputTypes: types)
    }
}
