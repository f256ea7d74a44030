import EdgeIR

/// A shape of subgraph to find: a value that is any value, a constant satisfying a predicate, or the
/// output of a node whose operation satisfies a predicate and whose operands match sub-patterns
/// (in either order for commutative operations). A pattern names what it captures, so a rewrite
/// reads `match.value("x")` instead of walking the graph again.
///
///     // x * sigmoid(x), in either operand order, the Sigmoid read only here:
///     let silu = Pattern.node("mul", .binary(.mul), commutative: true,
///                             [.value("x"), .node("sigmoid", .unary(.sigmoid), [.value("x")], singleUse: true)])
public indirect enum Pattern {
    /// Any value; the same name twice must be the same value.
    case value(String)
    /// A constant whose contents satisfy `where`.
    case constant(String, where: @Sendable (Tensor) -> Bool)
    /// The first output of a node whose operation satisfies `operation`, with operands matching
    /// `operands` (absent trailing operands ignored), optionally in either order, optionally
    /// required to have no reader but the node being matched (so a rewrite may remove it).
    case node(String, operation: @Sendable (Operation) -> Bool, operands: [Pattern], commutative: Bool, singleUse: Bool)

    /// A node whose operation equals `operation` exactly (fused activations included).
    public static func node(_ name: String, _ operation: Operation, commutative: Bool = false, _ operands: [Pattern], singleUse: Bool = false) -> Pattern {
        .node(name, operation: { $0 == operation }, operands: operands, commutative: commutative, singleUse: singleUse)
    }

    /// A node of one kind, whatever its attributes.
    public static func node(_ name: String, kind: String, commutative: Bool = false, _ operands: [Pattern], singleUse: Bool = false) -> Pattern {
        .node(name, operation: { $0.kindName == kind }, operands: operands, commutative: commutative, singleUse: singleUse)
    }

    /// A scalar (or all-equal) float constant within `tolerance` of `value`.
    public static func scalar(_ name: String, _ value: Float, tolerance: Float = 1e-6) -> Pattern {
        .constant(name, where: { tensor in
            guard let values = tensor.floats, !values.isEmpty else { return false }
            return values.allSatisfy { abs($0 - value) <= tolerance * max(1, abs(value)) }
        })
    }
}

/// What a pattern found: the values and nodes it captured by name.
public struct Match {
    public internal(set) var values: [String: ValueID] = [:]
    /// Indices into `graph.nodes` of the matched nodes.
    public internal(set) var nodes: [String: Int] = [:]

    public func value(_ name: String) -> ValueID { values[name]! }
    public func node(_ name: String) -> Int { nodes[name]! }
}

/// Matching against one graph, with its producers and reader counts computed once.
public struct PatternMatcher {
    public let graph: Graph
    let producers: [Int?]
    let uses: [Int]

    public init(_ graph: Graph) {
        self.graph = graph
        producers = graph.producers()
        uses = graph.useCounts()
    }

    /// Matches `pattern` rooted at node `index`.
    public func match(_ pattern: Pattern, at index: Int) -> Match? {
        guard case .node = pattern, let output = graph.nodes[index].outputs.first else { return nil }
        return match(pattern, value: output, Match(), root: true)
    }

    func match(_ pattern: Pattern, value: ValueID, _ bindings: Match, root: Bool = false) -> Match? {
        var bindings = bindings
        switch pattern {
        case .value(let name):
            if let bound = bindings.values[name] { return bound == value ? bindings : nil }
            bindings.values[name] = value
            return bindings
        case .constant(let name, let predicate):
            guard let tensor = graph.constants[value], predicate(tensor) else { return nil }
            if let bound = bindings.values[name] { return bound == value ? bindings : nil }
            bindings.values[name] = value
            return bindings
        case .node(let name, let operation, let operands, let commutative, let singleUse):
            guard let index = producers[value], graph.nodes[index].outputs.first == value else { return nil }
            let node = graph.nodes[index]
            guard operation(node.operation) else { return nil }
            if singleUse && !root { guard uses[value] == 1, !graph.outputs.contains(value) else { return nil } }
            guard node.inputs.count >= operands.count else { return nil }
            bindings.values[name] = value
            bindings.nodes[name] = index
            let orders: [[Int]] = commutative && operands.count == 2 ? [[0, 1], [1, 0]] : [Array(operands.indices)]
            for order in orders {
                var attempt: Match? = bindings
                for (patternIndex, inputIndex) in zip(operands.indices, order) {
                    guard let current = attempt, let input = node.inputs[inputIndex] else { attempt = nil; break }
                    attempt = match(operands[patternIndex], value: input, current)
                }
                if let found = attempt { return found }
            }
            return nil
        }
    }
}
