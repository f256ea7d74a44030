import ArgumentParser
import EdgeFederated
import EdgeONNX
import Foundation

/// `edgec update`: federated client updates — make one from a model trained off-device
/// (`create`, the default), or look inside one (`inspect`).
struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Make a federated client update (local minus base weights), or inspect one.",
        discussion: """
        Examples:
          edgec update --base global.onnx --local client.onnx --examples 120 \\
              --client-id c17 --round 7 -o updates/c17.pb
          edgec update inspect updates/c17.pb --base global.onnx
        """,
        subcommands: [Create.self, Inspect.self],
        defaultSubcommand: Create.self
    )
}

extension UpdateCommand {
    /// `edgec update [create]`: a client update from a model trained off-device.
    ///
    ///     $ edgec update --base global.onnx --local client.onnx --examples 120 --client-id c17 --round 7 --encoding int8 -o updates/c17.pb
    ///     update     client c17, round 7, 120 examples; base global.onnx (sha256 e423d7ff0542…)
    ///     tensors    4 of 5 weights changed (1 unchanged, left out)
    ///     encoding   int8: 633 bytes (fp32 deltas: 1,748 bytes)
    ///     norm       0.994836 (L2 of the exact delta)
    ///     wrote      updates/c17.pb
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a client update from a model trained off-device (the default of edgec update).",
            discussion: """
            For clients that train outside the device runtime (PyTorch, Keras, ...): export the trained copy to ONNX like the base, and this writes the ClientUpdate of formats/update.proto with the runtime's own encoder: per float32 weight (initializers and Constant-node weights alike) the delta local - base, in the encoding asked for. Weights the client did not change are left out (a missing weight means a zero delta).

            Encodings: fp32 (exact), fp16, int8 (one scale per tensor), topk:FRACTION (the FRACTION of entries of largest magnitude per tensor, e.g. topk:0.05).

            Example:
              edgec update --base global.onnx --local client.onnx --examples 120 \\
                  --client-id c17 --round 7 --encoding int8 -o updates/c17.pb
            """
        )

        @Option(help: "The global model the client started from (.onnx).")
        var base: String

        @Option(help: "The client's trained copy (.onnx), exported like the base.")
        var local: String

        @Option(help: "How many examples the client trained on (its weight in FedAvg).")
        var examples: UInt64

        @Option(name: .customLong("client-id"), help: "The client's stable identifier.")
        var clientID: String

        @Option(help: "The federated round the client trained in.")
        var round: UInt64

        @Option(help: "fp32, fp16, int8 or topk:FRACTION.")
        var encoding = "fp32"

        @Option(help: "The client's training loss, reported with the update.")
        var loss: Float?

        @Option(help: "The client's accuracy in [0, 1], reported with the update.")
        var accuracy: Float?

        @Option(name: .shortAndLong, help: "The update file to write.")
        var output: String

        @Flag(help: "Print the summary as JSON.")
        var json = false

        struct Summary: Encodable {
            var output: String
            var clientId: String
            var round: UInt64
            var examples: UInt64
            var base: String
            var baseSha256: String
            var changedTensors: Int
            var unchangedTensors: Int
            var encoding: String
            var bytes: Int
            var fp32Bytes: Int
            var norm: Double
        }

        func run() throws {
            let encoding = try UpdateEncoding(parsing: self.encoding)
            try OutputPath.check(output, notOverwriting: [base, local])
            let baseModel = try BaseModel(contentsOf: base)
            let localModel = try ONNXWeightFile(contentsOf: local)
            let summary = try ModelDifference.update(base: baseModel, local: localModel, localSource: local, round: round, clientID: clientID,
                                                     exampleCount: examples, encoding: encoding, loss: loss, accuracy: accuracy)
            try OutputPath.write(summary.data, to: output)
            if json {
                return try JSONOutput.print(Summary(output: output, clientId: clientID, round: round, examples: examples, base: base, baseSha256: baseModel.sha256,
                                                    changedTensors: summary.changed.count, unchangedTensors: summary.unchanged, encoding: "\(encoding)",
                                                    bytes: summary.data.count, fp32Bytes: summary.rawBytes, norm: Double(summary.norm)), command: "update")
            }
            print("update     client \(clientID), round \(round), \(Text.grouped(Int(clamping: examples))) examples; base \(base) (sha256 \(baseModel.sha256.prefix(12))…)")
            print("tensors    \(summary.changed.count) of \(baseModel.weights.count) weights changed\(summary.unchanged > 0 ? " (\(summary.unchanged) unchanged, left out)" : "")")
            print("encoding   \(encoding): \(Text.grouped(summary.data.count)) bytes (fp32 deltas: \(Text.grouped(summary.rawBytes)) bytes)")
            print(String(format: "norm       %.6g (L2 of the exact delta)", summary.norm))
            print("wrote      \(output)")
        }
    }

    /// `edgec update inspect updates/c17.pb [--base global.onnx]`
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an update's header and per-tensor norms.",
            discussion: """
            Decodes the ClientUpdate, checks its layout (encodings, data lengths, indices) and prints who sent it, for which base model and round, and per tensor the encoding, bytes, L2 norm and largest |delta|. With --base it also checks the update against that model (hash, tensor names and shapes, finite values), as the aggregator would.

            Example:
              edgec update inspect updates/c17.pb --base global.onnx
            """
        )

        @Argument(help: "The update file.")
        var update: String

        @Option(help: "Check the update against this base model (.onnx).")
        var base: String?

        @Option(name: .customLong("max-examples"), help: "With --base: the example count bound to check, as aggregate --max-examples.")
        var maxExamples: UInt64 = AggregationSettings.defaultMaxExamples

        @Flag(help: "Print the header and tensors as JSON.")
        var json = false

        struct Summary: Encodable {
            struct Tensor: Encodable {
                var name: String
                var shape: [Int]
                var encoding: String
                var scale: Double?
                var storedCount: Int
                var elementCount: Int
                var bytes: Int
                var norm: Double
                var maxAbsDelta: Double
            }
            var file: String
            var bytes: Int
            var clientId: String
            var round: UInt64
            var examples: UInt64
            var baseSha256: String
            var producer: String
            var formatVersion: UInt32
            var loss: Double?
            var accuracy: Double?
            var tensors: [Tensor]
            var norm: Double
            /// With --base: true when the update fits it (a misfit is an error, exit 1).
            var validForBase: Bool?
        }

        func run() throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: update)) } catch {
                throw UserFacingError("cannot read '\(update)': \(error.localizedDescription)")
            }
            let decoded: ClientUpdate
            do { decoded = try ClientUpdate(data: data) } catch let rejection as Rejection {
                throw UserFacingError("'\(update)' is not a valid update: \(rejection)")
            }
            if json {
                if let base { try Self.validate(decoded, update: update, base: base, maxExamples: maxExamples) }
                let tensors = decoded.tensors.map {
                    Summary.Tensor(name: $0.name, shape: $0.shape.map { Int($0) }, encoding: $0.encoding.rawValue, scale: $0.encoding == .int8 ? Double($0.scale) : nil,
                                   storedCount: $0.storedCount, elementCount: $0.elementCount, bytes: $0.data.count, norm: Double($0.norm()), maxAbsDelta: Double($0.largestMagnitude()))
                }
                return try JSONOutput.print(Summary(file: update, bytes: data.count, clientId: decoded.clientID, round: decoded.round, examples: decoded.exampleCount,
                                                    baseSha256: decoded.baseModelSHA256, producer: decoded.producer, formatVersion: UInt32(decoded.formatVersion),
                                                    loss: decoded.loss.map(Double.init), accuracy: decoded.accuracy.map(Double.init), tensors: tensors,
                                                    norm: Double(decoded.norm()), validForBase: base == nil ? nil : true), command: "update inspect")
            }
            print("file       \(update), \(Text.grouped(data.count)) bytes")
            print("client     \(decoded.clientID), round \(decoded.round), \(Text.grouped(Int(clamping: decoded.exampleCount))) examples")
            print("base       sha256 \(decoded.baseModelSHA256.isEmpty ? "(none)" : decoded.baseModelSHA256)")
            print("producer   \(decoded.producer.isEmpty ? "(not given)" : decoded.producer), format version \(decoded.formatVersion)")
            let metrics = [decoded.loss.map { String(format: "loss %.4g", $0) }, decoded.accuracy.map { String(format: "accuracy %.4g", $0) }].compactMap { $0 }
            if !metrics.isEmpty { print("metrics    \(metrics.joined(separator: ", "))") }
            var rows = [["name", "shape", "encoding", "stored", "bytes", "L2 norm", "max |delta|"]]
            for tensor in decoded.tensors {
                let stored = tensor.encoding == .topk ? "\(Text.grouped(tensor.storedCount)) of \(Text.grouped(tensor.elementCount))" : Text.grouped(tensor.elementCount)
                rows.append([tensor.name, "[\(tensor.shape.map(String.init).joined(separator: ","))]", tensor.encoding.rawValue + (tensor.encoding == .int8 ? String(format: " (scale %.3g)", tensor.scale) : ""),
                             stored, Text.grouped(tensor.data.count), String(format: "%.6g", tensor.norm()),
                             String(format: "%.6g", tensor.largestMagnitude())])
            }
            print("tensors    \(decoded.tensors.count)")
            for line in Text.table(rows, rightAligned: [3, 4, 5, 6]) { print("  " + line) }
            print(String(format: "norm       %.6g (L2 of the whole update)", decoded.norm()))
            if let base = base {
                try Self.validate(decoded, update: update, base: base, maxExamples: maxExamples)
                print("valid      for \(base): base hash, tensor names and shapes match; every delta is finite; \(Text.grouped(Int(clamping: decoded.exampleCount))) examples <= \(Text.grouped(Int(clamping: maxExamples)))")
            }
        }

        static func validate(_ decoded: ClientUpdate, update: String, base: String, maxExamples: UInt64) throws {
            let model = try BaseModel(contentsOf: base)
            do {
                _ = try model.validate(decoded, round: decoded.round, maxExamples: maxExamples)
            } catch let rejection as Rejection {
                throw UserFacingError("'\(update)' does not fit '\(base)': \(rejection)")
            }
        }
    }
}
