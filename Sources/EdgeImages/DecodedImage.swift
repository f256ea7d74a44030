/// An 8-bit image as decoded, rows top to bottom, channels interleaved: 1 (gray) or 3 (RGB).
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// RGB to one gray channel as PIL's `convert("L")` computes it (ITU-R 601-2 luma in 16-bit
    /// fixed point, rounded), so `--color gray` matches a PIL-made reference to the bit.
    public func gray() -> DecodedImage {
        guard channels == 3 else { return self }
        var out = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { rgb in
            for i in 0..<out.count {
                let luma = UInt32(rgb[3 * i]) * 19595 + UInt32(rgb[3 * i + 1]) * 38470 + UInt32(rgb[3 * i + 2]) * 7471 + 0x8000
                out[i] = UInt8(luma >> 16)
            }
        }
        return DecodedImage(width: width, height: height, channels: 1, pixels: out)
    }

    /// One gray channel repeated three times (PIL's `convert("RGB")` of an "L" image).
    public func rgb() -> DecodedImage {
        guard channels == 1 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<pixels.count {
            out[3 * i] = pixels[i]
            out[3 * i + 1] = pixels[i]
            out[3 * i + 2] = pixels[i]
        }
        return DecodedImage(width: width, height: height, channels: 3, pixels: out)
    }

    /// RGB with red and blue swapped.
    public func bgr() -> DecodedImage {
        let rgb = self.rgb()
        var out = rgb.pixels
        for i in stride(from: 0, to: out.count, by: 3) { out.swapAt(i, i + 2) }
        return DecodedImage(width: width, height: height, channels: 3, pixels: out)
    }
}
