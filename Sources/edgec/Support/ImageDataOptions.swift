import ArgumentParser
import EdgeIR
import EdgeImages
import Foundation

/// How a folder of images (`quantize --calib-images`, `eval --data-images`) becomes model input.
struct ImageDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Resize every image to H×W pixels (bilinear with antialiasing, as PIL's Image.resize and torchvision's Resize on PIL images), e.g. 224,224 or 224; default: the model input's size.", valueName: "H,W"))
    var size: String?

    @Option(help: ArgumentHelp("Subtracted from each channel, in pixel units 0–255 (one value, or one per channel in the model's channel order), e.g. 123.675,116.28,103.53; default 0.", valueName: "m[,m,m]"))
    var mean: String?

    @Option(help: ArgumentHelp("Each channel is then divided by this, in pixel units 0–255, e.g. 58.395,57.12,57.375; default 255 (values in [0, 1], as torchvision's ToTensor).", valueName: "s[,s,s]"))
    var std: String?

    @Option(help: ArgumentHelp("Channels the model takes: gray, rgb or bgr; default: gray for a 1-channel input, rgb for 3 channels.", valueName: "color"))
    var color: String?

    @Option(help: ArgumentHelp("The input's layout: nchw (default) or nhwc.", valueName: "layout"))
    var layout: String = "nchw"

    /// Whether any image option was given (they are refused without an image folder).
    var given: Bool { size != nil || mean != nil || std != nil || color != nil || layout != "nchw" }

    /// The folder's images (and labels, with class sub-folders) as arrays keyed like a `.npz`.
    func arrays(folder: String, option: String, inputs: [(name: String, type: TensorType)]) throws -> (arrays: [String: Tensor], folder: ImageFolder) {
        guard inputs.count == 1, let input = inputs.first else {
            throw UserFacingError("\(option) needs a model with one input; this one has \(inputs.count) (\(inputs.map(\.name).joined(separator: ", ")))")
        }
        let preprocessing = try self.preprocessing(for: input, option: option)
        let dataset = try ImageFolder(folder)
        let (images, labels) = try dataset.load(preprocessing)
        var arrays = [input.name: images]
        if let labels { arrays["labels"] = labels }
        return (arrays, dataset)
    }

    func preprocessing(for input: (name: String, type: TensorType), option: String) throws -> ImagePreprocessing {
        guard let layout = ImagePreprocessing.Layout(rawValue: layout) else { throw UserFacingError("--layout takes nchw or nhwc, not '\(self.layout)'") }
        let shape = input.type.shape
        guard shape.count == 4, input.type.dtype == .float32 else {
            throw UserFacingError("\(option) needs a float image input of rank 4 (\(layout == .nchw ? "[N, C, H, W]" : "[N, H, W, C]")); input '\(input.name)' is \(input.type.dtype) \(shape)")
        }
        let (modelChannels, modelHeight, modelWidth) = layout == .nchw ? (shape[1], shape[2], shape[3]) : (shape[3], shape[1], shape[2])
        let chosen: ImagePreprocessing.Color
        if let color {
            guard let parsed = ImagePreprocessing.Color(rawValue: color) else { throw UserFacingError("--color takes gray, rgb or bgr, not '\(color)'") }
            chosen = parsed
        } else {
            guard modelChannels == 1 || modelChannels == 3 else {
                throw UserFacingError("input '\(input.name)' has \(modelChannels) channels in \(layout.rawValue) \(shape); images give 1 or 3 (is it --layout \(layout == .nchw ? "nhwc" : "nchw")?)")
            }
            chosen = modelChannels == 1 ? .gray : .rgb
        }
        guard chosen.channels == modelChannels else {
            throw UserFacingError("--color \(chosen.rawValue) gives \(chosen.channels) channel\(chosen.channels == 1 ? "" : "s"), input '\(input.name)' takes \(modelChannels) (\(layout.rawValue) \(shape))")
        }
        var height = modelHeight, width = modelWidth
        if let size {
            let parts = size.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (parts.count == 1 || parts.count == 2), parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw UserFacingError("--size takes H,W or one number for a square, e.g. 224,224; got '\(size)'")
            }
            (height, width) = (parts[0]!, parts.last!!)
            guard height == modelHeight, width == modelWidth else {
                throw UserFacingError("--size \(height),\(width) differs from input '\(input.name)', which takes \(modelHeight)×\(modelWidth) (\(layout.rawValue) \(shape)); bind another size with --input-shape")
            }
        }
        let means = try Self.perChannel(mean, option: "--mean", channels: chosen.channels, default: 0)
        let stds = try Self.perChannel(std, option: "--std", channels: chosen.channels, default: 255)
        guard stds.allSatisfy({ $0 != 0 }) else { throw UserFacingError("--std must not be 0") }
        return ImagePreprocessing(height: height, width: width, color: chosen, layout: layout, mean: means, std: stds)
    }

    static func perChannel(_ text: String?, option: String, channels: Int, default value: Float) throws -> [Float] {
        guard let text else { return [value] }
        let values = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard values.allSatisfy({ $0 != nil && $0!.isFinite }), values.count == 1 || values.count == channels else {
            throw UserFacingError(channels == 1 ? "\(option) takes one number for a 1-channel input; got '\(text)'"
                                                : "\(option) takes one number or \(channels) (one per channel), comma-separated; got '\(text)'")
        }
        return values.map { $0! }
    }
}
