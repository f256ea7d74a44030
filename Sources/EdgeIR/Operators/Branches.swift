/// The two bodies of an If. Each is a graph of its own whose outputs are the If's outputs; the
/// values it reads from the enclosing graph are the If node's inputs after the condition, which
/// the branch sees as its `captures` (same order, one for each in both branches, used or not).
public struct Branches: Sendable, Equatable {
    public var thenBranch: Branch
    public var elseBranch: Branch

    public init(thenBranch: Branch, elseBranch: Branch) {
        self.thenBranch = thenBranch
        self.elseBranch = elseBranch
    }
}

public struct Branch: Sendable, Equatable {
    public var graph: Graph
    /// The branch's values that stand for the If node's inputs 1, 2, …
    public var captures: [ValueID]

    public init(graph: Graph, captures: [ValueID]) {
        self.graph = graph
        self.captures = captures
    }
}
