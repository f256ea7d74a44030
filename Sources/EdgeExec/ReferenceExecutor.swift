import EdgeIR
// The executor throws the operators' ExecutionError: its users see it through this module.
@_exported import EdgeOperators

/// Runs a prepared graph (shapes bound and inferred) in fp32 with the Swift reference kernels.
///
/// Values live in an array indexed by `ValueID`; each intermediate is released after its last
/// reader, so peak memory follows the live set, not the whole graph.
public struct ReferenceExecutor: Sendable {
    public let graph: Graph
    /// For each value, the index of the last node that reads it; graph outputs are never released.
    private let lastUse: [Int]
    /// Outputs of nodes whose inputs are all constants (a DequantizeLinear of int8 weights, which
    /// folding keeps for the int8 lowering): computed once here, not on every run.
    private let precomputed: [Int: [Tensor]]

    public init(graph: Graph) throws {
        if let first = graph.unsupportedNodes.first {
            throw ExecutionError.unsupported("\(first.detail.opType) node '\(first.node.name)': \(first.detail.reason)")
        }
        for node in graph.nodes {
            for output in node.outputs where graph.type(of: output) == nil {
                throw ExecutionError.invalidInput("internal error: the type of '\(graph.name(of: output))' was never inferred; run shape inference first")
            }
        }
        var last = [Int](repeating: -1, count: graph.values.count)
        for (index, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs { last[input] = index }
        }
        for output in graph.outputs { last[output] = Int.max }
        var known = graph.constants
        var precomputed: [Int: [Tensor]] = [:]
        for (index, node) in graph.nodes.enumerated() {
            let inputs = node.inputs.map { $0.flatMap { known[$0] } }
            guard !node.inputs.isEmpty, zip(node.inputs, inputs).allSatisfy({ $0.0 == nil || $0.1 != nil }) else { continue }
            let outputs = try Operators.evaluate(node, in: graph, inputs: inputs, outputTypes: node.outputs.map { graph.type(of: $0)! })
            precomputed[index] = outputs
            for (id, tensor) in zip(node.outputs, outputs) { known[id] = tensor }
        }
        self.graph = graph
        self.lastUse = last
        self.precomputed = precomputed
    }

    /// Runs the graph on `inputs` keyed by input name and returns every graph output keyed by name.
    /// `observe` sees every node output as it is computed (calibration uses this).
    public func run(_ inputs: [String: Tensor], observe: ((Node, [Tensor]) -> Void)? = nil) throws -> [String: Tensor] {
        var slots = [Tensor?](repeating: nil, count: graph.values.count)
        for (id, tensor) in graph.constants { slots[id] = tensor }
        for input in graph.inputs {
            let name = graph.name(of: input.value)
            guard let tensor = inputs[name] else {
                throw ExecutionError.invalidInput("missing input '\(name)' (the model's inputs: \(graph.inputs.map { graph.name(of: $0.value) }.joined(separator: ", ")))")
            }
            let expected = graph.type(of: input.value)!
            guard tensor.dtype == expected.dtype, tensor.shape == expected.shape else {
                throw ExecutionError.invalidInput("input '\(name)' is \(tensor.type) but the model expects \(expected)")
            }
            slots[input.value] = tensor
        }
        let known = Set(graph.inputs.map { graph.name(of: $0.value) })
        if let extra = inputs.keys.sorted().first(where: { !known.contains($0) }) {
            throw ExecutionError.invalidInput("the model has no input named '\(extra)' (its inputs: \(known.sorted().joined(separator: ", ")))")
        }
        for (index, node) in graph.nodes.enumerated() {
            let arguments = node.inputs.map { $0.flatMap { slots[$0] } }
            let types = node.outputs.map { graph.type(of: $0)! }
            let results = try precomputed[index] ?? Operators.evaluate(node, in: graph, inputs: arguments, outputTypes: types)
            observe?(node, results)
            for (id, tensor) in zip(node.outputs, results) { slots[id] = tensor }
            for case let input? in node.inputs where lastUse[input] == index && graph.constants[input] == nil {
                slots[input] = nil
            }
        }
        var outputs: [String: Tensor] = [:]
        for id in graph.outputs { outputs[graph.name(of: id)] = slots[id] }
        return outputs
    }
}
