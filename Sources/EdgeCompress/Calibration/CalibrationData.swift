import EdgeIR

/// Samples for calibration, evaluation or training: one array per model input with a leading
/// batch dimension, checked against the model before anything runs; optionally `labels` (integer
/// class ids) and `targets` (float regression targets, one row per sample).
public struct CalibrationData: Sendable {
    /// Per input name, the whole batch.
    public let arrays: [String: Tensor]
    /// Integer class ids, one per sample, when the data has them.
    public let labels: [Int64]?
    /// Float targets with a leading sample dimension, when the data has them.
    public let targets: Tensor?
    public let sampleCount: Int

    /// Checks names, shapes, dtypes and values against the model's inputs (`shapes`: the bound
    /// shape of one sample, batch dimension 1).
    public init(arrays given: [String: Tensor], inputs: [(name: String, type: TensorType)], source: String) throws {
        var arrays: [String: Tensor] = [:]
        var count: Int?
        for (name, type) in inputs {
            guard let tensor = given[name] ?? (inputs.count == 1 ? given[""] : nil) else {
                let keys = given.keys.filter { $0 != "labels" && $0 != "targets" }.sorted()
                throw CompressionError("'\(source)' has no array for input '\(name)' (it holds: \(keys.isEmpty ? "nothing" : keys.joined(separator: ", ")))")
            }
            var value = tensor
            if value.dtype != type.dtype {
                guard value.dtype == .float32 || type.dtype != .float32 else {
                    throw CompressionError("'\(source)': array '\(name)' is \(value.dtype), the model takes \(type.dtype)")
                }
                value = Tensor(shape: value.shape, storage: value.storage.converted(to: type.dtype))
            }
            let sample = Array(type.shape.dropFirst())
            guard value.rank == type.shape.count, Array(value.shape.dropFirst()) == sample, type.shape.first == 1 || value.shape == type.shape else {
                throw CompressionError("'\(source)': array '\(name)' has shape \(value.shape); expected [N, \(sample.map(String.init).joined(separator: ", "))] (a batch of samples of \(type.shape))")
            }
            guard value.shape[0] > 0 else { throw CompressionError("'\(source)': array '\(name)' holds no samples") }
            if let floats = value.floats, let bad = floats.firstIndex(where: { !$0.isFinite }) {
                throw CompressionError("'\(source)': array '\(name)' holds \(floats[bad]) at flat index \(bad); calibration data must be finite")
            }
            if let known = count, known != value.shape[0] {
                throw CompressionError("'\(source)': arrays hold different sample counts (\(known) and \(value.shape[0]) in '\(name)')")
            }
            count = value.shape[0]
            arrays[name] = value
        }
        sampleCount = count ?? 0
        if let labelTensor = given["labels"] {
            guard labelTensor.rank == 1, labelTensor.shape[0] == sampleCount, labelTensor.dtype != .float32 else {
                throw CompressionError("'\(source)': 'labels' must be integer class ids, one per sample (\(sampleCount)), got \(labelTensor.type)")
            }
            labels = labelTensor.storage.int64s
        } else {
            labels = nil
        }
        if let targetTensor = given["targets"] {
            guard targetTensor.dtype == .float32, targetTensor.rank >= 1, targetTensor.shape[0] == sampleCount else {
                throw CompressionError("'\(source)': 'targets' must be float32 with one row per sample (\(sampleCount)), got \(targetTensor.type)")
            }
            if let floats = targetTensor.floats, let bad = floats.firstIndex(where: { !$0.isFinite }) {
                throw CompressionError("'\(source)': 'targets' holds \(floats[bad]) at flat index \(bad); targets must be finite")
            }
            targets = targetTensor
        } else {
            targets = nil
        }
        self.arrays = arrays
    }

    /// The samples at `indices`, stacked: model inputs, labels and targets of one batch.
    public func batch(_ indices: [Int]) -> (inputs: [String: Tensor], labels: [Int64]?, targets: Tensor?) {
        func rows(_ tensor: Tensor) -> Tensor {
            let per = tensor.elementCount / max(tensor.shape[0], 1)
            var picked: [Int] = []
            picked.reserveCapacity(indices.count * per)
            for i in indices { picked += (i * per)..<((i + 1) * per) }
            return Tensor(shape: [indices.count] + tensor.shape.dropFirst(), storage: tensor.storage.gathering(picked))
        }
        return (arrays.mapValues(rows), labels.map { all in indices.map { all[$0] } }, targets.map(rows))
    }

    /// Sample `index` as model inputs with batch 1.
    public func sample(_ index: Int) -> [String: Tensor] {
        arrays.mapValues { tensor in
            let per = tensor.elementCount / tensor.shape[0]
            let picked = Array(index * per..<((index + 1) * per))
            return Tensor(shape: [1] + tensor.shape.dropFirst(), storage: tensor.storage.gathering(picked))
        }
    }
}

extension CalibrationData {
    /// `count` samples uniform in [-1, 1) for every float input: `--calib random`, a data-free
    /// calibration whose ranges will not match real data (the command warns).
    public static func random(inputs: [(name: String, type: TensorType)], count: Int = 16) throws -> CalibrationData {
        var generator = SystemRandomNumberGenerator()
        let arrays = Dictionary(uniqueKeysWithValues: inputs.map { input -> (String, Tensor) in
            let shape = [count] + input.type.shape.dropFirst()
            return (input.name, Tensor(shape: shape, floats: (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) }))
        })
        return try CalibrationData(arrays: arrays, inputs: inputs, source: "random")
    }
}
