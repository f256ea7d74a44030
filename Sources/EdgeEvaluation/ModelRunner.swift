import EdgeCompress
import EdgeDevice
import EdgeExec
import EdgeIR
import Foundation

/// Something that maps one sample's inputs to outputs: the fp32 reference executor or the C runtime.
public protocol ModelRunner {
    var outputNames: [String] { get }
    func run(_ inputs: [String: Tensor]) throws -> [String: Tensor]
}

extension ReferenceExecutor: ModelRunner {
    public var outputNames: [String] { graph.outputs.map { graph.name(of: $0) } }

    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] { try run(inputs, observe: nil) }
}

/// A compiled model on the C runtime, with one reusable context. Its outputs are real numbers:
/// int8 outputs of a `--int8-io` model are dequantized, so metrics compare like with like.
public final class DeviceRunner: ModelRunner {
    public let model: DeviceModel
    let context: DeviceContext

    public init(_ model: DeviceModel) throws {
        self.model = model
        context = try model.makeContext()
    }

    public var outputNames: [String] { model.outputs.map(\.name) }

    public func run(_ inputs: [String: Tensor]) throws -> [String: Tensor] { model.realOutputs(try model.run(inputs, context: context)) }
}

/// Runs every sample of `data` and stacks the outputs along a new leading axis (flattened per sample).
public enum BatchEvaluation {
    public struct Result: Sendable {
        /// Per output name, all samples' values back to back.
        public var outputs: [String: [Double]]
        /// Milliseconds per sample, sorted.
        public var milliseconds: [Double]
    }

    public static func run(_ runner: ModelRunner, on data: CalibrationData, limit: Int? = nil, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        let count = min(limit ?? data.sampleCount, data.sampleCount)
        var outputs: [String: [Double]] = [:]
        var times: [Double] = []
        for index in 0..<count {
            let sample = data.sample(index)
            let start = DispatchTime.now()
            let result = try runner.run(sample)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6)
            for name in runner.outputNames { outputs[name, default: []] += result[name]!.storage.doubles }
            progress(index + 1, count)
        }
        return Result(outputs: outputs, milliseconds: times.sorted())
    }
}
