import EdgeIR
import Foundation

/// The `.npy` format (NumPy's NEP 1): a magic string, a version, a Python-literal header with
/// dtype, order and shape, then the raw little-endian elements.
public enum NumPyArray {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// Reads an array. float64 and float16 become float32 (edgec computes in float32); narrow
    /// integers widen to int32, uint32 and uint64 to int64.
    public static func decode(_ data: Data, source: String) throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ detail: String) -> NumPyError { NumPyError("'\(source)' is not a readable .npy array: \(detail)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(major) is not supported")
        }
        guard headerStart + headerLength <= bytes.count else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
              let order = field("fortran_order", in: header), let shapeText = field("shape", in: header) else {
            throw fail("header lacks descr, fortran_order or shape: \(header.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard order == "False" else { throw fail("Fortran-order arrays are not supported (save with np.ascontiguousarray)") }
        let dims = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for d in dims {
            guard let n = Int(d), n >= 0 else { throw fail("invalid shape \(shapeText)") }
            shape.append(n)
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product < 1 << 34 else { throw fail("shape \(shape) is too large") }
            count = product
        }
        let payload = headerStart + headerLength
        let kinds: [String: (width: Int, convert: (UnsafeRawBufferPointer, Int) -> TensorStorage)] = [
            "<f4": (4, { p, n in .float32((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }) }),
            "<f8": (8, { p, n in .float32((0..<n).map { Float(p.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }) }),
            "<f2": (2, { p, n in .float32((0..<n).map { Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }) }),
            "<i8": (8, { p, n in .int64((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }) }),
            "<u8": (8, { p, n in .int64((0..<n).map { Int64(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }) }),
            "<i4": (4, { p, n in .int32((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }) }),
            "<u4": (4, { p, n in .int64((0..<n).map { Int64(p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }) }),
            "<i2": (2, { p, n in .int32((0..<n).map { Int32(p.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }) }),
            "<u2": (2, { p, n in .int32((0..<n).map { Int32(p.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }) }),
            "|i1": (1, { p, n in .int8((0..<n).map { p.loadUnaligned(fromByteOffset: $0, as: Int8.self) }) }),
            "|u1": (1, { p, n in .uint8((0..<n).map { p[$0] }) }),
            "|b1": (1, { p, n in .bool((0..<n).map { p[$0] != 0 }) }),
        ]
        guard let kind = kinds[descr] else {
            throw fail("dtype '\(descr)' is not supported (little-endian float, int, uint and bool are)")
        }
        guard bytes.count - payload >= count * kind.width else {
            throw fail("holds \(bytes.count - payload) data bytes, shape \(shape) of \(descr) needs \(count * kind.width)")
        }
        let storage = bytes.withUnsafeBytes { raw in kind.convert(UnsafeRawBufferPointer(rebasing: raw[payload...]), count) }
        return Tensor(shape: shape, storage: storage)
    }

    /// The value text of `key` in a Python dict literal such as `{'descr': '<f4', 'shape': (1, 2), }`.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")") else { return nil }
            return String(rest[...close])
        }
        rest = rest.prefix { $0 != "," && $0 != "}" }
        return rest.trimmingCharacters(in: .whitespaces)
    }

    /// Encodes a tensor as `.npy` version 1.0 with a 64-byte aligned header.
    public static func encode(_ tensor: Tensor) -> Data {
        let descr: String
        let payload: Data
        switch tensor.storage {
        case .float32(let a): descr = "<f4"; payload = a.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int64(let a): descr = "<i8"; payload = a.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int32(let a): descr = "<i4"; payload = a.withUnsafeBufferPointer { Data(buffer: $0) }
        case .int8(let a): descr = "|i1"; payload = a.withUnsafeBufferPointer { Data(buffer: $0) }
        case .uint8(let a): descr = "|u1"; payload = Data(a)
        case .bool(let a): descr = "|b1"; payload = Data(a.map { $0 ? 1 : 0 })
        }
        let shapeText = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }
}
