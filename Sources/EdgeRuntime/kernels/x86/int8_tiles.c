/*
 * x86/int8_tiles.c — the int8 micro-kernels (kernels/int8_fast.h) for x86-64, chosen at run time:
 * the library itself is built for baseline x86-64, and only these functions are compiled for the
 * newer instructions.
 *
 * SSE4.1 and AVX2 widen int8 to int16 (PMOVSXBW) and multiply-add pairs into int32 (PMADDWD),
 * exact for these operands (|w · a| <= 2^14). Each accumulator holds one (row, column) of the
 * tile, 8 (SSE4.1) or 16 (AVX2) depth steps wide, summed across at the end; a 4 × 4 tile is done
 * as two 4 × 2 halves, as 8 accumulators, 4 widened rows and 2 widened columns fill 14 of the 16
 * vector registers.
 *
 * AVX-VNNI and AVX-512 VNNI multiply unsigned by signed bytes with VPDPBUSD, 4 products per lane
 * and instruction without widening: they read A XOR 0x80 = A + 128 (a_offset 128; the driver's
 * offsets subtract 128 · ΣW). VPDPBUSD wraps rather than saturates, and no partial sum can leave
 * 32 bits: |W · (A + 128)| <= 128 · 255, and load checks 255 · Σ|W|. AVX-VNNI does the 4 × 4 tile
 * as two 4 × 2 halves, 32 steps at a time, then 8. AVX-512 VNNI takes packed columns instead
 * (`pack` and `panel`): a 4 × 4 tile of dot products, each summed across its 16 lanes at the end,
 * cost more in those sums than in the products on the shallow depths of 1 × 1 convolutions (68
 * GMAC/s on a 1 × 1 128 → 256 layer, 107 with the panel; a 3 × 3 64 → 64 layer 125 → 142).
 *
 * Measured on the build machine (an AVX2 x86-64 CPU, one core; `edge-run --repeat`): see the
 * commits that added them and the report in tests/int8_fastpath_tests.c (--bench).
 */
#include "../int8_fast.h"
#include "../requantize.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* 16 bytes widened to 16 int16 lanes; 8 bytes widened to the low 8 lanes, the high 8 zero. */
#define EDGE_WIDEN16(p) _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define EDGE_WIDEN8(p) _mm256_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(p)))

/* The row sums of 8 accumulators (rows 0-3 × columns 0-1, 8 lanes each): *low = (r0c0, r0c1, r1c0,
   r1c1), *high = (r2c0, r2c1, r3c0, r3c1). */
__attribute__((target("avx2"))) static inline void edge_sum_pairs_avx2(const __m256i acc[4][2], __m128i *low, __m128i *high)
{
    __m256i top = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0][0], acc[0][1]), _mm256_hadd_epi32(acc[1][0], acc[1][1]));
    __m256i bottom = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[2][0], acc[2][1]), _mm256_hadd_epi32(acc[3][0], acc[3][1]));
    *low = _mm_add_epi32(_mm256_castsi256_si128(top), _mm256_extracti128_si256(top, 1));
    *high = _mm_add_epi32(_mm256_castsi256_si128(bottom), _mm256_extracti128_si256(bottom, 1));
}

/* Stores the tile from its two halves' sums (columns 0-1 and 2-3) plus each row's offset. */
static inline void edge_store_tile(const __m128i low[2], const __m128i high[2], const int32_t *offsets, int32_t *out, size_t stride)
{
    __m128i rows[4] = {_mm_unpacklo_epi64(low[0], low[1]), _mm_unpackhi_epi64(low[0], low[1]), _mm_unpacklo_epi64(high[0], high[1]),
                       _mm_unpackhi_epi64(high[0], high[1])};
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++)
        _mm_storeu_si128((__m128i *)(void *)(out + (size_t)i * stride), _mm_add_epi32(rows[i], _mm_set1_epi32(offsets[i])));
}

/* Rows 0-3 against columns a0 and a1. */
__attribute__((target("avx2"))) static inline void edge_int8_half_avx2(size_t depth8, const int8_t *const *w, const int8_t *a0,
                                                                        const int8_t *a1, __m128i *low, __m128i *high)
{
    __m256i acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    size_t k = 0;
    for (; k + 16 <= depth8; k += 16) {
        __m256i c0 = EDGE_WIDEN16(a0 + k), c1 = EDGE_WIDEN16(a1 + k);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            __m256i row = EDGE_WIDEN16(w[i] + k);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(row, c0));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(row, c1));
        }
    }
    if (k < depth8) { /* the last 8 steps; the widened high lanes are zero */
        __m256i c0 = EDGE_WIDEN8(a0 + k), c1 = EDGE_WIDEN8(a1 + k);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            __m256i row = EDGE_WIDEN8(w[i] + k);
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(row, c0));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(row, c1));
        }
    }
    edge_sum_pairs_avx2((const __m256i(*)[2])acc, low, high);
}

__attribute__((target("avx2"))) static void edge_int8_tile_avx2(size_t depth8, const int8_t *const *w, const int8_t *const *a,
                                                                const int32_t *offsets, int32_t *out, size_t stride)
{
    __m128i low[2], high[2];
    edge_int8_half_avx2(depth8, w, a[0], a[1], &low[0], &high[0]);
    edge_int8_half_avx2(depth8, w, a[2], a[3], &low[1], &high[1]);
    edge_store_tile(low, high, offsets, out, stride);
}

__attribute__((target("sse4.1"))) static inline void edge_int8_half_sse41(size_t depth8, const int8_t *const *w, const int8_t *a0,
                                                                          const int8_t *a1, __m128i *low, __m128i *high)
{
    __m128i acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm_setzero_si128();
    for (size_t k = 0; k < depth8; k += 8) {
        __m128i c0 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(a0 + k)));
        __m128i c1 = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(a1 + k)));
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            __m128i row = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(w[i] + k)));
            acc[i][0] = _mm_add_epi32(acc[i][0], _mm_madd_epi16(row, c0));
            acc[i][1] = _mm_add_epi32(acc[i][1], _mm_madd_epi16(row, c1));
        }
    }
    *low = _mm_hadd_epi32(_mm_hadd_epi32(acc[0][0], acc[0][1]), _mm_hadd_epi32(acc[1][0], acc[1][1]));
    *high = _mm_hadd_epi32(_mm_hadd_epi32(acc[2][0], acc[2][1]), _mm_hadd_epi32(acc[3][0], acc[3][1]));
}

__attribute__((target("sse4.1"))) static void edge_int8_tile_sse41(size_t depth8, const int8_t *const *w, const int8_t *const *a,
                                                                  const int32_t *offsets, int32_t *out, size_t stride)
{
    __m128i low[2], high[2];
    edge_int8_half_sse41(depth8, w, a[0], a[1], &low[0], &high[0]);
    edge_int8_half_sse41(depth8, w, a[2], a[3], &low[1], &high[1]);
    edge_store_tile(low, high, offsets, out, stride);
}

/* Σ_k w[k] · x[k] of one row: 16 steps at a time, then one by one. */
__attribute__((target("avx2"))) static inline int32_t edge_int8_row_avx2(size_t depth, const int8_t *w, const int16_t *x)
{
    __m256i acc = _mm256_setzero_si256();
    size_t k = 0;
    for (; k + 16 <= depth; k += 16) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(EDGE_WIDEN16(w + k), _mm256_loadu_si256((const __m256i *)(const void *)(x + k))));
    __m128i half = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    half = _mm_hadd_epi32(half, half);
    int32_t sum = _mm_cvtsi128_si32(_mm_hadd_epi32(half, half));
    for (; k < depth; k++) sum += w[k] * x[k];
    return sum;
}

/* 4 rows at a time share the loads of x and one reduction. */
__attribute__((target("avx2"))) static void edge_int8_rows_avx2(size_t depth, size_t rows, const int8_t *w, const int16_t *x,
                                                                int32_t *out)
{
    size_t i = 0;
    for (; i + 4 <= rows && depth >= 16; i += 4, w += 4 * depth) {
        __m256i acc[4];
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) acc[r] = _mm256_setzero_si256();
        size_t k = 0;
        for (; k + 16 <= depth; k += 16) {
            __m256i values = _mm256_loadu_si256((const __m256i *)(const void *)(x + k));
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(EDGE_WIDEN16(w + (size_t)r * depth + k), values));
        }
        __m256i sums = _mm256_hadd_epi32(_mm256_hadd_epi32(acc[0], acc[1]), _mm256_hadd_epi32(acc[2], acc[3]));
        __m128i four = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
        int32_t tails[4] = {0, 0, 0, 0};
        for (int r = 0; r < 4; r++)
            for (size_t j = k; j < depth; j++) tails[r] += w[(size_t)r * depth + j] * x[j];
        _mm_storeu_si128((__m128i *)(void *)(out + i), _mm_add_epi32(four, _mm_loadu_si128((const __m128i *)(const void *)tails)));
    }
    for (; i < rows; i++, w += depth) out[i] = edge_int8_row_avx2(depth, w, x);
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

/* ---- VNNI: unsigned × signed bytes ----------------------------------------------------------------- */

/* 8 bytes in the low quarter of a 256-bit register, the rest zero. */
#define EDGE_LOAD8_256(p) _mm256_inserti128_si256(_mm256_setzero_si256(), _mm_loadl_epi64((const __m128i *)(const void *)(p)), 0)

__attribute__((target("avx2,avxvnni"))) static inline void edge_int8_half_avxvnni(size_t depth8, const int8_t *const *w, const int8_t *a0,
                                                                                  const int8_t *a1, __m128i *low, __m128i *high)
{
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    __m256i acc[4][2];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
    size_t k = 0;
    for (; k + 32 <= depth8; k += 32) {
        __m256i c0 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(a0 + k)), flip);
        __m256i c1 = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(const void *)(a1 + k)), flip);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            __m256i row = _mm256_loadu_si256((const __m256i *)(const void *)(w[i] + k));
            acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], c0, row);
            acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], c1, row);
        }
    }
    for (; k < depth8; k += 8) { /* the zero high bytes of W cancel those of A, 0x80 after the flip */
        __m256i c0 = _mm256_xor_si256(EDGE_LOAD8_256(a0 + k), flip), c1 = _mm256_xor_si256(EDGE_LOAD8_256(a1 + k), flip);
#pragma GCC unroll 4
        for (int i = 0; i < 4; i++) {
            __m256i row = EDGE_LOAD8_256(w[i] + k);
            acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], c0, row);
            acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], c1, row);
        }
    }
    edge_sum_pairs_avx2((const __m256i(*)[2])acc, low, high);
}

__attribute__((target("avx2,avxvnni"))) static void edge_int8_tile_avxvnni(size_t depth8, const int8_t *const *w, const int8_t *const *a,
                                                                           const int32_t *offsets, int32_t *out, size_t stride)
{
    __m128i low[2], high[2];
    edge_int8_half_avxvnni(depth8, w, a[0], a[1], &low[0], &high[0]);
    edge_int8_half_avxvnni(depth8, w, a[2], a[3], &low[1], &high[1]);
    edge_store_tile(low, high, offsets, out, stride);
}

#define EDGE_AVX512_VNNI "avx2,avx512f,avx512bw,avx512vl,avx512vnni"

/* The same steps 16 lanes at a time (AVX-512 F), the tail masked; the clamped values narrow to bytes
   in one instruction (VPMOVSDB). */
__attribute__((target(EDGE_AVX512_VNNI))) static void edge_int8_requantize_avx512(size_t n, const int32_t *acc, int32_t multiplier,
                                                                                  int32_t shift, int32_t zero, int32_t low, int32_t high,
                                                                                  int8_t *out)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t mask_bits = (int32_t)((1u << right) - 1);
    __m128i left_count = _mm_cvtsi32_si128(left), right_count = _mm_cvtsi32_si128(right);
    __m512i m = _mm512_set1_epi32(multiplier), nudge = _mm512_set1_epi64((long long)1 << 30), one = _mm512_set1_epi32(1);
    __m512i mask = _mm512_set1_epi32(mask_bits), half = _mm512_set1_epi32(mask_bits >> 1), offset = _mm512_set1_epi32(zero);
    /* clamp(x + z, low, high) as clamp(x, low − z, high − z) + z: the same for every x, with no
       overflow to guard against, since the bounds are within ±255. */
    __m512i lowest = _mm512_set1_epi32(low - zero), highest = _mm512_set1_epi32(high - zero);
    for (size_t i = 0; i < n; i += 16) {
        bool whole = n - i >= 16;
        __mmask16 lanes = whole ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512i x = whole ? _mm512_loadu_si512(acc + i) : _mm512_maskz_loadu_epi32(lanes, acc + i);
        if (left) x = _mm512_sll_epi32(x, left_count);
        /* The doubled high half of x · m + 2^30 is bits 31..62 of the 64-bit product: shifted down
           into the low half of the even lanes, up into the high half of the odd ones. */
        __m512i even = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mul_epi32(x, m), nudge), 31);
        __m512i odd = _mm512_slli_epi64(_mm512_add_epi64(_mm512_mul_epi32(_mm512_shuffle_epi32(x, _MM_PERM_DDBB), m), nudge), 1);
        x = _mm512_mask_blend_epi32((__mmask16)0xAAAA, even, odd);
        __m512i remainder = _mm512_and_si512(x, mask), threshold = _mm512_add_epi32(half, _mm512_srli_epi32(x, 31));
        x = _mm512_sra_epi32(x, right_count);
        x = _mm512_mask_add_epi32(x, _mm512_cmpgt_epi32_mask(remainder, threshold), x, one);
        x = _mm512_add_epi32(_mm512_min_epi32(_mm512_max_epi32(x, lowest), highest), offset);
        /* In int8 range now, so narrowing truncates (VPMOVDB). To memory, with a mask, only for the
           tail: on Zen 4 the memory form is microcoded, and as the store of every 16 results it took a
           third of this kernel's time. The empty asm keeps the compiler from folding the narrowing
           and the plain store back into it. */
        if (whole) {
            __m128i bytes = _mm512_cvtepi32_epi8(x);
            __asm__("" : "+v"(bytes));
            _mm_storeu_si128((__m128i *)(void *)(out + i), bytes);
        } else {
            _mm512_mask_cvtepi32_storeu_epi8(out + i, lanes, x);
        }
    }
}


/* Columns packed 16 at a time (int8_fast.h, `pack`), flipped to A + 128: each 64-byte piece of 16
   columns is 16 rows of 16 words (groups of 4 bytes), transposed so that a row holds one group of all
   16 columns. The loads are masked to the depth, and the columns past `columns` are zero. */
__attribute__((target(EDGE_AVX512_VNNI))) static void edge_int8_pack_avx512vnni(size_t depth8, const int8_t *a, size_t a_stride,
                                                                                size_t columns, int8_t *packed)
{
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    size_t groups = depth8 / 4;
    for (size_t j0 = 0; j0 < columns; j0 += 16, packed += 16 * depth8) {
        size_t width = edge_min(16, columns - j0);
        for (size_t k = 0; k < depth8; k += 64) {
            __mmask64 mask = depth8 - k >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << (depth8 - k)) - 1;
            __m512i r[16], t[16], u[16];
            for (size_t j = 0; j < 16; j++) r[j] = j < width ? _mm512_maskz_loadu_epi8(mask, a + (j0 + j) * a_stride + k) : _mm512_setzero_si512();
            /* 32-bit, then 64-bit interleaves: u[4q + e], 128-bit lane L, holds word 4L + e of columns 4q..4q+3. */
            for (int q = 0; q < 8; q++) {
                t[2 * q] = _mm512_unpacklo_epi32(r[2 * q], r[2 * q + 1]);
                t[2 * q + 1] = _mm512_unpackhi_epi32(r[2 * q], r[2 * q + 1]);
            }
            for (int q = 0; q < 4; q++) {
                u[4 * q] = _mm512_unpacklo_epi64(t[4 * q], t[4 * q + 2]);
                u[4 * q + 1] = _mm512_unpackhi_epi64(t[4 * q], t[4 * q + 2]);
                u[4 * q + 2] = _mm512_unpacklo_epi64(t[4 * q + 1], t[4 * q + 3]);
                u[4 * q + 3] = _mm512_unpackhi_epi64(t[4 * q + 1], t[4 * q + 3]);
            }
            /* Then the 4 × 4 transposition of 128-bit lanes: word m = 4L + e of all 16 columns. */
            size_t first = k / 4;
            for (int e = 0; e < 4; e++) {
                __m512i v0 = _mm512_shuffle_i32x4(u[e], u[4 + e], 0x44), v1 = _mm512_shuffle_i32x4(u[e], u[4 + e], 0xEE);
                __m512i v2 = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0x44), v3 = _mm512_shuffle_i32x4(u[8 + e], u[12 + e], 0xEE);
                __m512i words[4] = {_mm512_shuffle_i32x4(v0, v2, 0x88), _mm512_shuffle_i32x4(v0, v2, 0xDD),
                                    _mm512_shuffle_i32x4(v1, v3, 0x88), _mm512_shuffle_i32x4(v1, v3, 0xDD)};
                for (size_t l = 0; l < 4; l++) {
                    size_t group = first + 4 * l + (size_t)e;
                    if (group < groups) _mm512_storeu_si512(packed + group * 64, _mm512_xor_si512(words[l], flip));
                }
            }
        }
    }
}

/* 4 rows of W against packed columns: each group of 4 weight bytes broadcast (VPDPBUSD's memory
   operand) against 16 columns in a register, 64 columns at a time, then 16, the last masked. */
__attribute__((target(EDGE_AVX512_VNNI))) static void edge_int8_panel_avx512vnni(size_t depth8, const int8_t *const *w, const int8_t *packed,
                                                                                 size_t columns, const int32_t *offsets, int32_t *out,
                                                                                 size_t stride)
{
    size_t groups = depth8 / 4, span = 16 * depth8;
    __m512i start[4];
    for (int i = 0; i < 4; i++) start[i] = _mm512_set1_epi32(offsets[i]);
    size_t j = 0;
    for (; j + 64 <= columns; j += 64) {
        const int8_t *p = packed + j / 16 * span;
        __m512i acc[4][4];
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 4; c++) acc[i][c] = start[i];
        for (size_t g = 0; g < groups; g++) {
            __m512i c0 = _mm512_loadu_si512(p + g * 64), c1 = _mm512_loadu_si512(p + span + g * 64);
            __m512i c2 = _mm512_loadu_si512(p + 2 * span + g * 64), c3 = _mm512_loadu_si512(p + 3 * span + g * 64);
            for (int i = 0; i < 4; i++) {
                int32_t word;
                memcpy(&word, w[i] + 4 * g, sizeof word);
                __m512i b = _mm512_set1_epi32(word);
                acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], c0, b);
                acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], c1, b);
                acc[i][2] = _mm512_dpbusd_epi32(acc[i][2], c2, b);
                acc[i][3] = _mm512_dpbusd_epi32(acc[i][3], c3, b);
            }
        }
        for (int i = 0; i < 4; i++)
            for (int c = 0; c < 4; c++) _mm512_storeu_si512(out + (size_t)i * stride + j + 16 * (size_t)c, acc[i][c]);
    }
    for (; j < columns; j += 16) {
        const int8_t *p = packed + j / 16 * span;
        __m512i acc[4] = {start[0], start[1], start[2], start[3]};
        for (size_t g = 0; g < groups; g++) {
            __m512i c0 = _mm512_loadu_si512(p + g * 64);
            for (int i = 0; i < 4; i++) {
                int32_t word;
                memcpy(&word, w[i] + 4 * g, sizeof word);
                acc[i] = _mm512_dpbusd_epi32(acc[i], c0, _mm512_set1_epi32(word));
            }
        }
        __mmask16 mask = columns - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (columns - j)) - 1);
        for (int i = 0; i < 4; i++) _mm512_mask_storeu_epi32(out + (size_t)i * stride + j, mask, acc[i]);
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
    /* clamp(x + z, low, high) as clamp(x, low − z, high − z) + z (as the AVX-512 kernel). */
    __m256i offset = _mm256_set1_epi32(zero), lowest = _mm256_set1_epi32(low - zero), highest = _mm256_set1_epi32(high - zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256i x = _mm256_sll_epi32(_mm256_loadu_si256((const __m256i *)(const void *)(acc + i)), left_count);
        __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, m), nudge), 31);
        __m256i odd = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), m), nudge), 31);
        x = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
        __m256i remainder = _mm256_and_si256(x, mask), threshold = _mm256_add_epi32(half, _mm256_srli_epi32(x, 31));
        x = _mm256_sub_epi32(_mm256_sra_epi32(x, right_count), _mm256_cmpgt_epi32(remainder, threshold));
        x = _mm256_add_epi32(_mm256_min_epi32(_mm256_max_epi32(x, lowest), highest), offset);
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
    /* clamp(x + z, low, high) as clamp(x, low − z, high − z) + z (as the AVX-512 kernel). */
    __m128i offset = _mm_set1_epi32(zero), lowest = _mm_set1_epi32(low - zero), highest = _mm_set1_epi32(high - zero);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128i x = _mm_sll_epi32(_mm_loadu_si128((const __m128i *)(const void *)(acc + i)), left_count);
        __m128i even = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epi32(x, m), nudge), 31);
        __m128i odd = _mm_srli_epi64(_mm_add_epi64(_mm_mul_epi32(_mm_srli_epi64(x, 32), m), nudge), 31);
        x = _mm_blend_epi16(even, _mm_slli_epi64(odd, 32), 0xCC);
        __m128i remainder = _mm_and_si128(x, mask), threshold = _mm_add_epi32(half, _mm_srli_epi32(x, 31));
        x = _mm_sub_epi32(_mm_sra_epi32(x, right_count), _mm_cmpgt_epi32(remainder, threshold));
        x = _mm_add_epi32(_mm_min_epi32(_mm_max_epi32(x, lowest), highest), offset);
        __m128i words = _mm_packs_epi32(x, x);
        int32_t four = _mm_cvtsi128_si32(_mm_packs_epi16(words, words));
        memcpy(out + i, &four, 4);
    }
    for (; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

/*
 * Depthwise rows: taps taken in pairs, their bytes sign-extended to int16 (PMOVSXBW), interleaved
 * (PUNPCKLWD/PUNPCKHWD) and multiplied by the interleaved pair of weights with PMADDWD,
 * w0 · x0 + w1 · x1 per int32 lane, exact (each product is at most 2^14 in size; the additions wrap,
 * as the interface asks); an odd last tap pairs with a zero weight. The unpacks
 * split a vector's lanes into its low and high halves of each 128-bit lane, which the AVX2 kernel
 * puts back in order once, after all taps.
 */
/* The weights as pairs (w[t], w[t + 1]) in the two int16 halves of an int32, the last one (0) when
   the count is odd; returns the number of pairs. */
static size_t edge_weight_pairs(const int16_t *w, size_t taps, int32_t *pairs)
{
    size_t count = 0;
    for (size_t t = 0; t < taps; t += 2) {
        uint16_t low = (uint16_t)w[t], high = t + 1 < taps ? (uint16_t)w[t + 1] : 0;
        pairs[count++] = (int32_t)((uint32_t)low | (uint32_t)high << 16);
    }
    return count;
}

__attribute__((target("avx2"))) static void edge_int8_depthwise_avx2(size_t n, size_t taps, const int8_t *const *x, const int16_t *w,
                                                                     int32_t *acc)
{
    int32_t pairs[13];
    size_t whole = taps / 2, count = edge_weight_pairs(w, taps, pairs);
    for (size_t i = 0; i < n; i += 16) { /* up to n rounded up to 16: the slack */
        __m256i low = _mm256_setzero_si256(), high = _mm256_setzero_si256();
        for (size_t k = 0; k < count; k++) {
            __m256i a = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x[2 * k] + i)));
            __m256i b = k < whole ? _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(x[2 * k + 1] + i)))
                                  : _mm256_setzero_si256();
            __m256i pair = _mm256_set1_epi32(pairs[k]);
            low = _mm256_add_epi32(low, _mm256_madd_epi16(_mm256_unpacklo_epi16(a, b), pair));
            high = _mm256_add_epi32(high, _mm256_madd_epi16(_mm256_unpackhi_epi16(a, b), pair));
        }
        /* low holds outputs 0-3 and 8-11, high 4-7 and 12-15 */
        __m256i first = _mm256_permute2x128_si256(low, high, 0x20), second = _mm256_permute2x128_si256(low, high, 0x31);
        __m256i *out = (__m256i *)(void *)(acc + i);
        _mm256_storeu_si256(out, _mm256_add_epi32(_mm256_loadu_si256(out), first));
        _mm256_storeu_si256(out + 1, _mm256_add_epi32(_mm256_loadu_si256(out + 1), second));
    }
}

/* 32 outputs at a time while the run allows (up to n rounded up to 16, the interface's slack), the
   last 16 as the AVX2 kernel does them. The unpacks work within 128-bit lanes: low holds outputs
   0-3, 8-11, 16-19 and 24-27, high the others, put back in order by two permutations of 64-bit
   words after all taps. */
__attribute__((target(EDGE_AVX512_VNNI))) static void edge_int8_depthwise_avx512(size_t n, size_t taps, const int8_t *const *x,
                                                                                const int16_t *w, int32_t *acc)
{
    int32_t pairs[13];
    size_t whole = taps / 2, count = edge_weight_pairs(w, taps, pairs), limit = (n + 15) / 16 * 16, i = 0;
    const __m512i first_order = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11), second_order = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    for (; i + 32 <= limit; i += 32) {
        __m512i low = _mm512_setzero_si512(), high = _mm512_setzero_si512();
        for (size_t k = 0; k < count; k++) {
            __m512i a = _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(x[2 * k] + i)));
            __m512i b = k < whole ? _mm512_cvtepi8_epi16(_mm256_loadu_si256((const __m256i *)(const void *)(x[2 * k + 1] + i)))
                                  : _mm512_setzero_si512();
            __m512i pair = _mm512_set1_epi32(pairs[k]);
            low = _mm512_add_epi32(low, _mm512_madd_epi16(_mm512_unpacklo_epi16(a, b), pair));
            high = _mm512_add_epi32(high, _mm512_madd_epi16(_mm512_unpackhi_epi16(a, b), pair));
        }
        __m512i *out = (__m512i *)(void *)(acc + i);
        _mm512_storeu_si512(out, _mm512_add_epi32(_mm512_loadu_si512(out), _mm512_permutex2var_epi64(low, first_order, high)));
        _mm512_storeu_si512(out + 1, _mm512_add_epi32(_mm512_loadu_si512(out + 1), _mm512_permutex2var_epi64(low, second_order, high)));
    }
    if (i < n) {
        const int8_t *rest[26]; /* taps <= 25, as `pairs` assumes */
        for (size_t t = 0; t < taps; t++) rest[t] = x[t] + i;
        edge_int8_depthwise_avx2(n - i, taps, rest, w, acc + i);
    }
}

__attribute__((target("sse4.1"))) static void edge_int8_depthwise_sse41(size_t n, size_t taps, const int8_t *const *x, const int16_t *w,
                                                                       int32_t *acc)
{
    int32_t pairs[13];
    size_t whole = taps / 2, count = edge_weight_pairs(w, taps, pairs);
    for (size_t i = 0; i < n; i += 8) { /* up to n rounded up to 8: the slack */
        __m128i low = _mm_setzero_si128(), high = _mm_setzero_si128();
        for (size_t k = 0; k < count; k++) {
            __m128i a = _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(x[2 * k] + i)));
            __m128i b = k < whole ? _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(x[2 * k + 1] + i))) : _mm_setzero_si128();
            __m128i pair = _mm_set1_epi32(pairs[k]);
            low = _mm_add_epi32(low, _mm_madd_epi16(_mm_unpacklo_epi16(a, b), pair));
            high = _mm_add_epi32(high, _mm_madd_epi16(_mm_unpackhi_epi16(a, b), pair));
        }
        __m128i *out = (__m128i *)(void *)(acc + i);
        _mm_storeu_si128(out, _mm_add_epi32(_mm_loadu_si128(out), low));
        _mm_storeu_si128(out + 1, _mm_add_epi32(_mm_loadu_si128(out + 1), high));
    }
}

/*
 * Quantization, 8 (AVX2) or 4 (SSE4.1) floats at a time, the steps of edge_quantize_float: the
 * IEEE quotient x / scale (DIVPS, as the scalar division), rounded half away from zero as roundf
 * does: truncated (ROUNDPS), plus ±1 where the part cut off is at least one half (exact: both are
 * integers or halves below 2^24, or x is already whole); NaN to 0; clamped so that adding the zero
 * point stays in int8.
 */
__attribute__((target("avx2"))) static void edge_int8_quantize_avx2(size_t n, const float *x, float scale, int32_t zero, int8_t *out)
{
    __m256 divisor = _mm256_set1_ps(scale), sign = _mm256_set1_ps(-0.0f), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    __m256 lowest = _mm256_set1_ps((float)(-128 - zero)), highest = _mm256_set1_ps((float)(127 - zero));
    __m256i offset = _mm256_set1_epi32(zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_div_ps(_mm256_loadu_ps(x + i), divisor);
        __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m256 cut = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
        __m256 step = _mm256_and_ps(_mm256_cmp_ps(cut, half, _CMP_GE_OQ), _mm256_or_ps(one, _mm256_and_ps(v, sign)));
        __m256 q = _mm256_andnot_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q), _mm256_add_ps(t, step));
        q = _mm256_min_ps(_mm256_max_ps(q, lowest), highest);
        __m256i values = _mm256_add_epi32(_mm256_cvttps_epi32(q), offset);
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(values), _mm256_extracti128_si256(values, 1));
        _mm_storel_epi64((__m128i *)(void *)(out + i), _mm_packs_epi16(words, words));
    }
    for (; i < n; i++) out[i] = edge_quantize_float(x[i], scale, zero);
}

__attribute__((target("sse4.1"))) static void edge_int8_quantize_sse41(size_t n, const float *x, float scale, int32_t zero, int8_t *out)
{
    __m128 divisor = _mm_set1_ps(scale), sign = _mm_set1_ps(-0.0f), half = _mm_set1_ps(0.5f), one = _mm_set1_ps(1.0f);
    __m128 lowest = _mm_set1_ps((float)(-128 - zero)), highest = _mm_set1_ps((float)(127 - zero));
    __m128i offset = _mm_set1_epi32(zero);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128 v = _mm_div_ps(_mm_loadu_ps(x + i), divisor);
        __m128 t = _mm_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
        __m128 cut = _mm_andnot_ps(sign, _mm_sub_ps(v, t));
        __m128 step = _mm_and_ps(_mm_cmpge_ps(cut, half), _mm_or_ps(one, _mm_and_ps(v, sign)));
        __m128 q = _mm_andnot_ps(_mm_cmpunord_ps(v, v), _mm_add_ps(t, step));
        q = _mm_min_ps(_mm_max_ps(q, lowest), highest);
        __m128i values = _mm_add_epi32(_mm_cvttps_epi32(q), offset);
        __m128i words = _mm_packs_epi32(values, values);
        int32_t four = _mm_cvtsi128_si32(_mm_packs_epi16(words, words));
        memcpy(out + i, &four, 4);
    }
    for (; i < n; i++) out[i] = edge_quantize_float(x[i], scale, zero);
}

/*
 * LOOKUP with AVX-512 VBMI where the CPU has it (VPERMI2B: a 128-entry byte table for 64 bytes in one
 * instruction): the index x + 128 is x XOR 0x80; its low 7 bits pick from either half of the table,
 * its top bit which half. The AVX-512 VNNI set runs it when the CPU also has VBMI (Ice Lake and
 * later, Zen 4), the portable loop otherwise; the other x86 sets use the portable loop.
 */
#define EDGE_AVX512_VBMI "avx512f,avx512bw,avx512vbmi"
__attribute__((target(EDGE_AVX512_VBMI))) static void edge_int8_lookup_vbmi(size_t n, const int8_t *x, const int8_t *table, int8_t *out)
{
    __m512i quarter[4];
    for (int q = 0; q < 4; q++) quarter[q] = _mm512_loadu_si512((const void *)(table + 64 * q));
    __m512i flip = _mm512_set1_epi8((char)0x80);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i index = _mm512_xor_si512(_mm512_loadu_si512((const void *)(x + i)), flip);
        __m512i low = _mm512_permutex2var_epi8(quarter[0], index, quarter[1]);
        __m512i high = _mm512_permutex2var_epi8(quarter[2], index, quarter[3]);
        _mm512_storeu_si512((void *)(out + i), _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
    }
    if (i < n) {
        __mmask64 rest = _cvtu64_mask64(~UINT64_C(0) >> (64 - (n - i)));
        __m512i index = _mm512_xor_si512(_mm512_maskz_loadu_epi8(rest, x + i), flip);
        __m512i low = _mm512_permutex2var_epi8(quarter[0], index, quarter[1]);
        __m512i high = _mm512_permutex2var_epi8(quarter[2], index, quarter[3]);
        _mm512_mask_storeu_epi8(out + i, rest, _mm512_mask_blend_epi8(_mm512_movepi8_mask(index), low, high));
    }
}

static void edge_int8_lookup_avx512(size_t n, const int8_t *x, const int8_t *table, int8_t *out)
{
    if (__builtin_cpu_supports("avx512vbmi")) edge_int8_lookup_vbmi(n, x, table, out);
    else edge_int8_lookup_c(n, x, table, out);
}

static const edge_int8_kernels edge_int8_avx512vnni = {"avx512-vnni", 128, NULL, edge_int8_rows_avx2,
                                                       edge_int8_requantize_avx512, edge_int8_depthwise_avx512, edge_int8_quantize_avx2,
                                                       edge_int8_lookup_avx512, edge_int8_pack_avx512vnni, edge_int8_panel_avx512vnni};
static const edge_int8_kernels edge_int8_avxvnni = {"avx-vnni", 128, edge_int8_tile_avxvnni, edge_int8_rows_avx2, edge_int8_requantize_avx2,
                                                    edge_int8_depthwise_avx2, edge_int8_quantize_avx2, edge_int8_lookup_c, NULL, NULL};
static const edge_int8_kernels edge_int8_avx2 = {"avx2", 0, edge_int8_tile_avx2, edge_int8_rows_avx2, edge_int8_requantize_avx2,
                                                 edge_int8_depthwise_avx2, edge_int8_quantize_avx2, edge_int8_lookup_c, NULL, NULL};
static const edge_int8_kernels edge_int8_sse41 = {"sse4.1", 0, edge_int8_tile_sse41, edge_int8_rows_sse41, edge_int8_requantize_sse41,
                                                  edge_int8_depthwise_sse41, edge_int8_quantize_sse41, edge_int8_lookup_c, NULL, NULL};

/* The VNNI sets also run AVX2 code (their rows and requantize kernels, the tile's sums). */
static bool edge_cpu_avx512vnni(void)
{
    return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx2");
}
static bool edge_cpu_avxvnni(void) { return __builtin_cpu_supports("avxvnni") && __builtin_cpu_supports("avx2"); }
static bool edge_cpu_avx2(void) { return __builtin_cpu_supports("avx2"); }
static bool edge_cpu_sse41(void) { return __builtin_cpu_supports("sse4.1"); }

/* Every set this file builds, fastest first, with the test of whether this CPU runs it. */
static const struct {
    const edge_int8_kernels *kernels;
    bool (*supported)(void);
} edge_int8_x86[] = {
    {&edge_int8_avx512vnni, edge_cpu_avx512vnni},
    {&edge_int8_avxvnni, edge_cpu_avxvnni},
    {&edge_int8_avx2, edge_cpu_avx2},
    {&edge_int8_sse41, edge_cpu_sse41},
};

#define EDGE_X86_SETS (sizeof edge_int8_x86 / sizeof edge_int8_x86[0])

size_t edge_int8_x86_sets(const edge_int8_kernels **sets, size_t capacity)
{
    size_t count = 0;
    for (size_t s = 0; s < EDGE_X86_SETS && count < capacity; s++)
        if (edge_int8_x86[s].supported()) sets[count++] = edge_int8_x86[s].kernels;
    return count;
}

size_t edge_int8_x86_missing(const char **names, size_t capacity)
{
    size_t count = 0;
    for (size_t s = 0; s < EDGE_X86_SETS && count < capacity; s++)
        if (!edge_int8_x86[s].supported()) names[count++] = edge_int8_x86[s].kernels->name;
    return count;
}

#else

size_t edge_int8_x86_sets(const edge_int8_kernels **sets, size_t capacity)
{
    (void)sets;
    (void)capacity;
    return 0;
}

size_t edge_int8_x86_missing(const char **names, size_t capacity)
{
    (void)names;
    (void)capacity;
    return 0;
}

#endif
