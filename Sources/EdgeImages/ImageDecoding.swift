import CPNG
import CTurboJPEG
import Foundation

/// PNG (libpng) and JPEG (libjpeg-turbo) files to 8-bit pixels, gray images kept gray and colour
/// images as RGB; an alpha channel is dropped, as PIL's `convert("RGB")` drops it.
public enum ImageDecoding {
    /// Reads and decodes the image at `path`; any failure is one line naming the file.
    public static func decode(file path: String) throws -> DecodedImage {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ImageError("cannot read image '\(path)': \(error.localizedDescription)")
        }
        return try decode(data, source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> DecodedImage {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try decodePNG(data, source: source) }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return try decodeJPEG(data, source: source) }
        throw ImageError("'\(source)' is not a PNG or JPEG image (\(data.isEmpty ? "the file is empty" : "its first bytes are neither signature"))")
    }

    /// libpng's simplified API: 8-bit files are read as stored (no gamma step); a palette is
    /// expanded; 16-bit files are brought to 8-bit sRGB by libpng.
    static func decodePNG(_ data: Data, source: String) throws -> DecodedImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        func failure() -> ImageError {
            let message = withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            return ImageError("'\(source)' is not a PNG image libpng can decode: \(message)")
        }
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw failure() }
        let color = image.format & PNG_FORMAT_FLAG_COLOR != 0
        let alpha = image.format & PNG_FORMAT_FLAG_ALPHA != 0
        // Alpha is read (not composited onto a background) and then dropped, as PIL does.
        image.format = (color ? PNG_FORMAT_FLAG_COLOR : 0) | (alpha ? PNG_FORMAT_FLAG_ALPHA : 0)
        let stored = (color ? 3 : 1) + (alpha ? 1 : 0)
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 1 << 28 else { throw ImageError("'\(source)': a \(width)x\(height) image is too large to read") }
        var buffer = [UInt8](repeating: 0, count: width * height * stored)
        let finished = buffer.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else { throw failure() }
        let channels = color ? 3 : 1
        if alpha {
            var kept = [UInt8](repeating: 0, count: width * height * channels)
            for pixel in 0..<(width * height) {
                for c in 0..<channels { kept[pixel * channels + c] = buffer[pixel * stored + c] }
            }
            buffer = kept
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: buffer)
    }

    /// TurboJPEG with its default (accurate integer) DCT and fancy upsampling, as PIL's libjpeg
    /// decodes; gray JPEGs stay gray, colour ones become RGB.
    static func decodeJPEG(_ data: Data, source: String) throws -> DecodedImage {
        guard let handle = tjInitDecompress() else { throw ImageError("'\(source)': libjpeg-turbo could not start a decoder") }
        defer { tjDestroy(handle) }
        func failure() -> ImageError {
            ImageError("'\(source)' is not a JPEG image libjpeg-turbo can decode: \(String(cString: tjGetErrorStr2(handle)))")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let header = data.withUnsafeBytes { bytes in
            tjDecompressHeader3(handle, bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0 else { throw failure() }
        guard colorspace != Int32(TJCS_CMYK.rawValue), colorspace != Int32(TJCS_YCCK.rawValue) else {
            throw ImageError("'\(source)' is a CMYK JPEG; convert it to RGB first")
        }
        guard width > 0, height > 0, Int(width) * Int(height) <= 1 << 28 else { throw ImageError("'\(source)': a \(width)x\(height) image is too large to read") }
        let gray = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = gray ? 1 : 3
        var buffer = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let decoded = data.withUnsafeBytes { bytes in
            buffer.withUnsafeMutableBufferPointer { out in
                tjDecompress2(handle, bytes.bindMemory(to: UInt8.self).baseAddress, UInt(bytes.count), out.baseAddress,
                              width, 0, height, Int32(gray ? TJPF_GRAY.rawValue : TJPF_RGB.rawValue), 0)
            }
        }
        // A warning (a truncated file libjpeg-turbo could still fill) is refused too: calibrating
        // on a grey-padded half image would skew the ranges without anyone noticing.
        guard decoded == 0 else { throw failure() }
        return DecodedImage(width: Int(width), height: Int(height), channels: channels, pixels: buffer)
    }
}
