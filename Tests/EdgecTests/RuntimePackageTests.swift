import EdgeIR
import EdgeTargets
import Foundation
import Testing

/// The runtime as a package: `runtime build` for each target, from the sources embedded in edgec,
/// then a small C program and a small C++ program (Tests/Fixtures/package) built against it the
/// ways users build, run natively or under qemu-user, printing exactly the outputs this process's
/// runtime gives on an int8 model:
///   pkg-config: app.c against libedge.so, app.cpp against libedge.a (`--static`, `-static`);
///   CMake (find_package(edge), the toolchain file for ARM): app.c against edge::edge_static,
///   app.cpp against edge::edge.
/// And the inference-only build: no protobuf-c anywhere, the encoder's functions say so.
@Suite("Runtime as a package (pkg-config, CMake, SONAME, inference-only)", .serialized)
struct RuntimePackageTests {
    static let programs = Fixtures.root.appendingPathComponent("package")

    /// digits-int8 (the cross-target fixture): its first sample's raw bytes and the logits this
    /// process's runtime gives for it, as the programs print them.
    static func model(in work: URL) throws -> (model: URL, input: URL, expected: [String]) {
        let fixture = try #require(CrossTargetTests.quantizedFixtures.first { $0.name == "digits-int8" })
        let model = work.appendingPathComponent("digits-int8.edgem")
        try fixture.file.write(to: model)
        let input = work.appendingPathComponent("input.bin")
        // The fixture is a batch of 64 for a batch-1 model: the programs run its first sample.
        let batch = try #require(fixture.inputs["input"])
        let floats = try #require(batch.floats)
        try Array(floats.prefix(floats.count / batch.shape[0])).withUnsafeBytes { Data($0) }.write(to: input)
        let logits = try #require(fixture.expected.values.first)
        let row = try #require(logits.floats).prefix(logits.shape.dropFirst().reduce(1, *))
        return (model, input, row.map { String(format: "%.9g", $0) })
    }

    /// Runs one of the programs (through qemu-user for ARM) and checks it prints `expected` and
    /// whether the runtime has the encoder.
    func expectRuns(_ program: URL, _ target: TargetDescription, _ model: (model: URL, input: URL, expected: [String]),
                    encoder: Bool, _ label: String) throws {
        let output = try RuntimeBuilder.run(target.runPrefix + [program.path, model.model.path, model.input.path])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(Array(lines.dropLast()) == model.expected, "\(label): outputs differ from this process's runtime")
        #expect(lines.last == "update encoder: \(encoder ? "yes" : "no")", "\(label): \(lines.last ?? "nothing")")
        print("\(label): \(lines.count - 1) outputs identical to the native runtime's, \(lines.last ?? "")")
    }

    /// The package files and the shared library's name, SONAME and exports.
    func expectPackageLayout(_ directory: URL, inferenceOnly: Bool, _ label: String) throws {
        let lib = directory.appendingPathComponent("lib")
        let version = try RuntimeVersion(header: directory.appendingPathComponent("include/edge.h"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: lib.appendingPathComponent("libedge.so").path) == version.soname)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: lib.appendingPathComponent(version.soname).path) == version.sharedLibraryFile)
        let dynamic = try RuntimeBuilder.run(["readelf", "-d", lib.appendingPathComponent(version.sharedLibraryFile).path])
        #expect(dynamic.contains("Library soname: [\(version.soname)]"), "\(label): \(dynamic)")
        #expect(dynamic.contains("libprotobuf-c") == !inferenceOnly, "\(label): protobuf-c needed: \(dynamic)")
        let exports = try RuntimeBuilder.run(["nm", "-D", "--defined-only", lib.appendingPathComponent(version.sharedLibraryFile).path])
            .split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(exports.contains("edge_model_load_file") && exports.contains("edge_update_create"), "\(label): \(exports)")
        #expect(exports.allSatisfy { $0.hasPrefix("edge_") }, "\(label): exports more than edge.h: \(exports.filter { !$0.hasPrefix("edge_") })")
        let undefinedInArchive = try RuntimeBuilder.run(["nm", "--undefined-only", lib.appendingPathComponent("libedge.a").path])
        #expect(undefinedInArchive.contains("protobuf_c_") == !inferenceOnly, "\(label): libedge.a and protobuf-c")
        let pc = try String(contentsOf: lib.appendingPathComponent("pkgconfig/edge.pc"), encoding: .utf8)
        #expect(pc.contains(inferenceOnly ? "Libs.private: -lm\n" : "Libs.private: -lprotobuf-c -lm\n"), "\(label): \(pc)")
        #expect(FileManager.default.fileExists(atPath: lib.appendingPathComponent("cmake/edge/edgeConfigVersion.cmake").path))
    }

    /// The pkg-config and CMake builds of both programs against `directory`, each run.
    func expectProgramsBuildAndRun(_ target: TargetDescription, _ directory: URL, inferenceOnly: Bool, work: URL) throws {
        let model = try Self.model(in: work)
        let label = "\(target.name)\(inferenceOnly ? " inference-only" : "")"
        func pkgConfig(_ arguments: [String]) throws -> [String] {
            let line = try RuntimeBuilder.run(["env", "PKG_CONFIG_PATH=\(directory.path)/lib/pkgconfig", "pkg-config"] + arguments + ["edge"])
            return line.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        let libdir = try pkgConfig(["--variable=libdir"])[0]
        let warnings = ["-Wall", "-Wextra", "-Werror", "-pedantic"]
        let cShared = work.appendingPathComponent("app-c-shared")
        try RuntimeBuilder.run([target.compiler, "-std=c11"] + warnings + [Self.programs.appendingPathComponent("app.c").path]
                               + (try pkgConfig(["--cflags", "--libs"])) + ["-Wl,-rpath,\(libdir)", "-o", cShared.path])
        try expectRuns(cShared, target, model, encoder: !inferenceOnly, "\(label) pkg-config C shared")
        let cxx = try #require(target.cxxCompiler)
        let cppStatic = work.appendingPathComponent("app-cpp-static")
        try RuntimeBuilder.run([cxx, "-std=c++17"] + warnings + [Self.programs.appendingPathComponent("app.cpp").path]
                               + (try pkgConfig(["--cflags", "--libs", "--static"])) + ["-static", "-o", cppStatic.path])
        try expectRuns(cppStatic, target, model, encoder: !inferenceOnly, "\(label) pkg-config C++ static")

        let build = work.appendingPathComponent("cmake-build")
        let toolchain = directory.appendingPathComponent("share/edge/toolchain.cmake")
        #expect(FileManager.default.fileExists(atPath: toolchain.path) == (target.emulator != nil))
        try RuntimeBuilder.run(["cmake", "-S", Self.programs.path, "-B", build.path, "-DCMAKE_PREFIX_PATH=\(directory.path)"]
                               + (target.emulator == nil ? [] : ["-DCMAKE_TOOLCHAIN_FILE=\(toolchain.path)"]))
        try RuntimeBuilder.run(["cmake", "--build", build.path])
        try expectRuns(build.appendingPathComponent("app-c-static"), target, model, encoder: !inferenceOnly, "\(label) CMake C static")
        try expectRuns(build.appendingPathComponent("app-cpp-shared"), target, model, encoder: !inferenceOnly, "\(label) CMake C++ shared")
    }

    func check(_ name: String, inferenceOnly: Bool = false) throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let directory = work.appendingPathComponent(name)
        let (target, report) = try RuntimeBuilder.withEmbeddedSources { builder in
            let target = try builder.target(named: name)
            return (target, try builder.build(target, into: directory, options: .init(inferenceOnly: inferenceOnly)))
        }
        print("\(name)\(inferenceOnly ? " inference-only" : ""): libedge objects \(report.libraryObjectsBytes) bytes, "
              + "\(report.version.sharedLibraryFile) \(report.sharedLibraryBytes) bytes, edge-run \(report.programBytes) bytes")
        try expectPackageLayout(directory, inferenceOnly: inferenceOnly, name)
        try expectProgramsBuildAndRun(target, directory, inferenceOnly: inferenceOnly, work: work)
    }

    @Test func x86_64() throws { try check("x86_64-linux-gnu") }
    @Test func x86_64InferenceOnly() throws { try check("x86_64-linux-gnu", inferenceOnly: true) }
    @Test func aarch64UnderQemu() throws { try check("aarch64-linux-gnu") }
    @Test func aarch64DotprodUnderQemu() throws { try check("aarch64-linux-gnu+dotprod") }
    @Test func armv7UnderQemu() throws { try check("armv7-linux-gnueabihf") }
    @Test func armv7InferenceOnlyUnderQemu() throws { try check("armv7-linux-gnueabihf", inferenceOnly: true) }

    /// An edgec binary copied outside the checkout, run from a folder that is not in it, lists the
    /// targets and builds the runtime from the sources it carries.
    @Test func edgecCopiedOutsideTheCheckoutBuildsTheRuntime() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let edgec = work.appendingPathComponent("bin/edgec")
        try FileManager.default.createDirectory(at: edgec.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: EdgecBinary.url, to: edgec)
        let targets = try EdgecBinary.run(["runtime", "targets"], executable: edgec, in: work)
        #expect(targets.status == 0, "\(targets.standardError)")
        for name in ["x86_64-linux-gnu", "aarch64-linux-gnu", "aarch64-linux-gnu+dotprod", "armv7-linux-gnueabihf"] {
            #expect(targets.standardOutput.contains(name + " "), "\(targets.standardOutput)")
        }
        let built = try EdgecBinary.run(["runtime", "build", "--target", "x86_64-linux-gnu", "--inference-only", "-o", "dist"], executable: edgec, in: work)
        #expect(built.status == 0, "\(built.standardError)")
        #expect(built.standardOutput.contains("(inference only)"), "\(built.standardOutput)")
        let header = try String(contentsOf: work.appendingPathComponent("dist/include/edge.h"), encoding: .utf8)
        let source = try String(contentsOf: Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/EdgeRuntime/include/edge.h"), encoding: .utf8)
        #expect(header == source, "the embedded edge.h differs from the checkout's")
        let version = try EdgecBinary.run(["--version"], executable: work.appendingPathComponent("dist/bin/edge-run"))
        #expect(version.status == 0 && version.standardOutput.hasPrefix("edge-run "), "\(version.standardOutput)")
        #expect(FileManager.default.fileExists(atPath: work.appendingPathComponent("dist/lib/pkgconfig/edge.pc").path))
    }

    /// Every file SwiftPM compiles into the runtime travels inside edgec (a new C file cannot be forgotten).
    @Test func embeddedSourcesAreTheCheckoutsOwn() throws {
        let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        let embedded = Set(RuntimeBuilder.embeddedPaths)
        for folder in ["Sources/EdgeRuntime", "Sources/edge-run", "targets"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)
            while let path = enumerator?.nextObject() as? String {
                guard ["c", "h", "toml"].contains((path as NSString).pathExtension), !path.hasPrefix("tests/") else { continue }
                #expect(embedded.contains("\(folder)/\(path)"), "\(folder)/\(path) is not embedded in edgec")
            }
        }
        #expect(embedded.contains("Sources/EdgeRuntime/update_unavailable.c"))
    }
}
