/// Structural checks every pass must preserve: ids in range, each value defined once, nodes in
/// execution order (every input defined before it is read), outputs defined.
public enum Verifier {
    public static func verify(_ graph: Graph) throws {
        let count = graph.values.count
        var defined = [Bool](repeating: false, count: count)
        func check(_ id: ValueID, _ context: String) throws {
            guard (0..<count).contains(id) else { throw GraphError(.invalidGraph, "\(context) refers to value #\(id), which does not exist") }
        }
        for input in graph.inputs {
            try check(input.value, "graph input")
            defined[input.value] = true
        }
        for id in graph.constants.keys {
            try check(id, "constant")
            guard !defined[id] else { throw GraphError(.invalidGraph, "value '\(graph.name(of: id))' is both a graph input and a constant") }
            defined[id] = true
        }
        for node in graph.nodes {
            for case let input? in node.inputs {
                try check(input, "node '\(node.name)'")
                guard defined[input] else {
                    throw GraphError(.undefinedValue, "\(node.operation.kindName) node '\(node.name)' reads '\(graph.name(of: input))' before anything defines it")
                }
            }
            for output in node.outputs {
                try check(output, "node '\(node.name)'")
                guard !defined[output] else {
                    throw GraphError(.invalidGraph, "value '\(graph.name(of: output))' is defined twice (again by node '\(node.name)')")
                }
                defined[output] = true
            }
        }
        for output in graph.outputs {
            try check(output, "graph output")
            guard defined[output] else { throw GraphError(.undefinedValue, "graph output '\(graph.name(of: output))' is never computed") }
        }
    }
}
