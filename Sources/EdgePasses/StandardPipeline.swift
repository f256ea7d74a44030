import EdgeIR

/// The passes every compiled model goes through, in order.
public enum StandardPipeline {
    /// Binds shapes, infers them (folding what is known), and simplifies: the graph the executor
    /// and the compiler run. Refuses graphs with unsupported nodes, naming all of them at once.
    /// `clampsOnly` fuses only Relu/Clip, the form int8 quantization starts from.
    public static func prepare(_ graph: Graph, inputShapes: [String: [Int]] = [:], fuseClampsOnly: Bool = false) throws -> Graph {
        try requireSupported(graph)
        return try PassPipeline([
            BindInputShapes(inputShapes),
            InferShapesAndFold(),
            DropIdentity(),
            SimplifyArithmeticAndLayout(),
            FuseExporterPatterns(),
            FoldBatchNormalization(),
            FuseActivations(clampsOnly: fuseClampsOnly),
            EliminateDeadValues(),
        ]).run(graph)
    }

    /// `prepare`, then every fake-quantized operator lowered to its int8 form (a QDQ model from
    /// `edgec quantize --export-onnx`, onnxruntime's quantizer or a QAT export): the graph the
    /// compiler writes. A float graph comes out as `prepare` leaves it.
    public static func deploy(_ graph: Graph, inputShapes: [String: [Int]] = [:]) throws -> Graph {
        let prepared = try prepare(graph, inputShapes: inputShapes)
        return try PassPipeline([LowerFakeQuantization(), FuseActivations(), EliminateDeadValues()]).run(prepared)
    }

    /// Binds and infers shapes, folds constants and drops Identity, and fuses nothing: training
    /// needs BatchNormalization and every activation as the model wrote them.
    public static func train(_ graph: Graph, inputShapes: [String: [Int]] = [:]) throws -> Graph {
        try requireSupported(graph)
        return try PassPipeline([BindInputShapes(inputShapes), InferShapesAndFold(), DropIdentity(), EliminateDeadValues()]).run(graph)
    }

    /// Binds and infers shapes and folds constants, without fusing or folding BatchNormalization:
    /// what `inspect` reports on, so per-layer numbers describe the model as written.
    public static func analyze(_ graph: Graph, inputShapes: [String: [Int]] = [:]) throws -> Graph {
        try requireSupported(graph)
        return try PassPipeline([BindInputShapes(inputShapes), InferShapesAndFold()]).run(graph)
    }

    /// Throws one error listing every unsupported node.
    public static func requireSupported(_ graph: Graph) throws {
        guard !graph.unsupportedNodes.isEmpty else { return }
        throw GraphError(.unsupported, graph.unsupportedNodesSummary)
    }
}
