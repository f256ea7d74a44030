import EdgeIR
import Foundation

/// A folder of images as a data set: the images directly in it (no labels), or one sub-folder per
/// class with labels 0, 1, ... for the sub-folder names in sorted order, as torchvision's
/// `ImageFolder` numbers them (images found recursively, in sorted path order).
public struct ImageFolder: Sendable {
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    public let files: [String]
    /// Class ids, one per file, when the folder has one sub-folder per class.
    public let labels: [Int64]?
    /// The class names in label order.
    public let classes: [String]

    public init(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw ImageError("image folder '\(path)' does not exist") }
        guard isDirectory.boolValue else { throw ImageError("'\(path)' is a file; image data is a folder of .png or .jpg files") }
        let (directImages, subfolders) = try Self.entries(of: path)
        if !directImages.isEmpty {
            files = directImages
            labels = nil
            classes = []
            return
        }
        guard !subfolders.isEmpty else { throw ImageError("'\(path)' holds no .png or .jpg images (directly, or in one sub-folder per class)") }
        var files: [String] = [], labels: [Int64] = []
        for (label, folder) in subfolders.enumerated() {
            let images = try Self.imagesRecursively(in: folder)
            guard !images.isEmpty else { throw ImageError("class folder '\(folder)' holds no .png or .jpg images; every class needs at least one") }
            files += images
            labels += Array(repeating: Int64(label), count: images.count)
        }
        self.files = files
        self.labels = labels
        classes = subfolders.map { URL(fileURLWithPath: $0).lastPathComponent }
    }

    /// Python's string order (by code point), which ImageFolder's `sorted` uses.
    static func pythonOrder(_ a: String, _ b: String) -> Bool { a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) }

    static func isImage(_ name: String) -> Bool {
        extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased())
    }

    /// The image files and sub-folders directly in `folder`, each sorted, as full paths.
    static func entries(of folder: String) throws -> (images: [String], folders: [String]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw ImageError("cannot list image folder '\(folder)': \(error.localizedDescription)")
        }
        var images: [String] = [], folders: [String] = []
        for name in names.sorted(by: pythonOrder) {
            let full = (folder as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue { folders.append(full) } else if isImage(name) { images.append(full) }
        }
        return (images, folders)
    }

    /// ImageFolder's `sorted(os.walk(folder))` order: folders by path, files by name within each.
    static func imagesRecursively(in folder: String) throws -> [String] {
        var byFolder: [(folder: String, images: [String])] = []
        var pending = [folder]
        while let next = pending.popLast() {
            let (images, folders) = try entries(of: next)
            byFolder.append((next, images))
            pending += folders
        }
        return byFolder.sorted { pythonOrder($0.folder, $1.folder) }.flatMap(\.images)
    }

    /// Every image decoded and preprocessed into one `[N, ...]` float32 tensor, with labels
    /// when the folder has classes.
    public func load(_ preprocessing: ImagePreprocessing) throws -> (images: Tensor, labels: Tensor?) {
        let per = preprocessing.sampleShape.reduce(1, *)
        var values = [Float](repeating: 0, count: files.count * per)
        // Images decode independently; the two cores of a small host both help on a big folder.
        let failures = ErrorBox()
        values.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: files.count) { index in
                do {
                    let sample = preprocessing.values(of: try ImageDecoding.decode(file: files[index]))
                    sample.withUnsafeBufferPointer { (base + index * per).update(from: $0.baseAddress!, count: per) }
                } catch {
                    failures.record(index, error)
                }
            }
        }
        if let error = failures.first { throw error }
        let shape = [files.count] + preprocessing.sampleShape.dropFirst()
        return (Tensor(shape: shape, floats: values), labels.map { Tensor(shape: [$0.count], int64s: $0) })
    }
}

/// The first failure by file order, whichever thread met it first.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: (index: Int, error: Error)?

    func record(_ index: Int, _ error: Error) {
        lock.lock()
        defer { lock.unlock() }
        if failure == nil || index < failure!.index { failure = (index, error) }
    }

    var first: Error? { failure?.error }
}
