import EdgeIR
import EdgeOperators

/// Runs passes in order. In debug builds the graph is verified after every pass — its structure
/// (`Verifier`) and every node's types against its operator's shape rule (`TypeVerifier`) — so a
/// pass that breaks an invariant is named at once instead of surfacing as a wrong result later.
public struct PassPipeline {
    public var passes: [any Pass]

    public init(_ passes: [any Pass]) { self.passes = passes }

    public func run(_ graph: Graph) throws -> Graph {
        var current = graph
        for pass in passes {
            current = try pass.run(current)
            #if DEBUG
            do {
                try Verifier.verify(current)
                try TypeVerifier.verify(current)
            } catch let error as GraphError {
                throw GraphError(.invalidGraph, "internal error: after pass '\(pass.name)': \(error.message)")
            }
            #endif
        }
        return current
    }
}
