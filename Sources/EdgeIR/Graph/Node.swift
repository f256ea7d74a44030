/// One operation of the graph. Inputs may be absent (ONNX's empty input names), outputs never are.
public struct Node: Sendable, Equatable {
    public var name: String
    public var operation: Operation
    public var inputs: [ValueID?]
    public var outputs: [ValueID]

    public init(name: String, operation: Operation, inputs: [ValueID?], outputs: [ValueID]) {
        self.name = name
        self.operation = operation
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The input at `index`, or nil when absent or beyond the inputs given.
    public func input(_ index: Int) -> ValueID? {
        index < inputs.count ? inputs[index] : nil
    }
}
