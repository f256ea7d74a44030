/*
 * x86/int8_tiles.c — the int8 micro-kernels (kernels/int8_fast.h) for x86-64 with SSE4.1 or AVX2,
 * chosen at run time: the library itself is built for baseline x86-64, and only these functions
 * are compiled for the newer instructions. Both widen int8 to int16 (PMOVSXBW) and multiply-add
 * pairs into int32 (PMADDWD), exact for these operands (|w · a| <= 2^14 and 128 · 255).
 *
 * AVX2: one 256-bit register holds two W rows × 8 depth steps and is multiplied by an A column
 * broadcast to both halves, so a 4 × 4 tile needs 8 accumulators (AVX2 has 16 registers).
 * SSE4.1: 2 rows × 4 columns at a time, twice. Measured on the build machine (an AVX2 x86-64 CPU,
 * one core; `edge-run --repeat`): see the commit that added them and the report in
 * tests/int8_fastpath_tests.c.
 */
#include "../int8_fast.h"
#include "../requantize.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* The 8 bytes at p, broadcast to both 64-bit halves of a 128-bit register. */
static inline __m128i edge_broadcast8(const int8_t *p)
{
    long long bits;
    memcpy(&bits, p, 8);
    return _mm_set1_epi64x(bits);
}

__attribute__((target("avx2"))) static void edge_int8_tile_avx2(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
    __m256i acc[2][4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) acc[0][j] = acc[1][j] = _mm256_setzero_si256();
    for (size_t b = 0; b < depth8 / 8; b++, w += 32, a += 32) {
        __m256i w01 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)w));
        __m256i w23 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(w + 16)));
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            __m256i column = _mm256_cvtepi8_epi16(edge_broadcast8(a + 8 * j));
            acc[0][j] = _mm256_add_epi32(acc[0][j], _mm256_madd_epi16(w01, column));
            acc[1][j] = _mm256_add_epi32(acc[1][j], _mm256_madd_epi16(w23, column));
        }
    }
    /* acc[p][j]: lanes 0-3 sum to (row 2p, column j), lanes 4-7 to (row 2p + 1, column j). */
#pragma GCC unroll 2
    for (int p = 0; p < 2; p++) {
        __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[p][0], acc[p][1]), _mm256_hadd_epi32(acc[p][2], acc[p][3]));
        _mm_storeu_si128((__m128i *)(void *)(out + 8 * p), _mm256_castsi256_si128(sums));
        _mm_storeu_si128((__m128i *)(void *)(out + 8 * p + 4), _mm256_extracti128_si256(sums, 1));
    }
}

__attribute__((target("avx2"))) static void edge_int8_rows_avx2(size_t depth, size_t rows, const int8_t *w, const int16_t *x,
                                                                int32_t *out)
{
    for (size_t i = 0; i < rows; i++, w += depth) {
        __m256i acc = _mm256_setzero_si256();
        size_t k = 0;
        for (; k + 16 <= depth; k += 16) {
            __m256i weights = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(w + k)));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(weights, _mm256_loadu_si256((const __m256i *)(const void *)(x + k))));
        }
        __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
        half = _mm_hadd_epi32(half, half);
        int32_t sum = _mm_cvtsi128_si32(_mm_hadd_epi32(half, half));
        for (; k < depth; k++) sum += w[k] * x[k];
        out[i] = sum;
    }
}

__attribute__((target("sse4.1"))) static void edge_int8_tile_sse41(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
#pragma GCC unroll 2
    for (int half = 0; half < 2; half++) {
        __m128i acc[2][4];
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) acc[0][j] = acc[1][j] = _mm_setzero_si128();
        const int8_t *wb = w + 16 * half, *ab = a;
        for (size_t b = 0; b < depth8 / 8; b++, wb += 32, ab += 32) {
            __m128i w0 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)wb));
            __m128i w1 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(wb + 8)));
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                __m128i column = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(ab + 8 * j)));
                acc[0][j] = _mm_add_epi32(acc[0][j], _mm_madd_epi16(w0, column));
                acc[1][j] = _mm_add_epi32(acc[1][j], _mm_madd_epi16(w1, column));
            }
        }
#pragma GCC unroll 2
        for (int r = 0; r < 2; r++) {
            __m128i sums = _mm_hadd_epi32(_mm_hadd_epi32(acc[r][0], acc[r][1]), _mm_hadd_epi32(acc[r][2], acc[r][3]));
            _mm_storeu_si128((__m128i *)(void *)(out + 4 * (2 * half + r)), sums);
        }
    }
}

__attribute__((target("sse4.1"))) static void edge_int8_rows_sse41(size_t depth, size_t rows, const int8_t *w, const int16_t *x,
                                                                  int32_t *out)
{
    for (size_t i = 0; i < rows; i++, w += depth) {
        __m128i acc = _mm_setzero_si128();
        size_t k = 0;
        for (; k + 8 <= depth; k += 8) {
            __m128i weights = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(w + k)));
            acc = _mm_add_epi32(acc, _mm_madd_epi16(weights, _mm_loadu_si128((const __m128i *)(const void *)(x + k))));
        }
        acc = _mm_hadd_epi32(acc, acc);
        int32_t sum = _mm_cvtsi128_si32(_mm_hadd_epi32(acc, acc));
        for (; k < depth; k++) sum += w[k] * x[k];
        out[i] = sum;
    }
}

/*
 * Requantization, 8 (AVX2) or 4 (SSE4.1) lanes at a time, the integer steps of requantize.h:
 * srdhm(x, m) = floor((x · m + 2^30) / 2^31) from PMULDQ's 64-bit products (even and odd lanes);
 * the low 32 bits of a logical right shift equal the arithmetic one's, as the result fits 32 bits
 * (m >= 0 rules out the one saturating case). Then the rounding shift with its mask and threshold,
 * and the clamp: first to ±2^24 so that adding the zero point cannot overflow.
 */
__attribute__((target("avx2"))) static void edge_int8_requantize_avx2(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift,
                                                                      int32_t zero, int32_t low, int32_t high, int8_t *out)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t mask_bits = (int32_t)((1u << right) - 1);
    __m128i left_count = _mm_cvtsi32_si128(left), right_count = _mm_cvtsi32_si128(right);
    __m256i m = _mm256_set1_epi32(multiplier), nudge = _mm256_set1_epi64x((long long)1 << 30);
    __m256i mask = _mm256_set1_epi32(mask_bits), half = _mm256_set1_epi32(mask_bits >> 1);
    __m256i lower = _mm256_set1_epi32(-(1 << 24)), upper = _mm256_set1_epi32(1 << 24), offset = _mm256_set1_epi32(zero);
    __m256i lowest = _mm256_set1_epi32(low), highest = _mm256_set1_epi32(high);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i x = _mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i)), left_count);
        __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
        __m256i odd = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge), 31);
        x = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
        __m256i remainder = _mm256_and_si256(x, mask), threshold = _mm256_add_epi32(half, _mm256_srli_epi32(x, 31));
        x = _mm256_sub_epi32(_mm256_sra_epi32(x, right_count), _mm256_cmpgt_epi32(remainder, threshold));
        x = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(x, lower), upper), offset);
        x = _mm256_min_epi32(_mm256_max_epi32(x, lowest), highest);
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(x), _mm256_extracti128_si256(x, 1));
        _mm_storel_epi64((__m128i *)(void *)(out + i), _mm_packs_epi16(words, words));
    }
    for (; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

__attribute__((target("sse4.1"))) static void edge_int8_requantize_sse41(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift,
                                                                        int32_t zero, int32_t low, int32_t high, int8_t *out)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t mask_bits = (int32_t)((1u << right) - 1);
    __m128i left_count = _mm_cvtsi32_si128(left), right_count = _mm_cvtsi32_si128(right);
    __m128i m = _mm_set1_epi32(multiplier), nudge = _mm_set1_epi64x((long long)1 << 30);
    __m128i mask = _mm_set1_epi32(mask_bits), half = _mm_set1_epi32(mask_bits >> 1);
    __m128i lower = _mm_set1_epi32(-(1 << 24)), upper = _mm_set1_epi32(1 << 24), offset = _mm_set1_epi32(zero);
    __m128i lowest = _mm_set1_epi32(low), highest = _mm_set1_epi32(high);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_sll_epi32(_mm_loadu_si128((const __m128i *)(const void *)(acc + i)), left_count);
        __m128i even = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epi32(x, m), nudge), 31);
        __m128i odd = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epi32(_mm_srli_epi64(x, 32), m), nudge), 31);
        x = _mm_blend_epi16(even, _mm_slli_epi64(odd, 32), 0xCC);
        __m128i remainder = _mm_and_si128(x, mask), threshold = _mm_add_epi32(half, _mm_srli_epi32(x, 31));
        x = _mm_sub_epi32(_mm_sra_epi32(x, right_count), _mm_cmpgt_epi32(remainder, threshold));
        x = _mm_add_epi32(_mm_min_epi32(_mm_max_epi32(x, lower), upper), offset);
        x = _mm_min_epi32(_mm_max_epi32(x, lowest), highest);
        __m128i words = _mm_packs_epi32(x, x);
        int32_t four = _mm_cvtsi128_si32(_mm_packs_epi16(words, words));
        memcpy(out + i, &four, 4);
    }
    for (; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

static const edge_int8_kernels edge_int8_avx2 = {"avx2", edge_int8_tile_avx2, edge_int8_rows_avx2, edge_int8_requantize_avx2};
static const edge_int8_kernels edge_int8_sse41 = {"sse4.1", edge_int8_tile_sse41, edge_int8_rows_sse41, edge_int8_requantize_sse41};

size_t edge_int8_x86_sets(const edge_int8_kernels **sets, size_t capacity)
{
    size_t count = 0;
    if (count < capacity && __builtin_cpu_supports("avx2")) sets[count++] = &edge_int8_avx2;
    if (count < capacity && __builtin_cpu_supports("sse4.1")) sets[count++] = &edge_int8_sse41;
    return count;
}

#else

size_t edge_int8_x86_sets(const edge_int8_kernels **sets, size_t capacity)
{
    (void)sets;
    (void)capacity;
    return 0;
}

#endif
