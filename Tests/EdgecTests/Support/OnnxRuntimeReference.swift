import EdgeIR
import EdgeNumPy
import Foundation

/// onnxruntime, run as an independent reference on files edgec writes: Tests/Fixtures/run_onnxruntime.py
/// in the Python environment `.ci/python-env` makes (its interpreter in EDGEC_PYTHON; `.ci/test` sets it).
enum OnnxRuntimeReference {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static var python: String? { ProcessInfo.processInfo.environment["EDGEC_PYTHON"] }

    /// The outputs onnxruntime gives for `model` on `inputs` (samples along a leading batch run one by one).
    static func run(model: URL, inputs: [String: Tensor]) throws -> [String: Tensor] {
        guard let python else {
            throw Unavailable(description: "EDGEC_PYTHON is not set: run the tests with `bash .ci/test`, or export EDGEC_PYTHON=$(bash .ci/python-env)")
        }
        let directory = model.deletingLastPathComponent()
        let inputPath = directory.appendingPathComponent("onnxruntime-inputs.npz").path
        let outputPath = directory.appendingPathComponent("onnxruntime-outputs.npz").path
        try NumPyFiles.writeArchive(inputs, to: inputPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Fixtures.path("run_onnxruntime.py"), model.path, inputPath, outputPath]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Unavailable(description: "onnxruntime failed on \(model.lastPathComponent): \(String(decoding: message, as: UTF8.self).suffix(2000))")
        }
        return try NumPyFiles.read(outputPath)
    }
}
