import EdgeIR
import EdgeRuntime
import Foundation

/// Why the device runtime refused a model or a run; the runtime's own one-line message.
public struct RuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int32
    public var message: String

    public var description: String { message }

    init(_ error: edge_error) {
        status = Int32(error.status.rawValue)
        message = withUnsafeBytes(of: error.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }
}

/// A compiled `.edgem` model loaded by the C runtime — the very code that runs on devices — so
/// `edgec run`, `edgec eval` and the tests execute what a device would.
public final class DeviceModel: @unchecked Sendable {
    public struct Port: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var byteSize: Int
        /// An int8 input or output of a model quantized with `--int8-io`: real = scale · (q − zeroPoint).
        /// `scale` is 0 for every other port.
        public var scale: Float = 0
        public var zeroPoint: Int32 = 0

        /// Whether real numbers can be given for, or read back from, this port.
        public var isQuantized: Bool { dtype == .int8 && scale > 0 }
    }

    let handle: OpaquePointer
    /// The bytes the model reads in place when loaded from memory (64-byte aligned).
    private let buffer: UnsafeMutableRawBufferPointer?
    public let inputs: [Port]
    public let outputs: [Port]

    /// Loads a file through the runtime's mmap path.
    public convenience init(path: String) throws {
        var error = edge_error()
        var model: OpaquePointer?
        guard edge_model_load_file(path, &model, &error) == EDGE_OK, let loaded = model else { throw RuntimeError(error) }
        self.init(handle: loaded, buffer: nil)
    }

    /// Loads from memory (the bytes are copied into an aligned buffer the model keeps).
    public convenience init(data: Data) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(data.count, 1), alignment: 64)
        _ = data.copyBytes(to: buffer)
        var error = edge_error()
        var model: OpaquePointer?
        guard edge_model_load_buffer(buffer.baseAddress, data.count, &model, &error) == EDGE_OK, let loaded = model else {
            buffer.deallocate()
            throw RuntimeError(error)
        }
        self.init(handle: loaded, buffer: buffer)
    }

    private init(handle: OpaquePointer, buffer: UnsafeMutableRawBufferPointer?) {
        self.handle = handle
        self.buffer = buffer
        func ports(_ count: Int32, _ info: (Int32, UnsafeMutablePointer<edge_tensor_info>) -> edge_status) -> [Port] {
            (0..<count).map { index in
                var tensor = edge_tensor_info()
                _ = info(index, &tensor)
                let dims = withUnsafeBytes(of: tensor.dims) { Array($0.bindMemory(to: Int64.self).prefix(Int(tensor.rank))) }
                return Port(name: String(cString: tensor.name), dtype: DType(rawValue: UInt8(tensor.dtype.rawValue)) ?? .float32,
                            shape: dims.map { Int($0) }, byteSize: tensor.byte_size, scale: tensor.scale, zeroPoint: tensor.zero_point)
            }
        }
        inputs = ports(edge_model_input_count(handle)) { edge_model_input_info(handle, $0, $1) }
        outputs = ports(edge_model_output_count(handle)) { edge_model_output_info(handle, $0, $1) }
    }

    deinit {
        edge_model_free(handle)
        buffer?.deallocate()
    }

    /// Bytes one execution context needs (activations plus kernel scratch).
    public var arenaSize: Int { edge_model_arena_size(handle) }
    /// Bytes of weights the runtime holds once decompressed and expanded.
    public var weightBytes: Int { edge_model_weight_bytes(handle) }
    public var operatorCount: Int { Int(edge_model_operator_count(handle)) }

    public func metadata(_ key: String) -> String? { edge_model_metadata(handle, key).map { String(cString: $0) } }

    /// An execution context with its own arena; reuse it across runs.
    public func makeContext() throws -> DeviceContext { try DeviceContext(model: self) }

    /// Runs the model on `feeds` keyed by input name. An input with a leading batch of N samples
    /// for a model compiled with batch 1 runs sample by sample and the outputs are stacked. An int8
    /// input of a `--int8-io` model also takes real numbers (float32), quantized as its QUANTIZE would.
    public func run(_ feeds: [String: Tensor], context: DeviceContext? = nil) throws -> [String: Tensor] {
        let context = try context ?? makeContext()
        let batch = try batchCount(feeds)
        var stacked: [[TensorStorage]] = Array(repeating: [], count: outputs.count)
        for sample in 0..<batch {
            for (index, port) in inputs.enumerated() {
                let tensor = feeds[port.name]!
                try context.setInput(index, bytes: Self.bytes(of: tensor, sample: sample, of: batch, port: port))
            }
            try context.invoke()
            for (index, port) in outputs.enumerated() {
                stacked[index].append(context.output(index, port: port))
            }
        }
        var result: [String: Tensor] = [:]
        for (index, port) in outputs.enumerated() {
            let parts = stacked[index]
            let storage = parts.count == 1 ? parts[0] : TensorStorage.interleaving(parts, blockSizes: parts.map(\.count), outerCount: 1)
            let shape = batch == 1 ? port.shape : [batch * (port.shape.first ?? 1)] + port.shape.dropFirst()
            result[port.name] = Tensor(shape: shape, storage: storage)
        }
        return result
    }

    /// `outputs` of `run` with every quantized int8 output turned into real numbers, as the
    /// model's own DEQUANTIZE would; other outputs as they are.
    public func realOutputs(_ outputs: [String: Tensor]) -> [String: Tensor] {
        var result = outputs
        for port in self.outputs where port.isQuantized {
            guard let tensor = outputs[port.name], case .int8(let values) = tensor.storage else { continue }
            var reals = [Float](repeating: 0, count: values.count)
            values.withUnsafeBufferPointer { source in
                reals.withUnsafeMutableBufferPointer { edge_dequantize(source.baseAddress, values.count, port.scale, port.zeroPoint, $0.baseAddress) }
            }
            result[port.name] = Tensor(shape: tensor.shape, storage: .float32(reals))
        }
        return result
    }

    /// How many samples `feeds` hold: 1 when shapes match the model, N for a leading batch of N.
    func batchCount(_ feeds: [String: Tensor]) throws -> Int {
        var batch: Int?
        for port in inputs {
            guard let tensor = feeds[port.name] else {
                throw RuntimeError(status: 1, message: "missing input '\(port.name)' (the model's inputs: \(inputs.map(\.name).joined(separator: ", ")))")
            }
            guard tensor.dtype == port.dtype || (port.isQuantized && tensor.dtype == .float32) else {
                throw RuntimeError(status: 1, message: "input '\(port.name)' is \(tensor.dtype) but the model expects \(port.dtype)")
            }
            let samples: Int
            if tensor.shape == port.shape {
                samples = 1
            } else if port.shape.first == 1, tensor.rank == port.shape.count, tensor.shape.dropFirst() == port.shape.dropFirst(), tensor.shape[0] > 0 {
                samples = tensor.shape[0]
            } else {
                throw RuntimeError(status: 1, message: "input '\(port.name)' has shape \(tensor.shape); the model takes \(port.shape), or a batch of N such samples along dim 0 when dim 0 is 1")
            }
            if let known = batch, known != samples {
                throw RuntimeError(status: 1, message: "inputs hold different batch sizes (\(known) and \(samples))")
            }
            batch = samples
        }
        for name in feeds.keys where !inputs.contains(where: { $0.name == name }) {
            throw RuntimeError(status: 1, message: "the model has no input named '\(name)' (its inputs: \(inputs.map(\.name).joined(separator: ", ")))")
        }
        return batch ?? 1
    }

    static func bytes(of tensor: Tensor, sample: Int, of batch: Int, port: Port) -> [UInt8] {
        func slice<T>(_ values: [T]) -> [UInt8] {
            let per = values.count / batch
            return values[(sample * per)..<((sample + 1) * per)].withUnsafeBytes { Array($0) }
        }
        if port.isQuantized, case .float32(let reals) = tensor.storage {
            let per = reals.count / batch
            var quantized = [UInt8](repeating: 0, count: per)
            reals[(sample * per)..<((sample + 1) * per)].withUnsafeBufferPointer { source in
                quantized.withUnsafeMutableBytes { edge_quantize(source.baseAddress, per, port.scale, port.zeroPoint, $0.baseAddress!.assumingMemoryBound(to: Int8.self)) }
            }
            return quantized
        }
        switch tensor.storage {
        case .float32(let a): return slice(a)
        case .int64(let a): return slice(a)
        case .int32(let a): return slice(a)
        case .int8(let a): return slice(a)
        case .uint8(let a): return slice(a)
        case .bool(let a): return slice(a.map { $0 ? UInt8(1) : 0 })
        }
    }
}

/// One execution context: an arena allocated once, reused by every invoke.
public final class DeviceContext {
    let model: DeviceModel
    let handle: OpaquePointer

    init(model: DeviceModel) throws {
        var error = edge_error()
        var context: OpaquePointer?
        guard edge_context_create(model.handle, nil, 0, &context, &error) == EDGE_OK, let created = context else { throw RuntimeError(error) }
        self.model = model
        handle = created
    }

    deinit { edge_context_free(handle) }

    func setInput(_ index: Int, bytes: [UInt8]) throws {
        var error = edge_error()
        let status = bytes.withUnsafeBytes { edge_context_set_input(handle, Int32(index), $0.baseAddress, $0.count, &error) }
        guard status == EDGE_OK else { throw RuntimeError(error) }
    }

    public func invoke() throws {
        var error = edge_error()
        guard edge_context_invoke(handle, &error) == EDGE_OK else { throw RuntimeError(error) }
    }

    func output(_ index: Int, port: DeviceModel.Port) -> TensorStorage {
        let pointer = edge_context_output(handle, Int32(index))!
        let count = Shapes.elementCount(port.shape)
        switch port.dtype {
        case .float32: return .float32(Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: count)))
        case .int64: return .int64(Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Int64.self), count: count)))
        case .int32: return .int32(Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Int32.self), count: count)))
        case .int8: return .int8(Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Int8.self), count: count)))
        case .uint8: return .uint8(Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count)))
        case .bool: return .bool(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: count).map { $0 != 0 })
        }
    }
}
