/*
 * int8_fast.h — the optimized paths of CONV_INT8 and GEMM_INT8, beside their reference kernels.
 *
 * Both operators compute Y[m][p] = requantize(B[m] + Σ_k W[m][k] · (A[p][k] − z), R[m]) for weight
 * rows m and input columns p (GEMM: rows of A; CONV: im2col patches). The driver (int8_fast.c)
 * packs both into panels of 8-byte blocks and calls a per-target micro-kernel for each 4 × 4 tile
 * of raw dot products D = Σ W · A; since B + D − z · Σ_k W[m][k] equals the reference accumulator
 * exactly (load checks that none can overflow), every path gives the reference's bytes.
 *
 * Panels: depth is padded with zeros to a multiple of 8, `depth8`. A W panel holds 4 rows and an A
 * panel 4 columns, laid out block by block: panel[(k / 8) · 32 + row · 8 + k % 8].
 *
 * Micro-kernels live per target in kernels/x86/ and kernels/neon/; the portable C set here is the
 * byte-exact model they are tested against (tests/int8_fastpath_tests.c).
 */
#ifndef EDGE_INT8_FAST_H
#define EDGE_INT8_FAST_H

#include "../internal.h"

#define EDGE_INT8_TILE 4

typedef struct edge_int8_kernels {
    const char *name;
    /* out[i · 4 + j] = Σ_k w_panel row i · a_panel column j, over depth8 (a multiple of 8). */
    void (*tile)(size_t depth8, const int8_t *w_panel, const int8_t *a_panel, int32_t *out);
    /* out[i] = Σ_k w[i · depth + k] · x[k] for `rows` rows read in place (x: int16 values in [−255, 255]). */
    void (*rows)(size_t depth, size_t rows, const int8_t *w, const int16_t *x, int32_t *out);
    /* out[i] = clamp(requantize(acc[i], multiplier, shift) + zero, low, high) for i < n, exactly as
       requantize.h; multiplier >= 0 (load checks it), so srdhm never saturates. */
    void (*requantize)(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift, int32_t zero, int32_t low, int32_t high,
                       int8_t *out);
} edge_int8_kernels;

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

/* Scratch bytes of the fast paths (0: no fast path applies). */
size_t edge_conv_int8_fast_scratch(const edge_conv_int8_params *q);
size_t edge_gemm_int8_fast_scratch(const edge_gemm_int8_params *g);

/* CONCAT_INT8's requantized inputs go through `requantize` in chunks of this many values. */
#define EDGE_INT8_CHUNK 1024

/* Run the operator with `kernels` (true), or return false when no fast path applies and the
   caller runs the reference. */
bool edge_conv_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);
bool edge_gemm_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);
bool edge_concat_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels);

/* The reference kernels themselves (conv_int8.c, gemm_int8.c), for the tests. */
void edge_conv_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);
void edge_gemm_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);
void edge_concat_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena);

#endif /* EDGE_INT8_FAST_H */
