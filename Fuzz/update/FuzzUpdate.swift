import CFuzzer
import EdgeFederated
import Foundation

/// The base model of the federated fixtures, which the updates are validated against.
private let base: BaseModel = {
    let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/federated/base.onnx")
    return try! BaseModel(contentsOf: fixtures.path)
}()

/// libFuzzer target: the client-update decoder and validator. Each input is decoded as a
/// ClientUpdate protobuf; one that decodes is given the base model's hash and the round so
/// that validation goes past those two checks to names, shapes, encodings and values.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpdate(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    guard var update = try? ClientUpdate(data: Data(bytes: bytes, count: count)) else { return 0 }
    update.baseModelSHA256 = base.sha256
    update.round = 1
    _ = try? base.validate(update, round: 1, maxExamples: 1_000_000)
    return 0
}

@main
enum FuzzTarget {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzUpdate))
    }
}
