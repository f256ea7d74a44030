import EdgeIR
import EdgeNumPy
import Foundation

/// Reading `--input` arguments into tensors keyed by model input name.
enum InputFiles {
    static func read(_ arguments: [String], names inputNames: [String]) throws -> [String: Tensor] {
        var feeds: [String: Tensor] = [:]
        for argument in arguments {
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 && !FileManager.default.fileExists(atPath: argument) {
                feeds[parts[0]] = try single(NumPyFiles.read(parts[1]), path: parts[1])
            } else if argument.hasSuffix(".npz") {
                for (key, tensor) in try NumPyFiles.read(argument) where inputNames.contains(key) { feeds[key] = tensor }
            } else {
                guard inputNames.count == 1 else {
                    throw UserFacingError("--input '\(argument)': the model has \(inputNames.count) inputs (\(inputNames.joined(separator: ", "))); write name=file.npy")
                }
                feeds[inputNames[0]] = try single(NumPyFiles.read(argument), path: argument)
            }
        }
        for name in inputNames where feeds[name] == nil {
            throw UserFacingError("no data for input '\(name)': pass --input \(name)=file.npy (or a .npz with an array named '\(name)')")
        }
        for name in feeds.keys where !inputNames.contains(name) {
            throw UserFacingError("--input names '\(name)', but the model's inputs are: \(inputNames.joined(separator: ", "))")
        }
        return feeds
    }

    private static func single(_ arrays: [String: Tensor], path: String) throws -> Tensor {
        guard arrays.count == 1, let tensor = arrays.values.first else {
            throw UserFacingError("'\(path)' holds \(arrays.count) arrays; name one input per .npy file")
        }
        return tensor
    }
}

/// Writing outputs and describing them in one line each.
enum OutputFiles {
    static func write(_ outputs: [String: Tensor], order: [String], to path: String) throws {
        if path.hasSuffix(".npy") {
            guard order.count == 1 else {
                throw UserFacingError("-o '\(path)': the model has \(order.count) outputs; write a .npz")
            }
            try NumPyFiles.writeArray(outputs[order[0]]!, to: path)
        } else {
            try NumPyFiles.writeArchive(outputs, to: path)
        }
    }

    static func summary(name: String, tensor: Tensor) -> String {
        let values = tensor.storage.doubles
        var text = "\(name)  \(tensor.type)"
        if let low = values.min(), let high = values.max() {
            text += String(format: "  min %.4g  max %.4g", low, high)
            if tensor.dtype == .float32, let arg = values.indices.max(by: { values[$0] < values[$1] }) {
                text += "  argmax \(arg)"
            }
        }
        return text
    }
}
