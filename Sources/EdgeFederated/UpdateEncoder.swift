import EdgeIR
import EdgeONNX
import EdgeRuntime
import Foundation

/// The encoding a tool asks for: update.proto's four, top-k with the fraction of entries kept.
public enum UpdateEncoding: Sendable, Equatable, CustomStringConvertible {
    case fp32
    case fp16
    case int8
    case topk(fraction: Double)

    /// Parses `fp32`, `fp16`, `int8` or `topk:FRACTION` (e.g. `topk:0.05`).
    public init(parsing text: String) throws {
        switch text {
        case "fp32": self = .fp32
        case "fp16": self = .fp16
        case "int8": self = .int8
        default:
            guard text.hasPrefix("topk:"), let fraction = Double(text.dropFirst(5)), fraction > 0, fraction <= 1 else {
                throw FederatedError("unknown encoding '\(text)'; encodings: fp32, fp16, int8, topk:FRACTION with FRACTION in (0, 1], e.g. topk:0.05")
            }
            self = .topk(fraction: fraction)
        }
    }

    public var description: String {
        switch self {
        case .fp32: return "fp32"
        case .fp16: return "fp16"
        case .int8: return "int8"
        case .topk(let fraction): return "topk:\(fraction)"
        }
    }

    var runtimeValue: (edge_update_encoding, Double) {
        switch self {
        case .fp32: return (EDGE_UPDATE_FP32, 0)
        case .fp16: return (EDGE_UPDATE_FP16, 0)
        case .int8: return (EDGE_UPDATE_INT8, 0)
        case .topk(let fraction): return (EDGE_UPDATE_TOPK, fraction)
        }
    }
}

/// Builds a client update with the device runtime's own encoder (edge.h, `edge_update_*`), so
/// the bytes `edgec update` writes are exactly the ones a device would.
///
///     let encoder = try UpdateEncoder(baseModelSHA256: base.sha256, round: 7, clientID: "c17", exampleCount: 120)
///     try encoder.add(name: "fc.weight", shape: [10, 64], delta: delta, encoding: .int8)
///     let bytes = try encoder.serialized()
public final class UpdateEncoder {
    private let handle: OpaquePointer

    public init(baseModelSHA256: String, round: UInt64, clientID: String, exampleCount: UInt64) throws {
        var error = edge_error()
        var made: OpaquePointer?
        guard edge_update_create(baseModelSHA256, round, clientID, exampleCount, &made, &error) == EDGE_OK, let update = made else {
            throw FederatedError(Self.message(error))
        }
        handle = update
    }

    deinit { edge_update_free(handle) }

    public var tensorCount: Int { Int(edge_update_tensor_count(handle)) }

    public func add(name: String, shape: [Int], delta: [Float], encoding: UpdateEncoding) throws {
        let (code, fraction) = encoding.runtimeValue
        var error = edge_error()
        let dims = shape.map { Int64($0) }
        let status = dims.withUnsafeBufferPointer { dims in
            edge_update_add_delta(handle, name, dims.baseAddress, Int32(dims.count), delta, code, fraction, &error)
        }
        guard status == EDGE_OK else { throw FederatedError(Self.message(error)) }
    }

    public func add(name: String, shape: [Int], local: [Float], global: [Float], encoding: UpdateEncoding) throws {
        let (code, fraction) = encoding.runtimeValue
        var error = edge_error()
        let dims = shape.map { Int64($0) }
        let status = dims.withUnsafeBufferPointer { dims in
            edge_update_add_difference(handle, name, dims.baseAddress, Int32(dims.count), local, global, code, fraction, &error)
        }
        guard status == EDGE_OK else { throw FederatedError(Self.message(error)) }
    }

    public func setMetrics(loss: Float?, accuracy: Float?) {
        if let loss = loss { edge_update_set_loss(handle, loss) }
        if let accuracy = accuracy { edge_update_set_accuracy(handle, accuracy) }
    }

    public func serialized() throws -> Data {
        let size = edge_update_serialized_size(handle)
        var data = Data(count: size)
        var error = edge_error()
        let status = data.withUnsafeMutableBytes { edge_update_serialize(handle, $0.baseAddress, size, &error) }
        guard status == EDGE_OK else { throw FederatedError(Self.message(error)) }
        return data
    }

    static func message(_ error: edge_error) -> String {
        withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// `edgec update`: the update of a client that trained off-device, as local minus base per
/// weight tensor (initializers and Constant-node weights alike).
public enum ModelDifference {
    public struct Summary: Sendable {
        public var data: Data
        /// Weights whose delta is not all zeros (the ones in the update), in base order.
        public var changed: [String]
        public var unchanged: Int
        /// L2 norm of the exact (fp32) delta.
        public var norm: Double
        /// What the deltas take as raw float32.
        public var rawBytes: Int
    }

    /// Both models must have the same float32 weights (names and shapes); unchanged weights are
    /// left out of the update (a missing weight means a zero delta).
    public static func update(base: BaseModel, local: ONNXWeightFile, localSource: String, round: UInt64, clientID: String,
                              exampleCount: UInt64, encoding: UpdateEncoding, loss: Float? = nil, accuracy: Float? = nil) throws -> Summary {
        let baseNames = Set(base.weights.map(\.name))
        if let extra = local.weights.first(where: { !baseNames.contains($0.name) }) {
            throw FederatedError("'\(localSource)' has a weight '\(extra.name)' that the base model '\(base.source)' does not have; are they exports of the same network?")
        }
        let encoder = try UpdateEncoder(baseModelSHA256: base.sha256, round: round, clientID: clientID, exampleCount: exampleCount)
        encoder.setMetrics(loss: loss, accuracy: accuracy)
        var summary = Summary(data: Data(), changed: [], unchanged: 0, norm: 0, rawBytes: 0)
        var squaredNorm = 0.0
        for weight in base.weights {
            guard let localWeight = local.weight(named: weight.name) else {
                throw FederatedError("'\(localSource)' has no weight '\(weight.name)' of the base model '\(base.source)'; are they exports of the same network?")
            }
            guard localWeight.tensor.shape == weight.tensor.shape else {
                throw FederatedError("weight '\(weight.name)' has shape \(localWeight.tensor.shape) in '\(localSource)' but \(weight.tensor.shape) in '\(base.source)'")
            }
            let global = weight.tensor.storage.floatArray!, trained = localWeight.tensor.storage.floatArray!
            var changed = false
            for i in global.indices where trained[i] != global[i] {
                let delta = Double(trained[i] - global[i])
                squaredNorm += delta * delta
                changed = true
            }
            guard changed else {
                summary.unchanged += 1
                continue
            }
            try encoder.add(name: weight.name, shape: weight.tensor.shape, local: trained, global: global, encoding: encoding)
            summary.changed.append(weight.name)
            summary.rawBytes += 4 * global.count
        }
        summary.norm = squaredNorm.squareRoot()
        summary.data = try encoder.serialized()
        return summary
    }
}
