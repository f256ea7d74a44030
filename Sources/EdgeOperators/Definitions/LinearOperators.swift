import EdgeIR

/// Gemm: `alpha·A'·B' + beta·C`. Inputs A, B, C?.
struct GemmOperator: OperatorDefinition {
    let attributes: Gemm

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let a = try node.type(0), b = try node.type(1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw node.fail("expects 2-D inputs, got \(a.shape) and \(b.shape)") }
        let m = attributes.transposeA ? a.shape[1] : a.shape[0]
        let k = attributes.transposeA ? a.shape[0] : a.shape[1]
        let kb = attributes.transposeB ? b.shape[1] : b.shape[0]
        let n = attributes.transposeB ? b.shape[0] : b.shape[1]
        guard k == kb else { throw node.fail("inner dimensions differ: A \(a.shape) and B \(b.shape) (transA \(attributes.transposeA), transB \(attributes.transposeB))") }
        if let c = try node.optionalType(2), Shapes.broadcast(c.shape, [m, n]) != [m, n] {
            throw node.fail("C of shape \(c.shape) does not broadcast to [\(m), \(n)]")
        }
        return [TensorType(a.dtype, [m, n])]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [LinearKernels.gemm(attributes, a: try inputs.float(0), b: try inputs.float(1), c: inputs.optional(2), output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard node.isFloatActivation(0), node.isFloatConstant(1), node.node.input(2) == nil || node.isFloatConstant(2) else { return .none(reason: "B is not a constant") }
        guard !attributes.transposeA else { return .none(reason: "transA has no int8 kernel") }
        guard IntegerArithmetic.hasInt8Form(attributes.activation) else { return .none(reason: "fused \(attributes.activation!) has no int8 form") }
        return .weighted(weightAxis: attributes.transposeB ? 0 : 1)
    }

    func weightLayout(weightRank: Int) -> WeightLayout? { WeightLayout(input: 1, outputChannelAxis: attributes.transposeB ? 0 : 1) }

    func macs(_ node: NodeContext) -> Int {
        guard let output = node.outputType(), let a = try? node.type(0) else { return 0 }
        return CheckedSize.saturatingProduct([output.elementCount, attributes.transposeA ? a.shape[0] : a.shape[1]])
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        guard node.isInt8 else {
            return node.make(.gemm, Array(node.node.inputs.prefix(3)),
                             [attributes.transposeA ? 1 : 0, attributes.transposeB ? 1 : 0, Fields.float(attributes.alpha), Fields.float(attributes.beta)] + Fields.activation(attributes.activation))
        }
        let w = try IntegerArithmetic.weightsAsRows(node, node.node.input(1)!, transposed: attributes.transposeB)
        let requantization = try IntegerArithmetic.addRequantization(node, weights: w, channels: node.graph.type(of: w)!.shape[0])
        return node.make(.gemmInt8, [node.node.input(0), w, node.node.input(2), requantization], IntegerArithmetic.bounds(attributes.activation, try node.outputQuantization))
    }
}

/// MatMul with NumPy semantics (batch dimensions broadcast). Inputs A, B.
struct MatMulOperator: OperatorDefinition {
    let activation: Activation?

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let a = try node.type(0), b = try node.type(1)
        guard !a.shape.isEmpty, !b.shape.isEmpty else { throw node.fail("inputs must have rank >= 1") }
        let aShape = a.shape.count == 1 ? [1] + a.shape : a.shape
        let bShape = b.shape.count == 1 ? b.shape + [1] : b.shape
        guard aShape[aShape.count - 1] == bShape[bShape.count - 2] else {
            throw node.fail("inner dimensions differ: \(a.shape) x \(b.shape)")
        }
        guard let batch = Shapes.broadcast(Array(aShape.dropLast(2)), Array(bShape.dropLast(2))) else {
            throw node.fail("batch dimensions of \(a.shape) and \(b.shape) cannot be broadcast")
        }
        var shape = batch
        if a.shape.count > 1 { shape.append(aShape[aShape.count - 2]) }
        if b.shape.count > 1 { shape.append(bShape[bShape.count - 1]) }
        return [TensorType(a.dtype, shape)]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        [LinearKernels.matMul(a: try inputs.float(0), b: try inputs.float(1), activation: activation, output: inputs.output)]
    }

    func int8Role(_ node: NodeContext) -> Int8Role {
        guard node.isFloatActivation(0), node.isFloatConstant(1), node.constant(1)?.rank == 2 else { return .none(reason: "only a constant 2-D right operand has an int8 kernel") }
        guard ((try? node.type(0))?.shape.count ?? 0) >= 2 else { return .none(reason: "a 1-D left operand has no int8 kernel") }
        guard IntegerArithmetic.hasInt8Form(activation) else { return .none(reason: "fused activation has no int8 form") }
        return .weighted(weightAxis: 1)
    }

    func weightLayout(weightRank: Int) -> WeightLayout? {
        WeightLayout(input: 1, outputChannelAxis: weightRank == 2 ? 1 : nil)
    }

    func macs(_ node: NodeContext) -> Int {
        guard let output = node.outputType(), let a = try? node.type(0) else { return 0 }
        return CheckedSize.saturatingProduct([output.elementCount, a.shape.last ?? 1])
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        guard node.isInt8 else { return node.make(.matMul, node.node.inputs, Fields.activation(activation)) }
        let w = try IntegerArithmetic.weightsAsRows(node, node.node.input(1)!, transposed: false)
        let requantization = try IntegerArithmetic.addRequantization(node, weights: w, channels: node.graph.type(of: w)!.shape[0])
        return node.make(.gemmInt8, [node.node.input(0), w, nil, requantization], IntegerArithmetic.bounds(activation, try node.outputQuantization))
    }
}

extension GemmOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let a = try request.inputs.float(0), b = try request.inputs.float(1)
        let g = ElementwiseGradients.throughActivation(attributes.activation, request) {
            var plain = attributes
            plain.activation = nil
            return LinearKernels.gemm(plain, a: a, b: b, c: request.inputs.optional(2), output: request.outputs[0].type)
        }
        return LinearGradients.gemm(attributes, a: a, b: b, c: request.inputs.optional(2), g: g, wants: request.wants)
    }
}

extension MatMulOperator: Differentiable {
    func backward(_ node: NodeContext, _ request: GradientRequest) throws -> [Tensor?] {
        let a = try request.inputs.float(0), b = try request.inputs.float(1)
        let g = ElementwiseGradients.throughActivation(activation, request) {
            LinearKernels.matMul(a: a, b: b, activation: nil, output: request.outputs[0].type)
        }
        return LinearGradients.matMul(a: a, b: b, g: g, wants: request.wants)
    }
}
