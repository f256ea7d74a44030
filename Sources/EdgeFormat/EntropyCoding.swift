/// The ENTROPY section compression of formats/edgem.md: an adaptive binary range coder over bytes.
///
/// Each byte is coded as 8 binary decisions, most significant bit first, down a tree of 255
/// adaptive probabilities; the byte's position modulo `contexts` (1, 2, 4 or 8) picks one of that
/// many trees, so the bytes of int32 and float32 arrays each learn their own statistics. A
/// probability adapts at the rate 1/(n + 1.5) after n observations, n capped at `limit`. No table
/// is stored; the stored bytes are a 2-byte header `[log2(contexts), limit]` and the range coder's
/// output.
///
///     let stored = EntropyCoding.encode(weights)
///     let back = EntropyCoding.decode(stored, size: weights.count)   // == weights
public enum EntropyCoding {
    static let probabilityBits = 12
    static let probabilityOne: UInt32 = 1 << 12
    static let minimumProbability: UInt32 = 32
    static let topValue: UInt32 = 1 << 24
    /// The adaptation rate after n observations, in 1/65536: floor(131072 / (2n + 3)).
    static let rates: [UInt32] = (0..<256).map { 131_072 / (2 * UInt32($0) + 3) }
    /// A decoder refuses `size > maximumExpansion × stored size`: no stream expands more.
    public static let maximumExpansion = 128

    /// Encodes with each context count and keeps the smallest stream.
    public static func encode(_ bytes: [UInt8], limit: UInt8 = 60) -> [UInt8] {
        var best: [UInt8] = []
        for contextsLog2 in 0...3 {
            let stream = encode(bytes, contextsLog2: contextsLog2, limit: limit)
            if best.isEmpty || stream.count < best.count { best = stream }
        }
        return best
    }

    public static func encode(_ bytes: [UInt8], contextsLog2: Int, limit: UInt8) -> [UInt8] {
        var model = Model(contextsLog2: contextsLog2, limit: limit)
        var output: [UInt8] = [UInt8(contextsLog2), limit]
        output.reserveCapacity(bytes.count + 16)
        var low: UInt64 = 0, range: UInt32 = 0xFFFF_FFFF
        var cache: UInt8 = 0, pending = 1
        func shiftLow() {
            if low < 0xFF00_0000 || low >= 1 << 32 {
                let carry = UInt8(truncatingIfNeeded: low >> 32)
                output.append(cache &+ carry)
                for _ in 1..<pending { output.append(0xFF &+ carry) }
                pending = 0
                cache = UInt8(truncatingIfNeeded: low >> 24)
            }
            pending += 1
            low = (low & 0x00FF_FFFF) << 8
        }
        for (position, byte) in bytes.enumerated() {
            let tree = model.tree(at: position)
            var node = 1
            for shift in stride(from: 7, through: 0, by: -1) {
                let bit = Int(byte >> UInt8(shift)) & 1
                let bound = (range >> UInt32(probabilityBits)) * model.probabilities[tree + node]
                if bit == 0 {
                    range = bound
                } else {
                    low += UInt64(bound)
                    range -= bound
                }
                while range < topValue {
                    range <<= 8
                    shiftLow()
                }
                model.update(tree + node, bit: bit)
                node = node * 2 + bit
            }
        }
        for _ in 0..<5 { shiftLow() }
        return output
    }

    /// The `size` bytes `stored` decodes to, or nil when it is not a valid stream of exactly that size.
    public static func decode(_ stored: [UInt8], size: Int) -> [UInt8]? {
        guard stored.count >= 7, stored[0] <= 3, stored[1] >= 1, stored[2] == 0,
              size <= maximumExpansion * stored.count else { return nil }
        var model = Model(contextsLog2: Int(stored[0]), limit: stored[1])
        var position = 3
        var code: UInt32 = 0, range: UInt32 = 0xFFFF_FFFF
        for _ in 0..<4 {
            code = code << 8 | UInt32(stored[position])
            position += 1
        }
        var output = [UInt8](repeating: 0, count: size)
        for index in 0..<size {
            let tree = model.tree(at: index)
            var node = 1
            for _ in 0..<8 {
                let bound = (range >> UInt32(probabilityBits)) * model.probabilities[tree + node]
                let bit: Int
                if code < bound {
                    range = bound
                    bit = 0
                } else {
                    code -= bound
                    range -= bound
                    bit = 1
                }
                while range < topValue {
                    guard position < stored.count else { return nil }
                    range <<= 8
                    code = code << 8 | UInt32(stored[position])
                    position += 1
                }
                model.update(tree + node, bit: bit)
                node = node * 2 + bit
            }
            output[index] = UInt8(truncatingIfNeeded: node)
        }
        return position == stored.count && code == 0 ? output : nil
    }

    /// `contexts` trees of 256 probabilities of a 0 bit (index 0 unused) and their observation counts.
    struct Model {
        var probabilities: [UInt32]
        var counts: [UInt8]
        let mask: Int
        let limit: UInt8

        init(contextsLog2: Int, limit: UInt8) {
            probabilities = [UInt32](repeating: probabilityOne / 2, count: 256 << contextsLog2)
            counts = [UInt8](repeating: 0, count: 256 << contextsLog2)
            mask = (1 << contextsLog2) - 1
            self.limit = limit
        }

        func tree(at position: Int) -> Int { (position & mask) << 8 }

        mutating func update(_ index: Int, bit: Int) {
            let p = probabilities[index], rate = rates[Int(counts[index])]
            var next = bit == 0 ? p + ((probabilityOne - p) * rate) >> 16 : p - (p * rate) >> 16
            next = min(max(next, minimumProbability), probabilityOne - minimumProbability)
            probabilities[index] = next
            if counts[index] < limit { counts[index] += 1 }
        }
    }
}
