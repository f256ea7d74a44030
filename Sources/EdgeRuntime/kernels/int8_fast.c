/*
 * int8_fast.c — the optimized CONV_INT8 and GEMM_INT8 (see int8_fast.h): packing into panels,
 * blocking, the per-target micro-kernels, and the exact epilogue
 * acc = B + D − z · ΣW, y = clamp(requantize(acc) + z_y).
 *
 * All of W (one group's rows) is packed once per call, then A a block of columns at a time (about
 * 32 KiB, so that the block stays in cache while every W panel passes over it). A product with
 * fewer than 4 columns (a fully connected layer on one sample) skips the packing: the `rows`
 * kernel reads W where it lies against A − z widened to 16 bits.
 */
#include "int8_fast.h"
#include "requantize.h"

#define TILE EDGE_INT8_TILE
#define EDGE_INT8_A_BLOCK 32768

static size_t edge_round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }
static size_t edge_min(size_t a, size_t b) { return a < b ? a : b; }

/* ---- the portable C kernels -------------------------------------------------------------------- */

static void edge_int8_tile_c(size_t depth8, const int8_t *w, const int8_t *a, int32_t *out)
{
    int32_t acc[TILE * TILE] = {0};
    for (size_t b = 0; b < depth8 / 8; b++, w += 8 * TILE, a += 8 * TILE)
        for (int i = 0; i < TILE; i++)
            for (int j = 0; j < TILE; j++)
                for (int k = 0; k < 8; k++) acc[i * TILE + j] += w[i * 8 + k] * a[j * 8 + k];
    memcpy(out, acc, sizeof acc);
}

static void edge_int8_rows_c(size_t depth, size_t rows, const int8_t *w, const int16_t *x, int32_t *out)
{
    for (size_t i = 0; i < rows; i++, w += depth) {
        int32_t sum = 0;
        for (size_t k = 0; k < depth; k++) sum += w[k] * x[k];
        out[i] = sum;
    }
}

const edge_int8_kernels edge_int8_kernels_c = {"c", edge_int8_tile_c, edge_int8_rows_c};

size_t edge_int8_kernel_sets(const edge_int8_kernels **sets, size_t capacity)
{
    if (capacity == 0) return 0;
    sets[0] = &edge_int8_kernels_c;
    size_t count = 1;
    count += edge_int8_x86_sets(sets + count, capacity - count);
    count += edge_int8_neon_sets(sets + count, capacity - count);
    return count;
}

const edge_int8_kernels *edge_int8_best_kernels(void)
{
#ifdef EDGE_REFERENCE_KERNELS
    return NULL; /* a build that measures or checks the reference kernels alone */
#else
    const edge_int8_kernels *best = NULL;
    if (edge_int8_x86_sets(&best, 1) == 1 || edge_int8_neon_sets(&best, 1) == 1) return best;
    return NULL;
#endif
}

/* ---- packing ----------------------------------------------------------------------------------- */

/* Fills A panels with columns [column, column + columns) of the product (and zero columns up to a
   multiple of 4): panel[(j / 4) · 4 · depth8 + (k / 8) · 32 + (j % 4) · 8 + k % 8]. */
typedef void (*edge_int8_pack_a)(const void *source, size_t column, size_t columns, size_t depth, size_t depth8, int8_t *panel);

static int8_t *edge_int8_column(int8_t *panel, size_t j, size_t depth8) { return panel + j / TILE * TILE * depth8 + j % TILE * 8; }

/* Zeros what the columns do not fill: the depth padding, and the columns past the last. */
static void edge_int8_clear_padding(int8_t *panel, size_t columns, size_t depth, size_t depth8)
{
    size_t padded = edge_round_up(columns, TILE);
    for (size_t j = 0; j < padded; j++) {
        int8_t *column = edge_int8_column(panel, j, depth8);
        if (j >= columns) {
            for (size_t b = 0; b < depth8 / 8; b++) memset(column + b * 8 * TILE, 0, 8);
        } else if (depth % 8 != 0) {
            memset(column + depth / 8 * 8 * TILE + depth % 8, 0, 8 - depth % 8);
        }
    }
}

/* GEMM: columns are rows of A, `depth` bytes each. */
static void edge_int8_pack_rows(const void *source, size_t column, size_t columns, size_t depth, size_t depth8, int8_t *panel)
{
    const int8_t *a = source;
    edge_int8_clear_padding(panel, columns, depth, depth8);
    for (size_t j = 0; j < columns; j++) {
        const int8_t *row = a + (column + j) * depth;
        int8_t *target = edge_int8_column(panel, j, depth8);
        for (size_t k = 0; k < depth; k += 8) memcpy(target + k * TILE, row + k, edge_min(8, depth - k));
    }
}

/* CONV: column p is the patch of output position p, in the weights' order (c, ki, kj); a cell in
   the padding reads the input's zero point. */
typedef struct edge_int8_im2col {
    const edge_conv_params *g;
    const int8_t *x; /* the group's first input channel */
    int8_t zero;
} edge_int8_im2col;

static void edge_int8_pack_im2col(const void *source, size_t column, size_t columns, size_t depth, size_t depth8, int8_t *panel)
{
    const edge_int8_im2col *s = source;
    const edge_conv_params *g = s->g;
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width, out_w = (ptrdiff_t)g->out_width;
    edge_int8_clear_padding(panel, columns, depth, depth8);
    size_t k = 0;
    for (size_t c = 0; c < depth / (g->kernel_height * g->kernel_width); c++) {
        const int8_t *plane = s->x + c * g->in_height * g->in_width;
        for (size_t ki = 0; ki < g->kernel_height; ki++) {
            for (size_t kj = 0; kj < g->kernel_width; kj++, k++) {
                ptrdiff_t shift_h = (ptrdiff_t)ki * g->dilation_h - g->pad_top, shift_w = (ptrdiff_t)kj * g->dilation_w - g->pad_left;
                int8_t *target = panel + k / 8 * 8 * TILE + k % 8;
                ptrdiff_t oh = (ptrdiff_t)(column / g->out_width), ow = (ptrdiff_t)(column % g->out_width);
                for (size_t j = 0; j < columns; j++) {
                    ptrdiff_t ih = oh * g->stride_h + shift_h, iw = ow * g->stride_w + shift_w;
                    bool inside = ih >= 0 && ih < in_h && iw >= 0 && iw < in_w;
                    target[j / TILE * TILE * depth8 + j % TILE * 8] = inside ? plane[ih * in_w + iw] : s->zero;
                    if (++ow == out_w) {
                        ow = 0;
                        oh++;
                    }
                }
            }
        }
    }
}

/* W panels (rows past `rows` zero) and each row's sum. */
static void edge_int8_pack_weights(const int8_t *w, size_t rows, size_t depth, size_t depth8, int8_t *panel, int32_t *sums)
{
    size_t padded = edge_round_up(rows, TILE);
    edge_int8_clear_padding(panel, rows, depth, depth8);
    for (size_t i = 0; i < padded; i++) {
        if (i >= rows) {
            sums[i] = 0;
            continue;
        }
        const int8_t *row = w + i * depth;
        int32_t sum = 0;
        for (size_t k = 0; k < depth; k++) sum += row[k];
        sums[i] = sum;
        int8_t *target = edge_int8_column(panel, i, depth8);
        for (size_t k = 0; k < depth; k += 8) memcpy(target + k * TILE, row + k, edge_min(8, depth - k));
    }
}

/* ---- the product ------------------------------------------------------------------------------- */

/* Y[m][p] at y[m · y_row + p · y_column] for weight rows m < rows and columns p < columns. */
typedef struct edge_int8_product {
    size_t rows, columns, depth;
    const int8_t *w;
    const int32_t *bias; /* or NULL */
    const int32_t *r;
    int32_t input_zero, output_zero, act_min, act_max;
    edge_int8_pack_a pack_a;
    const void *source;
    int8_t *y;
    size_t y_row, y_column;
} edge_int8_product;

static size_t edge_int8_block(size_t columns, size_t depth8)
{
    size_t block = EDGE_INT8_A_BLOCK / depth8 / TILE * TILE;
    if (block < TILE) block = TILE;
    return edge_min(block, edge_round_up(columns, TILE));
}

/* Scratch of the tiled product: W panels, row sums, one block of A panels; 0 when too large. */
static size_t edge_int8_tiled_scratch(size_t rows, size_t columns, size_t depth)
{
    size_t depth8 = edge_round_up(depth, 8), rows4 = edge_round_up(rows, TILE), weights, sums, block, total;
    if (!edge_size_mul(rows4, depth8, &weights) || !edge_size_align(weights, &weights)) return 0;
    if (!edge_size_mul(rows4, sizeof(int32_t), &sums) || !edge_size_align(sums, &sums)) return 0;
    if (!edge_size_mul(edge_int8_block(columns, depth8), depth8, &block)) return 0;
    if (!edge_size_add(weights, sums, &total) || !edge_size_add(total, block, &total)) return 0;
    return total;
}

/* Scratch of the row-by-row product: A − z as int16 and the dot products. */
static size_t edge_int8_rows_scratch(size_t rows, size_t depth)
{
    size_t widened, dots, total;
    if (!edge_size_mul(depth, sizeof(int16_t), &widened) || !edge_size_align(widened, &widened)) return 0;
    if (!edge_size_mul(rows, sizeof(int32_t), &dots) || !edge_size_add(widened, dots, &total)) return 0;
    return total;
}

static inline void edge_int8_store(const edge_int8_product *p, size_t row, size_t column, int64_t acc)
{
    /* Exact: load checked that |B| + 255 · Σ|W| fits, so the sum does and matches the reference. */
    p->y[row * p->y_row + column * p->y_column] =
        edge_requantize_int8((int32_t)acc, p->r[2 * row], p->r[2 * row + 1], p->output_zero, p->act_min, p->act_max);
}

static void edge_int8_tiled(const edge_int8_product *p, const edge_int8_kernels *kernels, void *scratch)
{
    size_t depth8 = edge_round_up(p->depth, 8), rows4 = edge_round_up(p->rows, TILE);
    size_t block = edge_int8_block(p->columns, depth8);
    int8_t *w_panels = scratch;
    int32_t *sums = (int32_t *)(void *)(w_panels + edge_round_up(rows4 * depth8, EDGE_ALIGNMENT));
    int8_t *a_panels = (int8_t *)(sums + edge_round_up(rows4 * sizeof(int32_t), EDGE_ALIGNMENT) / sizeof(int32_t));
    edge_int8_pack_weights(p->w, p->rows, p->depth, depth8, w_panels, sums);
    for (size_t p0 = 0; p0 < p->columns; p0 += block) {
        size_t columns = edge_min(block, p->columns - p0);
        p->pack_a(p->source, p0, columns, p->depth, depth8, a_panels);
        for (size_t i0 = 0; i0 < p->rows; i0 += TILE) {
            size_t height = edge_min(TILE, p->rows - i0);
            int64_t base[TILE];
            for (size_t i = 0; i < height; i++)
                base[i] = (p->bias ? p->bias[i0 + i] : 0) - (int64_t)p->input_zero * sums[i0 + i];
            for (size_t j0 = 0; j0 < columns; j0 += TILE) {
                int32_t dots[TILE * TILE];
                kernels->tile(depth8, w_panels + i0 * depth8, a_panels + j0 * depth8, dots);
                size_t width = edge_min(TILE, columns - j0);
                for (size_t i = 0; i < height; i++)
                    for (size_t j = 0; j < width; j++) edge_int8_store(p, i0 + i, p0 + j0 + j, base[i] + dots[i * TILE + j]);
            }
        }
    }
}

/* GEMM with fewer than 4 rows of A: each row once against all of W, read in place. */
static void edge_int8_by_rows(const edge_int8_product *p, const int8_t *a, const edge_int8_kernels *kernels, void *scratch)
{
    int16_t *widened = scratch;
    int32_t *dots = (int32_t *)(void *)((uint8_t *)scratch + edge_round_up(p->depth * sizeof(int16_t), EDGE_ALIGNMENT));
    for (size_t column = 0; column < p->columns; column++) {
        const int8_t *row = a + column * p->depth;
        for (size_t k = 0; k < p->depth; k++) widened[k] = (int16_t)(row[k] - p->input_zero);
        kernels->rows(p->depth, p->rows, p->w, widened, dots);
        for (size_t i = 0; i < p->rows; i++) edge_int8_store(p, i, column, (int64_t)(p->bias ? p->bias[i] : 0) + dots[i]);
    }
}

/* ---- the operators ----------------------------------------------------------------------------- */

size_t edge_conv_int8_fast_scratch(const edge_conv_int8_params *q)
{
    const edge_conv_params *g = &q->conv;
    if (g->depthwise) return 0;
    size_t depth = g->in_channels / g->group * g->kernel_height * g->kernel_width;
    return edge_int8_tiled_scratch(g->out_channels / g->group, g->out_height * g->out_width, depth);
}

size_t edge_gemm_int8_fast_scratch(const edge_gemm_int8_params *g)
{
    return g->rows < TILE ? edge_int8_rows_scratch(g->n, g->k) : edge_int8_tiled_scratch(g->n, g->rows, g->k);
}

bool edge_conv_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_conv_int8_params *q = &op->params.conv_int8;
    const edge_conv_params *g = &q->conv;
    if (g->depthwise) return false;
    const int8_t *x = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    size_t depth = cg * g->kernel_height * g->kernel_width;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t group = 0; group < g->group; group++) {
            edge_int8_im2col source = {g, x + (n * g->in_channels + group * cg) * in_plane, (int8_t)q->input_zero};
            edge_int8_product p = {mg, out_plane, depth, w + group * mg * depth, bias ? bias + group * mg : NULL, r + 2 * group * mg,
                                   q->input_zero, q->output_zero, q->act_min, q->act_max, edge_int8_pack_im2col, &source,
                                   y + (n * g->out_channels + group * mg) * out_plane, out_plane, 1};
            edge_int8_tiled(&p, kernels, scratch);
        }
    }
    return true;
}

bool edge_gemm_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_gemm_int8_params *g = &op->params.gemm_int8;
    const int8_t *a = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    edge_int8_product p = {g->n, g->rows, g->k, w, bias, r, g->input_zero, g->output_zero, g->act_min, g->act_max,
                           edge_int8_pack_rows, a, y, 1, g->n};
    if (g->rows < TILE) edge_int8_by_rows(&p, a, kernels, scratch);
    else edge_int8_tiled(&p, kernels, scratch);
    return true;
}
