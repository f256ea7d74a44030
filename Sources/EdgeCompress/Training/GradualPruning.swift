import EdgeIR

/// Gradual magnitude pruning with fine-tuning (`edgec prune --train`): sparsity rises along Zhu
/// and Gupta's polynomial schedule, s_t = s_f + (s_i − s_f)(1 − (t − t0)/(nΔt))³, while the model
/// trains; masks are recomputed every Δt steps by the same `MagnitudePruner` one-shot pruning uses
/// and re-applied after every optimizer step, so pruned weights stay zero.
public struct GradualPruning {
    public enum Schedule: String, Sendable {
        /// Zhu & Gupta's cubic ramp from 0 over the first three quarters of the steps.
        case polynomial
        /// The final sparsity from the first step: one-shot pruning, then fine-tuning.
        case oneShot = "one-shot"
    }

    public let options: PruningOptions
    public let schedule: Schedule
    /// Steps between mask updates (Δt).
    public let frequency: Int
    /// The steps over which sparsity ramps (nΔt), from step 0.
    public let rampSteps: Int

    public init(options: PruningOptions, schedule: Schedule, totalSteps: Int, stepsPerEpoch: Int) throws {
        _ = try MagnitudePruner(options: options)
        self.options = options
        self.schedule = schedule
        frequency = max(1, stepsPerEpoch / 4)
        rampSteps = schedule == .oneShot ? 0 : max(frequency, (totalSteps * 3 / 4 / frequency) * frequency)
    }

    /// s_t at `step` (the sparsity masks hold after it).
    public func sparsity(at step: Int) -> Double {
        guard rampSteps > 0, step < rampSteps else { return options.sparsity }
        let progress = Double(step) / Double(rampSteps)
        let remaining = 1 - progress
        return options.sparsity * (1 - remaining * remaining * remaining)
    }

    /// Whether the masks are recomputed after `step`.
    public func updatesMasks(at step: Int) -> Bool { step == 0 || (step % frequency == 0 && step <= rampSteps) }

    /// Masks (true: kept) for every pruned weight of `graph` at `sparsity`, keyed by value.
    public func masks(_ graph: Graph, sparsity: Double) throws -> [ValueID: [Bool]] {
        var options = self.options
        options.sparsity = sparsity
        let plan = try MagnitudePruner(options: options).plan(graph)
        var ids: [String: ValueID] = [:]
        for (id, value) in graph.values.enumerated() { ids[value.name] = id }
        var masks: [ValueID: [Bool]] = [:]
        switch options.granularity {
        case .element, .twoOfFour:
            for (name, tensor) in plan.tensors {
                guard let id = ids[name], let original = graph.constants[id]?.floats, tensor.elementCount == original.count else { continue }
                masks[id] = tensor.floats!.map { $0 != 0 }
            }
        case .channel:
            // Removed output channels are zeroed in the layer's weight and bias; the layers after it
            // lose those inputs when the final model is pruned for real.
            let nodes = Dictionary(graph.nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for layer in plan.layers where !layer.removedChannelIndices.isEmpty {
                guard let node = nodes[layer.node] else { continue }
                let removed = Set(layer.removedChannelIndices)
                for (input, isWeight) in [(1, true), (2, false)] {
                    guard let id = node.input(input), let tensor = graph.constants[id] else { continue }
                    let axis = isWeight ? (MagnitudePruner.outputAxis(node, weight: tensor) ?? 0) : tensor.rank - 1
                    let inner = tensor.shape[(axis + 1)...].reduce(1, *), channels = tensor.shape[axis]
                    masks[id] = (0..<tensor.elementCount).map { !removed.contains(($0 / inner) % channels) }
                }
            }
        }
        return masks
    }

    /// `parameters` with `masks` applied.
    public static func apply(_ masks: [ValueID: [Bool]], to parameters: inout [ValueID: Tensor]) {
        for (id, mask) in masks {
            guard let tensor = parameters[id], var values = tensor.floats, values.count == mask.count else { continue }
            for i in values.indices where !mask[i] { values[i] = 0 }
            parameters[id] = Tensor(shape: tensor.shape, floats: values)
        }
    }

    /// Installs the schedule on `trainer`: masks from step 0, updated every Δt steps along the
    /// ramp, applied after every step.
    public func install(on trainer: Trainer) {
        var step = 0
        var masks: [ValueID: [Bool]] = [:]
        trainer.afterStep = { [self] parameters, graph in
            if updatesMasks(at: step) {
                var current = graph
                for (id, tensor) in parameters { current.constants[id] = tensor }
                masks = try self.masks(current, sparsity: sparsity(at: step))
            }
            Self.apply(masks, to: &parameters)
            step += 1
        }
    }
}
