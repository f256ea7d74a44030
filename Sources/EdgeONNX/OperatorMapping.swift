import EdgeIR

/// Maps one ONNX node to EdgeIR, resolving opset differences: attribute forms of older opsets
/// become the constant inputs of the latest form, defaults are made explicit.
struct OperatorMapping {
    /// What the importer provides while mapping a node.
    struct Context {
        let node: Onnx_NodeProto
        let name: String
        let opset: Int
        let attributes: AttributeReader
        let inputs: [ValueID?]
        /// Contents of a value known at import time (initializers, Constant nodes).
        let constant: (ValueID?) -> Tensor?
        /// Adds a constant value and returns it.
        let makeConstant: (String, Tensor) -> ValueID
    }

    /// A mapped node: an operation and its (possibly rewritten) inputs, or the reason it is unsupported.
    enum Result {
        case mapped(Operation, [ValueID?])
        case unsupported(String)
    }

    static func map(_ c: Context) throws -> Result {
        let a = c.attributes
        let op = c.node.opType
        let inputs = c.inputs
        func input(_ i: Int) -> ValueID? { i < inputs.count ? inputs[i] : nil }
        func constantInts(_ i: Int) -> [Int]? { c.constant(input(i))?.storage.int64s.map { Int($0) } }
        func constInput(_ name: String, _ tensor: Tensor) -> ValueID { c.makeConstant("\(c.name).\(name)", tensor) }

        switch op {
        case "Conv", "ConvTranspose":
            let weightRank = c.constant(input(1))?.rank
            let spatial = a.ints("kernel_shape")?.count ?? weightRank.map { $0 - 2 }
                ?? a.ints("strides")?.count ?? a.ints("dilations")?.count ?? a.ints("pads").map { $0.count / 2 }
            guard let spatial = spatial else { return .unsupported("cannot tell the kernel rank: give kernel_shape or constant weights") }
            guard (1...3).contains(spatial) else { return .unsupported("\(spatial)-D convolution is not supported (1-D, 2-D and 3-D are)") }
            let strides = a.ints("strides") ?? Array(repeating: 1, count: spatial)
            let dilations = a.ints("dilations") ?? Array(repeating: 1, count: spatial)
            let pads = a.ints("pads") ?? Array(repeating: 0, count: 2 * spatial)
            guard strides.count == spatial, dilations.count == spatial, pads.count == 2 * spatial,
                  strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }), pads.allSatisfy({ $0 >= 0 }) else {
                return .unsupported("strides \(strides), dilations \(dilations) or pads \(pads) do not fit a \(spatial)-D kernel")
            }
            guard let autoPad = autoPad(a) else { return .unsupported("unknown auto_pad '\(a.string("auto_pad", ""))'") }
            let group = a.int("group", 1)
            guard group >= 1 else { return .unsupported("group \(group) must be >= 1") }
            if op == "Conv" {
                return .mapped(.conv(Convolution(group: group, strides: strides, dilations: dilations, pads: pads, autoPad: autoPad)), Array(inputs.prefix(3)))
            }
            let outputPadding = a.ints("output_padding") ?? Array(repeating: 0, count: spatial)
            guard outputPadding.count == spatial else { return .unsupported("output_padding \(outputPadding) does not fit a \(spatial)-D kernel") }
            // onnxruntime neither honours nor refuses output_shape under VALID: no answer to match.
            if autoPad == .valid && a.has("output_shape") { return .unsupported("output_shape with auto_pad VALID is not supported") }
            return .mapped(.convTranspose(ConvolutionTranspose(group: group, strides: strides, dilations: dilations, pads: pads, outputPadding: outputPadding, outputShape: a.ints("output_shape"), autoPad: autoPad)), Array(inputs.prefix(3)))

        case "Gemm":
            return .mapped(.gemm(Gemm(alpha: a.float("alpha", 1), beta: a.float("beta", 1), transposeA: a.int("transA", 0) != 0, transposeB: a.int("transB", 0) != 0)), Array(inputs.prefix(3)))
        case "MatMul":
            return .mapped(.matMul(activation: nil), inputs)
        case "Add", "Sub", "Mul", "Div", "Pow":
            let binary: [String: BinaryOperator] = ["Add": .add, "Sub": .sub, "Mul": .mul, "Div": .div, "Pow": .pow]
            return .mapped(.binary(binary[op]!, activation: nil), inputs)
        case "Mod":
            return .mapped(.binary(a.int("fmod", 0) != 0 ? .fmod : .mod, activation: nil), inputs)

        case "Relu": return .mapped(.unary(.relu), inputs)
        case "LeakyRelu": return .mapped(.unary(.leakyRelu(alpha: a.float("alpha", 0.01))), inputs)
        case "Sigmoid": return .mapped(.unary(.sigmoid), inputs)
        case "HardSigmoid": return .mapped(.unary(.hardSigmoid(alpha: a.float("alpha", 0.2), beta: a.float("beta", 0.5))), inputs)
        case "HardSwish": return .mapped(.unary(.hardSwish), inputs)
        case "Tanh": return .mapped(.unary(.tanh), inputs)
        case "Sqrt": return .mapped(.unary(.sqrt), inputs)
        case "Exp": return .mapped(.unary(.exp), inputs)
        case "Erf": return .mapped(.unary(.erf), inputs)
        case "Neg": return .mapped(.unary(.neg), inputs)
        case "Abs": return .mapped(.unary(.abs), inputs)
        case "Elu": return .mapped(.unary(.elu(alpha: a.float("alpha", 1))), inputs)
        case "Selu":
            return .mapped(.unary(.selu(alpha: a.float("alpha", 1.67326319217681884765625), gamma: a.float("gamma", 1.05070102214813232421875))), inputs)
        case "Celu":
            let alpha = a.float("alpha", 1)
            guard alpha != 0, alpha.isFinite else { return .unsupported("alpha must be finite and non-zero, got \(alpha)") }
            return .mapped(.unary(.celu(alpha: alpha)), inputs)
        case "Softplus": return .mapped(.unary(.softplus), inputs)
        case "Softsign": return .mapped(.unary(.softsign), inputs)
        case "Mish": return .mapped(.unary(.mish), inputs)
        case "Reciprocal": return .mapped(.unary(.reciprocal), inputs)
        case "Floor": return .mapped(.unary(.floor), inputs)
        case "Ceil": return .mapped(.unary(.ceil), inputs)
        case "Round": return .mapped(.unary(.round), inputs)
        case "Sign": return .mapped(.unary(.sign), inputs)
        case "Log": return .mapped(.unary(.log), inputs)
        case "Sin": return .mapped(.unary(.sin), inputs)
        case "Cos": return .mapped(.unary(.cos), inputs)
        case "Gelu":
            switch a.string("approximate", "none") {
            case "none": return .mapped(.unary(.gelu(tanhApproximation: false)), inputs)
            case "tanh": return .mapped(.unary(.gelu(tanhApproximation: true)), inputs)
            case let other: return .unsupported("approximate '\(other)' is not one of none, tanh")
            }
        case "Clip":
            var low = -Float.greatestFiniteMagnitude, high = Float.greatestFiniteMagnitude
            if c.opset < 11 {
                low = a.float("min", low)
                high = a.float("max", high)
            } else {
                for (index, isLow) in [(1, true), (2, false)] where input(index) != nil {
                    guard let bound = c.constant(input(index))?.storage.doubles.first else {
                        return .unsupported("the \(isLow ? "min" : "max") bound is computed at run time; edgec needs it constant")
                    }
                    if isLow { low = Float(bound) } else { high = Float(bound) }
                }
            }
            return .mapped(.unary(.clip(min: low, max: high)), [input(0)])

        case "PRelu":
            return .mapped(.prelu, Array(inputs.prefix(2)))
        case "Range":
            return .mapped(.range, Array(inputs.prefix(3)))
        case "Einsum":
            guard c.opset >= 12 else { return .unsupported("Einsum came with opset 12") }
            guard !inputs.contains(nil) else { return .unsupported("an input is empty") }
            switch EinsumEquation.parse(a.string("equation", ""), operandCount: inputs.count) {
            case .success(let equation): return .mapped(.einsum(equation), inputs)
            case .failure(let refusal): return .unsupported(refusal.message)
            }
        case "NonZero":
            return .mapped(.nonZero, [input(0)])
        case "Softmax":
            return .mapped(.softmax(Softmax(axis: a.int("axis", c.opset < 13 ? 1 : -1), flattensToMatrix: c.opset < 13)), inputs)
        case "MaxPool", "AveragePool":
            guard let kernel = a.ints("kernel_shape") else { return .unsupported("kernel_shape is required") }
            guard (1...3).contains(kernel.count) else { return .unsupported("\(kernel.count)-D pooling is not supported (1-D, 2-D and 3-D are)") }
            guard let autoPad = autoPad(a) else { return .unsupported("unknown auto_pad '\(a.string("auto_pad", ""))'") }
            let spatial = kernel.count
            let pooling = Pooling(
                kernelShape: kernel,
                strides: a.ints("strides") ?? Array(repeating: 1, count: spatial),
                dilations: a.ints("dilations") ?? Array(repeating: 1, count: spatial),
                pads: a.ints("pads") ?? Array(repeating: 0, count: 2 * spatial),
                autoPad: autoPad, ceilMode: a.int("ceil_mode", 0) != 0,
                countIncludePad: a.int("count_include_pad", 0) != 0)
            guard pooling.strides.count == spatial, pooling.dilations.count == spatial, pooling.pads.count == 2 * spatial,
                  kernel.allSatisfy({ $0 > 0 }), pooling.strides.allSatisfy({ $0 > 0 }), pooling.dilations.allSatisfy({ $0 > 0 }) else {
                return .unsupported("kernel \(kernel), strides, dilations or pads do not fit each other")
            }
            return .mapped(op == "MaxPool" ? .maxPool(pooling) : .averagePool(pooling), [input(0)])
        case "GlobalAveragePool": return .mapped(.globalAveragePool, inputs)
        case "GlobalMaxPool": return .mapped(.globalMaxPool, inputs)
        case "BatchNormalization":
            if c.opset < 9 || a.int("spatial", 1) != 1 { return .unsupported("non-spatial BatchNormalization is not supported") }
            if a.int("training_mode", 0) != 0 { return .unsupported("training_mode BatchNormalization is not supported") }
            return .mapped(.batchNormalization(epsilon: a.float("epsilon", 1e-5)), Array(inputs.prefix(5)))
        case "LayerNormalization":
            guard a.int("stash_type", 1) == 1 else { return .unsupported("stash_type \(a.int("stash_type", 1)) is not supported (1, float32 statistics, is)") }
            return .mapped(.layerNormalization(axis: a.int("axis", -1), epsilon: a.float("epsilon", 1e-5)), Array(inputs.prefix(3)))
        case "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual":
            return .mapped(.compare(Comparison.allCases.first { $0.onnxName == op }!), Array(inputs.prefix(2)))
        case "And", "Or", "Xor", "Not":
            let function = LogicalOperator.allCases.first { $0.onnxName == op }!
            return .mapped(.logical(function), Array(inputs.prefix(function == .not ? 1 : 2)))
        case "Where":
            return .mapped(.where, Array(inputs.prefix(3)))
        case "LSTM", "GRU":
            let isLSTM = op == "LSTM"
            let hidden = a.int("hidden_size", 0)
            guard hidden > 0 else { return .unsupported("hidden_size must be positive, got \(hidden)") }
            let directions: [String: Recurrent.Direction] = ["forward": .forward, "reverse": .reverse, "bidirectional": .bidirectional]
            guard let direction = directions[a.string("direction", "forward")] else { return .unsupported("direction '\(a.string("direction", ""))' is not one of forward, reverse, bidirectional") }
            let defaults = isLSTM ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"]
            if let activations = a.strings("activations"), activations != Array(repeatElement(defaults, count: activations.count / defaults.count).joined()) {
                return .unsupported("activations \(activations) are not supported (the defaults \(defaults.joined(separator: ", ")) are)")
            }
            if a.has("clip") { return .unsupported("clip is not supported") }
            if isLSTM && a.int("input_forget", 0) != 0 { return .unsupported("input_forget is not supported") }
            if isLSTM && input(7) != nil { return .unsupported("peephole weights (input P) are not supported") }
            let layout = a.int("layout", 0)
            guard layout == 0 || layout == 1 else { return .unsupported("layout \(layout) is not 0 or 1") }
            // Sequence lengths are checked against X's length by the shape rule, once shapes are bound.
            let attributes = Recurrent(cell: isLSTM ? .lstm : .gru, hiddenSize: hidden, direction: direction,
                                       linearBeforeReset: !isLSTM && a.int("linear_before_reset", 0) != 0, layout: layout)
            return .mapped(.recurrent(attributes), [input(0), input(1), input(2), input(3), input(4), input(5)] + (isLSTM ? [input(6)] : []))
        case "GatherElements":
            return .mapped(.gatherElements(axis: a.int("axis", 0)), Array(inputs.prefix(2)))
        case "GatherND":
            return .mapped(.gatherND(batchDims: a.int("batch_dims", 0)), Array(inputs.prefix(2)))
        case "ScatterND", "ScatterElements", "Scatter":
            // Scatter (opset 9-10) is ScatterElements under its old name; reduction came with opset 16.
            let name = a.string("reduction", "none")
            guard let reduction = ScatterReduction.allCases.first(where: { $0.onnxName == name }) else {
                return .unsupported("reduction '\(name)' is not supported (none, add and mul are)")
            }
            if op == "ScatterND" { return .mapped(.scatterND(reduction: reduction), Array(inputs.prefix(3))) }
            return .mapped(.scatterElements(axis: a.int("axis", 0), reduction: reduction), Array(inputs.prefix(3)))
        case "InstanceNormalization":
            return .mapped(.instanceNormalization(epsilon: a.float("epsilon", 1e-5)), Array(inputs.prefix(3)))
        case "GroupNormalization":
            guard a.has("num_groups") else { return .unsupported("num_groups is required") }
            guard a.int("stash_type", 1) == 1 else { return .unsupported("stash_type \(a.int("stash_type", 1)) is not supported (1, float32 statistics, is)") }
            // Opset 18 gave scale and bias per group; opset 21 changed them to per channel, as PyTorch's.
            return .mapped(.groupNormalization(groups: a.int("num_groups", 0), epsilon: a.float("epsilon", 1e-5), parametersPerGroup: c.opset < 21),
                           Array(inputs.prefix(3)))
        case "DepthToSpace", "SpaceToDepth":
            let blockSize = a.int("blocksize", 0)
            guard blockSize > 0 else { return .unsupported("blocksize must be positive, got \(blockSize)") }
            if op == "SpaceToDepth" { return .mapped(.spaceToDepth(blockSize: blockSize), [input(0)]) }
            // Before opset 11 there is no mode attribute: the order is DCR.
            switch c.opset < 11 ? "DCR" : a.string("mode", "DCR") {
            case "DCR": return .mapped(.depthToSpace(blockSize: blockSize, mode: .depthColumnRow), [input(0)])
            case "CRD": return .mapped(.depthToSpace(blockSize: blockSize, mode: .columnRowDepth), [input(0)])
            case let other: return .unsupported("mode '\(other)' is not one of DCR, CRD")
            }
        case "Tile":
            // Tile-1 took a scalar count and an axis as inputs; from opset 6 one repeat per axis.
            guard c.opset >= 6 else { return .unsupported("Tile before opset 6 (tiles and axis inputs) is not supported") }
            return .mapped(.tile, Array(inputs.prefix(2)))
        case "Trilu":
            return .mapped(.trilu(upper: a.int("upper", 1) != 0), Array(inputs.prefix(2)))
        case "CumSum":
            return .mapped(.cumSum(exclusive: a.int("exclusive", 0) != 0, reverse: a.int("reverse", 0) != 0), Array(inputs.prefix(2)))
        case "ArgMax", "ArgMin":
            let extremum = ArgExtremum(isMax: op == "ArgMax", axis: a.int("axis", 0), keepDims: a.int("keepdims", 1) != 0,
                                       selectLastIndex: a.int("select_last_index", 0) != 0)
            return .mapped(.argExtremum(extremum), [input(0)])
        case "TopK":
            // TopK-1 gives k as an attribute; from opset 10 it is an input, and opset 11 adds largest and sorted.
            var k = input(1)
            if c.opset < 10 {
                guard a.has("k") else { return .unsupported("TopK-1 needs its k attribute") }
                k = constInput("k", Tensor(shape: [1], int64s: [Int64(a.int("k", 0))]))
            }
            let largest = c.opset < 11 || a.int("largest", 1) != 0, sorted = c.opset < 11 || a.int("sorted", 1) != 0
            return .mapped(.topK(axis: a.int("axis", -1), largest: largest, sorted: sorted), [input(0), k])
        case "LRN":
            let size = a.int("size", 0)
            guard size > 0 else { return .unsupported("LRN needs a positive size") }
            return .mapped(.localResponseNormalization(LocalResponseNormalization(alpha: a.float("alpha", 1e-4), beta: a.float("beta", 0.75), bias: a.float("bias", 1), size: size)), inputs)

        case "Concat":
            guard a.has("axis") else { return .unsupported("Concat needs an axis") }
            return .mapped(.concat(axis: a.int("axis", 0)), inputs.filter { $0 != nil })
        case "Split":
            var sizes: [Int]?
            if c.opset < 13 {
                sizes = a.ints("split")
            } else if input(1) != nil {
                guard let s = constantInts(1) else { return .unsupported("split sizes are computed at run time; edgec needs them constant") }
                sizes = s
            }
            if let n = a.ints("num_outputs").map({ _ in a.int("num_outputs", 0) }), n != c.node.output.count {
                return .unsupported("num_outputs \(n) differs from the \(c.node.output.count) outputs")
            }
            return .mapped(.split(axis: a.int("axis", 0), sizes: sizes), [input(0)])
        case "Slice":
            if c.opset < 10 {
                guard let starts = a.int64s("starts"), let ends = a.int64s("ends") else { return .unsupported("starts and ends are required") }
                var sliceInputs: [ValueID?] = [input(0),
                    constInput("starts", Tensor(shape: [starts.count], int64s: starts)),
                    constInput("ends", Tensor(shape: [ends.count], int64s: ends))]
                if let axes = a.int64s("axes") { sliceInputs.append(constInput("axes", Tensor(shape: [axes.count], int64s: axes))) }
                return .mapped(.slice, sliceInputs)
            }
            return .mapped(.slice, Array(inputs.prefix(5)))
        case "Gather":
            return .mapped(.gather(axis: a.int("axis", 0)), inputs)
        case "Reshape":
            return .mapped(.reshape(allowZero: a.int("allowzero", 0) != 0), inputs)
        case "Flatten":
            return .mapped(.flatten(axis: a.int("axis", 1)), inputs)
        case "Transpose":
            return .mapped(.transpose(permutation: a.ints("perm")), inputs)
        case "Squeeze", "Unsqueeze":
            var axes = a.ints("axes")
            if c.opset >= 13 && input(1) != nil {
                guard let fromInput = constantInts(1) else { return .unsupported("axes are computed at run time; edgec needs them constant") }
                axes = fromInput
            }
            if op == "Squeeze" { return .mapped(.squeeze(axes: axes), [input(0)]) }
            guard let unsqueezeAxes = axes else { return .unsupported("Unsqueeze needs axes") }
            return .mapped(.unsqueeze(axes: unsqueezeAxes), [input(0)])
        case "Expand":
            return .mapped(.expand, inputs)
        case "Identity":
            return .mapped(.identity, [input(0)])
        case "Dropout":
            if let training = c.constant(input(2)), training.storage.doubles.first != 0 {
                return .unsupported("Dropout in training mode is not supported")
            }
            return .mapped(.identity, [input(0)])
        case "Pad":
            let modeName = a.string("mode", "constant")
            let modes: [String: PadMode] = ["constant": .constant, "reflect": .reflect, "edge": .edge]
            guard let mode = modes[modeName] else { return .unsupported("pad mode '\(modeName)' is not supported (constant, reflect and edge are)") }
            if c.opset < 11 {
                guard let pads = a.int64s("pads") else { return .unsupported("pads are required") }
                let value = a.float("value", 0)
                return .mapped(.pad(mode: mode), [input(0),
                    constInput("pads", Tensor(shape: [pads.count], int64s: pads)),
                    constInput("value", Tensor(shape: [], floats: [value]))])
            }
            return .mapped(.pad(mode: mode), Array(inputs.prefix(4)))
        case "Resize", "Upsample":
            return resize(c, legacy: op == "Upsample" || c.opset < 11)
        case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare":
            let kind = Reduction.Kind.allCases.first { $0.onnxName == op }!
            let axesAreInput = c.opset >= 18 || (op == "ReduceSum" && c.opset >= 13)
            var axes: [Int]? = a.ints("axes")
            if axesAreInput {
                axes = nil
                if input(1) != nil {
                    guard let fromInput = constantInts(1) else { return .unsupported("axes are computed at run time; edgec needs them constant") }
                    axes = fromInput
                }
                if (axes ?? []).isEmpty {
                    if a.int("noop_with_empty_axes", 0) != 0 { return .mapped(.identity, [input(0)]) }
                    axes = nil
                }
            }
            return .mapped(.reduce(Reduction(kind: kind, axes: axes, keepDims: a.int("keepdims", 1) != 0)), [input(0)])
        case "Shape":
            return .mapped(.shape(start: a.int("start", 0), end: a.has("end") ? a.int("end", 0) : nil), inputs)
        case "Cast":
            guard let dtype = TensorDecoding.dtype(forONNX: Int32(a.int("to", 0))) else {
                return .unsupported("cast to \(TensorDecoding.onnxTypeName(Int32(a.int("to", 0)))) is not supported")
            }
            return .mapped(.cast(to: dtype), inputs)
        case "ConstantOfShape":
            let value = try a.tensor("value") ?? Tensor(shape: [1], floats: [0])
            guard value.elementCount == 1 else { return .unsupported("value must hold one element") }
            return .mapped(.constantOfShape(value: value), inputs)
        default:
            return .unsupported("operator \(op) is not supported")
        }
    }

    private static func autoPad(_ a: AttributeReader) -> AutoPad? {
        switch a.string("auto_pad", "NOTSET") {
        case "NOTSET", "": return .explicit
        case "SAME_UPPER": return .sameUpper
        case "SAME_LOWER": return .sameLower
        case "VALID": return .valid
        default: return nil
        }
    }

    private static func resize(_ c: Context, legacy: Bool) -> Result {
        let a = c.attributes
        let modeName = a.string("mode", "nearest")
        let mode: Resize.Mode
        switch modeName {
        case "nearest": mode = .nearest
        case "linear", "bilinear": mode = .linear
        case "cubic" where !legacy: mode = .cubic
        default: return .unsupported("resize mode '\(modeName)' is not supported (nearest, linear and cubic are)")
        }
        func input(_ i: Int) -> ValueID? { i < c.inputs.count ? c.inputs[i] : nil }
        if legacy {
            // Upsample and Resize-10: asymmetric coordinates; nearest floors when enlarging and ceils when shrinking.
            let scales: ValueID?
            if c.node.opType == "Upsample" && c.opset < 9 {
                return .unsupported("Upsample before opset 9 is not supported")
            } else {
                scales = input(1)
            }
            return .mapped(.resize(Resize(mode: mode, coordinateTransformation: .asymmetric, nearestRounding: .legacySimple)), [input(0), nil, scales, nil])
        }
        let transforms: [String: Resize.CoordinateTransformation] = [
            "half_pixel": .halfPixel, "half_pixel_symmetric": .halfPixelSymmetric, "pytorch_half_pixel": .pytorchHalfPixel,
            "align_corners": .alignCorners, "asymmetric": .asymmetric,
        ]
        let transformName = a.string("coordinate_transformation_mode", "half_pixel")
        guard let transform = transforms[transformName] else {
            return .unsupported("coordinate_transformation_mode '\(transformName)' is not supported")
        }
        let roundings: [String: Resize.NearestRounding] = ["round_prefer_floor": .roundPreferFloor, "round_prefer_ceil": .roundPreferCeil, "floor": .floor, "ceil": .ceil]
        let roundingName = a.string("nearest_mode", "round_prefer_floor")
        guard let rounding = roundings[roundingName] else { return .unsupported("nearest_mode '\(roundingName)' is not supported") }
        // antialias came with opset 18; onnxruntime refuses it on nearest.
        let antialias = c.opset >= 18 && a.int("antialias", 0) != 0
        if antialias && mode == .nearest { return .unsupported("antialias applies to linear and cubic resizes, not nearest") }
        let coefficient = a.float("cubic_coeff_a", -0.75)
        guard coefficient.isFinite else { return .unsupported("cubic_coeff_a \(coefficient) is not a finite number") }
        if a.string("keep_aspect_ratio_policy", "stretch") != "stretch" { return .unsupported("keep_aspect_ratio_policy other than stretch is not supported") }
        let resize = Resize(mode: mode, coordinateTransformation: transform, nearestRounding: rounding, axes: a.ints("axes"),
                            cubicCoefficient: coefficient, excludeOutside: a.int("exclude_outside", 0) != 0, antialias: antialias)
        return .mapped(.resize(resize), [input(0), input(1), input(2), input(3)])
    }
}
