/*
 * requantize.h — the integer arithmetic of the int8 operators, exactly as formats/edgem.md writes
 * it ("Integer arithmetic of the int8 operators"). Every int8 kernel, reference or optimized, scales
 * its accumulators through these functions, so every target produces the same bytes.
 */
#ifndef EDGE_REQUANTIZE_H
#define EDGE_REQUANTIZE_H

#include <math.h>
#include <stdint.h>

/* Saturating rounding doubling high multiply: round(a · b / 2^31), halves away from zero. */
static inline int32_t edge_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
    int64_t ab = (int64_t)a * b;
    int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent rounded to nearest, halves away from zero; exponent 0 to 31. */
static inline int32_t edge_rounding_shift_right(int32_t x, int exponent)
{
    int32_t mask = (int32_t)((1u << exponent) - 1), remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x · multiplier / 2^31 · 2^shift: the real factor M = multiplier · 2^(shift − 31); shift −31 to 31. */
static inline int32_t edge_requantize(int32_t x, int32_t multiplier, int32_t shift)
{
    int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
    return edge_rounding_shift_right(edge_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* clamp(v + zero, low, high) as an int8 (the sum taken in 64 bits: v may be near the int32 limits). */
static inline int8_t edge_offset_clamp(int32_t v, int32_t zero, int32_t low, int32_t high)
{
    int64_t sum = (int64_t)v + zero;
    return (int8_t)(sum < low ? low : sum > high ? high : sum);
}

/* The int8 output of an accumulator: clamp8(requantize(acc) + z_y) with the operator's act_min/act_max. */
static inline int8_t edge_requantize_int8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_zero, int32_t act_min,
                                          int32_t act_max)
{
    return edge_offset_clamp(edge_requantize(acc, multiplier, shift), output_zero, act_min, act_max);
}

/* QUANTIZE's formula, clamp(round_half_away(x / scale) + zero, −128, 127), in float32 one operation
   at a time; NaN, which has no integer, becomes the zero point (the real number 0). */
static inline int8_t edge_quantize_float(float x, float scale, int32_t zero)
{
    float q = roundf(x / scale);
    if (q != q) return (int8_t)zero;
    if (q < (float)(-128 - zero)) return -128;
    if (q > (float)(127 - zero)) return 127;
    return (int8_t)((int32_t)q + zero);
}

#endif /* EDGE_REQUANTIZE_H */
