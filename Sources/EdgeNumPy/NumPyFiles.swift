import EdgeIR
import Foundation
import ZIPFoundation

/// Named arrays in `.npz` (a zip of `.npy` files, stored or deflated) or a single `.npy`.
public enum NumPyFiles {
    /// Reads a `.npz` into arrays keyed by name, or a `.npy` as one array keyed by `singleKey`.
    public static func read(_ path: String, singleKey: String = "") throws -> [String: Tensor] {
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path) else { throw NumPyError("'\(path)' does not exist") }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw NumPyError("cannot read '\(path)': \(error.localizedDescription)") }
        return try decode(data, source: path, singleKey: singleKey)
    }

    /// The arrays of a `.npz` or `.npy` file's bytes; `source` names it in errors.
    public static func decode(_ data: Data, source path: String, singleKey: String = "") throws -> [String: Tensor] {
        if data.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) {
            return [singleKey: try NumPyArray.decode(data, source: path)]
        }
        guard data.starts(with: [0x50, 0x4B]) else {
            throw NumPyError("'\(path)' is neither a .npy array nor a .npz archive")
        }
        let archive = try NPZArchive(data, source: path)
        var arrays: [String: Tensor] = [:]
        for entry in archive.entries where !entry.name.hasSuffix("/") {
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            guard arrays[key] == nil else { throw NumPyError("'\(path)' holds two arrays named '\(key)'") }
            let source = "\(path):\(entry.name)"
            let contents = try archive.contents(of: entry, in: data) { prefix in
                try NumPyArray.header(prefix, source: source, complete: false)?.byteCount
            }
            arrays[key] = try NumPyArray.decode(contents, source: source)
        }
        return arrays
    }

    /// Writes arrays as an uncompressed `.npz` (what `np.savez` makes), atomically.
    public static func writeArchive(_ arrays: [String: Tensor], to path: String) throws {
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for key in arrays.keys.sorted() {
                let payload = NumPyArray.encode(arrays[key]!)
                try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(payload.count), provider: { position, size in
                    payload.subdata(in: Int(position)..<(Int(position) + size))
                })
            }
            guard let data = archive.data else { throw NumPyError("could not assemble '\(path)'") }
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch let error as NumPyError {
            throw error
        } catch {
            throw NumPyError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }

    /// Writes one array as `.npy`, atomically.
    public static func writeArray(_ tensor: Tensor, to path: String) throws {
        do {
            try NumPyArray.encode(tensor).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw NumPyError("cannot write '\(path)': \(error.localizedDescription)")
        }
    }
}
