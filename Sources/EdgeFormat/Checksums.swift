import CZlibHost
import Foundation

/// CRC-32 (reflected polynomial 0xEDB88320): the checksum of `.edgem` headers and sections,
/// computed by zlib on the host (the device runtime has its own small table-driven copy).
public enum CRC32 {
    public static func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in Self.checksum(buffer) }
        return contiguous ?? Array(bytes).withUnsafeBufferPointer { Self.checksum($0) }
    }

    private static func checksum(_ buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc = crc32(0, nil, 0)
        var offset = 0
        // zlib takes a 32-bit length: long buffers go in pieces.
        while offset < buffer.count {
            let length = min(buffer.count - offset, 1 << 30)
            crc = crc32(crc, buffer.baseAddress! + offset, uInt(length))
            offset += length
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
