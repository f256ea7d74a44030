import EdgeIR
import EdgeONNX

/// Reading a model named on the command line.
enum ModelLoading {
    /// Resolves an unnamed `--input-shape` (key "") to the model's single input.
    static func namedBindings(_ bindings: [String: [Int]], for graph: Graph) throws -> [String: [Int]] {
        guard let unnamed = bindings[""] else { return bindings }
        guard graph.inputs.count == 1 else {
            throw UserFacingError("the model has \(graph.inputs.count) inputs: name the one --input-shape binds (name=dims)")
        }
        var result = bindings
        result[""] = nil
        result[graph.name(of: graph.inputs[0].value)] = unnamed
        return result
    }
}
