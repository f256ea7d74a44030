import CZlibHost
import EdgeIR
import EdgeNumPy
import Foundation
import Testing

@Suite("NumPy files")
struct NumPyTests {
    static let samples: [Tensor] = [
        Tensor(shape: [2, 3], floats: [1, -2, 3.5, 0, .infinity, -0.25]),
        Tensor(shape: [4], int64s: [1, -2, Int64.max, Int64.min]),
        Tensor(shape: [], floats: [42]),
        Tensor(shape: [2, 2], storage: .int8([-128, 127, 0, 5])),
        Tensor(shape: [3], storage: .uint8([0, 200, 255])),
        Tensor(shape: [2], storage: .int32([Int32.min, 7])),
        Tensor(shape: [3], storage: .bool([true, false, true])),
        Tensor(shape: [0, 3], floats: []),
    ]

    @Test(arguments: samples)
    func arrayRoundTrip(_ tensor: Tensor) throws {
        let data = NumPyArray.encode(tensor)
        #expect(try NumPyArray.decode(data, source: "memory") == tensor)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        #expect((10 + headerLength) % 64 == 0, "data starts 64-byte aligned")
    }

    @Test func archiveRoundTripAndNumPyWrittenFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-npz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.npz").path
        let arrays = ["first": Self.samples[0], "second/with/slash": Self.samples[1]]
        try NumPyFiles.writeArchive(arrays, to: path)
        #expect(try NumPyFiles.read(path) == arrays)
        // Written by numpy itself (np.savez and np.save).
        let test = try NumPyFiles.read(Fixtures.path("digits/digits_test.npz"))
        #expect(test["input"]?.shape == [450, 1, 8, 8])
        #expect(test["labels"]?.dtype == .int64)
        #expect(try NumPyFiles.read(Fixtures.path("digits/digits_sample.npy"))[""]?.shape == [1, 1, 8, 8])
    }

    @Test func malformedArraysAreRefused() {
        var truncated = NumPyArray.encode(Self.samples[0])
        truncated.removeLast(3)
        #expect(throws: NumPyError.self) { try NumPyArray.decode(truncated, source: "t") }
        #expect(throws: NumPyError.self) { try NumPyArray.decode(Data("not numpy".utf8), source: "t") }
        var bigEndian = NumPyArray.encode(Self.samples[0])
        bigEndian.replaceSubrange(21..<24, with: Array(">f4".utf8))
        #expect(throws: NumPyError("'t' is not a readable .npy array: dtype '>f4' is not supported (little-endian float, int, uint and bool are)")) {
            try NumPyArray.decode(bigEndian, source: "t")
        }
        #expect(throws: NumPyError.self) { try NumPyFiles.read("/nonexistent/file.npz") }
    }

    // MARK: hostile archives

    /// A ZIP archive as `np.savez` writes one, with each entry stored or raw-deflated.
    static func archive(_ entries: [(name: String, data: Data, deflated: Bool)]) -> Data {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        var file = Data(), directory = Data()
        for entry in entries {
            let crc = entry.data.withUnsafeBytes { UInt32(crc32(0, $0.bindMemory(to: Bytef.self).baseAddress, uInt($0.count))) }
            let payload = entry.deflated ? deflateRaw(entry.data) : entry.data
            let name = Array(entry.name.utf8)
            let common: [UInt8] = le(UInt16(20)) + le(UInt16(0)) + le(UInt16(entry.deflated ? 8 : 0)) + le(UInt16(0)) + le(UInt16(0))
                + le(crc) + le(UInt32(payload.count)) + le(UInt32(entry.data.count)) + le(UInt16(name.count)) + le(UInt16(0))
            let offset = UInt32(file.count)
            file.append(contentsOf: le(UInt32(0x0403_4B50)) + common + name)
            file.append(payload)
            directory.append(contentsOf: le(UInt32(0x0201_4B50)) + le(UInt16(20)) + common + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt32(0)) + le(offset) + name)
        }
        let directoryOffset = UInt32(file.count)
        file.append(directory)
        file.append(contentsOf: le(UInt32(0x0605_4B50)) + le(UInt16(0)) + le(UInt16(0)) + le(UInt16(entries.count)) + le(UInt16(entries.count))
            + le(UInt32(directory.count)) + le(directoryOffset) + le(UInt16(0)))
        return file
    }

    static func deflateRaw(_ data: Data) -> Data {
        var stream = z_stream()
        _ = deflateInit2_(&stream, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        let written = data.withUnsafeBytes { input in
            output.withUnsafeMutableBufferPointer { out -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                _ = deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
        }
        return Data(output[0..<written])
    }

    static func read(_ data: Data) throws -> [String: Tensor] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-hostile-\(UUID().uuidString).npz").path
        try data.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try NumPyFiles.read(path)
    }

    static func expectRefused(_ data: Data, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try read(data)
            Issue.record("accepted; expected \(fragment)", sourceLocation: sourceLocation)
        } catch let error as NumPyError {
            #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
            #expect(!error.message.contains("\n"), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("archives stored and deflated read back; damaged or hostile ones are refused in one line")
    func hostileArchives() throws {
        let x = NumPyArray.encode(Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))
        for deflated in [false, true] {
            #expect(try Self.read(Self.archive([("x.npy", x, deflated)]))["x"] == Tensor(shape: [2, 3], floats: [1, 2, 3, 4, 5, 6]))
        }
        let good = Self.archive([("x.npy", x, true)])
        Self.expectRefused(good.prefix(good.count - 10), "end-of-directory record is missing")
        // The directory offset and the local-header offset pointed past the file.
        var directory = good
        directory.replaceSubrange((good.count - 6)..<(good.count - 2), with: [0xFF, 0xFF, 0xFF, 0x7F])
        Self.expectRefused(directory, "lies outside")
        var local = good
        let entry = good.count - 22 - (46 + 5)
        local.replaceSubrange((entry + 42)..<(entry + 46), with: [0x00, 0x00, 0x00, 0x40])
        Self.expectRefused(local, "past the end")
        // A small file whose stream inflates to 64 MiB while its header asks for 2 floats.
        var bomb = NumPyArray.encode(Tensor(shape: [2], floats: [1, 2]))
        bomb.append(Data(count: 64 << 20))
        let packed = Self.archive([("x.npy", bomb, true)])
        #expect(packed.count < 1 << 20)
        Self.expectRefused(packed, "inflates to more than the")
        // A header claiming more than an array may hold is refused before anything is read.
        var huge = NumPyArray.encode(Tensor(shape: [1], floats: [1]))
        let header = String(decoding: huge[10..<(10 + Int(huge[8]))], as: UTF8.self).replacingOccurrences(of: "(1,)", with: "(9999999999,)")
        huge.replaceSubrange(10..<(10 + Int(huge[8])), with: Array(header.utf8))
        huge[8] = UInt8(header.utf8.count)
        Self.expectRefused(Self.archive([("x.npy", huge, true)]), "larger than the")
        // Keys NumPy refuses, and two arrays of one name.
        var extraKey = NumPyArray.encode(Tensor(shape: [1], floats: [1]))
        let withKey = String(decoding: extraKey[10..<(10 + Int(extraKey[8]))], as: UTF8.self).replacingOccurrences(of: "'shape'", with: "'extra': 1, 'shape'")
        extraKey.replaceSubrange(10..<(10 + Int(extraKey[8])), with: Array(withKey.utf8))
        extraKey[8] = UInt8(withKey.utf8.count)
        Self.expectRefused(Self.archive([("x.npy", extraKey, false)]), "not a dict of exactly")
        Self.expectRefused(Self.archive([("x.npy", x, false), ("x", x, false)]), "two arrays named 'x'")
    }
}
