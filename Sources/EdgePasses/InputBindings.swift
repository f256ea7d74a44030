import EdgeIR

/// Input shapes given by name on the command line (`--input-shape x=1,3,224,224`), resolved
/// against a model's inputs.
public enum InputBindings {
    /// Resolves an unnamed binding (key "") to the model's single input.
    public static func named(_ bindings: [String: [Int]], for graph: Graph) throws -> [String: [Int]] {
        guard let unnamed = bindings[""] else { return bindings }
        guard graph.inputs.count == 1 else {
            throw GraphError(.unboundDimension, "the model has \(graph.inputs.count) inputs: name the one --input-shape binds (name=dims)")
        }
        var result = bindings
        result[""] = nil
        result[graph.name(of: graph.inputs[0].value)] = unnamed
        return result
    }

    /// `bindings` plus, for every input still without a static shape, its declared shape with each
    /// dynamic dimension set to 1 (a dynamic batch then runs one sample at a time).
    public static func bindingDynamicDimensionsToOne(_ bindings: [String: [Int]], for graph: Graph) -> [String: [Int]] {
        var result = bindings
        for input in graph.inputs where result[graph.name(of: input.value)] == nil && input.staticShape == nil {
            result[graph.name(of: input.value)] = input.declaredShape.map { if case .fixed(let n) = $0 { return n }; return 1 }
        }
        return result
    }

    /// `bindings` plus, for every input whose only dynamic dimension is the leading one (the batch),
    /// its declared shape with a batch of 1: a compiled model runs one sample at a time.
    public static func bindingDynamicBatchToOne(_ bindings: [String: [Int]], for graph: Graph) -> [String: [Int]] {
        var result = bindings
        for input in graph.inputs where result[graph.name(of: input.value)] == nil && input.staticShape == nil {
            guard case .symbolic? = input.declaredShape.first else { continue }
            var dims: [Int] = [1]
            for d in input.declaredShape.dropFirst() {
                guard case .fixed(let n) = d else { dims = []; break }
                dims.append(n)
            }
            if !dims.isEmpty { result[graph.name(of: input.value)] = dims }
        }
        return result
    }
}
