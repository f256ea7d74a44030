import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import EdgeTargets
import Foundation
import Testing

/// The runtime cross-compiled by `RuntimeBuilder` for each target in targets/, running `edge-run`
/// (under qemu-user for ARM) on every real model, against the Swift reference executor; and on
/// int8 models, whose outputs must equal the in-process native runtime's byte for byte.
@Suite("Cross-compiled runtime under qemu", .serialized)
struct CrossTargetTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    /// The real models, and one conformance case with every 3-D window kind and filter resize.
    static let models = ["digits"] + RealModelTests.lightModels + ["tiny_detector", "tiny_transformer", "tiny_mobilenet", "volumetric_resize_chain"]

    /// Builds the runtime for `target` into a fresh folder.
    func build(_ target: String) throws -> (TargetDescription, URL) {
        let builder = RuntimeBuilder(root: Self.root)
        let description = try builder.target(named: target)
        let directory = try EdgecBinary.temporaryDirectory().appendingPathComponent(target)
        let report = try builder.build(description, into: directory)
        print("runtime for \(target): \(report.libraryObjectsBytes) bytes of stripped objects, edge-run \(report.programBytes) bytes")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("lib/libedge.so").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("include/edge.h").path))
        return (description, directory)
    }

    /// Every operator conformance case the native runtime runs (RuntimeAgreementTests), for the
    /// ARM targets: their libm, float contraction and integer widths against the reference.
    static let operatorCases = RuntimeAgreementTests.operatorCases.map(\.name).filter { !models.contains($0) }

    func fixture(_ name: String) throws -> CompiledFixture {
        switch name {
        case "digits": return try .digits()
        case "tiny_detector", "tiny_transformer", "tiny_mobilenet": return try .torchModel(name)
        default: return RealModelTests.lightModels.contains(name) ? try .lightModel(name) : try .operatorCase(name)
        }
    }

    /// Runs edge-run for every model (and, with `operatorCases`, every operator case) and compares
    /// each output with the reference executor.
    func agree(_ target: String, built: (TargetDescription, URL), operatorCases: Bool = false) throws {
        let (description, runtime) = built
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        for name in Self.models + (operatorCases ? Self.operatorCases : []) {
            let compiled = try fixture(name)
            let model = work.appendingPathComponent("\(name).edgem")
            try compiled.file.data.write(to: model)
            var arguments = description.runPrefix + [runtime.appendingPathComponent("bin/edge-run").path, model.path]
            for (inputName, tensor) in compiled.inputs {
                let path = work.appendingPathComponent("\(name)-input-\(arguments.count).npy").path
                try NumPyFiles.writeArray(tensor, to: path)
                arguments += ["--input", "\(inputName)=\(path)"]
            }
            let outputDirectory = work.appendingPathComponent("\(name)-out")
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            arguments += ["-o", outputDirectory.path]
            try RuntimeBuilder.run(arguments)
            for outputName in compiled.outputNames {
                let file = outputDirectory.appendingPathComponent(Self.fileName(outputName) + ".npy").path
                let output = try NumPyFiles.read(file)[""]
                let difference = expectMatches(output, try #require(compiled.reference[outputName]), "\(target) \(name) \(outputName)")
                if Self.models.contains(name) { print("\(target) \(name) \(outputName): max |diff| \(difference)") }
            }
        }
    }

    /// An int8 model, the inputs it runs on and what the native runtime in this process gives.
    struct QuantizedFixture {
        var name: String
        var file: Data
        var inputs: [String: Tensor]
        var expected: [String: Tensor]
    }

    /// Digits (64 test samples, per-channel, and with int8 inputs and outputs entropy-coded), the detector, the
    /// transformer and the MobileNetV3-style network (synthetic calibration: the fixture input scaled and shifted,
    /// deterministic), so that conv, depthwise (3x3 and 5x5, strides 1 and 2), gemm, pooling, add, mul (the
    /// squeeze-and-excitation's per-channel broadcast), concat, resize, tables and softmax in int8 all run.
    static let quantizedFixtures: [QuantizedFixture] = {
        func make(_ name: String, model: String, calibration: [String: Tensor], inputs: [String: Tensor], int8IO: Bool = false,
                  compression: Edgem.Compression = .none) throws -> QuantizedFixture {
            let graph = try ONNXModel(contentsOf: Fixtures.path(model)).graph
            let shapes = inputs.mapValues { [1] + $0.shape.dropFirst() }
            let prepared = try StandardPipeline.prepare(graph, inputShapes: shapes, fuseClampsOnly: true)
            let data = try CalibrationData(arrays: calibration, inputs: prepared.inputs.map { (prepared.name(of: $0.value), prepared.type(of: $0.value)!) }, source: name)
            let result = try QuantizationPipeline.run(prepared: prepared, data: data, options: QuantizationOptions(method: .percentile, int8IO: int8IO),
                                                      writer: .init(compression: compression), metadata: [], measure: false)
            let device = try DeviceModel(data: result.file.data)
            return QuantizedFixture(name: name, file: result.file.data, inputs: inputs, expected: try device.run(inputs))
        }
        func synthetic(_ x: Tensor) -> Tensor {
            let values = x.floats!
            var samples: [Float] = []
            for k in 0..<8 {
                let gain = 0.5 + 0.15 * Float(k)
                for (i, v) in values.enumerated() {
                    let shift = Float((i * 7 + k * 13) % 11 - 5) * 0.05
                    samples.append(v * gain + shift)
                }
            }
            return Tensor(shape: [8] + x.shape.dropFirst(), floats: samples)
        }
        do {
            let calib = try NumPyFiles.read(Fixtures.path("digits/digits_calib.npz"))
            let test = try NumPyFiles.read(Fixtures.path("digits/digits_test.npz"))["input"]!
            let batch = Tensor(shape: [64] + test.shape.dropFirst(), floats: Array(test.floats!.prefix(64 * 64)))
            var fixtures = [
                try make("digits-int8", model: "digits/digits_cnn.onnx", calibration: calib, inputs: ["input": batch]),
                try make("digits-int8-io", model: "digits/digits_cnn.onnx", calibration: calib, inputs: ["input": batch], int8IO: true,
                         compression: .entropy),
            ]
            for name in ["tiny_detector", "tiny_transformer", "tiny_mobilenet"] {
                let input = try NumPyFiles.read(Fixtures.path("torch/\(name).npz"))["input"]!
                fixtures.append(try make("\(name)-int8", model: "torch/\(name).onnx", calibration: ["input": synthetic(input)], inputs: ["input": input]))
            }
            return fixtures
        } catch {
            Issue.record("quantizing the cross-target fixtures: \(error)")
            return []
        }
    }()

    /// Runs edge-run on every int8 model and compares its outputs byte for byte with this process's.
    func agreeInt8(_ target: String, built: (TargetDescription, URL)) throws {
        let (description, runtime) = built
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        #expect(Self.quantizedFixtures.count == 5)
        for fixture in Self.quantizedFixtures {
            let model = work.appendingPathComponent("\(fixture.name).edgem")
            try fixture.file.write(to: model)
            var arguments = description.runPrefix + [runtime.appendingPathComponent("bin/edge-run").path, model.path]
            for (inputName, tensor) in fixture.inputs {
                let path = work.appendingPathComponent("\(fixture.name)-\(inputName).npy").path
                try NumPyFiles.writeArray(tensor, to: path)
                arguments += ["--input", "\(inputName)=\(path)"]
            }
            let outputDirectory = work.appendingPathComponent("\(fixture.name)-out")
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            try RuntimeBuilder.run(arguments + ["-o", outputDirectory.path])
            for (outputName, expected) in fixture.expected {
                let output = try NumPyFiles.read(outputDirectory.appendingPathComponent(Self.fileName(outputName) + ".npy").path)[""]
                #expect(output == expected, "\(target) \(fixture.name) \(outputName): edge-run's bytes differ from the native runtime's")
                print("\(target) \(fixture.name) \(outputName): \(expected.dtype) \(expected.shape) identical: \(output == expected)")
            }
        }
    }

    /// edge-run's rule for output file names: characters other than letters, digits, '-', '_' and '.' become '_'.
    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// One build per target, then the float models (and the operator cases) and the int8 models through it.
    func check(_ target: String, operatorCases: Bool = false) throws {
        let built = try build(target)
        defer { try? FileManager.default.removeItem(at: built.1.deletingLastPathComponent()) }
        try agree(target, built: built, operatorCases: operatorCases)
        try agreeInt8(target, built: built)
    }

    @Test func nativeBuild() throws { try check("x86_64-linux-gnu") }
    @Test func aarch64UnderQemu() throws { try check("aarch64-linux-gnu", operatorCases: true) }
    @Test func armv7UnderQemu() throws { try check("armv7-linux-gnueabihf", operatorCases: true) }

    /// The ARMv8.2 dot-product build (SDOT kernels) under qemu's `max` CPU, on the int8 models.
    @Test func int8Aarch64DotprodUnderQemu() throws {
        let built = try build("aarch64-linux-gnu+dotprod")
        defer { try? FileManager.default.removeItem(at: built.1.deletingLastPathComponent()) }
        try agreeInt8("aarch64-linux-gnu+dotprod", built: built)
    }

    @Test func missingToolchainNamesTheInstallLine() throws {
        var target = try RuntimeBuilder(root: Self.root).target(named: "aarch64-linux-gnu")
        target.compiler = "no-such-gcc"
        #expect(throws: TargetError.self) { try RuntimeBuilder(root: Self.root).checkToolchain(target) }
        do { try RuntimeBuilder(root: Self.root).checkToolchain(target) } catch let error as TargetError {
            #expect(error.message.contains("apt-get install -y gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross libprotobuf-c-dev:arm64"), "\(error.message)")
            #expect(error.message.contains("dpkg --add-architecture arm64"))
        }
    }
}
