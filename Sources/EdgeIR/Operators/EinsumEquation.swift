/// An Einsum equation such as `bhqd,bhkd->bhqk`, parsed: one term of subscripts per operand and
/// the output's. Letters name dimensions; `...` stands for the dimensions a term's rank leaves
/// unnamed (aligned from the right and broadcast between operands, as NumPy does). Without `->`
/// the output is the ellipsis, then the letters that appear once, in alphabetical order with
/// lower case first (onnxruntime's order).
///
/// Only the forms edgec runs as Transpose, Reshape, ReduceSum, MatMul and Mul are accepted: one
/// or two operands, no letter twice in one term (a diagonal or a trace), at most one ellipsis per
/// term, and an ellipsis in the output whenever an operand has one. `parse` says why any other
/// equation is refused.
public struct EinsumEquation: Sendable, Equatable, CustomStringConvertible {
    public enum Subscript: Sendable, Equatable {
        case letter(Character)
        case ellipsis
    }

    /// The equation as the model wrote it.
    public let text: String
    public let operands: [[Subscript]]
    public let output: [Subscript]

    public var description: String { text }

    /// The equation for `operandCount` inputs, or why edgec does not run it.
    public static func parse(_ text: String, operandCount: Int) -> Result<EinsumEquation, GraphError> {
        func refuse(_ why: String) -> Result<EinsumEquation, GraphError> { .failure(GraphError(.unsupported, "equation '\(text)': \(why)")) }
        let compact = text.filter { $0 != " " }
        let sides = compact.split(separator: "->", omittingEmptySubsequences: false).map(String.init)
        guard sides.count <= 2 else { return refuse("'->' appears more than once") }
        let terms = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard terms.count == operandCount else { return refuse("it has \(terms.count) operand terms for \(operandCount) inputs") }
        guard (1...2).contains(operandCount) else { return refuse("\(operandCount) operands are not supported (one or two are)") }
        var operands: [[Subscript]] = []
        for (index, term) in terms.enumerated() {
            switch subscripts(term) {
            case .failure(let why): return refuse("operand \(index + 1) '\(term)' \(why)")
            case .success(let parsed): operands.append(parsed)
            }
        }
        for (index, term) in operands.enumerated() {
            let letters = term.compactMap { if case .letter(let c) = $0 { return c } else { return nil } }
            if let repeated = letters.first(where: { c in letters.filter { $0 == c }.count > 1 }) {
                return refuse("'\(repeated)' appears twice in operand \(index + 1) (a diagonal or trace), which edgec does not lower")
            }
        }
        let hasEllipsis = operands.contains { $0.contains(.ellipsis) }
        var output: [Subscript]
        if sides.count == 2 {
            switch subscripts(sides[1]) {
            case .failure(let why): return refuse("the output '\(sides[1])' \(why)")
            case .success(let parsed): output = parsed
            }
            let inputs = Set(operands.joined().compactMap { if case .letter(let c) = $0 { return c } else { return nil } })
            var seen: Set<Character> = []
            for case .letter(let c) in output {
                guard inputs.contains(c) else { return refuse("the output's '\(c)' names no input dimension") }
                guard seen.insert(c).inserted else { return refuse("'\(c)' appears twice in the output") }
            }
            if hasEllipsis && !output.contains(.ellipsis) { return refuse("an operand has '...' but the output does not (summing broadcast dimensions is not supported)") }
            if !hasEllipsis && output.contains(.ellipsis) { return refuse("the output has '...' but no operand does") }
        } else {
            let letters = operands.joined().compactMap { if case .letter(let c) = $0 { return c } else { return nil } }
            let once = Set(letters.filter { c in letters.filter { $0 == c }.count == 1 })
            output = (hasEllipsis ? [.ellipsis] : []) + once.sorted { order($0) < order($1) }.map { .letter($0) }
        }
        return .success(EinsumEquation(text: text, operands: operands, output: output))
    }

    /// Lower case before upper case, each alphabetical.
    private static func order(_ c: Character) -> Int { Int(c.asciiValue!) + (c.isLowercase ? 0 : 256) }

    private static func subscripts(_ term: String) -> Result<[Subscript], GraphError> {
        var result: [Subscript] = []
        var rest = Substring(term)
        while let c = rest.first {
            if rest.hasPrefix("...") {
                guard !result.contains(.ellipsis) else { return .failure(GraphError(.unsupported, "has '...' twice")) }
                result.append(.ellipsis)
                rest = rest.dropFirst(3)
            } else {
                guard c.isASCII, c.isLetter else { return .failure(GraphError(.unsupported, "has '\(c)', which is not a letter or '...'")) }
                result.append(.letter(c))
                rest = rest.dropFirst()
            }
        }
        return .success(result)
    }

    /// Each operand's dimensions and the output's as label numbers, for operands of these ranks:
    /// a letter's number is the same everywhere; the dimensions an ellipsis covers are numbered
    /// from the right, -1 the last, so that they line up between terms as NumPy broadcasts them.
    public func labels(ranks: [Int]) -> Result<(operands: [[Int]], output: [Int]), GraphError> {
        var ellipsisRank = 0
        var operandLabels: [[Int]] = []
        for (index, (term, rank)) in zip(operands, ranks).enumerated() {
            let letters = term.filter { $0 != .ellipsis }.count
            let covered = rank - letters
            guard covered >= 0, covered == 0 || term.contains(.ellipsis) else {
                return .failure(GraphError(.shapeMismatch, "equation '\(text)': operand \(index + 1) has rank \(rank) but its term names \(letters) dimensions"))
            }
            ellipsisRank = max(ellipsisRank, covered)
            operandLabels.append(Self.expand(term, covering: covered))
        }
        return .success((operandLabels, Self.expand(output, covering: ellipsisRank)))
    }

    private static func expand(_ term: [Subscript], covering count: Int) -> [Int] {
        term.flatMap { item -> [Int] in
            switch item {
            case .letter(let c): return [Int(c.asciiValue!)]
            case .ellipsis: return (0..<count).map { $0 - count }
            }
        }
    }
}
