import EdgeDevice
import EdgeExec
import EdgeIR
import EdgePasses
import Foundation
import Testing

/// GatherND, the scatters and the group normalizations beyond their conformance cases: an index
/// fed at run time outside the data is a one-line error naming the node, in the Swift executor and
/// in the C runtime alike; attributes and shapes that do not fit are refused when the model is
/// prepared, never trapped on.
@Suite("Indexing and group normalization: bad indices and attributes")
struct IndexingOperatorTests {
    @Test func anIndexOutsideTheDataIsARunTimeError() throws {
        // gathernd_input_indices: data [2,3,4], indices [2,3,3] fed as an input.
        let fixture = try CompiledFixture.operatorCase("gathernd_input_indices")
        var inputs = fixture.inputs
        var indices = try #require(inputs["indices"]).storage.int64s
        indices[5] = 4 // the third coordinate of the second tuple, along axis 2 of size 4
        inputs["indices"] = Tensor(shape: [2, 3, 3], int64s: indices)
        let node = try #require(fixture.graph.nodes.first(where: { $0.operation.kindName == "GatherND" })).name
        #expect(throws: ExecutionError.invalidInput("GatherND node '\(node)': index 4 is out of range for axis 2 of size 4")) {
            try ReferenceExecutor(graph: fixture.graph).run(inputs)
        }
        do {
            _ = try DeviceModel(data: fixture.file.data).run(inputs)
            Issue.record("the C runtime ran an index outside the data")
        } catch let error as RuntimeError {
            #expect(error.message.contains("(GATHER_ND '\(node)'): index 4 is out of range for axis 2 of size 4"), "\(error.message)")
        }
    }

    /// x `[shape]` through one node whose other inputs are `constants`, prepared: the message it is refused with.
    func refusal(_ bad: BadNode) -> String? {
        var graph = Graph(name: "hostile")
        let x = graph.addValue(name: "x")
        graph.inputs = [GraphInput(value: x, dtype: .float32, declaredShape: bad.shape.map { .fixed($0) })]
        let others: [ValueID?] = bad.constants.enumerated().map { graph.addConstant(name: "c\($0.offset)", $0.element) }
        let y = graph.addValue(name: "y")
        graph.nodes = [Node(name: "hostile", operation: bad.operation, inputs: [x] + others, outputs: [y])]
        graph.outputs = [y]
        do {
            _ = try StandardPipeline.prepare(graph)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// A node, the shape of x, its constant inputs, and what the message it is refused with says.
    struct BadNode: Sendable, CustomTestStringConvertible {
        var operation: EdgeIR.Operation
        var shape: [Int]
        var constants: [Tensor]
        var expected: String

        var testDescription: String { "\(operation.kindName) on \(shape): \(expected)" }
    }

    static let badNodes: [BadNode] = {
        let six = Tensor(shape: [6], floats: Array(repeating: 1, count: 6))
        let pair = Tensor(shape: [2, 1], int64s: [0, 1])
        var cases: [BadNode] = []
        cases.append(BadNode(operation: .groupNormalization(groups: 4, epsilon: 1e-5, parametersPerGroup: false), shape: [1, 6, 2, 2], constants: [six, six],
                             expected: "GroupNormalization node 'hostile': num_groups 4 does not divide the 6 channels"))
        cases.append(BadNode(operation: .groupNormalization(groups: -3, epsilon: 1e-5, parametersPerGroup: false), shape: [1, 6, 2, 2], constants: [six, six],
                             expected: "num_groups -3 does not divide"))
        cases.append(BadNode(operation: .groupNormalization(groups: 3, epsilon: 1e-5, parametersPerGroup: true), shape: [1, 6, 2, 2], constants: [six, six],
                             expected: "scale is float32[6], expected float32[3] (one value per group)"))
        cases.append(BadNode(operation: .groupNormalization(groups: 2, epsilon: .nan, parametersPerGroup: false), shape: [1, 6, 2, 2], constants: [six, six],
                             expected: "epsilon nan is not a non-negative number"))
        cases.append(BadNode(operation: .instanceNormalization(epsilon: 1e-5), shape: [2, 6], constants: [six, six],
                             expected: "InstanceNormalization node 'hostile': expects an input [N, C, ...] of rank >= 3"))
        cases.append(BadNode(operation: .gatherND(batchDims: 7), shape: [2, 3], constants: [pair], expected: "batch_dims 7 must be at least 0 and below the ranks"))
        cases.append(BadNode(operation: .gatherND(batchDims: -1), shape: [2, 3], constants: [pair], expected: "batch_dims -1 must be at least 0"))
        cases.append(BadNode(operation: .gatherND(batchDims: 0), shape: [2, 3], constants: [Tensor(shape: [1, 3], int64s: [0, 1, 2])],
                             expected: "the last dimension of indices [1, 3] is 3; it must be between 1 and 2"))
        cases.append(BadNode(operation: .gatherND(batchDims: 1), shape: [2, 3], constants: [Tensor(shape: [3, 1], int64s: [0, 1, 2])],
                             expected: "the first 1 dimensions of indices [3, 1] and data [2, 3] differ"))
        cases.append(BadNode(operation: .scatterND(reduction: .add), shape: [4], constants: [pair, Tensor(shape: [2], int64s: [1, 2])],
                             expected: "ScatterND node 'hostile': updates are int64[2], expected float32[2]"))
        cases.append(BadNode(operation: .scatterND(reduction: .none), shape: [4, 2], constants: [pair, six], expected: "updates are float32[6], expected float32[2,2]"))
        cases.append(BadNode(operation: .scatterElements(axis: 5, reduction: .mul), shape: [2, 3],
                             constants: [Tensor(shape: [1, 1], int64s: [0]), Tensor(shape: [1, 1], floats: [2])],
                             expected: "ScatterElements node 'hostile': axis 5 is out of range for rank 2"))
        cases.append(BadNode(operation: .scatterElements(axis: 0, reduction: .none), shape: [2, 3],
                             constants: [Tensor(shape: [1, 4], int64s: [0, 1, 0, 1]), Tensor(shape: [1, 4], floats: [1, 2, 3, 4])],
                             expected: "indices of shape [1, 4] do not fit data of shape [2, 3]"))
        return cases
    }()

    @Test(arguments: IndexingOperatorTests.badNodes)
    func aShapeOrAttributeThatDoesNotFitIsRefused(_ bad: BadNode) throws {
        let message = try #require(refusal(bad), "accepted")
        #expect(message.contains(bad.expected), "\(message)")
        #expect(!message.contains("\n"), "one line: \(message)")
    }
}
