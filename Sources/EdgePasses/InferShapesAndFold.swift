import EdgeExec
import EdgeIR
import EdgeOperators

/// Gives every value a static type, walking nodes in order, and folds every node whose inputs
/// are known at compile time (constants, or Shape of a value whose shape is known): the node is
/// evaluated by the executor's own kernel and replaced by its outputs as constants. Exporters
/// compute Reshape targets and Resize sizes from `Shape`; those chains disappear here, which is
/// why types and folding must advance together, node by node.
///
/// Operators that run as others (`Expandable`: Einsum, an If whose condition is known) are
/// replaced here by the nodes they expand to, which are then inferred and folded in turn: an If's
/// condition computed from `Shape` is known by the time the walk reaches it.
///
/// Every output type is checked against `limits` by `Operators.outputTypes`, and what folding
/// would allocate is counted against `limits.foldedBytes` before the node is evaluated.
public struct InferShapesAndFold: Pass {
    public let name = "infer-shapes-and-fold"
    public var limits: ResourceLimits

    public init(limits: ResourceLimits = .current) { self.limits = limits }

    public func run(_ graph: Graph) throws -> Graph {
        var graph = graph
        var remaining: [Node] = []
        var folded = 0, foldedMACs = 0
        // A stack, the next node last, so an expansion's nodes go next.
        var pending = Array(graph.nodes.reversed())
        while let node = pending.popLast() {
            if let expansion = try Operators.expansion(of: node, in: &graph) {
                pending.append(contentsOf: expansion.reversed())
                continue
            }
            let types = try Operators.outputTypes(of: node, in: graph, limits: limits)
            guard types.count == node.outputs.count else {
                throw GraphError.at(node, .invalidGraph, "produces \(types.count) outputs, the model names \(node.outputs.count)")
            }
            for (id, type) in zip(node.outputs, types) { graph.values[id].type = type }
            if Self.isFoldable(node, in: graph) {
                // A whole network on constant inputs would be computed here; past the budget its
                // heavy nodes are left to run at run time instead of making compilation take minutes.
                let macs = Operators.macs(of: node, in: graph)
                if macs > 0 {
                    foldedMACs = CheckedSize.saturatingSum([foldedMACs, macs])
                    if foldedMACs > limits.foldedMACs { remaining.append(node); continue }
                }
                folded = try Self.foldingCost(of: node, types: types, after: folded, limits: limits)
            }
            if let values = try Self.knownOutputs(of: node, in: graph, types: types) {
                for (id, tensor) in zip(node.outputs, values) { graph.setConstant(id, tensor) }
            } else {
                remaining.append(node)
            }
        }
        graph.nodes = remaining
        return graph
    }

    /// Whether `knownOutputs` will evaluate `node` (every input known, or a Shape).
    static func isFoldable(_ node: Node, in graph: Graph) -> Bool {
        if case .shape = node.operation { return true }
        if case .dequantizeLinear = node.operation { return false }
        return node.inputs.allSatisfy { $0 == nil || graph.constants[$0!] != nil }
    }

    /// The folded bytes so far plus what folding `node` allocates: each output element counted at
    /// no less than 8 bytes, the index a broadcast, gather or pad walk keeps per element while it
    /// computes. Throws, naming the node, before anything past `limits.foldedBytes` is allocated.
    static func foldingCost(of node: Node, types: [TensorType], after folded: Int, limits: ResourceLimits) throws -> Int {
        var total = folded
        for type in types {
            let bytes = (try? CheckedSize.multiply(type.elementCount, max(type.dtype.byteSize, 8))) ?? Int.max
            total = (try? CheckedSize.add(total, bytes)) ?? Int.max
        }
        guard total <= limits.foldedBytes else {
            throw GraphError.at(node, .shapeMismatch, "folding its output \(types.map { "\($0.dtype) \($0.shape)" }.joined(separator: ", ")) at compile time would take the constants past the \(limits.foldedBytes) bytes edgec folds (EDGEC_MAX_FOLDED_BYTES raises it)")
        }
        return total
    }

    /// The outputs of `node` when they can be computed at compile time.
    static func knownOutputs(of node: Node, in graph: Graph, types: [TensorType]) throws -> [Tensor]? {
        if case .shape = node.operation, let id = node.input(0), let type = graph.type(of: id) {
            return try Operators.evaluate(node, in: graph, inputs: [Tensor.zeros(type.dtype, shape: type.shape)], outputTypes: types)
        }
        // A DequantizeLinear of int8 weights stays: lowering reads the integers and their scales.
        if case .dequantizeLinear = node.operation { return nil }
        let inputs = node.inputs.map { $0.flatMap { graph.constants[$0] } }
        for (id, value) in zip(node.inputs, inputs) where id != nil && value == nil { return nil }
        return try Operators.evaluate(node, in: graph, inputs: inputs, outputTypes: types)
    }
}
