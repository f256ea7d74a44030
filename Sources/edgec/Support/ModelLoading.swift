import Foundation

/// Reading a model named on the command line.
enum ModelLoading {
    /// The bytes of a file named on the command line.
    static func read(_ path: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw UserFacingError("cannot read '\(path)': \((error as NSError).localizedDescription)")
        }
    }
}
