import EdgeIR

/// Where every run-time tensor lives in one arena, decided at compile time so the device
/// runtime needs no planner. Tensors whose lifetimes overlap never share bytes; the rest
/// reuse memory.
public struct MemoryPlan: Sendable, Equatable {
    /// Arena byte offset of every value that lives in the arena (graph inputs and node outputs).
    public var offsets: [ValueID: Int]
    /// Bytes the arena needs (a multiple of `alignment`).
    public var arenaSize: Int
    /// Bytes if every tensor had its own memory.
    public var naiveSize: Int
    /// The largest set of tensors alive at one step: no plan can use less.
    public var lowerBound: Int

    public static let alignment = 64

    static func aligned(_ n: Int) -> Int { (n + alignment - 1) / alignment * alignment }

    /// Greedy by size (as TFLite's arena planner): the largest tensors are placed first, each at
    /// the lowest offset that does not collide with an already placed tensor alive at the same time.
    /// A node's outputs are alive at the step that reads its inputs, so a kernel never writes over
    /// what it is still reading.
    public static func plan(_ graph: Graph) -> MemoryPlan {
        struct Interval { var value: ValueID; var size: Int; var first: Int; var last: Int }
        var first: [ValueID: Int] = [:]
        var last: [ValueID: Int] = [:]
        for input in graph.inputs where graph.constants[input.value] == nil { first[input.value] = 0; last[input.value] = 0 }
        for (step, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs where first[input] != nil { last[input] = step }
            for output in node.outputs where graph.constants[output] == nil {
                first[output] = step
                last[output] = step
            }
        }
        for output in graph.outputs where first[output] != nil { last[output] = graph.nodes.count }
        let intervals = first.keys.map { id in
            Interval(value: id, size: aligned(max(1, graph.type(of: id)?.byteCount ?? 0)), first: first[id]!, last: last[id]!)
        }.sorted { ($0.size, $1.first, $1.value) > ($1.size, $0.first, $0.value) }

        var placed: [(interval: Interval, offset: Int)] = []
        var offsets: [ValueID: Int] = [:]
        var arena = 0
        for interval in intervals {
            let conflicts = placed.filter { $0.interval.first <= interval.last && interval.first <= $0.interval.last }
                .sorted { $0.offset < $1.offset }
            var candidate = 0
            for conflict in conflicts {
                if candidate + interval.size <= conflict.offset { break }
                candidate = max(candidate, conflict.offset + conflict.interval.size)
            }
            offsets[interval.value] = candidate
            placed.append((interval, candidate))
            arena = max(arena, candidate + interval.size)
        }
        var lowerBound = 0
        for step in 0...max(graph.nodes.count, 0) {
            let live = intervals.filter { $0.first <= step && step <= $0.last }.reduce(0) { $0 + $1.size }
            lowerBound = max(lowerBound, live)
        }
        return MemoryPlan(offsets: offsets, arenaSize: arena, naiveSize: intervals.reduce(0) { $0 + $1.size }, lowerBound: lowerBound)
    }
}
