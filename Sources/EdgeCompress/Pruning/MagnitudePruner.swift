import EdgeIR
import EdgeOperators

/// Options of `edgec prune`.
public struct PruningOptions: Sendable {
    public enum Granularity: String, Sendable {
        case element, channel
        /// Two of every four consecutive weights along a filter's inputs kept: the pattern sparse
        /// tensor cores and N:M kernels run (at most 50%; below it, that share of the groups).
        case twoOfFour = "2:4"
    }
    public enum Scope: String, Sendable { case layer, global }

    /// Fraction of weights (element) or output channels (channel) to remove, in [0, 1).
    public var sparsity: Double
    public var granularity: Granularity
    public var scope: Scope
    /// Node names never pruned.
    public var skip: Set<String>
    /// Also prune the first and the last prunable layer (left alone by default: they are small and sensitive).
    public var includeFirstAndLast: Bool

    public init(sparsity: Double, granularity: Granularity = .element, scope: Scope = .layer, skip: Set<String> = [], includeFirstAndLast: Bool = false) {
        self.sparsity = sparsity
        self.granularity = granularity
        self.scope = scope
        self.skip = skip
        self.includeFirstAndLast = includeFirstAndLast
    }
}

/// The edits pruning makes to a model: new weight tensors by name (possibly smaller, for channel
/// pruning), new `group` values of depthwise convolutions, and a per-layer account.
public struct PruningPlan: Sendable {
    public struct Layer: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var weights: Int
        public var zeros: Int
        public var removedChannels: Int
        public var note: String?
        /// The output channels channel pruning removed, in ascending order.
        public var removedChannelIndices: [Int] = []
    }

    public var tensors: [String: Tensor] = [:]
    public var groups: [String: Int] = [:]
    public var layers: [Layer] = []

    public var totalWeights: Int { layers.reduce(0) { $0 + $1.weights } }
    public var totalZeros: Int { layers.reduce(0) { $0 + $1.zeros } }
}

/// Magnitude pruning of Conv, ConvTranspose, Gemm and MatMul weights. Works on the graph as
/// imported (before BatchNormalization folding), so its edits map one to one onto the ONNX file.
public struct MagnitudePruner {
    public let options: PruningOptions

    public init(options: PruningOptions) throws {
        guard options.sparsity >= 0, options.sparsity < 1 else {
            throw CompressionError("--sparsity must be in [0, 1), got \(options.sparsity)")
        }
        guard options.granularity != .twoOfFour || options.sparsity <= 0.5 else {
            throw CompressionError("2:4 sparsity is at most 0.5 (two of every four weights), got \(options.sparsity)")
        }
        self.options = options
    }

    /// The nodes whose weights may be pruned, in execution order, with their weight value.
    static func prunable(_ graph: Graph) -> [(node: Node, weight: ValueID)] {
        graph.nodes.compactMap { node in
            guard let layout = Operators.definition(of: node.operation).weightLayout(weightRank: 0),
                  let w = node.input(layout.input), graph.constants[w]?.dtype == .float32 else { return nil }
            return (node, w)
        }
    }

    public func plan(_ graph: Graph) throws -> PruningPlan {
        let known = Set(graph.nodes.map(\.name))
        if let missing = options.skip.sorted().first(where: { !known.contains($0) }) {
            throw CompressionError("--skip names '\(missing)', which is no node of the model")
        }
        let candidates = Self.prunable(graph)
        guard !candidates.isEmpty else { throw CompressionError("the model has no Conv, Gemm or MatMul with constant weights to prune") }
        var chosen: [(node: Node, weight: ValueID)] = []
        var plan = PruningPlan()
        for (index, candidate) in candidates.enumerated() {
            let edge = index == 0 || index == candidates.count - 1
            let reason: String? = options.skip.contains(candidate.node.name) ? "skipped (--skip)"
                : (edge && !options.includeFirstAndLast ? "\(index == 0 ? "first" : "last") layer (kept; --include-first-last to prune)" : nil)
            if let reason = reason {
                let t = graph.constants[candidate.weight]!
                plan.layers.append(.init(node: candidate.node.name, kind: candidate.node.operation.kindName, weights: t.elementCount,
                                         zeros: t.floats!.filter { $0 == 0 }.count, removedChannels: 0, note: reason))
            } else {
                chosen.append(candidate)
            }
        }
        switch options.granularity {
        case .element: elementPlan(graph, chosen, into: &plan)
        case .channel: try channelPlan(graph, chosen, into: &plan)
        case .twoOfFour: twoOfFourPlan(graph, chosen, into: &plan)
        }
        return plan
    }

    // MARK: element-wise

    func elementPlan(_ graph: Graph, _ chosen: [(node: Node, weight: ValueID)], into plan: inout PruningPlan) {
        var globalThreshold: Float?
        if options.scope == .global {
            let all = chosen.flatMap { graph.constants[$0.weight]!.floats!.map(abs) }.sorted()
            globalThreshold = Self.threshold(all, sparsity: options.sparsity)
        }
        for (node, weight) in chosen {
            let tensor = graph.constants[weight]!
            var values = tensor.floats!
            let threshold = globalThreshold ?? Self.threshold(values.map(abs).sorted(), sparsity: options.sparsity)
            var zeroed = 0
            for i in values.indices where abs(values[i]) < threshold || values[i] == 0 {
                values[i] = 0
                zeroed += 1
            }
            plan.tensors[graph.name(of: weight)] = Tensor(shape: tensor.shape, floats: values)
            plan.layers.append(.init(node: node.name, kind: node.operation.kindName, weights: values.count, zeros: zeroed, removedChannels: 0, note: nil))
        }
    }

    // MARK: 2:4

    /// Groups of four consecutive weights along each output channel's inputs (rows of a Conv or
    /// transposed Gemm weight, columns of a Gemm/MatMul [K, N] weight); the share `sparsity / 0.5`
    /// of the groups whose two smallest magnitudes are smallest lose those two.
    func twoOfFourPlan(_ graph: Graph, _ chosen: [(node: Node, weight: ValueID)], into plan: inout PruningPlan) {
        for (node, weight) in chosen {
            let tensor = graph.constants[weight]!
            var values = tensor.floats!
            let columnsRun = Self.outputAxis(node, weight: tensor) == 1 && tensor.rank == 2
            let rows = columnsRun ? tensor.shape[1] : tensor.shape[0]
            let length = tensor.elementCount / max(rows, 1)
            // Element index of position `i` along output channel `r`'s inputs.
            let at: (Int, Int) -> Int = columnsRun ? { r, i in i * rows + r } : { r, i in r * length + i }
            var groups: [(cost: Float, indices: [Int])] = []
            for r in 0..<rows {
                for start in stride(from: 0, to: length - 3, by: 4) {
                    let indices = (start..<(start + 4)).map { at(r, $0) }.sorted { abs(values[$0]) < abs(values[$1]) }
                    groups.append((abs(values[indices[0]]) + abs(values[indices[1]]), Array(indices.prefix(2))))
                }
            }
            let count = Int((Double(groups.count) * min(options.sparsity / 0.5, 1)).rounded())
            for group in groups.sorted(by: { $0.cost < $1.cost }).prefix(count) {
                for i in group.indices { values[i] = 0 }
            }
            plan.tensors[graph.name(of: weight)] = Tensor(shape: tensor.shape, floats: values)
            plan.layers.append(.init(node: node.name, kind: node.operation.kindName, weights: values.count,
                                     zeros: values.filter { $0 == 0 }.count, removedChannels: 0, note: nil))
        }
    }

    /// The magnitude below which `sparsity` of the sorted magnitudes fall: just above the last one
    /// the target reaches, so that target is always met (ties with it are zeroed too).
    static func threshold(_ sortedMagnitudes: [Float], sparsity: Double) -> Float {
        let cut = Int((Double(sortedMagnitudes.count) * sparsity).rounded(.down))
        guard cut > 0, !sortedMagnitudes.isEmpty else { return 0 }
        return sortedMagnitudes[min(cut, sortedMagnitudes.count) - 1].nextUp
    }

    // MARK: channels

    /// How a layer's output channels reach the next layer that consumes them as input channels.
    struct ChannelPath {
        /// Per-channel tensors to shrink along their first axis (BatchNormalization parameters, depthwise weights and biases).
        var perChannel: [ValueID] = []
        /// Depthwise convolutions on the way, whose group count follows the channel count.
        var depthwise: [Node] = []
        /// The consumer and how its weight indexes the producer's channels.
        var consumer: Node
        var consumerWeight: ValueID
        /// The consumer's weight axis that runs over the producer's channels, and how many weight
        /// entries along it each channel covers (H·W after a Flatten).
        var axis: Int
        var block: Int
    }

    func channelPlan(_ graph: Graph, _ chosen: [(node: Node, weight: ValueID)], into plan: inout PruningPlan) throws {
        let consumers = Self.consumers(graph)
        var scored: [(node: Node, weight: ValueID, axis: Int, path: ChannelPath, norms: [Float])] = []
        for (node, weight) in chosen {
            let tensor = graph.constants[weight]!
            guard let axis = Self.outputAxis(node, weight: tensor), let path = Self.channelPath(from: node, in: graph, consumers: consumers) else {
                plan.layers.append(.init(node: node.name, kind: node.operation.kindName, weights: tensor.elementCount, zeros: 0, removedChannels: 0,
                                         note: "kept: its channels do not lead to one Conv/Gemm through channel-wise ops"))
                continue
            }
            scored.append((node, weight, axis, path, Self.channelNorms(tensor, axis: axis)))
        }
        var globalThreshold: Float?
        if options.scope == .global {
            let all = scored.flatMap { $0.norms }.sorted()
            globalThreshold = Self.threshold(all, sparsity: options.sparsity)
        }
        // Removing a layer's output channels removes the consumer's matching inputs; work on the
        // current version of every tensor so consecutive layers compose.
        var current: [ValueID: Tensor] = [:]
        func tensor(_ id: ValueID) -> Tensor { current[id] ?? graph.constants[id]! }
        for (node, weight, axis, path, norms) in scored {
            let channels = norms.count
            let limit = globalThreshold ?? Self.threshold(norms.sorted(), sparsity: options.sparsity)
            var drop = Set(norms.indices.filter { norms[$0] < limit })
            if drop.count >= channels { drop.remove(norms.indices.max { norms[$0] < norms[$1] }!) }
            let keep = (0..<channels).filter { !drop.contains($0) }
            let before = tensor(weight).elementCount
            current[weight] = Self.selecting(tensor(weight), axis: axis, indices: keep, block: 1)
            if let bias = node.input(2), graph.constants[bias] != nil, tensor(bias).elementCount == channels {
                current[bias] = Self.selecting(tensor(bias), axis: tensor(bias).rank - 1, indices: keep, block: 1)
            }
            for id in path.perChannel { current[id] = Self.selecting(tensor(id), axis: 0, indices: keep, block: 1) }
            for conv in path.depthwise { plan.groups[conv.name] = keep.count }
            current[path.consumerWeight] = Self.selecting(tensor(path.consumerWeight), axis: path.axis, indices: keep, block: path.block)
            plan.layers.append(.init(node: node.name, kind: node.operation.kindName, weights: before,
                                     zeros: before - current[weight]!.elementCount, removedChannels: drop.count, note: nil,
                                     removedChannelIndices: drop.sorted()))
        }
        for (id, t) in current { plan.tensors[graph.name(of: id)] = t }
    }

    /// Readers of every value.
    static func consumers(_ graph: Graph) -> [ValueID: [Node]] {
        var result: [ValueID: [Node]] = [:]
        for node in graph.nodes { for case let input? in node.inputs { result[input, default: []].append(node) } }
        return result
    }

    /// The weight axis of a layer's output channels (nil where channel pruning does not apply).
    public static func outputAxis(_ node: Node, weight: Tensor) -> Int? {
        Operators.definition(of: node.operation).weightLayout(weightRank: weight.rank)?.outputChannelAxis
    }

    static func channelNorms(_ tensor: Tensor, axis: Int) -> [Float] {
        let channels = tensor.shape[axis]
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        var sums = [Float](repeating: 0, count: channels)
        for (i, v) in tensor.floats!.enumerated() { sums[(i / inner) % channels] += v * v }
        let fanIn = Float(tensor.elementCount / max(channels, 1))
        return sums.map { ($0 / fanIn).squareRoot() }
    }

    /// Follows a layer's output through channel-wise ops to the one layer that reads its channels.
    static func channelPath(from producer: Node, in graph: Graph, consumers: [ValueID: [Node]]) -> ChannelPath? {
        var value = producer.outputs[0]
        var perChannel: [ValueID] = []
        var depthwise: [Node] = []
        var flattenedBlock: Int?
        for _ in 0..<16 {
            guard !graph.outputs.contains(value), let readers = consumers[value], readers.count == 1 else { return nil }
            let next = readers[0]
            switch next.operation {
            case .unary, .identity, .maxPool, .averagePool:
                value = next.outputs[0]
            case .batchNormalization:
                guard next.input(0) == value, (1...4).allSatisfy({ graph.constants[next.input($0) ?? -1] != nil }) else { return nil }
                perChannel += (1...4).compactMap { next.input($0) }
                value = next.outputs[0]
            case .conv(let c) where next.input(0) == value:
                guard let w = next.input(1), let weight = graph.constants[w] else { return nil }
                if c.group == 1 {
                    return ChannelPath(perChannel: perChannel, depthwise: depthwise, consumer: next, consumerWeight: w, axis: 1, block: 1)
                }
                // Depthwise: one filter per channel; pruning its channels keeps it depthwise.
                guard weight.shape[1] == 1, c.group == weight.shape[0] else { return nil }
                perChannel.append(w)
                if let b = next.input(2) { guard graph.constants[b] != nil else { return nil }; perChannel.append(b) }
                depthwise.append(next)
                value = next.outputs[0]
            case .flatten, .reshape:
                guard flattenedBlock == nil, let shape = graph.type(of: value)?.shape, shape.count == 4, let out = graph.type(of: next.outputs[0])?.shape,
                      out.count == 2, out[0] == shape[0] else { return nil }
                if case .reshape = next.operation, let target = graph.constant(next.input(1)), !target.storage.int64s.contains(-1) { return nil }
                flattenedBlock = shape[2] * shape[3]
                value = next.outputs[0]
            case .gemm(let g) where next.input(0) == value:
                guard let w = next.input(1), graph.constants[w] != nil, !g.transposeA else { return nil }
                return ChannelPath(perChannel: perChannel, depthwise: depthwise, consumer: next, consumerWeight: w, axis: g.transposeB ? 1 : 0, block: flattenedBlock ?? 1)
            case .matMul where next.input(0) == value:
                guard let w = next.input(1), graph.constants[w]?.rank == 2 else { return nil }
                return ChannelPath(perChannel: perChannel, depthwise: depthwise, consumer: next, consumerWeight: w, axis: 0, block: flattenedBlock ?? 1)
            default:
                return nil
            }
        }
        return nil
    }

    /// The tensor restricted to the entries `indices` (each covering `block` consecutive entries) along `axis`.
    static func selecting(_ tensor: Tensor, axis: Int, indices: [Int], block: Int) -> Tensor {
        let outer = tensor.shape[..<axis].reduce(1, *)
        let length = tensor.shape[axis]
        let inner = tensor.shape[(axis + 1)...].reduce(1, *)
        let values = tensor.floats!
        var result: [Float] = []
        result.reserveCapacity(outer * indices.count * block * inner)
        for o in 0..<outer {
            for index in indices {
                for b in 0..<block {
                    let start = (o * length + index * block + b) * inner
                    result += values[start..<(start + inner)]
                }
            }
        }
        var shape = tensor.shape
        shape[axis] = indices.count * block
        return Tensor(shape: shape, floats: result)
    }
}
