import EdgeIR

/// Rewrites that leave fewer or cheaper nodes for the same values, so the fusions and the int8
/// roles after them see the operator they expect:
///
/// - a zero constant Pad in front of a Conv: the Conv's own padding;
/// - `x − c` with a float constant c: `x + (−c)`; `x / c` with c a power of two: `x · (1/c)`;
/// - two Transposes in a row: one (none where they cancel);
/// - a Reshape of a Reshape: one; a Reshape to the shape it already has: none.
public struct SimplifyArithmeticAndLayout: Pass {
    public let name = "simplify-arithmetic-and-layout"

    public init() {}

    public func run(_ graph: Graph) throws -> Graph {
        try RewriteDriver([Self.padIntoConvolution, Self.subtractConstant, Self.divideByConstant, Self.transposePair, Self.reshapePair,
                           Self.reshapeToSameShape]).run(graph)
    }

    // MARK: Pad + Conv

    static let padIntoConvolution = RewriteRule("pad-into-conv", .node("conv", kind: "Conv", [
        .node("pad", operation: { $0 == .pad(mode: .constant) }, operands: [.value("x")], commutative: false, singleUse: true),
    ])) { site in
        guard case .conv(var attributes) = site.rootNode.operation, attributes.autoPad == .explicit,
              let shape = site.graph.type(of: site.match.value("x"))?.shape, shape.count >= 3 else { return false }
        let pad = site.graph.nodes[site.match.node("pad")]
        guard let pads = site.graph.constant(pad.input(1))?.storage.int64s.map({ Int($0) }) else { return false }
        if let fill = pad.input(2) {
            guard let value = site.graph.constants[fill], value.storage.doubles.allSatisfy({ $0 == 0 }) else { return false }
        }
        let rank = shape.count
        var axes = Array(0..<rank)
        if let given = pad.input(3) {
            guard let values = site.graph.constants[given]?.storage.int64s else { return false }
            axes = values.map { Int($0) < 0 ? Int($0) + rank : Int($0) }
        }
        guard pads.count == 2 * axes.count else { return false }
        // Padding of every axis: begins then ends. The batch and channel axes must stay unpadded.
        var full = Array(repeating: 0, count: 2 * rank)
        for (i, axis) in axes.enumerated() where (0..<rank).contains(axis) {
            full[axis] = pads[i]
            full[rank + axis] = pads[axes.count + i]
        }
        let spatial = rank - 2
        guard full[0] == 0, full[1] == 0, full[rank] == 0, full[rank + 1] == 0, full.allSatisfy({ $0 >= 0 }) else { return false }
        let existing = attributes.pads.isEmpty ? Array(repeating: 0, count: 2 * spatial) : attributes.pads
        guard existing.count == 2 * spatial else { return false }
        attributes.pads = (0..<spatial).map { existing[$0] + full[2 + $0] } + (0..<spatial).map { existing[spatial + $0] + full[rank + 2 + $0] }
        var inputs = site.rootNode.inputs
        inputs[0] = site.match.value("x")
        site.updateRoot(operation: .conv(attributes), inputs: inputs)
        return true
    }

    // MARK: Constant Sub and Div

    static let floatConstant: @Sendable (Tensor) -> Bool = { $0.dtype == .float32 }

    /// `x − c` is `x + (−c)`, exactly.
    static let subtractConstant = RewriteRule("subtract-constant", .node("sub", .binary(.sub, activation: nil), [.value("x"), .constant("c", where: floatConstant)])) { site in
        let c = site.graph.constants[site.match.value("c")]!
        let negated = site.graph.addConstant(name: site.graph.name(of: site.match.value("c")) + ".negated", Tensor(shape: c.shape, floats: c.floats!.map { -$0 }))
        site.updateRoot(operation: .binary(.add, activation: nil), inputs: [site.match.value("x"), negated])
        return true
    }

    /// `x / c` is `x · (1/c)` exactly where every c is a power of two. Otherwise the product may
    /// differ in the last bit, which a rounding after it (a scale computed in the graph, as in
    /// onnxruntime's dynamic quantization) would carry into the integers.
    static let divideByConstant = RewriteRule("divide-by-constant", .node("div", .binary(.div, activation: nil), [.value("x"), .constant("c", where: floatConstant)])) { site in
        let c = site.graph.constants[site.match.value("c")]!
        let reciprocal = c.floats!.map { 1 / $0 }
        guard reciprocal.allSatisfy({ $0.isNormal && $0.significand == 1 }) else { return false }
        let value = site.graph.addConstant(name: site.graph.name(of: site.match.value("c")) + ".reciprocal", Tensor(shape: c.shape, floats: reciprocal))
        site.updateRoot(operation: .binary(.mul, activation: nil), inputs: [site.match.value("x"), value])
        return true
    }

    // MARK: Layout pairs

    /// The permutation a Transpose applies to a value of `rank` (none given: the axes reversed).
    static func permutation(_ operation: Operation, rank: Int) -> [Int]? {
        guard case .transpose(let given) = operation else { return nil }
        return given ?? Array((0..<rank).reversed())
    }

    /// transpose(transpose(x, p), q) takes axis p[q[i]] of x to position i.
    static let transposePair = RewriteRule("transpose-pair", .node("outer", kind: "Transpose", [
        .node("inner", kind: "Transpose", [.value("x")], singleUse: true),
    ])) { site in
        guard let rank = site.graph.type(of: site.match.value("x"))?.shape.count,
              let inner = permutation(site.graph.nodes[site.match.node("inner")].operation, rank: rank),
              let outer = permutation(site.rootNode.operation, rank: rank), inner.count == rank, outer.count == rank else { return false }
        let combined = outer.map { inner[$0] }
        if combined == Array(0..<rank), bypass(&site, with: site.match.value("x")) { return true }
        site.updateRoot(operation: .transpose(permutation: combined), inputs: [site.match.value("x")])
        return true
    }

    /// reshape(reshape(x)) is one Reshape to the final shape (written out, as a 0 in the outer
    /// shape would copy a dimension of the inner Reshape's output, not of x).
    static let reshapePair = RewriteRule("reshape-pair", .node("outer", kind: "Reshape", [
        .node("inner", kind: "Reshape", [.value("x")], singleUse: true),
    ])) { site in
        guard let shape = site.graph.type(of: site.rootNode.outputs[0])?.shape, !shape.contains(0) else { return false }
        let target = site.graph.addConstant(name: site.rootNode.name + ".shape", Tensor(shape: [shape.count], storage: .int64(shape.map(Int64.init))))
        site.updateRoot(operation: .reshape(allowZero: false), inputs: [site.match.value("x"), target])
        return true
    }

    static let reshapeToSameShape = RewriteRule("reshape-to-same-shape", .node("reshape", kind: "Reshape", [.value("x")])) { site in
        guard let shape = site.graph.type(of: site.match.value("x"))?.shape, shape == site.graph.type(of: site.rootNode.outputs[0])?.shape else { return false }
        return bypass(&site, with: site.match.value("x"))
    }

    /// The root's readers read `value` instead and the root goes; false where the root's output is
    /// a graph output (its name must stay).
    static func bypass(_ site: inout RewriteSite, with value: ValueID) -> Bool {
        let output = site.rootNode.outputs[0]
        guard !site.graph.outputs.contains(output) else { return false }
        site.graph.replaceUses(of: output, with: value)
        site.graph.nodes.remove(at: site.root)
        return true
    }
}
