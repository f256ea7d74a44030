import EdgeIR

/// Equal, Less, Greater, LessOrEqual, GreaterOrEqual: bool outputs of two inputs of one type,
/// NumPy broadcasting. Exporters write them for attention masks and for shape arithmetic (where
/// they fold). Runs as the runtime's COMPARE on float32, int32, int64 and bool inputs.
struct CompareOperator: OperatorDefinition {
    let comparison: Comparison

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let a = try node.type(0), b = try node.type(1)
        guard a.dtype == b.dtype else { throw node.fail("compares \(a.dtype) with \(b.dtype); both inputs must have one type") }
        guard [.float32, .int32, .int64, .bool].contains(a.dtype) else { throw node.fail("\(a.dtype) comparisons are not supported (float32, int32, int64 and bool are)") }
        guard comparison == .equal || a.dtype != .bool else { throw node.fail("orders bool values; only Equal takes bool inputs") }
        return [TensorType(.bool, try LogicalKernels.broadcastShape(node, [a.shape, b.shape]))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let a = try inputs.required(0), b = try inputs.required(1)
        let shape = inputs.output.shape
        let result: [Bool]
        switch (a.storage, b.storage) {
        case (.float32(let x), .float32(let y)): result = LogicalKernels.map(x, a.shape, y, b.shape, shape) { comparison.holds($0, $1) }
        case (.bool(let x), .bool(let y)): result = LogicalKernels.map(x, a.shape, y, b.shape, shape) { $0 == $1 }
        default: result = LogicalKernels.map(a.storage.int64s, a.shape, b.storage.int64s, b.shape, shape) { comparison.holds($0, $1) }
        }
        return [Tensor(shape: shape, storage: .bool(result))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.compare, Array(node.node.inputs.prefix(2)), [UInt32(Comparison.allCases.firstIndex(of: comparison)!)])
    }
}

/// And, Or, Xor (two bool inputs, NumPy broadcasting) and Not (one). Runs as the runtime's LOGICAL.
struct LogicalOperatorDefinition: OperatorDefinition {
    let function: LogicalOperator

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let arity = function == .not ? 1 : 2
        let types = try (0..<arity).map { try node.type($0) }
        guard types.allSatisfy({ $0.dtype == .bool }) else { throw node.fail("takes bool inputs, got \(types.map { "\($0.dtype)" }.joined(separator: " and "))") }
        return [TensorType(.bool, try LogicalKernels.broadcastShape(node, types.map(\.shape)))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let a = try inputs.required(0)
        guard case .bool(let x) = a.storage else { throw node.fail("takes bool inputs") }
        if function == .not { return [Tensor(shape: a.shape, storage: .bool(x.map { !$0 }))] }
        let b = try inputs.required(1)
        guard case .bool(let y) = b.storage else { throw node.fail("takes bool inputs") }
        return [Tensor(shape: inputs.output.shape, storage: .bool(LogicalKernels.map(x, a.shape, y, b.shape, inputs.output.shape) { function.apply($0, $1) }))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.logical, Array(node.node.inputs.prefix(function == .not ? 1 : 2)), [UInt32(LogicalOperator.allCases.firstIndex(of: function)!)])
    }
}

/// Where: X where the condition holds, else Y, the three broadcast together (NumPy rules). The
/// runtime's WHERE moves elements of any size, so every dtype runs.
struct WhereOperator: OperatorDefinition {
    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let condition = try node.type(0), x = try node.type(1), y = try node.type(2)
        guard condition.dtype == .bool else { throw node.fail("condition must be bool, got \(condition.dtype)") }
        guard x.dtype == y.dtype else { throw node.fail("chooses between \(x.dtype) and \(y.dtype); X and Y must have one type") }
        return [TensorType(x.dtype, try LogicalKernels.broadcastShape(node, [condition.shape, x.shape, y.shape]))]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let condition = try inputs.required(0), x = try inputs.required(1), y = try inputs.required(2)
        guard case .bool(let holds) = condition.storage else { throw node.fail("condition must be bool") }
        let shape = inputs.output.shape
        let ci = Shapes.broadcastIndices(from: condition.shape, to: shape)
        let xi = Shapes.broadcastIndices(from: x.shape, to: shape), yi = Shapes.broadcastIndices(from: y.shape, to: shape)
        // Pick from X and Y joined: Y's elements follow X's.
        let joined = TensorStorage.interleaving([x.storage, y.storage], blockSizes: [x.elementCount, y.elementCount], outerCount: 1)
        let picks = ci.indices.map { holds[ci[$0]] ? xi[$0] : x.elementCount + yi[$0] }
        return [Tensor(shape: shape, storage: joined.gathering(picks))]
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        node.make(.where, Array(node.node.inputs.prefix(3)), [])
    }
}

extension WhereOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let condition = try request.inputs.required(0), x = try request.inputs.required(1), y = try request.inputs.required(2)
        guard case .bool(let holds) = condition.storage else { throw node.fail("condition must be bool") }
        let g = request.gradient()
        let shape = request.inputs.output.shape
        let ci = Shapes.broadcastIndices(from: condition.shape, to: shape)
        let picked = ci.map { holds[$0] }
        return [
            nil,
            request.wants(1) ? Tensor(shape: x.shape, floats: ElementwiseGradients.reduce(g.indices.map { picked[$0] ? g[$0] : 0 }, from: shape, to: x.shape)) : nil,
            request.wants(2) ? Tensor(shape: y.shape, floats: ElementwiseGradients.reduce(g.indices.map { picked[$0] ? 0 : g[$0] }, from: shape, to: y.shape)) : nil,
        ]
    }
}

/// Broadcasting for the logical operators, whose results change type (two floats give a bool).
enum LogicalKernels {
    static func broadcastShape(_ node: NodeContext, _ shapes: [[Int]]) throws -> [Int] {
        var result: [Int] = []
        for shape in shapes {
            guard let next = Shapes.broadcast(result, shape) else {
                throw node.fail("shapes \(shapes.map { "\($0)" }.joined(separator: ", ")) do not broadcast together")
            }
            result = next
        }
        return result
    }

    static func map<T, R>(_ x: [T], _ xShape: [Int], _ y: [T], _ yShape: [Int], _ shape: [Int], _ f: (T, T) -> R) -> [R] {
        if xShape == yShape { return zip(x, y).map(f) }
        let xi = Shapes.broadcastIndices(from: xShape, to: shape), yi = Shapes.broadcastIndices(from: yShape, to: shape)
        return xi.indices.map { f(x[xi[$0]], y[yi[$0]]) }
    }
}
