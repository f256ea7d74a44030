import CFuzzer
import EdgeNumPy
import Foundation

/// libFuzzer target: the .npy header parser and the .npz reader (our own ZIP reader and its
/// bounded inflate). Each input is read as a .npy or .npz file's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    _ = try? NumPyFiles.decode(Data(bytes: bytes, count: count), source: "fuzz.npz")
    return 0
}

@main
enum FuzzTarget {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzNumPy))
    }
}
