import EdgeIR

/// Everything edgec knows about one operator, in one place: its shape rule, its fp32 reference
/// forward, its backward (`Differentiable`, in an extension beside the forward), its int8 traits and its lowering to the `.edgem` record.
///
/// A definition is a value holding the node's typed attributes; `Operators.definition(of:)` is the
/// one place that maps an `Operation` to its definition. Adding an operator is one file conforming
/// to this protocol, one line in that registry, its C kernel and its tests.
///
///     struct ReluLike: OperatorDefinition {
///         func outputTypes(_ node: NodeContext) throws -> [TensorType] { [try node.type(0)] }
///         func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] { ... }
///         func lower(_ node: LoweringContext) throws -> LoweredOperator { node.make(.unary, ...) }
///     }
public protocol OperatorDefinition: Sendable {
    /// The types of the node's outputs from its inputs' types (and the contents of constant
    /// parameter inputs). Throws a `GraphError` naming the node when the inputs do not fit.
    func outputTypes(_ node: NodeContext) throws -> [TensorType]

    /// The fp32 reference forward: the ground truth the runtime's kernels are tested against, and
    /// the code that folds constants at compile time.
    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor]

    /// Inputs that the forward in training mode updates (BatchNormalization's running mean and
    /// variance): their new values follow the node's outputs in what `evaluate` returns when
    /// `inputs.training` is set.
    func trainingState(_ node: NodeContext) -> [Int]

    /// How post-training quantization treats the node.
    func int8Role(_ node: NodeContext) -> Int8Role

    /// Which input holds the weights and along which axis its output channels run (given the
    /// weight tensor's rank), for pruning.
    func weightLayout(weightRank: Int) -> WeightLayout?

    /// Multiply-accumulates of one run (0 for operators that are not dominated by them).
    func macs(_ node: NodeContext) -> Int

    /// The `.edgem` operator record: its kind, data inputs and parameter fields. Int8 forms add
    /// the multipliers and tables they read to the graph as constants.
    func lower(_ node: LoweringContext) throws -> LoweredOperator
}

/// An operator with a backward: training, QAT and distillation run through it. Operators that
/// are not `Differentiable` are listed, all at once, when a model that needs them is trained.
public protocol Differentiable: OperatorDefinition {
    /// The vector–Jacobian product: gradients of the loss with respect to each input the request
    /// wants (nil for the others, and for inputs without a gradient: indices, shapes, scales),
    /// from the forward's inputs and outputs and the gradients of its outputs.
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?]
}

extension OperatorDefinition {
    public func trainingState(_ node: NodeContext) -> [Int] { [] }

    public func int8Role(_ node: NodeContext) -> Int8Role { .none(reason: "\(node.kindName) has no int8 kernel") }

    public func weightLayout(weightRank: Int) -> WeightLayout? { nil }

    public func macs(_ node: NodeContext) -> Int { 0 }
}

/// How an operator runs in int8, which decides what post-training quantization does with it.
public enum Int8Role: Sendable, Equatable {
    /// Stays float, for this reason (said in the quantization summary).
    case none(reason: String)
    /// An int8 kernel over int8 activations and constant int8 weights (symmetric, per output
    /// channel along `weightAxis`), int32 bias, and its own output range.
    case weighted(weightAxis: Int)
    /// An int8 kernel over int8 operands (activations or constants), with its own output range.
    case arithmetic
    /// Every int8 input is rescaled to the output's own range (Concat).
    case rescalesInputs
    /// A 256-entry lookup table from the input's range to the output's.
    case lookupTable
    /// Its int8 output always has these parameters (Softmax: [0, 1) in steps of 1/256).
    case fixedOutput(QuantizationParameters)
    /// Moves, picks or averages values: the int8 output reuses the input's parameters.
    case passesScales
}

/// Where an operator's weights are and how their channels run.
public struct WeightLayout: Sendable, Equatable {
    /// The input index of the weight tensor.
    public var input: Int
    /// The weight axis of the output channels, nil where channel pruning does not apply.
    public var outputChannelAxis: Int?

    public init(input: Int, outputChannelAxis: Int?) {
        self.input = input
        self.outputChannelAxis = outputChannelAxis
    }
}

/// One node seen with the graph around it: its inputs' types and constant contents.
public struct NodeContext {
    public let node: Node
    public let graph: Graph

    public init(node: Node, graph: Graph) {
        self.node = node
        self.graph = graph
    }

    public var name: String { node.name }
    public var kindName: String { node.operation.kindName }
    public var inputCount: Int { node.inputs.count }
    public var outputCount: Int { node.outputs.count }

    /// A shape error that names the node.
    public func fail(_ detail: String) -> GraphError { GraphError.at(node, .shapeMismatch, detail) }

    /// The type of input `index`, which must be present and typed.
    public func type(_ index: Int) throws -> TensorType {
        guard let id = node.input(index) else { throw fail("required input \(index) is missing") }
        guard let type = graph.type(of: id) else {
            throw GraphError.at(node, .shapeMismatch, "the shape of input '\(graph.name(of: id))' is unknown")
        }
        return type
    }

    public func optionalType(_ index: Int) throws -> TensorType? {
        node.input(index) == nil ? nil : try type(index)
    }

    /// The type of output `index` once inferred.
    public func outputType(_ index: Int = 0) -> TensorType? {
        index < node.outputs.count ? graph.type(of: node.outputs[index]) : nil
    }

    /// The constant contents of a parameter input, or nil when the input is absent.
    public func parameter(_ index: Int, _ what: String) throws -> Tensor? {
        guard let id = node.input(index) else { return nil }
        guard let tensor = graph.constants[id] else {
            throw GraphError.at(node, .dynamicParameter, "\(what) ('\(graph.name(of: id))') is computed at run time; edgec needs it constant once input shapes are bound")
        }
        return tensor
    }

    /// The constant contents of a parameter input the operator cannot do without.
    public func requiredParameter(_ index: Int, _ what: String) throws -> Tensor {
        guard let tensor = try parameter(index, what) else { throw fail("required input \(index) (\(what)) is missing") }
        return tensor
    }

    /// The constant contents of input `index`, nil when absent or computed at run time.
    public func constant(_ index: Int) -> Tensor? { graph.constant(node.input(index)) }

    /// `raw` mapped into 0..<rank (a scalar has none).
    public func axis(_ raw: Int, rank: Int) throws -> Int {
        guard let a = Shapes.normalizedAxis(raw, rank: rank) else { throw fail("axis \(raw) is out of range for rank \(rank)") }
        return a
    }

    /// Whether input `index` is a float tensor computed at run time.
    public func isFloatActivation(_ index: Int) -> Bool {
        node.input(index).map { graph.constants[$0] == nil && graph.type(of: $0)?.dtype == .float32 } ?? false
    }

    /// Whether input `index` is a float constant.
    public func isFloatConstant(_ index: Int) -> Bool { constant(index)?.dtype == .float32 }
}

/// The tensors a kernel runs on, with the node's already inferred output types.
public struct KernelInputs {
    public let tensors: [Tensor?]
    public let outputTypes: [TensorType]
    /// The forward of a training step: BatchNormalization normalizes with the batch's statistics.
    public let training: Bool
    let node: Node

    public init(_ tensors: [Tensor?], outputTypes: [TensorType], node: Node, training: Bool = false) {
        self.tensors = tensors
        self.outputTypes = outputTypes
        self.training = training
        self.node = node
    }

    /// The first output's type (most operators have one output).
    public var output: TensorType { outputTypes.first ?? TensorType(.float32, []) }

    public func required(_ i: Int) throws -> Tensor {
        guard i < tensors.count, let t = tensors[i] else {
            throw ExecutionError.invalidInput("\(node.operation.kindName) node '\(node.name)': input \(i) is missing")
        }
        return t
    }

    public func optional(_ i: Int) -> Tensor? { i < tensors.count ? tensors[i] : nil }

    /// Input `i`, which must be float32 for this kernel.
    public func float(_ i: Int) throws -> Tensor {
        let t = try required(i)
        guard t.dtype == .float32 else {
            throw ExecutionError.unsupported("\(node.operation.kindName) node '\(node.name)' on \(t.dtype) input")
        }
        return t
    }

    /// Every input, each required.
    public func all() throws -> [Tensor] { try tensors.indices.map { try required($0) } }
}

/// What a backward gets: the forward's inputs and outputs, the gradients of the loss with respect
/// to the outputs (nil where no path reaches the loss), and which inputs' gradients are wanted, so
/// that the first convolution does not compute a gradient for the image.
public struct GradientRequest {
    public let inputs: KernelInputs
    public let outputs: [Tensor]
    public let outputGradients: [Tensor?]
    public let wanted: [Bool]

    public init(inputs: KernelInputs, outputs: [Tensor], outputGradients: [Tensor?], wanted: [Bool]) {
        self.inputs = inputs
        self.outputs = outputs
        self.outputGradients = outputGradients
        self.wanted = wanted
    }

    public var training: Bool { inputs.training }

    public func wants(_ input: Int) -> Bool { input < wanted.count && wanted[input] }

    /// The gradient of output `index` as floats, zeros where no path reached it.
    public func gradient(_ index: Int = 0) -> [Float] {
        if index < outputGradients.count, let g = outputGradients[index]?.floats { return g }
        return [Float](repeating: 0, count: outputs[index].elementCount)
    }
}
