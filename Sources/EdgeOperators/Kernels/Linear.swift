import EdgeIR

/// Gemm and MatMul on top of `MatrixMultiply`.
enum LinearKernels {
    static func gemm(_ attributes: Gemm, a: Tensor, b: Tensor, c: Tensor?, output: TensorType) -> Tensor {
        let m = output.shape[0], n = output.shape[1]
        let k = attributes.transposeA ? a.shape[0] : a.shape[1]
        var product = [Float](repeating: 0, count: m * n)
        a.floats!.withUnsafeBufferPointer { ap in
            b.floats!.withUnsafeBufferPointer { bp in
                product.withUnsafeMutableBufferPointer { cp in
                    MatrixMultiply.product(m: m, n: n, k: k, a: ap.baseAddress!, transposeA: attributes.transposeA,
                                           b: bp.baseAddress!, transposeB: attributes.transposeB, c: cp.baseAddress!, accumulate: false)
                }
            }
        }
        let addend: [Float]? = c.map { c in
            let values = c.floats!
            return Shapes.broadcastIndices(from: c.shape, to: [m, n]).map { values[$0] }
        }
        let alpha = attributes.alpha, beta = attributes.beta, activation = attributes.activation
        product.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                var v = alpha == 1 ? p[i] : alpha * p[i]
                if let addend = addend { v += beta * addend[i] }
                p[i] = activation?.apply(v) ?? v
            }
        }
        return Tensor(shape: output.shape, floats: product)
    }

    /// NumPy matmul's matrices: A is m×k and B k×n (a vector A a row, a vector B a column), and
    /// for each of the broadcast batch's products, which matrix of A and of B it reads.
    struct MatMulGeometry {
        let m: Int, k: Int, n: Int
        let aIndex: [Int], bIndex: [Int]

        init(a: [Int], b: [Int]) {
            let aShape = a.count == 1 ? [1] + a : a
            let bShape = b.count == 1 ? b + [1] : b
            m = aShape[aShape.count - 2]
            k = aShape[aShape.count - 1]
            n = bShape[bShape.count - 1]
            let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
            let batch = Shapes.broadcast(aBatch, bBatch)!
            aIndex = Shapes.broadcastIndices(from: aBatch, to: batch)
            bIndex = Shapes.broadcastIndices(from: bBatch, to: batch)
        }
    }

    static func matMul(a: Tensor, b: Tensor, activation: Activation?, output: TensorType) -> Tensor {
        let geometry = MatMulGeometry(a: a.shape, b: b.shape)
        let (m, k, n, aIndex, bIndex) = (geometry.m, geometry.k, geometry.n, geometry.aIndex, geometry.bIndex)
        var result = [Float](repeating: 0, count: aIndex.count * m * n)
        a.floats!.withUnsafeBufferPointer { ap in
            b.floats!.withUnsafeBufferPointer { bp in
                result.withUnsafeMutableBufferPointer { cp in
                    for i in 0..<aIndex.count {
                        MatrixMultiply.accumulate(
                            m: m, n: n, k: k,
                            a: ap.baseAddress! + aIndex[i] * m * k,
                            b: bp.baseAddress! + bIndex[i] * k * n,
                            c: cp.baseAddress! + i * m * n)
                    }
                }
            }
        }
        if let activation = activation {
            for i in result.indices { result[i] = activation.apply(result[i]) }
        }
        return Tensor(shape: output.shape, floats: result)
    }
}
