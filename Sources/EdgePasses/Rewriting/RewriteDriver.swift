import EdgeIR

/// One rewrite: where `pattern` matches at a node, `rewrite` edits the graph (or declines by
/// returning false). A rewrite that replaces the matched node writes the node's outputs itself;
/// matched nodes nothing reads any more are removed by the driver.
public struct RewriteRule {
    public var name: String
    public var pattern: Pattern
    public var rewrite: (inout RewriteSite) throws -> Bool

    public init(_ name: String, _ pattern: Pattern, rewrite: @escaping (inout RewriteSite) throws -> Bool) {
        self.name = name
        self.pattern = pattern
        self.rewrite = rewrite
    }
}

/// The graph at one match: the matched node and captures, and the edits a rewrite may make.
public struct RewriteSite {
    public var graph: Graph
    public let match: Match
    /// The index of the node the pattern is rooted at.
    public let root: Int

    public var rootNode: Node { graph.nodes[root] }

    /// Replaces the root node by `nodes`, which must write the root's outputs.
    public mutating func replaceRoot(with nodes: [Node]) {
        graph.nodes.replaceSubrange(root...root, with: nodes)
    }

    /// Changes the root node's operation and inputs in place.
    public mutating func updateRoot(operation: Operation? = nil, inputs: [ValueID?]? = nil) {
        if let operation { graph.nodes[root].operation = operation }
        if let inputs { graph.nodes[root].inputs = inputs }
    }

    /// Folds the root into the matched node `name`: that node takes the root's outputs (and the
    /// given operation and inputs), the root disappears.
    public mutating func absorbRoot(into name: String, operation: Operation, inputs: [ValueID?]? = nil) {
        let target = match.node(name)
        graph.nodes[target].operation = operation
        if let inputs { graph.nodes[target].inputs = inputs }
        graph.nodes[target].outputs = graph.nodes[root].outputs
        graph.nodes.remove(at: root)
    }
}

/// Applies rules until none matches (a fixed point), visiting nodes front to back. Each rule
/// application restarts the scan from the changed position's start, so later matches see the
/// rewritten graph. A rule set that keeps rewriting is stopped after `limit` applications.
public struct RewriteDriver {
    public var rules: [RewriteRule]
    public var limit: Int

    public init(_ rules: [RewriteRule], limit: Int = 100_000) {
        self.rules = rules
        self.limit = limit
    }

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var applications = 0
        var changed = true
        while changed {
            changed = false
            let matcher = PatternMatcher(graph)
            scan: for index in graph.nodes.indices {
                for rule in rules {
                    guard let match = matcher.match(rule.pattern, at: index) else { continue }
                    var site = RewriteSite(graph: graph, match: match, root: index)
                    guard try rule.rewrite(&site) else { continue }
                    graph = Self.removingDeadMatches(site.graph, matched: Set(match.nodes.values), root: index)
                    applications += 1
                    guard applications < limit else {
                        throw GraphError(.invalidGraph, "internal error: rewrite '\(rule.name)' still applies after \(limit) rewrites")
                    }
                    changed = true
                    break scan
                }
            }
        }
        return graph
    }

    /// Removes matched nodes (other than the root position, already edited) whose outputs nothing reads.
    static func removingDeadMatches(_ graph: Graph, matched: Set<Int>, root: Int) -> Graph {
        var graph = graph
        var read = Set(graph.outputs)
        for node in graph.nodes { read.formUnion(node.inputs.compactMap { $0 }) }
        // Indices after the root may have moved; only nodes before it are candidates (operands come first).
        let dead = matched.filter { $0 < root && $0 < graph.nodes.count && !graph.nodes[$0].outputs.contains(where: read.contains) }
        for index in dead.sorted(by: >) { graph.nodes.remove(at: index) }
        return graph
    }
}
