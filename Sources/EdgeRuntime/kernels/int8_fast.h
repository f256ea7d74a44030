/*
 * int8_fast.h — the optimized paths of CONV_INT8 and GEMM_INT8 (and of CONCAT_INT8, ADD_INT8 and MUL_INT8,
 * which use the kernel sets' `requantize`), beside their reference kernels; depthwise CONV_INT8 runs
 * the sets' `depthwise`, QUANTIZE their `quantize` and LOOKUP their `lookup`.
 *
 * Both operators compute Y[m][p] = requantize(B[m] + Σ_k W[m][k] · (A[p][k] − z), R[m]) for weight
 * rows m and input columns p (GEMM: rows of A; CONV: im2col patches, in the weights' order
 * (c, ki, kj)). The driver (int8_fast.c) hands a per-target micro-kernel 4 weight rows and 4
 * columns for each 4 × 4 tile (or 4 rows and a packed block of columns, for a set with `panel`) of
 * raw dot products D = Σ W · (A + a_offset), where a_offset is the
 * kernel set's (128 for the VNNI sets, whose instruction multiplies unsigned bytes, so they read
 * A XOR 0x80; 0 for the others). The tile adds offsets[m] = B[m] − (z + a_offset) · Σ_k W[m][k];
 * the sum equals the reference accumulator exactly (load checks that |B| + 255 · Σ|W| fits in 32
 * bits, which bounds every partial sum), so every path gives the reference's bytes.
 *
 * Operands: each row and column is `depth8` contiguous bytes, the depth rounded up to a multiple of
 * 8. Where the depth is already one, W rows (and GEMM's A rows) are read where they lie; otherwise
 * prepare copies W into rows padded with zeros (at load, with each row's Σ W), and a column's
 * padding may hold anything (it meets those zeros). Tiles at the edges repeat the last row or
 * column; those results are dropped.
 *
 * Micro-kernels live per target in kernels/x86/ and kernels/neon/; the portable C set here is the
 * byte-exact model they are tested against (tests/int8_fastpath_tests.c).
 */
#ifndef EDGE_INT8_FAST_H
#define EDGE_INT8_FAST_H

#include "../internal.h"

#define EDGE_INT8_TILE 4
#define EDGE_INT8_DEPTHWISE_SLACK 16

typedef struct edge_int8_kernels {
    const char *name;
    /* What the tile adds to every A byte before multiplying: 0, or 128 (unsigned × signed products). */
    int32_t a_offset;
    /* out[i · stride + j] = offsets[i] + Σ_{k < depth8} w[i][k] · (a[j][k] + a_offset) for i, j < 4;
       depth8 is a multiple of 8, and w[i], a[j] point at depth8 bytes each. NULL in a set with `panel`. */
    void (*tile)(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out, size_t stride);
    /* out[i] = Σ_k w[i · depth + k] · x[k] for `rows` rows read in place (x: int16 values in [−255, 255]). */
    void (*rows)(size_t depth, size_t rows, const int8_t *w, const int16_t *x, int32_t *out);
    /* out[i] = clamp(requantize(acc[i], multiplier, shift) + zero, low, high) for i < n, exactly as
       requantize.h; multiplier >= 0 (load checks it), so srdhm never saturates. */
    void (*requantize)(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift, int32_t zero, int32_t low, int32_t high,
                       int8_t *out);
    /* acc[i] += Σ_{t < taps} w[t] · x[t][i] for i < n, modulo 2^32: the taps of a depthwise
       convolution over a run of outputs (x: runs of the int8 input, its padding the zero point z;
       w: int8 weights as int16). The caller starts acc at B − z · Σw, so the final sum is
       B + Σ w · (x − z), which load bounds; a partial sum may pass int32 by up to Σ|w|, hence the
       wrapping. The kernel may read x[t][i] and write acc[i] up to n rounded up to
       EDGE_INT8_DEPTHWISE_SLACK (the caller has that room). */
    void (*depthwise)(size_t n, size_t taps, const int8_t *const *x, const int16_t *w, int32_t *acc);
    /* out[i] = edge_quantize_float(x[i], scale, zero) for i < n (requantize.h), exactly: x / scale
       rounded half away from zero, NaN to the zero point, clamped to int8. */
    void (*quantize)(size_t n, const float *x, float scale, int32_t zero, int8_t *out);
    /* out[i] = table[x[i] + 128] for i < n (LOOKUP). */
    void (*lookup)(size_t n, const int8_t *x, const int8_t *table, int8_t *out);
    /* Optional (NULL in the sets without them), taking the place of `tile`: the product over columns
       packed 16 at a time, for instructions that multiply one broadcast group of 4 weight bytes by
       many columns at once, so that no accumulator needs summing across its lanes. `pack` writes
       columns j < `columns` (column j: depth8 bytes at a + j · a_stride) as groups of 16 columns, byte k
       of column j plus a_offset at packed[(j / 16) · 16 · depth8 + (k / 4) · 64 + (j mod 16) · 4 + k mod 4]
       (the last group's columns past `columns` hold anything); `panel` then writes
       out[i · stride + j] = offsets[i] + Σ_{k < depth8} w[i][k] · (a[j][k] + a_offset) for i < 4 and
       j < columns, reading the packed groups. */
    void (*pack)(size_t depth8, const int8_t *a, size_t a_stride, size_t columns, int8_t *packed);
    void (*panel)(size_t depth8, const int8_t *const *w, const int8_t *packed, size_t columns, const int32_t *offsets, int32_t *out,
                  size_t stride);
} edge_int8_kernels;

/* Columns the packed product takes at a time (see `pack`). */
#define EDGE_INT8_PANEL_COLUMNS 16

/* The portable LOOKUP loop, which the sets without a vector table lookup share. */
void edge_int8_lookup_c(size_t n, const int8_t *x, const int8_t *table, int8_t *out);

/* The portable C kernels (the model for the others). */
extern const edge_int8_kernels edge_int8_kernels_c;

/* The fastest kernels this build and CPU have, or NULL: then the reference kernels run. */
const edge_int8_kernels *edge_int8_best_kernels(void);

/* Every kernel set this build and CPU can run, the portable C set first; returns the count. */
size_t edge_int8_kernel_sets(const edge_int8_kernels **sets, size_t capacity);

/* Per target: the sets this build and CPU can run, fastest first (none where the build or the CPU
   lacks the instructions); each returns how many it wrote. */
size_t edge_int8_x86_sets(const edge_int8_kernels **sets, size_t capacity);
size_t edge_int8_neon_sets(const edge_int8_kernels **sets, size_t capacity);

/* Per target: the names of the sets this build has but this CPU cannot run (so their tests are
   skipped, and say so); returns how many it wrote. */
size_t edge_int8_x86_missing(const char **names, size_t capacity);

/* At load, once prepare has chosen the fast path: what it derives from the weights (op->prepared). */
edge_status edge_conv_int8_fast_prepare(const edge_model *model, edge_operator *op, edge_error *error);
edge_status edge_gemm_int8_fast_prepare(const edge_model *model, edge_operator *op, edge_error *error);

/* Scratch bytes of the fast paths run with `kernels` (0: no fast path applies). */
size_t edge_conv_int8_fast_scratch(const edge_conv_int8_params *q, const edge_int8_kernels *kernels);
size_t edge_gemm_int8_fast_scratch(const edge_gemm_int8_params *g, const edge_int8_kernels *kernels);

/* CONCAT_INT8's requantized inputs go through `requantize` in chunks of this many values. */
#define EDGE_INT8_CHUNK 1024

/* Run the operator with `kernels`; prepare chose this path when the fast scratch above is non-zero. */
void edge_conv_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);
void edge_gemm_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);
void edge_concat_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);
/* ADD_INT8 and MUL_INT8 (elementwise_int8.c) where the walk's last axis is contiguous in both operands
   (same shapes), or in one with the other constant along it (a scalar, or a per-channel [1, C, 1, 1]
   against [N, C, H, W]): rows of int32 accumulators through `requantize`, EDGE_INT8_CHUNK at a time.
   Scratch: EDGE_BINARY_INT8_FAST_SCRATCH bytes. */
#define EDGE_BINARY_INT8_FAST_SCRATCH (EDGE_INT8_CHUNK * sizeof(int32_t) + 2 * 256 * sizeof(int32_t) + 256)
void edge_binary_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);

/* The reference kernels themselves (conv_int8.c, gemm_int8.c), for the tests. */
void edge_conv_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);
void edge_gemm_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);
void edge_concat_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);
void edge_binary_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);

#endif /* EDGE_INT8_FAST_H */
