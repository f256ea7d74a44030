import CFuzzer
import EdgeFormat
import Foundation

/// libFuzzer target: the Swift .edgem reader behind `edgec inspect model.edgem`. As in the C
/// loader's target, the file size field and every CRC-32 are first made to agree with the mutated
/// bytes, so that mutations reach the parsing behind the checksums.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEdgem(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    var file = [UInt8](UnsafeBufferPointer(start: bytes, count: count))
    fixUp(&file)
    _ = try? EdgemFile(data: Data(file), source: "fuzz.edgem")
    return 0
}

private func fixUp(_ file: inout [UInt8]) {
    func get(_ offset: Int, _ width: Int) -> UInt64 { (0..<width).reduce(0) { $0 | UInt64(file[offset + $1]) << (8 * UInt64($1)) } }
    func put(_ offset: Int, _ width: Int, _ value: UInt64) { for i in 0..<width { file[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) } }
    guard file.count >= 64 else { return }
    put(16, 8, UInt64(file.count))
    let sections = Int(get(24, 4))
    guard sections <= 64, 64 + 40 * sections <= file.count else { return }
    for index in 0..<sections {
        let entry = 64 + 40 * index
        let offset = get(entry + 8, 8), stored = get(entry + 24, 8)
        if offset <= UInt64(file.count), stored <= UInt64(file.count) - offset {
            put(entry + 36, 4, UInt64(CRC32.checksum(file[Int(offset)..<Int(offset + stored)])))
        }
    }
    put(36, 4, 0)
    put(36, 4, UInt64(CRC32.checksum(file[0..<(64 + 40 * sections)])))
}

@main
enum FuzzTarget {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzEdgem))
    }
}
