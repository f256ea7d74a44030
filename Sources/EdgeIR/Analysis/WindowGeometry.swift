/// Padding and output sizes of sliding-window ops (convolution and pooling), one spatial axis at a time.
public enum WindowGeometry {
    /// The effective extent of a dilated kernel.
    public static func dilatedKernel(_ kernel: Int, dilation: Int) -> Int { (kernel - 1) * dilation + 1 }

    /// Explicit begin/end pads for every spatial axis (all begins, then all ends).
    public static func resolvedPads(
        autoPad: AutoPad, pads: [Int], input: [Int], kernel: [Int], strides: [Int], dilations: [Int]
    ) -> [Int] {
        let rank = input.count
        switch autoPad {
        case .explicit:
            return pads.count == 2 * rank ? pads : Array(repeating: 0, count: 2 * rank)
        case .valid:
            return Array(repeating: 0, count: 2 * rank)
        case .sameUpper, .sameLower:
            var begins: [Int] = []
            var ends: [Int] = []
            for axis in 0..<rank {
                let output = (input[axis] + strides[axis] - 1) / strides[axis]
                let needed = max(0, (output - 1) * strides[axis] + dilatedKernel(kernel[axis], dilation: dilations[axis]) - input[axis])
                let small = needed / 2
                let large = needed - small
                begins.append(autoPad == .sameUpper ? small : large)
                ends.append(autoPad == .sameUpper ? large : small)
            }
            return begins + ends
        }
    }

    /// Output length of one axis. With `ceilMode`, a last window that would start in the end padding is dropped,
    /// as PyTorch and onnxruntime do.
    public static func outputSize(input: Int, kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, ceilMode: Bool = false) -> Int {
        let span = input + padBegin + padEnd - dilatedKernel(kernel, dilation: dilation)
        if span < 0 { return 0 }
        if !ceilMode { return span / stride + 1 }
        var output = (span + stride - 1) / stride + 1
        if (output - 1) * stride >= input + padBegin { output -= 1 }
        return output
    }
}
