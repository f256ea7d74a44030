import EdgeExec
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// Paths to the committed fixtures (made by the scripts in Tests/Fixtures) and shared checks.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// The deterministic input the light-model goldens were made with (see Tests/Fixtures/README.md).
    static func formulaInput(shape: [Int]) -> Tensor {
        let count = shape.reduce(1, *)
        return Tensor(shape: shape, floats: (0..<count).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 })
    }

    /// Loads an ONNX model, prepares it with its inputs' shapes bound, and runs it.
    static func run(_ modelPath: String, inputs: [String: Tensor], prepare: Bool = true) throws -> (graph: Graph, outputs: [String: Tensor]) {
        let model = try ONNXModel(contentsOf: modelPath)
        let shapes = inputs.mapValues(\.shape)
        let graph = prepare
            ? try StandardPipeline.prepare(model.graph, inputShapes: shapes)
            : try StandardPipeline.analyze(model.graph, inputShapes: shapes)
        return (graph, try ReferenceExecutor(graph: graph).run(inputs))
    }
}

/// The largest absolute difference between two tensors of one shape.
func maxAbsoluteDifference(_ actual: Tensor, _ expected: Tensor) -> Double {
    zip(actual.storage.doubles, expected.storage.doubles).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// The matching rule of the test plan: max |diff| <= 1e-4 * max(1, max |reference|).
@discardableResult
func expectMatches(_ actual: Tensor?, _ expected: Tensor, _ label: String, relative: Double = 1e-4, sourceLocation: SourceLocation = #_sourceLocation) -> Double {
    guard let actual = actual else {
        Issue.record("\(label): output missing", sourceLocation: sourceLocation)
        return .infinity
    }
    #expect(actual.shape == expected.shape, "\(label): shape \(actual.shape) vs expected \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return .infinity }
    let scale = max(1, expected.storage.doubles.map(abs).max() ?? 0)
    let difference = maxAbsoluteDifference(actual, expected)
    #expect(difference <= relative * scale, "\(label): max |diff| \(difference) exceeds \(relative * scale)", sourceLocation: sourceLocation)
    return difference
}
