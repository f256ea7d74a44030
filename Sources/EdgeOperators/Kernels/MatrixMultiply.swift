import COpenBLAS
import EdgeIR

/// Single-precision matrix products, the workhorse of Conv, Gemm and MatMul forward and backward.
/// They run on OpenBLAS: calibration and training spend their time here, and a tuned BLAS is
/// what makes the host executor fast enough for real models. The executor's results stay the
/// reference the runtime is tested against: tests compare with onnxruntime and PyTorch within
/// float tolerance, never bit for bit.
enum MatrixMultiply {
    /// `C[m][n] += sum_k A[m][k] * B[k][n]`, all row-major with leading dimensions equal to their widths.
    static func accumulate(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>
    ) {
        product(m: m, n: n, k: k, a: a, transposeA: false, b: b, transposeB: false, c: c, accumulate: true)
    }

    /// `C = op(A)·op(B)` (or `C += …` with `accumulate`), row-major; op transposes when asked.
    /// op(A) is m×k and op(B) is k×n; the stored A is k×m when transposed, B n×k.
    static func product(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Float>, transposeA: Bool, b: UnsafePointer<Float>, transposeB: Bool,
        c: UnsafeMutablePointer<Float>, accumulate: Bool
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        BLASThreads.configure
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), 1, a, blasint(transposeA ? m : k), b, blasint(transposeB ? k : n),
                    accumulate ? 1 : 0, c, blasint(n))
    }
}

/// OpenBLAS uses as many threads as the executor may (`EDGEC_THREADS`), set once.
private enum BLASThreads {
    static let configure: Void = { openblas_set_num_threads(Int32(ProcessInfoCores.count)) }()
}

/// How many cores the kernels may use; `EDGEC_THREADS=1` pins the executor to one thread for benchmarks.
enum ProcessInfoCores {
    static let count: Int = {
        if let text = getenvString("EDGEC_THREADS"), let n = Int(text), n > 0 { return n }
        return max(1, sysconfCores())
    }()
}
