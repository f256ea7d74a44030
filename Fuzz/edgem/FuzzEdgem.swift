import EdgeFormat
import Foundation

/// libFuzzer target: the Swift .edgem reader behind `edgec inspect model.edgem`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEdgem(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? EdgemFile(data: Data(bytes: bytes, count: count), source: "fuzz.edgem")
    return 0
}
