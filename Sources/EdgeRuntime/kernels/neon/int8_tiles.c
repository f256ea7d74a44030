/*
 * neon/int8_tiles.c — the int8 micro-kernels (kernels/int8_fast.h) for ARM NEON, chosen when the
 * library is compiled. Each accumulator holds one (row, column) of the tile and is summed across
 * at the end:
 *   - aarch64 with the dot-product extension (-march=armv8.2-a+dotprod): SDOT, 4 products per lane
 *     and instruction, 16 depth steps at a time (the 4 × 4 tile's 16 accumulators, 4 columns and a
 *     row fit the 32 registers);
 *   - aarch64: SMULL (int8 × int8 → int16, exact: |w · a| <= 2^14) then SADALP into int32, 8 depth
 *     steps at a time, the whole tile at once;
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

/* (Σ lanes of a0, of a1, of a2, of a3). */
static inline int32x4_t edge_sum4(int32x4_t a0, int32x4_t a1, int32x4_t a2, int32x4_t a3)
{
    int32x2_t s01 = vpadd_s32(vpadd_s32(vget_low_s32(a0), vget_high_s32(a0)), vpadd_s32(vget_low_s32(a1), vget_high_s32(a1)));
    int32x2_t s23 = vpadd_s32(vpadd_s32(vget_low_s32(a2), vget_high_s32(a2)), vpadd_s32(vget_low_s32(a3), vget_high_s32(a3)));
    return vcombine_s32(s01, s23);
}

/* Rows [first, first + count) of the tile by SMULL + SADALP. */
static inline void edge_int8_tile_rows(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out,
                                       size_t stride, int first, int count)
{
    int32x4_t acc[4][4];
    for (int i = 0; i < count; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_s32(0);
    for (size_t k = 0; k < depth8; k += 8) {
        int8x8_t columns[4];
        for (int j = 0; j < 4; j++) columns[j] = vld1_s8(a[j] + k);
        for (int i = 0; i < count; i++) {
            int8x8_t row = vld1_s8(w[first + i] + k);
            for (int j = 0; j < 4; j++) acc[i][j] = vpadalq_s16(acc[i][j], vmull_s8(row, columns[j]));
        }
    }
    for (int i = 0; i < count; i++) {
        int32x4_t sums = edge_sum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
        vst1q_s32(out + (size_t)(first + i) * stride, vaddq_s32(sums, vdupq_n_s32(offsets[first + i])));
    }
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
    /* clamp(x + z, low, high) as clamp(x, low − z, high − z) + z: exact, the bounds being within ±255. */
    int32x4_t offset = vdupq_n_s32(zero), lowest = vdupq_n_s32(low - zero), highest = vdupq_n_s32(high - zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x4_t words[2];
        for (int h = 0; h < 2; h++) {
            int32x4_t x = vqrdmulhq_n_s32(vshlq_s32(vld1q_s32(acc + i + 4 * h), left_count), multiplier);
            int32x4_t remainder = vandq_s32(x, mask);
            int32x4_t threshold = vaddq_s32(half, vreinterpretq_s32_u32(vshrq_n_u32(vreinterpretq_u32_s32(x), 31)));
            x = vsubq_s32(vshlq_s32(x, right_count), vreinterpretq_s32_u32(vcgtq_s32(remainder, threshold)));
            words[h] = vqmovn_s32(vaddq_s32(vminq_s32(vmaxq_s32(x, lowest), highest), offset));
        }
        vst1_s8(out + i, vqmovn_s16(vcombine_s16(words[0], words[1])));
    }
    for (; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

/* Depthwise rows: each tap's bytes widened to int16 (SXTL), then SMLAL by its weight into int32,
   exact (a product is at most 2^14 in size; the additions wrap, as the interface asks), 8 outputs
   at a time. */
static void edge_int8_depthwise_neon(size_t n, size_t taps, const int8_t *const *x, const int16_t *w, int32_t *acc)
{
    for (size_t i = 0; i < n; i += 8) { /* up to n rounded up to 8: the slack */
        int32x4_t low = vld1q_s32(acc + i), high = vld1q_s32(acc + i + 4);
        for (size_t t = 0; t < taps; t++) {
            int16x8_t values = vmovl_s8(vld1_s8(x[t] + i));
            low = vmlal_n_s16(low, vget_low_s16(values), w[t]);
            high = vmlal_n_s16(high, vget_high_s16(values), w[t]);
        }
        vst1q_s32(acc + i, low);
        vst1q_s32(acc + i + 4, high);
    }
}

#if defined(__aarch64__)
/* Quantization, 4 floats at a time: the IEEE quotient (FDIV, as the scalar division), FRINTA (round
   half away from zero, as roundf), NaN to 0, clamped so that adding the zero point stays in int8. */
static void edge_int8_quantize_neon(size_t n, const float *x, float scale, int32_t zero, int8_t *out)
{
    float32x4_t divisor = vdupq_n_f32(scale), lowest = vdupq_n_f32((float)(-128 - zero)), highest = vdupq_n_f32((float)(127 - zero));
    int32x4_t offset = vdupq_n_s32(zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int16x4_t halves[2];
        for (int h = 0; h < 2; h++) {
            float32x4_t v = vdivq_f32(vld1q_f32(x + i + 4 * (size_t)h), divisor);
            uint32x4_t number = vceqq_f32(v, v);
            float32x4_t q = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(vrndaq_f32(v)), number));
            q = vminq_f32(vmaxq_f32(q, lowest), highest);
            halves[h] = vqmovn_s32(vaddq_s32(vcvtq_s32_f32(q), offset));
        }
        vst1_s8(out + i, vqmovn_s16(vcombine_s16(halves[0], halves[1])));
    }
    for (; i < n; i++) out[i] = edge_quantize_float(x[i], scale, zero);
}
#else
/* armv7 NEON has no division: its set quantizes as the portable C does. */
static void edge_int8_quantize_neon(size_t n, const float *x, float scale, int32_t zero, int8_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = edge_quantize_float(x[i], scale, zero);
}
#endif

#if defined(__aarch64__)
/* LOOKUP by TBL over four 64-byte quarters of the table (TBX keeps a lane whose index is out of a
   quarter's range), the index x + 128 as x XOR 0x80 less 64 per quarter. */
static void edge_int8_lookup_neon(size_t n, const int8_t *x, const int8_t *table, int8_t *out)
{
    int8x16x4_t quarter[4];
    for (int q = 0; q < 4; q++) quarter[q] = vld1q_s8_x4(table + 64 * q);
    uint8x16_t flip = vdupq_n_u8(0x80), step = vdupq_n_u8(64);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint8x16_t index = veorq_u8(vreinterpretq_u8_s8(vld1q_s8(x + i)), flip);
        int8x16_t result = vqtbl4q_s8(quarter[0], index);
        for (int q = 1; q < 4; q++) {
            index = vsubq_u8(index, step);
            result = vqtbx4q_s8(result, quarter[q], index);
        }
        vst1q_s8(out + i, result);
    }
    edge_int8_lookup_c(n - i, x + i, table, out + i);
}
#else
#define edge_int8_lookup_neon edge_int8_lookup_c /* armv7's VTBL reaches 32 entries: the portable loop */
#endif

#if defined(__aarch64__)
static void edge_int8_tile_neon(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out,
                                size_t stride)
{
    edge_int8_tile_rows(depth8, w, a, offsets, out, stride, 0, 4);
}
#define EDGE_INT8_NEON_NAME "neon"
#else
static void edge_int8_tile_neon(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out,
                                size_t stride)
{
    edge_int8_tile_rows(depth8, w, a, offsets, out, stride, 0, 2);
    edge_int8_tile_rows(depth8, w, a, offsets, out, stride, 2, 2);
}
#define EDGE_INT8_NEON_NAME "neon (armv7)"
#endif

static const edge_int8_kernels edge_int8_neon = {EDGE_INT8_NEON_NAME, 0, edge_int8_tile_neon, edge_int8_rows_neon, edge_int8_requantize_neon,
                                                 edge_int8_depthwise_neon, edge_int8_quantize_neon, edge_int8_lookup_neon,
                                                 NULL, NULL};

#if defined(__aarch64__) && defined(__ARM_FEATURE_DOTPROD)
static void edge_int8_tile_dotprod(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out,
                                   size_t stride)
{
    int32x4_t acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = vdupq_n_s32(0);
    size_t k = 0;
    for (; k + 16 <= depth8; k += 16) {
        int8x16_t columns[4];
        for (int j = 0; j < 4; j++) columns[j] = vld1q_s8(a[j] + k);
        for (int i = 0; i < 4; i++) {
            int8x16_t row = vld1q_s8(w[i] + k);
            for (int j = 0; j < 4; j++) acc[i][j] = vdotq_s32(acc[i][j], row, columns[j]);
        }
    }
    if (k < depth8) { /* the last 8 steps, the high halves zero */
        int8x16_t columns[4];
        for (int j = 0; j < 4; j++) columns[j] = vcombine_s8(vld1_s8(a[j] + k), vdup_n_s8(0));
        for (int i = 0; i < 4; i++) {
            int8x16_t row = vcombine_s8(vld1_s8(w[i] + k), vdup_n_s8(0));
            for (int j = 0; j < 4; j++) acc[i][j] = vdotq_s32(acc[i][j], row, columns[j]);
        }
    }
    for (int i = 0; i < 4; i++) {
        int32x4_t sums = edge_sum4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
        vst1q_s32(out + (size_t)i * stride, vaddq_s32(sums, vdupq_n_s32(offsets[i])));
    }
}

static const edge_int8_kernels edge_int8_dotprod = {"neon-dotprod", 0, edge_int8_tile_dotprod, edge_int8_rows_neon,
                                                    edge_int8_requantize_neon, edge_int8_depthwise_neon, edge_int8_quantize_neon,
                                                    edge_int8_lookup_neon, NULL, NULL};
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
