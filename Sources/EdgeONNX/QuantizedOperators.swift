import EdgeIR

/// onnxruntime's quantized operators, written as the standard operators they stand for so that one
/// path compiles every pre-quantized model:
///
/// - The QOperator format (QLinearConv, QLinearMatMul; com.microsoft's QGemm, QLinearAdd,
///   QLinearMul, QLinearGlobalAveragePool, QLinearAveragePool, QLinearLeakyRelu, QLinearSigmoid,
///   QLinearSoftmax, QLinearConcat) becomes a QDQ group: DequantizeLinear of each quantized operand, the float
///   operator, QuantizeLinear to the output's scale and zero point. `LowerFakeQuantization` turns
///   the group into the int8 operator with exactly the carried scales, as it does for QDQ models.
///   The int32 bias carries the scale `x_scale · w_scale` the ONNX definition gives it.
/// - Dynamic quantization (DynamicQuantizeLinear, MatMulInteger, ConvInteger) computes activation
///   scales at run time, which the runtime's int8 kernels take at compile time: these run in float,
///   exactly as ONNX defines them (MatMulInteger is the float MatMul of `Cast(a) − a_zero_point` and
///   `Cast(b) − b_zero_point`, cast to the int32 it returns).
///
///     QLinearConv(x, xs, xzp, w, ws, wzp, ys, yzp, B)
///       ≡ QuantizeLinear(Conv(DequantizeLinear(x), DequantizeLinear(w), DequantizeLinear(B; xs·ws)), ys, yzp)
public enum QuantizedOperators {
    enum Expansion {
        /// Not one of onnxruntime's quantized operators: the importer maps it as usual.
        case notQuantized
        /// A quantized operator edgec cannot read, and why.
        case unsupported(String)
        /// Standard ONNX nodes computing the same outputs, and the constants they read.
        case nodes([Onnx_NodeProto], constants: [(String, Tensor)])
    }

    /// The operators edgec reads, by domain ("" is the default ONNX domain).
    static let supported: [String: Set<String>] = [
        "": ["QLinearConv", "QLinearMatMul", "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger"],
        "com.microsoft": ["QGemm", "QLinearAdd", "QLinearMul", "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearLeakyRelu", "QLinearSigmoid", "QLinearSoftmax", "QLinearConcat"],
    ]

    /// Operators whose scales and zero points are computed at run time: they run in float (the compile summary says so).
    public static let dynamic: Set<String> = ["DynamicQuantizeLinear", "MatMulInteger", "ConvInteger"]

    /// Whether `opType` is a quantization operator of one of the formats edgec reads (QDQ, QOperator, dynamic).
    public static func isQuantization(_ opType: String) -> Bool {
        opType == "QuantizeLinear" || opType == "DequantizeLinear" || supported.values.contains { $0.contains(opType) }
    }

    /// The standard nodes for `node`, read at the model's default-domain opset `opset`. `constant`
    /// gives the value of an initializer or Constant node by name.
    static func expand(_ node: Onnx_NodeProto, domain: String, name: String, opset: Int, constant: @escaping (String) -> Tensor?) -> Expansion {
        var builder = Builder(name: name, node: node, constant: constant)
        do throws(Refusal) {
            switch (domain, node.opType) {
            case ("", "QLinearConv"):
                try builder.qLinear("Conv", operands: [.init(0, "x"), .init(3, "w", weightAxis: { _ in 0 })], bias: 8, output: 6)
            case ("", "QLinearMatMul"):
                try builder.qLinear("MatMul", operands: [.init(0, "a"), .init(3, "b", weightAxis: { $0 - 1 })], output: 6)
            case ("com.microsoft", "QGemm"):
                let transB = node.attribute.first { $0.name == "transB" }?.i ?? 0
                // Y = alpha · A_scale · B_scale · (A·B + C) in onnxruntime: C's scale carries alpha.
                let alpha = node.attribute.first { $0.name == "alpha" }?.f ?? 1
                try builder.qLinear("Gemm", operands: [.init(0, "A"), .init(3, "B", weightAxis: { _ in transB != 0 ? 0 : 1 })], bias: 6, biasScale: alpha, output: 7)
            case ("com.microsoft", "QLinearAdd"), ("com.microsoft", "QLinearMul"):
                try builder.qLinear(node.opType == "QLinearAdd" ? "Add" : "Mul", operands: [.init(0, "A"), .init(3, "B")], output: 6)
            case ("com.microsoft", "QLinearGlobalAveragePool"), ("com.microsoft", "QLinearAveragePool"):
                guard (node.attribute.first { $0.name == "channels_last" }?.i ?? 0) == 0 else {
                    throw Refusal("channels_last layout is not supported (NCHW is)")
                }
                try builder.qLinear(String(node.opType.dropFirst("QLinear".count)), operands: [.init(0, "X")], output: 3, dropping: ["channels_last"])
            case ("com.microsoft", "QLinearLeakyRelu"), ("com.microsoft", "QLinearSigmoid"):
                try builder.qLinear(String(node.opType.dropFirst("QLinear".count)), operands: [.init(0, "X")], output: 3)
            case ("com.microsoft", "QLinearSoftmax"):
                try builder.qLinear("Softmax", operands: [.init(0, "X")], output: 3, replacing: [try softmaxAxis(node, opset: opset)], dropping: ["opset"])
            case ("com.microsoft", "QLinearConcat"):
                // Inputs: Y_scale, Y_zero_point, then (X, X_scale, X_zero_point) per tensor.
                let count = (node.input.count - 2) / 3
                guard count >= 1, node.input.count == 2 + 3 * count else { throw Refusal("needs Y_scale, Y_zero_point and a (tensor, scale, zero point) triple per input") }
                try builder.qLinear("Concat", operands: (0..<count).map { .init(2 + 3 * $0, "input \($0)") }, output: 0)
            case ("", "DynamicQuantizeLinear"):
                try builder.dynamicQuantizeLinear()
            case ("", "MatMulInteger"):
                // b's zero points run along its columns, the last axis, where they broadcast as they are.
                try builder.integer("MatMul", weightShape: { b in b.rank >= 1 ? [b.shape[b.rank - 1]] : nil })
            case ("", "ConvInteger"):
                try builder.integer("Conv", weightShape: { w in [w.shape[0]] + Array(repeating: 1, count: w.rank - 1) })
            default:
                guard domain == "com.microsoft", isQuantizedContribOperator(node.opType) else { return .notQuantized }
                let known = supported.values.flatMap { $0 }.sorted().joined(separator: ", ")
                return .unsupported("onnxruntime's quantized operator \(node.opType) is not supported (edgec reads \(known)); quantize to the QDQ format (quant_format=QuantFormat.QDQ) instead")
            }
        } catch {
            return .unsupported(error.reason)
        }
        return .nodes(builder.nodes, constants: builder.constants)
    }

    /// The axis of QLinearSoftmax as a Softmax read at `opset`. The node's own `opset` attribute says
    /// which Softmax it stands for: before 13, a Softmax over everything from `axis` on. The two
    /// meanings agree on the last axis (QLinearSoftmax's default, and what onnxruntime's quantizer
    /// writes); another axis under the other meaning is refused rather than mis-run.
    static func softmaxAxis(_ node: Onnx_NodeProto, opset: Int) throws(Refusal) -> Onnx_AttributeProto {
        let axis = node.attribute.first { $0.name == "axis" }?.i ?? -1
        guard let meaning = node.attribute.first(where: { $0.name == "opset" })?.i else {
            throw Refusal("needs its opset attribute (the opset of the Softmax it quantizes)")
        }
        guard axis == -1 || (meaning < 13) == (opset < 13) else {
            throw Refusal("stands for a Softmax of opset \(meaning) over axis \(axis), which a Softmax of the model's opset \(opset) computes differently; only the last axis (-1) is read across that change")
        }
        return Builder.intAttribute("axis", Int(axis))
    }

    /// onnxruntime's contrib quantized operators (QAttention, QLinearSoftmax, DynamicQuantizeMatMul,
    /// MatMulIntegerToFloat, ...): refused by name rather than as an unknown domain.
    static func isQuantizedContribOperator(_ opType: String) -> Bool {
        (opType.first == "Q" && opType.dropFirst().first?.isUppercase == true) || opType.contains("Quantize") || opType.hasSuffix("IntegerToFloat")
    }

    struct Refusal: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// A quantized operand: the tensor at `index`, its scale and zero point right after it.
    struct Operand {
        let index: Int
        let label: String
        /// The axis of per-channel scales, from the weights' rank; nil when only per-tensor scales fit.
        let weightAxis: ((Int) -> Int)?

        init(_ index: Int, _ label: String, weightAxis: ((Int) -> Int)? = nil) {
            self.index = index
            self.label = label
            self.weightAxis = weightAxis
        }
    }

    struct Builder {
        let name: String
        let node: Onnx_NodeProto
        let constant: (String) -> Tensor?
        var nodes: [Onnx_NodeProto] = []
        var constants: [(String, Tensor)] = []

        init(name: String, node: Onnx_NodeProto, constant: @escaping (String) -> Tensor?) {
            self.name = name
            self.node = node
            self.constant = constant
        }

        func input(_ index: Int) -> String? { index < node.input.count && !node.input[index].isEmpty ? node.input[index] : nil }

        func required(_ index: Int, _ what: String) throws(Refusal) -> String {
            guard let value = input(index) else { throw Refusal("needs its \(what) (input \(index))") }
            return value
        }

        /// The scale at `index`: a positive constant (checked by DequantizeLinear's import).
        func scale(_ index: Int, _ label: String) throws(Refusal) -> Tensor {
            let value = try required(index, "\(label) scale")
            guard let tensor = constant(value), tensor.dtype == .float32 else {
                throw Refusal("its \(label) scale '\(value)' is computed at run time; edgec needs it constant")
            }
            return tensor
        }

        /// The zero point at `index` when given: a constant int8 or uint8.
        func checkZeroPoint(_ index: Int, _ label: String) throws(Refusal) {
            guard let value = input(index) else { return }
            guard let tensor = constant(value) else {
                throw Refusal("its \(label) zero point '\(value)' is computed at run time; edgec needs it constant")
            }
            guard tensor.dtype == .int8 || tensor.dtype == .uint8 else {
                throw Refusal("its \(label) zero point '\(value)' is \(tensor.dtype); \(node.opType) takes int8 or uint8 zero points")
            }
        }

        mutating func add(_ opType: String, _ inputs: [String], _ outputs: [String], _ attributes: [Onnx_AttributeProto] = []) {
            var made = Onnx_NodeProto()
            made.opType = opType
            // Errors name the node a value belongs to: the expansion's own, or the original node for its outputs.
            made.name = outputs[0].hasPrefix(name + ".") ? outputs[0] : name
            made.input = inputs
            made.output = outputs
            made.attribute = attributes
            nodes.append(made)
        }

        /// A value name of this expansion.
        func value(_ suffix: String) -> String { "\(name).\(suffix)" }

        mutating func addConstant(_ suffix: String, _ tensor: Tensor) -> String {
            constants.append((value(suffix), tensor))
            return value(suffix)
        }

        static func intAttribute(_ name: String, _ value: Int) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .int
            a.i = Int64(value)
            return a
        }

        /// `attributes` with kernel_shape from constant weights when the node leaves it out: the
        /// Conv import reads the kernel rank from it, and these weights are computed (dequantized).
        func withKernelShape(_ attributes: [Onnx_AttributeProto], weights: Int) -> [Onnx_AttributeProto] {
            guard !attributes.contains(where: { $0.name == "kernel_shape" }), let w = input(weights).flatMap(constant), w.rank > 2 else { return attributes }
            return attributes + [Onnx_AttributeProto.with { $0.name = "kernel_shape"; $0.type = .ints; $0.ints = w.shape.dropFirst(2).map(Int64.init) }]
        }

        /// DequantizeLinear of operand `operand`; per-channel scales need constant weights, whose rank gives the axis.
        mutating func dequantize(_ operand: Operand) throws(Refusal) -> (value: String, scale: Tensor) {
            let x = try required(operand.index, operand.label)
            let scale = try self.scale(operand.index + 1, operand.label)
            try checkZeroPoint(operand.index + 2, operand.label)
            var attributes: [Onnx_AttributeProto] = []
            if scale.elementCount > 1 {
                guard let axisOf = operand.weightAxis, let weights = constant(x) else {
                    throw Refusal("its \(operand.label) has \(scale.elementCount) scales; edgec takes one scale for a tensor computed at run time")
                }
                attributes.append(Self.intAttribute("axis", axisOf(weights.rank)))
            }
            let output = value("\(operand.label.replacingOccurrences(of: " ", with: "_"))_dequantized")
            add("DequantizeLinear", [x, node.input[operand.index + 1]] + (input(operand.index + 2).map { [$0] } ?? []), [output], attributes)
            return (output, scale)
        }

        /// A QLinear operator: its quantized operands dequantized, the float operator with the
        /// node's own attributes (less `dropping`, with `replacing` in place of those of the same
        /// name), the result quantized to the output's scale (output scale at `output`, zero point
        /// after it; a QGemm without them gives float). The int32 bias at `bias` has the scale
        /// x_scale · w_scale · `biasScale`.
        mutating func qLinear(_ floatOp: String, operands: [Operand], bias: Int? = nil, biasScale: Float = 1, output: Int, replacing: [Onnx_AttributeProto] = [], dropping: Set<String> = []) throws(Refusal) {
            var inputs: [String] = []
            var scales: [Tensor] = []
            for operand in operands {
                let (value, scale) = try dequantize(operand)
                inputs.append(value)
                scales.append(scale)
            }
            if let bias, let b = input(bias) {
                guard let tensor = constant(b), tensor.dtype == .int32, tensor.rank <= 1 else {
                    throw Refusal("its bias '\(b)' must be a constant int32 vector")
                }
                // The bias is quantized with scale x_scale · w_scale (per output channel with the weights'), times `biasScale`.
                let (x, w) = (scales[0].floats!, scales[1].floats!)
                guard x.count == 1, w.count == 1 || w.count == tensor.elementCount else {
                    throw Refusal("its bias '\(b)' has \(tensor.elementCount) values for \(w.count) weight scales")
                }
                let product = w.map { $0 * x[0] * biasScale }
                let scale = addConstant("bias_scale", Tensor(shape: product.count == 1 ? [] : [product.count], floats: product))
                let dequantized = value("bias_dequantized")
                add("DequantizeLinear", [b, scale], [dequantized], product.count > 1 ? [Self.intAttribute("axis", 0)] : [])
                inputs.append(dequantized)
            }
            let replaced = Set(replacing.map(\.name))
            let attributes = node.attribute.filter { !dropping.contains($0.name) && !replaced.contains($0.name) } + replacing
            let floatNode = floatOp == "Conv" ? withKernelShape(attributes, weights: 3) : attributes
            guard let outputScale = input(output) else {
                guard floatOp == "Gemm", !node.output.isEmpty else { throw Refusal("needs its output scale (input \(output))") }
                add(floatOp, inputs, [node.output[0]], floatNode)
                return
            }
            _ = try scale(output, "output")
            try checkZeroPoint(output + 1, "output")
            guard node.output.count == 1 else { throw Refusal("must have one output") }
            let result = value("float")
            add(floatOp, inputs, [result], floatNode)
            add("QuantizeLinear", [result, outputScale] + (input(output + 1).map { [$0] } ?? []), [node.output[0]])
        }

        /// DynamicQuantizeLinear as ONNX defines it, in float: the range of x widened to hold 0,
        /// `scale = (max − min) / 255` (1 for an all-zero x, as onnxruntime does),
        /// `zero = saturate(round(−min / scale))`, `y = saturate(round(x / scale) + zero)`, rounding
        /// half to even; y and the zero point are uint8.
        mutating func dynamicQuantizeLinear() throws(Refusal) {
            let x = try required(0, "input")
            guard (1...3).contains(node.output.count) else { throw Refusal("has outputs y, y_scale and y_zero_point") }
            let outputs = (0..<3).map { i in i < node.output.count && !node.output[i].isEmpty ? node.output[i] : value(["y", "y_scale", "y_zero_point"][i]) }
            let zero = addConstant("zero", Tensor(shape: [], floats: [0]))
            let one = addConstant("one", Tensor(shape: [], floats: [1]))
            let levels = addConstant("levels", Tensor(shape: [], floats: [255]))
            let keep = [Self.intAttribute("keepdims", 0)]
            add("ReduceMax", [x], [value("max")], keep)
            add("ReduceMin", [x], [value("min")], keep)
            add("Max", [value("max"), zero], [value("high")])
            add("Min", [value("min"), zero], [value("low")])
            add("Sub", [value("high"), value("low")], [value("range")])
            add("Div", [value("range"), levels], [value("range_scale")])
            add("Equal", [value("range"), zero], [value("empty")])
            add("Where", [value("empty"), one, value("range_scale")], [value("scale")])
            add("Div", [value("low"), value("scale")], [value("low_steps")])
            add("Neg", [value("low_steps")], [value("zero_steps")])
            add("Round", [value("zero_steps")], [value("zero_rounded")])
            add("Clip", [value("zero_rounded"), zero, levels], [value("zero_point")])
            add("Div", [x, value("scale")], [value("steps")])
            add("Round", [value("steps")], [value("rounded")])
            add("Add", [value("rounded"), value("zero_point")], [value("shifted")])
            add("Clip", [value("shifted"), zero, levels], [value("saturated")])
            let uint8 = [Self.intAttribute("to", 2)]
            add("Cast", [value("saturated")], [outputs[0]], uint8)
            add("Identity", [value("scale")], [outputs[1]])
            add("Cast", [value("zero_point")], [outputs[2]], uint8)
        }

        /// MatMulInteger and ConvInteger: the float operator of each operand minus its zero point,
        /// cast to int32. `weightShape` is the shape in which per-channel weight zero points broadcast
        /// against the weights (a's per-row zero points are refused).
        mutating func integer(_ floatOp: String, weightShape: (Tensor) -> [Int]?) throws(Refusal) {
            guard node.output.count == 1 else { throw Refusal("must have one output") }
            let float = [Self.intAttribute("to", 1)]
            var operands: [String] = []
            for (index, label) in [(0, floatOp == "Conv" ? "x" : "a"), (1, floatOp == "Conv" ? "w" : "b")] {
                let tensor = try required(index, label)
                let cast = value("\(label)_float")
                add("Cast", [tensor], [cast], float)
                guard var zeroPoint = input(index + 2) else { operands.append(cast); continue }
                if let zero = constant(zeroPoint) {
                    guard zero.dtype == .int8 || zero.dtype == .uint8 else {
                        throw Refusal("its \(label) zero point '\(zeroPoint)' is \(zero.dtype); \(node.opType) takes int8 or uint8 zero points")
                    }
                    if zero.elementCount > 1 {
                        // Per output channel of the weights: reshaped to broadcast along their axis.
                        guard index == 1, let weights = constant(tensor), let shape = weightShape(weights), shape.reduce(1, *) == zero.elementCount else {
                            throw Refusal("its \(label) zero point '\(zeroPoint)' has \(zero.elementCount) values; edgec takes one, or one per output channel of constant weights")
                        }
                        zeroPoint = addConstant("\(label)_zero_point", zero.reshaped(shape))
                    }
                }
                add("Cast", [zeroPoint], [value("\(label)_zero_float")], float)
                add("Sub", [cast, value("\(label)_zero_float")], [value("\(label)_centered")])
                operands.append(value("\(label)_centered"))
            }
            add(floatOp, operands, [value("product")], floatOp == "Conv" ? withKernelShape(node.attribute, weights: 1) : node.attribute)
            add("Cast", [value("product")], [node.output[0]], [Self.intAttribute("to", 6)])
        }
    }
}
