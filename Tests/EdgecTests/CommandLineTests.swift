import EdgeDevice
import EdgeIR
import EdgeNumPy
import Foundation
import Testing

/// The CLI as a user runs it: exit codes, one-line errors, files written.
@Suite("edgec command line")
struct CommandLineTests {
    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: EdgecBinary.url.path), "build the package first: \(EdgecBinary.url.path)")
    }

    @Test func inspectPrintsTheReport() throws {
        let result = try EdgecBinary.run(["inspect", Fixtures.path("digits/digits_cnn.onnx")])
        #expect(result.status == 0, "\(result.standardError)")
        for fragment in ["inputs     input", "float32 [1,1,8,8]", "logits", "47,532 parameters", "Conv", "/conv2/Conv", "294,912", "total      484,992 MACs"] {
            #expect(result.standardOutput.contains(fragment), "missing '\(fragment)' in:\n\(result.standardOutput)")
        }
    }

    @Test func inspectJSONAndLightModelsWithConstantOfShapeWeights() throws {
        let result = try EdgecBinary.run(["inspect", Fixtures.path("light/resnet50.onnx"), "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let weights = try #require(json["weights"] as? [String: Any])
        #expect(weights["constant_of_shape_nodes"] as? Int == 239)
        #expect((weights["parameters"] as? Int ?? 0) > 25_000_000, "resnet50 has about 25.5 M parameters")
        #expect((json["total_macs"] as? Int ?? 0) > 3_800_000_000, "resnet50 costs about 4.1 G MACs")
    }

    @Test func inspectListsEveryUnsupportedOperatorAndFails() throws {
        let result = try EdgecBinary.run(["inspect", Fixtures.path("bad/unsupported_ops.onnx")])
        #expect(result.status != 0)
        for op in ["Hardmax", "LSTM", "Einsum"] { #expect(result.standardOutput.contains(op)) }
        #expect(result.standardError == "edgec: error: 3 unsupported operators in '\(Fixtures.path("bad/unsupported_ops.onnx"))' (listed above)\n")
    }

    @Test(arguments: ["truncated.onnx", "corrupt.onnx", "cycle.onnx", "missing_initializer.onnx", "shape_mismatch.onnx", "dynamic_dim.onnx", "old_opset.onnx"])
    func badModelsGiveOneErrorLine(_ file: String) throws {
        let result = try EdgecBinary.run(["inspect", Fixtures.path("bad/\(file)")])
        #expect(result.status == 1)
        #expect(result.standardError.hasPrefix("edgec: error: "), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test func runWritesOutputsKeyedByName() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.npz").path
        let result = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn_dynamic.onnx"), "--input", Fixtures.path("digits/digits_reference.npz"), "-o", output])
        #expect(result.status == 0, "\(result.standardError)")
        let written = try NumPyFiles.read(output)
        let reference = try NumPyFiles.read(Fixtures.path("digits/digits_reference.npz"))
        expectMatches(written["logits"], try #require(reference["logits"]), "edgec run")

        let single = directory.appendingPathComponent("one.npy").path
        let named = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn.onnx"), "--input", "input=" + Fixtures.path("digits/digits_sample.npy"), "-o", single])
        #expect(named.status == 0, "\(named.standardError)")
        #expect(try NumPyFiles.read(single)[""]?.shape == [1, 10])
    }

    @Test func runRefusesWrongInputsAndLeavesNoOutput() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.npz").path
        let wrongName = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn.onnx"), "--input", "image=" + Fixtures.path("digits/digits_sample.npy"), "-o", output])
        #expect(wrongName.status == 1)
        #expect(wrongName.standardError.contains("no data for input 'input'") || wrongName.standardError.contains("names 'image'"), "\(wrongName.standardError)")
        let wrongShape = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn.onnx"), "--input", Fixtures.path("digits/digits_reference.npz"), "-o", output])
        #expect(wrongShape.status == 1)
        #expect(wrongShape.standardError.contains("declares dim 0 as 1"), "\(wrongShape.standardError)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    /// Every option of quantize, prune, compile and eval that takes a fixed set of values, and
    /// quantizing without data: one line naming the option, exit status 1, no output file.
    @Test func compressionVerbsRefuseBadOptionsAndLeaveNoOutput() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx"), calib = Fixtures.path("digits/digits_calib.npz")
        let edgem = directory.appendingPathComponent("out.edgem").path, onnx = directory.appendingPathComponent("out.onnx").path
        let cases: [([String], String)] = [
            (["quantize", model, "--calib", calib, "--method", "median", "-o", edgem], "--method takes minmax, percentile, entropy or mse, not 'median'"),
            (["quantize", model, "--calib", calib, "--percentile", "40", "-o", edgem], "--percentile must be in (50, 100], got 40"),
            (["quantize", model, "--calib", calib, "--compress", "zstd", "-o", edgem], "--compress takes none, lz4 or entropy, not 'zstd'"),
            (["quantize", model, "-o", edgem], "quantizing needs calibration data"),
            (["compile", model, "--compress", "gzip", "-o", edgem], "--compress takes none, lz4 or entropy, not 'gzip'"),
            (["prune", model, "--sparsity", "0.5", "--granularity", "block", "-o", onnx], "--granularity takes element, channel or 2:4, not 'block'"),
            (["prune", model, "--sparsity", "0.5", "--scope", "model", "-o", onnx], "--scope takes layer or global, not 'model'"),
            // A file of another kind than the verb takes is named for what it is.
            (["quantize", Fixtures.path("digits/digits_sample.npy"), "--calib", calib, "-o", edgem], "is a NumPy array (.npy), not a model; quantize takes ONNX (.onnx)"),
            (["compile", calib, "-o", edgem], "is a ZIP archive (a .npz of arrays?), not a model; compile takes ONNX (.onnx)"),
            (["prune", directory.path, "--sparsity", "0.5", "-o", onnx], "is a directory, not a model file"),
            // Output paths: a directory, a missing folder.
            (["compile", model, "-o", directory.path], "is a directory; give a file path inside it"),
            (["compile", model, "-o", directory.appendingPathComponent("missing/out.edgem").path], "the folder '\(directory.appendingPathComponent("missing").path)' does not exist"),
        ]
        for (arguments, message) in cases {
            let result = try EdgecBinary.run(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.standardError.contains(message), "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: edgem) && !FileManager.default.fileExists(atPath: onnx))
    }

    @Test("compile and inspect report the arena the runtime asks for, activations and scratch apart")
    func arenaNumbersMatchTheRuntime() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let path = directory.appendingPathComponent("d.edgem").path
        let compiled = try EdgecBinary.run(["compile", Fixtures.path("digits/digits_cnn.onnx"), "-o", path])
        let needed = try DeviceModel(data: try Data(contentsOf: URL(fileURLWithPath: path))).arenaSize
        let grouped = needed.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(compiled.standardOutput.contains("arena      \(grouped) bytes per context (edge_model_arena_size): "))
        let inspected = try EdgecBinary.run(["inspect", path])
        #expect(inspected.standardOutput.contains("arena      \(grouped) bytes per context: "))
    }

    @Test("a Conv followed by SiLU or Sigmoid compiles to one CONV whose fused activation inspect names")
    func logisticActivationsFuseIntoTheCompiledConvolution() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        for (fixture, suffix) in [("conv_silu", "CONV+silu"), ("conv_depthwise_sigmoid", "CONV+sigmoid")] {
            let path = directory.appendingPathComponent("\(fixture).edgem").path
            _ = try EdgecBinary.run(["compile", Fixtures.path("ops/\(fixture).onnx"), "-o", path])
            let operators = try EdgecBinary.run(["inspect", path]).standardOutput.split(separator: "\n").filter { $0.contains("Conv_0") }
            #expect(operators.count == 1 && operators[0].contains(suffix), "\(operators)")
        }
    }

    @Test("calibration data of zeros, or so large that the model overflows float32, is refused in one line naming it")
    func extremeCalibrationData() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let model = Fixtures.path("digits/digits_cnn.onnx")
        for (value, name) in [(Float(0), "zeros"), (Float(1e38), "huge")] {
            let data = directory.appendingPathComponent("\(name).npz").path
            try NumPyFiles.writeArchive(["input": Tensor(shape: [8, 1, 8, 8], floats: (0..<512).map { $0 % 2 == 0 ? value : -value })], to: data)
            let output = directory.appendingPathComponent("\(name).edgem").path
            let result = try EdgecBinary.run(["quantize", model, "--calib", data, "--no-measure", "-o", output])
            if value == 0 {
                #expect(result.status == 1 && result.standardError.contains("the calibration data holds only zeros"), "\(result.standardError)")
                #expect(!FileManager.default.fileExists(atPath: output))
            } else {
                #expect(result.status == 1 && result.standardError.contains("on the calibration data (float32 overflowed): it has no int8 scale"), "\(result.standardError)")
                #expect(!FileManager.default.fileExists(atPath: output))
            }
        }
    }

    @Test("a mistyped command is a usage error with a suggestion")
    func mistypedCommandSuggests() throws {
        let result = try EdgecBinary.run(["quantise", "model.onnx"])
        #expect(result.status == 64)
        #expect(result.standardError == "edgec: error: unknown command 'quantise' (did you mean 'quantize'?); the commands are inspect, compile, quantize, prune, train, distill, eval, run, runtime, update, aggregate\n")
    }

    @Test("the same model and options give the same bytes wherever the file is written")
    func compiledFilesAreReproducible() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let model = Fixtures.path("digits/digits_cnn.onnx"), calib = Fixtures.path("digits/digits_calib.npz")
        var files: [Data] = []
        for name in ["a.edgem", "sub-b.edgem"] {
            let path = directory.appendingPathComponent(name).path
            #expect(try EdgecBinary.run(["quantize", model, "--calib", calib, "--no-measure", "-o", path]).status == 0)
            files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        #expect(files[0] == files[1])
    }

    /// quantize then eval through the binary, the way the README shows them.
    @Test func quantizeThenEvalAgainstTheReference() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx"), edgem = directory.appendingPathComponent("digits.int8.edgem").path
        let quantized = try EdgecBinary.run(["quantize", model, "--calib", Fixtures.path("digits/digits_calib.npz"), "-o", edgem, "--compress", "entropy"])
        #expect(quantized.status == 0, "\(quantized.standardError)")
        #expect(quantized.standardOutput.contains("int8       7 nodes"), "\(quantized.standardOutput)")
        let evaluated = try EdgecBinary.run(["eval", edgem, "--data", Fixtures.path("digits/digits_test.npz"), "--reference", model])
        #expect(evaluated.status == 0, "\(evaluated.standardError)")
        #expect(evaluated.standardOutput.contains("accuracy   99.33% (fp32 reference 99.33%)"), "\(evaluated.standardOutput)")
        #expect(evaluated.standardOutput.contains("top-1      100.00% agreement"), "\(evaluated.standardOutput)")
    }
}
