import EdgeIR

/// How decoded images become a model input: resized to `height`×`width` (bilinear, as PIL), put in
/// `color` order, then `(pixel - mean) / std` per channel with pixels in 0–255, laid out `layout`.
public struct ImagePreprocessing: Sendable, Equatable {
    public enum Color: String, Sendable, CaseIterable {
        case gray, rgb, bgr
        public var channels: Int { self == .gray ? 1 : 3 }
    }

    public enum Layout: String, Sendable, CaseIterable {
        case nchw, nhwc
    }

    public var height: Int
    public var width: Int
    public var color: Color
    public var layout: Layout
    /// Per channel in the order the model takes them (after `color`), in pixel units 0–255; one
    /// value applies to every channel.
    public var mean: [Float]
    public var std: [Float]

    public init(height: Int, width: Int, color: Color, layout: Layout, mean: [Float], std: [Float]) {
        self.height = height
        self.width = width
        self.color = color
        self.layout = layout
        self.mean = mean
        self.std = std
    }

    /// The shape of one preprocessed image with batch 1.
    public var sampleShape: [Int] {
        layout == .nchw ? [1, color.channels, height, width] : [1, height, width, color.channels]
    }

    /// One image's float values, `sampleShape` without the batch dimension.
    public func values(of decoded: DecodedImage) -> [Float] {
        let converted: DecodedImage
        switch color {
        case .gray: converted = decoded.gray()
        case .rgb: converted = decoded.rgb()
        case .bgr: converted = decoded.bgr()
        }
        let image = BilinearResize.resize(converted, width: width, height: height)
        let channels = color.channels, plane = height * width
        let means = mean.count == 1 ? Array(repeating: mean[0], count: channels) : mean
        let stds = std.count == 1 ? Array(repeating: std[0], count: channels) : std
        var out = [Float](repeating: 0, count: plane * channels)
        for pixel in 0..<plane {
            for c in 0..<channels {
                let value = (Float(image.pixels[pixel * channels + c]) - means[c]) / stds[c]
                out[layout == .nchw ? c * plane + pixel : pixel * channels + c] = value
            }
        }
        return out
    }
}
