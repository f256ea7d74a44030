import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// One small ONNX model per operator variant with PyTorch autograd's vector–Jacobian products in
/// float64 (Tests/Fixtures/make_gradient_goldens.py).
struct GradientCase: CustomTestStringConvertible, Sendable {
    var name: String
    var op: String
    var training: Bool

    var testDescription: String { "\(name) (\(op)\(training ? ", training mode" : ""))" }

    static let all: [GradientCase] = {
        guard let data = FileManager.default.contents(atPath: Fixtures.path("gradients/cases.json")),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map { GradientCase(name: $0["case"] as! String, op: $0["op"] as! String, training: ($0["mode"] as? String) == "train") }
    }()

    /// The case's graph (train pipeline: nothing fused), its inputs, and the arrays of its .npz.
    func load() throws -> (graph: Graph, inputs: [String: Tensor], arrays: [String: Tensor]) {
        let model = try ONNXModel(contentsOf: Fixtures.path("gradients/\(name).onnx"))
        let arrays = try NumPyFiles.read(Fixtures.path("gradients/\(name).npz"))
        var inputs: [String: Tensor] = [:]
        for input in model.graph.inputs {
            let key = model.graph.name(of: input.value)
            inputs[key] = try #require(arrays[key], "no array for input \(key)")
        }
        let graph = try StandardPipeline.train(model.graph, inputShapes: inputs.mapValues(\.shape))
        return (graph, inputs, arrays)
    }
}

@Suite("Gradients against PyTorch autograd and finite differences")
struct GradientTests {
    @Test("every gradient case is present")
    func casesExist() {
        #expect(GradientCase.all.count >= 70)
    }

    /// The parameters of a case: every float graph input and every float constant PyTorch gave a gradient for.
    static func parameters(_ graph: Graph, _ arrays: [String: Tensor]) -> [String: ValueID] {
        var result: [String: ValueID] = [:]
        for (id, value) in graph.values.enumerated() where arrays["grad:" + value.name] != nil && (graph.constants[id] != nil || graph.inputs.contains { $0.value == id }) {
            result[value.name] = id
        }
        return result
    }

    @Test(arguments: GradientCase.all)
    func matchesPyTorch(_ testCase: GradientCase) throws {
        let (graph, inputs, arrays) = try testCase.load()
        let parameters = Self.parameters(graph, arrays)
        let expectedNames = Set(arrays.keys.filter { $0.hasPrefix("grad:") }.map { String($0.dropFirst(5)) })
        // Scalar constants that the front end folds into attributes (none today) would be missing here.
        #expect(Set(parameters.keys) == expectedNames, "\(testCase.name): parameters \(parameters.keys.sorted()) vs goldens \(expectedNames.sorted())")
        let engine = try Differentiation(graph: graph, parameters: Set(parameters.values))
        let tape = try engine.forward(inputs, training: testCase.training)
        var seeds: [ValueID: Tensor] = [:]
        for id in graph.outputs {
            let name = graph.name(of: id)
            seeds[id] = try #require(arrays["upstream:" + name], "no upstream gradient for \(name)")
            if let forward = arrays["output:" + name] {
                expectMatches(tape.value(id), forward, "\(testCase.name) forward \(name)")
            }
        }
        let gradients = try engine.backward(tape, seeds: seeds)
        for (name, id) in parameters.sorted(by: { $0.key < $1.key }) {
            expectMatches(gradients[id], arrays["grad:" + name]!, "\(testCase.name) gradient of \(name)", relative: 2e-4)
        }
        if testCase.training {
            for (key, expected) in arrays where key.hasPrefix("running_") {
                let name = String(key.split(separator: ":", maxSplits: 1)[1])
                let id = try #require(graph.values.firstIndex { $0.name == name })
                expectMatches(tape.stateUpdates[id], expected, "\(testCase.name) \(key)")
            }
        }
    }

    /// Central differences of the executor's own forward (a float64 loss over float32 outputs) agree
    /// with its backward on every case.
    @Test(arguments: GradientCase.all)
    func matchesFiniteDifferences(_ testCase: GradientCase) throws {
        let (graph, inputs, arrays) = try testCase.load()
        let seeds = Dictionary(uniqueKeysWithValues: graph.outputs.map { ($0, arrays["upstream:" + graph.name(of: $0)]!) })
        try Self.expectFiniteDifferences(graph, inputs: inputs, parameters: Self.parameters(graph, arrays), seeds: seeds,
                                         training: testCase.training, label: testCase.name)
    }

    /// Operator forms the PyTorch goldens do not cover — 3-D convolutions, transposed convolutions
    /// and pools, cubic and antialiased Resize — from their conformance cases (ops/): the backward
    /// agrees with central differences for the input and the weights and bias.
    @Test(arguments: ["conv3d_strides_dilations", "conv3d_groups2", "conv3d_depthwise", "convtranspose3d_outpad",
                      "convtranspose3d_groups_output_shape", "maxpool3d_k3s2p1_ceil", "averagepool3d_pads_include",
                      "averagepool3d_ceil", "conv1d_depthwise", "convtranspose_output_shape",
                      "resize_cubic_opset13_halfpixel_exclude_sizes_up", "resize_cubic_opset13_align_corners_exclude_scales_down",
                      "resize_antialias_opset18_cubic_pytorch_half_pixel_down", "resize_antialias_opset18_linear_halfpixel_down"])
    func operatorCaseMatchesFiniteDifferences(_ name: String) throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("ops/\(name).onnx"))
        let arrays = try NumPyFiles.read(Fixtures.path("ops/\(name).npz"))
        var inputs: [String: Tensor] = [:]
        for input in model.graph.inputs {
            let key = model.graph.name(of: input.value)
            inputs[key] = try #require(arrays[key], "no array for input \(key)")
        }
        let graph = try StandardPipeline.train(model.graph, inputShapes: inputs.mapValues(\.shape))
        // The cases name weights W and biases B; their other constants (scales, sizes) are not parameters.
        var parameters: [String: ValueID] = [:]
        for (id, value) in graph.values.enumerated() where graph.inputs.contains(where: { $0.value == id }) || ["W", "B"].contains(value.name) {
            parameters[value.name] = id
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var seeds: [ValueID: Tensor] = [:]
        for id in graph.outputs {
            let shape = try #require(graph.type(of: id)?.shape)
            seeds[id] = Tensor(shape: shape, floats: (0..<Shapes.elementCount(shape)).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int64(bitPattern: state) >> 40) / Float(1 << 23)  // uniform in [-1, 1)
            })
        }
        try Self.expectFiniteDifferences(graph, inputs: inputs, parameters: parameters, seeds: seeds, training: false, label: name)
    }

    /// Checks the backward of `graph` for `parameters` against central differences of the loss
    /// Σ output · seed, at a few elements spread over each parameter.
    static func expectFiniteDifferences(_ graph: Graph, inputs: [String: Tensor], parameters: [String: ValueID], seeds: [ValueID: Tensor],
                                        training: Bool, label: String) throws {
        var engine = try Differentiation(graph: graph, parameters: Set(parameters.values))
        let gradients = try engine.backward(try engine.forward(inputs, training: training), seeds: seeds)
        func loss(_ engine: Differentiation, _ inputs: [String: Tensor]) throws -> Double {
            let tape = try engine.forward(inputs, training: training)
            return seeds.reduce(0.0) { sum, seed in
                sum + zip(tape.value(seed.key)!.floats!, seed.value.floats!).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
        }
        let epsilon: Float = 1e-3
        for (name, id) in parameters.sorted(by: { $0.key < $1.key }) {
            let isInput = graph.inputs.contains { $0.value == id }
            let original = isInput ? inputs[name]! : graph.constants[id]!
            let analytic = gradients[id]!.floats!
            // A few elements per tensor keep the check fast; they are spread over the tensor.
            let picks = Array(Set((0..<6).map { $0 * original.elementCount / 6 })).sorted()
            for index in picks {
                func shifted(_ delta: Float) throws -> Double {
                    var values = original.floats!
                    values[index] += delta
                    let tensor = Tensor(shape: original.shape, floats: values)
                    var inputs = inputs
                    if isInput { inputs[name] = tensor } else { engine.graph.constants[id] = tensor }
                    defer { engine.graph.constants[id] = isInput ? nil : original }
                    return try loss(engine, inputs)
                }
                let numeric = (try shifted(epsilon) - shifted(-epsilon)) / Double(2 * epsilon)
                let tolerance = 2e-2 * max(1, abs(numeric))
                #expect(abs(numeric - Double(analytic[index])) <= tolerance,
                        "\(label) d/d\(name)[\(index)]: finite difference \(numeric), backward \(analytic[index])")
            }
        }
    }
}
