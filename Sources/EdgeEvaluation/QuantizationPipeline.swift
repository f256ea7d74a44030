import EdgeCompress
import EdgeDevice
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgePasses
import Foundation

/// `edgec quantize` end to end: calibrate on the fp32 reference executor, quantize, write the
/// `.edgem`, and measure what quantization cost, layer by layer, on the C runtime itself.
public enum QuantizationPipeline {
    public struct LayerFidelity: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var sqnr: Double
    }

    /// One node of the float graph that was quantized: the range of its largest weight and the
    /// range calibration observed on its first output (`--report`).
    public struct LayerRanges: Sendable, Equatable {
        public var node: String
        public var kind: String
        public var weights: ClosedRange<Float>?
        public var activations: ClosedRange<Float>?
    }

    public struct Result: Sendable {
        /// The int8 graph the file holds.
        public var graph: Graph
        /// The float graph with quantization as QuantizeLinear/DequantizeLinear operators: what
        /// `--export-onnx` writes and what the Swift executor runs as simulated int8.
        public var fakeQuantized: Graph
        public var file: EdgemWriter.Output
        public var report: QuantizationReport
        /// Every int8 layer's output against the fp32 reference on the calibration data, worst first.
        public var layers: [LayerFidelity]
        public var accuracyBefore: Double?
        public var accuracyAfter: Double?
        /// Every node of the float graph in order, with its weight and activation ranges.
        public var ranges: [LayerRanges] = []
    }

    /// `prepared` comes from `StandardPipeline.prepare(..., fuseClampsOnly: true)`. With `measure`,
    /// the per-layer SQNR and the accuracy before and after are measured on the C runtime.
    /// Fine-tuning between calibration and quantization (quantization-aware training): given the
    /// prepared graph and calibration's statistics, the graph with trained weights and the ranges
    /// to quantize with (min/max pairs).
    public typealias FineTuning = (Graph, [ValueID: TensorStatistics]) throws -> (Graph, [ValueID: TensorStatistics])

    public static func run(
        prepared: Graph, data: CalibrationData, options: QuantizationOptions, writer: EdgemWriter.Options,
        metadata: [(String, String)], measure: Bool = true, fidelitySamples: Int = 32, fineTune: FineTuning? = nil,
        progress: (String, Int, Int) -> Void = { _, _, _ in }
    ) throws -> Result {
        try PostTrainingQuantizer.validateKeepFloat(options.keepFloat, in: prepared)
        // Ranges observed on nothing but zeros are empty, and every scale would be made up.
        if !data.arrays.isEmpty, data.arrays.values.allSatisfy({ $0.floats?.allSatisfy { $0 == 0 } ?? false }) {
            throw CompressionError("the calibration data holds only zeros (\(data.sampleCount) samples): activation ranges would be empty; calibrate on real samples")
        }
        var statistics = try Calibrator(graph: prepared, method: options.method).collect(data) { progress("calibrating", $0, $1) }
        var source = prepared, options = options
        if let fineTune {
            (source, statistics) = try fineTune(prepared, statistics)
            options.method = .minmax
        }
        let quantizer = PostTrainingQuantizer(options: options)
        let (fakeQuantized, report) = try quantizer.quantize(source, statistics: statistics)
        let quantized = try quantizer.lower(fakeQuantized, source: source, statistics: statistics)
        let finished = try PassPipeline([FuseActivations(), EliminateDeadValues()]).run(quantized)
        let file = try EdgemWriter.write(finished, options: writer, metadata: metadata)
        let ranges = layerRanges(source, statistics: statistics)
        guard measure else { return Result(graph: finished, fakeQuantized: fakeQuantized, file: file, report: report, layers: [], accuracyBefore: nil, accuracyAfter: nil, ranges: ranges) }

        let layers = try layerFidelity(float: prepared, quantized: quantized, data: data, samples: fidelitySamples)
        var before: Double?, after: Double?
        if let labels = data.labels, let output = prepared.outputs.first.map({ prepared.name(of: $0) }) {
            let reference = try BatchEvaluation.run(try ReferenceExecutor(graph: prepared), on: data) { progress("fp32 accuracy", $0, $1) }
            let device = try BatchEvaluation.run(try DeviceRunner(try DeviceModel(data: file.data)), on: data) { progress("int8 accuracy", $0, $1) }
            before = accuracy(reference.outputs[output]!, labels: labels)
            after = accuracy(device.outputs[output]!, labels: labels)
        }
        return Result(graph: finished, fakeQuantized: fakeQuantized, file: file, report: report, layers: layers, accuracyBefore: before, accuracyAfter: after, ranges: ranges)
    }

    static func layerRanges(_ graph: Graph, statistics: [ValueID: TensorStatistics]) -> [LayerRanges] {
        graph.nodes.map { node in
            let weights = node.inputs.compactMap { graph.constant($0) }.filter { $0.dtype == .float32 }.max { $0.elementCount < $1.elementCount }
            let range = weights?.floats.flatMap { values in values.min().flatMap { low in values.max().map { low...$0 } } }
            let observed = node.outputs.first.flatMap { statistics[$0] }.flatMap { $0.minimum <= $0.maximum ? $0.minimum...$0.maximum : nil }
            return LayerRanges(node: node.name, kind: node.operation.kindName, weights: range, activations: observed)
        }
    }

    public static func accuracy(_ values: [Double], labels: [Int64]) -> Double {
        let predictions = Metrics.argmax(values, rows: labels.count)
        return Double(zip(predictions, labels).filter { Int64($0) == $1 }.count) / Double(max(labels.count, 1))
    }

    /// Compiles a probe of the quantized graph whose int8 layer outputs are extra graph outputs,
    /// runs it on the C runtime and compares each (dequantized) with the fp32 value it replaces.
    static func layerFidelity(float: Graph, quantized: Graph, data: CalibrationData, samples: Int) throws -> [LayerFidelity] {
        // Each int8 operator's output, and the float value of the original graph it stands for: the
        // value its DequantizeLinear writes (fake quantization keeps the original ids).
        var probe = quantized
        var layers: [(node: Node, value: ValueID, reference: ValueID)] = []
        var dequantizedAs: [ValueID: ValueID] = [:]
        for node in quantized.nodes {
            if case .dequantizeLinear = node.operation, let x = node.input(0) { dequantizedAs[x] = node.outputs[0] }
        }
        for node in quantized.nodes {
            guard let output = node.outputs.first, quantized.type(of: output)?.dtype == .int8, !quantized.outputs.contains(output),
                  let reference = dequantizedAs[output], reference < float.values.count, float.type(of: reference)?.dtype == .float32 else { continue }
            if case .quantizeLinear = node.operation { continue }
            layers.append((node, output, reference))
            probe.outputs.append(output)
        }
        guard !layers.isEmpty else { return [] }
        let device = try DeviceModel(data: try EdgemWriter.write(try EliminateDeadValues().run(probe)).data)
        let context = try device.makeContext()
        let executor = try ReferenceExecutor(graph: float)
        var signal = [Double](repeating: 0, count: layers.count), noise = [Double](repeating: 0, count: layers.count)
        let wanted = Dictionary(layers.enumerated().map { ($0.element.reference, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for index in 0..<min(samples, data.sampleCount) {
            let sample = data.sample(index)
            var reference: [Int: [Float]] = [:]
            _ = try executor.run(sample) { node, outputs in
                for (id, tensor) in zip(node.outputs, outputs) { if let slot = wanted[id] { reference[slot] = tensor.floats } }
            }
            let results = try device.run(sample, context: context)
            for (slot, layer) in layers.enumerated() {
                guard let expected = reference[slot], let q = quantized.values[layer.value].quantization,
                      case .int8(let ints)? = results[quantized.name(of: layer.value)]?.storage else { continue }
                for (r, v) in zip(expected, ints) {
                    let x = q.scale * Float(Int32(v) - q.zeroPoint)
                    signal[slot] += Double(r * r)
                    noise[slot] += Double((r - x) * (r - x))
                }
            }
        }
        return layers.enumerated().map { slot, layer in
            LayerFidelity(node: layer.node.name, kind: layer.node.operation.kindName,
                          sqnr: Metrics.sqnr(signal: signal[slot], noise: noise[slot]))
        }.sorted { $0.sqnr < $1.sqnr }
    }
}
