import Foundation

/// The update files a command names: each path is a file, or a directory whose regular files
/// count (not hidden ones: writers such as `edge_update_write_file` and uploaders write to a
/// temporary name first), in name order so that every run reads them alike.
public enum UpdateFiles {
    public static func list(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw FederatedError("'\(path)' does not exist")
            }
            guard isDirectory.boolValue else {
                files.append(path)
                continue
            }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw FederatedError("cannot list '\(path)': \(error.localizedDescription)")
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let file = (path as NSString).appendingPathComponent(name)
                var nested: ObjCBool = false
                if FileManager.default.fileExists(atPath: file, isDirectory: &nested), !nested.boolValue { files.append(file) }
            }
        }
        return files
    }
}
