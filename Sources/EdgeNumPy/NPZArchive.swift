import CZlibHost
import Foundation

/// The ZIP container of a `.npz`, read with every offset and length checked against the file, and
/// every array inflated (by zlib) with a byte budget: the size its `.npy` header's shape needs,
/// itself within `NumPyLimits.maximumArrayBytes`. A corrupt directory, an entry that claims more
/// than its header's shape, or a stream that inflates past that size is one clear error — never a
/// trap, and never gigabytes read on a small file's word.
struct NPZArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var dataOffset: Int
    }

    let source: String
    let entries: [Entry]

    init(_ data: Data, source: String) throws {
        self.source = source
        let bytes = ByteReader(data: data, source: source)
        // The end-of-central-directory record: within the last 64 KiB + 22 bytes.
        let searchStart = max(0, data.count - 22 - 0xFFFF)
        guard data.count >= 22, let end = stride(from: data.count - 22, through: searchStart, by: -1).first(where: { (try? bytes.u32($0)) == 0x0605_4B50 }) else {
            throw NumPyError("'\(source)' is not a readable .npz archive: its end-of-directory record is missing (truncated?)")
        }
        var count = Int(try bytes.u16(end + 10))
        var directorySize = Int(try bytes.u32(end + 12))
        var directoryOffset = Int(try bytes.u32(end + 16))
        // ZIP64: the real values live in the zip64 end record, found through its locator.
        if end >= 20, (try? bytes.u32(end - 20)) == 0x0706_4B50 {
            let record = try bytes.offset(bytes.u64(end - 12), "zip64 end record")
            guard try bytes.u32(record) == 0x0606_4B50 else { throw bytes.fail("the zip64 end record is damaged") }
            count = try bytes.offset(bytes.u64(record + 32), "entry count")
            directorySize = try bytes.offset(bytes.u64(record + 40), "directory size")
            directoryOffset = try bytes.offset(bytes.u64(record + 48), "directory offset")
        }
        guard directoryOffset <= data.count, directorySize <= data.count - directoryOffset else {
            throw bytes.fail("its central directory (\(directorySize) bytes at offset \(directoryOffset)) lies outside the \(data.count)-byte file")
        }
        var entries: [Entry] = []
        var position = directoryOffset
        for index in 0..<count {
            guard try bytes.u32(position) == 0x0201_4B50 else { throw bytes.fail("central directory entry \(index) at offset \(position) is damaged") }
            let flags = try bytes.u16(position + 8), method = try bytes.u16(position + 10)
            var compressed = UInt64(try bytes.u32(position + 20)), uncompressed = UInt64(try bytes.u32(position + 24))
            let nameLength = Int(try bytes.u16(position + 28)), extraLength = Int(try bytes.u16(position + 30)), commentLength = Int(try bytes.u16(position + 32))
            var localOffset = UInt64(try bytes.u32(position + 42))
            let name = String(decoding: try bytes.slice(position + 46, nameLength), as: UTF8.self)
            // A zip64 extra field holds, in order, the sizes and offset that read 0xFFFFFFFF above.
            var extra = position + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try bytes.u16(extra), size = Int(try bytes.u16(extra + 2))
                if id == 0x0001 {
                    var field = extra + 4
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try bytes.u64(field); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try bytes.u64(field); field += 8 }
                    if localOffset == 0xFFFF_FFFF { localOffset = try bytes.u64(field) }
                }
                extra += 4 + size
            }
            guard flags & 1 == 0 else { throw bytes.fail("'\(name)' is encrypted") }
            guard method == 0 || method == 8 else { throw bytes.fail("'\(name)' uses compression method \(method); .npz entries are stored or deflated") }
            let local = try bytes.offset(localOffset, "local header offset of '\(name)'")
            guard try bytes.u32(local) == 0x0403_4B50 else { throw bytes.fail("the local header of '\(name)' at offset \(local) is damaged") }
            let dataOffset = local + 30 + Int(try bytes.u16(local + 26)) + Int(try bytes.u16(local + 28))
            let compressedSize = try bytes.offset(compressed, "compressed size of '\(name)'")
            guard dataOffset <= data.count, compressedSize <= data.count - dataOffset else {
                throw bytes.fail("the data of '\(name)' (\(compressedSize) bytes at offset \(dataOffset)) lies outside the \(data.count)-byte file")
            }
            entries.append(Entry(name: name, method: method, compressedSize: compressedSize,
                                 uncompressedSize: Int(clamping: uncompressed), dataOffset: dataOffset))
            position += 46 + nameLength + extraLength + commentLength
        }
        self.entries = entries
    }

    /// The bytes of `entry`, at most what its `.npy` header's shape needs (`budget` reads that
    /// from the first bytes, or says nil while they are too few to tell).
    func contents(of entry: Entry, in data: Data, budget: (Data) throws -> Int?) throws -> Data {
        let fail = { (detail: String) in NumPyError("'\(source)': entry '\(entry.name)' \(detail)") }
        return try data.withUnsafeBytes { raw -> Data in
            let input = UnsafeRawBufferPointer(rebasing: raw[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
            if entry.method == 0 {
                let stored = Data(input)
                if let needed = try budget(stored), stored.count > needed { throw fail("holds \(stored.count) bytes, more than its header's shape needs (\(needed))") }
                return stored
            }
            var stream = z_stream()
            guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw fail("cannot be inflated (zlib)") }
            defer { inflateEnd(&stream) }
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            var output = Data()
            var limit: Int?
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, buffer.count - Int(stream.avail_out))
                }
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced > 0) else {
                    throw fail("is corrupt: its deflate stream does not decode (zlib status \(status))")
                }
                output.append(contentsOf: chunk[0..<produced])
                if limit == nil { limit = try budget(output) }
                if let limit, output.count > limit {
                    throw fail("inflates to more than the \(limit) bytes its header's shape needs; refused")
                }
                if status == Z_STREAM_END { break }
                if produced == 0 { throw fail("is truncated: its deflate stream ends early") }
            }
            return output
        }
    }
}

/// Bounds-checked little-endian reads of a file's bytes.
private struct ByteReader {
    let data: Data
    let source: String

    func fail(_ detail: String) -> NumPyError { NumPyError("'\(source)' is not a readable .npz archive: \(detail)") }

    private func bytes(_ at: Int, _ count: Int) throws -> Data {
        guard at >= 0, count >= 0, at <= data.count, count <= data.count - at else {
            throw fail("a record at offset \(at) runs past the end of the \(data.count)-byte file")
        }
        let start = data.startIndex + at
        return data[start..<(start + count)]
    }

    func slice(_ at: Int, _ count: Int) throws -> Data { try bytes(at, count) }
    func u16(_ at: Int) throws -> UInt16 { try bytes(at, 2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
    func u32(_ at: Int) throws -> UInt32 { try bytes(at, 4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    func u64(_ at: Int) throws -> UInt64 { try bytes(at, 8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }

    /// A 64-bit offset or size from the file, which must fit in it.
    func offset(_ value: UInt64, _ what: String) throws -> Int {
        guard value <= UInt64(data.count) else { throw fail("the \(what) (\(value)) lies past the end of the \(data.count)-byte file") }
        return Int(value)
    }
}
