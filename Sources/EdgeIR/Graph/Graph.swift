/// A neural network as edgec sees it: values, typed nodes in execution order, constants, inputs and outputs.
///
/// Nodes are kept topologically sorted; every pass preserves that order, so executors and the
/// emitter run nodes front to back with no scheduler.
public struct Graph: Sendable, Equatable {
    public var name: String
    public var values: [ValueInfo]
    public var nodes: [Node]
    public var inputs: [GraphInput]
    public var outputs: [ValueID]
    /// Values whose contents are known at compile time (weights, folded shape computations).
    public var constants: [ValueID: Tensor]
    /// Facts about the source (producer, opset, hash), carried into compiled files.
    public var metadata: [String: String]

    public init(name: String = "graph") {
        self.name = name
        values = []
        nodes = []
        inputs = []
        outputs = []
        constants = [:]
        metadata = [:]
    }

    /// Adds a value and returns its id.
    @discardableResult
    public mutating func addValue(name: String, type: TensorType? = nil) -> ValueID {
        values.append(ValueInfo(name: name, type: type))
        return values.count - 1
    }

    /// Adds a constant value holding `tensor`.
    @discardableResult
    public mutating func addConstant(name: String, _ tensor: Tensor) -> ValueID {
        let id = addValue(name: name)
        setConstant(id, tensor)
        return id
    }

    /// Makes `value` a constant holding `tensor`, keeping its recorded type in step.
    public mutating func setConstant(_ value: ValueID, _ tensor: Tensor) {
        constants[value] = tensor
        values[value].type = tensor.type
    }

    public func name(of value: ValueID) -> String { values[value].name }
    public func type(of value: ValueID) -> TensorType? { values[value].type }
    public func constant(_ value: ValueID?) -> Tensor? { value.flatMap { constants[$0] } }
    public func isGraphInput(_ value: ValueID) -> Bool { inputs.contains { $0.value == value } }

    /// The value with this name, if any.
    public func value(named name: String) -> ValueID? { values.firstIndex { $0.name == name } }

    /// For every value, the index of the node producing it (nil for inputs and constants).
    public func producers() -> [Int?] {
        var result = [Int?](repeating: nil, count: values.count)
        for (index, node) in nodes.enumerated() {
            for output in node.outputs { result[output] = index }
        }
        return result
    }

    /// For every value, how many node inputs and graph outputs read it.
    public func useCounts() -> [Int] {
        var counts = [Int](repeating: 0, count: values.count)
        for node in nodes {
            for case let input? in node.inputs { counts[input] += 1 }
        }
        for output in outputs { counts[output] += 1 }
        return counts
    }

    /// Replaces every read of `old` (by nodes and as graph output) with `new`.
    public mutating func replaceUses(of old: ValueID, with new: ValueID) {
        for index in nodes.indices {
            nodes[index].inputs = nodes[index].inputs.map { $0 == old ? new : $0 }
        }
        outputs = outputs.map { $0 == old ? new : $0 }
    }

    /// Nodes the front end could not map, with the reason each is unsupported.
    public var unsupportedNodes: [(node: Node, detail: UnsupportedOperator)] {
        nodes.compactMap { node in
            if case .unsupported(let detail) = node.operation { return (node, detail) }
            return nil
        }
    }

    /// "N unsupported nodes: 'name' (Op, opset N): reason; …", every one in one line.
    public var unsupportedNodesSummary: String {
        let unsupported = unsupportedNodes
        let list = unsupported.map { "'\($0.node.name)' (\($0.detail.domain.isEmpty ? "" : $0.detail.domain + ".")\($0.detail.opType), opset \($0.detail.opset)): \($0.detail.reason)" }
        return "\(unsupported.count) unsupported node\(unsupported.count == 1 ? "" : "s"): " + list.joined(separator: "; ")
    }
}
