import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// Malformed models (Tests/Fixtures/make_bad_models.py): each is refused with an error that
/// names what and where, never a crash.
@Suite("Bad input")
struct BadInputTests {
    /// Loads and prepares a model, returning the one-line message of the error it must raise.
    func failure(_ file: String, shapes: [String: [Int]] = [:]) -> String? {
        do {
            let model = try ONNXModel(contentsOf: Fixtures.path("bad/\(file)"))
            _ = try StandardPipeline.prepare(model.graph, inputShapes: shapes)
            return nil
        } catch let error as ONNXError {
            return error.message
        } catch let error as GraphError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: [
        ("truncated.onnx", "truncated or corrupt"),
        ("corrupt.onnx", "truncated or corrupt"),
        ("not_a_model.onnx", "bad/not_a_model.onnx"),
        ("cycle.onnx", "cycle"),
        ("missing_initializer.onnx", "reads 'W', which is not a graph input, an initializer or the output of any node"),
        ("unknown_domain.onnx", "domain 'com.example.custom' is not supported"),
        ("shape_mismatch.onnx", "Conv node 'conv': input has 3 channels"),
        ("add_mismatch.onnx", "Add node 'add': shapes [1, 3, 4] and [5] cannot be broadcast"),
        ("dynamic_dim.onnx", "input 'x' has a dynamic dimension 'batch' (axis 0"),
        ("old_opset.onnx", "opset 7; edgec reads opsets 9 to 21"),
        ("future_opset.onnx", "opset 23; edgec reads opsets 9 to 21"),
        ("range_dynamic.onnx", "Range node 'range': limit ('limit') is computed at run time"),
        ("range_zero_delta.onnx", "Range node 'range': delta 0.0 with start 0.0 and limit 4.0 gives no finite range"),
        ("prelu_slope_mismatch.onnx", "PRelu node 'prelu': slope of shape [4, 1, 1] does not broadcast to the input's shape [1, 3, 4, 4]"),
        ("qdq_dynamic_scale.onnx", "'quantize' (QuantizeLinear, opset 13): its scale is computed at run time"),
        ("qdq_zero_point_count.onnx", "'dequantize' (DequantizeLinear, opset 13): has 2 scales but 1 zero points"),
        ("qlinearconv_dynamic_scale.onnx", "'conv' (QLinearConv, opset 13): its x scale 'runtime_scale' is computed at run time; edgec needs it constant"),
        ("qlinearconv_zero_point_type.onnx", "'conv' (QLinearConv, opset 13): its x zero point 'z32' is int32; QLinearConv takes int8 or uint8 zero points"),
        ("qlinearsoftmax_other_opset_axis.onnx", "'softmax' (com.microsoft.QLinearSoftmax, opset 1): stands for a Softmax of opset 12 over axis 1, which a Softmax of the model's opset 13 computes differently"),
        ("qlinearsoftmax_without_opset.onnx", "'softmax' (com.microsoft.QLinearSoftmax, opset 1): needs its opset attribute (the opset of the Softmax it quantizes)"),
        ("qlinearreducemean_unsupported.onnx", "'mean' (com.microsoft.QLinearReduceMean, opset 1): onnxruntime's quantized operator QLinearReduceMean is not supported"),
        ("if_runtime_condition.onnx", "If node 'branch': its condition 'positive' is computed at run time"),
        ("nonzero_runtime.onnx", "NonZero node 'nonzero': its output shape depends on the values of 'x', which are computed at run time"),
        ("conv_4d.onnx", "'conv4d' (Conv, opset 13): 4-D convolution is not supported (1-D, 2-D and 3-D are)"),
        ("convtranspose_valid_output_shape.onnx", "'upsample' (ConvTranspose, opset 13): output_shape with auto_pad VALID is not supported"),
        ("resize_antialias_nearest.onnx", "'shrink' (Resize, opset 18): antialias applies to linear and cubic resizes, not nearest"),
        ("resize_tf_crop_and_resize.onnx", "'crop' (Resize, opset 13): coordinate_transformation_mode 'tf_crop_and_resize' is not supported"),
    ])
    func refusedWithReason(_ file: String, _ expected: String) throws {
        let message = try #require(failure(file), "\(file) was accepted")
        #expect(message.contains(expected), "\(file): \(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
    }

    @Test func unsupportedOperatorsAreAllListed() throws {
        let message = try #require(failure("unsupported_ops.onnx"))
        #expect(message.hasPrefix("3 unsupported nodes"))
        for op in ["Hardmax", "LSTM", "Einsum"] { #expect(message.contains(op), "\(op) missing from: \(message)") }
        #expect(message.contains("'einsum' (Einsum, opset 13): equation 'sbi,ii->sbi': 'i' appears twice in operand 2 (a diagonal or trace)"), "\(message)")
        #expect(!message.contains("Relu"))
    }

    @Test func dynamicDimensionRunsOnceBound() throws {
        let input = try #require(try NumPyFiles.read(Fixtures.path("bad/dynamic_dim_input.npy"))[""])
        let expected = try #require(try NumPyFiles.read(Fixtures.path("bad/dynamic_dim_expected.npy"))[""])
        let (_, outputs) = try Fixtures.run(Fixtures.path("bad/dynamic_dim.onnx"), inputs: ["x": input])
        expectMatches(outputs["y"], expected, "dynamic_dim bound to batch 2")
    }

    @Test func bindingsThatContradictTheModelAreRefused() {
        #expect(failure("dynamic_dim.onnx", shapes: ["x": [2, 4, 8, 8]])?.contains("declares dim 1 as 3") == true)
        #expect(failure("dynamic_dim.onnx", shapes: ["nope": [1, 3, 8, 8]])?.contains("names 'nope'") == true)
        #expect(failure("dynamic_dim.onnx", shapes: ["x": [1, 3, 8]])?.contains("has rank 4") == true)
    }

    @Test func wrongInputsAtRunTimeAreRefused() throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx"))
        let executor = try ReferenceExecutor(graph: try StandardPipeline.prepare(model.graph))
        #expect(throws: ExecutionError.invalidInput("input 'input' is float32[2,1,8,8] but the model expects float32[1,1,8,8]")) {
            try executor.run(["input": Tensor.zeros(.float32, shape: [2, 1, 8, 8])])
        }
        #expect(throws: ExecutionError.self) { try executor.run([:]) }
        #expect(throws: ExecutionError.self) { try executor.run(["input": Tensor.zeros(.int64, shape: [1, 1, 8, 8])]) }
    }

    /// Every prefix of a valid model is refused cleanly (or, where protobuf allows it, read as a smaller model).
    @Test func everyTruncationIsHandled() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("ops/pattern_conv_bn_relu.onnx")))
        for length in stride(from: 0, to: data.count, by: max(1, data.count / 300)) {
            do {
                let model = try ONNXModel(data: data.prefix(length), source: "prefix")
                _ = try? StandardPipeline.prepare(model.graph)
            } catch is ONNXError {
                continue
            }
        }
    }
}
