import Foundation
import SwiftProtobuf

/// How a tensor delta travels (update.proto's Encoding).
public enum DeltaEncoding: String, Sendable, Equatable, CaseIterable {
    case fp32, fp16, int8, topk
}

/// One tensor's delta as decoded from an update: its values stay in their encoded bytes
/// (compact: an int8 delta keeps one byte per element) and are expanded on demand.
public struct TensorDelta: Sendable {
    public var name: String
    public var shape: [Int]
    public var encoding: DeltaEncoding
    /// Elements in the full tensor (the product of `shape`).
    public var elementCount: Int
    /// int8: the dequantization step.
    public var scale: Float
    /// top-k: the flat, strictly increasing indices of the stored values.
    public var indices: [Int32]
    /// The `data` field as sent.
    public var data: Data

    /// How many values `data` holds: `elementCount`, or k for top-k.
    public var storedCount: Int { encoding == .topk ? indices.count : elementCount }

    /// The stored values as float32 (all n for dense encodings, the k kept ones for top-k).
    public func storedValues() -> [Float] {
        [Float](unsafeUninitializedCapacity: storedCount) { buffer, initialized in
            decode(0..<storedCount, into: buffer.baseAddress!)
            initialized = storedCount
        }
    }

    /// The sum of this tensor's squared deltas.
    public func squaredNorm() -> Double { storedValues().reduce(0.0) { $0 + Double($1) * Double($1) } }

    /// The L2 norm of this tensor's delta.
    public func norm() -> Double { squaredNorm().squareRoot() }

    /// The largest |delta| of this tensor.
    public func largestMagnitude() -> Float { storedValues().reduce(Float(0)) { max($0, abs($1)) } }

    /// The whole tensor, zeros where top-k dropped entries.
    public func dense() -> [Float] {
        [Float](unsafeUninitializedCapacity: elementCount) { buffer, initialized in
            values(in: 0..<elementCount, into: buffer.baseAddress!)
            initialized = elementCount
        }
    }

    /// Writes the full tensor's elements `range` to `output` (zeros where top-k dropped entries).
    public func values(in range: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        guard encoding == .topk else { return decode(range, into: output) }
        output.initialize(repeating: 0, count: range.count)
        var position = lowerBound(Int32(truncatingIfNeeded: range.lowerBound))
        data.withUnsafeBytes { bytes in
            while position < indices.count, Int(indices[position]) < range.upperBound {
                output[Int(indices[position]) - range.lowerBound] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * position, as: UInt32.self)))
                position += 1
            }
        }
    }

    /// Adds `factor * delta` to the tensor's `sums` (n entries); `stored` are `storedValues()`.
    func accumulate(_ stored: [Float], factor: Double, into sums: UnsafeMutablePointer<Double>) {
        if encoding == .topk {
            for (position, index) in indices.enumerated() { sums[Int(index)] += factor * Double(stored[position]) }
        } else {
            for i in 0..<elementCount { sums[i] += factor * Double(stored[i]) }
        }
    }

    /// Stored values `range` (positions in `data`) expanded to float32.
    private func decode(_ range: Range<Int>, into output: UnsafeMutablePointer<Float>) {
        data.withUnsafeBytes { bytes in
            switch encoding {
            case .fp32, .topk:
                for i in range { output[i - range.lowerBound] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .fp16:
                for i in range { output[i - range.lowerBound] = Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))) }
            case .int8:
                for i in range { output[i - range.lowerBound] = scale * Float(Int8(bitPattern: bytes[i])) }
            }
        }
    }

    /// The first position whose index is >= `index`.
    private func lowerBound(_ index: Int32) -> Int {
        var low = 0, high = indices.count
        while low < high {
            let middle = (low + high) / 2
            if indices[middle] < index { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// A client update (formats/update.proto) decoded and checked for what can be checked without
/// the base model: the version, the client id and every tensor's layout (encoding, data length,
/// scale, indices, no name twice). Comparing it with the base model and the round is the
/// aggregator's job (`Aggregator.validate`).
///
///     let update = try ClientUpdate(data: Data(contentsOf: url))
///     print(update.clientID, update.round, update.exampleCount, update.tensors.map(\.name))
public struct ClientUpdate: Sendable {
    /// The `format_version` this reader knows.
    public static let formatVersion: UInt32 = 1
    /// The longest client id accepted, in UTF-8 bytes.
    public static let maximumClientIDBytes = 256

    public var formatVersion: UInt32
    public var baseModelSHA256: String
    public var round: UInt64
    public var clientID: String
    public var exampleCount: UInt64
    public var loss: Float?
    public var accuracy: Float?
    public var producer: String
    public var tensors: [TensorDelta]

    /// Decodes an update; a malformed one throws the `Rejection` to record.
    public init(data: Data) throws {
        let message: Edgec_Federated_ClientUpdate
        do {
            message = try Edgec_Federated_ClientUpdate(serializedBytes: data)
        } catch {
            throw Rejection(.undecodable, "not a ClientUpdate protobuf (\(Self.describe(error)), \(data.count) bytes)")
        }
        guard message.formatVersion == Self.formatVersion else {
            throw Rejection(.unsupportedVersion, "format_version \(message.formatVersion); this aggregator reads version \(Self.formatVersion)")
        }
        guard !message.clientID.isEmpty, message.clientID.utf8.count <= Self.maximumClientIDBytes else {
            throw Rejection(.badClientID, message.clientID.isEmpty ? "the client id is empty" : "the client id is longer than \(Self.maximumClientIDBytes) bytes")
        }
        formatVersion = message.formatVersion
        baseModelSHA256 = message.baseModelSha256
        round = message.round
        clientID = message.clientID
        exampleCount = message.exampleCount
        loss = message.hasMetrics && message.metrics.lossPresent != nil ? message.metrics.loss : nil
        accuracy = message.hasMetrics && message.metrics.accuracyPresent != nil ? message.metrics.accuracy : nil
        producer = message.producer
        var names = Set<String>()
        tensors = try message.tensors.map { entry in
            guard names.insert(entry.name).inserted else {
                throw Rejection(.duplicateTensor, "tensor '\(entry.name)' appears twice")
            }
            return try Self.tensor(entry)
        }
    }

    /// The L2 norm of the whole update: sqrt of the sum of every delta's square.
    public func norm() -> Double {
        tensors.reduce(0.0) { $0 + $1.squaredNorm() }.squareRoot()
    }

    /// Checks one entry's layout against update.proto and wraps it.
    static func tensor(_ entry: Edgec_Federated_TensorDelta) throws -> TensorDelta {
        func fail(_ detail: String) -> Rejection { Rejection(.badEncoding, "tensor '\(entry.name)': \(detail)") }
        var count = 1
        for dimension in entry.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: Int(clamping: dimension))
            guard dimension <= UInt64(Int32.max), !overflow, product < 1 << 34 else { throw fail("shape \(entry.shape) is too large") }
            count = product
        }
        let encoding: DeltaEncoding
        switch entry.encoding {
        case .fp32: encoding = .fp32
        case .fp16: encoding = .fp16
        case .int8: encoding = .int8
        case .topk: encoding = .topk
        case .unspecified: throw fail("no encoding")
        case .UNRECOGNIZED(let value): throw fail("unknown encoding \(value)")
        }
        let width: Int = [.fp32: 4, .fp16: 2, .int8: 1, .topk: 4][encoding]!
        var indices: [Int32] = []
        if encoding == .topk {
            guard entry.data.count == 4 * entry.indexGaps.count else {
                throw fail("top-k holds \(entry.data.count) bytes of values for \(entry.indexGaps.count) indices (4 bytes each)")
            }
            indices.reserveCapacity(entry.indexGaps.count)
            var index = -1
            for (position, gap) in entry.indexGaps.enumerated() {
                guard position == 0 || gap >= 1 else { throw fail("top-k index gap \(position) is 0; indices must strictly increase") }
                index = position == 0 ? Int(gap) : index + Int(gap)
                guard index < count, index <= Int(Int32.max) else { throw fail("top-k index \(index) is out of range for \(count) elements") }
                indices.append(Int32(index))
            }
        } else {
            guard entry.data.count == count * width else {
                throw fail("\(encoding.rawValue) data holds \(entry.data.count) bytes; shape \(entry.shape) needs \(count * width)")
            }
            guard entry.indexGaps.isEmpty else { throw fail("index gaps are only for top-k") }
        }
        if encoding == .int8 {
            guard entry.scale.isFinite, entry.scale >= 0 else { throw fail("int8 scale \(entry.scale) is not finite and >= 0") }
        }
        return TensorDelta(name: entry.name, shape: entry.shape.map { Int($0) }, encoding: encoding, elementCount: count,
                           scale: encoding == .int8 ? entry.scale : 0, indices: indices, data: entry.data)
    }

    static func describe(_ error: Error) -> String {
        switch error as? BinaryDecodingError {
        case .truncated?: return "truncated data"
        case .malformedProtobuf?: return "malformed protobuf"
        case .invalidUTF8?: return "invalid UTF-8 in a string field"
        default: return "\(error)"
        }
    }
}
