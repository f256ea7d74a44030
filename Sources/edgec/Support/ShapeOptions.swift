import ArgumentParser

/// `--input-shape` values: `name=1,3,224,224`, or just `1,3,224,224` for a single-input model.
struct InputShapeOptions: ParsableArguments {
    @Option(name: .customLong("input-shape"), help: ArgumentHelp(
        "Bind an input's shape, e.g. x=1,3,48,192 (repeat for several inputs; the name may be left out when the model has one input).",
        valueName: "name=dims"))
    var inputShapes: [String] = []

    /// The bindings keyed by input name; an unnamed binding is returned under "".
    func bindings() throws -> [String: [Int]] {
        var result: [String: [Int]] = [:]
        for text in inputShapes {
            let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts.count == 2 ? String(parts[0]) : ""
            let dimsText = parts.count == 2 ? parts[1] : parts[0]
            let dims = dimsText.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !dims.isEmpty, dims.allSatisfy({ $0 != nil && $0! > 0 }) else {
                throw UserFacingError("--input-shape '\(text)': expected name=d1,d2,... with positive integer dims")
            }
            result[name] = dims.map { $0! }
        }
        return result
    }
}
