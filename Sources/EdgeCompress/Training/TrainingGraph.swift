import EdgeIR
import EdgePasses

/// A model made ready for training: its batch dimension bound, shapes inferred and constants
/// folded by a pipeline (`StandardPipeline.train` for fine-tuning, `prepare` for QAT).
public struct TrainingGraph: Sendable {
    public var graph: Graph
    /// How many samples one run of `graph` takes.
    public var graphBatch: Int

    /// Binds each input's leading dimension to `batch` where the model leaves it dynamic (a model
    /// exported with a fixed batch keeps it, and is trained in chunks of that size), and the other
    /// dimensions as `bindings` (per input, with any batch) or the model say.
    public static func bind(_ model: Graph, batch: Int, bindings: [String: [Int]] = [:],
                            pipeline: (Graph, [String: [Int]]) throws -> Graph) throws -> TrainingGraph {
        var shapes: [String: [Int]] = [:]
        var batches = Set<Int>()
        for input in model.inputs {
            let name = model.name(of: input.value)
            var dims = bindings[name] ?? input.declaredShape.map { if case .fixed(let n) = $0 { return n }; return -1 }
            guard !dims.isEmpty else { throw CompressionError("input '\(name)' is a scalar; training needs a leading batch dimension") }
            if case .fixed(let n)? = input.declaredShape.first { dims[0] = n } else { dims[0] = batch }
            if let unbound = dims.firstIndex(of: -1) {
                throw CompressionError("input '\(name)' has a dynamic dimension at axis \(unbound); bind it with --input-shape \(name)=" +
                                       dims.map { $0 < 0 ? "?" : String($0) }.joined(separator: ","))
            }
            batches.insert(dims[0])
            shapes[name] = dims
        }
        guard batches.count <= 1 else { throw CompressionError("the model's inputs have different fixed batch sizes \(batches.sorted())") }
        return TrainingGraph(graph: try pipeline(model, shapes), graphBatch: batches.first ?? 1)
    }

    /// The model's inputs as one sample each (batch 1): what `CalibrationData` checks data against.
    public var sampleInputs: [(name: String, type: TensorType)] {
        graph.inputs.map { input in
            let type = graph.type(of: input.value)!
            return (graph.name(of: input.value), TensorType(type.dtype, [1] + type.shape.dropFirst()))
        }
    }
}
