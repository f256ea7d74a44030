import EdgeIR

/// Checks that every node whose types are known has the types its operator's shape rule gives,
/// and that values quantized to int8 carry their scale and zero point. Structure (ids, order,
/// single definition) is `Verifier`'s; this is the part that needs the operator definitions.
public enum TypeVerifier {
    public static func verify(_ graph: Graph) throws {
        for node in graph.nodes {
            let recorded = node.outputs.map { graph.type(of: $0) }
            guard recorded.allSatisfy({ $0 != nil }), node.inputs.allSatisfy({ $0.map { graph.type(of: $0) != nil } ?? true }) else { continue }
            let inferred = try Operators.outputTypes(of: node, in: graph)
            for (output, (have, want)) in zip(node.outputs, zip(recorded, inferred)) where have != want {
                throw GraphError.at(node, .invalidGraph, "output '\(graph.name(of: output))' is recorded as \(have!) but its shape rule gives \(want)")
            }
            for output in node.outputs where graph.type(of: output)?.dtype == .int8 && graph.values[output].quantization == nil {
                throw GraphError.at(node, .invalidGraph, "int8 output '\(graph.name(of: output))' has no scale and zero point")
            }
        }
    }
}
