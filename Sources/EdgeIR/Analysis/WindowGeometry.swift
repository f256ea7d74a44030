/// Padding and output sizes of sliding-window ops (convolution and pooling), one spatial axis at a time.
/// Every size is computed with `CheckedSize`: strides, dilations and pads come straight from the model.
public enum WindowGeometry {
    /// The effective extent of a dilated kernel.
    public static func dilatedKernel(_ kernel: Int, dilation: Int) throws -> Int {
        try CheckedSize.add(try CheckedSize.multiply(try CheckedSize.subtract(kernel, 1), dilation), 1)
    }

    /// Explicit begin/end pads for every spatial axis (all begins, then all ends).
    public static func resolvedPads(
        autoPad: AutoPad, pads: [Int], input: [Int], kernel: [Int], strides: [Int], dilations: [Int]
    ) throws -> [Int] {
        let rank = input.count
        try requireAxes(rank, kernel: kernel, strides: strides, dilations: dilations)
        switch autoPad {
        case .explicit:
            return pads.count == 2 * rank ? pads : Array(repeating: 0, count: 2 * rank)
        case .valid:
            return Array(repeating: 0, count: 2 * rank)
        case .sameUpper, .sameLower:
            var begins: [Int] = []
            var ends: [Int] = []
            for axis in 0..<rank {
                guard strides[axis] > 0 else { throw SizeOverflow("stride \(strides[axis]) is not positive") }
                let output = try CheckedSize.divide(try CheckedSize.add(input[axis], strides[axis] - 1), strides[axis])
                let covered = try CheckedSize.add(try CheckedSize.multiply(output - 1, strides[axis]), try dilatedKernel(kernel[axis], dilation: dilations[axis]))
                let needed = max(0, try CheckedSize.subtract(covered, input[axis]))
                let small = needed / 2
                let large = needed - small
                begins.append(autoPad == .sameUpper ? small : large)
                ends.append(autoPad == .sameUpper ? large : small)
            }
            return begins + ends
        }
    }

    /// Throws unless the attributes have one value per spatial axis of the input: the mapping
    /// checks them against each other, but only the input's type says how many axes there are.
    public static func requireAxes(_ rank: Int, kernel: [Int], strides: [Int], dilations: [Int]) throws {
        guard kernel.count == rank, strides.count == rank, dilations.count == rank else {
            throw SizeOverflow("kernel \(kernel), strides \(strides) and dilations \(dilations) do not have one value for each of the input's \(rank) spatial axes")
        }
    }

    /// Output length of one axis. With `ceilMode`, a last window that would start in the end padding is dropped,
    /// as PyTorch and onnxruntime do.
    public static func outputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, ceilMode: Bool = false) throws -> Int {
        guard stride > 0 else { throw SizeOverflow("stride \(stride) is not positive") }
        let padded = try CheckedSize.add(try CheckedSize.add(input, padBegin), padEnd)
        let span = try CheckedSize.subtract(padded, try dilatedKernel(kernel, dilation: dilation))
        if span < 0 { return 0 }
        if !ceilMode { return span / stride + 1 }
        var output = try CheckedSize.add(span, stride - 1) / stride + 1
        if try CheckedSize.multiply(output - 1, stride) >= CheckedSize.add(input, padBegin) { output -= 1 }
        return output
    }
}
