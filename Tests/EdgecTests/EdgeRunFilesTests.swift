import EdgeNumPy
import Foundation
import Testing

/// edge-run, the device program, on a user's files: an output that is an input or the model —
/// by the same path, `./`, `sub/../`, a symbolic or a hard link — is refused in one line with the
/// input left as it was; outputs land whole, with no temporary file left beside them; --help and
/// --version. The model is the digits CNN compiled here by edgec; edge-run is not compiled here,
/// it is the one built next to edgec.
@Suite("edge-run files")
struct EdgeRunFilesTests {
    /// edge-run sits next to edgec in the build folder.
    static var url: URL { EdgecBinary.url.deletingLastPathComponent().appendingPathComponent("edge-run") }

    /// Runs edge-run in `directory` (relative paths in `arguments` are relative to it).
    static func run(_ arguments: [String], in directory: URL? = nil) throws -> EdgecBinary.Result {
        try EdgecBinary.run(arguments, executable: url, in: directory)
    }

    /// A fresh directory with the digits model compiled by edgec (d.edgem), a copy of the sample
    /// input (x.npy) and an empty folder `sub`.
    static func workspace() throws -> URL {
        let directory = try EdgecBinary.temporaryDirectory()
        let compiled = try EdgecBinary.run(["compile", Fixtures.path("digits/digits_cnn.onnx"), "-o", directory.appendingPathComponent("d.edgem").path])
        try #require(compiled.status == 0, "\(compiled.standardError)")
        try FileManager.default.copyItem(atPath: Fixtures.path("digits/digits_sample.npy"), toPath: directory.appendingPathComponent("x.npy").path)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("sub"), withIntermediateDirectories: false)
        return directory
    }

    /// Names in `directory` (and its subfolders) that look like a temporary file.
    static func temporaryFiles(in directory: URL) -> [String] {
        let names = FileManager.default.enumerator(atPath: directory.path)?.allObjects as? [String] ?? []
        return names.filter { $0.contains(".tmp") }
    }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.url.path), "build the package first: \(Self.url.path)")
    }

    @Test func refusesAnOutputThatIsAnInputOrTheModel() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("x.npy")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("link.npy").path, withDestinationPath: "x.npy")
        try FileManager.default.linkItem(atPath: input.path, toPath: directory.appendingPathComponent("hard.npy").path)
        let original = try Data(contentsOf: input), model = try Data(contentsOf: directory.appendingPathComponent("d.edgem"))

        let cases: [(input: String, output: String, message: String)] = [
            ("input=x.npy", "x.npy", "is the input file 'x.npy'"),
            ("input=x.npy", "./x.npy", "is the input file 'x.npy'"),
            ("input=x.npy", "sub/../x.npy", "is the input file 'x.npy'"),
            ("input=x.npy", input.path, "is the input file 'x.npy'"),
            ("input=x.npy", "link.npy", "is the input file 'x.npy'"),
            ("input=x.npy", "hard.npy", "is the input file 'x.npy'"),
            ("link.npy", "x.npy", "is the input file 'link.npy'"),
            ("input=./sub/../x.npy", "link.npy", "is the input file './sub/../x.npy'"),
            ("x.npy", "./d.edgem", "is the model file 'd.edgem'"),
        ]
        for (given, output, message) in cases {
            let result = try Self.run(["d.edgem", "--input", given, "-o", output], in: directory)
            #expect(result.status == 1, "--input \(given) -o \(output): \(result.standardError)")
            #expect(result.standardError.hasPrefix("edge-run: error: "), "--input \(given) -o \(output): \(result.standardError)")
            #expect(result.standardError.contains(message), "--input \(given) -o \(output): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "--input \(given) -o \(output): \(result.standardError)")
            #expect(result.standardOutput.isEmpty, "--input \(given) -o \(output): nothing runs before the refusal")
        }
        #expect(try Data(contentsOf: input) == original, "the input was changed")
        #expect(try Data(contentsOf: directory.appendingPathComponent("d.edgem")) == model, "the model was changed")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.appendingPathComponent("link.npy").path) == "x.npy")
        #expect(Self.temporaryFiles(in: directory).isEmpty, "\(Self.temporaryFiles(in: directory))")
    }

    /// A model writing into a directory names its file after the output (logits.npy): that file may not be an input either.
    @Test func refusesAnOutputDirectoryHoldingAnInputUnderTheOutputsName() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("sub/logits.npy")
        try FileManager.default.copyItem(atPath: Fixtures.path("digits/digits_sample.npy"), toPath: input.path)
        let original = try Data(contentsOf: input)
        let result = try Self.run(["d.edgem", "--input", "input=sub/logits.npy", "-o", "sub"], in: directory)
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.hasPrefix("edge-run: error: the output file 'sub/logits.npy' is the input file"), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
        #expect(try Data(contentsOf: input) == original)
    }

    @Test func writesOutputsWholeAndLeavesNoTemporaryFile() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reference = try EdgecBinary.run(["run", Fixtures.path("digits/digits_cnn.onnx"), "--input", "input=" + Fixtures.path("digits/digits_sample.npy"),
                                             "-o", directory.appendingPathComponent("reference.npy").path])
        #expect(reference.status == 0, "\(reference.standardError)")
        let expected = try #require(try NumPyFiles.read(directory.appendingPathComponent("reference.npy").path)[""])

        // Twice: the second run replaces the first run's file.
        for _ in 0..<2 {
            let result = try Self.run(["d.edgem", "--input", "input=x.npy", "-o", "out.npy"], in: directory)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("logits  float32[1,10]"), "\(result.standardOutput)")
            let written = try NumPyFiles.read(directory.appendingPathComponent("out.npy").path)
            #expect(written[""]?.shape == [1, 10])
            expectMatches(written[""], expected, "edge-run -o out.npy")
        }
        let intoDirectory = try Self.run(["d.edgem", "--input", "x.npy", "-o", "outputs"], in: directory)
        #expect(intoDirectory.status == 0, "\(intoDirectory.standardError)")
        expectMatches(try NumPyFiles.read(directory.appendingPathComponent("outputs/logits.npy").path)[""], expected, "edge-run -o outputs")
        #expect(Self.temporaryFiles(in: directory).isEmpty, "\(Self.temporaryFiles(in: directory))")
    }

    @Test func helpListsEveryOptionAndVersionPrintsTheRuntimes() throws {
        let help = try Self.run(["--help"])
        #expect(help.status == 0, "\(help.standardError)")
        for option in ["--input", "-i,", "--output", "-o,", "--repeat", "--profile", "--help", "-h,", "--version", "example:", "edge-run digits.edgem"] {
            #expect(help.standardOutput.contains(option), "--help does not mention '\(option)':\n\(help.standardOutput)")
        }
        #expect(help.standardError.isEmpty, "\(help.standardError)")

        let version = try Self.run(["--version"])
        #expect(version.status == 0, "\(version.standardError)")
        let words = version.standardOutput.split(separator: " ")
        #expect(words.first == "edge-run", "\(version.standardOutput)")
        let numbers = words.dropFirst().first?.split(separator: ".").compactMap { Int($0) } ?? []
        #expect(numbers.count == 3, "no MAJOR.MINOR.PATCH in: \(version.standardOutput)")
        #expect(version.standardOutput.hasSuffix("\n") && version.standardOutput.split(separator: "\n").count == 1, "\(version.standardOutput)")
    }
}
