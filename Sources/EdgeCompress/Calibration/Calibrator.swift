import EdgeExec
import EdgeIR

/// Runs calibration samples through the fp32 reference executor and records, for every float
/// value of the graph, the statistics its quantization range is chosen from.
public struct Calibrator {
    public let graph: Graph
    public let method: CalibrationMethod

    public init(graph: Graph, method: CalibrationMethod) {
        self.graph = graph
        self.method = method
    }

    /// Statistics per value id. `progress(done, total)` is called after each sample of each pass.
    public func collect(_ data: CalibrationData, progress: (Int, Int) -> Void = { _, _ in }) throws -> [ValueID: TensorStatistics] {
        let executor = try ReferenceExecutor(graph: graph)
        var statistics: [ValueID: TensorStatistics] = [:]
        let inputIDs = Dictionary(uniqueKeysWithValues: graph.inputs.map { (graph.name(of: $0.value), $0.value) })
        let passes = method == .minmax ? 1 : 2
        for pass in 0..<passes {
            for index in 0..<data.sampleCount {
                let sample = data.sample(index)
                func record(_ id: ValueID, _ tensor: Tensor) {
                    guard let values = tensor.floats else { return }
                    if pass == 0 { statistics[id, default: TensorStatistics()].observeRange(values) } else { statistics[id]?.observeHistogram(values) }
                }
                for (name, tensor) in sample { if let id = inputIDs[name] { record(id, tensor) } }
                _ = try executor.run(sample) { node, outputs in
                    for (id, tensor) in zip(node.outputs, outputs) { record(id, tensor) }
                }
                progress(pass * data.sampleCount + index + 1, passes * data.sampleCount)
            }
        }
        return statistics
    }
}
