import CFuzzer
import EdgeFormat
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

/// libFuzzer target: the ONNX reader and the analyze pipeline. Each input is decoded as a model;
/// its dynamic dimensions are bound to 1; it is imported, bound, shape-inferred, folded,
/// simplified and written as .edgem. Every rejection must be a thrown error — a trap, an
/// AddressSanitizer report or an allocation past libFuzzer's -rss_limit_mb is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNX(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    guard let model = try? ONNXModel(data: data, source: "fuzz.onnx") else { return 0 }
    var bindings: [String: [Int]] = [:]
    for input in model.graph.inputs {
        bindings[model.graph.name(of: input.value)] = input.declaredShape.map { if case .fixed(let n) = $0 { return n }; return 1 }
    }
    guard let prepared = try? StandardPipeline.deploy(model.graph, inputShapes: bindings) else { return 0 }
    _ = try? EdgemWriter.write(prepared)
    return 0
}

@main
enum FuzzTarget {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzONNX))
    }
}
