import EdgeCompress
import EdgeDevice
import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// The four training verbs end to end on the digits CNN, as a user runs them; small and fast
/// (one or two epochs on a subset). The figures of longer runs are in `.ci/benchmark-training`.
@Suite("Training: train, quantize --train, distill, prune --train")
struct TrainingTests {
    static let digits = Fixtures.path("digits/digits_cnn_dynamic.onnx")
    static let train = Fixtures.path("digits/digits_train.npz")
    static let test = Fixtures.path("digits/digits_test.npz")
    static let calib = Fixtures.path("digits/digits_calib.npz")
    static let student = Fixtures.path("digits/digits_student.onnx")

    /// The first `count` training samples, as a file a test can pass.
    static func subset(_ count: Int, in directory: URL, name: String = "subset.npz", mutate: (inout [String: Tensor]) -> Void = { _ in }) throws -> String {
        let data = try NumPyFiles.read(train)
        let input = data["input"]!, labels = data["labels"]!
        var arrays = [
            "input": Tensor(shape: [count] + input.shape.dropFirst(), floats: Array(input.floats!.prefix(count * 64))),
            "labels": Tensor(shape: [count], int64s: Array(labels.storage.int64s.prefix(count))),
        ]
        mutate(&arrays)
        let path = directory.appendingPathComponent(name).path
        try NumPyFiles.writeArchive(arrays, to: path)
        return path
    }

    static func accuracy(_ model: String) throws -> Double {
        let result = try EdgecBinary.run(["eval", model, "--data", test, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        return try #require(object?["accuracy"] as? Double)
    }

    @Test("train writes the same ONNX with new weights, the same bytes for the same seed, and onnxruntime runs it")
    func trainReplacesOnlyWeights() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let a = directory.appendingPathComponent("a.onnx").path, b = directory.appendingPathComponent("b.onnx").path
        for path in [a, b] {
            let result = try EdgecBinary.run(["train", Self.digits, "--data", Self.train, "--epochs", "1", "--batch", "64", "--seed", "7",
                                              "--optimizer", "sgd", "--lr", "0.01", "--schedule", "cosine", "-o", path])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardOutput.contains("epoch 1/1"))
        }
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.digits))
        let trained = try Data(contentsOf: URL(fileURLWithPath: a))
        #expect(trained == (try Data(contentsOf: URL(fileURLWithPath: b))), "the same seed must give the same bytes")
        #expect(trained != original)
        // Putting the original weights back gives back the original file: nothing else changed.
        let originals = try ONNXWeightFile(data: original, source: "original").weights
        let restored = try ONNXWeightFile(data: trained, source: "trained").replacingWeights(Dictionary(uniqueKeysWithValues: originals.map { ($0.name, $0.tensor.floats!) }))
        #expect(restored == original)
        #expect(try Self.accuracy(a) >= 0.97)
        // onnxruntime reads the file and agrees with the reference executor.
        let sample = try NumPyFiles.read(Fixtures.path("digits/digits_test.npz"))["input"]!
        let inputs = ["input": Tensor(shape: [4, 1, 8, 8], floats: Array(sample.floats!.prefix(256)))]
        let expected = try OnnxRuntimeReference.run(model: URL(fileURLWithPath: a), inputs: inputs)
        let (_, outputs) = try Fixtures.run(a, inputs: inputs)
        expectMatches(outputs["logits"], expected["logits"]!, "trained model vs onnxruntime")
    }

    @Test("a model exported with a fixed batch of 1 trains in chunks")
    func fixedBatchTrains() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let data = try Self.subset(128, in: directory)
        let output = directory.appendingPathComponent("tuned.onnx").path
        let result = try EdgecBinary.run(["train", Fixtures.path("digits/digits_cnn.onnx"), "--data", data, "--epochs", "1", "--batch", "16", "--json", "-o", output])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let epochs = try #require(summary?["epochs"] as? [[String: Any]])
        #expect(epochs.count == 1 && (epochs[0]["samples_per_second"] as? Double ?? 0) > 0)
        #expect(try Self.accuracy(output) >= 0.95)
    }

    @Test("fewer samples than a batch train as one batch")
    func smallDataTrains() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let data = try Self.subset(20, in: directory)
        let output = directory.appendingPathComponent("small.onnx").path
        let result = try EdgecBinary.run(["train", Self.digits, "--data", data, "--epochs", "1", "--batch", "32", "-o", output])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test("quantize --train writes an int8 file that loads, as accurate as PTQ's, and exports as QDQ")
    func quantizationAwareTraining() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let ptq = directory.appendingPathComponent("ptq.edgem").path, qat = directory.appendingPathComponent("qat.edgem").path
        let qdq = directory.appendingPathComponent("qat.onnx").path
        #expect(try EdgecBinary.run(["quantize", Self.digits, "--calib", Self.calib, "--no-measure", "-o", ptq]).status == 0)
        let result = try EdgecBinary.run(["quantize", Self.digits, "--calib", Self.calib, "--train", Self.train, "--epochs", "1", "--batch", "64",
                                          "--no-measure", "--export-onnx", qdq, "-o", qat])
        #expect(result.status == 0, "\(result.standardError)")
        _ = try DeviceModel(data: try Data(contentsOf: URL(fileURLWithPath: qat)))
        #expect(try Self.accuracy(qat) >= (try Self.accuracy(ptq)) - 0.005)
        #expect(FileManager.default.fileExists(atPath: qdq))
    }

    @Test("distill trains the student on the teacher's outputs")
    func distillation() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let output = directory.appendingPathComponent("student.onnx").path
        let result = try EdgecBinary.run(["distill", "--teacher", Self.digits, "--student", Self.student, "--data", Self.train, "--val", Self.test,
                                          "--epochs", "3", "--json", "-o", output])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        let epochs = try #require(summary?["epochs"] as? [[String: Any]])
        let losses = epochs.compactMap { $0["loss"] as? Double }
        #expect(losses.count == 3 && losses[2] < losses[0])
        #expect(try Self.accuracy(output) >= 0.7)
    }

    @Test("prune --train reaches the sparsity with fine-tuning; 2:4 keeps two of every four")
    func gradualPruning() throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let element = directory.appendingPathComponent("element.onnx").path, pattern = directory.appendingPathComponent("24.onnx").path
        var result = try EdgecBinary.run(["prune", Self.digits, "--sparsity", "0.8", "--train", Self.train, "--epochs", "2", "--batch", "64", "-o", element])
        #expect(result.status == 0, "\(result.standardError)")
        let weights = try ONNXWeightFile(contentsOf: element)
        let fc1 = try #require(weights.weight(named: "fc1.weight")?.tensor.floats)
        let zeros = Double(fc1.filter { $0 == 0 }.count) / Double(fc1.count)
        #expect(abs(zeros - 0.8) < 0.01, "fc1 sparsity \(zeros)")
        #expect(try Self.accuracy(element) >= 0.95)
        result = try EdgecBinary.run(["prune", Self.digits, "--sparsity", "0.5", "--granularity", "2:4", "--train", Self.train, "--epochs", "1", "--batch", "64", "-o", pattern])
        #expect(result.status == 0, "\(result.standardError)")
        let conv = try #require(try ONNXWeightFile(contentsOf: pattern).weight(named: "conv3.weight")?.tensor)
        let row = conv.elementCount / conv.shape[0]
        let values = conv.floats!
        for r in 0..<conv.shape[0] {
            for start in stride(from: 0, to: row - 3, by: 4) {
                #expect(values[(r * row + start)..<(r * row + start + 4)].filter { $0 == 0 }.count >= 2)
            }
        }
    }

    /// Bad input: one line naming what is wrong, a non-zero exit, no output file.
    @Test(arguments: ["wrong name", "wrong shape", "labels out of range", "targets shape", "epochs 0", "teacher mismatch", "no weights", "diverges", "no labels",
                      "unknown freeze", "unknown loss", "temperature", "teacher inputs"])
    func badInputIsRefused(_ kind: String) throws {
        let directory = try EdgecBinary.temporaryDirectory()
        let output = directory.appendingPathComponent("out.onnx").path
        var arguments: [String]
        var expected: String
        switch kind {
        case "wrong name":
            let data = try Self.subset(32, in: directory) { $0["image"] = $0.removeValue(forKey: "input") }
            arguments = ["train", Self.digits, "--data", data]
            expected = "no array for input 'input'"
        case "wrong shape":
            let data = try Self.subset(32, in: directory) { $0["input"] = Tensor(shape: [32, 1, 8, 4], floats: Array($0["input"]!.floats!.prefix(32 * 32))) }
            arguments = ["train", Self.digits, "--data", data]
            expected = "has shape [32, 1, 8, 4]"
        case "labels out of range":
            let data = try Self.subset(32, in: directory) { $0["labels"] = Tensor(shape: [32], int64s: Array(repeating: 12, count: 32)) }
            arguments = ["train", Self.digits, "--data", data]
            expected = "label 12 of sample 0 is out of range for the model's 10 classes"
        case "targets shape":
            let data = try Self.subset(32, in: directory) { $0["labels"] = nil; $0["targets"] = Tensor(shape: [32, 3], floats: Array(repeating: 0, count: 96)) }
            arguments = ["train", Self.digits, "--data", data, "--loss", "mse"]
            expected = "'targets' has shape [32, 3]"
        case "epochs 0":
            arguments = ["train", Self.digits, "--data", Self.train, "--epochs", "0"]
            expected = "--epochs must be at least 1"
        case "teacher mismatch":
            arguments = ["distill", "--teacher", Self.digits, "--student", Fixtures.path("bad/student_5_classes.onnx"), "--data", Self.train]
            expected = "the teacher's output has shape [10] per sample, the student's [5]"
        case "no weights":
            arguments = ["train", Fixtures.path("ops/relu.onnx"), "--data", try Self.subset(32, in: directory)]
            expected = "no trainable weights"
        case "diverges":
            arguments = ["train", Self.digits, "--data", try Self.subset(64, in: directory), "--optimizer", "sgd", "--lr", "1e30", "--epochs", "2"]
            expected = "the loss became"
        case "unknown freeze":
            arguments = ["train", Self.digits, "--data", Self.train, "--freeze", "/conv9/Conv"]
            expected = "--freeze names '/conv9/Conv', which is no node of the model"
        case "unknown loss":
            arguments = ["train", Self.digits, "--data", Self.train, "--loss", "hinge"]
            expected = "--loss takes cross-entropy or mse, not 'hinge'"
        case "temperature":
            arguments = ["distill", "--teacher", Self.digits, "--student", Self.student, "--data", Self.train, "--temperature", "0"]
            expected = "--temperature must be positive"
        case "teacher inputs":
            arguments = ["distill", "--teacher", Fixtures.path("ops/relu.onnx"), "--student", Self.student, "--data", Self.train]
            expected = "the teacher's inputs (x) and the student's (input) differ"
        default:
            let data = try Self.subset(32, in: directory) { $0["labels"] = nil }
            arguments = ["train", Self.digits, "--data", data]
            expected = "has no 'labels' array"
        }
        let result = try EdgecBinary.run(arguments + ["-o", output])
        #expect(result.status != 0 && result.status < 128, "\(kind): status \(result.status)")
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1 && result.standardError.contains(expected), "\(kind): \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: output), "\(kind): an output was written")
    }
}
