import EdgeIR
import EdgeNumPy
import EdgeTargets
import Foundation
import Testing

/// The runtime cross-compiled by `RuntimeBuilder` for each target in targets/, running `edge-run`
/// (under qemu-user for ARM) on every real model, against the Swift reference executor.
@Suite("Cross-compiled runtime under qemu", .serialized)
struct CrossTargetTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let models = ["digits"] + RealModelTests.lightModels + ["tiny_detector", "tiny_transformer"]

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

    func fixture(_ name: String) throws -> CompiledFixture {
        switch name {
        case "digits": return try .digits()
        case "tiny_detector", "tiny_transformer": return try .torchModel(name)
        default: return try .lightModel(name)
        }
    }

    /// Runs edge-run for every model and compares each output with the reference executor.
    func agree(_ target: String) throws {
        let (description, runtime) = try build(target)
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work); try? FileManager.default.removeItem(at: runtime.deletingLastPathComponent()) }
        for name in Self.models {
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
                print("\(target) \(name) \(outputName): max |diff| \(difference)")
            }
        }
    }

    /// edge-run's rule for output file names: characters other than letters, digits, '-', '_' and '.' become '_'.
    static func fileName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    @Test func nativeBuild() throws { try agree("x86_64-linux-gnu") }
    @Test func aarch64UnderQemu() throws { try agree("aarch64-linux-gnu") }
    @Test func armv7UnderQemu() throws { try agree("armv7-linux-gnueabihf") }

    /// The ARMv8.2 dot-product variant builds (its kernels are checked with the int8 work).
    @Test func aarch64DotprodBuilds() throws {
        let (_, directory) = try build("aarch64-linux-gnu+dotprod")
        try? FileManager.default.removeItem(at: directory.deletingLastPathComponent())
    }

    @Test func missingToolchainNamesTheInstallLine() throws {
        var target = try RuntimeBuilder(root: Self.root).target(named: "aarch64-linux-gnu")
        target.compiler = "no-such-gcc"
        #expect(throws: TargetError.self) { try RuntimeBuilder(root: Self.root).checkToolchain(target) }
        do { try RuntimeBuilder(root: Self.root).checkToolchain(target) } catch let error as TargetError {
            #expect(error.message.contains("apt-get install -y gcc-aarch64-linux-gnu libc6-dev-arm64-cross liblz4-dev:arm64"), "\(error.message)")
            #expect(error.message.contains("dpkg --add-architecture arm64"))
        }
    }
}
