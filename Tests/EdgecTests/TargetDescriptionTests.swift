import EdgeTargets
import Foundation
import Testing

/// Target descriptions read through a real TOML parser (TOMLKit): every valid spelling reads,
/// each bad file is refused in one line naming it, and `runtime targets` lists the others.
@Suite("Target descriptions (TOML)")
struct TargetDescriptionTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    static let minimal = """
    name = "board"
    cc = "gcc"
    ar = "ar"
    strip = "strip"
    multiarch = "x86_64-linux-gnu"
    """

    @Test func everyShippedTargetReads() throws {
        let builder = RuntimeBuilder(root: Self.root)
        #expect(builder.targetNames == ["aarch64-linux-gnu", "aarch64-linux-gnu+dotprod", "armv7-linux-gnueabihf", "x86_64-linux-gnu"])
        for (name, result) in builder.allTargets() {
            let target = try result.get()
            #expect(target.name == name)
            #expect(target.flags.contains("-ffp-contract=off"), "\(name): \(target.flags)")
            #expect(target.cxxCompiler != nil, "\(name)")
        }
        let armv7 = try builder.target(named: "armv7-linux-gnueabihf")
        #expect(armv7.flags == ["-O2", "-ffp-contract=off", "-march=armv7-a", "-mfpu=neon", "-mfloat-abi=hard"])
        #expect(armv7.runPrefix == ["qemu-arm", "-L", "/usr/arm-linux-gnueabihf"])
    }

    /// What the hand-written reader refused: inline comments, multi-line arrays with comments and a
    /// trailing comma, literal strings, a table-less file with blank lines and odd spacing.
    @Test func validTOMLReads() throws {
        let text = """
        # a board
        name = "board"   # inline comment
        description = 'literal # not a comment'
        cc="gcc"
        ar   =   "ar"
        strip = "strip"
        cflags = [
            "-O2",  # optimize
            # a whole-line comment inside the array
            "-march=x86-64",
        ]

        multiarch = "x86_64-linux-gnu"
        apt = [ "gcc" , "libc6-dev" ]
        """
        let target = try TargetDescription(toml: text, source: "targets/board.toml")
        #expect(target.name == "board")
        #expect(target.description == "literal # not a comment")
        #expect(target.flags == ["-O2", "-march=x86-64"])
        #expect(target.packages == ["gcc", "libc6-dev"])
        #expect(target.sysroot == "/")
        #expect(target.emulator == nil)
    }

    @Test(arguments: [
        ("name = \"board\nc = 1", "targets/bad.toml:1:"),
        (minimal + "\ncflags = [\"-O2\"", "targets/bad.toml:"),
        (minimal + "\nqemu-cpu = \"max\"", "unknown key 'qemu-cpu'"),
        (minimal + "\ncflags = \"-O2\"", "'cflags' must be an array of strings"),
        (minimal + "\ncflags = [\"-O2\", 3]", "'cflags' must be an array of strings"),
        (minimal + "\nqemu = 1", "'qemu' must be a string"),
        (minimal.replacingOccurrences(of: "cc = \"gcc\"\n", with: ""), "missing 'cc'"),
        (minimal + "\nname = \"again\"", "targets/bad.toml:"),
    ])
    func badFileIsRefusedInOneLine(text: String, expected: String) {
        do {
            _ = try TargetDescription(toml: text, source: "targets/bad.toml")
            Issue.record("accepted: \(text)")
        } catch let error as TargetError {
            #expect(error.message.hasPrefix("targets/bad.toml"), "\(error.message)")
            #expect(error.message.contains(expected), "\(error.message)")
            #expect(!error.message.contains("\n"), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// One bad file among good ones: `runtime targets` lists the good ones, names the bad one in
    /// one line and exits 1.
    @Test func runtimeTargetsReportsABadFileAndListsTheOthers() throws {
        let work = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let include = work.appendingPathComponent("Sources/EdgeRuntime/include")
        try FileManager.default.createDirectory(at: include, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("Sources/EdgeRuntime/include/edge.h"),
                                         to: include.appendingPathComponent("edge.h"))
        try FileManager.default.copyItem(at: Self.root.appendingPathComponent("targets"), to: work.appendingPathComponent("targets"))
        try Data("name = \"broken\"\ncc = [\"gcc\"\n".utf8).write(to: work.appendingPathComponent("targets/broken.toml"))
        let result = try EdgecBinary.run(["runtime", "targets", "--sources", work.path])
        #expect(result.status == 1)
        for name in ["aarch64-linux-gnu", "aarch64-linux-gnu+dotprod", "armv7-linux-gnueabihf", "x86_64-linux-gnu"] {
            #expect(result.standardOutput.contains(name + " "), "\(result.standardOutput)")
        }
        let errors = result.standardError.split(separator: "\n")
        #expect(errors.count == 1, "\(result.standardError)")
        #expect(errors.first?.hasPrefix("edgec: error: targets/broken.toml:") == true, "\(result.standardError)")
    }
}
