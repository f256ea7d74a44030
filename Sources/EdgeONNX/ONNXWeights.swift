import EdgeIR
import Foundation
import SwiftProtobuf

/// The float32 weight tensors of an ONNX file by name, and copies of the file with some of
/// them replaced — for federated averaging, which reads a global model's weights and writes
/// the next one. Exporters store weights as initializers and as `Constant` nodes alike, so
/// both count: an initializer by its name, a Constant node by its output's name.
///
///     let base = try ONNXWeightFile(contentsOf: "global.onnx")
///     let fc = base.weight(named: "fc1.weight")!.tensor                  // float32, shape as stored
///     let next = try base.replacingWeights(["fc1.weight": newValues])    // the model's bytes
///
/// Only FLOAT tensors of the main graph are weights (integer constants are shapes and
/// indices; float16/float64 weights would change type if rewritten). The copy keeps
/// everything else as it was: other tensors, nodes, metadata and fields edgec does not know
/// (swift-protobuf keeps unknown fields); a replaced tensor keeps its name, dims and other
/// fields, its values stored as little-endian `raw_data`.
public struct ONNXWeightFile: Sendable {
    /// Where the exporter put a weight.
    public enum Origin: Sendable, Equatable {
        case initializer
        case constantNode
    }

    public struct Weight: Sendable {
        public var name: String
        public var origin: Origin
        public var tensor: Tensor
    }

    private enum Location {
        case initializer(Int)
        case constantNode(node: Int, attribute: Int)
    }

    private let proto: Onnx_ModelProto
    private let locations: [String: Location]
    private let source: String
    /// The weights in file order: initializers first, then Constant nodes in node order.
    public let weights: [Weight]
    private let indexByName: [String: Int]

    public init(contentsOf path: String) throws {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ONNXError(.unreadable, "cannot read '\(path)': \((error as NSError).localizedDescription)")
        }
        try self.init(data: data, source: path)
    }

    public init(data: Data, source: String) throws {
        guard !data.isEmpty else { throw ONNXError(.unreadable, "'\(source)' is empty") }
        do {
            proto = try Onnx_ModelProto(serializedBytes: data)
        } catch {
            throw ONNXError(.malformed, "'\(source)' is not a valid ONNX model: the protobuf does not decode (\(ONNXModel.describe(error))); the file is truncated or corrupt")
        }
        guard proto.hasGraph else { throw ONNXError(.malformed, "'\(source)' is not an ONNX model: it has no graph") }
        self.source = source
        var weights: [Weight] = []
        var locations: [String: Location] = [:]
        func add(_ tensorProto: Onnx_TensorProto, name: String, origin: Origin, at location: Location) throws {
            guard tensorProto.dataType == 1 else { return }
            guard locations[name] == nil else {
                throw ONNXError(.malformed, "'\(source)': weight '\(name)' is defined twice")
            }
            let context = origin == .initializer ? "initializer" : "Constant node"
            weights.append(Weight(name: name, origin: origin, tensor: try TensorDecoding.decode(tensorProto, context: context)))
            locations[name] = location
        }
        for (index, initializer) in proto.graph.initializer.enumerated() {
            try add(initializer, name: initializer.name, origin: .initializer, at: .initializer(index))
        }
        for (nodeIndex, node) in proto.graph.node.enumerated()
        where node.opType == "Constant" && (node.domain.isEmpty || node.domain == "ai.onnx") && node.output.count == 1 {
            guard let attributeIndex = node.attribute.firstIndex(where: { $0.name == "value" && $0.hasT }) else { continue }
            try add(node.attribute[attributeIndex].t, name: node.output[0], origin: .constantNode,
                    at: .constantNode(node: nodeIndex, attribute: attributeIndex))
        }
        self.weights = weights
        self.locations = locations
        indexByName = Dictionary(uniqueKeysWithValues: weights.enumerated().map { ($1.name, $0) })
    }

    public func weight(named name: String) -> Weight? { indexByName[name].map { weights[$0] } }

    /// The serialized model with weights replaced by tensors that may have new shapes (channel
    /// pruning removes rows and columns) and with the `group` attribute of named Conv nodes set.
    /// When a shape changes, the graph's `value_info` (the exporter's record of intermediate
    /// shapes, now stale) is dropped; readers infer shapes again.
    public func rewriting(weights replacements: [String: Tensor], groups: [String: Int]) throws -> Data {
        var model = proto
        var shapeChanged = false
        for (name, tensor) in replacements.sorted(by: { $0.key < $1.key }) {
            guard let location = locations[name], let weight = weight(named: name), let values = tensor.floats else {
                throw ONNXError(.undefinedValue, "'\(source)' has no float weight '\(name)' to replace")
            }
            shapeChanged = shapeChanged || weight.tensor.shape != tensor.shape
            func rewrite(_ proto: inout Onnx_TensorProto) {
                proto.dims = tensor.shape.map { Int64($0) }
                proto.floatData = []
                proto.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
            }
            switch location {
            case .initializer(let index): rewrite(&model.graph.initializer[index])
            case .constantNode(let node, let attribute): rewrite(&model.graph.node[node].attribute[attribute].t)
            }
        }
        for (nodeName, group) in groups {
            guard let index = model.graph.node.firstIndex(where: { $0.name == nodeName }) else {
                throw ONNXError(.undefinedValue, "'\(source)' has no node '\(nodeName)'")
            }
            var attribute = Onnx_AttributeProto()
            attribute.name = "group"
            attribute.type = .int
            attribute.i = Int64(group)
            model.graph.node[index].attribute.removeAll { $0.name == "group" }
            model.graph.node[index].attribute.append(attribute)
        }
        if shapeChanged { model.graph.valueInfo = [] }
        do {
            return try model.serializedBytes()
        } catch {
            throw ONNXError(.malformed, "cannot serialize the model from '\(source)': \(error)")
        }
    }

    /// The serialized model with the named weights' values replaced (each array holds exactly
    /// the weight's element count, row-major); every other byte of meaning is kept.
    public func replacingWeights(_ replacements: [String: [Float]]) throws -> Data {
        var model = proto
        for (name, values) in replacements.sorted(by: { $0.key < $1.key }) {
            guard let location = locations[name], let weight = weight(named: name) else {
                throw ONNXError(.undefinedValue, "'\(source)' has no float weight '\(name)' to replace")
            }
            guard values.count == weight.tensor.elementCount else {
                throw ONNXError(.invalidTensor, "weight '\(name)' of '\(source)' holds \(weight.tensor.elementCount) values, the replacement \(values.count)")
            }
            func rewrite(_ tensor: inout Onnx_TensorProto) {
                tensor.floatData = []
                tensor.rawData = values.withUnsafeBufferPointer { Data(buffer: $0) }
            }
            switch location {
            case .initializer(let index): rewrite(&model.graph.initializer[index])
            case .constantNode(let node, let attribute): rewrite(&model.graph.node[node].attribute[attribute].t)
            }
        }
        do {
            return try model.serializedBytes()
        } catch {
            throw ONNXError(.malformed, "cannot serialize the model from '\(source)': \(error)")
        }
    }
}
