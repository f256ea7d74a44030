import Dispatch
import EdgeExec
import EdgeIR

/// Options of `edgec train` (and of the fine-tuning inside `quantize --train`, `distill` and
/// `prune --train`).
public struct TrainingOptions: Sendable {
    public var epochs: Int
    /// Samples per optimizer step. The last incomplete batch of an epoch is left out; the order
    /// changes every epoch, so every sample takes part.
    public var batch: Int
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var momentum: Float
    /// nil: 0 for SGD and Adam, 0.01 for AdamW.
    public var weightDecay: Float?
    public var schedule: LearningRateSchedule
    /// Node names whose weights stay as they are.
    public var freeze: Set<String>
    /// Seeds the order of the samples: the same seed gives the same weights.
    public var seed: UInt64

    public init(epochs: Int = 5, batch: Int = 32, optimizer: OptimizerKind = .adam, learningRate: Float = 1e-3, momentum: Float = 0.9,
                weightDecay: Float? = nil, schedule: LearningRateSchedule = .constant, freeze: Set<String> = [], seed: UInt64 = 0) {
        self.epochs = epochs
        self.batch = batch
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.freeze = freeze
        self.seed = seed
    }
}

/// One epoch, as `edgec train` prints it.
public struct EpochReport: Sendable, Codable {
    public var epoch: Int
    public var loss: Double
    public var trainAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    public var samplesPerSecond: Double
    public var learningRate: Float
}

/// Minibatch gradient descent over a graph prepared for one batch size (`graphBatch`): forward in
/// training mode, the loss and its gradient at the logits, reverse-mode differentiation, one
/// optimizer step, then the caller's `afterStep` (pruning masks, fake-quant parameters).
///
/// A model exported with a fixed batch (often 1) is trained by running each step's samples
/// through it in chunks of that size and adding up their gradients; a dynamic batch dimension
/// is bound to `options.batch`.
public final class Trainer {
    public private(set) var engine: Differentiation
    public let graphBatch: Int
    public let options: TrainingOptions
    /// The trainable constants, current values.
    public private(set) var parameters: [ValueID: Tensor]
    /// What the loss reads: the graph's first output, or the input of a final Softmax.
    public let logits: ValueID
    public let output: ValueID
    /// Sees every node's outputs in each training forward (QAT's moving-average ranges).
    public var observe: ((Node, [Tensor]) -> Void)?
    /// Runs after every optimizer step with the updated parameters; may change them (masks) and the graph.
    public var afterStep: ((inout [ValueID: Tensor], inout Graph) throws -> Void)?
    private var optimizer: Optimizer

    /// `graph` is prepared (train pipeline, or a fake-quant graph for QAT) with its batch bound
    /// to `graphBatch`; `trainable` are constants of it.
    public init(graph: Graph, trainable: Set<ValueID>, graphBatch: Int, options: TrainingOptions) throws {
        guard options.epochs > 0 else { throw CompressionError("--epochs must be at least 1, got \(options.epochs)") }
        guard options.batch > 0 else { throw CompressionError("--batch must be at least 1, got \(options.batch)") }
        guard options.learningRate > 0, options.learningRate.isFinite else { throw CompressionError("--lr must be positive, got \(options.learningRate)") }
        guard !trainable.isEmpty else { throw Self.noTrainableWeights }
        guard let first = graph.outputs.first else { throw CompressionError("the model has no outputs") }
        output = first
        logits = Self.logits(of: graph)
        engine = try Differentiation(graph: graph, parameters: trainable)
        parameters = Dictionary(uniqueKeysWithValues: trainable.map { ($0, graph.constants[$0]!) })
        self.graphBatch = graphBatch
        self.options = options
        optimizer = Optimizer(kind: options.optimizer, momentum: options.momentum, weightDecay: options.weightDecay)
    }

    static let noTrainableWeights = CompressionError("the model has no trainable weights (no float weight tensor of more than one value that any node reads)")

    /// The value a loss reads: the graph's first output, or the input of the Softmax that writes it.
    public static func logits(of graph: Graph) -> ValueID {
        let first = graph.outputs[0]
        if let producer = graph.nodes.first(where: { $0.outputs.contains(first) }), case .softmax = producer.operation, let input = producer.input(0) {
            return input
        }
        return first
    }

    /// The float constants of `graph` a trainer may change: more than one value (scalars are
    /// formulas' constants: the 6 of HardSwish, a LayerNorm's epsilon), read by some node, not
    /// training state (running statistics), not read only by `frozen` nodes; within `named`
    /// when given (the weights of the ONNX file, which is what gets written back). Throws when
    /// nothing is left to train.
    public static func trainableParameters(_ graph: Graph, named: Set<String>? = nil, frozen: Set<String> = []) throws -> Set<ValueID> {
        let known = Set(graph.nodes.map(\.name))
        if let missing = frozen.sorted().first(where: { !known.contains($0) }) {
            throw CompressionError("--freeze names '\(missing)', which is no node of the model")
        }
        var readers: [ValueID: [Node]] = [:]
        var state = Set<ValueID>()
        for node in graph.nodes {
            for case let input? in node.inputs { readers[input, default: []].append(node) }
            for index in Operators.trainingState(of: node, in: graph) { if let id = node.input(index) { state.insert(id) } }
        }
        let result = Set(graph.constants.compactMap { id, tensor -> ValueID? in
            guard tensor.dtype == .float32, tensor.elementCount > 1, !state.contains(id), let nodes = readers[id],
                  nodes.contains(where: { !frozen.contains($0.name) }) else { return nil }
            if let named, !named.contains(graph.name(of: id)) { return nil }
            return id
        })
        guard !result.isEmpty else { throw noTrainableWeights }
        return result
    }

    /// Checks labels or targets against the model's output before any step runs (`validation`:
    /// data only measured on, which the distillation teacher has not run over).
    public func check(_ data: CalibrationData, loss: TrainingLoss, source: String, validation: Bool = false) throws {
        let shape = engine.graph.type(of: logits)!.shape
        switch loss {
        case .crossEntropy:
            guard let labels = data.labels else {
                throw CompressionError("'\(source)' has no 'labels' array: cross-entropy needs integer class ids (or pass --loss mse with 'targets')")
            }
            try checkLabels(labels, shape: shape, source: source)
        case .meanSquaredError:
            guard let targets = data.targets else {
                throw CompressionError("'\(source)' has no 'targets' array: --loss mse needs float targets shaped like the model's output")
            }
            let sample = Array(engine.graph.type(of: output)!.shape.dropFirst())
            guard Array(targets.shape.dropFirst()) == sample else {
                throw CompressionError("'\(source)': 'targets' has shape \(targets.shape), but the model's output '\(engine.graph.name(of: output))' gives [N, \(sample.map(String.init).joined(separator: ", "))]")
            }
        case .distillation(let teacher, _, _):
            guard validation || teacher.shape[0] == data.sampleCount, Array(teacher.shape.dropFirst()) == Array(shape.dropFirst()) else {
                throw CompressionError("the teacher's output has shape \(Array(teacher.shape.dropFirst())) per sample, the student's \(Array(shape.dropFirst())): they must be equal")
            }
            if let labels = data.labels { try checkLabels(labels, shape: shape, source: source) }
        }
    }

    private func checkLabels(_ labels: [Int64], shape: [Int], source: String) throws {
        let (_, classes, positions) = LossFunctions.layout(shape)
        guard positions == 1 else {
            throw CompressionError("'\(source)': one label per sample fits an output of [N, classes]; the model's output is \(shape)")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= Int64(classes) }) {
            throw CompressionError("'\(source)': label \(labels[bad]) of sample \(bad) is out of range for the model's \(classes) classes")
        }
    }

    /// Samples per optimizer step: the batch, rounded to whole chunks of the graph's batch.
    public func stepBatch(sampleCount: Int) -> Int {
        let wanted = min(options.batch, sampleCount)
        return max(graphBatch, (wanted / graphBatch) * graphBatch)
    }

    /// Trains for `options.epochs`, reporting each epoch to `epochEnd` and each step to `progress`.
    public func fit(_ data: CalibrationData, validation: CalibrationData?, loss: TrainingLoss,
                    progress: (Int, Int) -> Void = { _, _ in }, epochEnd: (EpochReport) -> Void = { _ in }) throws -> [EpochReport] {
        let stepSize = stepBatch(sampleCount: data.sampleCount)
        guard data.sampleCount >= stepSize else {
            throw CompressionError("the data holds \(data.sampleCount) samples, fewer than the model's fixed batch of \(graphBatch)")
        }
        let stepsPerEpoch = data.sampleCount / stepSize
        let totalSteps = stepsPerEpoch * options.epochs
        var random = SplitMix64(seed: options.seed)
        var reports: [EpochReport] = []
        var step = 0
        for epoch in 1...options.epochs {
            var order = Array(0..<data.sampleCount)
            for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            let started = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, correct = 0, counted = 0, classified = true
            var rate = options.learningRate
            for s in 0..<stepsPerEpoch {
                rate = options.schedule.rate(options.learningRate, step: step, totalSteps: totalSteps, stepsPerEpoch: stepsPerEpoch, epochs: options.epochs)
                let indices = Array(order[(s * stepSize)..<((s + 1) * stepSize)])
                let result = try self.step(data, indices: indices, loss: loss, rate: rate)
                guard result.loss.isFinite else {
                    throw CompressionError("the loss became \(result.loss) at epoch \(epoch), step \(s + 1); nothing was written (a lower --lr may help)")
                }
                lossSum += result.loss * Double(indices.count)
                if let c = result.correct { correct += c } else { classified = false }
                counted += indices.count
                step += 1
                progress(s + 1, stepsPerEpoch)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            var report = EpochReport(epoch: epoch, loss: lossSum / Double(max(counted, 1)), trainAccuracy: classified ? Double(correct) / Double(max(counted, 1)) : nil,
                                     validationLoss: nil, validationAccuracy: nil, samplesPerSecond: Double(counted) / max(seconds, 1e-9), learningRate: rate)
            if let validation {
                let measured = try evaluate(validation, loss: loss)
                report.validationLoss = measured.loss
                report.validationAccuracy = measured.accuracy
            }
            reports.append(report)
            epochEnd(report)
        }
        return reports
    }

    /// One optimizer step over the samples at `indices` (a whole number of graph batches).
    private func step(_ data: CalibrationData, indices: [Int], loss: TrainingLoss, rate: Float) throws -> LossValue {
        var total: [ValueID: Tensor] = [:]
        var lossSum = 0.0, correct: Int? = 0
        let chunks = indices.count / graphBatch
        for c in 0..<chunks {
            let chunk = Array(indices[(c * graphBatch)..<((c + 1) * graphBatch)])
            let batch = data.batch(chunk)
            let tape = try engine.forward(batch.inputs, training: true, observe: observe)
            let value = try lossValue(tape.value(logits)!, output: tape.value(output)!, batch: batch, indices: chunk, loss: loss)
            lossSum += value.loss
            correct = value.correct.flatMap { c in correct.map { $0 + c } }
            let gradients = try engine.backward(tape, seeds: [logits: value.gradient])
            for (id, g) in gradients {
                guard total[id] != nil, case .float32(var sum) = total.removeValue(forKey: id)!.storage else { total[id] = g; continue }
                let add = g.floats!
                sum.withUnsafeMutableBufferPointer { s in for i in 0..<s.count { s[i] += add[i] } }
                total[id] = Tensor(shape: g.shape, floats: sum)
            }
            for (id, tensor) in tape.stateUpdates { engine.graph.constants[id] = tensor }
        }
        if chunks > 1 {
            let scale = 1 / Float(chunks)
            total = total.mapValues { Tensor(shape: $0.shape, floats: $0.floats!.map { $0 * scale }) }
        }
        optimizer.step(&parameters, gradients: total, rate: rate)
        if let afterStep { try afterStep(&parameters, &engine.graph) }
        for (id, tensor) in parameters { engine.graph.constants[id] = tensor }
        return LossValue(loss: lossSum / Double(chunks), gradient: Tensor(shape: [], floats: [0]), correct: correct)
    }

    private func lossValue(_ logits: Tensor, output: Tensor, batch: (inputs: [String: Tensor], labels: [Int64]?, targets: Tensor?), indices: [Int], loss: TrainingLoss) throws -> LossValue {
        switch loss {
        case .crossEntropy:
            return LossFunctions.crossEntropy(logits: logits, labels: batch.labels!)
        case .meanSquaredError:
            return LossFunctions.meanSquaredError(output: output, targets: batch.targets!)
        case .distillation(let teacher, let temperature, let alpha):
            let per = teacher.elementCount / max(teacher.shape[0], 1)
            let rows = indices.flatMap { Array(teacher.floats![($0 * per)..<(($0 + 1) * per)]) }
            return LossFunctions.distillation(student: logits, teacher: Tensor(shape: logits.shape, floats: rows), labels: batch.labels,
                                              temperature: temperature, alpha: alpha)
        }
    }

    /// Accuracy (where the data has labels) and loss of the model as it stands, in inference mode.
    public func evaluate(_ data: CalibrationData, loss: TrainingLoss?) throws -> (accuracy: Double?, loss: Double?) {
        // One pass gives both the logits (accuracy, cross-entropy) and the output (MSE).
        let values = try Trainer.outputs(of: engine, values: [logits, output], data: data, graphBatch: graphBatch)
        var accuracy: Double?, lossValue: Double?
        if let labels = data.labels {
            let scores = values[logits]!
            accuracy = Double(LossFunctions.correct(scores.floats!, shape: scores.shape, labels: labels)) / Double(max(data.sampleCount, 1))
            if case .meanSquaredError = loss {} else { lossValue = LossFunctions.crossEntropy(logits: scores, labels: labels).loss }
        }
        if case .meanSquaredError? = loss, let targets = data.targets {
            lossValue = LossFunctions.meanSquaredError(output: values[output]!, targets: targets).loss
        }
        return (accuracy, lossValue)
    }

    /// `value` for every sample of `data` in inference mode.
    public static func outputs(of engine: Differentiation, value: ValueID, data: CalibrationData, graphBatch: Int) throws -> Tensor {
        try outputs(of: engine, values: [value], data: data, graphBatch: graphBatch)[value]!
    }

    /// `values` for every sample of `data` in inference mode, in chunks of `graphBatch` (the last
    /// chunk filled up with copies of its first sample, whose rows are dropped), from one pass.
    public static func outputs(of engine: Differentiation, values: [ValueID], data: CalibrationData, graphBatch: Int) throws -> [ValueID: Tensor] {
        var rows: [ValueID: [Float]] = [:]
        var shapes: [ValueID: [Int]] = [:]
        var start = 0
        while start < data.sampleCount {
            let real = min(graphBatch, data.sampleCount - start)
            let chunk = Array(start..<(start + real)) + Array(repeating: start, count: graphBatch - real)
            let tape = try engine.forward(data.batch(chunk).inputs, training: false)
            for value in Set(values) {
                let tensor = tape.value(value)!
                let per = tensor.elementCount / max(tensor.shape[0], 1)
                rows[value, default: []] += tensor.floats!.prefix(real * per)
                shapes[value] = Array(tensor.shape.dropFirst())
            }
            start += real
        }
        return Dictionary(uniqueKeysWithValues: Set(values).map { ($0, Tensor(shape: [data.sampleCount] + (shapes[$0] ?? []), floats: rows[$0] ?? [])) })
    }

    /// The trained parameters and the updated training state (running statistics), by value name.
    public var trainedConstants: [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (id, tensor) in engine.graph.constants where tensor.dtype == .float32 { result[engine.graph.name(of: id)] = tensor }
        return result
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64), so that the same
/// `--seed` shuffles the same way on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
