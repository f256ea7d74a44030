/*
 * x86/float_tiles.c — the float GEMM micro-kernels (edge_float_tiles, internal.h) for x86-64 CPUs
 * with AVX2 and FMA, chosen at run time: the library is built for baseline x86-64, and only these
 * functions are compiled for the newer instructions.
 *
 * A tile is 6 rows of A by one or two strips of B (8 or 16 columns, one or two 8-lane registers; a
 * strip packed, read in place with B's row stride, or through a pointer per row). Per depth step it
 * loads B's row, broadcasts each row's A value and does a fused multiply-add per strip and row into
 * accumulators that stay in registers for the whole depth; the tile is then finished in registers
 * (C's old values, the bias, RELU or CLIP) and its rows stored straight into C.
 *
 * Measured on the build machine (Zen 4, one core; its FMA peak 58 GMAC/s in ymm and in zmm alike),
 * one tile over a depth of 256 in L1: 6 rows 52-55 GMAC/s; the same with AVX-512 VL's 32 registers
 * and 8, 10 or 12 rows 44-47, so there is no AVX-512 tile. The fused products round once where the
 * portable tile rounds twice: float results agree with the reference within its tolerance, not bit
 * for bit across instruction sets.
 */
#include "../../internal.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* 6 rows: 12 accumulators, the two strips and a broadcast fill the 16 registers. */
#define EDGE_AVX2_ROWS 6

/* One depth step: B's row (x0, x1) times each row's A value into the accumulators. */
#define EDGE_AVX2_STEP(x0, x1, ap)                                                                   \
    _Pragma("GCC unroll 16") for (int i = 0; i < EDGE_AVX2_ROWS; i++)                                 \
    {                                                                                                \
        __m256 s = _mm256_broadcast_ss((ap) + (size_t)i * a_row);                                    \
        acc[i][0] = _mm256_fmadd_ps(s, (x0), acc[i][0]);                                             \
        if (strips == 2) acc[i][1] = _mm256_fmadd_ps(s, (x1), acc[i][1]);                            \
    }

/* `strips` (1 or 2, a constant in each caller) strips of 8 columns. The clamp is edge_maxf's and
   edge_minf's rule as compares and blends, low where low >= v, then high where high < v: NaN kept,
   and the sign of a zero as theirs (MAXPS and MINPS alone return v for equal operands, so RELU of
   -0 would stay -0). */
__attribute__((target("avx2,fma"), always_inline)) static inline void edge_float_tile_avx2_strips(
    size_t depth, const float *restrict a, size_t a_row, size_t a_step, const edge_float_b *b, float *restrict c, size_t ldc,
    const edge_float_finish *finish, const int strips)
{
    __m256 acc[EDGE_AVX2_ROWS][2];
#pragma GCC unroll 16
    for (int i = 0; i < EDGE_AVX2_ROWS; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    if (b->rows) {
        const float *const *rows = b->rows;
        size_t column = b->column;
        for (size_t p = 0; p < depth; p++) {
            const float *row = rows[p] + column;
            __m256 x0 = _mm256_loadu_ps(row), x1 = strips == 2 ? _mm256_loadu_ps(row + EDGE_GEMM_NR) : x0;
            EDGE_AVX2_STEP(x0, x1, a + p * a_step)
        }
    } else {
        const float *b0 = b->b0, *b1 = b->b1;
        size_t stride = b->stride;
        for (size_t p = 0; p < depth; p++) {
            __m256 x0 = _mm256_loadu_ps(b0 + p * stride), x1 = strips == 2 ? _mm256_loadu_ps(b1 + p * stride) : x0;
            EDGE_AVX2_STEP(x0, x1, a + p * a_step)
        }
    }
    __m256 low = _mm256_set1_ps(finish->low), high = _mm256_set1_ps(finish->high);
#pragma GCC unroll 16
    for (int i = 0; i < EDGE_AVX2_ROWS; i++) {
        if ((size_t)i == finish->rows) break;
        __m256 add = _mm256_set1_ps(finish->bias ? finish->bias[i] : 0.0f);
#pragma GCC unroll 2
        for (int h = 0; h < strips; h++) {
            float *out = c + (size_t)i * ldc + h * EDGE_GEMM_NR;
            __m256 v = acc[i][h];
            if (finish->accumulate) v = _mm256_add_ps(v, _mm256_loadu_ps(out));
            if (finish->bias) v = _mm256_add_ps(v, add);
            if (finish->clamp) {
                v = _mm256_blendv_ps(v, low, _mm256_cmp_ps(low, v, _CMP_GE_OQ));
                v = _mm256_blendv_ps(v, high, _mm256_cmp_ps(high, v, _CMP_LT_OQ));
            }
            _mm256_storeu_ps(out, v);
        }
    }
}

__attribute__((target("avx2,fma"))) static void edge_float_tile_avx2(size_t depth, const float *restrict a, size_t a_row, size_t a_step,
                                                                     const edge_float_b *b, float *restrict c, size_t ldc,
                                                                     const edge_float_finish *finish)
{
    edge_float_tile_avx2_strips(depth, a, a_row, a_step, b, c, ldc, finish, 2);
}

/* One strip: the last columns of a product whose width is not a multiple of 16 (a 7 × 7 plane's 49
   is three tiles and one column), at half the cost of a whole tile. */
__attribute__((target("avx2,fma"))) static void edge_float_narrow_avx2(size_t depth, const float *restrict a, size_t a_row, size_t a_step,
                                                                       const edge_float_b *b, float *restrict c, size_t ldc,
                                                                       const edge_float_finish *finish)
{
    edge_float_tile_avx2_strips(depth, a, a_row, a_step, b, c, ldc, finish, 1);
}

static const edge_float_tiles edge_float_avx2 = {"avx2-fma", EDGE_AVX2_ROWS, 2, edge_float_tile_avx2, edge_float_narrow_avx2};

size_t edge_float_x86_tiles(const edge_float_tiles **sets, size_t capacity)
{
    size_t count = 0;
    if (count < capacity && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) sets[count++] = &edge_float_avx2;
    return count;
}

#else

size_t edge_float_x86_tiles(const edge_float_tiles **sets, size_t capacity)
{
    (void)sets;
    (void)capacity;
    return 0;
}

#endif
