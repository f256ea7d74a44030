import EdgeIR
import EdgeONNX
import Foundation

/// The global model of a round: its ONNX file's SHA-256 (what updates name as their base) and
/// its float32 weights by name, laid end to end so the aggregator keeps one flat sum.
///
///     let base = try BaseModel(contentsOf: "global.onnx")
///     print(base.sha256, base.parameterCount)
public struct BaseModel: Sendable {
    /// Where one weight lives in the flat layout.
    public struct Slot: Sendable {
        public var index: Int
        public var offset: Int
        public var shape: [Int]
        public var count: Int
    }

    public let source: String
    public let sha256: String
    public let file: ONNXWeightFile
    public let slots: [String: Slot]
    /// All weights' elements together.
    public let parameterCount: Int

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FederatedError("cannot read the base model '\(path)': \((error as NSError).localizedDescription)")
        }
        try self.init(data: data, source: path)
    }

    public init(data: Data, source: String) throws {
        self.source = source
        sha256 = ModelHash.sha256(data)
        file = try ONNXWeightFile(data: data, source: source)
        guard !file.weights.isEmpty else { throw FederatedError("'\(source)' has no float32 weights (initializers or Constant nodes) to aggregate") }
        var slots: [String: Slot] = [:]
        var offset = 0
        for (index, weight) in file.weights.enumerated() {
            slots[weight.name] = Slot(index: index, offset: offset, shape: weight.tensor.shape, count: weight.tensor.elementCount)
            offset += weight.tensor.elementCount
        }
        self.slots = slots
        parameterCount = offset
    }

    public var weights: [ONNXWeightFile.Weight] { file.weights }

    /// Checks everything about `update` that depends on this model and the round: the base
    /// hash, the round, the example count bound, tensor names and shapes, finite values. Returns
    /// the stored values of every tensor (decoded once, for the norm and the sums).
    public func validate(_ update: ClientUpdate, round: UInt64, maxExamples: UInt64) throws -> [[Float]] {
        guard update.baseModelSHA256 == sha256 else {
            throw Rejection(.wrongBaseModel, "made from base model \(Self.abbreviated(update.baseModelSHA256)), this round's is \(Self.abbreviated(sha256))")
        }
        guard update.round == round else { throw Rejection(.wrongRound, "round \(update.round), expected \(round)") }
        guard update.exampleCount >= 1, update.exampleCount <= maxExamples else {
            throw Rejection(.badExampleCount, "example count \(update.exampleCount) is not between 1 and \(maxExamples)")
        }
        return try update.tensors.map { tensor in
            guard let slot = slots[tensor.name] else {
                throw Rejection(.unknownTensor, "tensor '\(tensor.name)' is not a float32 weight of the base model")
            }
            guard tensor.shape == slot.shape else {
                throw Rejection(.shapeMismatch, "tensor '\(tensor.name)' has shape \(tensor.shape), the base model's is \(slot.shape)")
            }
            let values = tensor.storedValues()
            if let position = values.firstIndex(where: { !$0.isFinite }) {
                let element = tensor.encoding == .topk ? Int(tensor.indices[position]) : position
                throw Rejection(.nonFinite, "tensor '\(tensor.name)' has \(values[position].isNaN ? "NaN" : "an infinite value") at element \(element)")
            }
            return values
        }
    }

    /// The first 12 hex digits, enough to tell hashes apart in a message.
    static func abbreviated(_ hash: String) -> String { hash.isEmpty ? "(none)" : String(hash.prefix(12)) + "…" }
}
