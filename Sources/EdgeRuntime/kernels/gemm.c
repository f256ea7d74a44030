/*
 * gemm.c — GEMM and MATMUL, and the blocked single-precision matrix multiply under them and the
 * convolutions.
 *
 * The multiply is blocked as in GotoBLAS/BLIS: B is packed KC rows × NC columns at a time into
 * strips of NR columns (or read in place: rows of B that are contiguous, or a pointer per row of B),
 * A into strips of as many rows as the tile takes, and a micro-kernel (a tile, edge_float_tiles)
 * keeps a block of C in registers across the KC loop, then finishes it there (C's old values, the
 * bias, RELU or CLIP) and stores it straight into C. The portable tile is plain C
 * with fixed trip counts, which gcc and clang unroll and vectorize: SSE on x86-64, NEON with FMA on
 * aarch64. On armv7 gcc keeps it scalar (VFP): it vectorizes floats for NEON only under
 * -funsafe-math-optimizations, as NEON flushes denormals; NEON intrinsics are the way there.
 * x86-64 CPUs with AVX2 and FMA run a 6 × 16 tile (kernels/x86/float_tiles.c).
 *
 * Measured on the build machine (Zen 4, one core, `float_fastpath_tests --bench`): the AVX2 tile
 * 34-40 GMAC/s on convolution-sized products (the CPU's FMA peak is 58), the portable SSE tile
 * 10-14. Before the tiles finished C in registers, a block went through a buffer, a combining pass
 * and a copy: 22% of mobilenet_v2 in float.
 */
#include <math.h>

#include "../internal.h"

#define MR 4
#define NR EDGE_GEMM_NR
#define KC 256
#define MC 128
#define NC 512

static size_t edge_round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

size_t edge_gemm_rows_scratch_bytes(size_t m, size_t k)
{
    return (edge_min(m, MC) + EDGE_GEMM_MR_MAX) * edge_min(k, KC) * sizeof(float) + EDGE_ALIGNMENT;
}

size_t edge_gemm_scratch_bytes(size_t m, size_t n, size_t k)
{
    size_t kc = edge_min(k, KC), nc = edge_round_up(edge_min(n, NC), NR), mc = edge_min(m, MC) + EDGE_GEMM_MR_MAX; /* packed A rows: mc rounded up to the tile's rows */
    return (kc * nc + mc * kc) * sizeof(float) + EDGE_ALIGNMENT;
}

void edge_pack_matrix(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel)
{
    const edge_matrix *b = source;
    for (size_t j0 = 0; j0 < columns; j0 += NR) {
        size_t width = edge_min(NR, columns - j0);
        float *strip = panel + j0 * rows;
        const float *origin = b->data + row * b->row_stride + (column + j0) * b->column_stride;
        for (size_t p = 0; p < rows; p++) {
            const float *line = origin + p * b->row_stride;
            float *out = strip + p * NR;
            if (b->column_stride == 1 && width == NR) {
                for (size_t j = 0; j < NR; j++) out[j] = line[j];
            } else {
                size_t j = 0;
                for (; j < width; j++) out[j] = line[j * b->column_stride];
                for (; j < NR; j++) out[j] = 0.0f;
            }
        }
    }
}

static void edge_pack_a(const float *a, size_t row_stride, size_t column_stride, size_t rows, size_t depth, size_t mr, float *panel)
{
    for (size_t i0 = 0; i0 < rows; i0 += mr) {
        size_t height = edge_min(mr, rows - i0);
        float *strip = panel + i0 * depth;
        for (size_t p = 0; p < depth; p++) {
            size_t i = 0;
            for (; i < height; i++) strip[p * mr + i] = a[(i0 + i) * row_stride + p * column_stride];
            for (; i < mr; i++) strip[p * mr + i] = 0.0f;
        }
    }
}

/* aarch64 always has fused multiply-add, which fmaf() becomes (vectorized as FMLA). */
#if defined(__aarch64__)
#define EDGE_MADD(acc, x, y) fmaf((x), (y), (acc))
#else
#define EDGE_MADD(acc, x, y) ((acc) + (x) * (y))
#endif

/* A tile's value finished into C, as edge_float_finish says: `old` is C's value, `add` row i's bias. */
static inline float edge_finish_value(const edge_float_finish *finish, float v, float old, float add)
{
    if (finish->accumulate) v += old;
    if (finish->bias) v += add;
    return finish->clamp ? edge_clamp(v, finish->low, finish->high) : v;
}

/* The portable tile: MR rows by one strip. Plain C with fixed trip counts, which gcc and clang unroll
   and vectorize (SSE, NEON; VFP on armv7). Fully unrolled, the 32 accumulators become vector
   registers; without the pragmas gcc keeps them in memory and runs 3× slower. A's value is read once
   per row: gcc's vectorizer left the loop scalar when it was read in the inner loop. */
static void edge_float_tile_c(size_t depth, const float *restrict a, size_t a_row, size_t a_step, const edge_float_b *b, float *restrict c,
                              size_t ldc, const edge_float_finish *finish)
{
    float acc[MR][NR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; i++)
#pragma GCC unroll 16
        for (int j = 0; j < NR; j++) acc[i][j] = 0.0f;
    for (size_t p = 0; p < depth; p++) {
        const float *ap = a + p * a_step, *bp = b->rows ? b->rows[p] + b->column : b->b0 + p * b->stride;
#pragma GCC unroll 16
        for (int i = 0; i < MR; i++) {
            float x = ap[i * a_row];
#pragma GCC unroll 16
            for (int j = 0; j < NR; j++) acc[i][j] = EDGE_MADD(acc[i][j], x, bp[j]);
        }
    }
    for (int i = 0; i < MR && (size_t)i < finish->rows; i++) {
        float *out = c + (size_t)i * ldc, add = finish->bias ? finish->bias[i] : 0.0f;
#pragma GCC unroll 16
        for (int j = 0; j < NR; j++) out[j] = edge_finish_value(finish, acc[i][j], out[j], add);
    }
}

const edge_float_tiles edge_float_tiles_c = {"c", MR, 1, edge_float_tile_c, NULL};

const edge_float_tiles *edge_float_best_tiles(void)
{
    const edge_float_tiles *best;
    return edge_float_x86_tiles(&best, 1) ? best : &edge_float_tiles_c;
}

/* A tile that does not fit C: with all its columns, the tile storing only the rows there are;
   otherwise the tile into `block`, then its valid part into C, finished as the tile would have.
   Eight columns or fewer of a two-strip set go through its narrow tile. */
static void edge_partial_tile(const edge_float_tiles *tiles, size_t depth, const float *a, size_t a_row, size_t a_step, const edge_float_b *b,
                              float *c, size_t ldc, size_t rows, size_t columns, const edge_float_finish *finish)
{
    float block[EDGE_GEMM_MR_MAX * 2 * NR];
    static const edge_float_finish plain = {false, false, NULL, 0.0f, 0.0f, EDGE_GEMM_MR_MAX};
    bool narrow = tiles->narrow && columns <= NR;
    size_t width = narrow ? NR : tiles->strips * NR;
    if (columns == width) { /* only rows missing: the tile stores the rows there are */
        edge_float_finish fewer = *finish;
        fewer.rows = rows;
        (narrow ? tiles->narrow : tiles->product)(depth, a, a_row, a_step, b, c, ldc, &fewer);
        return;
    }
    (narrow ? tiles->narrow : tiles->product)(depth, a, a_row, a_step, b, block, width, &plain);
    for (size_t i = 0; i < rows; i++) {
        float *out = c + i * ldc, add = finish->bias ? finish->bias[i] : 0.0f;
        for (size_t j = 0; j < columns; j++) out[j] = edge_finish_value(finish, block[i * width + j], out[j], add);
    }
}

/* The blocked multiply, B packed through pack_b (partly read in place, see below) or, when b_rows is
   not NULL, read through its row pointers. */
static void edge_sgemm_core(const edge_float_tiles *tiles, size_t m, size_t n, size_t k, const float *a, size_t a_row_stride,
                            size_t a_column_stride, edge_pack_b pack_b, const void *b_source, const float *const *b_rows, float *c, size_t ldc,
                            bool accumulate, const float *row_bias, const edge_activation *activation, float *scratch)
{
    int32_t kind = activation ? activation->kind : EDGE_ACTIVATION_NONE;
    if (k == 0) {
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) {
                float v = accumulate ? c[i * ldc + j] : 0.0f;
                if (row_bias) v += row_bias[i];
                c[i * ldc + j] = activation ? edge_activate(activation, v) : v;
            }
        return;
    }
    /* RELU and CLIP are finished in the tile's registers; the other activations run over each block
       of C's rows once it is complete, while it is still in cache. */
    bool clamp = kind == EDGE_ACTIVATION_RELU || kind == EDGE_ACTIVATION_CLIP;
    float low = kind == EDGE_ACTIVATION_CLIP ? activation->alpha : 0.0f, high = kind == EDGE_ACTIVATION_CLIP ? activation->beta : INFINITY;
    bool activate_after = kind != EDGE_ACTIVATION_NONE && !clamp;
    size_t mr = tiles->rows, width = tiles->strips * NR;
    /* B with contiguous rows (a 1 × 1 convolution's input, MATMUL's B) is read in place by the
       tiles that fit, and only the strips of the last, partial tile are packed: packing the whole
       block was 8% of mobilenet_v2, whose 1 × 1 layers have few input channels per column. */
    const edge_matrix *in_place = !b_rows && pack_b == edge_pack_matrix ? b_source : NULL;
    if (in_place && in_place->column_stride != 1) in_place = NULL;
    size_t kc_max = edge_min(k, KC), nc_max = edge_round_up(edge_min(n, NC), NR);
    float *b_panel = scratch; /* none when B is read through row pointers */
    float *a_panel = (float *)(((uintptr_t)(b_panel + (b_rows ? 0 : kc_max * nc_max)) + EDGE_ALIGNMENT - 1) & ~(uintptr_t)(EDGE_ALIGNMENT - 1));
    for (size_t jc = 0; jc < n; jc += NC) {
        size_t nc = edge_min(NC, n - jc);
        for (size_t pc = 0; pc < k; pc += KC) {
            size_t kc = edge_min(KC, k - pc);
            bool last = pc + kc == k;
            edge_float_finish finish = {pc > 0 || accumulate, last && clamp, NULL, low, high, mr};
            size_t tail = b_rows ? nc : in_place ? nc / width * width : 0; /* the first column packed */
            if (tail < nc) pack_b(b_source, pc, kc, jc + tail, nc - tail, b_panel);
            for (size_t ic = 0; ic < m; ic += MC / mr * mr) {
                size_t mc = edge_min(MC / mr * mr, m - ic);
                /* Packing A pays off over many B strips; for a narrow B (late, small feature maps) a
                   row-major A is read in place instead, its last partial strip still packed. */
                bool direct = a_column_stride == 1 && nc < 256;
                if (!direct) edge_pack_a(a + ic * a_row_stride + pc * a_column_stride, a_row_stride, a_column_stride, mc, kc, mr, a_panel);
                else if (mc % mr != 0)
                    edge_pack_a(a + (ic + mc / mr * mr) * a_row_stride + pc, a_row_stride, 1, mc % mr, kc, mr, a_panel);
                for (size_t jr = 0; jr < nc; jr += width) {
                    size_t columns = edge_min(width, nc - jr);
                    edge_float_b b = {NULL, NULL, NR, NULL, 0};
                    if (b_rows) {
                        b.rows = b_rows + pc, b.column = jc + jr;
                    } else if (jr < tail) {
                        b.b0 = in_place->data + pc * in_place->row_stride + jc + jr, b.b1 = b.b0 + NR;
                        b.stride = in_place->row_stride;
                    } else {
                        size_t strip = (jr - tail) / NR, strips = (nc - tail + NR - 1) / NR; /* packed ones */
                        b.b0 = b_panel + (jr - tail) * kc, b.b1 = strip + 1 < strips ? b.b0 + NR * kc : b.b0;
                    }
                    for (size_t ir = 0; ir < mc; ir += mr) {
                        const float *a_strip = a_panel + ir * kc;
                        size_t a_row = 1, a_step = mr, rows = edge_min(mr, mc - ir);
                        if (direct && rows == mr) {
                            a_strip = a + (ic + ir) * a_row_stride + pc;
                            a_row = a_row_stride;
                            a_step = 1;
                        } else if (direct) {
                            a_strip = a_panel;
                        }
                        finish.bias = last && row_bias ? row_bias + ic + ir : NULL;
                        float *out = c + (ic + ir) * ldc + jc + jr;
                        if (rows == mr && columns == width) tiles->product(kc, a_strip, a_row, a_step, &b, out, ldc, &finish);
                        else edge_partial_tile(tiles, kc, a_strip, a_row, a_step, &b, out, ldc, rows, columns, &finish);
                    }
                }
                if (last && activate_after)
                    for (size_t i = 0; i < mc; i++) edge_activate_buffer(activation, c + (ic + i) * ldc + jc, nc);
            }
        }
    }
}

void edge_sgemm(size_t m, size_t n, size_t k, const float *a, size_t a_row_stride, size_t a_column_stride, edge_pack_b pack_b,
                const void *b_source, float *c, size_t ldc, bool accumulate, const float *row_bias, const edge_activation *activation,
                float *scratch)
{
    edge_sgemm_with(edge_float_best_tiles(), m, n, k, a, a_row_stride, a_column_stride, pack_b, b_source, c, ldc, accumulate, row_bias,
                    activation, scratch);
}

void edge_sgemm_rows(const edge_float_tiles *tiles, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *const *b_rows,
                     float *c, size_t ldc, const float *row_bias, const edge_activation *activation, float *scratch)
{
    edge_sgemm_core(tiles, m, n, k, a, lda, 1, NULL, NULL, b_rows, c, ldc, false, row_bias, activation, scratch);
}

void edge_sgemm_with(const edge_float_tiles *tiles, size_t m, size_t n, size_t k, const float *a, size_t a_row_stride,
                     size_t a_column_stride, edge_pack_b pack_b, const void *b_source, float *c, size_t ldc, bool accumulate,
                     const float *row_bias, const edge_activation *activation, float *scratch)
{
    edge_sgemm_core(tiles, m, n, k, a, a_row_stride, a_column_stride, pack_b, b_source, NULL, c, ldc, accumulate, row_bias, activation,
                    scratch);
}

/* y[n] = a[k] × B[k × n] (B row-major). */
static void edge_gemv(size_t n, size_t k, const float *a, const float *b, float *y)
{
    for (size_t j = 0; j < n; j++) y[j] = 0.0f;
    for (size_t p = 0; p < k; p++) {
        float s = a[p];
        EDGE_UPDATE(y, b + p * n, n, acc + s * v);
    }
}

/* y[n] = a[k] × B^T where B is [n × k] row-major: n dot products. */
static void edge_gemv_transposed(size_t n, size_t k, const float *a, const float *b, float *y)
{
    for (size_t j = 0; j < n; j++) {
        const float *row = b + j * k;
        float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        size_t p = 0;
        for (; p + 8 <= k; p += 8)
            for (int q = 0; q < 8; q++) partial[q] += a[p + q] * row[p + q];
        float sum = ((partial[0] + partial[4]) + (partial[1] + partial[5])) + ((partial[2] + partial[6]) + (partial[3] + partial[7]));
        for (; p < k; p++) sum += a[p] * row[p];
        y[j] = sum;
    }
}

/* ---- GEMM ------------------------------------------------------------------------------------ */

edge_status edge_gemm_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_gemm_params *g = &op->params.gemm;
    edge_status status = edge_check_arity(op, 2, 3, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 7, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *a = edge_op_input(model, op, 0), *b = edge_op_input(model, op, 1);
    const edge_tensor *c = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL, *y = edge_op_output(model, op, 0);
    int32_t transpose_a = edge_read_i32(params), transpose_b = edge_read_i32(params + 4);
    g->alpha = edge_read_f32(params + 8);
    g->beta = edge_read_f32(params + 12);
    if ((status = edge_read_activation(op, params, 4, &g->activation, error)) != EDGE_OK) return status;
    if ((transpose_a != 0 && transpose_a != 1) || (transpose_b != 0 && transpose_b != 1))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "transpose flags are %d and %d, expected 0 or 1", (int)transpose_a,
                            (int)transpose_b);
    g->transpose_a = transpose_a;
    g->transpose_b = transpose_b;
    if ((status = edge_check_dtype(op, a, EDGE_DTYPE_FLOAT32, "A", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, b, EDGE_DTYPE_FLOAT32, "B", error)) != EDGE_OK) return status;
    if (c && (status = edge_check_dtype(op, c, EDGE_DTYPE_FLOAT32, "C", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (a->rank != 2 || b->rank != 2)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "A %s and B %s must be 2-D", edge_shape_text(a, sa), edge_shape_text(b, sb));
    g->m = g->transpose_a ? a->dims[1] : a->dims[0];
    g->k = g->transpose_a ? a->dims[0] : a->dims[1];
    size_t kb = g->transpose_b ? b->dims[1] : b->dims[0];
    g->n = g->transpose_b ? b->dims[0] : b->dims[1];
    if (g->k != kb)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "inner dimensions differ: A %s, B %s", edge_shape_text(a, sa),
                            edge_shape_text(b, sb));
    if (y->rank != 2 || y->dims[0] != g->m || y->dims[1] != g->n)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %s, expected [%zu,%zu]", edge_shape_text(y, sy), g->m, g->n);
    if (c) {
        uint32_t rows = c->rank == 2 ? c->dims[0] : 1, columns = c->rank >= 1 ? c->dims[c->rank - 1] : 1;
        if (c->rank > 2 || (rows != 1 && rows != g->m) || (columns != 1 && columns != g->n))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "C %s does not broadcast to [%zu,%zu]", edge_shape_text(c, sa), g->m, g->n);
        g->c_row_stride = rows == 1 ? 0 : columns;
        g->c_column_stride = columns == 1 ? 0 : 1;
    }
    op->scratch_bytes = g->m == 1 ? 0 : edge_gemm_scratch_bytes(g->m, g->n, g->k);
    return EDGE_OK;
}

edge_status edge_gemm_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_gemm_params *g = &op->params.gemm;
    const float *a = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *b = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *ct = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL;
    const float *c = ct ? (const float *)edge_tensor_data(ct, arena) : NULL;
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t m = g->m, n = g->n, k = g->k;
    if (m == 1) {
        /* One row: A is contiguous whether transposed or not. */
        if (g->transpose_b) edge_gemv_transposed(n, k, a, b, y);
        else edge_gemv(n, k, a, b, y);
    } else {
        edge_matrix bm = {b, g->transpose_b ? 1 : n, g->transpose_b ? k : 1};
        edge_sgemm(m, n, k, a, g->transpose_a ? 1 : k, g->transpose_a ? m : 1, edge_pack_matrix, &bm, y, n, false, NULL, NULL, scratch);
    }
    float alpha = g->alpha, beta = g->beta;
    for (size_t i = 0; i < m; i++) {
        float *row = y + i * n;
        if (alpha != 1.0f)
            for (size_t j = 0; j < n; j++) row[j] *= alpha;
        if (c) {
            const float *addend = c + i * g->c_row_stride;
            for (size_t j = 0; j < n; j++) row[j] += beta * addend[j * g->c_column_stride];
        }
        edge_activate_buffer(&g->activation, row, n);
    }
    return EDGE_OK;
}

/* ---- MATMUL ---------------------------------------------------------------------------------- */

edge_status edge_matmul_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_matmul_params *g = &op->params.matmul;
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 3, error);
    if (status == EDGE_OK) status = edge_read_activation(op, params, 0, &g->activation, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *a = edge_op_input(model, op, 0), *b = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, a, EDGE_DTYPE_FLOAT32, "A", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, b, EDGE_DTYPE_FLOAT32, "B", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (a->rank < 1 || b->rank < 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "inputs %s and %s must have rank >= 1", edge_shape_text(a, sa),
                            edge_shape_text(b, sb));
    /* 1-D promotion: A [k] is [1,k], B [k] is [k,1]. */
    g->m = a->rank == 1 ? 1 : a->dims[a->rank - 2];
    g->k = a->dims[a->rank - 1];
    size_t kb = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2];
    g->n = b->rank == 1 ? 1 : b->dims[b->rank - 1];
    if (g->k != kb)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "inner dimensions differ: %s × %s", edge_shape_text(a, sa), edge_shape_text(b, sb));
    int32_t a_batch = a->rank > 2 ? a->rank - 2 : 0, b_batch = b->rank > 2 ? b->rank - 2 : 0;
    int32_t batch = a_batch > b_batch ? a_batch : b_batch;
    int32_t expected_rank = batch + (a->rank > 1) + (b->rank > 1);
    bool fits = y->rank == expected_rank;
    g->batch_rank = batch;
    size_t a_running = 1, b_running = 1;
    for (int32_t d = batch - 1; d >= 0 && fits; d--) {
        int32_t da = d - (batch - a_batch), db = d - (batch - b_batch);
        uint32_t x = da >= 0 ? a->dims[da] : 1, z = db >= 0 ? b->dims[db] : 1;
        if (x != z && x != 1 && z != 1)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "batch dimensions of %s and %s do not broadcast", edge_shape_text(a, sa),
                                edge_shape_text(b, sb));
        uint32_t out = x > z ? x : z;
        fits = y->dims[d] == out;
        g->batch_dims[d] = out;
        g->a_batch_strides[d] = x == 1 ? 0 : a_running;
        g->b_batch_strides[d] = z == 1 ? 0 : b_running;
        a_running *= x;
        b_running *= z;
    }
    if (fits && a->rank > 1) fits = y->dims[batch] == g->m;
    if (fits && b->rank > 1) fits = y->dims[y->rank - 1] == g->n;
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %s, not the product of %s and %s", edge_shape_text(y, sy),
                            edge_shape_text(a, sa), edge_shape_text(b, sb));
    /* When B is shared by every batch and A's batches are contiguous, one multiply of all A's rows. */
    size_t rows = g->m;
    bool shared_b = true;
    for (int32_t d = 0; d < batch; d++) shared_b = shared_b && g->b_batch_strides[d] == 0;
    if (shared_b && a_batch == batch && g->n > 0) rows = y->count / g->n;
    op->scratch_bytes = rows == 1 ? 0 : edge_gemm_scratch_bytes(rows, g->n, g->k);
    return EDGE_OK;
}

edge_status edge_matmul_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_matmul_params *g = &op->params.matmul;
    const edge_tensor *at = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const float *a = (const float *)edge_tensor_data(at, arena);
    const float *b = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    float *y = (float *)edge_tensor_data(yt, arena);
    size_t m = g->m, n = g->n, k = g->k;
    int32_t batch = g->batch_rank;
    bool shared_b = true;
    for (int32_t d = 0; d < batch; d++) shared_b = shared_b && g->b_batch_strides[d] == 0;
    bool a_full = at->rank - 2 == batch;
    for (int32_t d = 0; d < batch && a_full; d++) a_full = g->a_batch_strides[d] != 0 || g->batch_dims[d] == 1;
    size_t products = yt->count / (m * n);
    if (shared_b && a_full) {
        /* A's batches are contiguous and B is shared: one [products·m × k] × [k × n] multiply. */
        size_t rows = products * m;
        edge_matrix bm = {b, n, 1};
        if (rows == 1) edge_gemv(n, k, a, b, y);
        else edge_sgemm(rows, n, k, a, k, 1, edge_pack_matrix, &bm, y, n, false, NULL, NULL, scratch);
    } else {
        size_t index[EDGE_MAX_RANK] = {0};
        size_t a_offset = 0, b_offset = 0;
        for (size_t i = 0; i < products; i++) {
            const float *ai = a + a_offset * m * k, *bi = b + b_offset * k * n;
            float *yi = y + i * m * n;
            edge_matrix bm = {bi, n, 1};
            if (m == 1) edge_gemv(n, k, ai, bi, yi);
            else edge_sgemm(m, n, k, ai, k, 1, edge_pack_matrix, &bm, yi, n, false, NULL, NULL, scratch);
            for (int32_t d = batch - 1; d >= 0; d--) {
                a_offset += g->a_batch_strides[d];
                b_offset += g->b_batch_strides[d];
                if (++index[d] < g->batch_dims[d]) break;
                a_offset -= g->a_batch_strides[d] * index[d];
                b_offset -= g->b_batch_strides[d] * index[d];
                index[d] = 0;
            }
        }
    }
    edge_activate_buffer(&g->activation, y, yt->count);
    return EDGE_OK;
}
