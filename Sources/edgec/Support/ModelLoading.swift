import EdgeIR
import Foundation
import EdgeONNX

/// Reading a model named on the command line.
enum ModelLoading {
    /// The bytes of a file named on the command line.
    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw UserFacingError("cannot read '\(path)': \((error as NSError).localizedDescription)")
        }
    }

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

    /// `bindings` plus, for every input still without a static shape, its declared shape with each
    /// dynamic dimension set to 1 (a dynamic batch then runs one sample at a time).
    static func bindingDynamicDimensionsToOne(_ bindings: [String: [Int]], for graph: Graph) -> [String: [Int]] {
        var result = bindings
        for input in graph.inputs where result[graph.name(of: input.value)] == nil && input.staticShape == nil {
            result[graph.name(of: input.value)] = input.declaredShape.map { if case .fixed(let n) = $0 { return n }; return 1 }
        }
        return result
    }
}
