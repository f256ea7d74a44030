import CFuzzer
import EdgeFormat
import Foundation

/// libFuzzer target: the Swift .edgem reader behind `edgec inspect model.edgem`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEdgem(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    _ = try? EdgemFile(data: Data(bytes: bytes, count: count), source: "fuzz.edgem")
    return 0
}

@main
enum FuzzTarget {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzEdgem))
    }
}
