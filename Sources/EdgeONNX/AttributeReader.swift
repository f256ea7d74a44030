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

    /// Integer attributes whose values the operator clamps itself (Slice-1's starts and ends,
    /// Shape's start and end) or keeps as data (a Constant's value_int); any other integer
    /// attribute is a count, axis or window size and must fit the 32-bit fields of `.edgem`.
    static let unboundedIntegers: Set<String> = ["starts", "ends", "start", "end", "value_int", "value_ints"]

    /// Refuses an integer attribute beyond 32 bits (a group, stride, dilation or pad of 2^62) in
    /// one line, before any shape rule multiplies it: one bound at the door for every operator.
    static func checkIntegerRanges(_ node: Onnx_NodeProto, context: String) throws {
        for attribute in node.attribute where !unboundedIntegers.contains(attribute.name) {
            let values = attribute.ints + (attribute.type == .int || attribute.i != 0 ? [attribute.i] : [])
            if let wide = values.first(where: { Int32(exactly: $0) == nil }) {
                throw ONNXError(.malformed, "\(context): attribute '\(attribute.name)' holds \(wide), beyond the 32-bit range edgec accepts for counts, axes and window sizes")
            }
        }
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

    func graph(_ name: String) -> Onnx_GraphProto? {
        guard let a = attributes[name], a.hasG else { return nil }
        return a.g
    }

    func tensor(_ name: String) throws -> Tensor? {
        guard let a = attributes[name], a.hasT else { return nil }
        return try TensorDecoding.decode(a.t, context: "attribute '\(name)' of \(context)")
    }
}
