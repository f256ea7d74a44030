import EdgeIR

/// Evaluates one node on concrete tensors. Shared by the executor and by constant folding, so a
/// folded constant is computed by exactly the code that would have computed it at run time.
public enum NodeEvaluation {
    /// The outputs of `node` given its inputs (nil where absent) and its already inferred output types.
    public static func evaluate(_ node: Node, inputs: [Tensor?], outputTypes: [TensorType]) throws -> [Tensor] {
        func input(_ i: Int) throws -> Tensor {
            guard i < inputs.count, let t = inputs[i] else {
                throw ExecutionError.invalidInput("\(node.operation.kindName) node '\(node.name)': input \(i) is missing")
            }
            return t
        }
        func optional(_ i: Int) -> Tensor? { i < inputs.count ? inputs[i] : nil }
        func float(_ i: Int) throws -> Tensor {
            let t = try input(i)
            guard t.dtype == .float32 else {
                throw ExecutionError.unsupported("\(node.operation.kindName) node '\(node.name)' on \(t.dtype) input")
            }
            return t
        }
        let output = outputTypes.first ?? TensorType(.float32, [])

        switch node.operation {
        case .conv(let a):
            return [ConvolutionKernels.convolution(a, x: try float(0), w: try float(1), bias: optional(2), output: output)]
        case .convTranspose(let a):
            return [ConvolutionKernels.transposed(a, x: try float(0), w: try float(1), bias: optional(2), output: output)]
        case .gemm(let a):
            return [LinearKernels.gemm(a, a: try float(0), b: try float(1), c: optional(2), output: output)]
        case .matMul(let activation):
            return [LinearKernels.matMul(a: try float(0), b: try float(1), activation: activation, output: output)]
        case .binary(let op, let activation):
            return [try ElementwiseKernels.binary(op, try input(0), try input(1), activation: activation, output: output)]
        case .unary(let op):
            return [try ElementwiseKernels.unary(op, try input(0))]
        case .softmax(let a):
            return [NormalizationKernels.softmax(a, x: try float(0))]
        case .maxPool(let a):
            return [PoolingKernels.pool(a, isMax: true, x: try float(0), output: output)]
        case .averagePool(let a):
            return [PoolingKernels.pool(a, isMax: false, x: try float(0), output: output)]
        case .globalAveragePool:
            return [PoolingKernels.global(isMax: false, x: try float(0), output: output)]
        case .globalMaxPool:
            return [PoolingKernels.global(isMax: true, x: try float(0), output: output)]
        case .batchNormalization(let epsilon):
            return [NormalizationKernels.batchNormalization(epsilon: epsilon, x: try float(0), scale: try float(1), bias: try float(2), mean: try float(3), variance: try float(4))]
        case .localResponseNormalization(let a):
            return [NormalizationKernels.localResponseNormalization(a, x: try float(0))]
        case .concat(let axis):
            return [try LayoutKernels.concat(try inputs.indices.map { try input($0) }, axis: axis, output: output)]
        case .split(let axis, _):
            return LayoutKernels.split(try input(0), axis: axis, outputs: outputTypes)
        case .slice:
            let x = try input(0)
            let ranges = try ShapeInference.sliceRanges(
                shape: x.shape, starts: try input(1).storage.int64s, ends: try input(2).storage.int64s,
                axes: optional(3)?.storage.int64s, steps: optional(4)?.storage.int64s, node: node)
            return [LayoutKernels.slice(x, ranges: ranges)]
        case .gather(let axis):
            return [try LayoutKernels.gather(try input(0), indices: try input(1), axis: axis, output: output, node: node)]
        case .reshape, .flatten, .squeeze, .unsqueeze, .identity:
            return [try input(0).reshaped(output.shape)]
        case .transpose(let permutation):
            return [LayoutKernels.transpose(try input(0), permutation: permutation, output: output)]
        case .expand:
            return [LayoutKernels.expand(try input(0), output: output)]
        case .pad(let mode):
            let x = try input(0)
            let axes = optional(3)?.storage.int64s.map { Shapes.normalizedAxis(Int($0), rank: x.rank)! } ?? Array(0..<x.rank)
            let value = optional(2)?.storage.doubles.first ?? 0
            return [LayoutKernels.pad(x, mode: mode, pads: try input(1).storage.int64s.map { Int($0) }, axes: axes, value: value, output: output)]
        case .resize(let a):
            let scales = optional(3) == nil ? optional(2)?.floats : nil
            return [ResizeKernels.resize(a, x: try float(0), output: output, scales: scales)]
        case .reduce(let r):
            return [try ReductionKernels.reduce(r, x: try input(0), output: output)]
        case .shape(let start, let end):
            let x = try input(0)
            let range = ShapeInference.shapeRange(rank: x.rank, start: start, end: end)
            return [Tensor(shape: [range.count], int64s: x.shape[range].map { Int64($0) })]
        case .cast(let dtype):
            let x = try input(0)
            return [Tensor(shape: x.shape, storage: x.storage.converted(to: dtype))]
        case .constantOfShape(let value):
            return [Tensor(shape: output.shape, storage: value.storage.gathering(Array(repeating: 0, count: output.elementCount)))]
        case .quantizeLinear, .dequantizeLinear:
            throw ExecutionError.unsupported("\(node.operation.kindName) node '\(node.name)': int8 graphs run in the C runtime")
        case .unsupported(let detail):
            throw ExecutionError.unsupported("\(detail.opType) node '\(node.name)': \(detail.reason)")
        }
    }
}
