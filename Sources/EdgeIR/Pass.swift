/// A graph-to-graph transformation with a name, so pipelines can report and time each step.
public protocol Pass {
    var name: String { get }
    func run(_ graph: Graph) throws -> Graph
}
