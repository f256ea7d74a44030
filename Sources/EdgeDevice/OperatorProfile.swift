import EdgeIR
import EdgeRuntime

/// Where the time of a compiled model goes, operator by operator, measured by the runtime's
/// operator observer (`edge_context_set_observer`) as `edge-run --profile` measures it.
public struct OperatorProfile: Sendable, Equatable {
    public var index: Int
    /// The `.edgem` operator kind, e.g. "CONV_INT8".
    public var kind: String
    public var name: String
    public var outputDType: DType
    public var outputShape: [Int]
    /// Multiply-accumulates of one run (0 for operators not dominated by them).
    public var macs: Int
    /// Mean milliseconds per run.
    public var milliseconds: Double

    /// Multiply-accumulates per second, in billions.
    public var gmacPerSecond: Double? { macs > 0 && milliseconds > 0 ? Double(macs) / (milliseconds * 1e6) : nil }
}

/// Adds each observed operator's nanoseconds to its slot.
private final class ProfileTotals {
    var nanoseconds: [UInt64]
    var invocations = 0

    init(count: Int) { nanoseconds = Array(repeating: 0, count: count) }
}

extension DeviceModel {
    /// Runs `feeds` once untimed, then `runs` times with every operator timed, and returns each
    /// operator's mean time per run (a batch of N samples counts as N runs).
    public func profile(_ feeds: [String: Tensor], runs: Int) throws -> [OperatorProfile] {
        let context = try makeContext()
        _ = try run(feeds, context: context)
        let totals = ProfileTotals(count: operatorCount)
        let user = Unmanaged.passRetained(totals)
        defer { user.release() }
        var error = edge_error()
        let observer: edge_operator_observer = { user, index, _, _, nanoseconds in
            let totals = Unmanaged<ProfileTotals>.fromOpaque(user!).takeUnretainedValue()
            if index == 0 { totals.invocations += 1 }
            if Int(index) < totals.nanoseconds.count { totals.nanoseconds[Int(index)] += nanoseconds }
        }
        guard edge_context_set_observer(context.handle, observer, user.toOpaque(), &error) == EDGE_OK else { throw RuntimeError(error) }
        for _ in 0..<max(runs, 1) { _ = try run(feeds, context: context) }
        guard edge_context_set_observer(context.handle, nil, nil, &error) == EDGE_OK else { throw RuntimeError(error) }
        let invocations = Double(max(totals.invocations, 1))
        return try (0..<operatorCount).map { index in
            var info = edge_operator_info()
            guard edge_model_operator_info(handle, Int32(index), &info) == EDGE_OK else {
                throw RuntimeError(status: Int32(EDGE_ERROR_INVALID_ARGUMENT.rawValue), message: "operator \(index) has no description")
            }
            let rank = Int(info.output.rank)
            let dims = withUnsafeBytes(of: info.output.dims) { Array($0.bindMemory(to: Int64.self).prefix(rank)).map(Int.init) }
            return OperatorProfile(index: index, kind: String(cString: info.kind), name: String(cString: info.name),
                                   outputDType: DType(rawValue: UInt8(truncatingIfNeeded: info.output.dtype.rawValue)) ?? .float32,
                                   outputShape: dims, macs: Int(info.macs), milliseconds: Double(totals.nanoseconds[index]) / invocations / 1e6)
        }
    }
}
