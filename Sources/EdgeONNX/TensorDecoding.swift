import EdgeIR
import Foundation

/// Converts ONNX TensorProto contents (typed fields or little-endian raw bytes) into edgec tensors.
/// float64 and float16 become float32 and narrow integer types widen: edgec computes in float32,
/// int64 and the quantized types only.
enum TensorDecoding {
    static func dtype(forONNX code: Int32) -> DType? {
        switch code {
        case 1, 10, 11, 16: return .float32        // FLOAT, FLOAT16, DOUBLE, BFLOAT16
        case 2: return .uint8
        case 3: return .int8
        case 4, 5, 6: return .int32                 // UINT16, INT16, INT32
        case 7, 12, 13: return .int64               // INT64, UINT32, UINT64
        case 9: return .bool
        default: return nil
        }
    }

    static func onnxTypeName(_ code: Int32) -> String {
        let names: [Int32: String] = [0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64", 8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64", 15: "COMPLEX128", 16: "BFLOAT16"]
        return names[code] ?? "unknown (\(code))"
    }

    static func decode(_ proto: Onnx_TensorProto, context: String) throws -> Tensor {
        func fail(_ detail: String) -> ONNXError { ONNXError(.invalidTensor, "tensor '\(proto.name)' (\(context)): \(detail)") }
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            throw fail("weights stored in external data files are not supported; save the model with its weights inside")
        }
        guard proto.dims.allSatisfy({ $0 >= 0 && $0 < Int64(Int32.max) }) else { throw fail("invalid dims \(proto.dims)") }
        let shape = proto.dims.map { Int($0) }
        var countCheck = 1
        for d in shape {
            let (product, overflow) = countCheck.multipliedReportingOverflow(by: d)
            guard !overflow, product < 1 << 34 else { throw fail("dims \(shape) are too large") }
            countCheck = product
        }
        let count = countCheck
        let code = proto.dataType
        let raw = proto.hasRawData ? proto.rawData : nil

        func fromRaw<T>(_ type: T.Type, _ width: Int) throws -> [T] {
            guard let raw = raw else { throw fail("no data") }
            guard raw.count == count * width else { throw fail("raw_data holds \(raw.count) bytes, dims \(shape) of \(onnxTypeName(code)) need \(count * width)") }
            return raw.withUnsafeBytes { bytes in (0..<count).map { bytes.loadUnaligned(fromByteOffset: $0 * width, as: T.self) } }
        }
        func checked<T>(_ values: [T], _ field: String) throws -> [T] {
            guard values.count == count else { throw fail("\(field) holds \(values.count) values, dims \(shape) need \(count)") }
            return values
        }

        let storage: TensorStorage
        switch code {
        case 1:
            storage = .float32(raw != nil ? try fromRaw(Float.self, 4) : try checked(proto.floatData, "float_data"))
        case 11:
            let values = raw != nil ? try fromRaw(Double.self, 8) : try checked(proto.doubleData, "double_data")
            storage = .float32(values.map { Float($0) })
        case 10, 16:
            let bits: [UInt16] = raw != nil ? try fromRaw(UInt16.self, 2) : try checked(proto.int32Data, "int32_data").map { UInt16(truncatingIfNeeded: $0) }
            storage = .float32(bits.map { code == 10 ? Float(Float16(bitPattern: $0)) : Float(bitPattern: UInt32($0) << 16) })
        case 2:
            storage = .uint8(raw != nil ? try fromRaw(UInt8.self, 1) : try checked(proto.int32Data, "int32_data").map { UInt8(truncatingIfNeeded: $0) })
        case 3:
            storage = .int8(raw != nil ? try fromRaw(Int8.self, 1) : try checked(proto.int32Data, "int32_data").map { Int8(truncatingIfNeeded: $0) })
        case 4:
            storage = .int32(raw != nil ? try fromRaw(UInt16.self, 2).map { Int32($0) } : try checked(proto.int32Data, "int32_data"))
        case 5:
            storage = .int32(raw != nil ? try fromRaw(Int16.self, 2).map { Int32($0) } : try checked(proto.int32Data, "int32_data"))
        case 6:
            storage = .int32(raw != nil ? try fromRaw(Int32.self, 4) : try checked(proto.int32Data, "int32_data"))
        case 7:
            storage = .int64(raw != nil ? try fromRaw(Int64.self, 8) : try checked(proto.int64Data, "int64_data"))
        case 12:
            storage = .int64(raw != nil ? try fromRaw(UInt32.self, 4).map { Int64($0) } : try checked(proto.uint64Data, "uint64_data").map { Int64(truncatingIfNeeded: $0) })
        case 13:
            storage = .int64(raw != nil ? try fromRaw(UInt64.self, 8).map { Int64(truncatingIfNeeded: $0) } : try checked(proto.uint64Data, "uint64_data").map { Int64(truncatingIfNeeded: $0) })
        case 9:
            storage = .bool(raw != nil ? try fromRaw(UInt8.self, 1).map { $0 != 0 } : try checked(proto.int32Data, "int32_data").map { $0 != 0 })
        default:
            throw fail("element type \(onnxTypeName(code)) is not supported")
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Encodes a float32 tensor as a TensorProto with raw little-endian data (used when rewriting weights).
    static func encode(_ tensor: Tensor, name: String) -> Onnx_TensorProto {
        var proto = Onnx_TensorProto()
        proto.name = name
        proto.dims = tensor.shape.map { Int64($0) }
        switch tensor.storage {
        case .float32(let values):
            proto.dataType = 1
            proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int64(let values):
            proto.dataType = 7
            proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int32(let values):
            proto.dataType = 6
            proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int8(let values):
            proto.dataType = 3
            proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
        case .uint8(let values):
            proto.dataType = 2
            proto.rawData = Data(values)
        case .bool(let values):
            proto.dataType = 9
            proto.rawData = Data(values.map { $0 ? 1 : 0 })
        }
        return proto
    }
}
