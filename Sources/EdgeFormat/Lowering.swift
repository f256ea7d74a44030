import EdgeIR

/// One operator as the file stores it: a kind, data inputs and outputs, and a parameter block of
/// 4-byte fields. Parameters ONNX passes as inputs (shapes, bounds, scales) are resolved here,
/// so the runtime only ever reads data tensors.
public struct LoweredOperator: Sendable, Equatable {
    public var kind: Edgem.OperatorKind
    public var name: String
    public var inputs: [ValueID?]
    public var outputs: [ValueID]
    public var parameters: [UInt32]
}

/// Why a prepared graph cannot be written as `.edgem`.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Turns the nodes of a prepared graph (shapes bound, constants folded) into file operators.
public enum Lowering {
    /// Lowers every node; tables and requantization arrays the int8 operators read are added
    /// to `graph` as constants.
    public static func lower(_ graph: inout Graph) throws -> [LoweredOperator] {
        var result: [LoweredOperator] = []
        for node in graph.nodes {
            if let int8 = try lowerInt8(node, in: &graph) { result.append(int8) } else { result.append(try lower(node, in: graph)) }
        }
        return result
    }

    static func float(_ value: Float) -> UInt32 { value.bitPattern }
    static func int(_ value: Int) -> UInt32 { UInt32(bitPattern: Int32(truncatingIfNeeded: value)) }

    /// `activation, alpha, beta` as the format encodes fused activations.
    static func activationFields(_ activation: Activation?) -> [UInt32] {
        switch activation {
        case nil: return [0, 0, 0]
        case .relu?: return [1, 0, 0]
        case .clip(let low, let high)?: return [2, float(low), float(high)]
        case .hardSwish?: return [3, 0, 0]
        case .leakyRelu(let alpha)?: return [4, float(alpha), 0]
        }
    }

    /// Pads an axis list to the format's fixed 8 entries.
    static func eight(_ values: [Int]) -> [UInt32] { (values + Array(repeating: 0, count: 8 - values.count)).map(int) }

    static func lower(_ node: Node, in graph: Graph) throws -> LoweredOperator {
        func fail(_ detail: String) -> FormatError { FormatError("\(node.operation.kindName) node '\(node.name)': \(detail)") }
        func shape(_ i: Int) throws -> [Int] {
            guard let id = node.input(i), let type = graph.type(of: id) else { throw fail("input \(i) has no known shape") }
            return type.shape
        }
        func constant(_ i: Int) -> Tensor? { graph.constant(node.input(i)) }
        let outputShape = node.outputs.first.flatMap { graph.type(of: $0)?.shape } ?? []
        func make(_ kind: Edgem.OperatorKind, _ inputs: [ValueID?], _ parameters: [UInt32]) -> LoweredOperator {
            LoweredOperator(kind: kind, name: node.name, inputs: inputs, outputs: node.outputs, parameters: parameters)
        }
        let data = [node.input(0)]
        let inputRanks = node.inputs.compactMap { $0.flatMap { graph.type(of: $0)?.shape.count } }
        guard outputShape.count <= Edgem.maxRank, inputRanks.allSatisfy({ $0 <= Edgem.maxRank }) else {
            throw fail("tensors of rank above \(Edgem.maxRank) are not supported by the format")
        }

        switch node.operation {
        case .conv(let a):
            let x = try shape(0), w = try shape(1)
            let pads = WindowGeometry.resolvedPads(autoPad: a.autoPad, pads: a.pads, input: Array(x[2...]), kernel: Array(w[2...]), strides: a.strides, dilations: a.dilations)
            return make(.conv, Array(node.inputs.prefix(3)), [int(a.group)] + spatialFields(strides: a.strides, dilations: a.dilations, pads: pads) + activationFields(a.activation))
        case .convTranspose(let a):
            let x = try shape(0), w = try shape(1)
            let geometry = ShapeInference.transposedConvolutionGeometry(a, input: Array(x[2...]), kernel: Array(w[2...]))
            return make(.convTranspose, Array(node.inputs.prefix(3)), [int(a.group)] + spatialFields(strides: a.strides, dilations: a.dilations, pads: geometry.pads) + activationFields(a.activation))
        case .gemm(let g):
            return make(.gemm, Array(node.inputs.prefix(3)), [g.transposeA ? 1 : 0, g.transposeB ? 1 : 0, float(g.alpha), float(g.beta)] + activationFields(g.activation))
        case .matMul(let activation):
            return make(.matMul, node.inputs, activationFields(activation))
        case .binary(let op, let activation):
            let codes: [BinaryOperator: UInt32] = [.add: 0, .sub: 1, .mul: 2, .div: 3, .pow: 4, .min: 5, .max: 6, .mod: 7, .fmod: 8]
            return make(.binary, node.inputs, [codes[op]!] + activationFields(activation))
        case .unary(let function):
            let fields: [UInt32]
            switch function {
            case .relu: fields = [0, 0, 0]
            case .leakyRelu(let alpha): fields = [1, float(alpha), 0]
            case .clip(let low, let high): fields = [2, float(low), float(high)]
            case .sigmoid: fields = [3, 0, 0]
            case .hardSigmoid(let alpha, let beta): fields = [4, float(alpha), float(beta)]
            case .hardSwish: fields = [5, 0, 0]
            case .tanh: fields = [6, 0, 0]
            case .sqrt: fields = [7, 0, 0]
            case .exp: fields = [8, 0, 0]
            case .erf: fields = [9, 0, 0]
            case .neg: fields = [10, 0, 0]
            case .abs: fields = [11, 0, 0]
            }
            return make(.unary, data, fields)
        case .softmax(let s):
            let axis = Shapes.normalizedAxis(s.axis, rank: outputShape.count)!
            return make(.softmax, data, [int(axis), s.flattensToMatrix ? 1 : 0])
        case .maxPool(let p), .averagePool(let p):
            let x = try shape(0)
            let pads = WindowGeometry.resolvedPads(autoPad: p.autoPad, pads: p.pads, input: Array(x[2...]), kernel: p.kernelShape, strides: p.strides, dilations: p.dilations)
            let kernel = p.kernelShape.count == 1 ? [1] + p.kernelShape : p.kernelShape
            let kind: Edgem.OperatorKind
            if case .maxPool = node.operation { kind = .maxPool } else { kind = .averagePool }
            return make(kind, data, kernel.map(int) + spatialFields(strides: p.strides, dilations: p.dilations, pads: pads) + [p.countIncludePad ? 1 : 0])
        case .globalAveragePool:
            return make(.globalAveragePool, data, [])
        case .globalMaxPool:
            return make(.globalMaxPool, data, [])
        case .batchNormalization(let epsilon):
            return make(.batchNormalization, Array(node.inputs.prefix(5)), [float(epsilon)])
        case .localResponseNormalization(let l):
            return make(.lrn, data, [int(l.size), float(l.alpha), float(l.beta), float(l.bias)])
        case .concat(let axis):
            return make(.concat, node.inputs, [int(Shapes.normalizedAxis(axis, rank: outputShape.count)!)])
        case .split(let axis, _):
            return make(.split, data, [int(Shapes.normalizedAxis(axis, rank: try shape(0).count)!)])
        case .slice:
            guard let starts = constant(1), let ends = constant(2) else { throw fail("starts and ends must be constants") }
            let ranges = try ShapeInference.sliceRanges(shape: try shape(0), starts: starts.storage.int64s, ends: ends.storage.int64s,
                                                        axes: constant(3)?.storage.int64s, steps: constant(4)?.storage.int64s, node: node)
            return make(.slice, data, eight(ranges.starts) + eight(ranges.steps))
        case .gather(let axis):
            return make(.gather, Array(node.inputs.prefix(2)), [int(Shapes.normalizedAxis(axis, rank: try shape(0).count)!)])
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity:
            return make(.reshape, data, [])
        case .transpose(let permutation):
            let rank = try shape(0).count
            return make(.transpose, data, eight(permutation ?? Array((0..<rank).reversed())))
        case .expand:
            return make(.expand, data, [])
        case .pad(let mode):
            let x = try shape(0)
            guard let pads = constant(1)?.storage.int64s.map({ Int($0) }) else { throw fail("pads must be constant") }
            let axes = constant(3)?.storage.int64s.map { Shapes.normalizedAxis(Int($0), rank: x.count)! } ?? Array(0..<x.count)
            var begins = Array(repeating: 0, count: x.count)
            for (i, axis) in axes.enumerated() { begins[axis] = pads[i] }
            let value = Float(constant(2)?.storage.doubles.first ?? 0)
            let modeCode: UInt32 = mode == .constant ? 0 : mode == .reflect ? 1 : 2
            return make(.pad, data, [modeCode, float(value)] + eight(begins))
        case .resize(let r):
            let x = try shape(0)
            let axes = (r.axes ?? Array(0..<x.count)).map { Shapes.normalizedAxis($0, rank: x.count)! }
            let given = constant(3) == nil ? constant(2)?.floats : nil
            var scales = (0..<x.count).map { Float(outputShape[$0]) / Float(x[$0]) }
            if let given = given, !given.isEmpty {
                for (i, axis) in axes.enumerated() { scales[axis] = given[i] }
            }
            let modeCode: UInt32 = r.mode == .nearest ? 0 : 1
            let coordinate: [Resize.CoordinateTransformation: UInt32] = [.halfPixel: 0, .halfPixelSymmetric: 1, .pytorchHalfPixel: 2, .alignCorners: 3, .asymmetric: 4]
            let rounding: [Resize.NearestRounding: UInt32] = [.roundPreferFloor: 0, .roundPreferCeil: 1, .floor: 2, .ceil: 3, .legacySimple: 4]
            return make(.resize, data, [modeCode, coordinate[r.coordinateTransformation]!, rounding[r.nearestRounding]!]
                        + (scales + Array(repeating: 1, count: 8 - scales.count)).map(float))
        case .reduce(let reduction):
            let rank = try shape(0).count
            let axes = (reduction.axes ?? Array(0..<rank)).map { Shapes.normalizedAxis($0, rank: rank)! }
            let mask = axes.reduce(UInt32(0)) { $0 | (1 << UInt32($1)) }
            let kind: UInt32 = reduction.kind == .mean ? 0 : reduction.kind == .sum ? 1 : 2
            return make(.reduce, data, [kind, mask])
        case .cast(let dtype):
            return make(.cast, data, [UInt32(dtype.rawValue)])
        case .quantizeLinear:
            return make(.quantize, data, [])
        case .dequantizeLinear:
            return make(.dequantize, data, [])
        case .shape, .constantOfShape:
            throw fail("should have been folded to a constant; its input shapes are not static")
        case .unsupported(let detail):
            throw fail(detail.reason)
        }
    }

    /// `stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left, pad_bottom, pad_right`, lifting 1-D to 2-D.
    static func spatialFields(strides: [Int], dilations: [Int], pads: [Int]) -> [UInt32] {
        if strides.count == 1 {
            return [1, int(strides[0]), 1, int(dilations[0]), 0, int(pads[0]), 0, int(pads[1])].map { $0 }
        }
        return [strides[0], strides[1], dilations[0], dilations[1], pads[0], pads[1], pads[2], pads[3]].map(int)
    }
}

extension Lowering {
    /// The int8 operator for a node whose data input is int8, or nil when the float lowering applies
    /// (bytewise ops, MaxPool and Resize take int8 tensors under their float kinds).
    static func lowerInt8(_ node: Node, in graph: inout Graph) throws -> LoweredOperator? {
        guard let first = node.input(0), graph.type(of: first)?.dtype == .int8, let output = node.outputs.first else { return nil }
        if case .dequantizeLinear = node.operation { return nil }
        func fail(_ detail: String) -> FormatError { FormatError("\(node.operation.kindName) node '\(node.name)': \(detail)") }
        func quantization(_ id: ValueID?) throws -> QuantizationParameters {
            guard let id = id, let q = graph.values[id].quantization else { throw fail("int8 tensor without quantization parameters") }
            return q
        }
        let outQ = try quantization(output)
        func make(_ kind: Edgem.OperatorKind, _ inputs: [ValueID?], _ parameters: [UInt32]) -> LoweredOperator {
            LoweredOperator(kind: kind, name: node.name, inputs: inputs, outputs: node.outputs, parameters: parameters)
        }
        func constant(_ suffix: String, _ tensor: Tensor) -> ValueID { graph.addConstant(name: "\(node.name).\(suffix)", tensor) }
        func requantization(weights: ValueID, channels: Int) throws -> ValueID {
            constant("requantization", Int8Lowering.requantization(input: try quantization(first), weights: try quantization(weights), output: outQ, channels: channels))
        }
        /// Int8 weights as [N, K] (rows are output channels).
        func rowsAreOutputs(_ weights: ValueID, transposed: Bool) throws -> ValueID {
            guard !transposed else { return weights }
            let (tensor, q) = Int8Lowering.transposedWeights(graph.constants[weights]!, params: try quantization(weights))
            let id = constant("weights_nk", tensor)
            graph.values[id].quantization = q
            return id
        }

        switch node.operation {
        case .conv(let c):
            let lowered = try lower(node, in: graph)
            let w = node.input(1)!
            let channels = graph.type(of: w)!.shape[0]
            return make(.convInt8, [first, w, node.input(2), try requantization(weights: w, channels: channels)],
                        Array(lowered.parameters.prefix(9)) + Int8Lowering.bounds(c.activation, outQ))
        case .gemm(let g):
            let w = try rowsAreOutputs(node.input(1)!, transposed: g.transposeB)
            let channels = graph.type(of: w)!.shape[0]
            return make(.gemmInt8, [first, w, node.input(2), try requantization(weights: w, channels: channels)], Int8Lowering.bounds(g.activation, outQ))
        case .matMul(let activation):
            let w = try rowsAreOutputs(node.input(1)!, transposed: false)
            let channels = graph.type(of: w)!.shape[0]
            return make(.gemmInt8, [first, w, nil, try requantization(weights: w, channels: channels)], Int8Lowering.bounds(activation, outQ))
        case .binary(let op, let activation):
            let a = try quantization(node.input(0)), b = try quantization(node.input(1))
            let field = Int8Lowering.field
            if op == .add {
                let leftShift: Int32 = 20
                let twiceMax = 2 * Double(max(a.scale, b.scale))
                let (am, ash) = Int8Lowering.quantizeMultiplier(Double(a.scale) / twiceMax)
                let (bm, bsh) = Int8Lowering.quantizeMultiplier(Double(b.scale) / twiceMax)
                let (om, osh) = Int8Lowering.quantizeMultiplier(twiceMax / (Double(1 << leftShift) * Double(outQ.scale)))
                return make(.addInt8, node.inputs, [leftShift, am, ash, bm, bsh, om, osh].map(field) + Int8Lowering.bounds(activation, outQ))
            }
            guard op == .mul else { throw fail("\(op.onnxName) has no int8 operator") }
            let (om, osh) = Int8Lowering.quantizeMultiplier(Double(a.scale) * Double(b.scale) / Double(outQ.scale))
            return make(.mulInt8, node.inputs, [om, osh].map(field) + Int8Lowering.bounds(activation, outQ))
        case .concat(let axis):
            let inputs = try node.inputs.map { try quantization($0) }
            if inputs.allSatisfy({ $0 == outQ }) { return nil }
            var fields = [Lowering.int(Shapes.normalizedAxis(axis, rank: graph.type(of: output)!.shape.count)!)]
            for q in inputs {
                let (m, sh) = q == outQ ? (Int32(0), Int32(0)) : Int8Lowering.quantizeMultiplier(Double(q.scale) / Double(outQ.scale))
                fields += [Int8Lowering.field(m), Int8Lowering.field(sh)]
            }
            return make(.concatInt8, node.inputs, fields)
        case .unary(let op):
            let table = constant("table", Int8Lowering.lookupTable(op, input: try quantization(first), output: outQ))
            return make(.lookup, [first, table], [])
        case .softmax:
            let lowered = try lower(node, in: graph)
            let table = constant("exp_table", Int8Lowering.softmaxTable(input: try quantization(first)))
            return make(.softmaxInt8, [first, table], lowered.parameters)
        case .averagePool:
            var lowered = try lower(node, in: graph)
            lowered.kind = .averagePoolInt8
            return lowered
        case .globalAveragePool:
            return make(.globalAveragePoolInt8, [first], [])
        default:
            return nil
        }
    }
}
