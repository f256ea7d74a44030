import EdgeExec
import EdgeIR
import EdgePasses

/// Quantization-aware training (`edgec quantize --train`): post-training ranges first, then
/// fine-tuning of the fake-quantized graph with the straight-through estimator, then the same
/// int8 quantization PTQ does, from the trained weights and the ranges training ended with.
///
/// The graph trained is the one the int8 runtime will run: BatchNormalization already folded into
/// the convolutions, Relu/Clip fused. Weights are float constants behind a QuantizeLinear whose
/// per-channel scales follow the weights after every step; activation ranges follow a moving
/// average of what each batch shows (momentum `rangeMomentum`), starting from calibration's.
public struct QuantizationAwareTraining {
    public static let rangeMomentum: Float = 0.99

    public let quantization: QuantizationOptions
    public let training: TrainingOptions

    public init(quantization: QuantizationOptions, training: TrainingOptions) {
        self.quantization = quantization
        self.training = training
    }

    public struct Result {
        /// `prepared` with its weights replaced by the trained ones.
        public var prepared: Graph
        /// The ranges to quantize with (each a min/max pair, for `CalibrationMethod.minmax`).
        public var statistics: [ValueID: TensorStatistics]
        public var reports: [EpochReport]
        public var trainer: Trainer
    }

    /// `prepared` and `statistics` are PTQ's (batch 1, `StandardPipeline.prepare(fuseClampsOnly:)`);
    /// `model` is the imported model, bound again here for the training batch.
    public func fineTune(model: Graph, bindings: [String: [Int]], prepared: Graph, statistics: [ValueID: TensorStatistics],
                         data: CalibrationData, validation: CalibrationData?,
                         progress: @escaping (Int, Int) -> Void = { _, _ in }, epochEnd: @escaping (EpochReport) -> Void = { _ in }) throws -> Result {
        let bound = try TrainingGraph.bind(model, batch: min(training.batch, max(data.sampleCount, 1)), bindings: bindings) {
            try StandardPipeline.prepare($0, inputShapes: $1, fuseClampsOnly: true)
        }
        // Values are matched by name between the batch-1 graph and the training one.
        func ids(_ graph: Graph) -> [String: ValueID] {
            Dictionary(graph.values.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        }
        let boundIDs = ids(bound.graph), preparedIDs = ids(prepared)
        var ranges: [String: (low: Float, high: Float)] = [:]
        for (id, stats) in statistics {
            ranges[prepared.name(of: id)] = stats.range(quantization.method, percentile: quantization.percentile)
        }
        var boundStatistics: [ValueID: TensorStatistics] = [:]
        for (name, range) in ranges { if let id = boundIDs[name] { boundStatistics[id] = Self.statistics(range) } }
        let qat = try PostTrainingQuantizer(options: QuantizationOptions(
            method: .minmax, perTensorWeights: quantization.perTensorWeights, keepFloat: quantization.keepFloat)).quantizeForTraining(bound.graph, statistics: boundStatistics)

        // Weight quantizers read a constant; activation quantizers read a value, and stand for the
        // source value calibration measured (the DequantizeLinear's output where it kept the id).
        var weightQuantizers: [(input: ValueID, output: ValueID)] = []
        var activationQuantizers: [ValueID: (output: ValueID, name: String)] = [:]
        let dequantizedBy = Dictionary(qat.nodes.compactMap { node -> (ValueID, ValueID)? in
            if case .dequantizeLinear = node.operation, let x = node.input(0) { return (x, node.outputs[0]) }
            return nil
        }, uniquingKeysWith: { first, _ in first })
        for node in qat.nodes {
            guard case .quantizeLinear = node.operation, let input = node.input(0) else { continue }
            if qat.constants[input] != nil {
                weightQuantizers.append((input, node.outputs[0]))
            } else {
                let restored = dequantizedBy[node.outputs[0]].flatMap { $0 < bound.graph.values.count ? $0 : nil }
                activationQuantizers[input] = (node.outputs[0], qat.name(of: restored ?? input))
            }
        }
        var current: [ValueID: (low: Float, high: Float)] = [:]
        for (input, quantizer) in activationQuantizers {
            let q = qat.values[quantizer.output].quantization!
            current[input] = (q.scale * Float(-128 - q.zeroPoint), q.scale * Float(127 - q.zeroPoint))
        }
        let trainable = try Trainer.trainableParameters(qat, frozen: training.freeze)
        let trainer = try Trainer(graph: qat, trainable: trainable, graphBatch: bound.graphBatch, options: training)
        var observed: [ValueID: (low: Float, high: Float)] = [:]
        trainer.observe = { node, outputs in
            for (id, tensor) in zip(node.outputs, outputs) where activationQuantizers[id] != nil {
                guard let values = tensor.floats, let low = values.min(), let high = values.max() else { continue }
                // A step may run in several chunks (a model with a fixed batch): its range is theirs together.
                let seen = observed[id] ?? (low, high)
                observed[id] = (min(seen.low, low), max(seen.high, high))
            }
        }
        let perTensor = quantization.perTensorWeights
        trainer.afterStep = { parameters, graph in
            for (input, output) in weightQuantizers {
                guard let weights = parameters[input] ?? graph.constants[input], let old = graph.values[output].quantization else { continue }
                graph.values[output].quantization = Self.weightParameters(weights, like: old, perTensor: perTensor)
            }
            let m = Self.rangeMomentum
            for (input, batch) in observed {
                guard let quantizer = activationQuantizers[input], let range = current[input] else { continue }
                let next = (low: m * range.low + (1 - m) * min(batch.low, 0), high: m * range.high + (1 - m) * max(batch.high, 0))
                current[input] = next
                graph.values[quantizer.output].quantization = .asymmetricInt8(low: next.low, high: next.high)
            }
            observed = [:]
        }
        try trainer.check(data, loss: .crossEntropy, source: "training data")
        if let validation { try trainer.check(validation, loss: .crossEntropy, source: "validation data", validation: true) }
        let reports = try trainer.fit(data, validation: validation, loss: .crossEntropy, progress: progress, epochEnd: epochEnd)

        var result = prepared
        for (id, tensor) in trainer.parameters {
            if let target = preparedIDs[qat.name(of: id)] { result.constants[target] = tensor }
        }
        for (input, quantizer) in activationQuantizers {
            if let range = current[input] { ranges[quantizer.name] = range }
        }
        var finalStatistics: [ValueID: TensorStatistics] = [:]
        for (name, range) in ranges { if let id = preparedIDs[name] { finalStatistics[id] = Self.statistics(range) } }
        return Result(prepared: result, statistics: finalStatistics, reports: reports, trainer: trainer)
    }

    /// Statistics whose min/max range is `range`.
    static func statistics(_ range: (low: Float, high: Float)) -> TensorStatistics {
        var stats = TensorStatistics()
        stats.observeRange([range.low, range.high])
        return stats
    }

    /// A weight quantizer's parameters for new weights: symmetric per channel (or per tensor) as
    /// PTQ chooses them, or asymmetric per tensor for a constant operand of Add/Mul.
    static func weightParameters(_ weights: Tensor, like old: QuantizationParameters, perTensor: Bool) -> QuantizationParameters {
        if old.zeroPoints.contains(where: { $0 != 0 }) {
            let values = weights.floats!
            return .asymmetricInt8(low: values.min() ?? 0, high: values.max() ?? 0)
        }
        let axis = old.axis ?? 0
        let scales = IntegerArithmetic.symmetricScales(weights, axis: axis, perTensor: perTensor || old.axis == nil)
        return old.axis == nil || perTensor
            ? QuantizationParameters(scale: scales[0], zeroPoint: 0)
            : QuantizationParameters(scales: scales, zeroPoints: Array(repeating: 0, count: scales.count), axis: axis)
    }
}
