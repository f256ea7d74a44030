import ArgumentParser
import EdgeExec
import EdgeCompress
import EdgeDevice
import EdgeEvaluation
import EdgeFederated
import EdgeFormat
import EdgeIR
import EdgeImages
import EdgeOperators
import EdgeNumPy
import EdgeONNX
import EdgeTargets
import Foundation

@main
struct Edgec: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgec",
        abstract: "Compile and compress ONNX models for small ARM and x86 Linux devices.",
        discussion: """
        edgec reads a trained ONNX model, makes it small (int8 quantization, pruning, distillation), writes one compact .edgem file and runs it through a small C runtime on the device.
        """,
        version: "0.1.0",
        subcommands: [Inspect.self, Compile.self, Quantize.self, Prune.self, Train.self, Distill.self, Evaluate.self, Run.self, RuntimeCommand.self, UpdateCommand.self, Aggregate.self]
    )

    /// Errors from edgec's own modules are printed as one `edgec: error: ...` line; argument
    /// errors keep ArgumentParser's usage text.
    static func main() {
        if let verb = CommandLine.arguments.dropFirst().first, !verb.hasPrefix("-"), verb != "help" {
            let verbs = configuration.subcommands.map { $0._commandName }
            if !verbs.contains(verb) {
                let closest = verbs.min { Text.editDistance($0, verb) < Text.editDistance($1, verb) }
                let hint = closest.flatMap { Text.editDistance($0, verb) <= 2 ? " (did you mean '\($0)'?)" : nil } ?? ""
                FileHandle.standardError.write(Data("edgec: error: unknown command '\(verb)'\(hint); the commands are \(verbs.joined(separator: ", "))\n".utf8))
                Foundation.exit(64)
            }
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            usageError(error)
        }
        do {
            try command.run()
        } catch let error as UserFacingError {
            fail(error.message)
        } catch let error as ONNXError {
            fail(error.message)
        } catch let error as GraphError {
            fail(error.message)
        } catch let error as ExecutionError {
            fail(error.description)
        } catch let error as NumPyError {
            fail(error.message)
        } catch let error as FormatError {
            fail(error.message)
        } catch let error as CompressionError {
            fail(error.message)
        } catch let error as EvaluationError {
            fail(error.message)
        } catch let error as RuntimeError {
            fail(error.message)
        } catch let error as TargetError {
            fail(error.message)
        } catch let error as FederatedError {
            fail(error.message)
        } catch let error as ImageError {
            fail(error.message)
        } catch {
            exit(withError: error)
        }
    }

    /// A usage error in one line (exit 64) instead of ArgumentParser's usage block; --help and
    /// --version (which ArgumentParser reports as errors too) print as usual.
    static func usageError(_ error: Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        let first = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
        let verb = CommandLine.arguments.dropFirst().first.flatMap { word in configuration.subcommands.contains { $0._commandName == word } ? word : nil }
        let help = verb.map { "edgec \($0) --help" } ?? "edgec --help"
        FileHandle.standardError.write(Data("edgec: error: \(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first) (see '\(help)')\n".utf8))
        Foundation.exit(64)
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("edgec: error: \(message)\n".utf8))
        Foundation.exit(1)
    }
}

/// An error the command line itself raises (bad option values, files it cannot write).
struct UserFacingError: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
