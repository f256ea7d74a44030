import EdgeNumPy
import Foundation

/// libFuzzer target: the .npy header parser and the .npz reader (our own ZIP reader and its
/// bounded inflate). Each input is read as a .npy or .npz file's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    _ = try? NumPyFiles.decode(Data(bytes: bytes, count: count), source: "fuzz.npz")
    return 0
}
