/// Orders ONNX nodes so that every node comes after the producers of its inputs. The ONNX spec
/// requires sorted graphs, but hand-edited and some exported ones are not; a cycle is an error
/// that names the nodes caught in it. An If comes after the producers of what its branches read.
enum TopologicalOrder {
    static func sort(_ nodes: [Onnx_NodeProto], available: Set<String>) throws -> [Onnx_NodeProto] {
        var producer: [String: Int] = [:]
        for (index, node) in nodes.enumerated() {
            for output in node.output where !output.isEmpty {
                if let other = producer[output] {
                    throw ONNXError(.malformed, "value '\(output)' is produced twice: by node '\(displayName(nodes[other], other))' and by node '\(displayName(node, index))'")
                }
                producer[output] = index
            }
        }
        var pending = [Int](repeating: 0, count: nodes.count)
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (index, node) in nodes.enumerated() {
            for input in Set(Subgraphs.reads(node)) where !input.isEmpty && !available.contains(input) {
                if let p = producer[input] {
                    pending[index] += 1
                    readers[p].append(index)
                }
            }
        }
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [Int] = []
        var cursor = 0
        while cursor < ready.count {
            let index = ready[cursor]
            cursor += 1
            order.append(index)
            for reader in readers[index] {
                pending[reader] -= 1
                if pending[reader] == 0 { ready.append(reader) }
            }
        }
        if order.count < nodes.count {
            let stuck = (0..<nodes.count).filter { pending[$0] > 0 }.prefix(6).map { displayName(nodes[$0], $0) }
            throw ONNXError(.cycle, "the graph has a cycle through nodes \(stuck.map { "'\($0)'" }.joined(separator: ", ")): each waits for another's output")
        }
        // Kahn's queue keeps the exporter's order among independent nodes, so printed graphs read naturally.
        return order.sorted().count == order.count && order == order.sorted() ? nodes : order.map { nodes[$0] }
    }

    static func displayName(_ node: Onnx_NodeProto, _ index: Int) -> String {
        node.name.isEmpty ? "\(node.opType)_\(index)" : node.name
    }
}
