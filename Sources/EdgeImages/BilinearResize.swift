/// Bilinear resizing as PIL's `Image.resize(size, Image.BILINEAR)` does it (and so torchvision's
/// `Resize` on PIL images): a triangle filter whose support widens with the scale when shrinking,
/// so a downscaled image is averaged rather than sampled (antialiased); two separable passes,
/// horizontal first, each rounded back to 8 bits with PIL's 22-bit fixed-point weights. It
/// follows Pillow's Resample.c step by step, so results match PIL's to the bit.
public enum BilinearResize {
    private static let precisionBits = 32 - 8 - 2

    public static func resize(_ image: DecodedImage, width: Int, height: Int) -> DecodedImage {
        if image.width == width, image.height == height { return image }
        let horizontal = coefficients(inSize: image.width, outSize: width)
        let vertical = coefficients(inSize: image.height, outSize: height)
        var current = image
        if image.width != width {
            // Only the rows the vertical pass reads are resized horizontally (as PIL does).
            let first = vertical.bounds[0].start
            let last = vertical.bounds[height - 1].start + vertical.bounds[height - 1].count
            current = horizontalPass(image, rows: first..<last, horizontal)
            let shifted = Coefficients(bounds: vertical.bounds.map { (start: $0.start - first, count: $0.count) }, weights: vertical.weights, size: vertical.size)
            return image.height == height ? current : verticalPass(current, shifted)
        }
        return verticalPass(current, vertical)
    }

    struct Coefficients {
        var bounds: [(start: Int, count: Int)]
        var weights: [Int32]
        var size: Int
    }

    /// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1).
    static func coefficients(inSize: Int, outSize: Int) -> Coefficients {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = 1.0 * filterScale
        let size = Int(support.rounded(.up)) * 2 + 1
        var bounds: [(start: Int, count: Int)] = []
        var weights = [Int32](repeating: 0, count: outSize * size)
        for out in 0..<outSize {
            let center = (Double(out) + 0.5) * scale
            let inverse = 1.0 / filterScale
            let start = max(Int(center - support + 0.5), 0)
            let end = min(Int(center + support + 0.5), inSize)
            var kernel = [Double](repeating: 0, count: end - start)
            var total = 0.0
            for x in 0..<(end - start) {
                let t = abs((Double(x + start) - center + 0.5) * inverse)
                let w = t < 1 ? 1 - t : 0
                kernel[x] = w
                total += w
            }
            for x in 0..<kernel.count {
                let w = total != 0 ? kernel[x] / total : kernel[x]
                let scaled = w * Double(1 << precisionBits)
                weights[out * size + x] = Int32(w < 0 ? -0.5 + scaled : 0.5 + scaled)
            }
            bounds.append((start, end - start))
        }
        return Coefficients(bounds: bounds, weights: weights, size: size)
    }

    private static func clip8(_ value: Int64) -> UInt8 {
        if value >= Int64(1) << (precisionBits + 8) { return 255 }
        if value <= 0 { return 0 }
        return UInt8(value >> precisionBits)
    }

    static func horizontalPass(_ image: DecodedImage, rows: Range<Int>, _ k: Coefficients) -> DecodedImage {
        let channels = image.channels, outWidth = k.bounds.count
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * channels)
        for (y, row) in rows.enumerated() {
            for x in 0..<outWidth {
                let (start, count) = k.bounds[x]
                for c in 0..<channels {
                    var sum = Int64(1) << (precisionBits - 1)
                    for i in 0..<count {
                        sum += Int64(image.pixels[(row * image.width + start + i) * channels + c]) * Int64(k.weights[x * k.size + i])
                    }
                    out[(y * outWidth + x) * channels + c] = clip8(sum)
                }
            }
        }
        return DecodedImage(width: outWidth, height: rows.count, channels: channels, pixels: out)
    }

    static func verticalPass(_ image: DecodedImage, _ k: Coefficients) -> DecodedImage {
        let channels = image.channels, outHeight = k.bounds.count
        var out = [UInt8](repeating: 0, count: outHeight * image.width * channels)
        for y in 0..<outHeight {
            let (start, count) = k.bounds[y]
            for x in 0..<image.width {
                for c in 0..<channels {
                    var sum = Int64(1) << (precisionBits - 1)
                    for i in 0..<count {
                        sum += Int64(image.pixels[((start + i) * image.width + x) * channels + c]) * Int64(k.weights[y * k.size + i])
                    }
                    out[(y * image.width + x) * channels + c] = clip8(sum)
                }
            }
        }
        return DecodedImage(width: image.width, height: outHeight, channels: channels, pixels: out)
    }
}
