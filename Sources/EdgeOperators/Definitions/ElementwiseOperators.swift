import EdgeIR

/// Add, Sub, Mul, Div, Pow, Min, Max and Mod with NumPy broadcasting, an optional fused
/// activation. Inputs A, B.
struct BinaryOperatorDefinition: OperatorDefinition {
    let function: BinaryOperator
    let activation: Activation?

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let a = try node.type(0), b = try node.type(1)
        guard a.dtype == b.dtype || function == .pow else { throw node.fail("input types differ: \(a.dtype) and \(b.dtype)") }
        guard let shape = Shapes.broadcast(a.shape, b.shape) else {
            throw node.fail("shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        return [TensorType(a.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try ElementwiseKernels.binary(function, try inputs.required(0), try inputs.required(1), activation: activation, output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard function == .add || function == .mul else { return .none(reason: "\(function.onnxName) has no int8 kernel") }
        guard IntegerArithmetic.hasInt8Form(activation) else { return .none(reason: "fused activation has no int8 form") }
        guard (0..<2).allSatisfy({ node.isFloatActivation($0) || node.isFloatConstant($0) }), node.isFloatActivation(0) || node.isFloatActivation(1) else {
            return .none(reason: "its inputs are not float activations")
        }
        return .arithmetic
    }

    /// The code of each function in the BINARY record.
    static let codes: [BinaryOperator: UInt32] = [.add: 0, .sub: 1, .mul: 2, .div: 3, .pow: 4, .min: 5, .max: 6, .mod: 7, .fmod: 8]
    /// PRelu runs as BINARY too (PReluOperator).
    static let preluCode: UInt32 = 9

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        guard node.isInt8 else { return node.make(.binary, node.node.inputs, [Self.codes[function]!] + Fields.activation(activation)) }
        let a = try node.quantization(node.node.input(0)), b = try node.quantization(node.node.input(1))
        let output = try node.outputQuantization
        let field = IntegerArithmetic.field
        let bounds = IntegerArithmetic.bounds(activation, output)
        switch function {
        case .add:
            // Both operands are brought to a common scale with 20 bits of headroom, as TFLite does.
            let leftShift: Int32 = 20
            let twiceMax = 2 * Double(max(a.scale, b.scale))
            let (am, ash) = IntegerArithmetic.quantizeMultiplier(Double(a.scale) / twiceMax)
            let (bm, bsh) = IntegerArithmetic.quantizeMultiplier(Double(b.scale) / twiceMax)
            let (om, osh) = IntegerArithmetic.quantizeMultiplier(twiceMax / (Double(1 << leftShift) * Double(output.scale)))
            return node.make(.addInt8, node.node.inputs, [leftShift, am, ash, bm, bsh, om, osh].map(field) + bounds)
        case .mul:
            let (om, osh) = IntegerArithmetic.quantizeMultiplier(Double(a.scale) * Double(b.scale) / Double(output.scale))
            return node.make(.mulInt8, node.node.inputs, [om, osh].map(field) + bounds)
        default:
            throw node.fail("\(function.onnxName) has no int8 operator")
        }
    }
}

/// Elementwise functions of one input; each formula is `UnaryOperator.apply`. Input X.
struct UnaryOperatorDefinition: OperatorDefinition {
    let function: UnaryOperator

    func outputTypes(_ node: NodeContext) throws -> [TensorType] { [try node.type(0)] }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [try ElementwiseKernels.unary(function, try inputs.required(0))]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        switch function {
        case .sigmoid, .hardSigmoid, .hardSwish, .tanh, .relu, .clip, .leakyRelu, .elu, .selu, .celu, .softplus, .softsign, .mish, .gelu, .silu:
            return node.isFloatActivation(0) ? .lookupTable : .none(reason: "its input is not a float activation")
        default:
            return .none(reason: "\(function.onnxName) has no int8 kernel")
        }
    }

    /// `function, alpha, beta` as the UNARY record encodes them.
    var fields: [UInt32] {
        switch function {
        case .relu: return [0, 0, 0]
        case .leakyRelu(let alpha): return [1, Fields.float(alpha), 0]
        case .clip(let low, let high): return [2, Fields.float(low), Fields.float(high)]
        case .sigmoid: return [3, 0, 0]
        case .hardSigmoid(let alpha, let beta): return [4, Fields.float(alpha), Fields.float(beta)]
        case .hardSwish: return [5, 0, 0]
        case .tanh: return [6, 0, 0]
        case .sqrt: return [7, 0, 0]
        case .exp: return [8, 0, 0]
        case .erf: return [9, 0, 0]
        case .neg: return [10, 0, 0]
        case .abs: return [11, 0, 0]
        case .elu(let alpha): return [12, Fields.float(alpha), 0]
        case .selu(let alpha, let gamma): return [13, Fields.float(alpha), Fields.float(gamma)]
        case .celu(let alpha): return [14, Fields.float(alpha), 0]
        case .softplus: return [15, 0, 0]
        case .softsign: return [16, 0, 0]
        case .mish: return [17, 0, 0]
        case .reciprocal: return [18, 0, 0]
        case .floor: return [19, 0, 0]
        case .ceil: return [20, 0, 0]
        case .round: return [21, 0, 0]
        case .sign: return [22, 0, 0]
        case .log: return [23, 0, 0]
        case .sin: return [24, 0, 0]
        case .cos: return [25, 0, 0]
        case .gelu(let tanhApproximation): return [tanhApproximation ? 27 : 26, 0, 0]
        case .silu: return [28, 0, 0]
        }
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        guard node.isInt8 else { return node.make(.unary, node.data, fields) }
        let input = node.node.input(0)!
        let table = node.addConstant("table", IntegerArithmetic.lookupTable(function, input: try node.quantization(input), output: try node.outputQuantization))
        return node.make(.lookup, [input, table], [])
    }
}

/// Softmax over one axis (opsets before 13: over everything after it). Input X.
struct SoftmaxOperator: OperatorDefinition {
    let attributes: Softmax

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let x = try node.type(0)
        _ = try node.axis(attributes.axis, rank: x.shape.count)
        return [x]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [NormalizationKernels.softmax(attributes, x: try inputs.float(0))]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        node.isFloatActivation(0) ? .fixedOutput(QuantizationParameters(scale: 1.0 / 256, zeroPoint: -128)) : .none(reason: "its input is not a float activation")
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        let axis = Shapes.normalizedAxis(attributes.axis, rank: node.outputShape.count)!
        let fields = [Fields.int(axis), attributes.flattensToMatrix ? 1 : 0]
        guard node.isInt8 else { return node.make(.softmax, node.data, fields) }
        let input = node.node.input(0)!
        let table = node.addConstant("exp_table", IntegerArithmetic.softmaxTable(input: try node.quantization(input)))
        return node.make(.softmaxInt8, [input, table], fields)
    }
}

extension BinaryOperatorDefinition: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let a = try request.inputs.required(0), b = try request.inputs.required(1)
        let y = request.outputs[0]
        guard y.dtype == .float32 else { return [nil, nil] }
        // The output before the activation, computed once: HardSwish's derivative and Div, Pow,
        // Min and Max read it.
        let plain = activation == nil ? y : try ElementwiseKernels.binary(function, a, b, activation: nil, output: y.type)
        let g = ElementwiseGradients.throughActivation(activation, request) { plain }
        return try ElementwiseGradients.binary(function, a: a, b: b, y: plain, gradient: g, wants: request.wants)
    }
}

extension UnaryOperatorDefinition: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let x = try request.inputs.required(0)
        guard x.dtype == .float32, request.wants(0) else { return [nil] }
        return [Tensor(shape: x.shape, floats: ElementwiseGradients.unary(function, x: x, y: request.outputs[0], gradient: request.gradient()))]
    }
}

extension SoftmaxOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        guard request.wants(0) else { return [nil] }
        let y = request.outputs[0]
        return [Tensor(shape: y.shape, floats: NormalizationGradients.softmax(attributes, y: y, gradient: request.gradient()))]
    }
}
