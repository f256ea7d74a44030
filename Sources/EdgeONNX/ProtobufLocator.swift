/// Where an ONNX file's protobuf stops decoding. SwiftProtobuf says only "truncated" or
/// "malformed"; this walks the wire format itself — keys, varints, lengths — descending into the
/// messages of the ModelProto that hold the graph, and names the first field that is broken by its
/// path and byte offset ("byte 1234, in graph.node[3].attribute[0]: field 5 claims 200 bytes, 12
/// remain"). Nil when the wire structure is sound (the problem is then inside a value, such as
/// invalid UTF-8, and SwiftProtobuf's own words are used).
enum ProtobufLocator {
    /// The messages whose fields are followed, and the names of their length-delimited fields.
    private enum Message {
        case model, graph, node, attribute, valueInfo, type, tensorType, shape, other

        func child(_ field: UInt64) -> (name: String, message: Message)? {
            switch (self, field) {
            case (.model, 7): return ("graph", .graph)
            case (.model, 8): return ("opset_import", .other)
            case (.graph, 1): return ("node", .node)
            case (.graph, 5): return ("initializer", .other)
            case (.graph, 11): return ("input", .valueInfo)
            case (.graph, 12): return ("output", .valueInfo)
            case (.graph, 13): return ("value_info", .valueInfo)
            case (.node, 5): return ("attribute", .attribute)
            case (.attribute, 5): return ("t", .other)
            case (.attribute, 6): return ("g", .graph)
            case (.attribute, 10): return ("tensors", .other)
            case (.attribute, 11): return ("graphs", .graph)
            case (.valueInfo, 2): return ("type", .type)
            case (.type, 1): return ("tensor_type", .tensorType)
            case (.tensorType, 2): return ("shape", .shape)
            case (.shape, 1): return ("dim", .other)
            default: return nil
            }
        }
    }

    static func locate(_ bytes: [UInt8]) -> String? {
        walk(bytes, 0..<bytes.count, .model, path: "", depth: 0)
    }

    private static func walk(_ bytes: [UInt8], _ range: Range<Int>, _ message: Message, path: String, depth: Int) -> String? {
        let place = path.isEmpty ? "the ModelProto" : path
        guard depth < 64 else { return "byte \(range.lowerBound), in \(place): nesting deeper than 64 messages" }
        var i = range.lowerBound
        var counts: [UInt64: Int] = [:]
        while i < range.upperBound {
            let start = i
            guard let key = varint(bytes, &i, range.upperBound) else { return "byte \(start), in \(place): a field key runs past the end" }
            let field = key >> 3, wire = key & 7
            guard field > 0 else { return "byte \(start), in \(place): field number 0" }
            switch wire {
            case 0:
                guard varint(bytes, &i, range.upperBound) != nil else { return "byte \(start), in \(place): the varint of field \(field) runs past the end" }
            case 1, 5:
                let width = wire == 1 ? 8 : 4
                guard range.upperBound - i >= width else { return "byte \(start), in \(place): field \(field) needs \(width) bytes, \(range.upperBound - i) remain" }
                i += width
            case 2:
                guard let length = varint(bytes, &i, range.upperBound) else { return "byte \(start), in \(place): the length of field \(field) runs past the end" }
                let remaining = range.upperBound - i
                guard length <= UInt64(remaining) else {
                    // A file cut short breaks every enclosing length; what is there of this message
                    // says where the cut is (graph.initializer[9] rather than the graph).
                    if let child = message.child(field), child.message != .other {
                        let index = counts[field, default: 0]
                        let childPath = (path.isEmpty ? "" : path + ".") + "\(child.name)[\(index)]"
                        if let deeper = walk(bytes, i..<range.upperBound, child.message, path: childPath, depth: depth + 1) { return deeper }
                    }
                    let name = message.child(field).map { "\($0.name) (field \(field))" } ?? "field \(field)"
                    return "byte \(start), in \(place): \(name) claims \(length) bytes, \(remaining) remain"
                }
                let body = i..<(i + Int(length))
                if let child = message.child(field) {
                    let index = counts[field, default: 0]
                    counts[field] = index + 1
                    let childPath = (path.isEmpty ? "" : path + ".") + "\(child.name)[\(index)]"
                    if child.message != .other, let failure = walk(bytes, body, child.message, path: childPath, depth: depth + 1) { return failure }
                }
                i = body.upperBound
            default:
                return "byte \(start), in \(place): field \(field) has wire type \(wire), which ONNX never uses"
            }
        }
        return nil
    }

    /// A base-128 varint of at most 10 bytes, or nil when it runs past `end` or is longer.
    private static func varint(_ bytes: [UInt8], _ i: inout Int, _ end: Int) -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard i < end else { return nil }
            let byte = bytes[i]
            i += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}
