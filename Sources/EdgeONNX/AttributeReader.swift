import EdgeIR
import Foundation

/// Typed access to a node's attributes with ONNX defaults.
struct AttributeReader {
    let attributes: [String: Onnx_AttributeProto]
    let context: String

    init(_ node: Onnx_NodeProto, context: String) {
        var map: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { map[attribute.name] = attribute }
        attributes = map
        self.context = context
    }

    func has(_ name: String) -> Bool { attributes[name] != nil }

    func int(_ name: String, _ fallback: Int) -> Int {
        guard let a = attributes[name] else { return fallback }
        return Int(clamping: a.i)
    }

    func float(_ name: String, _ fallback: Float) -> Float {
        guard let a = attributes[name] else { return fallback }
        return a.f
    }

    func ints(_ name: String) -> [Int]? {
        guard let a = attributes[name] else { return nil }
        return a.ints.map { Int(clamping: $0) }
    }

    func int64s(_ name: String) -> [Int64]? { attributes[name]?.ints }

    func floats(_ name: String) -> [Float]? { attributes[name]?.floats }

    func string(_ name: String, _ fallback: String) -> String {
        guard let a = attributes[name] else { return fallback }
        return String(decoding: a.s, as: UTF8.self)
    }

    func strings(_ name: String) -> [String]? { attributes[name]?.strings.map { String(decoding: $0, as: UTF8.self) } }

    func tensor(_ name: String) throws -> Tensor? {
        guard let a = attributes[name], a.hasT else { return nil }
        return try TensorDecoding.decode(a.t, context: "attribute '\(name)' of \(context)")
    }
}
