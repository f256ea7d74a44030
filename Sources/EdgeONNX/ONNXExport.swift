import EdgeIR
import Foundation
import SwiftProtobuf

/// Writes a graph as a standard ONNX model (opset 14): the inverse of the front end's mapping.
/// Fake-quantized graphs become ONNX QDQ models — int8 weights behind a per-channel
/// DequantizeLinear, QuantizeLinear/DequantizeLinear pairs on activations, int32 biases — which
/// onnxruntime runs and Netron shows; fused activations are written as their own nodes again.
///
///     let data = try ONNXExport.write(result.fakeQuantized, producer: "edgec 0.4")
public enum ONNXExport {
    public static let opset = 14

    public static func write(_ graph: Graph, producer: String) throws -> Data {
        var writer = Writer(graph: graph)
        try writer.run()
        var model = Onnx_ModelProto()
        model.irVersion = 7
        model.producerName = "edgec"
        model.producerVersion = producer
        var opsetImport = Onnx_OperatorSetIdProto()
        opsetImport.domain = ""
        opsetImport.version = Int64(opset)
        model.opsetImport = [opsetImport]
        model.graph = writer.proto
        return try model.serializedData()
    }

    struct Writer {
        let graph: Graph
        var proto = Onnx_GraphProto()
        var names: [ValueID: String] = [:]
        var used = Set<String>()
        var initialized = Set<ValueID>()
        var extraConstants = 0

        init(graph: Graph) {
            self.graph = graph
            proto.name = graph.name
        }

        /// One unique ONNX name per value.
        mutating func name(_ id: ValueID) -> String {
            if let known = names[id] { return known }
            var candidate = graph.name(of: id).isEmpty ? "value_\(id)" : graph.name(of: id)
            var suffix = 1
            while used.contains(candidate) { candidate = "\(graph.name(of: id))_\(suffix)"; suffix += 1 }
            used.insert(candidate)
            names[id] = candidate
            return candidate
        }

        /// The name of `id`, writing it as an initializer first when it is a constant.
        mutating func input(_ id: ValueID?) throws -> String {
            guard let id = id else { return "" }
            if let constant = graph.constants[id], !initialized.contains(id) {
                initialized.insert(id)
                proto.initializer.append(try Self.tensor(constant, name: name(id)))
            }
            return name(id)
        }

        /// A new initializer holding `tensor`.
        mutating func constant(_ base: String, _ tensor: Tensor) throws -> String {
            var candidate = base
            while used.contains(candidate) { extraConstants += 1; candidate = "\(base)_\(extraConstants)" }
            used.insert(candidate)
            proto.initializer.append(try Self.tensor(tensor, name: candidate))
            return candidate
        }

        mutating func temporary(_ base: String) -> String {
            var candidate = base
            while used.contains(candidate) { extraConstants += 1; candidate = "\(base)_\(extraConstants)" }
            used.insert(candidate)
            return candidate
        }

        mutating func node(_ opType: String, _ name: String, _ inputs: [String], _ outputs: [String], _ attributes: [Onnx_AttributeProto] = []) {
            var node = Onnx_NodeProto()
            node.opType = opType
            node.name = name
            node.input = inputs
            node.output = outputs
            node.attribute = attributes
            proto.node.append(node)
        }

        mutating func run() throws {
            // The interface keeps its names: they are taken before any generated constant's.
            for id in graph.inputs.map(\.value) + graph.outputs { _ = name(id) }
            for input in graph.inputs {
                proto.input.append(try valueInfo(input.value))
            }
            for node in graph.nodes { try export(node) }
            for output in graph.outputs {
                _ = try input(output)
                proto.output.append(try valueInfo(output))
            }
        }

        mutating func valueInfo(_ id: ValueID) throws -> Onnx_ValueInfoProto {
            guard let type = graph.type(of: id) else { throw ONNXError(.malformed, "cannot export '\(graph.name(of: id))': its type is unknown") }
            var info = Onnx_ValueInfoProto()
            info.name = name(id)
            var tensorType = Onnx_TypeProto.Tensor()
            tensorType.elemType = Self.code(type.dtype)
            var shape = Onnx_TensorShapeProto()
            shape.dim = type.shape.map { n in var d = Onnx_TensorShapeProto.Dimension(); d.dimValue = Int64(n); return d }
            tensorType.shape = shape
            info.type.tensorType = tensorType
            return info
        }

        /// Writes `node`, then its fused activation as a node of its own.
        mutating func export(_ node: Node) throws {
            let output = name(node.outputs[0])
            let activation = node.operation.fusedActivation
            let target = activation == nil ? output : temporary(output + ".before_activation")
            let inputs = try node.inputs.map { try input($0) }
            func shape(_ i: Int) throws -> [Int] {
                guard let id = node.input(i), let type = graph.type(of: id) else { throw fail(node, "input \(i) has no known shape") }
                return type.shape
            }
            let a = Attribute.self
            switch node.operation {
            case .conv(let c):
                let x = try shape(0), w = try shape(1)
                let pads = try WindowGeometry.resolvedPads(autoPad: c.autoPad, pads: c.pads, input: Array(x[2...]), kernel: Array(w[2...]), strides: c.strides, dilations: c.dilations)
                self.node("Conv", node.name, inputs, [target], [a.ints("kernel_shape", Array(w[2...])), a.int("group", c.group), a.ints("strides", c.strides), a.ints("dilations", c.dilations), a.ints("pads", pads)])
            case .convTranspose(let c):
                let x = try shape(0), w = try shape(1)
                let geometry = try ShapeInference.transposedConvolutionGeometry(c, input: Array(x[2...]), kernel: Array(w[2...]))
                self.node("ConvTranspose", node.name, inputs, [target], [a.ints("kernel_shape", Array(w[2...])), a.int("group", c.group), a.ints("strides", c.strides),
                                                                       a.ints("dilations", c.dilations), a.ints("pads", geometry.pads), a.ints("output_padding", c.outputPadding)])
            case .gemm(let g):
                self.node("Gemm", node.name, inputs, [target], [a.float("alpha", g.alpha), a.float("beta", g.beta), a.int("transA", g.transposeA ? 1 : 0), a.int("transB", g.transposeB ? 1 : 0)])
            case .matMul:
                self.node("MatMul", node.name, inputs, [target])
            case .binary(let op, _):
                self.node(op.onnxName, node.name, inputs, [target], op == .fmod ? [a.int("fmod", 1)] : [])
            case .unary(let function):
                try unary(function, node.name, inputs[0], target)
            case .prelu:
                self.node("PRelu", node.name, inputs, [target])
            case .range:
                self.node("Range", node.name, inputs, [target])
            case .nonZero:
                self.node("NonZero", node.name, inputs, [target])
            case .einsum, .conditional:
                throw fail(node, "cannot be exported: shape inference replaces it by the operators it runs as")
            case .softmax(let s):
                let rank = try shape(0).count
                guard !s.flattensToMatrix || Shapes.normalizedAxis(s.axis, rank: rank) == rank - 1 else {
                    throw fail(node, "an opset-11 Softmax over several axes has no opset-\(opset) form")
                }
                self.node("Softmax", node.name, inputs, [target], [a.int("axis", s.axis)])
            case .maxPool(let p), .averagePool(let p):
                let x = try shape(0)
                let pads = try WindowGeometry.resolvedPads(autoPad: p.autoPad, pads: p.pads, input: Array(x[2...]), kernel: p.kernelShape, strides: p.strides, dilations: p.dilations)
                var attributes = [a.ints("kernel_shape", p.kernelShape), a.ints("strides", p.strides), a.ints("pads", pads), a.int("ceil_mode", p.ceilMode ? 1 : 0)]
                if case .maxPool = node.operation {
                    attributes.append(a.ints("dilations", p.dilations))
                    self.node("MaxPool", node.name, inputs, [target], attributes)
                } else {
                    guard p.dilations.allSatisfy({ $0 == 1 }) else { throw fail(node, "a dilated AveragePool needs opset 19") }
                    attributes.append(a.int("count_include_pad", p.countIncludePad ? 1 : 0))
                    self.node("AveragePool", node.name, inputs, [target], attributes)
                }
            case .globalAveragePool:
                self.node("GlobalAveragePool", node.name, inputs, [target])
            case .globalMaxPool:
                self.node("GlobalMaxPool", node.name, inputs, [target])
            case .batchNormalization(let epsilon):
                self.node("BatchNormalization", node.name, inputs, [target], [a.float("epsilon", epsilon)])
            case .layerNormalization(let axis, let epsilon):
                // LayerNormalization needs opset 17: mean and variance as reductions over the axes.
                let rank = try shape(0).count
                let axes = Array(Shapes.normalizedAxis(axis, rank: rank)!..<rank)
                let mean = temporary(node.name + ".mean"), centered = temporary(node.name + ".centered"), squared = temporary(node.name + ".squared")
                let variance = temporary(node.name + ".variance"), shifted = temporary(node.name + ".shifted"), deviation = temporary(node.name + ".deviation")
                let normalized = temporary(node.name + ".normalized")
                let epsilonName = try constant(node.name + ".epsilon", Tensor(shape: [], floats: [epsilon]))
                self.node("ReduceMean", node.name + ".mean", [inputs[0]], [mean], [a.ints("axes", axes), a.int("keepdims", 1)])
                self.node("Sub", node.name + ".centered", [inputs[0], mean], [centered])
                self.node("Mul", node.name + ".squared", [centered, centered], [squared])
                self.node("ReduceMean", node.name + ".variance", [squared], [variance], [a.ints("axes", axes), a.int("keepdims", 1)])
                self.node("Add", node.name + ".shifted", [variance, epsilonName], [shifted])
                self.node("Sqrt", node.name + ".deviation", [shifted], [deviation])
                let hasBias = inputs.count > 2 && node.input(2) != nil
                let scaled = hasBias ? temporary(node.name + ".scaled") : target
                self.node("Div", node.name + ".normalized", [centered, deviation], [normalized])
                self.node("Mul", node.name + ".scaled", [normalized, inputs[1]], [scaled])
                if hasBias { self.node("Add", node.name, [scaled, inputs[2]], [target]) }
            case .compare(let comparison):
                guard comparison != .lessOrEqual, comparison != .greaterOrEqual else {
                    // LessOrEqual and GreaterOrEqual need opset 16: the negation of the strict opposite.
                    let opposite = temporary(node.name + ".opposite")
                    self.node(comparison == .lessOrEqual ? "Greater" : "Less", node.name + ".opposite", inputs, [opposite])
                    self.node("Not", node.name, [opposite], [target])
                    break
                }
                self.node(comparison.onnxName, node.name, inputs, [target])
            case .logical(let function):
                self.node(function.onnxName, node.name, inputs, [target])
            case .where:
                self.node("Where", node.name, inputs, [target])
            case .gatherElements(let axis):
                self.node("GatherElements", node.name, inputs, [target], [a.int("axis", axis)])
            case .instanceNormalization(let epsilon):
                self.node("InstanceNormalization", node.name, inputs, [target], [a.float("epsilon", epsilon)])
            case .groupNormalization(let groups, let epsilon, let perGroup):
                // GroupNormalization needs opset 18: X as [N, groups, rest] through InstanceNormalization
                // (its "channels" are the groups), back to X's shape, then the per-channel scale and bias.
                let x = try shape(0)
                let grouped = temporary(node.name + ".grouped"), normalized = temporary(node.name + ".normalized")
                let groupedShape = try constant(node.name + ".grouped_shape", Tensor(shape: [3], int64s: [Int64(x[0]), Int64(groups), -1]))
                let inputShape = try constant(node.name + ".input_shape", Tensor(shape: [x.count], int64s: x.map { Int64($0) }))
                self.node("Reshape", node.name + ".grouped", [inputs[0], groupedShape], [grouped])
                if perGroup {
                    self.node("InstanceNormalization", node.name + ".normalized", [grouped, inputs[1], inputs[2]], [normalized], [a.float("epsilon", epsilon)])
                    self.node("Reshape", node.name, [normalized, inputShape], [target])
                    break
                }
                let ones = try constant(node.name + ".ones", Tensor(shape: [groups], floats: Array(repeating: 1, count: groups)))
                let zeros = try constant(node.name + ".zeros", Tensor(shape: [groups], floats: Array(repeating: 0, count: groups)))
                let channelShape = try constant(node.name + ".channel_shape", Tensor(shape: [x.count - 1], int64s: [Int64(x[1])] + Array(repeating: 1, count: x.count - 2)))
                let restored = temporary(node.name + ".restored"), scale = temporary(node.name + ".scale"), bias = temporary(node.name + ".bias")
                let scaled = temporary(node.name + ".scaled")
                self.node("InstanceNormalization", node.name + ".normalized", [grouped, ones, zeros], [normalized], [a.float("epsilon", epsilon)])
                self.node("Reshape", node.name + ".restored", [normalized, inputShape], [restored])
                self.node("Reshape", node.name + ".scale", [inputs[1], channelShape], [scale])
                self.node("Reshape", node.name + ".bias", [inputs[2], channelShape], [bias])
                self.node("Mul", node.name + ".scaled", [restored, scale], [scaled])
                self.node("Add", node.name, [scaled, bias], [target])
            case .gatherND(let batchDims):
                self.node("GatherND", node.name, inputs, [target], [a.int("batch_dims", batchDims)])
            case .scatterND(let reduction):
                guard reduction == .none else { throw fail(node, "ScatterND with reduction \(reduction.onnxName) needs opset 16") }
                self.node("ScatterND", node.name, inputs, [target])
            case .scatterElements(let axis, let reduction):
                guard reduction == .none else { throw fail(node, "ScatterElements with reduction \(reduction.onnxName) needs opset 16") }
                self.node("ScatterElements", node.name, inputs, [target], [a.int("axis", axis)])
            case .recurrent(let r):
                let directions = ["forward", "reverse", "bidirectional"]
                var attributes = [a.int("hidden_size", r.hiddenSize), a.string("direction", directions[r.direction.rawValue]), a.int("layout", r.layout)]
                if r.cell == .gru { attributes.append(a.int("linear_before_reset", r.linearBeforeReset ? 1 : 0)) }
                self.node(r.cell == .lstm ? "LSTM" : "GRU", node.name, inputs, node.outputs.map { name($0) }, attributes)
            case .depthToSpace(let blockSize, let mode):
                self.node("DepthToSpace", node.name, inputs, [target], [a.int("blocksize", blockSize), a.string("mode", mode == .depthColumnRow ? "DCR" : "CRD")])
            case .spaceToDepth(let blockSize):
                self.node("SpaceToDepth", node.name, inputs, [target], [a.int("blocksize", blockSize)])
            case .tile:
                self.node("Tile", node.name, inputs, [target])
            case .trilu(let upper):
                self.node("Trilu", node.name, inputs, [target], [a.int("upper", upper ? 1 : 0)])
            case .cumSum(let exclusive, let reverse):
                self.node("CumSum", node.name, inputs, [target], [a.int("exclusive", exclusive ? 1 : 0), a.int("reverse", reverse ? 1 : 0)])
            case .argExtremum(let e):
                self.node(e.onnxName, node.name, inputs, [target],
                          [a.int("axis", e.axis), a.int("keepdims", e.keepDims ? 1 : 0), a.int("select_last_index", e.selectLastIndex ? 1 : 0)])
            case .topK(let axis, let largest, let sorted):
                self.node("TopK", node.name, inputs, node.outputs.map { name($0) },
                          [a.int("axis", axis), a.int("largest", largest ? 1 : 0), a.int("sorted", sorted ? 1 : 0)])
            case .localResponseNormalization(let l):
                self.node("LRN", node.name, inputs, [target], [a.float("alpha", l.alpha), a.float("beta", l.beta), a.float("bias", l.bias), a.int("size", l.size)])
            case .concat(let axis):
                self.node("Concat", node.name, inputs, [target], [a.int("axis", axis)])
            case .split(let axis, _):
                let sizes = node.outputs.map { graph.type(of: $0)?.shape[Shapes.normalizedAxis(axis, rank: graph.type(of: $0)!.shape.count)!] ?? 0 }
                let split = try constant(node.name + ".split", Tensor(shape: [sizes.count], int64s: sizes.map { Int64($0) }))
                self.node("Split", node.name, [inputs[0], split], node.outputs.map { name($0) }, [a.int("axis", axis)])
            case .slice:
                self.node("Slice", node.name, inputs, [target])
            case .gather(let axis):
                self.node("Gather", node.name, inputs, [target], [a.int("axis", axis)])
            case .reshape, .flatten, .squeeze, .unsqueeze:
                // The shape is known: every shape-moving operator is written as a Reshape to it.
                guard let shape = graph.type(of: node.outputs[0])?.shape else { throw fail(node, "its output shape is unknown") }
                let target = try constant(node.name + ".shape", Tensor(shape: [shape.count], int64s: shape.map { Int64($0) }))
                self.node("Reshape", node.name, [inputs[0], target], [output], [a.int("allowzero", 1)])
            case .identity:
                self.node("Identity", node.name, [inputs[0]], [target])
            case .transpose(let permutation):
                self.node("Transpose", node.name, inputs, [target], permutation.map { [a.ints("perm", $0)] } ?? [])
            case .expand:
                self.node("Expand", node.name, inputs, [target])
            case .pad(let mode):
                let modeName = mode == .constant ? "constant" : mode == .reflect ? "reflect" : "edge"
                guard node.input(3) == nil else { throw fail(node, "Pad with axes needs opset 18") }
                self.node("Pad", node.name, Array(inputs.prefix(3)), [target], [a.string("mode", modeName)])
            case .resize(let r):
                guard r.axes == nil else { throw fail(node, "Resize with axes needs opset 18") }
                let coordinate: [Resize.CoordinateTransformation: String] = [.halfPixel: "half_pixel", .halfPixelSymmetric: "half_pixel_symmetric", .pytorchHalfPixel: "pytorch_half_pixel", .alignCorners: "align_corners", .asymmetric: "asymmetric"]
                guard r.coordinateTransformation != .halfPixelSymmetric else { throw fail(node, "half_pixel_symmetric needs opset 19") }
                let inputShape = try shape(0)
                guard let outputShape = graph.type(of: node.outputs[0])?.shape else { throw fail(node, "its output shape is unknown") }
                let givenScales = node.input(3) == nil ? graph.constant(node.input(2))?.floats : nil
                let scales = givenScales ?? zip(outputShape, inputShape).map { Float($0) / Float($1) }
                // Upsample and Resize-10 floor when enlarging and ceil when shrinking, axis by axis;
                // opset 14 has one nearest_mode for all axes.
                var rounding: [Resize.NearestRounding: String] = [.roundPreferFloor: "round_prefer_floor", .roundPreferCeil: "round_prefer_ceil", .floor: "floor", .ceil: "ceil"]
                if r.nearestRounding == .legacySimple {
                    let shrinks = scales.contains { $0 < 1 }, enlarges = scales.contains { $0 > 1 }
                    guard !(shrinks && enlarges) else { throw fail(node, "an Upsample that enlarges some axes and shrinks others has no opset-\(opset) form") }
                    rounding[.legacySimple] = shrinks ? "ceil" : "floor"
                }
                // The model's own scales when it gave them (coordinates follow them, not out/in), else the sizes.
                let sizeOrScale = givenScales != nil
                    ? ["", try constant(node.name + ".scales", Tensor(shape: [scales.count], floats: scales)), ""]
                    : ["", "", try constant(node.name + ".sizes", Tensor(shape: [outputShape.count], int64s: outputShape.map { Int64($0) }))]
                guard !r.antialias else { throw fail(node, "an antialiased Resize needs opset 18") }
                let modes: [Resize.Mode: String] = [.nearest: "nearest", .linear: "linear", .cubic: "cubic"]
                let cubic = r.mode == .cubic ? [a.float("cubic_coeff_a", r.cubicCoefficient), a.int("exclude_outside", r.excludeOutside ? 1 : 0)] : []
                self.node("Resize", node.name, [inputs[0]] + sizeOrScale, [target],
                          [a.string("mode", modes[r.mode]!), a.string("coordinate_transformation_mode", coordinate[r.coordinateTransformation]!),
                           a.string("nearest_mode", rounding[r.nearestRounding]!)] + cubic)
            case .reduce(let reduction):
                let rank = try shape(0).count
                let axes = reduction.axes ?? Array(0..<rank)
                if reduction.kind == .sum {
                    let list = try constant(node.name + ".axes", Tensor(shape: [axes.count], int64s: axes.map { Int64($0) }))
                    self.node("ReduceSum", node.name, [inputs[0], list], [target], [a.int("keepdims", reduction.keepDims ? 1 : 0)])
                } else {
                    self.node(reduction.kind.onnxName, node.name, inputs, [target], [a.ints("axes", axes), a.int("keepdims", reduction.keepDims ? 1 : 0)])
                }
            case .shape(let start, let end):
                guard start == 0, end == nil else { throw fail(node, "Shape with start or end needs opset 15") }
                self.node("Shape", node.name, inputs, [target])
            case .cast(let dtype):
                self.node("Cast", node.name, inputs, [target], [a.int("to", Int(Self.code(dtype)))])
            case .constantOfShape(let value):
                var attribute = Onnx_AttributeProto()
                attribute.name = "value"
                attribute.type = .tensor
                attribute.t = try Self.tensor(value, name: "value")
                self.node("ConstantOfShape", node.name, inputs, [target], [attribute])
            case .quantizeLinear:
                try quantization("QuantizeLinear", node, parameters: node.outputs[0], inputs[0], target)
            case .dequantizeLinear:
                try quantization("DequantizeLinear", node, parameters: node.input(0)!, inputs[0], target)
            case .unsupported(let detail):
                throw fail(node, "cannot be exported: \(detail.reason)")
            }
            if let activation = activation { try unary(activation.asUnary, node.name + ".activation", target, output) }
        }

        mutating func unary(_ function: UnaryOperator, _ name: String, _ input: String, _ output: String) throws {
            let a = Attribute.self
            switch function {
            case .clip(let low, let high):
                let lo = try constant(name + ".min", Tensor(shape: [], floats: [low]))
                let hi = try constant(name + ".max", Tensor(shape: [], floats: [high]))
                node("Clip", name, [input, lo, hi], [output])
            case .leakyRelu(let alpha):
                node("LeakyRelu", name, [input], [output], [a.float("alpha", alpha)])
            case .hardSigmoid(let alpha, let beta):
                node("HardSigmoid", name, [input], [output], [a.float("alpha", alpha), a.float("beta", beta)])
            case .elu(let alpha), .celu(let alpha):
                node(function.onnxName, name, [input], [output], [a.float("alpha", alpha)])
            case .selu(let alpha, let gamma):
                node("Selu", name, [input], [output], [a.float("alpha", alpha), a.float("gamma", gamma)])
            case .silu:
                let sigmoid = temporary(name + ".sigmoid")
                node("Sigmoid", name + ".sigmoid", [input], [sigmoid])
                node("Mul", name, [input, sigmoid], [output])
            case .mish:
                // Mish needs opset 18: x · tanh(softplus(x)).
                let softplus = temporary(name + ".softplus"), tanh = temporary(name + ".tanh")
                node("Softplus", name + ".softplus", [input], [softplus])
                node("Tanh", name + ".tanh", [softplus], [tanh])
                node("Mul", name, [input, tanh], [output])
            case .gelu(let tanhApproximation):
                // Gelu needs opset 20: written with the formula of the function.
                let half = try constant(name + ".half", Tensor(shape: [], floats: [0.5]))
                let one = try constant(name + ".one", Tensor(shape: [], floats: [1]))
                let inner: String
                if tanhApproximation {
                    let cubic = try constant(name + ".cubic", Tensor(shape: [], floats: [0.044715]))
                    let scale = try constant(name + ".scale", Tensor(shape: [], floats: [0.7978845608028654]))
                    let square = temporary(name + ".square"), cube = temporary(name + ".cube"), scaledCube = temporary(name + ".scaled_cube")
                    let sum = temporary(name + ".sum"), argument = temporary(name + ".argument")
                    inner = temporary(name + ".tanh")
                    node("Mul", name + ".square", [input, input], [square])
                    node("Mul", name + ".cube", [square, input], [cube])
                    node("Mul", name + ".scaled_cube", [cube, cubic], [scaledCube])
                    node("Add", name + ".sum", [input, scaledCube], [sum])
                    node("Mul", name + ".argument", [sum, scale], [argument])
                    node("Tanh", name + ".tanh", [argument], [inner])
                } else {
                    let rootHalf = try constant(name + ".root_half", Tensor(shape: [], floats: [0.70710678118654752]))
                    let scaled = temporary(name + ".scaled")
                    inner = temporary(name + ".erf")
                    node("Mul", name + ".scaled", [input, rootHalf], [scaled])
                    node("Erf", name + ".erf", [scaled], [inner])
                }
                let onePlus = temporary(name + ".one_plus"), halfX = temporary(name + ".half_x")
                node("Add", name + ".one_plus", [inner, one], [onePlus])
                node("Mul", name + ".half_x", [input, half], [halfX])
                node("Mul", name, [halfX, onePlus], [output])
            default:
                node(function.onnxName, name, [input], [output])
            }
        }

        /// QuantizeLinear/DequantizeLinear with the scale and zero point recorded on the int8 (or
        /// int32) value `parameters`.
        mutating func quantization(_ opType: String, _ node: Node, parameters value: ValueID, _ input: String, _ output: String) throws {
            guard let q = graph.values[value].quantization else { throw fail(node, "'\(graph.name(of: value))' has no scale and zero point") }
            let base = name(value)
            let scale = try constant(base + ".scale", Tensor(shape: q.axis == nil ? [] : [q.scales.count], floats: q.scales))
            let dtype = graph.type(of: value)?.dtype ?? .int8
            let zeroStorage: TensorStorage = dtype == .int32 ? .int32(q.zeroPoints) : .int8(q.zeroPoints.map { Int8(clamping: $0) })
            let zero = try constant(base + ".zero_point", Tensor(shape: q.axis == nil ? [] : [q.zeroPoints.count], storage: zeroStorage))
            self.node(opType, node.name, [input, scale, zero], [output], q.axis.map { [Attribute.int("axis", $0)] } ?? [])
        }

        func fail(_ node: Node, _ detail: String) -> ONNXError {
            ONNXError(.malformed, "cannot export \(node.operation.kindName) node '\(node.name)' as ONNX: \(detail)")
        }

        static func code(_ dtype: DType) -> Int32 {
            switch dtype {
            case .float32: return 1
            case .uint8: return 2
            case .int8: return 3
            case .int32: return 6
            case .int64: return 7
            case .bool: return 9
            }
        }

        static func tensor(_ tensor: Tensor, name: String) throws -> Onnx_TensorProto {
            var proto = Onnx_TensorProto()
            proto.name = name
            proto.dims = tensor.shape.map { Int64($0) }
            proto.dataType = code(tensor.dtype)
            switch tensor.storage {
            case .float32(let v): proto.rawData = v.map(\.bitPattern.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
            case .int8(let v): proto.rawData = Data(v.map { UInt8(bitPattern: $0) })
            case .uint8(let v): proto.rawData = Data(v)
            case .int32(let v): proto.rawData = v.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
            case .int64(let v): proto.rawData = v.map(\.littleEndian).withUnsafeBufferPointer { Data(buffer: $0) }
            case .bool(let v): proto.rawData = Data(v.map { $0 ? 1 : 0 })
            }
            return proto
        }
    }

    enum Attribute {
        static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .int; a.i = Int64(value); return a
        }
        static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .ints; a.ints = values.map { Int64($0) }; return a
        }
        static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .float; a.f = value; return a
        }
        static func string(_ name: String, _ value: String) -> Onnx_AttributeProto {
            var a = Onnx_AttributeProto(); a.name = name; a.type = .string; a.s = Data(value.utf8); return a
        }
    }
}
