import ArgumentParser
import EdgeCompress
import EdgeExec
import EdgeIR
import EdgeONNX
import EdgePasses
import Foundation

/// `edgec distill`: trains a student model to match a teacher's outputs.
///
///     $ edgec distill --teacher Tests/Fixtures/digits/digits_cnn_dynamic.onnx --student Tests/Fixtures/digits/digits_student.onnx --data Tests/Fixtures/digits/digits_train.npz --epochs 2 -o student.onnx
struct Distill: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a student model on a teacher's outputs (knowledge distillation) and write the student's ONNX.",
        discussion: """
        The loss is Hinton's: alpha·T²·KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − alpha)·cross-entropy with the labels (when the data has 'labels'; without them only the first term). The teacher runs in inference mode, once over the data; the student is any model with the teacher's inputs and output shape — a narrower network exported untrained, or the teacher slimmed by `edgec prune --granularity channel`. The other options are those of `edgec train`; the output is the student's file with its weights replaced.

        Example:
          edgec distill --teacher teacher.onnx --student student.onnx \\
              --data train.npz --val val.npz --epochs 30 -o student.trained.onnx
          edgec prune teacher.onnx --sparsity 0.5 --granularity channel \\
              -o slim.onnx && \\
          edgec distill --teacher teacher.onnx --student slim.onnx \\
              --data train.npz -o slim.trained.onnx
        """
    )

    @Option(help: "The teacher model (.onnx).")
    var teacher: String

    @Option(help: "The student model (.onnx).")
    var student: String

    @Option(help: "Training data (.npz); 'labels' add the cross-entropy term.")
    var data: String

    @Option(help: "The softmax temperature T.")
    var temperature: Float = 4

    @Option(help: "The weight of the distillation term, in [0, 1].")
    var alpha: Float = 0.9

    @Option(name: .shortAndLong, help: "The trained student to write (.onnx).")
    var output: String

    @OptionGroup var training: TrainingOptionGroup
    @OptionGroup var shapes: InputShapeOptions

    func run() throws {
        guard temperature > 0, temperature.isFinite else { throw UserFacingError("--temperature must be positive, got \(temperature)") }
        guard (0...1).contains(alpha) else { throw UserFacingError("--alpha must be in [0, 1], got \(alpha)") }
        let options = try training.options(epochs: 30, learningRate: 1e-3)
        try OutputPath.check(output, notOverwriting: [teacher, student, data] + [training.val].compactMap { $0 })
        let studentBytes = try ModelLoading.readONNX(student, for: "distill")
        let studentModel = try ONNXModel(data: studentBytes, source: student)
        let teacherBytes = try ModelLoading.readONNX(teacher, for: "distill")
        let teacherModel = try ONNXModel(data: teacherBytes, source: teacher)
        let weights = try ONNXWeightFile(data: studentBytes, source: student)
        let bindings = try InputBindings.named(try shapes.bindings(), for: studentModel.graph)
        let session = try FineTuning.session(studentModel.graph, bindings: bindings, options: options,
                                             weightNames: Set(weights.weights.map(\.name)), data: data, validation: training.val)
        let studentInputs = Set(session.trainer.engine.graph.inputs.map { session.trainer.engine.graph.name(of: $0.value) })
        let teacherInputs = Set(teacherModel.graph.inputs.map { teacherModel.graph.name(of: $0.value) })
        guard studentInputs == teacherInputs else {
            throw UserFacingError("the teacher's inputs (\(teacherInputs.sorted().joined(separator: ", "))) and the student's (\(studentInputs.sorted().joined(separator: ", "))) differ; both read the same data")
        }
        // The teacher runs once over the training data, in inference mode.
        let bound = try TrainingGraph.bind(teacherModel.graph, batch: options.batch, bindings: bindings) { try StandardPipeline.prepare($0, inputShapes: $1) }
        let engine = try Differentiation(graph: bound.graph, parameters: [])
        let logits = try Trainer.outputs(of: engine, value: Trainer.logits(of: bound.graph), data: session.data, graphBatch: bound.graphBatch)
        let started = Date()
        let result = try FineTuning.fit(session, loss: .distillation(teacher: logits, temperature: temperature, alpha: alpha), json: training.json)
        let replacements = result.trainer.trainedConstants.filter { weights.weight(named: $0.key) != nil }.mapValues { $0.floats! }
        let trained = try weights.replacingWeights(replacements)
        try OutputPath.write(trained, to: output)
        let teacherParameters = try ONNXWeightFile(data: teacherBytes, source: teacher).weights.reduce(0) { $0 + $1.tensor.elementCount }
        let summary = TrainingSummary(command: "distill", output: output, loss: "distillation (T \(temperature), alpha \(alpha))", parameters: result.parameterCount,
                                      tensors: result.trainer.parameters.count, epochs: result.reports, seconds: Date().timeIntervalSince(started),
                                      extra: ["teacher": "\(teacher) (\(Text.grouped(teacherParameters)) weights; the student trains \(String(format: "%.1f%%", 100 * Double(result.parameterCount) / Double(max(teacherParameters, 1)))) of that)"])
        try summary.print(json: training.json)
    }
}
