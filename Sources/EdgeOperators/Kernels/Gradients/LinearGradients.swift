import EdgeIR

/// Backward of Gemm and MatMul: matrix products of the output gradient with the other operand.
enum LinearGradients {
    /// Gradients of A, B and C of `Y = alpha·op(A)·op(B) + beta·C`, from `g` = dY (after any
    /// fused activation). Each is computed only when `wants` says so.
    static func gemm(_ attributes: Gemm, a: Tensor, b: Tensor, c: Tensor?, g: [Float], wants: (Int) -> Bool) -> [Tensor?] {
        let transA = attributes.transposeA, transB = attributes.transposeB
        let m = transA ? a.shape[1] : a.shape[0], k = transA ? a.shape[0] : a.shape[1]
        let n = transB ? b.shape[0] : b.shape[1]
        let alpha = attributes.alpha
        var da: Tensor?, db: Tensor?, dc: Tensor?
        g.withUnsafeBufferPointer { gp in
            if wants(0) {
                var result = [Float](repeating: 0, count: m * k)
                b.floats!.withUnsafeBufferPointer { bp in
                    result.withUnsafeMutableBufferPointer { rp in
                        if transA {   // dA = alpha · op(B) · Gᵀ, k×m
                            MatrixMultiply.product(m: k, n: m, k: n, a: bp.baseAddress!, transposeA: transB, b: gp.baseAddress!, transposeB: true, c: rp.baseAddress!, accumulate: false)
                        } else {      // dA = alpha · G · op(B)ᵀ, m×k
                            MatrixMultiply.product(m: m, n: k, k: n, a: gp.baseAddress!, transposeA: false, b: bp.baseAddress!, transposeB: !transB, c: rp.baseAddress!, accumulate: false)
                        }
                    }
                }
                da = Tensor(shape: a.shape, floats: alpha == 1 ? result : result.map { $0 * alpha })
            }
            if wants(1) {
                var result = [Float](repeating: 0, count: k * n)
                a.floats!.withUnsafeBufferPointer { ap in
                    result.withUnsafeMutableBufferPointer { rp in
                        if transB {   // dB = alpha · Gᵀ · op(A), n×k
                            MatrixMultiply.product(m: n, n: k, k: m, a: gp.baseAddress!, transposeA: true, b: ap.baseAddress!, transposeB: transA, c: rp.baseAddress!, accumulate: false)
                        } else {      // dB = alpha · op(A)ᵀ · G, k×n
                            MatrixMultiply.product(m: k, n: n, k: m, a: ap.baseAddress!, transposeA: !transA, b: gp.baseAddress!, transposeB: false, c: rp.baseAddress!, accumulate: false)
                        }
                    }
                }
                db = Tensor(shape: b.shape, floats: alpha == 1 ? result : result.map { $0 * alpha })
            }
        }
        if let c, wants(2) {
            let beta = attributes.beta
            dc = Tensor(shape: c.shape, floats: ElementwiseGradients.reduce(g, from: [m, n], to: c.shape).map { $0 * beta })
        }
        return [da, db, dc]
    }

    /// Gradients of A and B of NumPy's matmul (batch dimensions broadcast), from `g` = dY.
    static func matMul(a: Tensor, b: Tensor, g: [Float], wants: (Int) -> Bool) -> [Tensor?] {
        let geometry = LinearKernels.MatMulGeometry(a: a.shape, b: b.shape)
        let (m, k, n, aIndex, bIndex) = (geometry.m, geometry.k, geometry.n, geometry.aIndex, geometry.bIndex)
        var da = wants(0) ? [Float](repeating: 0, count: a.elementCount) : []
        var db = wants(1) ? [Float](repeating: 0, count: b.elementCount) : []
        a.floats!.withUnsafeBufferPointer { ap in
            b.floats!.withUnsafeBufferPointer { bp in
                g.withUnsafeBufferPointer { gp in
                    da.withUnsafeMutableBufferPointer { dap in
                        db.withUnsafeMutableBufferPointer { dbp in
                            for i in 0..<aIndex.count {
                                let gi = gp.baseAddress! + i * m * n
                                if let target = dap.baseAddress {   // dA_i += G_i · B_iᵀ
                                    MatrixMultiply.product(m: m, n: k, k: n, a: gi, transposeA: false, b: bp.baseAddress! + bIndex[i] * k * n, transposeB: true,
                                                           c: target + aIndex[i] * m * k, accumulate: true)
                                }
                                if let target = dbp.baseAddress {   // dB_i += A_iᵀ · G_i
                                    MatrixMultiply.product(m: k, n: n, k: m, a: ap.baseAddress! + aIndex[i] * m * k, transposeA: true, b: gi, transposeB: false,
                                                           c: target + bIndex[i] * k * n, accumulate: true)
                                }
                            }
                        }
                    }
                }
            }
        }
        return [wants(0) ? Tensor(shape: a.shape, floats: da) : nil, wants(1) ? Tensor(shape: b.shape, floats: db) : nil]
    }
}
