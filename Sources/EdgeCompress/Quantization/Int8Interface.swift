import EdgeIR

/// `--int8-io`: the graph inputs and outputs of a lowered int8 graph become int8 tensors with their
/// own scale and zero point, so a device that has int8 data (a camera, a microphone) skips the
/// float edges. Names stay: the input and output tensors are the ones the model declares.
enum Int8Interface {
    /// `parameters` gives the calibrated parameters of a float value of the original graph.
    static func apply(_ graph: Graph, parameters: (ValueID) throws -> QuantizationParameters) throws -> Graph {
        var graph = graph
        var prologue: [Node] = []
        for input in graph.inputs where graph.type(of: input.value)?.dtype == .float32 {
            let value = input.value
            // The QuantizeLinear nodes of the input disappear; their readers read the input itself.
            let quantizers = graph.nodes.filter { node in
                if case .quantizeLinear = node.operation, node.inputs == [value] { return true }
                return false
            }
            let params = try quantizers.first.flatMap { graph.values[$0.outputs[0]].quantization } ?? parameters(value)
            graph.nodes.removeAll { node in quantizers.contains(node) }
            let readsFloat = graph.nodes.contains { $0.inputs.contains(value) }
            let float = graph.addValue(name: graph.name(of: value) + ".float", type: graph.type(of: value)!)
            graph.values[value].type = TensorType(.int8, graph.type(of: value)!.shape)
            graph.values[value].quantization = params
            let twins = Set(quantizers.map { $0.outputs[0] })
            for index in graph.nodes.indices {
                graph.nodes[index].inputs = graph.nodes[index].inputs.map { input in
                    input.map { id in id == value ? float : twins.contains(id) ? value : id }
                }
            }
            if readsFloat {
                prologue.append(Node(name: graph.name(of: value) + ".dequantize", operation: .dequantizeLinear, inputs: [value], outputs: [float]))
            }
        }
        graph.nodes = prologue + graph.nodes
        let producers = graph.producers()
        for (index, output) in graph.outputs.enumerated() where graph.type(of: output)?.dtype == .float32 && graph.constants[output] == nil {
            let name = graph.name(of: output)
            // An output that is the DequantizeLinear of an int8 value becomes that value itself.
            if let producer = producers[output], case .dequantizeLinear = graph.nodes[producer].operation, let int8 = graph.nodes[producer].input(0),
               graph.constants[int8] == nil, !graph.outputs.contains(int8) {
                graph.values[output].name = name + ".float"
                graph.values[int8].name = name
                graph.outputs[index] = int8
                continue
            }
            let params = try parameters(output)
            graph.values[output].name = name + ".float"
            let id = graph.addValue(name: name, type: TensorType(.int8, graph.type(of: output)!.shape))
            graph.values[id].quantization = params
            graph.nodes.append(Node(name: name + ".quantize", operation: .quantizeLinear, inputs: [output], outputs: [id]))
            graph.outputs[index] = id
        }
        return graph
    }
}
