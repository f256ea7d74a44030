import Dispatch
import EdgeIR

/// Single-precision matrix multiply, the workhorse of Conv, Gemm and MatMul.
enum MatrixMultiply {
    /// `C[m][n] += sum_k A[m][k] * B[k][n]`, all row-major with leading dimensions equal to their widths.
    /// Blocked over K and N so a panel of B stays in cache; four rows of A share each load of B.
    /// Large products split their rows across cores.
    static func accumulate(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        let work = m * n * k
        let parallelism = work > 2_000_000 ? min(ProcessInfoCores.count, max(1, m / 8)) : 1
        if parallelism <= 1 {
            rows(0, m, n: n, k: k, a: a, b: b, c: c)
            return
        }
        let chunk = (m + parallelism - 1) / parallelism
        DispatchQueue.concurrentPerform(iterations: parallelism) { part in
            let start = part * chunk
            let end = min(m, start + chunk)
            if start < end { rows(start, end, n: n, k: k, a: a, b: b, c: c) }
        }
    }

    private static let kBlock = 256
    private static let nBlock = 512

    private static func rows(
        _ rowStart: Int, _ rowEnd: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        var k0 = 0
        while k0 < k {
            let k1 = min(k, k0 + kBlock)
            var n0 = 0
            while n0 < n {
                let n1 = min(n, n0 + nBlock)
                let width = n1 - n0
                var i = rowStart
                while i + 4 <= rowEnd {
                    let c0 = c + i * n + n0, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n
                    for p in k0..<k1 {
                        let a0 = a[i * k + p], a1 = a[(i + 1) * k + p], a2 = a[(i + 2) * k + p], a3 = a[(i + 3) * k + p]
                        let row = b + p * n + n0
                        for j in 0..<width {
                            let v = row[j]
                            c0[j] += a0 * v
                            c1[j] += a1 * v
                            c2[j] += a2 * v
                            c3[j] += a3 * v
                        }
                    }
                    i += 4
                }
                while i < rowEnd {
                    let c0 = c + i * n + n0
                    for p in k0..<k1 {
                        let a0 = a[i * k + p]
                        let row = b + p * n + n0
                        for j in 0..<width { c0[j] += a0 * row[j] }
                    }
                    i += 1
                }
                n0 = n1
            }
            k0 = k1
        }
    }

    /// Row-major transpose of a `rows x columns` matrix.
    static func transposed(_ x: [Float], rows: Int, columns: Int) -> [Float] {
        var result = [Float](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for r in 0..<rows {
                    for col in 0..<columns { target[col * rows + r] = source[r * columns + col] }
                }
            }
        }
        return result
    }
}

/// How many cores the kernels may use; `EDGEC_THREADS=1` pins the executor to one thread for benchmarks.
enum ProcessInfoCores {
    static let count: Int = {
        if let text = getenvString("EDGEC_THREADS"), let n = Int(text), n > 0 { return n }
        return max(1, sysconfCores())
    }()
}
