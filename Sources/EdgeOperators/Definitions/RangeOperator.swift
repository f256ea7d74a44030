import EdgeIR

/// Range: `start, start + delta, …` up to (not including) `limit`, `max(ceil((limit − start) / delta), 0)`
/// values of the inputs' type. Inputs start, limit, delta (scalars). The output's length depends on
/// the values, so they must be known at compile time: exporters compute them from `Shape`, and
/// once input shapes are bound the node folds to a constant. It never reaches the runtime.
struct RangeOperator: OperatorDefinition {
    /// The most elements a folded Range may hold, so a corrupt model cannot ask for gigabytes.
    static let maximumCount = 1 << 24

    func outputTypes(_ node: NodeContext) throws -> [TensorType] {
        let start = try scalar(node, 0, "start"), limit = try scalar(node, 1, "limit"), delta = try scalar(node, 2, "delta")
        guard start.dtype == limit.dtype, limit.dtype == delta.dtype else {
            throw node.fail("start, limit and delta must have one type, got \(start.dtype), \(limit.dtype) and \(delta.dtype)")
        }
        guard [.float32, .int32, .int64].contains(start.dtype) else { throw node.fail("\(start.dtype) ranges are not supported (float32, int32 and int64 are)") }
        return [TensorType(start.dtype, [try count(node, start, limit, delta)])]
    }

    func evaluate(_ node: NodeContext, _ inputs: KernelInputs) throws -> [Tensor] {
        let start = try inputs.required(0), delta = try inputs.required(2)
        let n = inputs.output.shape[0]
        switch start.storage {
        case .float32(let s):
            // A running sum in float32, as ONNX's function body and onnxruntime compute it.
            var value = s[0]
            let step = delta.floats![0]
            var values: [Float] = []
            values.reserveCapacity(n)
            for _ in 0..<n { values.append(value); value += step }
            return [Tensor(shape: [n], floats: values)]
        default:
            let first = start.storage.int64s[0], step = delta.storage.int64s[0]
            let values = TensorStorage.int64((0..<n).map { first &+ Int64($0) &* step })
            return [Tensor(shape: [n], storage: values.converted(to: start.dtype))]
        }
    }

    func lower(_ node: LoweringContext) throws -> LoweredOperator {
        throw node.fail("should have been folded to a constant; its start, limit or delta is computed at run time")
    }

    private func scalar(_ node: NodeContext, _ index: Int, _ what: String) throws -> Tensor {
        guard let tensor = try node.parameter(index, what) else { throw node.fail("\(what) is missing") }
        guard tensor.elementCount == 1 else { throw node.fail("\(what) must be a scalar, got shape \(tensor.shape)") }
        return tensor
    }

    private func count(_ node: NodeContext, _ start: Tensor, _ limit: Tensor, _ delta: Tensor) throws -> Int {
        let length: Double
        if start.dtype == .float32 {
            let s = start.floats![0], l = limit.floats![0], d = delta.floats![0]
            guard d != 0, d.isFinite, s.isFinite, l.isFinite else { throw node.fail("delta \(d) with start \(s) and limit \(l) gives no finite range") }
            // The difference in the inputs' type, the quotient in double, as onnxruntime counts.
            length = (Double(l - s) / Double(d)).rounded(.up)
        } else {
            let s = start.storage.int64s[0], l = limit.storage.int64s[0], d = delta.storage.int64s[0]
            guard d != 0 else { throw node.fail("delta must not be 0") }
            length = (Double(l &- s) / Double(d)).rounded(.up)
        }
        let n = max(length, 0)
        guard n.isFinite, n <= Double(Self.maximumCount) else { throw node.fail("the range has more than \(Self.maximumCount) elements, the most allowed") }
        return Int(n)
    }
}
