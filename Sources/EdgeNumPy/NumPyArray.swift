import EdgeIR
import Foundation

/// The `.npy` format (NumPy's NEP 1): a magic string, a version, a Python-literal header with
/// dtype, order and shape, then the raw little-endian elements.
public enum NumPyArray {
    private static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"

    /// What a `.npy` header says: where the elements start, their dtype and the shape.
    struct Header {
        var payload: Int
        var descr: String
        var width: Int
        var shape: [Int]
        var count: Int
        /// Bytes the whole array takes: header and elements.
        var byteCount: Int { payload + count * width }
    }

    /// Element widths of the dtypes edgec reads.
    static let widths: [String: Int] = ["<f4": 4, "<f8": 8, "<f2": 2, "<i8": 8, "<u8": 8, "<i4": 4, "<u4": 4, "<i2": 2, "<u2": 2, "|i1": 1, "|u1": 1, "|b1": 1]

    /// Parses the header at the start of `bytes`; nil when `bytes` ends before the header does
    /// (and `complete` is false: more may follow). Refuses what NumPy refuses: another magic or
    /// version, a header that is not a dict of exactly 'descr', 'fortran_order' and 'shape', an
    /// array over `NumPyLimits.maximumArrayBytes`.
    static func header<Bytes: RandomAccessCollection>(_ bytes: Bytes, source: String, complete: Bool) throws -> Header? where Bytes.Element == UInt8, Bytes.Index == Int {
        func fail(_ detail: String) -> NumPyError { NumPyError("'\(source)' is not a readable .npy array: \(detail)") }
        let b = Array(bytes.prefix(12))
        guard b.count >= 10 else {
            if complete || (b.count >= 6 && Array(b[0..<6]) != magic) { throw fail("missing the \\x93NUMPY magic") }
            return nil
        }
        guard Array(b[0..<6]) == magic else { throw fail("missing the \\x93NUMPY magic") }
        let headerLength: Int, headerStart: Int
        switch b[6] {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8
            headerStart = 10
        case 2, 3:
            guard b.count >= 12 else { if complete { throw fail("truncated header") } else { return nil } }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
            headerStart = 12
        default:
            throw fail("format version \(b[6]) is not supported")
        }
        guard headerLength <= 1 << 20 else { throw fail("its header claims \(headerLength) bytes") }
        guard headerStart + headerLength <= bytes.count else {
            if complete { throw fail("truncated header") } else { return nil }
        }
        let start = bytes.startIndex + headerStart
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let keys = dictionaryKeys(header)
        guard header.hasPrefix("{"), header.hasSuffix("}"), keys.sorted() == ["descr", "fortran_order", "shape"] else {
            throw fail("the header is not a dict of exactly 'descr', 'fortran_order' and 'shape': \(header.prefix(200))")
        }
        guard let descr = field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")) }),
              let order = field("fortran_order", in: header), let shapeText = field("shape", in: header) else {
            throw fail("header lacks descr, fortran_order or shape: \(header.prefix(200))")
        }
        guard order == "False" else {
            throw fail(order == "True" ? "Fortran-order arrays are not supported (save with np.ascontiguousarray)" : "fortran_order is \(order), not a bool")
        }
        guard shapeText.hasPrefix("("), shapeText.hasSuffix(")") else { throw fail("shape \(shapeText) is not a tuple") }
        let inner = shapeText.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        let dims = inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        var shape: [Int] = []
        for (i, d) in dims.enumerated() where !(d.isEmpty && i == dims.count - 1 && i > 0) {
            guard let n = Int(d), n >= 0 else { throw fail("invalid shape \(shapeText)") }
            shape.append(n)
        }
        guard let width = widths[descr] else {
            throw fail("dtype '\(descr)' is not supported (little-endian float, int, uint and bool are)")
        }
        var count = 1
        for d in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, product <= NumPyLimits.maximumArrayBytes / width else {
                throw fail("shape \(shape) of \(descr) is larger than the \(NumPyLimits.maximumArrayBytes) bytes edgec reads per array (EDGEC_MAX_ARRAY_BYTES raises it)")
            }
            count = product
        }
        return Header(payload: headerStart + headerLength, descr: descr, width: width, shape: shape, count: count)
    }

    /// The quoted keys of a Python dict literal (each `'key':`).
    private static func dictionaryKeys(_ header: String) -> [String] {
        var keys: [String] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(where: { $0 == "'" || $0 == "\"" }) {
            let quote = rest[open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: quote) else { break }
            let next = rest[rest.index(after: close)...].drop { $0 == " " }
            if next.first == ":" { keys.append(String(rest[afterOpen..<close])) }
            rest = rest[rest.index(after: close)...]
        }
        return keys
    }

    /// Reads an array. float64 and float16 become float32 (edgec computes in float32); narrow
    /// integers widen to int32, uint32 and uint64 to int64.
    public static func decode(_ data: Data, source: String) throws -> Tensor {
        let bytes = [UInt8](data)
        func fail(_ detail: String) -> NumPyError { NumPyError("'\(source)' is not a readable .npy array: \(detail)") }
        let header = try Self.header(bytes, source: source, complete: true)!
        let (payload, descr, shape, count) = (header.payload, header.descr, header.shape, header.count)
        let kinds: [String: (UnsafeRawBufferPointer, Int) -> TensorStorage] = [
            "<f4": { p, n in .float32((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) }) },
            "<f8": { p, n in .float32((0..<n).map { Float(p.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self)) }) },
            "<f2": { p, n in .float32((0..<n).map { Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }) },
            "<i8": { p, n in .int64((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self) }) },
            "<u8": { p, n in .int64((0..<n).map { Int64(truncatingIfNeeded: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) }) },
            "<i4": { p, n in .int32((0..<n).map { p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self) }) },
            "<u4": { p, n in .int64((0..<n).map { Int64(p.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }) },
            "<i2": { p, n in .int32((0..<n).map { Int32(p.loadUnaligned(fromByteOffset: $0 * 2, as: Int16.self)) }) },
            "<u2": { p, n in .int32((0..<n).map { Int32(p.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) }) },
            "|i1": { p, n in .int8((0..<n).map { p.loadUnaligned(fromByteOffset: $0, as: Int8.self) }) },
            "|u1": { p, n in .uint8((0..<n).map { p[$0] }) },
            "|b1": { p, n in .bool((0..<n).map { p[$0] != 0 }) },
        ]
        guard bytes.count - payload >= count * header.width else {
            throw fail("holds \(bytes.count - payload) data bytes, shape \(shape) of \(descr) needs \(count * header.width)")
        }
        let storage = bytes.withUnsafeBytes { raw in kinds[descr]!(UnsafeRawBufferPointer(rebasing: raw[payload...]), count) }
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
