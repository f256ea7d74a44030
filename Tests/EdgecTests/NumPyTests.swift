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
}
