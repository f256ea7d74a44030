import EdgeIR

/// Gives every graph input a static shape: the user's binding where given, else the declared
/// shape, which must then have no symbolic dimension.
public struct BindInputShapes: Pass {
    public let name = "bind-input-shapes"
    public var bindings: [String: [Int]]

    public init(_ bindings: [String: [Int]]) { self.bindings = bindings }

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        let inputNames = Set(graph.inputs.map { graph.name(of: $0.value) })
        if let unknown = bindings.keys.sorted().first(where: { !inputNames.contains($0) }) {
            throw GraphError(.shapeMismatch, "--input-shape names '\(unknown)', but the model's inputs are: \(inputNames.sorted().joined(separator: ", "))")
        }
        for input in graph.inputs {
            let name = graph.name(of: input.value)
            let declared = input.declaredShape
            let shape: [Int]
            if let bound = bindings[name] {
                guard bound.count == declared.count || declared.isEmpty else {
                    throw GraphError(.shapeMismatch, "input '\(name)' has rank \(declared.count) (declared \(Self.describe(declared))), but --input-shape gives \(bound.count) dims")
                }
                for (axis, (d, b)) in zip(declared, bound).enumerated() {
                    if case .fixed(let n) = d, n != b {
                        throw GraphError(.shapeMismatch, "input '\(name)' declares dim \(axis) as \(n) (shape \(Self.describe(declared))), but --input-shape gives \(b)")
                    }
                }
                guard bound.allSatisfy({ $0 > 0 }) else {
                    throw GraphError(.shapeMismatch, "--input-shape for '\(name)' must have positive dims, got \(bound)")
                }
                shape = bound
            } else if let fixed = input.staticShape {
                shape = fixed
            } else {
                let axis = declared.firstIndex { if case .symbolic = $0 { return true }; return false }!
                // The dims the model states stay; a leading batch is 1; any other open dim is the
                // user's to choose (an image size, a sequence length), so it is named, not guessed.
                let example = declared.enumerated().map { axis, d -> String in
                    if case .fixed(let n) = d { return String(n) }
                    return axis == 0 && declared.count > 1 ? "1" : "<\(d.description == "?" ? "dim\(axis)" : d.description)>"
                }.joined(separator: ",")
                let chosen = example.contains("<") ? " with your sizes in place of the <…>" : ""
                throw GraphError(.unboundDimension, "input '\(name)' has a dynamic dimension '\(declared[axis])' (axis \(axis) of \(Self.describe(declared))); bind it, e.g. --input-shape \(name)=\(example)\(chosen)")
            }
            let type = TensorType(input.dtype, shape)
            do {
                try ResourceLimits.current.check(type)
            } catch let overflow as SizeOverflow {
                throw GraphError(.shapeMismatch, "input '\(name)': \(overflow.detail)")
            }
            graph.values[input.value].type = type
        }
        return graph
    }

    static func describe(_ shape: [DeclaredDimension]) -> String { "[" + shape.map(\.description).joined(separator: ",") + "]" }
}
