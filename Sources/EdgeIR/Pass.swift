/// A graph-to-graph transformation with a name, so pipelines can report and time each step.
public protocol Pass {
    var name: String { get }
    func run(_ graph: Graph) throws -> Graph
}

/// Runs passes in order. In debug builds the verifier checks the graph after every pass, so a pass
/// that breaks an invariant is named at once instead of surfacing as a wrong result later.
public struct PassPipeline {
    public var passes: [any Pass]

    public init(_ passes: [any Pass]) { self.passes = passes }

    public func run(_ graph: Graph) throws -> Graph {
        var current = graph
        for pass in passes {
            current = try pass.run(current)
            #if DEBUG
            do { try Verifier.verify(current) } catch let error as GraphError {
                throw GraphError(.invalidGraph, "internal error: after pass '\(pass.name)': \(error.message)")
            }
            #endif
        }
        return current
    }
}
