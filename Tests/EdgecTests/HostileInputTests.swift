import Foundation
import Testing

/// Files crafted as an attacker would (Tests/Fixtures/make_hostile_models.py, one per attack
/// class of issue 14, listed in hostile/cases.tsv), given to the built `edgec` as a user would:
/// each is refused in one line naming what is wrong, with an exit status below 128 (a trap is 132
/// or 134, a kill 137), and no run of edgec on them grows past 2 GiB resident.
@Suite("Hostile input")
struct HostileInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var file: String
        var verb: String
        var mention: String
        var description: String { "\(verb) \(file)" }
    }

    static let cases: [Case] = {
        let text = (try? String(contentsOfFile: Fixtures.path("hostile/cases.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
            let fields = line.split(separator: "\t").map(String.init)
            return fields.count == 3 ? Case(file: fields[0], verb: fields[1], mention: fields[2]) : nil
        }
    }()

    @Test func everyAttackClassIsListed() {
        #expect(Self.cases.count >= 30, "hostile/cases.tsv lists \(Self.cases.count) cases")
    }

    @Test(arguments: cases)
    func refusedInOneLine(_ attack: Case) throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = Fixtures.path("hostile/\(attack.file)")
        let output = directory.appendingPathComponent("out.edgem").path
        let arguments: [String]
        switch attack.verb {
        case "inspect": arguments = ["inspect", file]
        case "compile": arguments = ["compile", file, "-o", output]
        default: arguments = ["quantize", Fixtures.path("digits/digits_cnn.onnx"), "--calib", file, "-o", output]
        }
        let result = try EdgecBinary.run(arguments)
        #expect(result.status > 0 && result.status < 128, "\(attack): exit status \(result.status)\n\(result.standardError)")
        let message = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!message.isEmpty && !message.contains("\n"), "\(attack): not one line: \(message)")
        #expect(message.lowercased().contains(attack.mention.lowercased()), "\(attack): '\(message)' does not mention \(attack.mention)")
        #expect(!FileManager.default.fileExists(atPath: output), "\(attack): an output was written")
    }

    /// Every file, inspected and compiled, ends without a trap within 2 GiB resident: each run measured alone.
    @Test func noRunGrowsPast2GiB() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for attack in Self.cases where attack.verb != "quantize" {
            let file = Fixtures.path("hostile/\(attack.file)")
            for arguments in [["inspect", file], ["compile", file, "-o", directory.appendingPathComponent("out.edgem").path]] {
                let run = try EdgecBinary.peakResidentSet(arguments)
                #expect(run.status < 128, "\(arguments.joined(separator: " ")): exit status \(run.status)")
                #expect(run.kibibytes < 2 << 20, "\(arguments.joined(separator: " ")): resident set reached \(run.kibibytes) KiB")
            }
        }
    }
}
