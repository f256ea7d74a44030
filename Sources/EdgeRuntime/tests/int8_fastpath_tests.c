/*
 * int8_fastpath_tests — every optimized int8 path against the reference kernels, byte for byte:
 * the micro-kernels of each kernel set this build and CPU have (kernels/int8_fast.h: portable C,
 * SSE4.1, AVX2, AVX-VNNI, AVX-512 VNNI, NEON, NEON dot-product; sets the build has but the CPU
 * lacks are reported as skipped) on random rows and columns, then whole CONV_INT8 and GEMM_INT8
 * operators with random shapes, groups, strides, dilations, pads, zero points, multipliers, shifts
 * and clamps, CONCAT_INT8 (whose requantization uses the kernel sets too), and ADD_INT8 and MUL_INT8
 * on same shapes, per-channel and scalar operands, each run by the
 * reference and by every kernel set. With --bench it prints a table of
 * the operators' speed per kernel set instead.
 *
 *     $ R=Sources/EdgeRuntime
 *     $ cc -std=c11 -O2 -ffp-contract=off -I $R/include $R/[a-z]*.c $R/kernels/[a-z]*.c $R/kernels/x86/[a-z]*.c \
 *         $R/kernels/neon/[a-z]*.c $R/tests/int8_fastpath_tests.c -lm -o int8_fastpath_tests
 *     $ ./int8_fastpath_tests [cases]          # default 2000 operators of each kind
 *     $ ./int8_fastpath_tests --bench [reference | c | avx2 | ...]
 *
 * Cross-compiled, it runs under qemu-aarch64 (-cpu max for the dot product) and qemu-arm.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../internal.h"
#include "../kernels/int8_fast.h"
#include "test_support.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t next(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

/* A uniform integer in [low, high]. */
static int32_t uniform(int32_t low, int32_t high) { return low + (int32_t)(next() % (uint32_t)(high - low + 1)); }

static void fill_int8(int8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = (int8_t)uniform(-128, 127);
}

static void *allocate(size_t n)
{
    void *p = aligned_alloc(64, (n + 64) / 64 * 64);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memset(p, 0x5a, (n + 64) / 64 * 64);
    return p;
}

/* ---- micro-kernels ------------------------------------------------------------------------------ */
/* A portable set that reads A + 128 as the VNNI sets do, so that the driver's a_offset path runs on
   every CPU (the VNNI sets themselves only where the CPU has them). */
static void tile_plus_128(size_t depth8, const int8_t *const *w, const int8_t *const *a, const int32_t *offsets, int32_t *out, size_t stride)
{
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            int32_t sum = 0;
            for (size_t k = 0; k < depth8; k++) sum += w[i][k] * (a[j][k] + 128);
            out[i * stride + j] = offsets[i] + sum;
        }
}

static edge_int8_kernels plus_128;


/* Exactly n bytes (at least 1), so that AddressSanitizer sees a read past the end. */
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

/* `pack` and `panel` over 1-150 columns `a_stride` apart (the last column ends the allocation), against
   the sums written out; the accumulators past the columns stay untouched. */
static void test_panel(const edge_int8_kernels *kernels, size_t depth8, const int8_t *const *w, const int32_t *offsets,
                       const int32_t *shifted, int round)
{
    size_t columns = (size_t)uniform(1, 150), a_stride = depth8 + 8 * (size_t)uniform(0, 2), stride = columns + (size_t)uniform(0, 5);
    size_t bytes = (columns - 1) * a_stride + depth8, groups = (columns + EDGE_INT8_PANEL_COLUMNS - 1) / EDGE_INT8_PANEL_COLUMNS;
    int8_t *a = allocate_exact(bytes), *packed = allocate_exact(groups * EDGE_INT8_PANEL_COLUMNS * depth8);
    fill_int8(a, bytes);
    if (round % 3 == 0) memset(a, round % 2 ? 127 : -128, bytes);
    int32_t *expected = allocate_exact(4 * stride * sizeof(int32_t)), *got = allocate_exact(4 * stride * sizeof(int32_t));
    memset(expected, 0x77, 4 * stride * sizeof(int32_t));
    memset(got, 0x77, 4 * stride * sizeof(int32_t));
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < columns; j++) {
            int32_t sum = offsets[i];
            for (size_t k = 0; k < depth8; k++) sum += w[i][k] * a[j * a_stride + k];
            expected[i * stride + j] = sum;
        }
    kernels->pack(depth8, a, a_stride, columns, packed);
    kernels->panel(depth8, w, packed, columns, shifted, got, stride);
    CHECK(memcmp(expected, got, 4 * stride * sizeof(int32_t)) == 0, "%s panel, depth %zu, %zu columns %zu apart", kernels->name, depth8,
          columns, a_stride);
    free(a);
    free(packed);
    free(expected);
    free(got);
}

static void test_kernels(const edge_int8_kernels *kernels)
{
    for (int round = 0; round < 300; round++) {
        /* A tile over rows and columns of exactly depth8 bytes each, output rows `stride` apart. */
        size_t depth8 = 8 * (size_t)uniform(1, 80), stride = (size_t)uniform(4, 9);
        int8_t *w[4], *a[4];
        int32_t offsets[4], shifted[4], expected[4 * 9], got[4 * 9];
        for (int i = 0; i < 4; i++) {
            w[i] = allocate_exact(depth8);
            a[i] = allocate_exact(depth8);
            fill_int8(w[i], depth8);
            fill_int8(a[i], depth8);
            if (round % 3 == 0) { /* the extreme products: −128 · −128, and −128 · 127 */
                memset(w[i], -128, depth8);
                memset(a[i], round % 2 ? 127 : -128, depth8);
            }
        }
        for (int i = 0; i < 4; i++) {
            /* The same result from a kernel that reads A + a_offset: its offsets subtract a_offset · ΣW. */
            int32_t sum = 0;
            for (size_t k = 0; k < depth8; k++) sum += w[i][k];
            offsets[i] = uniform(-(1 << 20), 1 << 20);
            shifted[i] = offsets[i] - kernels->a_offset * sum;
        }
        memset(expected, 0x77, sizeof expected);
        memset(got, 0x77, sizeof got);
        edge_int8_kernels_c.tile(depth8, (const int8_t *const *)w, (const int8_t *const *)a, offsets, expected, stride);
        if (kernels->tile) {
            kernels->tile(depth8, (const int8_t *const *)w, (const int8_t *const *)a, shifted, got, stride);
            CHECK(memcmp(expected, got, sizeof got) == 0, "%s tile, depth %zu", kernels->name, depth8);
        }
        if (kernels->panel) test_panel(kernels, depth8, (const int8_t *const *)w, offsets, shifted, round);
        for (int i = 0; i < 4; i++) {
            free(w[i]);
            free(a[i]);
        }

        size_t depth = (size_t)uniform(1, 700), rows = (size_t)uniform(1, 9);
        int8_t *m = allocate_exact(depth * rows);
        int16_t *x = allocate_exact(2 * depth);
        fill_int8(m, depth * rows);
        for (size_t k = 0; k < depth; k++) x[k] = (int16_t)(round % 3 == 0 ? (k % 2 ? 255 : -255) : uniform(-255, 255));
        if (round % 3 == 0) memset(m, -128, depth * rows);
        int32_t dots[9], reference[9];
        edge_int8_kernels_c.rows(depth, rows, m, x, reference);
        kernels->rows(depth, rows, m, x, dots);
        CHECK(memcmp(dots, reference, rows * sizeof *dots) == 0, "%s rows, depth %zu", kernels->name, depth);
        free(m);
        free(x);

        /* Requantization over the whole int32 range, every shift, the clamps. */
        int32_t acc[37];
        for (int i = 0; i < 37; i++) {
            uint32_t kind = next() % 4;
            acc[i] = kind == 0 ? (int32_t)next() : kind == 1 ? uniform(-300000, 300000) : kind == 2 ? uniform(-300, 300) : (int32_t)(next() >> (next() % 32));
        }
        acc[0] = INT32_MIN, acc[1] = INT32_MAX, acc[2] = 0, acc[3] = -1;
        int32_t multiplier = round % 7 == 0 ? (int32_t)(next() >> 1) : (int32_t)((1u << 30) | (next() >> 2));
        if (round % 11 == 0) multiplier = round % 2 ? 0 : INT32_MAX;
        int32_t shift = uniform(-31, 31), zero = uniform(-128, 127), low = uniform(-128, 127), high = uniform(low, 127);
        size_t n = (size_t)uniform(1, 37);
        int8_t want[37], have[37];
        edge_int8_kernels_c.requantize(n, acc, multiplier, shift, zero, low, high, want);
        kernels->requantize(n, acc, multiplier, shift, zero, low, high, have);
        CHECK(memcmp(want, have, n) == 0, "%s requantize, multiplier %d shift %d", kernels->name, (int)multiplier, (int)shift);

        /* Depthwise runs: up to 25 taps, each a run of int8, at the extremes too, and starting sums
           near the ends of int32 that the taps carry past them (the kernels wrap). */
        size_t length = (size_t)uniform(1, 70), taps = (size_t)uniform(1, 25);
        int8_t *columns[25];
        int16_t weights[25];
        int32_t sums[70 + EDGE_INT8_DEPTHWISE_SLACK], reference_sums[70];
        for (size_t t = 0; t < taps; t++) {
            columns[t] = allocate_exact(length + EDGE_INT8_DEPTHWISE_SLACK); /* the room the kernels may read */
            for (size_t i = 0; i < length + EDGE_INT8_DEPTHWISE_SLACK; i++)
                columns[t][i] = (int8_t)(round % 3 == 0 ? (i % 2 ? 127 : -128) : uniform(-128, 127));
            weights[t] = (int16_t)(round % 3 == 0 ? -128 : uniform(-128, 127));
        }
        for (size_t i = 0; i < length; i++)
            sums[i] = reference_sums[i] = round % 5 == 0 ? (i % 2 ? INT32_MAX - uniform(0, 5000) : INT32_MIN + uniform(0, 5000))
                                                         : uniform(-(1 << 20), 1 << 20);
        edge_int8_kernels_c.depthwise(length, taps, (const int8_t *const *)columns, weights, reference_sums);
        kernels->depthwise(length, taps, (const int8_t *const *)columns, weights, sums);
        CHECK(memcmp(sums, reference_sums, length * sizeof *sums) == 0, "%s depthwise, %zu taps over %zu", kernels->name, taps, length);
        for (size_t t = 0; t < taps; t++) free(columns[t]);

        /* Quantization: ordinary values, exact halves of the scale (the rounding's ties), values past
           the int8 range, zeros of both signs, infinities and NaN. */
        float scale = round % 5 == 0 ? 1.0f : (float)uniform(1, 1 << 20) / (float)(1 << 16), floats[41];
        int32_t point = uniform(-128, 127);
        size_t count = (size_t)uniform(1, 41);
        for (size_t i = 0; i < count; i++) {
            uint32_t kind = next() % 6;
            floats[i] = kind == 0   ? ((float)uniform(-300, 300) + 0.5f) * scale
                        : kind == 1 ? (float)uniform(-1000000, 1000000) / 1000.0f
                        : kind == 2 ? (float)(int32_t)next() * scale
                                    : (float)uniform(-200000, 200000) * scale / 1000.0f;
        }
        static const float specials[6] = {0.0f, -0.0f, 1e30f, -1e30f, 0.5f, -0.5f};
        for (size_t i = 0; i < 6 && i < count; i++)
            if (next() % 3 == 0) floats[i] = specials[i];
        if (round % 4 == 0) floats[count - 1] = round % 8 ? (float)INFINITY : (float)NAN;
        if (round % 12 == 0) floats[0] = -(float)INFINITY;
        int8_t quantized[41], reference_quantized[41];
        edge_int8_kernels_c.quantize(count, floats, scale, point, reference_quantized);
        kernels->quantize(count, floats, scale, point, quantized);
        CHECK(memcmp(quantized, reference_quantized, count) == 0, "%s quantize, scale %g zero %d", kernels->name, (double)scale, (int)point);

        /* Table lookups of every byte value, lengths across the vector widths. */
        int8_t table[256], bytes[300], looked[300], reference_looked[300];
        fill_int8(table, 256);
        size_t length_lookup = (size_t)uniform(1, 300);
        fill_int8(bytes, length_lookup);
        if (round == 0) /* every byte value once */
            for (size_t i = 0; i < (length_lookup = 256); i++) bytes[i] = (int8_t)((int)i - 128);
        edge_int8_lookup_c(length_lookup, bytes, table, reference_looked);
        kernels->lookup(length_lookup, bytes, table, looked);
        CHECK(memcmp(looked, reference_looked, length_lookup) == 0, "%s lookup over %zu", kernels->name, length_lookup);
    }
}

/* ---- operators built in memory ------------------------------------------------------------------ */

typedef struct fixture {
    edge_model model;
    edge_tensor tensors[5]; /* X, W, B, R, Y */
    uint32_t slots[5];
    edge_operator op;
    edge_quantization quantization[3]; /* X, W, Y */
    uint8_t numbers[3][8];
    int8_t *weights;
    int32_t *bias, *requantization;
    uint8_t *arena;
    size_t arena_bytes, output_offset;
} fixture;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Gives `t` one scale and zero point, stored in `number` as the file stores them and described by `q`. */
static void per_tensor(edge_tensor *t, edge_quantization *q, uint8_t number[8], float scale, int32_t zero)
{
    uint32_t bits;
    memcpy(&bits, &scale, 4);
    put32(number, bits);
    put32(number + 4, (uint32_t)zero);
    *q = (edge_quantization){-1, 1, number, number + 4};
    t->quantization = q;
    t->scale = scale;
    t->zero_point = zero;
}

static void quantize(fixture *f, int which, edge_tensor *t, int32_t zero)
{
    per_tensor(t, &f->quantization[which], f->numbers[which], 0.05f, zero);
}

static void shape(edge_tensor *t, const char *name, uint8_t dtype, uint8_t storage, int rank, const uint32_t *dims)
{
    t->name = name;
    t->dtype = dtype;
    t->storage = storage;
    t->rank = rank;
    t->count = 1;
    for (int d = 0; d < rank; d++) {
        t->dims[d] = dims[d];
        t->count *= dims[d];
    }
    t->bytes = t->count * edge_dtype_size(dtype);
}

/* Sets up X (arena), W, B (or none), R and Y (arena) with random contents; the op's params are prepared. */
static bool setup(fixture *f, uint16_t kind, int rank_x, const uint32_t *dims_x, const uint32_t *dims_w, size_t channels, int rank_y,
                  const uint32_t *dims_y, const int32_t *params, unsigned fields)
{
    memset(f, 0, sizeof *f);
    static const char *const names[5] = {"x", "w", "b", "r", "y"};
    shape(&f->tensors[0], names[0], EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, rank_x, dims_x);
    shape(&f->tensors[1], names[1], EDGE_DTYPE_INT8, EDGE_STORAGE_WEIGHT, kind == EDGE_OP_CONV_INT8 ? rank_x : 2, dims_w);
    uint32_t b_dims[1] = {(uint32_t)channels}, r_dims[2] = {(uint32_t)channels, 2};
    shape(&f->tensors[2], names[2], EDGE_DTYPE_INT32, EDGE_STORAGE_WEIGHT, 1, b_dims);
    shape(&f->tensors[3], names[3], EDGE_DTYPE_INT32, EDGE_STORAGE_WEIGHT, 2, r_dims);
    shape(&f->tensors[4], names[4], EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, rank_y, dims_y);
    quantize(f, 0, &f->tensors[0], uniform(-128, 127));
    quantize(f, 1, &f->tensors[1], 0);
    quantize(f, 2, &f->tensors[4], uniform(-128, 127));
    f->weights = allocate_exact(f->tensors[1].bytes);
    fill_int8(f->weights, f->tensors[1].count);
    if (next() % 4 == 0) /* symmetric weights, as edgec writes them */
        for (size_t i = 0; i < f->tensors[1].count; i++) f->weights[i] = f->weights[i] == -128 ? -127 : f->weights[i];
    f->bias = allocate(4 * channels);
    f->requantization = allocate(8 * channels);
    for (size_t c = 0; c < channels; c++) {
        f->bias[c] = uniform(-(1 << 20), 1 << 20);
        f->requantization[2 * c] = next() % 16 == 0 ? 0 : (int32_t)((1u << 30) | (next() >> 2));
        f->requantization[2 * c + 1] = next() % 32 == 0 ? uniform(-31, 31) : uniform(-20, 1);
    }
    f->tensors[1].weight = (const uint8_t *)f->weights;
    f->tensors[2].weight = (const uint8_t *)f->bias;
    f->tensors[3].weight = (const uint8_t *)f->requantization;
    f->arena_bytes = (f->tensors[0].bytes + 63) / 64 * 64 + f->tensors[4].bytes;
    f->output_offset = (f->tensors[0].bytes + 63) / 64 * 64;
    f->tensors[4].offset = f->output_offset;
    f->arena = allocate_exact(f->arena_bytes);
    fill_int8((int8_t *)f->arena, f->tensors[0].count);
    bool with_bias = next() % 3 != 0;
    for (int s = 0; s < 5; s++) f->slots[s] = (uint32_t)s;
    if (!with_bias) f->slots[2] = EDGE_NONE;
    f->model.tensors = f->tensors;
    f->model.tensor_count = 5;
    f->op.kind = kind;
    f->op.name = "random";
    f->op.input_count = 4;
    f->op.output_count = 1;
    f->op.tensors = f->slots;
    uint8_t bytes[4 * 11];
    for (unsigned i = 0; i < fields; i++) put32(bytes + 4 * i, (uint32_t)params[i]);
    edge_error error;
    edge_status status = kind == EDGE_OP_CONV_INT8 ? edge_conv_int8_prepare(&f->model, &f->op, bytes, 4 * fields, &error)
                                                   : edge_gemm_int8_prepare(&f->model, &f->op, bytes, 4 * fields, &error);
    CHECK(status == EDGE_OK, "prepare: %s", error.message);
    return status == EDGE_OK;
}

static void release(fixture *f)
{
    free(f->op.prepared);
    free(f->weights);
    free(f->bias);
    free(f->requantization);
    free(f->arena);
}

/* The reference output, then each kernel set's, compared. */
static void compare(fixture *f, const edge_int8_kernels *const *sets, size_t set_count, const char *what)
{
    uint16_t kind = f->op.kind;
    size_t out_bytes = f->tensors[4].bytes;
    uint8_t *expected = allocate(out_bytes);
    if (kind == EDGE_OP_CONV_INT8) edge_conv_int8_reference(&f->model, &f->op, f->arena);
    else edge_gemm_int8_reference(&f->model, &f->op, f->arena);
    memcpy(expected, f->arena + f->output_offset, out_bytes);
    for (size_t s = 0; s < set_count; s++) {
        /* Each set's own scratch, exactly as prepare sizes it, so that a set that writes past it fails. */
        size_t scratch_bytes = kind == EDGE_OP_CONV_INT8 ? edge_conv_int8_fast_scratch(&f->op.params.conv_int8, sets[s])
                                                         : edge_gemm_int8_fast_scratch(&f->op.params.gemm_int8, sets[s]);
        CHECK(scratch_bytes > 0, "%s: no fast path applies", what);
        if (scratch_bytes == 0) continue;
        void *scratch = allocate_exact(scratch_bytes);
        memset(f->arena + f->output_offset, 0x33, out_bytes);
        if (kind == EDGE_OP_CONV_INT8) edge_conv_int8_fast(&f->model, &f->op, f->arena, scratch, sets[s]);
        else edge_gemm_int8_fast(&f->model, &f->op, f->arena, scratch, sets[s]);
        bool same = memcmp(expected, f->arena + f->output_offset, out_bytes) == 0;
        CHECK(same, "%s with %s differs from the reference", what, sets[s]->name);
        free(scratch);
    }
    free(expected);
}

/* One CONV_INT8 (1-D when kh, sh, dh, pt and pb describe one row) through every kernel set. */
static void conv_case(const edge_int8_kernels *const *sets, size_t set_count, int32_t group, int32_t cg, int32_t mg, int32_t kh, int32_t kw,
                      int32_t sh, int32_t sw, int32_t dh, int32_t dw, int32_t pt, int32_t pl, int32_t pb, int32_t pr, bool one_d, int32_t in_h,
                      int32_t in_w, uint32_t batch)
{
    int64_t span_h = in_h + pt + pb - ((kh - 1) * dh + 1), span_w = in_w + pl + pr - ((kw - 1) * dw + 1);
    if (span_h < 0 || span_w < 0) return;
    uint32_t out_h = (uint32_t)(span_h / sh + 1), out_w = (uint32_t)(span_w / sw + 1);
    uint32_t x4[4] = {batch, (uint32_t)(group * cg), (uint32_t)in_h, (uint32_t)in_w};
    uint32_t w4[4] = {(uint32_t)(group * mg), (uint32_t)cg, (uint32_t)kh, (uint32_t)kw};
    uint32_t y4[4] = {batch, (uint32_t)(group * mg), out_h, out_w};
    uint32_t x3[3] = {x4[0], x4[1], x4[3]}, w3[3] = {w4[0], w4[1], w4[3]}, y3[3] = {y4[0], y4[1], y4[3]};
    int32_t act_min = next() % 3 == 0 ? uniform(-128, 127) : -128, act_max = next() % 3 == 0 ? uniform(act_min, 127) : 127;
    int32_t params[11] = {group, sh, sw, dh, dw, pt, pl, pb, pr, act_min, act_max};
    fixture f;
    if (setup(&f, EDGE_OP_CONV_INT8, one_d ? 3 : 4, one_d ? x3 : x4, one_d ? w3 : w4, (size_t)(group * mg), one_d ? 3 : 4, one_d ? y3 : y4,
              params, 11)) {
        char what[160];
        snprintf(what, sizeof what, "CONV_INT8 x [%u,%u,%d,%d] w [%u,%d,%d,%d] group %d stride %d,%d dilation %d,%d pads %d,%d,%d,%d", batch,
                 x4[1], in_h, in_w, w4[0], cg, kh, kw, group, sh, sw, dh, dw, pt, pl, pb, pr);
        compare(&f, sets, set_count, what);
    }
    release(&f);
}

static void random_conv(const edge_int8_kernels *const *sets, size_t set_count)
{
    int32_t group = next() % 4 == 0 ? uniform(2, 4) : 1;
    int32_t cg = next() % 6 == 0 ? 1 : uniform(1, 24), mg = next() % 6 == 0 ? 1 : uniform(1, 20);
    if (next() % 5 == 0) group = uniform(1, 12), cg = 1, mg = 1; /* depthwise */
    int32_t kh = uniform(1, 5), kw = uniform(1, 5), sh = uniform(1, 3), sw = uniform(1, 3), dh = uniform(1, 2), dw = uniform(1, 2);
    int32_t pt = uniform(0, 2), pl = uniform(0, 2), pb = uniform(0, 2), pr = uniform(0, 2);
    bool one_d = next() % 8 == 0;
    if (one_d) kh = 1, sh = 1, dh = 1, pt = 0, pb = 0;
    int32_t in_h = one_d ? 1 : uniform(1, 16), in_w = uniform(1, 24);
    conv_case(sets, set_count, group, cg, mg, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, one_d, in_h, in_w, (uint32_t)uniform(1, 2));
}

/* Pointwise convolutions whose columns the channels-last path reads in place (channels a multiple
   of 8, stride 1, no padding, more positions than twice the output channels), which random shapes
   rarely draw; and their neighbours that copy (7 or 12 channels, a pad, a stride). */
static void pointwise_convs(const edge_int8_kernels *const *sets, size_t set_count)
{
    static const int32_t channels[] = {8, 16, 24, 7, 12};
    for (size_t c = 0; c < sizeof channels / sizeof channels[0]; c++)
        for (int32_t variant = 0; variant < 4; variant++) {
            int32_t pad = variant == 2, stride = variant == 3 ? 2 : 1;
            conv_case(sets, set_count, variant == 1 ? 2 : 1, channels[c], uniform(1, 9), 1, 1, stride, stride, 1, 1, pad, pad, pad, pad, false,
                      uniform(3, 9), uniform(3, 13), (uint32_t)uniform(1, 2));
        }
}

/* Depthwise convolutions as mobile networks have them: 3×3 and 5×5 kernels (and others), stride 1
   and 2, symmetric and asymmetric pads, planes from 1×1 to 40 wide, a few channels. */
static void random_depthwise(const edge_int8_kernels *const *sets, size_t set_count)
{
    int32_t k = next() % 4 == 0 ? uniform(1, 7) : next() % 2 ? 3 : 5;
    int32_t kh = next() % 8 == 0 ? uniform(1, 7) : k, kw = next() % 8 == 0 ? uniform(1, 11) : k;
    int32_t sh = next() % 8 == 0 ? 3 : uniform(1, 2), sw = next() % 8 == 0 ? 3 : uniform(1, 2);
    int32_t dh = next() % 8 == 0 ? 2 : 1, dw = next() % 8 == 0 ? 2 : 1;
    int32_t pt = next() % 4 == 0 ? uniform(0, kh) : kh / 2, pl = next() % 4 == 0 ? uniform(0, kw) : kw / 2;
    int32_t pb = next() % 4 == 0 ? uniform(0, kh) : kh / 2, pr = next() % 4 == 0 ? uniform(0, kw) : kw / 2;
    int32_t channels = uniform(1, 6), in_h = uniform(1, 40), in_w = uniform(1, 40);
    int64_t span_h = in_h + pt + pb - ((kh - 1) * dh + 1), span_w = in_w + pl + pr - ((kw - 1) * dw + 1);
    if (span_h < 0 || span_w < 0) return;
    uint32_t out_h = (uint32_t)(span_h / sh + 1), out_w = (uint32_t)(span_w / sw + 1), batch = (uint32_t)uniform(1, 2);
    uint32_t x[4] = {batch, (uint32_t)channels, (uint32_t)in_h, (uint32_t)in_w}, w[4] = {(uint32_t)channels, 1, (uint32_t)kh, (uint32_t)kw};
    uint32_t y[4] = {batch, (uint32_t)channels, out_h, out_w};
    int32_t act_min = next() % 3 == 0 ? uniform(-128, 127) : -128, act_max = next() % 3 == 0 ? uniform(act_min, 127) : 127;
    int32_t params[11] = {channels, sh, sw, dh, dw, pt, pl, pb, pr, act_min, act_max};
    fixture f;
    if (setup(&f, EDGE_OP_CONV_INT8, 4, x, w, (size_t)channels, 4, y, params, 11)) {
        char what[160];
        snprintf(what, sizeof what, "depthwise CONV_INT8 x [%u,%d,%d,%d] kernel %dx%d stride %d,%d dilation %d,%d pads %d,%d,%d,%d", batch,
                 channels, in_h, in_w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr);
        compare(&f, sets, set_count, what);
    }
    release(&f);
}

static void random_gemm(const edge_int8_kernels *const *sets, size_t set_count)
{
    uint32_t k = (uint32_t)(next() % 4 == 0 ? uniform(1, 9) : uniform(1, 400)), n = (uint32_t)uniform(1, 40);
    uint32_t rows = (uint32_t)(next() % 3 == 0 ? uniform(1, 3) : uniform(1, 70));
    int rank = uniform(1, 3);
    if (rank == 1) rows = 1;
    uint32_t a[3], y[3], w[2] = {n, k};
    if (rank == 1) a[0] = k, y[0] = n;
    if (rank == 2) a[0] = rows, a[1] = k, y[0] = rows, y[1] = n;
    if (rank == 3) {
        uint32_t outer = rows % 2 == 0 ? 2 : 1;
        a[0] = y[0] = outer;
        a[1] = y[1] = rows / outer;
        a[2] = k, y[2] = n;
    }
    int32_t act_min = next() % 3 == 0 ? uniform(-128, 127) : -128, act_max = next() % 3 == 0 ? uniform(act_min, 127) : 127;
    int32_t params[2] = {act_min, act_max};
    fixture f;
    if (setup(&f, EDGE_OP_GEMM_INT8, rank, a, w, n, rank, y, params, 2)) {
        char what[100];
        snprintf(what, sizeof what, "GEMM_INT8 rows %u k %u n %u", rows, k, n);
        compare(&f, sets, set_count, what);
    }
    release(&f);
}

/* CONCAT_INT8: 1 to 4 inputs along a random axis, some copied (multiplier 0), the rest requantized. */
static void random_concat(const edge_int8_kernels *const *sets, size_t set_count)
{
    enum { MAX_INPUTS = 4 };
    unsigned inputs = (unsigned)uniform(1, MAX_INPUTS);
    int rank = uniform(1, 4), axis = uniform(0, rank - 1);
    uint32_t dims[4], along = 0, sizes[MAX_INPUTS];
    for (int d = 0; d < rank; d++) dims[d] = (uint32_t)uniform(1, 7);
    edge_tensor tensors[MAX_INPUTS + 1];
    edge_quantization quantization[MAX_INPUTS + 1];
    uint8_t numbers[MAX_INPUTS + 1][8];
    uint32_t slots[MAX_INPUTS + 1];
    uint8_t params[4 * (1 + 2 * MAX_INPUTS)];
    memset(tensors, 0, sizeof tensors);
    size_t offset = 0;
    for (unsigned i = 0; i <= inputs; i++) {
        if (i < inputs) along += sizes[i] = (uint32_t)uniform(1, 40);
        uint32_t shape_dims[4];
        memcpy(shape_dims, dims, sizeof dims);
        shape_dims[axis] = i < inputs ? sizes[i] : along;
        shape(&tensors[i], i < inputs ? "x" : "y", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, rank, shape_dims);
        tensors[i].offset = offset;
        offset += (tensors[i].bytes + 63) / 64 * 64;
        per_tensor(&tensors[i], &quantization[i], numbers[i], 0.5f, uniform(-128, 127));
        slots[i] = i;
    }
    put32(params, (uint32_t)axis);
    for (unsigned i = 0; i < inputs; i++) {
        bool copy = next() % 3 == 0;
        if (copy) {
            tensors[i].quantization = tensors[inputs].quantization;
            tensors[i].zero_point = tensors[inputs].zero_point;
        }
        put32(params + 4 + 8 * i, copy ? 0 : (1u << 30) | (next() >> 2));
        put32(params + 8 + 8 * i, (uint32_t)(next() % 8 == 0 ? uniform(-31, 31) : uniform(-3, 3)));
    }
    edge_model model;
    memset(&model, 0, sizeof model);
    model.tensors = tensors;
    model.tensor_count = inputs + 1;
    edge_operator op;
    memset(&op, 0, sizeof op);
    op.kind = EDGE_OP_CONCAT_INT8;
    op.name = "random";
    op.input_count = (uint8_t)inputs;
    op.output_count = 1;
    op.tensors = slots;
    edge_error error;
    edge_status status = edge_concat_int8_prepare(&model, &op, params, 4 * (1 + 2 * inputs), &error);
    CHECK(status == EDGE_OK, "CONCAT_INT8 prepare: %s", error.message);
    if (status != EDGE_OK) return;
    uint8_t *arena = allocate(offset), *expected = allocate(tensors[inputs].bytes);
    int32_t *scratch = allocate(EDGE_INT8_CHUNK * sizeof(int32_t));
    fill_int8((int8_t *)arena, offset);
    edge_concat_int8_reference(&model, &op, arena);
    memcpy(expected, arena + tensors[inputs].offset, tensors[inputs].bytes);
    for (size_t k = 0; k < set_count; k++) {
        memset(arena + tensors[inputs].offset, 0x33, tensors[inputs].bytes);
        edge_concat_int8_fast(&model, &op, arena, scratch, sets[k]);
        CHECK(memcmp(expected, arena + tensors[inputs].offset, tensors[inputs].bytes) == 0, "CONCAT_INT8 with %s differs", sets[k]->name);
    }
    free(arena);
    free(expected);
    free(scratch);
}

/* ADD_INT8 and MUL_INT8 on the shapes the fast path takes — same shapes, a per-channel [1, C, 1, 1]
   against [N, C, H, W] (either operand), a scalar (either operand) — with random zero points,
   multipliers, shifts and clamps, short rows and long ones (the chunks and the output tables), and
   another broadcast, [N, 1, H, 1], whose rows are constant in the small operand too. */
static void random_binary(const edge_int8_kernels *const *sets, size_t set_count)
{
    bool add = next() % 2 == 0;
    int kind = uniform(0, 3); /* same shapes, per-channel, scalar, other */
    uint32_t n = (uint32_t)uniform(1, 2), c = (uint32_t)uniform(1, 24), h = (uint32_t)uniform(1, 12), w = (uint32_t)uniform(1, 40);
    if (next() % 6 == 0) h = (uint32_t)uniform(20, 40), w = (uint32_t)uniform(50, 160), c = (uint32_t)uniform(1, 3); /* rows past 1024 */
    uint32_t full[4] = {n, c, h, w}, channel[4] = {1, c, 1, 1}, scalar[1] = {1}, other[4] = {n, 1, h, 1};
    int rank_small = 4;
    const uint32_t *small = full;
    if (kind == 1) small = channel;
    if (kind == 2) small = scalar, rank_small = next() % 2 ? 1 : 0;
    if (kind == 3) small = other;
    bool swap = next() % 2 == 0; /* the small operand as A */
    edge_tensor tensors[3];
    edge_quantization quantization[3];
    uint8_t numbers[3][8];
    uint32_t slots[3] = {0, 1, 2};
    memset(tensors, 0, sizeof tensors);
    shape(&tensors[swap ? 1 : 0], "a", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, 4, full);
    shape(&tensors[swap ? 0 : 1], "b", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, rank_small, small);
    shape(&tensors[2], "y", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, 4, full);
    size_t offset = 0;
    for (int i = 0; i < 3; i++) {
        tensors[i].offset = offset;
        offset += (tensors[i].bytes + 63) / 64 * 64;
        per_tensor(&tensors[i], &quantization[i], numbers[i], 0.5f, uniform(-128, 127));
    }
    int32_t act_min = next() % 3 == 0 ? uniform(-128, 127) : -128, act_max = next() % 3 == 0 ? uniform(act_min, 127) : 127;
    int32_t out_multiplier = next() % 7 == 0 ? (int32_t)(next() >> 1) : (int32_t)((1u << 30) | (next() >> 2));
    if (next() % 13 == 0) out_multiplier = next() % 2 ? 0 : INT32_MAX;
    int32_t out_shift = next() % 8 == 0 ? uniform(-31, 31) : add ? uniform(-24, -10) : uniform(-14, 2);
    int32_t fields[9];
    unsigned count = 0;
    if (add) {
        fields[count++] = next() % 4 == 0 ? uniform(0, 22) : 20;
        for (int k = 0; k < 2; k++) {
            fields[count++] = next() % 9 == 0 ? (int32_t)(next() >> 1) : (int32_t)((1u << 30) | (next() >> 2));
            fields[count++] = next() % 8 == 0 ? uniform(-31, 0) : uniform(-4, 0);
        }
    }
    fields[count++] = out_multiplier;
    fields[count++] = out_shift;
    fields[count++] = act_min;
    fields[count++] = act_max;
    uint8_t params[36];
    for (unsigned i = 0; i < count; i++) put32(params + 4 * i, (uint32_t)fields[i]);
    edge_model model;
    memset(&model, 0, sizeof model);
    model.tensors = tensors;
    model.tensor_count = 3;
    edge_operator op;
    memset(&op, 0, sizeof op);
    op.kind = add ? EDGE_OP_ADD_INT8 : EDGE_OP_MUL_INT8;
    op.name = "random";
    op.input_count = 2;
    op.output_count = 1;
    op.tensors = slots;
    edge_error error;
    edge_status status = add ? edge_add_int8_prepare(&model, &op, params, 4 * count, &error)
                             : edge_mul_int8_prepare(&model, &op, params, 4 * count, &error);
    CHECK(status == EDGE_OK, "%s prepare: %s", add ? "ADD_INT8" : "MUL_INT8", status == EDGE_OK ? "" : error.message);
    if (status != EDGE_OK) return;
    char what[160];
    snprintf(what, sizeof what, "%s [%u,%u,%u,%u] %s %s, left_shift %d, out %d >> %d, clamp %d..%d", add ? "ADD_INT8" : "MUL_INT8", n, c, h, w,
             kind == 0 ? "same" : kind == 1 ? "per-channel" : kind == 2 ? "scalar" : "other", swap ? "as A" : "as B", add ? fields[0] : 0,
             (int)out_multiplier, (int)out_shift, (int)act_min, (int)act_max);
    const edge_broadcast *walk = &op.params.binary_int8.walk;
    size_t sa = walk->a_strides[walk->rank - 1], sb = walk->b_strides[walk->rank - 1];
    bool fast = sa <= 1 && sb <= 1 && sa + sb > 0;
    CHECK(fast || tensors[2].count == 1, "%s: no fast path", what); /* a broadcast operand's last axis has stride 0 or 1 */
    CHECK((op.params.binary_int8.kernels != NULL) == (tensors[2].count >= (add ? 256u : 64u) && edge_int8_best_kernels() != NULL), "%s: prepare's choice",
          what);
    uint8_t *arena = allocate(offset), *expected = allocate(tensors[2].bytes);
    void *scratch = allocate_exact(EDGE_BINARY_INT8_FAST_SCRATCH);
    fill_int8((int8_t *)arena, offset);
    if (next() % 5 == 0) /* the extremes */
        for (size_t i = 0; i < tensors[0].bytes; i++) arena[i] = next() % 2 ? 0x80 : 0x7f;
    edge_binary_int8_reference(&model, &op, arena);
    memcpy(expected, arena + tensors[2].offset, tensors[2].bytes);
    memset(arena + tensors[2].offset, 0x33, tensors[2].bytes);
    (add ? edge_add_int8_eval : edge_mul_int8_eval)(&model, &op, arena, scratch, &error);
    CHECK(memcmp(expected, arena + tensors[2].offset, tensors[2].bytes) == 0, "%s: eval differs from the reference", what);
    for (size_t k = 0; k < set_count && fast; k++) {
        memset(arena + tensors[2].offset, 0x33, tensors[2].bytes);
        edge_binary_int8_fast(&model, &op, arena, scratch, sets[k]);
        CHECK(memcmp(expected, arena + tensors[2].offset, tensors[2].bytes) == 0, "%s with %s differs", what, sets[k]->name);
    }
    free(arena);
    free(expected);
    free(scratch);
}

/* MAX_POOL on int8 against the definition, on windows that stay inside the input (the loop that
   skips the clipping) and, now and then, ones that reach the padding. */
static void random_max_pool(void)
{
    int32_t kh = uniform(1, 4), kw = uniform(1, 4), sh = uniform(1, 3), sw = uniform(1, 3), dh = uniform(1, 2), dw = uniform(1, 2);
    if (next() % 2 == 0) kh = kw = 2, sh = sw = 2, dh = dw = 1; /* the usual 2 × 2 / 2 */
    bool padded = next() % 4 == 0;
    int32_t pt = padded ? uniform(0, kh - 1) : 0, pl = padded ? uniform(0, kw - 1) : 0, pb = padded ? uniform(0, kh - 1) : 0;
    int32_t pr = padded ? uniform(0, kw - 1) : 0, h = uniform(1, 12), w = uniform(1, 12), planes = uniform(1, 6);
    int64_t span_h = h + pt + pb - ((kh - 1) * dh + 1), span_w = w + pl + pr - ((kw - 1) * dw + 1);
    if (span_h < 0 || span_w < 0) return;
    int32_t oh = (int32_t)(span_h / sh + 1), ow = (int32_t)(span_w / sw + 1);
    uint32_t xd[4] = {1, (uint32_t)planes, (uint32_t)h, (uint32_t)w}, yd[4] = {1, (uint32_t)planes, (uint32_t)oh, (uint32_t)ow};
    edge_tensor tensors[2];
    memset(tensors, 0, sizeof tensors);
    shape(&tensors[0], "x", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, 4, xd);
    shape(&tensors[1], "y", EDGE_DTYPE_INT8, EDGE_STORAGE_ARENA, 4, yd);
    tensors[1].offset = tensors[0].bytes;
    uint32_t slots[2] = {0, 1};
    edge_model model;
    memset(&model, 0, sizeof model);
    model.tensors = tensors;
    model.tensor_count = 2;
    edge_operator op;
    memset(&op, 0, sizeof op);
    op.kind = EDGE_OP_MAX_POOL;
    op.name = "random";
    op.input_count = 1;
    op.output_count = 1;
    op.tensors = slots;
    int32_t fields[11] = {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, 0};
    uint8_t params[44];
    for (int i = 0; i < 11; i++) put32(params + 4 * i, (uint32_t)fields[i]);
    edge_error error;
    edge_status status = edge_pool_prepare(&model, &op, params, sizeof params, &error);
    CHECK(status == EDGE_OK, "MAX_POOL prepare: %s", error.message);
    if (status != EDGE_OK) return;
    int8_t *arena = allocate_exact(tensors[0].bytes + tensors[1].bytes), *x = arena, *y = arena + tensors[0].bytes;
    int8_t *expected = allocate_exact(tensors[1].bytes);
    fill_int8(x, tensors[0].count);
    for (int32_t p = 0; p < planes; p++)
        for (int32_t i = 0; i < oh; i++)
            for (int32_t j = 0; j < ow; j++) {
                int largest = -128;
                for (int32_t ki = 0; ki < kh; ki++)
                    for (int32_t kj = 0; kj < kw; kj++) {
                        int32_t r = i * sh - pt + ki * dh, c = j * sw - pl + kj * dw;
                        if (r >= 0 && r < h && c >= 0 && c < w && x[(p * h + r) * w + c] > largest) largest = x[(p * h + r) * w + c];
                    }
                expected[(p * oh + i) * ow + j] = (int8_t)largest;
            }
    edge_pool_int8_eval(&model, &op, (uint8_t *)arena, NULL, &error);
    CHECK(memcmp(expected, y, tensors[1].bytes) == 0, "MAX_POOL %dx%d stride %d,%d dilation %d,%d pads %d,%d,%d,%d on %dx%d", kh, kw, sh, sw, dh,
          dw, pt, pl, pb, pr, h, w);
    free(arena);
    free(expected);
}

/* ---- benchmark ---------------------------------------------------------------------------------- */

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Times the reference and each kernel set (or only the one named `only`). */
static void bench(const edge_int8_kernels *const *sets, size_t set_count, const char *only)
{
    struct {
        const char *name;
        uint32_t c, h, w, m, k, stride, pad, group;
    } shapes[] = {
        {"3x3 conv 64->64 on 56x56", 64, 56, 56, 64, 3, 1, 1, 1},
        {"1x1 conv 128->256 on 28x28", 128, 28, 28, 256, 1, 1, 0, 1},
        {"3x3/2 conv 3->32 on 112x112", 3, 112, 112, 32, 3, 2, 1, 1},
        {"3x3 conv 16->32 on 8x8 (digits)", 16, 8, 8, 32, 3, 1, 1, 1},
        {"3x3 depthwise 96 on 56x56", 96, 56, 56, 96, 3, 1, 1, 96},
        {"3x3/2 depthwise 144 on 56x56", 144, 56, 56, 144, 3, 2, 1, 144},
        {"5x5 depthwise 240 on 14x14", 240, 14, 14, 240, 5, 1, 2, 240},
    };
    printf("%-34s %-14s %10s %10s\n", "CONV_INT8", "kernels", "ms", "GMAC/s");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        uint32_t out = (shapes[s].h + 2 * shapes[s].pad - shapes[s].k) / shapes[s].stride + 1;
        uint32_t cg = shapes[s].c / shapes[s].group;
        uint32_t x[4] = {1, shapes[s].c, shapes[s].h, shapes[s].w}, w[4] = {shapes[s].m, cg, shapes[s].k, shapes[s].k};
        uint32_t y[4] = {1, shapes[s].m, out, out};
        int32_t p = (int32_t)shapes[s].pad, st = (int32_t)shapes[s].stride;
        int32_t params[11] = {(int32_t)shapes[s].group, st, st, 1, 1, p, p, p, p, -128, 127};
        fixture f;
        if (!setup(&f, EDGE_OP_CONV_INT8, 4, x, w, shapes[s].m, 4, y, params, 11)) continue;
        double macs = (double)shapes[s].m * cg * shapes[s].k * shapes[s].k * out * out;
        for (size_t k = 0; k <= set_count; k++) {
            if (only && strcmp(only, k == 0 ? "reference" : sets[k - 1]->name) != 0) continue;
            void *scratch = k == 0 ? NULL : allocate(edge_conv_int8_fast_scratch(&f.op.params.conv_int8, sets[k - 1]));
            int repeats = 0;
            double start = seconds(), elapsed;
            do {
                if (k == 0) edge_conv_int8_reference(&f.model, &f.op, f.arena);
                else edge_conv_int8_fast(&f.model, &f.op, f.arena, scratch, sets[k - 1]);
                repeats++;
                elapsed = seconds() - start;
            } while (elapsed < 0.3);
            double ms = 1e3 * elapsed / repeats;
            printf("%-34s %-14s %10.3f %10.2f\n", shapes[s].name, k == 0 ? "reference" : sets[k - 1]->name, ms, macs / (ms * 1e6));
            free(scratch);
        }
        release(&f);
    }
}

int main(int argc, char **argv)
{
    const edge_int8_kernels *sets[9];
    size_t set_count = edge_int8_kernel_sets(sets, 8);
    plus_128 = edge_int8_kernels_c;
    plus_128.name = "c (a + 128)";
    plus_128.a_offset = 128;
    plus_128.tile = tile_plus_128;
    sets[set_count++] = &plus_128;
    const edge_int8_kernels *best = edge_int8_best_kernels();
    const char *missing[8];
    size_t missing_count = edge_int8_x86_missing(missing, 8);
    printf("kernel sets:");
    for (size_t s = 0; s < set_count; s++) printf(" %s", sets[s]->name);
    printf(" (invoke uses %s)\n", best ? best->name : "the reference kernels");
    if (missing_count) {
        printf("skipped, built but not run by this CPU:");
        for (size_t s = 0; s < missing_count; s++) printf(" %s", missing[s]);
        printf("\n");
    }
    if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
        bench(sets, set_count, argc > 2 ? argv[2] : NULL);
        return 0;
    }
    long cases = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
    for (size_t s = 0; s < set_count; s++) test_kernels(sets[s]);
    for (long i = 0; i < cases; i++) random_conv(sets, set_count);
    pointwise_convs(sets, set_count);
    for (long i = 0; i < cases / 2; i++) random_depthwise(sets, set_count);
    for (long i = 0; i < cases; i++) random_gemm(sets, set_count);
    for (long i = 0; i < cases / 4; i++) random_concat(sets, set_count);
    for (long i = 0; i < cases / 4; i++) random_max_pool();
    for (long i = 0; i < cases; i++) random_binary(sets, set_count);
    printf("int8_fastpath_tests: %ld random CONV_INT8 and GEMM_INT8 each, %ld depthwise CONV_INT8, %ld CONCAT_INT8 and MAX_POOL each, %ld ADD_INT8 "
           "and MUL_INT8, %zu kernel sets\n",
           cases, cases / 2, cases / 4, cases, set_count);
    printf("%d passed, %d failed, %zu skipped\n", checks - failures, failures, missing_count);
    return failures ? 1 : 0;
}
