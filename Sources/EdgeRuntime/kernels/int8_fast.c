/*
 * int8_fast.c — the optimized CONV_INT8 and GEMM_INT8 (see int8_fast.h): the operands, blocking,
 * the per-target micro-kernels, and the exact epilogue y = clamp(requantize(offset + D) + z_y).
 *
 * Nothing is packed that can be read where it lies. W rows are used in place whenever the depth
 * is a multiple of 8; otherwise prepare copies them once, at load, padded (and reordered for the
 * channels-last path below), with each row's Σ W (edge_int8_weights). GEMM's columns are the rows
 * of A, in place too. CONV's columns are the im2col patches, written a block of columns at a time
 * (about 32 KiB, so that the block stays in cache while every row of W passes over it), each column contiguous,
 * by one flat loop over a table of where the window's runs start: for stride-1 taps of a kernel
 * row 2 to 8 wide, a run is one 8-byte copy (the copies overlap) from the input with its padding
 * written out; otherwise a run is one tap. Where a layer has more output positions than twice its
 * output channels (the early, large planes), the input is first copied channels-last and the
 * weights reordered to match, so that a column is one run of kernel_width · channels bytes per
 * kernel row: there the copies saved outweigh the reordering. The offsets
 * B[m] − (z + a_offset) · Σ_k W[m][k] follow from the prepared sums in one multiply per row.
 *
 * A product with fewer than 4 columns (a fully connected layer on one sample) skips the tiles: the
 * `rows` kernel reads W against A − z widened to 16 bits.
 *
 * Depthwise convolutions, with no inner product to speak of, go a channel at a time: the plane is
 * copied once with its padding written out as the zero point z and split by stride into phases, so
 * that every tap reads one contiguous run for the whole plane; the target's `depthwise` kernel
 * accumulates the taps into int32 outputs started at B − z · Σw, and `requantize` finishes the plane.
 */
#include "int8_fast.h"
#include "requantize.h"

#include <stdlib.h>

#define TILE EDGE_INT8_TILE
#define EDGE_INT8_A_BLOCK 32768

static size_t edge_round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

/* 8 bytes as one load and one store: a constant-size copy, which compilers inline. */
static inline void edge_copy8(int8_t *target, const int8_t *source)
{
    uint64_t bits;
    memcpy(&bits, source, 8);
    memcpy(target, &bits, 8);
}

/* n bytes without a library call (rows of small inputs are a few bytes): 8-byte copies, the last
   one overlapping the one before. */
static inline void edge_copy_short(int8_t *target, const int8_t *source, size_t n)
{
    if (n < 8) {
        for (size_t i = 0; i < n; i++) target[i] = source[i];
        return;
    }
    for (size_t i = 0; i + 8 < n; i += 8) edge_copy8(target + i, source + i);
    edge_copy8(target + n - 8, source + n - 8);
}

/* ---- the portable C kernels -------------------------------------------------------------------- */

static void edge_int8_tile_c(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out,
                             size_t stride)
{
    for (int i = 0; i < TILE; i++)
        for (int j = 0; j < TILE; j++) {
            int32_t sum = 0;
            for (size_t k = 0; k < depth8; k++) sum += w[i][k] * a[j][k];
            out[(size_t)i * stride + (size_t)j] = offsets[i] + sum;
        }
}

static void edge_int8_rows_c(size_t depth, size_t rows, const int8_t *w, const int16_t *x, int32_t *out)
{
    for (size_t i = 0; i < rows; i++, w += depth) {
        int32_t sum = 0;
        for (size_t k = 0; k < depth; k++) sum += w[k] * x[k];
        out[i] = sum;
    }
}

static void edge_int8_requantize_c(size_t n, const int32_t *acc, int32_t multiplier, int32_t shift, int32_t zero, int32_t low,
                                   int32_t high, int8_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = edge_requantize_int8(acc[i], multiplier, shift, zero, low, high);
}

static void edge_int8_depthwise_c(size_t n, size_t taps, const int8_t *const *x, const int16_t *w, int32_t *acc)
{
    for (size_t t = 0; t < taps; t++) {
        const int8_t *column = x[t];
        int32_t weight = w[t];
        for (size_t i = 0; i < n; i++) acc[i] = (int32_t)((uint32_t)acc[i] + (uint32_t)(weight * column[i]));
    }
}

static void edge_int8_quantize_c(size_t n, const float *x, float scale, int32_t zero, int8_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = edge_quantize_float(x[i], scale, zero);
}

void edge_int8_lookup_c(size_t n, const int8_t *x, const int8_t *table, int8_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = table[x[i] + 128];
}

const edge_int8_kernels edge_int8_kernels_c = {"c",
                                               0,
                                               edge_int8_tile_c,
                                               edge_int8_rows_c,
                                               edge_int8_requantize_c,
                                               edge_int8_depthwise_c,
                                               edge_int8_quantize_c,
                                               edge_int8_lookup_c,
                                               NULL,
                                               NULL};

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

/* ---- operands ---------------------------------------------------------------------------------- */

/* Columns [column, column + columns) of the product: column j is depth8 bytes at the returned
   pointer + j · *stride, read in place or written to `buffer` (columns · depth8 + 8 bytes). */
typedef const int8_t *(*edge_int8_columns)(const void *source, size_t column, size_t columns, size_t depth, size_t depth8,
                                           int8_t *buffer, size_t *stride);

/* Zeros a written column's padding [depth, depth8) with one 8-byte store, so that the tiles read no
   byte that was never written; the store runs into the next column, written after it, or into the
   buffer's 8 spare bytes. */
static inline void edge_int8_clear_padding(int8_t *column, size_t depth, size_t depth8)
{
    static const int8_t zeros[8] = {0};
    if (depth != depth8) edge_copy8(column + depth, zeros);
}

/* GEMM: columns are rows of A, `depth` bytes each. */
static const int8_t *edge_int8_gemm_columns(const void *source, size_t column, size_t columns, size_t depth, size_t depth8,
                                            int8_t *buffer, size_t *stride)
{
    const int8_t *a = (const int8_t *)source + column * depth;
    *stride = depth8;
    if (depth == depth8) return a;
    for (size_t j = 0; j < columns; j++) {
        memcpy(buffer + j * depth8, a + j * depth, depth);
        edge_int8_clear_padding(buffer + j * depth8, depth, depth8);
    }
    return buffer;
}

/* CONV: column p is the patch of output position p, in the weights' order (c, ki, kj). */
typedef struct edge_int8_im2col {
    const edge_conv_params *g;
    const int8_t *x;     /* the group's first input channel (padded or copied, when edge_int8_copies_input) */
    size_t width;        /* bytes of an input row */
    size_t run;          /* taps per run: kernel_width (one 8-byte copy; x has 8 spare bytes after it), or 1 */
    const size_t *starts; /* depth / run offsets, from a window's first byte, of its runs in (c, ki, kj) order */
} edge_int8_im2col;

static bool edge_int8_padded(const edge_conv_params *g)
{
    return g->pad_top != 0 || g->pad_left != 0 || edge_conv_padded_height(g) > g->in_height || edge_conv_padded_width(g) > g->in_width;
}

/* Taps of a kernel row that one 8-byte copy covers: consecutive, and 2 to 8 of them (a single tap
   is as cheap to copy alone). */
static bool edge_int8_runs(const edge_conv_params *g) { return g->dilation_w == 1 && g->kernel_width >= 2 && g->kernel_width <= 8; }

/* The input is copied out (with its padding, and with spare bytes for the runs' reads). */
static bool edge_int8_copies_input(const edge_conv_params *g) { return edge_int8_padded(g) || edge_int8_runs(g); }

/* `channels` input planes with the padding around them set to the zero point (the real number 0). */
static void edge_int8_pad_planes(const edge_conv_params *g, const int8_t *x, size_t channels, int8_t zero, int8_t *target)
{
    size_t height = edge_conv_padded_height(g), width = edge_conv_padded_width(g);
    size_t top = (size_t)g->pad_top, left = (size_t)g->pad_left;
    size_t copied = width > left ? edge_min(g->in_width, width - left) : 0;
    memset(target, zero, channels * height * width + 8);
    for (size_t c = 0; c < channels; c++, target += height * width)
        for (size_t ih = 0; ih < g->in_height && top + ih < height; ih++)
            edge_copy_short(target + (top + ih) * width + left, x + (c * g->in_height + ih) * g->in_width, copied);
}

static const int8_t *edge_int8_im2col_columns(const void *source, size_t column, size_t columns, size_t depth, size_t depth8,
                                              int8_t *buffer, size_t *stride)
{
    const edge_int8_im2col *s = source;
    const edge_conv_params *g = s->g;
    size_t oh = column / g->out_width, ow = column % g->out_width, runs = depth / s->run;
    /* One flat loop over a table of offsets per column: shorter inner loops cost more than the copies. */
    for (size_t j = 0; j < columns; j++) {
        int8_t *target = buffer + j * depth8;
        const int8_t *origin = s->x + oh * (size_t)g->stride_h * s->width + ow * (size_t)g->stride_w;
        if (s->run > 1) { /* each copy writes 8 − run bytes too many, which the next (or the padding) overwrites */
            for (size_t r = 0; r < runs; r++, target += s->run) edge_copy8(target, origin + s->starts[r]);
        } else {
            for (size_t r = 0; r < runs; r++) target[r] = origin[s->starts[r]];
        }
        edge_int8_clear_padding(buffer + j * depth8, depth, depth8);
        if (++ow == g->out_width) ow = 0, oh++;
    }
    *stride = depth8;
    return buffer;
}

/* CONV in channels-last patches: the group's input copied once per invoke as [row][column][channel]
   with its padding, and the weights reordered to (ki, kj, c), so that column p — output position p —
   is kernel_height runs of kernel_width · channels consecutive bytes. From NCHW rows, the same
   column is channels · kernel_height runs of kernel_width bytes (3-byte runs of 3×3 kernels, which
   took a quarter of YOLOv8n's int8 time). The sums over the depth are the same in any order: the
   results are those of the reference, byte for byte. */
typedef struct edge_int8_patches {
    const edge_conv_params *g;
    const int8_t *x;  /* [padded row][padded column][channel] */
    size_t row_bytes; /* padded_width · channels */
    size_t run;       /* kernel_width · channels */
    size_t channels;
    bool in_place;    /* 1×1, stride 1, no padding: the columns are the copied input itself */
} edge_int8_patches;

static const int8_t *edge_int8_patch_columns(const void *source, size_t column, size_t columns, size_t depth, size_t depth8,
                                             int8_t *buffer, size_t *stride)
{
    const edge_int8_patches *s = source;
    const edge_conv_params *g = s->g;
    if (s->in_place && depth == depth8) { /* a pointwise layer: each column is a position's channels */
        *stride = depth;
        return s->x + column * depth;
    }
    size_t oh = column / g->out_width, ow = column % g->out_width;
    size_t row_step = (size_t)g->dilation_h * s->row_bytes, column_step = (size_t)g->stride_w * s->channels;
    for (size_t j = 0; j < columns; j++) {
        int8_t *target = buffer + j * depth8;
        const int8_t *origin = s->x + oh * (size_t)g->stride_h * s->row_bytes + ow * column_step;
        for (size_t ki = 0; ki < g->kernel_height; ki++) edge_copy_short(target + ki * s->run, origin + ki * row_step, s->run);
        edge_int8_clear_padding(target, depth, depth8);
        if (++ow == g->out_width) ow = 0, oh++;
    }
    *stride = depth8;
    return buffer;
}

/* ---- the product ------------------------------------------------------------------------------- */

/* Y[m][p] at y[m · y_row + p · y_column] for weight rows m < rows and columns p < columns. */
typedef struct edge_int8_product {
    size_t rows, columns, depth;
    const int8_t *w;       /* rows × w_stride: depth bytes each, zero-padded to depth8 for the tiled product */
    size_t w_stride;
    const int32_t *sums;   /* Σ_k W[m][k] per row (the tiled product's; edge_int8_weights) */
    const int32_t *bias; /* or NULL */
    const int32_t *r;
    int32_t input_zero, output_zero, act_min, act_max;
    edge_int8_columns columns_of;
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

/* Where the tiled product keeps its parts in scratch, all 64-byte aligned. */
typedef struct edge_int8_layout {
    size_t depth8, rows4, block;
    size_t offsets, columns, packed, accumulators, bytes, total; /* offsets at 0 */
} edge_int8_layout;

/* The offsets, one block of columns (and 8 spare bytes), the block packed for `panel` (whole groups
   of EDGE_INT8_PANEL_COLUMNS; only when `packs`, the set that runs having `panel`, so that other sets
   do not reserve it), 4 rows of accumulators and a row of results; false when the sizes overflow. */
static bool edge_int8_plan(size_t rows, size_t columns, size_t depth, bool packs, edge_int8_layout *l)
{
    size_t size = 0;
    l->depth8 = edge_round_up(depth, 8);
    l->rows4 = edge_round_up(rows, TILE);
    l->block = edge_int8_block(columns, l->depth8);
    l->offsets = 0;
    if (!edge_size_mul(l->rows4, sizeof(int32_t), &size) || !edge_size_align(size, &l->columns)) return false;
    if (!edge_size_add(l->columns, l->block * l->depth8 + 8, &size) || !edge_size_align(size, &l->packed)) return false;
    size_t packed = packs ? edge_round_up(l->block, EDGE_INT8_PANEL_COLUMNS) * l->depth8 : 0;
    if (!edge_size_add(l->packed, packed, &size) || !edge_size_align(size, &l->accumulators))
        return false;
    if (!edge_size_add(l->accumulators, TILE * l->block * sizeof(int32_t), &size) || !edge_size_align(size, &l->bytes)) return false;
    return edge_size_add(l->bytes, l->block, &l->total);
}

static size_t edge_int8_tiled_scratch(size_t rows, size_t columns, size_t depth, bool packs)
{
    edge_int8_layout layout;
    return edge_int8_plan(rows, columns, depth, packs, &layout) ? layout.total : 0;
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
    edge_int8_layout l;
    edge_int8_plan(p->rows, p->columns, p->depth, kernels->panel != NULL, &l); /* prepare reserved l.total bytes */
    uint8_t *base = scratch;
    int32_t *offsets = (int32_t *)(void *)(base + l.offsets), *accumulators = (int32_t *)(void *)(base + l.accumulators);
    int8_t *buffer = (int8_t *)(base + l.columns), *packed = (int8_t *)(base + l.packed), *bytes = (int8_t *)(base + l.bytes);
    const int8_t *w = p->w;
    size_t w_stride = p->w_stride;
    /* offsets = B − (z + a_offset) · ΣW: |z + a_offset| <= 255, so like B ± D it is bounded by
       load's check of |B| + 255 · Σ|W| (and so is the product in int32). */
    int32_t shift = p->input_zero + kernels->a_offset;
    for (size_t i = 0; i < l.rows4; i++) offsets[i] = i < p->rows ? (p->bias ? p->bias[i] : 0) - shift * p->sums[i] : 0;
    for (size_t p0 = 0; p0 < p->columns; p0 += l.block) {
        size_t columns = edge_min(l.block, p->columns - p0), a_stride;
        const int8_t *a = p->columns_of(p->source, p0, columns, p->depth, l.depth8, buffer, &a_stride);
        if (kernels->panel) kernels->pack(l.depth8, a, a_stride, columns, packed); /* once for every row of W */
        for (size_t i0 = 0; i0 < p->rows; i0 += TILE) {
            size_t height = edge_min(TILE, p->rows - i0);
            const int8_t *w_rows[TILE], *a_columns[TILE];
            for (size_t i = 0; i < TILE; i++) w_rows[i] = w + (i0 + edge_min(i, height - 1)) * w_stride;
            if (kernels->panel) kernels->panel(l.depth8, w_rows, packed, columns, offsets + i0, accumulators, l.block);
            else
                for (size_t j0 = 0; j0 < columns; j0 += TILE) {
                    size_t width = edge_min(TILE, columns - j0);
                    for (size_t j = 0; j < TILE; j++) a_columns[j] = a + (j0 + edge_min(j, width - 1)) * a_stride;
                    kernels->tile(l.depth8, w_rows, a_columns, offsets + i0, accumulators + j0, l.block);
                }
            for (size_t i = 0; i < height; i++) {
                size_t row = i0 + i;
                int8_t *out = p->y_column == 1 ? p->y + row * p->y_row + p0 : bytes;
                kernels->requantize(columns, accumulators + i * l.block, p->r[2 * row], p->r[2 * row + 1], p->output_zero, p->act_min,
                                    p->act_max, out);
                if (out == bytes)
                    for (size_t j = 0; j < columns; j++) p->y[row * p->y_row + (p0 + j) * p->y_column] = bytes[j];
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

/* ---- depthwise convolutions ------------------------------------------------------------------- */

/* The padded plane of a depthwise convolution, split by stride into phases: padded row r and
   column c go to phase (r mod stride_h, c mod stride_w), at row r / stride_h and column
   c / stride_w of it. A phase is `rows` × `width` int8. Then output (oh, ow) reads tap (ki, kj) at
   phase (ki·dh mod sh, kj·dw mod sw), row oh + ki·dh / sh, column ow + kj·dw / sw: at a fixed
   offset from oh · width + ow for every output, so one flat run of out_height × width outputs
   covers the plane (the columns past out_width are computed and dropped).
   Scratch: the phases, then a phase row and EDGE_INT8_DEPTHWISE_SLACK bytes for the reads of the
   dropped columns and the kernels past the end; one padded input row; the int32 outputs with the
   same slack. */
typedef struct edge_int8_depthwise_plane {
    size_t padded_height, padded_width; /* rows and columns of the padded input the windows reach */
    size_t rows, width, phase;          /* of a phase; bytes in a phase */
    size_t padded_row, accumulators;    /* scratch offsets of the padded input row and of the outputs */
} edge_int8_depthwise_plane;

static bool edge_int8_depthwise_geometry(const edge_conv_params *g, edge_int8_depthwise_plane *p, size_t *bytes)
{
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w, size, outputs;
    p->padded_height = edge_conv_padded_height(g);
    p->padded_width = edge_conv_padded_width(g);
    p->rows = (p->padded_height + sh - 1) / sh;
    p->width = (p->padded_width + sw - 1) / sw;
    if (!edge_size_mul(p->rows, p->width, &p->phase) || !edge_size_mul(p->phase, sh * sw, &size) ||
        !edge_size_add(size, p->width + EDGE_INT8_DEPTHWISE_SLACK, &size) || !edge_size_align(size, &p->padded_row))
        return false;
    if (!edge_size_add(p->padded_row, p->width * sw, &size) || !edge_size_align(size, &p->accumulators)) return false;
    if (!edge_size_mul(g->out_height, p->width, &outputs) || !edge_size_add(outputs, EDGE_INT8_DEPTHWISE_SLACK, &size) ||
        !edge_size_mul(size, sizeof(int32_t), &size))
        return false;
    return edge_size_add(p->accumulators, size, bytes);
}

/* Phase `phase` of `stride` of a row: out[j] = in[j · stride + phase]. */
static void edge_int8_phase(int8_t *restrict out, const int8_t *restrict in, size_t n, size_t stride, size_t phase)
{
    for (size_t j = 0; j < n; j++) out[j] = in[j * stride + phase];
}

typedef int8_t edge_bytes16 __attribute__((vector_size(16)));

/* The compilers with __builtin_shufflevector (generic vector shuffles). */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define EDGE_SHUFFLEVECTOR 1
#endif

/* Both phases of stride 2, even[j] = in[2j] and odd[j] = in[2j + 1], 16 of each from two 16-byte
   vectors by one shuffle apiece (the compilers' generic vectors: PACKUSWB or PSHUFB on x86, UZP1
   and UZP2 on ARM). A byte at a time, the split was 6% of mobilenet_v3_small int8 and 5% of
   EfficientNet-B0. */
static void edge_int8_split_pairs(int8_t *restrict even, int8_t *restrict odd, const int8_t *restrict in, size_t n)
{
    size_t j = 0;
#ifdef EDGE_SHUFFLEVECTOR
    for (; j + 16 <= n; j += 16) {
        edge_bytes16 a, b;
        memcpy(&a, in + 2 * j, 16);
        memcpy(&b, in + 2 * j + 16, 16);
        edge_bytes16 e = __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        edge_bytes16 o = __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        memcpy(even + j, &e, 16);
        memcpy(odd + j, &o, 16);
    }
#endif
    for (; j < n; j++) {
        even[j] = in[2 * j];
        odd[j] = in[2 * j + 1];
    }
}

/* The plane's padding: the padding, the rows of a phase past the padded input and the slack hold
   the zero point (x − z = 0 there) and are the same for every channel, so they are written once per
   invoke and the channels write only their input over them. Writing each channel's padding anew (a
   memset call per row edge) cost more than the copy itself on the 7 × 7 and 14 × 14 planes of
   mobile networks. */
static void edge_int8_pad_plane(const edge_conv_params *g, const edge_int8_depthwise_plane *p, int8_t zero, int8_t *plane, int8_t *padded)
{
    memset(plane, zero, (size_t)g->stride_h * (size_t)g->stride_w * p->phase + p->width + EDGE_INT8_DEPTHWISE_SLACK);
    memset(padded, zero, p->width * (size_t)g->stride_w);
}

/* The channel's input into the plane's phases, over the padding of edge_int8_pad_plane: a stride-1
   row is copied in place, others to `padded`, then split (its padding columns keep z). */
static void edge_int8_copy_plane(const edge_conv_params *g, const edge_int8_depthwise_plane *p, const int8_t *x, int8_t *plane, int8_t *padded)
{
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w, top = (size_t)g->pad_top, left = (size_t)g->pad_left;
    size_t begin = edge_min(left, p->padded_width), end = edge_min(left + g->in_width, p->padded_width);
    size_t last = edge_min(top + g->in_height, p->padded_height);
    if (end <= begin) return;
    /* Padded row r is row r / sh of phase row r mod sh, both counted up rather than divided. */
    size_t phase_row = top % sh, row = top / sh;
    for (size_t r = top; r < last; r++) {
        int8_t *target = plane + phase_row * sw * p->phase + row * p->width;
        const int8_t *in = x + (r - top) * g->in_width + (begin - left);
        if (sw == 1) {
            memcpy(target + begin, in, end - begin);
        } else {
            memcpy(padded + begin, in, end - begin);
            if (sw == 2) edge_int8_split_pairs(target, target + p->phase, padded, p->width);
            else
                for (size_t phase = 0; phase < sw; phase++) edge_int8_phase(target + phase * p->phase, padded, p->width, sw, phase);
        }
        if (++phase_row == sh) {
            phase_row = 0;
            row++;
        }
    }
}

/* Where tap t of the plane starts for output 0 (see edge_int8_depthwise_plane). */
static size_t edge_int8_tap_offset(const edge_conv_params *g, const edge_int8_depthwise_plane *p, size_t t)
{
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w;
    size_t down = t / (size_t)g->kernel_width * (size_t)g->dilation_h, across = t % (size_t)g->kernel_width * (size_t)g->dilation_w;
    return (down % sh * sw + across % sw) * p->phase + down / sh * p->width + across / sw;
}

/* Taps handed to the `depthwise` kernel at a time (a 5 × 5 kernel at once; larger ones in parts). */
#define EDGE_INT8_DEPTHWISE_TAPS 25

/* One input and one output channel per group: the plane's outputs accumulate B + Σ w · (x − z) over
   the taps in int32, as B − z · Σw + Σ w · x (exact: load checked |B| + 255 · Σ|W|, which bounds
   the start and the end; the kernels wrap in between), then each output row is requantized. Reading
   the input bytes as they are, rather than x − z widened to int16, halves the plane and makes its
   copy a memcpy: the widening was 7.5% of mobilenet_v2 int8. `sums`: each channel's ΣW, from
   prepare. */
static void edge_int8_depthwise(const edge_conv_int8_params *q, const int8_t *x, const int8_t *w, const int32_t *sums, const int32_t *bias,
                                const int32_t *r, int8_t *y, const edge_int8_kernels *kernels, void *scratch)
{
    const edge_conv_params *g = &q->conv;
    edge_int8_depthwise_plane p;
    size_t bytes, taps = g->kernel_height * g->kernel_width, out_w = g->out_width;
    edge_int8_depthwise_geometry(g, &p, &bytes); /* prepare reserved these bytes */
    size_t outputs = g->out_height * p.width;
    int8_t *plane = scratch, *padded = (int8_t *)scratch + p.padded_row;
    int32_t *acc = (int32_t *)(void *)((uint8_t *)scratch + p.accumulators);
    edge_int8_pad_plane(g, &p, (int8_t)q->input_zero, plane, padded);
    /* The taps' offsets are the same for every channel: found once where one call takes them all. */
    size_t offsets[EDGE_INT8_DEPTHWISE_TAPS];
    bool fixed = taps <= EDGE_INT8_DEPTHWISE_TAPS;
    for (size_t t = 0; fixed && t < taps; t++) offsets[t] = edge_int8_tap_offset(g, &p, t);
    for (size_t index = 0; index < g->batch * g->out_channels; index++) {
        size_t c = index % g->out_channels;
        const int8_t *wc = w + c * taps;
        int8_t *yc = y + index * g->out_height * out_w;
        edge_int8_copy_plane(g, &p, x + index * g->in_height * g->in_width, plane, padded);
        int32_t start = (int32_t)((bias ? bias[c] : 0) - (int64_t)q->input_zero * sums[c]);
        for (size_t o = 0; o < outputs; o++) acc[o] = start;
        for (size_t t0 = 0; t0 < taps; t0 += EDGE_INT8_DEPTHWISE_TAPS) {
            size_t count = edge_min(EDGE_INT8_DEPTHWISE_TAPS, taps - t0);
            const int8_t *columns[EDGE_INT8_DEPTHWISE_TAPS];
            int16_t weights[EDGE_INT8_DEPTHWISE_TAPS];
            for (size_t t = 0; t < count; t++) {
                columns[t] = plane + (fixed ? offsets[t] : edge_int8_tap_offset(g, &p, t0 + t));
                weights[t] = wc[t0 + t];
            }
            kernels->depthwise(outputs, count, columns, weights, acc);
        }
        /* Rows of 16 or more requantized where they are, past their dropped columns; shorter ones,
           too short for the vector lanes, closed up first and requantized as one run. (Closing up
           every plane's rows was 4% of EfficientNet-B0 int8 in memmove.) */
        if (p.width == out_w || out_w < 16) {
            if (p.width != out_w)
                for (size_t oh = 1; oh < g->out_height; oh++) memmove(acc + oh * out_w, acc + oh * p.width, out_w * sizeof(int32_t));
            kernels->requantize(g->out_height * out_w, acc, r[2 * c], r[2 * c + 1], q->output_zero, q->act_min, q->act_max, yc);
        } else {
            for (size_t oh = 0; oh < g->out_height; oh++)
                kernels->requantize(out_w, acc + oh * p.width, r[2 * c], r[2 * c + 1], q->output_zero, q->act_min, q->act_max, yc + oh * out_w);
        }
    }
}

/* ---- the operators ----------------------------------------------------------------------------- */

/* Taps per run of the im2col copies: a kernel row of consecutive taps as one 8-byte copy, or one. */
static size_t edge_int8_run(const edge_conv_params *g) { return edge_int8_runs(g) ? g->kernel_width : 1; }

/* Channels-last patches (edge_int8_patch_columns) when the copies they save outweigh reordering the
   weights on every invoke: kernel rows of consecutive taps at least 8 bytes long, and more output
   positions than twice the output channels (late layers, with few positions and many weights, keep
   the NCHW columns). */
static bool edge_int8_channels_last(const edge_conv_params *g)
{
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    return !g->depthwise && g->planar && g->dilation_w == 1 && g->kernel_width * cg >= 8 && g->out_height * g->out_width >= 2 * mg;
}

/* After the tiled product's scratch: the channels-last padded input of one group (and 8 spare
   bytes). */
static size_t edge_int8_patches_scratch(const edge_conv_params *g, bool packs, size_t *input_offset)
{
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group, depth = cg * g->kernel_height * g->kernel_width;
    size_t tiled = edge_int8_tiled_scratch(mg, g->out_height * g->out_width, depth, packs), input, total;
    if (tiled == 0 || !edge_size_align(tiled, input_offset)) return 0;
    if (!edge_size_mul(edge_conv_padded_height(g), edge_conv_padded_width(g), &input) || !edge_size_mul(input, cg, &input) ||
        !edge_size_add(input, 8, &input) || !edge_size_add(*input_offset, input, &total))
        return 0;
    return total;
}

#ifndef EDGE_SHUFFLEVECTOR
/* An 8 × 8 block of bytes transposed in eight 64-bit words (byte k of word i, element (i, k), goes to
   byte i of word k): three rounds of swaps, of bytes, byte pairs and halves. Little-endian words. */
static inline void edge_transpose8x8(uint64_t r[8])
{
    for (int i = 0; i < 8; i += 2) {
        uint64_t t = ((r[i] >> 8) ^ r[i + 1]) & 0x00FF00FF00FF00FFull;
        r[i + 1] ^= t, r[i] ^= t << 8;
    }
    static const int pairs[4] = {0, 1, 4, 5}; /* words 0-1 with 2-3, 4-5 with 6-7 */
    for (int p = 0; p < 4; p++) {
        int i = pairs[p];
        uint64_t t = ((r[i] >> 16) ^ r[i + 2]) & 0x0000FFFF0000FFFFull;
        r[i + 2] ^= t, r[i] ^= t << 16;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t t = ((r[i] >> 32) ^ r[i + 4]) & 0x00000000FFFFFFFFull;
        r[i + 4] ^= t, r[i] ^= t << 32;
    }
}
#endif

typedef int16_t edge_halves8 __attribute__((vector_size(16)));
typedef int32_t edge_words4 __attribute__((vector_size(16)));

/* The 8 × 8 block of bytes at rows in[i · in_stride] (8 bytes each) written transposed to rows
   out[k · out_stride]: byte k of row i becomes byte i of row k. By three rounds of interleaving (bytes,
   byte pairs, quadruples: PUNPCKLBW, PUNPCKLWD and kin on x86, ZIP1/ZIP2 on ARM), 12 shuffles for
   the 64 bytes where edge_transpose8x8's swaps in 64-bit words (the compilers without generic
   shuffles) take about 60 instructions; the transposition of YOLOv8n's inputs to channels-last was
   10% of its int8 run. */
static inline void edge_transpose_block8(const int8_t *in, size_t in_stride, int8_t *out, size_t out_stride)
{
#ifdef EDGE_SHUFFLEVECTOR
    edge_bytes16 r[8];
    for (int i = 0; i < 8; i++) {
        memset(&r[i], 0, sizeof r[i]);
        memcpy(&r[i], in + (size_t)i * in_stride, 8);
    }
    edge_halves8 t[4];
    for (int i = 0; i < 4; i++) { /* (r[2i][j], r[2i+1][j]) pairs, j = 0..7 */
        edge_bytes16 z = __builtin_shufflevector(r[2 * i], r[2 * i + 1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        memcpy(&t[i], &z, 16);
    }
    edge_halves8 low0 = __builtin_shufflevector(t[0], t[1], 0, 8, 1, 9, 2, 10, 3, 11), high0 = __builtin_shufflevector(t[0], t[1], 4, 12, 5, 13, 6, 14, 7, 15);
    edge_halves8 low1 = __builtin_shufflevector(t[2], t[3], 0, 8, 1, 9, 2, 10, 3, 11), high1 = __builtin_shufflevector(t[2], t[3], 4, 12, 5, 13, 6, 14, 7, 15);
    edge_words4 a, b, c, d; /* rows 0-3 and rows 4-7 of columns 0-3 (a, b) and 4-7 (c, d), 4 bytes a column */
    memcpy(&a, &low0, 16), memcpy(&b, &low1, 16), memcpy(&c, &high0, 16), memcpy(&d, &high1, 16);
    edge_words4 columns[4] = {__builtin_shufflevector(a, b, 0, 4, 1, 5), __builtin_shufflevector(a, b, 2, 6, 3, 7),
                              __builtin_shufflevector(c, d, 0, 4, 1, 5), __builtin_shufflevector(c, d, 2, 6, 3, 7)};
    for (int k = 0; k < 4; k++) { /* columns 2k and 2k + 1 */
        memcpy(out + (size_t)(2 * k) * out_stride, &columns[k], 8);
        memcpy(out + (size_t)(2 * k + 1) * out_stride, (const int8_t *)&columns[k] + 8, 8);
    }
#else
    uint64_t r[8];
    for (int i = 0; i < 8; i++) memcpy(&r[i], in + (size_t)i * in_stride, 8);
    edge_transpose8x8(r);
    for (int k = 0; k < 8; k++) memcpy(out + (size_t)k * out_stride, &r[k], 8);
#endif
}

/* `channels` planes of x as [padded row][padded column][channel], the padding at the zero point.
   Blocks of 8 channels × 8 columns go through edge_transpose_block8: a byte at a time, each store
   `channels` bytes from the last, the copy cost more than the columns it saved. */
static void edge_int8_channels_last_input(const edge_conv_params *g, const int8_t *x, size_t channels, int8_t zero, int8_t *target)
{
    size_t height = edge_conv_padded_height(g), width = edge_conv_padded_width(g);
    size_t top = (size_t)g->pad_top, left = (size_t)g->pad_left;
    size_t copied = width > left ? edge_min(g->in_width, width - left) : 0;
    memset(target, zero, height * width * channels + 8);
    for (size_t ih = 0; ih < g->in_height && top + ih < height; ih++) {
        int8_t *row = target + ((top + ih) * width + left) * channels;
        const int8_t *lines = x + ih * g->in_width;
        size_t plane = g->in_height * g->in_width, c0 = 0, blocked = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        blocked = copied / 8 * 8;
        for (; c0 + 8 <= channels; c0 += 8)
            for (size_t iw = 0; iw < blocked; iw += 8) edge_transpose_block8(lines + c0 * plane + iw, plane, row + iw * channels + c0, channels);
#endif
        /* The channels past the last block of 8, and the columns past the last block. */
        for (size_t c = 0; c < channels; c++)
            for (size_t iw = c < c0 ? blocked : 0; iw < copied; iw++) row[iw * channels + c] = lines[c * plane + iw];
    }
}

/* What prepare derives from the weights of an operator on the tiled product (op->prepared, freed
   with the model): each row's Σ W, from which every invoke's offsets follow in one multiply, and W's
   rows as the product reads them, depth8 bytes each, zero-padded and, on the channels-last path,
   reordered from (c, ki, kj) to (ki, kj, c) — or NULL where W's own rows are that already (and for
   a depthwise convolution, whose kernels read W in place and need only the sums). Done per invoke,
   the reordering alone was 4% of YOLOv8n int8. */
typedef struct edge_int8_weights {
    const int8_t *rows;
    int32_t sums[];
} edge_int8_weights;

/* `rows` rows of `depth` bytes; `g` for a convolution (NULL for GEMM). Call after load's check of
   |B| + 255 · Σ|W|, which bounds every sum. */
static edge_status edge_int8_prepare_weights(edge_operator *op, const int8_t *w, size_t rows, size_t depth, const edge_conv_params *g,
                                             edge_error *error)
{
    size_t depth8 = edge_round_up(depth, 8), head, bytes = 0, total;
    bool channels_last = g && edge_int8_channels_last(g), copy = !(g && g->depthwise) && (channels_last || depth8 != depth);
    if (!edge_size_mul(rows, sizeof(int32_t), &head) || !edge_size_add(head, sizeof(edge_int8_weights), &head) ||
        !edge_size_align(head, &head) || (copy && !edge_size_mul(rows, depth8, &bytes)) || !edge_size_add(head, bytes, &total))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "its weights take too many bytes");
    edge_int8_weights *prepared = malloc(total);
    if (!prepared) return edge_op_fail(error, op, EDGE_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes for its prepared weights", total);
    int8_t *target = copy ? (int8_t *)prepared + head : NULL;
    size_t cg = g ? g->in_channels / g->group : 0, taps = g ? g->kernel_height * g->kernel_width : 0;
    for (size_t m = 0; m < rows; m++) {
        const int8_t *row = w + m * depth;
        int32_t sum = 0;
        for (size_t k = 0; k < depth; k++) sum += row[k];
        prepared->sums[m] = sum;
        if (!copy) continue;
        int8_t *out = target + m * depth8;
        if (channels_last)
            for (size_t c = 0; c < cg; c++)
                for (size_t t = 0; t < taps; t++) out[t * cg + c] = row[c * taps + t];
        else memcpy(out, row, depth);
        memset(out + depth, 0, depth8 - depth);
    }
    prepared->rows = target;
    op->prepared = prepared;
    op->prepared_bytes = total;
    return EDGE_OK;
}

edge_status edge_conv_int8_fast_prepare(const edge_model *model, edge_operator *op, edge_error *error)
{
    const edge_conv_params *g = &op->params.conv_int8.conv;
    size_t depth = g->in_channels / g->group * g->kernel_height * g->kernel_width;
    return edge_int8_prepare_weights(op, (const int8_t *)edge_op_input(model, op, 1)->weight, g->out_channels, depth, g, error);
}

edge_status edge_gemm_int8_fast_prepare(const edge_model *model, edge_operator *op, edge_error *error)
{
    const edge_gemm_int8_params *g = &op->params.gemm_int8;
    if (g->rows < TILE) return EDGE_OK; /* the product by rows reads W in place */
    return edge_int8_prepare_weights(op, (const int8_t *)edge_op_input(model, op, 1)->weight, g->n, g->k, NULL, error);
}

/* After the tiled product's scratch: the runs' offsets, then the copied input planes of one group
   (and 8 spare bytes). */
static size_t edge_int8_conv_scratch(const edge_conv_params *g, bool packs, size_t *starts_offset, size_t *planes_offset)
{
    size_t cg = g->in_channels / g->group, depth = cg * g->kernel_height * g->kernel_width, starts, planes, total;
    size_t tiled = edge_int8_tiled_scratch(g->out_channels / g->group, g->out_height * g->out_width, depth, packs);
    *planes_offset = 0;
    if (tiled == 0 || !edge_size_align(tiled, starts_offset)) return 0;
    if (!edge_size_mul(depth / edge_int8_run(g), sizeof(size_t), &starts) || !edge_size_add(*starts_offset, starts, &total)) return 0;
    if (!edge_int8_copies_input(g)) return total;
    if (!edge_size_align(total, planes_offset)) return 0;
    if (!edge_size_mul(edge_conv_padded_height(g), edge_conv_padded_width(g), &planes) || !edge_size_mul(planes, cg, &planes) ||
        !edge_size_add(planes, 8, &planes) || !edge_size_add(*planes_offset, planes, &total))
        return 0;
    return total;
}

size_t edge_conv_int8_fast_scratch(const edge_conv_int8_params *q, const edge_int8_kernels *kernels)
{
    const edge_conv_params *g = &q->conv;
    if (g->depthwise) {
        edge_int8_depthwise_plane plane;
        size_t bytes;
        return edge_int8_depthwise_geometry(g, &plane, &bytes) ? bytes : 0;
    }
    size_t first, second;
    bool packs = kernels->panel != NULL;
    return edge_int8_channels_last(g) ? edge_int8_patches_scratch(g, packs, &first) : edge_int8_conv_scratch(g, packs, &first, &second);
}

size_t edge_gemm_int8_fast_scratch(const edge_gemm_int8_params *g, const edge_int8_kernels *kernels)
{
    return g->rows < TILE ? edge_int8_rows_scratch(g->n, g->k) : edge_int8_tiled_scratch(g->n, g->rows, g->k, kernels->panel != NULL);
}

void edge_conv_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_conv_int8_params *q = &op->params.conv_int8;
    const edge_conv_params *g = &q->conv;
    const int8_t *x = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    size_t depth = cg * g->kernel_height * g->kernel_width;
    const edge_int8_weights *prepared = op->prepared;
    if (g->depthwise) {
        edge_int8_depthwise(q, x, w, prepared->sums, bias, r, y, kernels, scratch);
        return;
    }
    size_t depth8 = edge_round_up(depth, 8);
    const int8_t *rows = prepared->rows ? prepared->rows : w; /* rows of depth8 bytes either way */
    if (edge_int8_channels_last(g)) {
        size_t input_offset;
        edge_int8_patches_scratch(g, kernels->panel != NULL, &input_offset);
        int8_t *input = (int8_t *)scratch + input_offset;
        bool pointwise = g->kernel_height == 1 && g->kernel_width == 1 && g->stride_h == 1 && g->stride_w == 1 && !edge_int8_padded(g);
        edge_int8_patches source = {g, input, edge_conv_padded_width(g) * cg, g->kernel_width * cg, cg, pointwise};
        for (size_t n = 0; n < g->batch; n++)
            for (size_t group = 0; group < g->group; group++) {
                edge_int8_channels_last_input(g, x + (n * g->in_channels + group * cg) * in_plane, cg, (int8_t)q->input_zero, input);
                edge_int8_product p = {mg, out_plane, depth, rows + group * mg * depth8, depth8, prepared->sums + group * mg,
                                       bias ? bias + group * mg : NULL, r + 2 * group * mg,
                                       q->input_zero, q->output_zero, q->act_min, q->act_max, edge_int8_patch_columns, &source,
                                       y + (n * g->out_channels + group * mg) * out_plane, out_plane, 1};
                edge_int8_tiled(&p, kernels, scratch);
            }
        return;
    }
    size_t starts_offset, planes_offset;
    edge_int8_conv_scratch(g, kernels->panel != NULL, &starts_offset, &planes_offset);
    bool copies = edge_int8_copies_input(g);
    int8_t *planes = (int8_t *)scratch + planes_offset;
    size_t width = copies ? edge_conv_padded_width(g) : g->in_width, plane = copies ? edge_conv_padded_height(g) * width : in_plane;
    size_t run = edge_int8_run(g), *starts = (size_t *)(void *)((uint8_t *)scratch + starts_offset), *start = starts;
    for (size_t c = 0; c < cg; c++)
        for (size_t ki = 0; ki < g->kernel_height; ki++)
            for (size_t kj = 0; kj < g->kernel_width; kj += run) *start++ = c * plane + ki * (size_t)g->dilation_h * width + kj * (size_t)g->dilation_w;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t group = 0; group < g->group; group++) {
            const int8_t *xg = x + (n * g->in_channels + group * cg) * in_plane;
            edge_int8_im2col source = {g, xg, width, run, starts};
            if (copies) {
                edge_int8_pad_planes(g, xg, cg, (int8_t)q->input_zero, planes);
                source.x = planes;
            }
            edge_int8_product p = {mg, out_plane, depth, rows + group * mg * depth8, depth8, prepared->sums + group * mg,
                                   bias ? bias + group * mg : NULL, r + 2 * group * mg,
                                   q->input_zero, q->output_zero, q->act_min, q->act_max, edge_int8_im2col_columns, &source,
                                   y + (n * g->out_channels + group * mg) * out_plane, out_plane, 1};
            edge_int8_tiled(&p, kernels, scratch);
        }
    }
}

void edge_gemm_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_gemm_int8_params *g = &op->params.gemm_int8;
    const int8_t *a = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    if (g->rows < TILE) {
        edge_int8_product p = {g->n, g->rows, g->k, w, g->k, NULL, bias, r, g->input_zero, g->output_zero, g->act_min, g->act_max,
                               edge_int8_gemm_columns, a, y, 1, g->n};
        edge_int8_by_rows(&p, a, kernels, scratch);
        return;
    }
    const edge_int8_weights *prepared = op->prepared;
    size_t depth8 = edge_round_up(g->k, 8);
    edge_int8_product p = {g->n, g->rows, g->k, prepared->rows ? prepared->rows : w, depth8, prepared->sums, bias, r, g->input_zero,
                           g->output_zero, g->act_min, g->act_max, edge_int8_gemm_columns, a, y, 1, g->n};
    edge_int8_tiled(&p, kernels, scratch);
}

void edge_concat_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_concat_int8_params *g = &op->params.concat_int8;
    const edge_tensor *yt = edge_op_output(model, op, 0);
    int8_t *y = (int8_t *)edge_tensor_data(yt, arena);
    int32_t *values = scratch;
    for (size_t o = 0; o < g->axis.outer; o++) {
        for (unsigned i = 0; i < op->input_count; i++) {
            const edge_tensor *xt = edge_op_input(model, op, i);
            size_t block = xt->dims[g->axis.axis] * g->axis.inner_bytes;
            const int8_t *x = (const int8_t *)edge_tensor_data(xt, arena) + o * block;
            int32_t multiplier = edge_read_i32(g->fields + 8 * (size_t)i), shift = edge_read_i32(g->fields + 8 * (size_t)i + 4);
            if (multiplier == 0) {
                memcpy(y, x, block);
            } else {
                for (size_t j0 = 0; j0 < block; j0 += EDGE_INT8_CHUNK) {
                    size_t n = edge_min(EDGE_INT8_CHUNK, block - j0);
                    for (size_t j = 0; j < n; j++) values[j] = x[j0 + j] - xt->zero_point;
                    kernels->requantize(n, values, multiplier, shift, yt->zero_point, -128, 127, y + j0);
                }
            }
            y += block;
        }
    }
}
