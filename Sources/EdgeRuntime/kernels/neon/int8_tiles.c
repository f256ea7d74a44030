/*
 * neon/int8_tiles.c — the int8 micro-kernels (kernels/int8_fast.h) for ARM NEON, chosen when the
 * library is compiled:
 *   - aarch64 with the dot-product extension (-march=armv8.2-a+dotprod): SDOT, 4 products per lane
 *     and instruction; one register holds two W rows × 8 depth steps against an A column repeated;
 *   - aarch64: SMULL (int8 × int8 → int16, exact: |w · a| <= 2^14) then SADALP into int32, a 4 × 4
 *     tile in 16 accumulators;
 *   - armv7 NEON: the same instructions, 2 rows at a time (16 quad registers in all).
 * The `rows` kernel widens W to int16 and multiply-accumulates against A − z (SMLAL).
 */
#include "../int8_fast.h"
#include "../requantize.h"

#if defined(__ARM_NEON)
#include <arm_neon.h>

static inline int32_t edge_sum_lanes(int32x4_t v)
{
#if defined(__aarch64__)
    return vaddvq_s32(v);
#else
    int32x2_t pairs = vadd_s32(vget_low_s32(v), vget_high_s32(v));
    return vget_lane_s32(vpadd_s32(pairs, pairs), 0);
#endif
}

static void edge_int8_rows_neon(size_t depth, size_t rows, const int8_t *w, const int16_t *x, int32_t *out)
{
    for (size_t i = 0; i < rows; i++, w += depth) {
        int32x4_t acc = vdupq_n_s32(0);
        size_t k = 0;
        for (; k + 8 <= depth; k += 8) {
            int16x8_t weights = vmovl_s8(vld1_s8(w + k)), values = vld1q_s16(x + k);
            acc = vmlal_s16(acc, vget_low_s16(weights), vget_low_s16(values));
            acc = vmlal_s16(acc, vget_high_s16(weights), vget_high_s16(values));
        }
        int32_t sum = edge_sum_lanes(acc);
        for (; k < depth; k++) sum += w[k] * x[k];
        out[i] = sum;
    }
}

/* Rows [first, first + count) of the tile by SMULL + SADALP; each accumulator's 4 lanes sum to one output. */
static inline void edge_int8_tile_rows(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out, int first, int count)
{
    int32x4_t acc[4][4];
    for (int i = 0; i < count; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_s32(0);
    for (size_t b = 0; b < depth8 / 8; b++, w += 32, a += 32) {
        int8x8_t columns[4];
        for (int j = 0; j < 4; j++) columns[j] = vld1_s8(a + 8 * j);
        for (int i = 0; i < count; i++) {
            int8x8_t row = vld1_s8(w + 8 * (first + i));
            for (int j = 0; j < 4; j++) acc[i][j] = vpadalq_s16(acc[i][j], vmull_s8(row, columns[j]));
        }
    }
    for (int i = 0; i < count; i++)
        for (int j = 0; j < 4; j++) out[(first + i) * 4 + j] = edge_sum_lanes(acc[i][j]);
}

/* Requantization 8 lanes at a time: SQRDMULH is srdhm exactly (floor((2 · x · m + 2^31) / 2^32),
   never saturating as m >= 0), then the rounding shift with requantize.h's mask and threshold. */
static void edge_int8_requantize_neon(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift, int32_t zero, int32_t low,
                                      int32_t high, int8_t *out)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    int32_t mask_bits = (int32_t)((1u << right) - 1);
    int32x4_t left_count = vdupq_n_s32(left), right_count = vdupq_n_s32(-right);
    int32x4_t mask = vdupq_n_s32(mask_bits), half = vdupq_n_s32(mask_bits >> 1);
    int32x4_t lower = vdupq_n_s32(-(1 << 24)), upper = vdupq_n_s32(1 << 24), offset = vdupq_n_s32(zero);
    int32x4_t lowest = vdupq_n_s32(low), highest = vdupq_n_s32(high);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x4_t words[2];
        for (int h = 0; h < 2; h++) {
            int32x4_t x = vqrdmulhq_n_s32(vshlq_s32(vld1q_s32(acc + i + 4 * h), left_count), multiplier);
            int32x4_t remainder = vandq_s32(x, mask);
            int32x4_t threshold = vaddq_s32(half, vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_s32(x), 31)));
            x = vsubq_s32(vshlq_s32(x, right_count), vreinterpretq_s32_u32(vcgtq_s32(remainder, threshold)));
            x = vaddq_s32(vminq_s32(vmaxq_s32(x, lower), upper), offset);
            words[h] = vqmovn_s32(vminq_s32(vmaxq_s32(x, lowest), highest));
        }
        vst1_s8(out + i, vqmovn_s16(vcombine_s16(words[0], words[1])));
    }
    for (; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

#if defined(__aarch64__)
static void edge_int8_tile_neon(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
    edge_int8_tile_rows(depth8, w, a, out, 0, 4);
}
#define EDGE_INT8_NEON_NAME "neon"
#else
static void edge_int8_tile_neon(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
    edge_int8_tile_rows(depth8, w, a, out, 0, 2);
    edge_int8_tile_rows(depth8, w, a, out, 2, 2);
}
#define EDGE_INT8_NEON_NAME "neon (armv7)"
#endif

static const edge_int8_kernels edge_int8_neon = {EDGE_INT8_NEON_NAME, edge_int8_tile_neon, edge_int8_rows_neon, edge_int8_requantize_neon};

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
static void edge_int8_tile_dotprod(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
    int32x4_t acc[2][4];
    for (int p = 0; p < 2; p++)
        for (int j = 0; j < 4; j++) acc[p][j] = vdupq_n_s32(0);
    for (size_t b = 0; b < depth8 / 8; b++, w += 32, a += 32) {
        int8x16_t w01 = vld1q_s8(w), w23 = vld1q_s8(w + 16);
        for (int j = 0; j < 4; j++) {
            int8x8_t half = vld1_s8(a + 8 * j);
            int8x16_t column = vcombine_s8(half, half);
            acc[0][j] = vdotq_s32(acc[0][j], w01, column);
            acc[1][j] = vdotq_s32(acc[1][j], w23, column);
        }
    }
    /* acc[p][j] lanes: (row 2p, column j) twice, then (row 2p + 1, column j) twice. */
    for (int p = 0; p < 2; p++) {
        int32x4_t low = vpaddq_s32(acc[p][0], acc[p][1]), high = vpaddq_s32(acc[p][2], acc[p][3]);
        vst1q_s32(out + 8 * p, vuzp1q_s32(low, high));
        vst1q_s32(out + 8 * p + 4, vuzp2q_s32(low, high));
    }
}

static const edge_int8_kernels edge_int8_dotprod = {"neon-dotprod", edge_int8_tile_dotprod, edge_int8_rows_neon,
                                                    edge_int8_requantize_neon};
#endif

size_t edge_int8_neon_sets(const edge_int8_kernels **sets, size_t capacity)
{
    size_t count = 0;
#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
    if (count < capacity) sets[count++] = &edge_int8_dotprod;
#endif
    if (count < capacity) sets[count++] = &edge_int8_neon;
    return count;
}

#else

size_t edge_int8_neon_sets(const edge_int8_kernels **sets, size_t capacity)
{
    (void)sets;
    (void)capacity;
    return 0;
}

#endif
