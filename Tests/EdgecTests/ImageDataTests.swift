import EdgeFormat
import EdgeImages
import EdgeIR
import EdgeNumPy
import Foundation
import Testing

/// Folders of images as data (`quantize --calib-images`, `eval --data-images`), against PIL's
/// decoding and resizing with NumPy's arithmetic (Tests/Fixtures/make_images.py).
@Suite struct ImageDataTests {
    /// Each case of make_images.py: every image of images/mixed decoded, converted, resized and
    /// normalized as PIL + NumPy do. PNGs match to the bit; JPEG decoders may round a pixel
    /// differently, so a JPEG may differ by one pixel step (1/std).
    @Test("PNG and JPEG images preprocess as PIL + NumPy do", arguments: [
        ("rgb_nchw_down", ImagePreprocessing(height: 5, width: 6, color: .rgb, layout: .nchw, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375])),
        ("bgr_nhwc_up", ImagePreprocessing(height: 16, width: 20, color: .bgr, layout: .nhwc, mean: [103.53, 116.28, 123.675], std: [57.375, 57.12, 58.395])),
        ("gray_nchw_same", ImagePreprocessing(height: 9, width: 13, color: .gray, layout: .nchw, mean: [0], std: [255])),
        ("gray_nhwc_down", ImagePreprocessing(height: 4, width: 3, color: .gray, layout: .nhwc, mean: [127.5], std: [127.5])),
    ])
    func preprocessingMatchesPIL(_ name: String, _ preprocessing: ImagePreprocessing) throws {
        let expected = try #require(try NumPyFiles.read(Fixtures.path("images/mixed_expected.npz"))[name])
        let folder = try ImageFolder(Fixtures.path("images/mixed"))
        #expect(folder.files.map { URL(fileURLWithPath: $0).lastPathComponent } == ["a_rgb.png", "b_rgba.png", "c_rgb.jpg", "d_gray.png", "e_gray.jpg", "f_palette.png"])
        #expect(folder.labels == nil)
        let (images, labels) = try folder.load(preprocessing)
        #expect(labels == nil)
        #expect(images.shape == expected.shape)
        let actual = images.floats!, reference = expected.floats!
        let per = actual.count / folder.files.count
        let step = 1.0 / Double(preprocessing.std.min()!)
        for (index, file) in folder.files.enumerated() {
            let jpeg = file.hasSuffix(".jpg")
            var worst = 0.0
            for i in (index * per)..<((index + 1) * per) { worst = max(worst, Double(abs(actual[i] - reference[i]))) }
            #expect(worst <= (jpeg ? step * 1.001 : 0), "\(name) \(file): max |diff| \(worst)")
        }
    }

    /// Labels come from class sub-folders in sorted order, files in sorted order within each, and
    /// the tensors equal the .npz made from the same digits.
    @Test func classFoldersGiveImageFolderLabels() throws {
        let folder = try ImageFolder(Fixtures.path("images/digits"))
        #expect(folder.classes == (0...9).map(String.init))
        let reference = try NumPyFiles.read(Fixtures.path("images/digits.npz"))
        let (images, labels) = try folder.load(ImagePreprocessing(height: 8, width: 8, color: .gray, layout: .nchw, mean: [0], std: [16]))
        #expect(labels?.storage.int64s == reference["labels"]!.storage.int64s)
        #expect(images.shape == reference["input"]!.shape)
        #expect(images.floats == reference["input"]!.floats)
    }

    /// quantize --calib-images writes the same weights, scales and graph as --calib with the
    /// equivalent .npz; only the metadata recording the data's name and the command differ.
    @Test func calibratingOnImagesEqualsTheEquivalentNPZ() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx")
        let fromArrays = directory.appendingPathComponent("arrays.edgem").path, fromImages = directory.appendingPathComponent("images.edgem").path
        let arrays = try EdgecBinary.run(["quantize", model, "--calib", Fixtures.path("images/digits.npz"), "-o", fromArrays])
        #expect(arrays.status == 0, "\(arrays.standardError)")
        let images = try EdgecBinary.run(["quantize", model, "--calib-images", Fixtures.path("images/digits"), "--color", "gray", "--mean", "0", "--std", "16", "--size", "8", "-o", fromImages])
        #expect(images.status == 0, "\(images.standardError)")
        // The folder has classes, so both report accuracy before and after on the same labels.
        let accuracy = arrays.standardOutput.split(separator: "\n").first { $0.hasPrefix("accuracy") }
        #expect(accuracy != nil && images.standardOutput.split(separator: "\n").first { $0.hasPrefix("accuracy") } == accuracy, "\(images.standardOutput)")
        let a = try Data(contentsOf: URL(fileURLWithPath: fromArrays)), b = try Data(contentsOf: URL(fileURLWithPath: fromImages))
        let fileA = try EdgemFile(data: a, source: fromArrays), fileB = try EdgemFile(data: b, source: fromImages)
        #expect(fileA.sections.map(\.kind) == fileB.sections.map(\.kind))
        for (sa, sb) in zip(fileA.sections, fileB.sections) where sa.kind != Edgem.SectionKind.metadata.rawValue {
            #expect(a[sa.offset..<(sa.offset + sa.storedSize)] == b[sb.offset..<(sb.offset + sb.storedSize)], "section \(sa.kindName) differs")
        }
        let varying: Set<String> = ["calibration.source", "compile.command"]
        #expect(fileA.metadata.filter { !varying.contains($0.key) }.map { "\($0.key)=\($0.value)" } == fileB.metadata.filter { !varying.contains($0.key) }.map { "\($0.key)=\($0.value)" })
    }

    /// eval --data-images gives the accuracy and outputs eval --data gives on the same samples.
    @Test func evaluatingOnImagesEqualsTheEquivalentNPZ() throws {
        let model = Fixtures.path("digits/digits_cnn.onnx")
        let arrays = try EdgecBinary.run(["eval", model, "--data", Fixtures.path("images/digits.npz"), "--json"])
        let images = try EdgecBinary.run(["eval", model, "--data-images", Fixtures.path("images/digits"), "--std", "16", "--json"])
        #expect(arrays.status == 0 && images.status == 0, "\(arrays.standardError)\(images.standardError)")
        let a = try JSONSerialization.jsonObject(with: Data(arrays.standardOutput.utf8)) as! [String: Any]
        let b = try JSONSerialization.jsonObject(with: Data(images.standardOutput.utf8)) as! [String: Any]
        #expect((a["accuracy"] as? Double) != nil)
        #expect(a["accuracy"] as? Double == b["accuracy"] as? Double)
    }

    /// A file that is not an image, a truncated PNG, options that do not fit the model: one line each.
    @Test func badImagesAndOptionsAreOneLine() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let model = Fixtures.path("digits/digits_cnn.onnx"), output = directory.appendingPathComponent("out.edgem").path
        let folder = directory.appendingPathComponent("calib")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let good = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images/digits/0/001.png")))
        try good.write(to: folder.appendingPathComponent("a.png"))
        try good.prefix(good.count / 2).write(to: folder.appendingPathComponent("b.png"))
        try Data("not an image".utf8).write(to: folder.appendingPathComponent("c.jpg"))
        let truncated = try EdgecBinary.run(["quantize", model, "--calib-images", folder.path, "-o", output])
        #expect(truncated.status == 1)
        #expect(truncated.standardError.hasPrefix("edgec: error: '\(folder.appendingPathComponent("b.png").path)' is not a PNG image libpng can decode: "), "\(truncated.standardError)")
        #expect(truncated.standardError.split(separator: "\n").count == 1)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("b.png"))
        let text = try EdgecBinary.run(["quantize", model, "--calib-images", folder.path, "-o", output])
        #expect(text.standardError == "edgec: error: '\(folder.appendingPathComponent("c.jpg").path)' is not a PNG or JPEG image (its first bytes are neither signature)\n")
        let cases: [([String], String)] = [
            (["--calib-images", folder.path, "--color", "rgb"], "edgec: error: --color rgb gives 3 channels, input 'input' takes 1 (nchw [1, 1, 8, 8])\n"),
            (["--calib-images", folder.path, "--size", "16,16"], "edgec: error: --size 16,16 differs from input 'input', which takes 8×8 (nchw [1, 1, 8, 8]); bind another size with --input-shape\n"),
            (["--calib-images", folder.path, "--mean", "1,2"], "edgec: error: --mean takes one number for a 1-channel input; got '1,2'\n"),
            (["--calib-images", directory.appendingPathComponent("missing").path], "edgec: error: image folder '\(directory.appendingPathComponent("missing").path)' does not exist\n"),
            (["--calib", Fixtures.path("images/digits.npz"), "--std", "16"], "edgec: error: --size, --mean, --std, --color and --layout describe --calib-images: add --calib-images DIR\n"),
        ]
        for (arguments, message) in cases {
            let result = try EdgecBinary.run(["quantize", model] + arguments + ["-o", output])
            #expect(result.status == 1)
            #expect(result.standardError == message)
        }
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
