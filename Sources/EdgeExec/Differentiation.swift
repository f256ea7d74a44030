import EdgeIR
@_exported import EdgeOperators

/// Reverse-mode differentiation of a prepared graph: a forward that keeps what the backward
/// reads, then each node's backward (its operator's `Differentiable.backward`) in reverse order,
/// adding up the gradients of values read by several nodes.
///
///     var engine = try Differentiation(graph: g, parameters: weights)
///     let tape = try engine.forward(["input": batch], training: true)
///     let gradients = try engine.backward(tape, seeds: [logits: dLoss])   // keyed by ValueID
///
/// `graph` is public and mutable: trainers replace its parameter constants after each step, and
/// quantization-aware training its fake-quant parameters.
public struct Differentiation: Sendable {
    public var graph: Graph
    /// The values whose gradients `backward` returns (constants or graph inputs).
    public let parameters: Set<ValueID>
    /// For each value, whether it depends on a parameter (a gradient can reach it).
    private let dependsOnParameter: [Bool]

    public init(graph: Graph, parameters: Set<ValueID>) throws {
        if let first = graph.unsupportedNodes.first {
            throw ExecutionError.unsupported("\(first.detail.opType) node '\(first.node.name)': \(first.detail.reason)")
        }
        var depends = [Bool](repeating: false, count: graph.values.count)
        for p in parameters { depends[p] = true }
        for node in graph.nodes where node.inputs.contains(where: { $0.map { depends[$0] } ?? false }) {
            for output in node.outputs { depends[output] = true }
        }
        let lacking = graph.nodes.filter { node in
            node.inputs.contains(where: { $0.map { depends[$0] } ?? false }) && !Operators.isDifferentiable(node.operation)
        }
        if !lacking.isEmpty {
            let list = lacking.map { "'\($0.name)' (\($0.operation.kindName))" }
            throw ExecutionError.unsupported("\(lacking.count) node\(lacking.count == 1 ? " has" : "s have") no gradient yet, so the model cannot be trained: " + list.joined(separator: ", "))
        }
        self.graph = graph
        self.parameters = parameters
        dependsOnParameter = depends
    }

    /// Every value of one forward, and the new values of training state (BatchNormalization's
    /// running statistics) when it ran in training mode.
    public struct Tape: Sendable {
        public fileprivate(set) var values: [Tensor?]
        public fileprivate(set) var stateUpdates: [ValueID: Tensor] = [:]
        fileprivate let training: Bool

        public func value(_ id: ValueID) -> Tensor? { values[id] }
    }

    /// Runs the graph on `inputs` (keyed by input name), keeping every value. `observe` sees each
    /// node's outputs as they are computed.
    public func forward(_ inputs: [String: Tensor], training: Bool, observe: ((Node, [Tensor]) -> Void)? = nil) throws -> Tape {
        var tape = Tape(values: [Tensor?](repeating: nil, count: graph.values.count), training: training)
        for (id, tensor) in graph.constants { tape.values[id] = tensor }
        for input in graph.inputs {
            let name = graph.name(of: input.value)
            guard let tensor = inputs[name] else { throw ExecutionError.invalidInput("missing input '\(name)'") }
            let expected = graph.type(of: input.value)!
            guard tensor.dtype == expected.dtype, tensor.shape == expected.shape else {
                throw ExecutionError.invalidInput("input '\(name)' is \(tensor.type) but the model expects \(expected)")
            }
            tape.values[input.value] = tensor
        }
        for node in graph.nodes {
            let arguments = node.inputs.map { $0.flatMap { tape.values[$0] } }
            let types = node.outputs.map { graph.type(of: $0)! }
            var results = try Operators.evaluate(node, in: graph, inputs: arguments, outputTypes: types, training: training)
            if results.count > node.outputs.count {
                let state = Operators.trainingState(of: node, in: graph)
                for (index, tensor) in zip(state, results[node.outputs.count...]) {
                    if let id = node.input(index) { tape.stateUpdates[id] = tensor }
                }
                results.removeLast(results.count - node.outputs.count)
            }
            observe?(node, results)
            for (id, tensor) in zip(node.outputs, results) { tape.values[id] = tensor }
        }
        return tape
    }

    /// The gradients of the parameters, given the gradients (`seeds`) of the loss with respect to
    /// some values of `tape` (usually the graph outputs the loss reads).
    public func backward(_ tape: Tape, seeds: [ValueID: Tensor]) throws -> [ValueID: Tensor] {
        var gradients: [ValueID: [Float]] = [:]
        for (id, seed) in seeds { gradients[id] = seed.floats }
        for node in graph.nodes.reversed() {
            let outputGradients: [Tensor?] = node.outputs.map { id in
                gradients[id].map { Tensor(shape: tape.values[id]!.shape, floats: $0) }
            }
            guard outputGradients.contains(where: { $0 != nil }) else { continue }
            let wanted = node.inputs.map { $0.map { dependsOnParameter[$0] } ?? false }
            guard wanted.contains(true) else { continue }
            let arguments = node.inputs.map { $0.flatMap { tape.values[$0] } }
            let types = node.outputs.map { graph.type(of: $0)! }
            let request = GradientRequest(
                inputs: KernelInputs(arguments, outputTypes: types, node: node, training: tape.training),
                outputs: node.outputs.map { tape.values[$0]! }, outputGradients: outputGradients, wanted: wanted)
            let inputGradients = try Operators.backward(node, in: graph, request)
            for (index, input) in node.inputs.enumerated() {
                guard let input, wanted[index], index < inputGradients.count, let gradient = inputGradients[index]?.floats else { continue }
                if gradients[input] != nil {
                    // In place: the dictionary's storage is mutated, not a copy of it.
                    gradients[input]!.withUnsafeMutableBufferPointer { e in
                        for i in 0..<e.count { e[i] += gradient[i] }
                    }
                } else {
                    gradients[input] = gradient
                }
            }
            // What no earlier node reads again is done with.
            for output in node.outputs where !parameters.contains(output) { gradients[output] = nil }
        }
        var result: [ValueID: Tensor] = [:]
        for id in parameters {
            let shape = tape.values[id]?.shape ?? graph.type(of: id)?.shape ?? []
            result[id] = Tensor(shape: shape, floats: gradients[id] ?? [Float](repeating: 0, count: Shapes.elementCount(shape)))
        }
        return result
    }
}
