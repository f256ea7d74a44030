/*
 * float_fastpath_tests — the optimized float kernels against their reference kernels: depthwise
 * convolutions (kernels/depthwise.c against the direct loops of conv.c) with random kernels (3×3 and
 * 5×5 mostly), strides, dilations, pads and plane sizes. The fast path sums each output's taps in
 * the reference's order, so the two agree to the last bit but for the sign of a zero; the check
 * allows 1e-6 relative. And the matrix multiply under GEMM, MATMUL and the convolutions with every
 * tile set this CPU runs, against sums in double (1e-5 of the sum of the products' sizes). With
 * --bench it prints the speed of convolution-sized products per tile set and of MobileNet's
 * depthwise shapes.
 *
 *     $ R=Sources/EdgeRuntime
 *     $ cc -std=c11 -O2 -ffp-contract=off -I $R/include $R/[a-z]*.c $R/kernels/[a-z]*.c $R/kernels/x86/[a-z]*.c \
 *         $R/kernels/neon/[a-z]*.c $R/tests/float_fastpath_tests.c -lm -o float_fastpath_tests
 *     $ ./float_fastpath_tests [cases]          # default 1000
 *     $ ./float_fastpath_tests --bench
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "test_support.h"

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint32_t next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static int32_t uniform(int32_t low, int32_t high) { return low + (int32_t)(next() % (uint32_t)(high - low + 1)); }

static float random_float(void) { return (float)((double)next() / 4294967296.0 * 2.0 - 1.0); }

/* Exactly n bytes (at least 1), so that AddressSanitizer sees a read or write past the end. */
static void *allocate_exact(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(p, 0x5a, n ? n : 1);
    return p;
}

/* A depthwise geometry: `channels` planes of in_h × in_w, a kh × kw kernel; false if no output fits. */
static bool geometry(edge_conv_params *g, size_t batch, size_t channels, size_t in_h, size_t in_w, size_t kh, size_t kw, int32_t sh,
                     int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t pb, int32_t pr)
{
    memset(g, 0, sizeof *g);
    int64_t span_h = (int64_t)in_h + pt + pb - ((int64_t)(kh - 1) * dh + 1), span_w = (int64_t)in_w + pl + pr - ((int64_t)(kw - 1) * dw + 1);
    if (span_h < 0 || span_w < 0) return false;
    g->batch = batch, g->in_channels = g->out_channels = g->group = channels, g->in_height = in_h, g->in_width = in_w;
    g->out_height = (size_t)(span_h / sh + 1), g->out_width = (size_t)(span_w / sw + 1);
    g->kernel_height = kh, g->kernel_width = kw;
    g->stride_h = sh, g->stride_w = sw, g->dilation_h = dh, g->dilation_w = dw, g->pad_top = pt, g->pad_left = pl;
    g->in_depth = g->out_depth = g->kernel_depth = 1, g->stride_d = g->dilation_d = 1;
    g->planar = g->depthwise = true;
    return true;
}

static void random_depthwise(void)
{
    int32_t k = next() % 4 == 0 ? uniform(1, 7) : next() % 2 ? 3 : 5;
    int32_t kh = next() % 8 == 0 ? uniform(1, 7) : k, kw = next() % 8 == 0 ? uniform(1, 11) : k;
    int32_t sh = next() % 8 == 0 ? 3 : uniform(1, 2), sw = next() % 8 == 0 ? 3 : uniform(1, 2);
    int32_t dh = next() % 8 == 0 ? 2 : 1, dw = next() % 8 == 0 ? 2 : 1;
    int32_t pt = next() % 4 == 0 ? uniform(0, kh) : kh / 2, pl = next() % 4 == 0 ? uniform(0, kw) : kw / 2;
    int32_t pb = next() % 4 == 0 ? uniform(0, kh) : kh / 2, pr = next() % 4 == 0 ? uniform(0, kw) : kw / 2;
    size_t batch = (size_t)uniform(1, 2), channels = (size_t)uniform(1, 6), in_h = (size_t)uniform(1, 40), in_w = (size_t)uniform(1, 40);
    edge_conv_params g;
    if (!geometry(&g, batch, channels, in_h, in_w, (size_t)kh, (size_t)kw, sh, sw, dh, dw, pt, pl, pb, pr)) return;
    size_t in_count = batch * channels * in_h * in_w, out_count = batch * channels * g.out_height * g.out_width;
    size_t w_count = channels * (size_t)(kh * kw), scratch_bytes = edge_depthwise_scratch_bytes(&g);
    CHECK(scratch_bytes > 0, "depthwise scratch");
    float *x = allocate_exact(in_count * sizeof(float)), *w = allocate_exact(w_count * sizeof(float));
    float *expected = allocate_exact(out_count * sizeof(float)), *got = allocate_exact(out_count * sizeof(float));
    void *scratch = allocate_exact(scratch_bytes);
    for (size_t i = 0; i < in_count; i++) x[i] = random_float() * 4.0f;
    for (size_t i = 0; i < w_count; i++) w[i] = random_float();
    /* With or without a bias, and each kind of activation the fast path finishes channels with. */
    float bias[6];
    for (size_t i = 0; i < channels; i++) bias[i] = random_float();
    const float *b = next() % 4 == 0 ? NULL : bias;
    edge_activation activation = {(int32_t)(next() % (EDGE_ACTIVATION_SILU + 1)), 0.1f, 1.5f};
    if (activation.kind == EDGE_ACTIVATION_CLIP) activation.alpha = -0.5f;
    edge_depthwise_reference(&g, x, w, expected);
    edge_bias_activate(expected, batch, channels, g.out_height * g.out_width, b, &activation);
    edge_depthwise(&g, x, w, b, &activation, got, scratch);
    size_t bad = 0;
    for (size_t i = 0; i < out_count; i++)
        if (!(fabsf(got[i] - expected[i]) <= 1e-6f * (1.0f + fabsf(expected[i])))) bad++;
    CHECK(bad == 0, "depthwise x [%zu,%zu,%zu,%zu] kernel %dx%d stride %d,%d dilation %d,%d pads %d,%d,%d,%d activation %d: %zu of %zu outputs differ",
          batch, channels, in_h, in_w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, (int)activation.kind, bad, out_count);
    free(x);
    free(w);
    free(expected);
    free(got);
    free(scratch);
}

/* Every float tile set this build and CPU run: the portable one first. */
static size_t tile_sets(const edge_float_tiles **sets, size_t capacity)
{
    sets[0] = &edge_float_tiles_c;
    return 1 + edge_float_x86_tiles(sets + 1, capacity - 1);
}

/* C[m × n] (row stride ldc) against activation(old + A × B + bias) summed in double, old the C before
   (NULL: none): *bad counts outputs off by more than 1e-5 of the sum of the terms' sizes, *touched
   the columns past n that differ from `before`. */
static void product_errors(size_t m, size_t n, size_t k, const float *a, size_t a_row, size_t a_column, const float *b, const float *old,
                           const float *row_bias, const edge_activation *activation, const float *before, const float *c, size_t ldc,
                           size_t *bad, size_t *touched)
{
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++) {
            double sum = old ? old[i * ldc + j] : 0.0, size = fabs(sum);
            for (size_t p = 0; p < k; p++) {
                double product = (double)a[i * a_row + p * a_column] * b[p * n + j];
                sum += product;
                size += fabs(product);
            }
            if (row_bias) sum += row_bias[i], size += fabs(row_bias[i]);
            float expected = edge_activate(activation, (float)sum), got = c[i * ldc + j];
            if (!(fabsf(got - expected) <= 1e-5f * (1.0f + (float)size))) ++*bad;
        }
        for (size_t j = n; j < ldc; j++) *touched += memcmp(&c[i * ldc + j], &before[i * ldc + j], sizeof(float)) != 0;
    }
}

/* edge_sgemm_with each tile set against sums in double: shapes across the blocking (KC 256, MC 128,
   NC 512, the in-place A under 256 columns), A row-major or transposed, C with a wider row stride
   whose extra columns must stay untouched, accumulating or not, with or without a bias, each fused
   activation. */
static void random_sgemm(void)
{
    size_t m = next() % 8 == 0 ? (size_t)uniform(100, 300) : (size_t)uniform(1, 40);
    size_t n = next() % 8 == 0 ? (size_t)uniform(250, 700) : (size_t)uniform(1, 70);
    size_t k = next() % 8 == 0 ? (size_t)uniform(200, 600) : (size_t)uniform(0, 40);
    if (m * n * k > 6000000) k = 6000000 / (m * n);
    bool transposed = next() % 4 == 0, accumulate = next() % 3 == 0;
    size_t ldc = n + (next() % 2 ? 0 : (size_t)uniform(1, 9));
    size_t a_row = transposed ? 1 : k, a_column = transposed ? m : 1;
    float *a = allocate_exact(m * k * sizeof(float)), *b = allocate_exact(k * n * sizeof(float));
    float *c = allocate_exact(m * ldc * sizeof(float)), *before = allocate_exact(m * ldc * sizeof(float));
    float *bias = allocate_exact(m * sizeof(float));
    for (size_t i = 0; i < m * k; i++) a[i] = random_float();
    for (size_t i = 0; i < k * n; i++) b[i] = random_float();
    for (size_t i = 0; i < m; i++) bias[i] = random_float();
    for (size_t i = 0; i < m * ldc; i++) before[i] = random_float() * 4.0f;
    const float *row_bias = next() % 4 == 0 ? NULL : bias;
    edge_activation activation = {(int32_t)(next() % (EDGE_ACTIVATION_SILU + 1)), 0.1f, 1.5f};
    if (activation.kind == EDGE_ACTIVATION_CLIP) activation.alpha = -0.5f;
    void *scratch = allocate_exact(edge_gemm_scratch_bytes(m, n, k));
    edge_matrix source = {b, n, 1};
    const edge_float_tiles *sets[8];
    size_t count = tile_sets(sets, 8);
    for (size_t s = 0; s < count; s++) {
        memcpy(c, before, m * ldc * sizeof(float));
        edge_sgemm_with(sets[s], m, n, k, a, a_row, a_column, edge_pack_matrix, &source, c, ldc, accumulate, row_bias, &activation,
                        scratch);
        size_t bad = 0, touched = 0;
        product_errors(m, n, k, a, a_row, a_column, b, accumulate ? before : NULL, row_bias, &activation, before, c, ldc, &bad, &touched);
        CHECK(bad == 0 && touched == 0,
              "sgemm tiles %s m %zu n %zu k %zu%s ldc %zu accumulate %d bias %d activation %d: %zu outputs differ, %zu past n written",
              sets[s]->name, m, n, k, transposed ? " (A transposed)" : "", ldc, accumulate, row_bias != NULL, (int)activation.kind, bad,
              touched);
        if (transposed || accumulate) continue;
        /* B through row pointers: each row a run of its own, readable to n rounded up to 16. */
        size_t run = (n + 15) / 16 * 16 + (size_t)uniform(0, 5);
        float *runs = allocate_exact((k ? k : 1) * run * sizeof(float));
        const float **rows = allocate_exact((k ? k : 1) * sizeof(float *));
        for (size_t p = 0; p < k; p++) {
            size_t at = (k - 1 - p) * run; /* rows in reverse order: no stride between them to rely on */
            memcpy(runs + at, b + p * n, n * sizeof(float));
            for (size_t j = n; j < run; j++) runs[at + j] = random_float();
            rows[p] = runs + at;
        }
        memcpy(c, before, m * ldc * sizeof(float));
        edge_sgemm_rows(sets[s], m, n, k, a, a_row, rows, c, ldc, row_bias, &activation, scratch);
        bad = 0, touched = 0;
        product_errors(m, n, k, a, a_row, 1, b, NULL, row_bias, &activation, before, c, ldc, &bad, &touched);
        CHECK(bad == 0 && touched == 0, "sgemm through row pointers, tiles %s m %zu n %zu k %zu ldc %zu: %zu outputs differ, %zu past n written",
              sets[s]->name, m, n, k, ldc, bad, touched);
        free(runs);
        free(rows);
    }
    free(a);
    free(b);
    free(c);
    free(before);
    free(bias);
    free(scratch);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static void shape(edge_tensor *t, const char *name, uint8_t storage, int rank, const uint32_t *dims)
{
    memset(t, 0, sizeof *t);
    t->name = name, t->dtype = EDGE_DTYPE_FLOAT32, t->storage = storage, t->rank = rank, t->count = 1;
    for (int d = 0; d < rank; d++) t->dims[d] = dims[d], t->count *= dims[d];
    t->bytes = t->count * sizeof(float);
}

/* One convolution geometry: the shape of X, the kernel, strides, dilations and pads (top, left,
   bottom, right), groups and channels per group. */
typedef struct conv_shape {
    uint32_t batch, group, cg, mg, in_h, in_w;
    int32_t kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
} conv_shape;

/* A 2-D float CONV of shape `k` built in memory, through prepare and eval, against the convolution
   summed in double; returns the scratch prepare asked for (0 when no output fits). */
static size_t conv_case(conv_shape k, bool with_bias, edge_activation activation)
{
    uint32_t batch = k.batch, group = k.group, cg = k.cg, mg = k.mg, in_h = k.in_h, in_w = k.in_w;
    int32_t kh = k.kh, kw = k.kw, sh = k.sh, sw = k.sw, dh = k.dh, dw = k.dw, pt = k.pt, pl = k.pl, pb = k.pb, pr = k.pr;
    int64_t span_h = (int64_t)in_h + pt + pb - ((int64_t)(kh - 1) * dh + 1), span_w = (int64_t)in_w + pl + pr - ((int64_t)(kw - 1) * dw + 1);
    if (span_h < 0 || span_w < 0) return 0;
    uint32_t out_h = (uint32_t)(span_h / sh + 1), out_w = (uint32_t)(span_w / sw + 1), c = group * cg, m = group * mg;
    uint32_t dims_x[4] = {batch, c, in_h, in_w}, dims_w[4] = {m, cg, (uint32_t)kh, (uint32_t)kw}, dims_b[1] = {m},
             dims_y[4] = {batch, m, out_h, out_w};
    edge_tensor tensors[4];
    shape(&tensors[0], "x", EDGE_STORAGE_ARENA, 4, dims_x);
    shape(&tensors[1], "w", EDGE_STORAGE_WEIGHT, 4, dims_w);
    shape(&tensors[2], "b", EDGE_STORAGE_WEIGHT, 1, dims_b);
    shape(&tensors[3], "y", EDGE_STORAGE_ARENA, 4, dims_y);
    float *x = allocate_exact(tensors[0].bytes), *w = allocate_exact(tensors[1].bytes), *b = allocate_exact(tensors[2].bytes);
    float *y = allocate_exact(tensors[3].bytes);
    for (size_t i = 0; i < tensors[0].count; i++) x[i] = random_float() * 2.0f;
    for (size_t i = 0; i < tensors[1].count; i++) w[i] = random_float();
    for (size_t i = 0; i < m; i++) b[i] = random_float();
    tensors[1].weight = (const uint8_t *)w, tensors[2].weight = (const uint8_t *)b;
    uint32_t slots[4] = {0, 1, with_bias ? 2 : EDGE_NONE, 3};
    edge_model model;
    memset(&model, 0, sizeof model);
    model.tensors = tensors, model.tensor_count = 4;
    edge_operator op;
    memset(&op, 0, sizeof op);
    op.kind = EDGE_OP_CONV, op.name = "random", op.input_count = 3, op.output_count = 1, op.tensors = slots;
    int32_t params[12] = {(int32_t)group, sh, sw, dh, dw, pt, pl, pb, pr, activation.kind, 0, 0};
    memcpy(&params[10], &activation.alpha, 4), memcpy(&params[11], &activation.beta, 4);
    uint8_t bytes[48];
    for (int i = 0; i < 12; i++) put32(bytes + 4 * i, (uint32_t)params[i]);
    edge_error error;
    edge_status status = edge_conv_prepare(&model, &op, bytes, sizeof bytes, &error);
    CHECK(status == EDGE_OK, "conv prepare: %s", error.message);
    if (status == EDGE_OK) {
        void *scratch = allocate_exact(op.scratch_bytes);
        /* The arena: X at offset 0 and Y after it; eval reads both through edge_tensor_data. */
        size_t y_offset = (tensors[0].bytes + 63) / 64 * 64;
        uint8_t *arena = allocate_exact(y_offset + tensors[3].bytes);
        memcpy(arena, x, tensors[0].bytes);
        tensors[0].offset = 0, tensors[3].offset = y_offset;
        edge_conv_eval(&model, &op, arena, scratch, &error);
        memcpy(y, arena + y_offset, tensors[3].bytes);
        size_t bad = 0;
        for (uint32_t n = 0; n < batch; n++)
            for (uint32_t o = 0; o < m; o++)
                for (uint32_t oh = 0; oh < out_h; oh++)
                    for (uint32_t ow = 0; ow < out_w; ow++) {
                        uint32_t gr = o / mg;
                        double sum = with_bias ? b[o] : 0.0, size = fabs(sum);
                        for (uint32_t ci = 0; ci < cg; ci++)
                            for (int32_t ki = 0; ki < kh; ki++)
                                for (int32_t kj = 0; kj < kw; kj++) {
                                    int64_t ih = (int64_t)oh * sh - pt + ki * dh, iw = (int64_t)ow * sw - pl + kj * dw;
                                    if (ih < 0 || ih >= in_h || iw < 0 || iw >= in_w) continue;
                                    double product = (double)w[((o * cg + ci) * (uint32_t)kh + (uint32_t)ki) * (uint32_t)kw + (uint32_t)kj] *
                                                     x[((n * c + gr * cg + ci) * in_h + (uint32_t)ih) * in_w + (uint32_t)iw];
                                    sum += product, size += fabs(product);
                                }
                        float expected = edge_activate(&activation, (float)sum);
                        float got = y[((n * m + o) * out_h + oh) * out_w + ow];
                        if (!(fabsf(got - expected) <= 1e-5f * (1.0f + (float)size))) bad++;
                    }
        CHECK(bad == 0, "conv x [%u,%u,%u,%u] kernel %dx%d group %u stride %d,%d dilation %d,%d pads %d,%d,%d,%d activation %d: %zu of %zu differ",
              batch, c, in_h, in_w, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr, (int)activation.kind, bad, tensors[3].count);
        free(scratch);
        free(arena);
    }
    free(x);
    free(w);
    free(b);
    free(y);
    return op.scratch_bytes;
}

/* CONV on random geometries: strides 1 (the in-place columns of edge_conv_implicit where they apply)
   and 2 (packed im2col), dilations, uneven pads, groups, bias or none, each fused activation. */
static void random_conv(void)
{
    conv_shape k = {(uint32_t)uniform(1, 2), next() % 4 == 0 ? 2 : 1, (uint32_t)uniform(1, 6), (uint32_t)uniform(1, 20), 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0};
    k.kh = next() % 3 ? 3 : uniform(1, 5), k.kw = next() % 3 ? k.kh : uniform(1, 5);
    k.sh = next() % 4 ? 1 : 2, k.sw = next() % 4 ? k.sh : 2, k.dh = next() % 6 ? 1 : 2, k.dw = next() % 6 ? 1 : 2;
    k.pt = next() % 3 ? k.kh / 2 : uniform(0, k.kh), k.pl = next() % 3 ? k.kw / 2 : uniform(0, k.kw);
    k.pb = next() % 3 ? k.kh / 2 : uniform(0, k.kh), k.pr = next() % 3 ? k.kw / 2 : uniform(0, k.kw);
    k.in_h = (uint32_t)uniform(1, 24), k.in_w = (uint32_t)uniform(1, 40);
    bool with_bias = next() % 4 != 0;
    edge_activation activation = {(int32_t)(next() % (EDGE_ACTIVATION_SILU + 1)), 0.1f, 1.5f};
    if (activation.kind == EDGE_ACTIVATION_CLIP) activation.alpha = -0.5f;
    conv_case(k, with_bias, activation);
}

/* A stride-1 convolution whose in-place columns would need more scratch than their budget (16 MiB:
   a 2048 × 2048 plane's padded copy alone is 16.8 MB) keeps the packed columns: the scratch stays
   small, the outputs right. */
static void large_plane_conv(void)
{
    conv_shape k = {1, 1, 1, 2, 2048, 2048, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    const edge_activation none = {EDGE_ACTIVATION_NONE, 0.0f, 0.0f};
    size_t scratch = conv_case(k, true, none);
    CHECK(scratch > 0 && scratch < ((size_t)1 << 20), "a 2048 x 2048 stride-1 convolution asked for %zu bytes of scratch", scratch);
}

/* edge_logistic_buffer (SIGMOID, and SiLU as x · logistic(x)) against 1 / (1 + e^−x) in double:
   within 4 ulp over [−100, 100] (below −87.3 e^x's argument is clamped, so there the values are
   within 2e-38 · max(1, |x|)), and NaN kept, logistic(±∞) 1 and about 0, SiLU(+∞) +∞. */
static void logistic_accuracy(void)
{
    enum { count = 4099 };
    static float x[count], y[count], z[count];
    for (size_t i = 0; i < count - 5; i++) x[i] = i % 3 ? random_float() * 100.0f : random_float() * 8.0f;
    x[count - 5] = NAN, x[count - 4] = INFINITY, x[count - 3] = -INFINITY, x[count - 2] = 87.5f, x[count - 1] = -88.5f;
    edge_logistic_buffer(y, x, count, false);
    edge_logistic_buffer(z, x, count, true);
    size_t bad = 0;
    for (size_t i = 0; i < count; i++) {
        double expected = 1.0 / (1.0 + exp(-(double)x[i])), ulp = 4.0 * 1.1920929e-7, floor = 2e-38 * fmax(1.0, fabs(x[i]));
        if (isnan(x[i])) bad += !isnan(y[i]) || !isnan(z[i]);
        else if (x[i] == INFINITY) bad += y[i] != 1.0f || z[i] != INFINITY;
        else if (x[i] == -INFINITY) bad += !(y[i] >= 0.0f && y[i] <= 2e-38f);
        else {
            bad += !(fabs(y[i] - expected) <= ulp * expected + floor);
            bad += !(fabs(z[i] - x[i] * expected) <= ulp * fabs(x[i] * expected) + floor);
        }
    }
    CHECK(bad == 0, "logistic: %zu of %d values off by more than 4 ulp", bad, 2 * count);
}

/* RELU and CLIP keep edge_activate's sign of zero in every tile set: products that underflow to
   -0 give a sum of -0, which RELU makes +0; CLIP from -0 makes +0 into -0. */
static void signed_zeros(void)
{
    enum { m = 13, n = 40 };
    static float a[m], b[n], c[m * n];
    for (size_t i = 0; i < m; i++) a[i] = 1e-30f;
    for (size_t j = 0; j < n; j++) b[j] = -1e-30f;
    edge_matrix source = {b, n, 1};
    static float scratch[4096];
    const edge_float_tiles *sets[8];
    size_t count = tile_sets(sets, 8);
    const edge_activation relu = {EDGE_ACTIVATION_RELU, 0.0f, 0.0f}, clip = {EDGE_ACTIVATION_CLIP, -0.0f, 1.0f};
    CHECK(edge_gemm_scratch_bytes(m, n, 1) <= sizeof scratch, "signed zeros: scratch");
    for (size_t s = 0; s < count; s++) {
        size_t wrong = 0;
        edge_sgemm_with(sets[s], m, n, 1, a, 1, 1, edge_pack_matrix, &source, c, n, false, NULL, &relu, scratch);
        for (size_t i = 0; i < m * n; i++) wrong += c[i] != 0.0f || signbit(c[i]);
        for (size_t j = 0; j < n; j++) b[j] = 1e-30f;
        edge_sgemm_with(sets[s], m, n, 1, a, 1, 1, edge_pack_matrix, &source, c, n, false, NULL, &clip, scratch);
        for (size_t i = 0; i < m * n; i++) wrong += c[i] != 0.0f || !signbit(c[i]);
        for (size_t j = 0; j < n; j++) b[j] = -1e-30f;
        CHECK(wrong == 0, "signed zeros, tiles %s: %zu of %d zeros with the wrong sign", sets[s]->name, wrong, 2 * m * n);
    }
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void bench(void)
{
    static const edge_activation none = {EDGE_ACTIVATION_NONE, 0.0f, 0.0f};
    struct {
        const char *name;
        size_t c, h, k;
        int32_t stride;
    } shapes[] = {
        {"3x3 depthwise 96 on 56x56", 96, 56, 3, 1},
        {"3x3/2 depthwise 144 on 56x56", 144, 56, 3, 2},
        {"5x5 depthwise 240 on 14x14", 240, 14, 5, 1},
        {"3x3 depthwise 960 on 7x7", 960, 7, 3, 1},
    };
    struct {
        const char *name;
        size_t m, n, k;
    } products[] = {
        {"3x3 64->64 on 56x56", 64, 3136, 576},
        {"1x1 16->96 on 112x112", 96, 12544, 16},
        {"1x1 160->960 on 7x7", 960, 49, 160},
        {"3x3 512->512 on 7x7", 512, 49, 4608},
    };
    const edge_float_tiles *sets[8];
    size_t count = tile_sets(sets, 8);
    printf("%-34s %-10s %10s %10s\n", "GEMM (float)", "tiles", "ms", "GMAC/s");
    for (size_t s = 0; s < sizeof products / sizeof products[0]; s++) {
        size_t m = products[s].m, n = products[s].n, k = products[s].k;
        float *a = calloc(m * k, sizeof(float)), *b = calloc(k * n, sizeof(float)), *c = calloc(m * n, sizeof(float));
        void *scratch = malloc(edge_gemm_scratch_bytes(m, n, k));
        edge_matrix source = {b, n, 1};
        for (size_t t = 0; t < count; t++) {
            int repeats = 0;
            double start = seconds(), elapsed;
            do {
                edge_sgemm_with(sets[t], m, n, k, a, k, 1, edge_pack_matrix, &source, c, n, false, NULL, &none, scratch);
                repeats++;
                elapsed = seconds() - start;
            } while (elapsed < 0.3);
            double ms = 1e3 * elapsed / repeats;
            printf("%-34s %-10s %10.3f %10.2f\n", products[s].name, sets[t]->name, ms, (double)m * n * k / (ms * 1e6));
        }
        free(a);
        free(b);
        free(c);
        free(scratch);
    }
    printf("%-34s %-10s %10s %10s\n", "CONV (float)", "kernel", "ms", "GMAC/s");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        edge_conv_params g;
        int32_t pad = (int32_t)shapes[s].k / 2;
        geometry(&g, 1, shapes[s].c, shapes[s].h, shapes[s].h, shapes[s].k, shapes[s].k, shapes[s].stride, shapes[s].stride, 1, 1, pad, pad,
                 pad, pad);
        float *x = calloc(shapes[s].c * shapes[s].h * shapes[s].h, sizeof(float)), *w = calloc(shapes[s].c * shapes[s].k * shapes[s].k, sizeof(float));
        float *y = calloc(shapes[s].c * g.out_height * g.out_width, sizeof(float));
        void *scratch = malloc(edge_depthwise_scratch_bytes(&g));
        double macs = (double)shapes[s].c * shapes[s].k * shapes[s].k * g.out_height * g.out_width;
        for (int fast = 0; fast < 2; fast++) {
            int repeats = 0;
            double start = seconds(), elapsed;
            do {
                if (fast) edge_depthwise(&g, x, w, NULL, &none, y, scratch);
                else edge_depthwise_reference(&g, x, w, y);
                repeats++;
                elapsed = seconds() - start;
            } while (elapsed < 0.3);
            double ms = 1e3 * elapsed / repeats;
            printf("%-34s %-10s %10.3f %10.2f\n", shapes[s].name, fast ? "fast" : "reference", ms, macs / (ms * 1e6));
        }
        free(x);
        free(w);
        free(y);
        free(scratch);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench();
        return 0;
    }
    long cases = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    for (long i = 0; i < cases; i++) random_depthwise();
    for (long i = 0; i < cases; i++) random_sgemm();
    for (long i = 0; i < cases; i++) random_conv();
    large_plane_conv();
    logistic_accuracy();
    signed_zeros();
    const edge_float_tiles *sets[8];
    size_t count = tile_sets(sets, 8);
    printf("float_fastpath_tests: %ld random depthwise convolutions, %ld random convolutions, %ld random matrix products with each of %zu "
           "tile sets:",
           cases, cases, cases, count);
    for (size_t s = 0; s < count; s++) printf(" %s", sets[s]->name);
    printf("\n");
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
