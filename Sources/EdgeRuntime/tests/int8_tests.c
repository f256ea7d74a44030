/*
 * int8_tests — the int8 side of the runtime on models built byte by byte here: the requantization
 * arithmetic against hand-computed values (TFLite's conventions), every int8 operator on tiny tensors
 * whose outputs were worked out by hand, saturation, negative accumulators and shift extremes, and
 * the load-time refusals of bad QUANTIZATION records and int8 operators.
 *
 *     $ R=Sources/EdgeRuntime
 *     $ cc -std=c11 -g -ffp-contract=off -fsanitize=address,undefined -I $R/include $R/[a-z]*.c \
 *         $R/kernels/[a-z]*.c $R/kernels/x86/[a-z]*.c $R/kernels/neon/[a-z]*.c $R/tests/int8_tests.c -lm -o int8_tests
 *     $ ./int8_tests
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "../kernels/int8_fast.h"
#include "../kernels/requantize.h"
#include "test_support.h"

/* ---- a tiny .edgem builder with quantization records -------------------------------------------- */


#define MAX_RECORDS 64

typedef struct builder {
    bytes strings, tensors, operators, weights, records;
    uint32_t tensor_count, operator_count;
    uint32_t offsets[MAX_RECORDS], record_count;
    bool raw_offsets; /* the test wrote `offsets` itself */
    uint32_t inputs[8], outputs[8], input_count, output_count;
    uint64_t arena_size;
} builder;

static uint32_t string(builder *m, const char *s)
{
    if (m->strings.size == 0) u8(&m->strings, 0);
    uint32_t offset = (uint32_t)m->strings.size;
    append(&m->strings, s, strlen(s) + 1);
    return offset;
}

/* A QUANTIZATION record; its index. */
static uint32_t record(builder *m, int32_t axis, uint32_t count, const float *scales, const int32_t *zeros)
{
    m->offsets[m->record_count] = (uint32_t)m->records.size;
    u32(&m->records, (uint32_t)axis);
    u32(&m->records, count);
    for (uint32_t i = 0; i < count; i++) f32(&m->records, scales[i]);
    for (uint32_t i = 0; i < count; i++) u32(&m->records, (uint32_t)zeros[i]);
    return m->record_count++;
}

static uint32_t per_tensor(builder *m, float scale, int32_t zero) { return record(m, -1, 1, &scale, &zero); }

static size_t dtype_size(uint8_t dtype) { return dtype == EDGE_DTYPE_INT8 || dtype == EDGE_DTYPE_UINT8 ? 1 : dtype == EDGE_DTYPE_INT64 ? 8 : 4; }

static uint64_t element_count(int rank, const uint32_t *dims)
{
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) count *= dims[d];
    return count;
}

static uint32_t tensor(builder *m, const char *name, uint8_t dtype, uint8_t storage, int rank, const uint32_t *dims, uint64_t offset,
                       uint32_t quantization)
{
    u32(&m->tensors, string(m, name));
    u8(&m->tensors, dtype);
    u8(&m->tensors, storage);
    u8(&m->tensors, (uint8_t)rank);
    u8(&m->tensors, 0);
    for (int d = 0; d < 8; d++) u32(&m->tensors, d < rank ? dims[d] : 0);
    u64(&m->tensors, offset);
    u64(&m->tensors, element_count(rank, dims) * dtype_size(dtype));
    u32(&m->tensors, quantization);
    u32(&m->tensors, 0);
    return m->tensor_count++;
}

/* An arena tensor of its own (nothing shares its bytes). */
static uint32_t activation(builder *m, const char *name, uint8_t dtype, int rank, const uint32_t *dims, uint32_t quantization)
{
    uint64_t offset = m->arena_size;
    m->arena_size += (element_count(rank, dims) * dtype_size(dtype) + 63) / 64 * 64;
    return tensor(m, name, dtype, EDGE_STORAGE_ARENA, rank, dims, offset, quantization);
}

/* A dense weight of raw little-endian values. */
static uint32_t weight(builder *m, const char *name, uint8_t dtype, int rank, const uint32_t *dims, const void *values, uint32_t quantization)
{
    align64(&m->weights);
    uint64_t offset = m->weights.size;
    size_t size = (size_t)element_count(rank, dims) * dtype_size(dtype);
    append(&m->weights, values, size);
    return tensor(m, name, dtype, EDGE_STORAGE_WEIGHT, rank, dims, offset, quantization);
}

static void op(builder *m, uint16_t kind, const char *name, int inputs, const uint32_t *in, uint32_t out, int fields, const int32_t *params)
{
    bytes *b = &m->operators;
    u8(b, (uint8_t)kind);
    u8(b, (uint8_t)(kind >> 8));
    u8(b, (uint8_t)inputs);
    u8(b, 1);
    u32(b, 4u * (uint32_t)fields);
    u32(b, string(m, name));
    for (int i = 0; i < inputs; i++) u32(b, in[i]);
    u32(b, out);
    for (int i = 0; i < fields; i++) u32(b, (uint32_t)params[i]);
    m->operator_count++;
}

static void input(builder *m, uint32_t t) { m->inputs[m->input_count++] = t; }
static void output(builder *m, uint32_t t) { m->outputs[m->output_count++] = t; }

/* The whole file, 64-byte aligned in memory. */
static bytes finish(builder *m)
{
    bytes graph = {0}, quantization = {0};
    u32(&graph, m->tensor_count);
    u32(&graph, m->operator_count);
    u32(&graph, m->input_count);
    u32(&graph, m->output_count);
    u64(&graph, m->arena_size);
    u32(&graph, string(m, "int8 test"));
    u32(&graph, 0);
    for (uint32_t i = 0; i < m->input_count; i++) u32(&graph, m->inputs[i]);
    for (uint32_t i = 0; i < m->output_count; i++) u32(&graph, m->outputs[i]);
    u32(&quantization, m->record_count);
    uint32_t table = 4 + 4 * m->record_count;
    for (uint32_t i = 0; i < m->record_count; i++) u32(&quantization, m->raw_offsets ? m->offsets[i] : table + m->offsets[i]);
    append(&quantization, m->records.data, m->records.size);

    struct {
        uint32_t kind;
        bytes *contents;
    } sections[6] = {{2, &m->strings}, {3, &graph}, {4, &m->tensors}, {5, &m->operators}, {6, &m->weights}, {7, &quantization}};
    bytes *present[6];
    uint32_t kinds[6];
    int count = 0;
    for (int i = 0; i < 6; i++) {
        if (sections[i].kind == 6 && m->weights.size == 0) continue;
        if (sections[i].kind == 7 && m->record_count == 0 && !m->raw_offsets) continue;
        present[count] = sections[i].contents;
        kinds[count++] = sections[i].kind;
    }
    bytes file = {0};
    append(&file, "EDGEM\r\n\x1a", 8);
    u32(&file, 1); /* version 1.0 */
    u32(&file, 64);
    u64(&file, 0); /* file_size, patched */
    u32(&file, (uint32_t)count);
    u32(&file, 64);
    u32(&file, 0);
    u32(&file, 0); /* header CRC, patched */
    for (int i = 0; i < 24; i++) u8(&file, 0);
    size_t cursor = (64 + 40 * (size_t)count + 63) / 64 * 64;
    for (int i = 0; i < count; i++) {
        u32(&file, kinds[i]);
        u32(&file, 0);
        u64(&file, cursor);
        u64(&file, present[i]->size);
        u64(&file, present[i]->size);
        u32(&file, 0);
        u32(&file, edge_crc32_update(0, present[i]->data, present[i]->size));
        cursor = (cursor + present[i]->size + 63) / 64 * 64;
    }
    for (int i = 0; i < count; i++) {
        align64(&file);
        append(&file, present[i]->data, present[i]->size);
    }
    align64(&file);
    for (int i = 0; i < 8; i++) file.data[16 + i] = (uint8_t)((uint64_t)file.size >> (8 * i));
    uint32_t header_crc = edge_crc32_update(0, file.data, 64 + 40 * (size_t)count);
    for (int i = 0; i < 4; i++) file.data[36 + i] = (uint8_t)(header_crc >> (8 * i));
    uint8_t *aligned = aligned_alloc(64, (file.size + 63) / 64 * 64);
    memcpy(aligned, file.data, file.size);
    free(file.data);
    file.data = aligned;
    free(graph.data);
    free(quantization.data);
    free(m->strings.data);
    free(m->tensors.data);
    free(m->operators.data);
    free(m->weights.data);
    free(m->records.data);
    memset(m, 0, sizeof *m);
    return file;
}

/* Loads `file`, sets the inputs (raw bytes), invokes, and compares output 0 with `expected`. */
static void expect_output(bytes file, int inputs, const void *const *data, const size_t *sizes, const void *expected, size_t size,
                          const char *what)
{
    edge_model *model = NULL;
    edge_context *context = NULL;
    edge_error error = {0};
    edge_status status = edge_model_load_buffer(file.data, file.size, &model, &error);
    CHECK(status == EDGE_OK, "%s: load: %s", what, error.message);
    if (status == EDGE_OK) status = edge_context_create(model, NULL, 0, &context, &error);
    for (int i = 0; i < inputs && status == EDGE_OK; i++) status = edge_context_set_input(context, i, data[i], sizes[i], &error);
    if (status == EDGE_OK) status = edge_context_invoke(context, &error);
    CHECK(status == EDGE_OK, "%s: %s", what, error.message);
    if (status == EDGE_OK) {
        const uint8_t *got = edge_context_output(context, 0);
        bool same = memcmp(got, expected, size) == 0;
        CHECK(same, "%s: output differs", what);
        if (!same) {
            fprintf(stderr, "  got     ");
            for (size_t i = 0; i < size && i < 32; i++) fprintf(stderr, " %d", (int)(int8_t)got[i]);
            fprintf(stderr, "\n  expected");
            for (size_t i = 0; i < size && i < 32; i++) fprintf(stderr, " %d", (int)((const int8_t *)expected)[i]);
            fprintf(stderr, "\n");
        }
    }
    edge_context_free(context);
    edge_model_free(model);
    free(file.data);
}

static void expect_one(bytes file, const void *in, size_t in_size, const void *expected, size_t size, const char *what)
{
    const void *data[1] = {in};
    size_t sizes[1] = {in_size};
    expect_output(file, 1, data, sizes, expected, size, what);
}

static void expect_failure(bytes file, edge_status expected, const char *fragment)
{
    edge_model *model = (edge_model *)(uintptr_t)1;
    edge_error error = {0};
    edge_status status = edge_model_load_buffer(file.data, file.size, &model, &error);
    CHECK(status == expected, "status %s, expected %s (%s)", edge_status_string(status), edge_status_string(expected), error.message);
    CHECK(model == NULL, "model not NULL after a failure");
    CHECK(strstr(error.message, fragment) != NULL, "message '%s' lacks '%s'", error.message, fragment);
    CHECK(strchr(error.message, '\n') == NULL, "multi-line message");
    if (status == EDGE_OK) edge_model_free(model);
    free(file.data);
}

/* ---- the arithmetic ----------------------------------------------------------------------------- */

static void test_requantize(void)
{
    /* srdhm: round(a·b / 2^31); positive halves round up, negative halves toward zero (gemmlowp). */
    CHECK(edge_srdhm(INT32_MIN, INT32_MIN) == INT32_MAX, "saturation");
    CHECK(edge_srdhm(1 << 30, 1 << 30) == 1 << 29, "2^60 / 2^31");
    CHECK(edge_srdhm(1, 1 << 30) == 1, "0.5 rounds up");
    CHECK(edge_srdhm(-1, 1 << 30) == 0, "-0.5 rounds toward zero");
    CHECK(edge_srdhm(3, 1 << 30) == 2, "1.5");
    CHECK(edge_srdhm(-3, 1 << 30) == -1, "-1.5");
    CHECK(edge_srdhm(INT32_MIN, INT32_MAX) == -2147483647, "%d", edge_srdhm(INT32_MIN, INT32_MAX));
    CHECK(edge_srdhm(INT32_MAX, INT32_MAX) == 2147483646, "%d", edge_srdhm(INT32_MAX, INT32_MAX));
    CHECK(edge_srdhm(1000, 1288490189) == 600, "1000 × 0.6");
    /* rounding_shift_right: halves away from zero (TFLite's RoundingDivideByPOT). */
    CHECK(edge_rounding_shift_right(3, 1) == 2, "1.5");
    CHECK(edge_rounding_shift_right(-3, 1) == -2, "-1.5");
    CHECK(edge_rounding_shift_right(5, 2) == 1, "1.25");
    CHECK(edge_rounding_shift_right(-5, 2) == -1, "-1.25");
    CHECK(edge_rounding_shift_right(6, 2) == 2, "1.5");
    CHECK(edge_rounding_shift_right(-6, 2) == -2, "-1.5");
    CHECK(edge_rounding_shift_right(-7, 2) == -2, "-1.75");
    CHECK(edge_rounding_shift_right(12345, 0) == 12345, "exponent 0");
    CHECK(edge_rounding_shift_right(INT32_MAX, 31) == 1, "just below 1");
    CHECK(edge_rounding_shift_right(INT32_MIN, 31) == -1, "-1");
    CHECK(edge_rounding_shift_right(1 << 30, 31) == 1, "0.5");
    CHECK(edge_rounding_shift_right(-(1 << 30), 31) == -1, "-0.5");
    CHECK(edge_rounding_shift_right((1 << 30) - 1, 31) == 0, "just below 0.5");
    /* requantize: M = multiplier · 2^(shift − 31). */
    CHECK(edge_requantize(100, 1 << 30, 0) == 50, "× 0.5");
    CHECK(edge_requantize(3, 1 << 30, -1) == 1, "3 × 0.25 = 0.75");
    CHECK(edge_requantize(-3, 1 << 30, -1) == -1, "-3 × 0.25");
    CHECK(edge_requantize(-125, 1 << 30, -1) == -31, "-31.25");
    CHECK(edge_requantize(1000, 1288490189, -1) == 300, "1000 × 0.3");
    CHECK(edge_requantize(10, 1 << 30, 2) == 20, "× 2");
    CHECK(edge_requantize(-10, 1 << 30, 2) == -20, "× 2");
    CHECK(edge_requantize(INT32_MAX, INT32_MAX, -31) == 1, "largest right shift");
    CHECK(edge_requantize(INT32_MIN, INT32_MAX, -31) == -1, "largest right shift, negative");
    CHECK(edge_requantize(1, 1 << 30, 31) == -(1 << 30), "left shift 31 wraps as the spec's uint32 shift does");
    CHECK(edge_requantize(12345, 0, 5) == 0, "multiplier 0");
    /* TFLite's QuantizeMultiplier(0.75) = (1610612736, 0): 200 × 0.75 = 150, -201 × 0.75 = -150.75. */
    CHECK(edge_requantize(200, 1610612736, 0) == 150, "× 0.75");
    CHECK(edge_requantize(-201, 1610612736, 0) == -151, "%d", edge_requantize(-201, 1610612736, 0));
    /* QUANTIZE's float formula. */
    CHECK(edge_quantize_float(1.25f, 0.5f, 3) == 6, "2.5 rounds away");
    CHECK(edge_quantize_float(-1.25f, 0.5f, 3) == 0, "-2.5 rounds away");
    CHECK(edge_quantize_float(1e30f, 0.5f, 3) == 127, "saturates");
    CHECK(edge_quantize_float(-INFINITY, 0.5f, 3) == -128, "saturates");
    CHECK(edge_quantize_float(NAN, 0.5f, -7) == -7, "NaN is the zero point");
}

/* ---- operators ---------------------------------------------------------------------------------- */

static void test_quantize_dequantize(void)
{
    builder m = {0};
    uint32_t dims[1] = {10};
    uint32_t x = activation(&m, "x", EDGE_DTYPE_FLOAT32, 1, dims, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 1, dims, per_tensor(&m, 0.5f, 3));
    op(&m, EDGE_OP_QUANTIZE, "q", 1, &x, y, 0, NULL);
    input(&m, x);
    output(&m, y);
    float in[10] = {0.0f, 0.5f, -0.5f, 1.49f, 1.5f, -1.5f, 1000.0f, -1000.0f, NAN, 0.25f};
    int8_t expected[10] = {3, 4, 2, 6, 6, 0, 127, -128, 3, 4};
    expect_one(finish(&m), in, sizeof in, expected, sizeof expected, "QUANTIZE");

    uint32_t three[1] = {3};
    x = activation(&m, "x", EDGE_DTYPE_INT8, 1, three, per_tensor(&m, 0.5f, -1));
    y = activation(&m, "y", EDGE_DTYPE_FLOAT32, 1, three, EDGE_NONE);
    op(&m, EDGE_OP_DEQUANTIZE, "dq", 1, &x, y, 0, NULL);
    input(&m, x);
    output(&m, y);
    int8_t q[3] = {-128, 0, 127};
    float real[3] = {-63.5f, 0.5f, 64.0f};
    expect_one(finish(&m), q, sizeof q, real, sizeof real, "DEQUANTIZE");
}

/* CONV_INT8 worked by hand: X 3×3 (x − z_x = 0..8), two 2×2 filters, pads 1, stride 2. */
static bytes conv_model(int32_t act_min, int32_t act_max, int32_t shift1)
{
    builder m = {0};
    uint32_t xd[4] = {1, 1, 3, 3}, wd[4] = {2, 1, 2, 2}, bd[1] = {2}, rd[2] = {2, 2}, yd[4] = {1, 2, 2, 2};
    float scales[2] = {0.1f, 0.2f};
    int32_t zeros[2] = {0, 0};
    int8_t w[8] = {1, 2, 3, 4, -1, 0, 0, -1};
    int32_t b[2] = {10, -5}, r[4] = {1 << 30, 0, 1 << 30, shift1};
    uint32_t in[4];
    in[0] = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, per_tensor(&m, 0.5f, 1));
    in[1] = weight(&m, "w", EDGE_DTYPE_INT8, 4, wd, w, record(&m, 0, 2, scales, zeros));
    in[2] = weight(&m, "b", EDGE_DTYPE_INT32, 1, bd, b, EDGE_NONE);
    in[3] = weight(&m, "r", EDGE_DTYPE_INT32, 2, rd, r, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, per_tensor(&m, 0.25f, -3));
    int32_t params[11] = {1, 2, 2, 1, 1, 1, 1, 1, 1, act_min, act_max};
    op(&m, EDGE_OP_CONV_INT8, "conv", 4, in, y, 11, params);
    input(&m, in[0]);
    output(&m, y);
    return finish(&m);
}

static void test_conv(void)
{
    int8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    int8_t plain[8] = {2, 8, 17, 36, -8, -10, -14, -20};
    expect_one(conv_model(-128, 127, 1), x, sizeof x, plain, sizeof plain, "CONV_INT8");
    int8_t clamped[8] = {2, 8, 17, 30, -8, -10, -12, -12};
    expect_one(conv_model(-12, 30, 1), x, sizeof x, clamped, sizeof clamped, "CONV_INT8 with act_min/act_max");
    /* Channel 1 at shift -31: every accumulator (|acc| < 2^30) rounds to 0, the zero point. */
    int8_t shifted[8] = {2, 8, 17, 36, -3, -3, -3, -3};
    expect_one(conv_model(-128, 127, -31), x, sizeof x, shifted, sizeof shifted, "CONV_INT8 at shift -31");

    /* Depthwise (group 2), a 1×2 kernel, no bias, z_x = 2 so that x − z_x is negative. */
    builder m = {0};
    uint32_t xd[4] = {1, 2, 2, 2}, wd[4] = {2, 1, 1, 2}, rd[2] = {2, 2}, yd[4] = {1, 2, 2, 1};
    int8_t w[4] = {1, 1, 2, -1};
    int32_t r[4] = {1 << 30, 1, 1 << 30, 1};
    uint32_t in[4];
    in[0] = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, per_tensor(&m, 1.0f, 2));
    in[1] = weight(&m, "w", EDGE_DTYPE_INT8, 4, wd, w, per_tensor(&m, 1.0f, 0));
    in[2] = EDGE_NONE;
    in[3] = weight(&m, "r", EDGE_DTYPE_INT32, 2, rd, r, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, per_tensor(&m, 1.0f, 0));
    int32_t params[11] = {2, 1, 1, 1, 1, 0, 0, 0, 0, -128, 127};
    op(&m, EDGE_OP_CONV_INT8, "depthwise", 4, in, y, 11, params);
    input(&m, in[0]);
    output(&m, y);
    int8_t dx[8] = {3, 4, 5, 6, 1, 0, -1, -2}; /* x − 2: {1,2,3,4}, {-1,-2,-3,-4} */
    int8_t expected[4] = {3, 7, 0, -2};
    expect_one(finish(&m), dx, sizeof dx, expected, sizeof expected, "CONV_INT8 depthwise");
}

/* edge_model_weight_bytes counts what prepare derives from the weights (op->prepared) beside the
   weights themselves: on a target with fast int8 kernels the convolution's padded rows and sums. */
static void test_prepared_weights_counted(void)
{
    bytes file = conv_model(-128, 127, 1);
    edge_model *model = NULL;
    edge_error error = {0};
    edge_status status = edge_model_load_buffer(file.data, file.size, &model, &error);
    CHECK(status == EDGE_OK, "load: %s", error.message);
    if (status == EDGE_OK) {
        size_t expected = 0, prepared = 0;
        for (uint32_t t = 0; t < model->tensor_count; t++)
            if (model->tensors[t].weight) expected += model->tensors[t].bytes;
        for (uint32_t o = 0; o < model->operator_count; o++) prepared += model->operators[o].prepared_bytes;
        CHECK(edge_model_weight_bytes(model) == expected + prepared, "weight bytes %zu, expected %zu weights + %zu prepared",
              edge_model_weight_bytes(model), expected, prepared);
        CHECK((prepared > 0) == (edge_int8_best_kernels() != NULL), "%zu prepared bytes with%s fast kernels", prepared,
              edge_int8_best_kernels() ? "" : "out");
    }
    edge_model_free(model);
    free(file.data);
}

static void test_gemm(void)
{
    builder m = {0};
    uint32_t ad[3] = {2, 1, 3}, wd[2] = {2, 3}, bd[1] = {2}, rd[2] = {2, 2}, yd[3] = {2, 1, 2};
    int8_t w[6] = {1, -1, 2, 3, 0, 1};
    int32_t b[2] = {1, 2}, r[4] = {1 << 30, 1, 1 << 30, -1};
    uint32_t in[4];
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 3, ad, per_tensor(&m, 1.0f, -1));
    in[1] = weight(&m, "w", EDGE_DTYPE_INT8, 2, wd, w, per_tensor(&m, 1.0f, 0));
    in[2] = weight(&m, "b", EDGE_DTYPE_INT32, 1, bd, b, EDGE_NONE);
    in[3] = weight(&m, "r", EDGE_DTYPE_INT32, 2, rd, r, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 3, yd, per_tensor(&m, 1.0f, 5));
    int32_t params[2] = {-128, 127};
    op(&m, EDGE_OP_GEMM_INT8, "gemm", 4, in, y, 2, params);
    input(&m, in[0]);
    output(&m, y);
    int8_t a[6] = {0, 1, 2, -1, 3, -128};
    int8_t expected[4] = {11, 7, -128, -26}; /* row 1, channel 0 saturates; channel 1 is -31.25 */
    expect_one(finish(&m), a, sizeof a, expected, sizeof expected, "GEMM_INT8");
}

static void test_add_mul(void)
{
    /* ADD_INT8: a' = (a − z_a) · 2^19, b' likewise, out × 2^-19: y = (a − z_a) + (b − z_b) + z_y. */
    builder m = {0};
    uint32_t ad[2] = {2, 2}, bd[1] = {2};
    uint32_t in[2];
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 2, ad, per_tensor(&m, 1.0f, 0));
    in[1] = activation(&m, "b", EDGE_DTYPE_INT8, 1, bd, per_tensor(&m, 1.0f, 10));
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 2, ad, per_tensor(&m, 1.0f, -5));
    int32_t params[9] = {20, 1 << 30, 0, 1 << 30, 0, 1 << 30, -18, -100, 127};
    op(&m, EDGE_OP_ADD_INT8, "add", 2, in, y, 9, params);
    input(&m, in[0]);
    input(&m, in[1]);
    output(&m, y);
    int8_t a[4] = {1, 2, 100, -100}, b[2] = {20, 5};
    int8_t expected[4] = {6, -8, 105, -100};
    const void *data[2] = {a, b};
    size_t sizes[2] = {4, 2};
    expect_output(finish(&m), 2, data, sizes, expected, 4, "ADD_INT8 broadcast");

    /* MUL_INT8: [4,1] × [1,3], × 0.5. */
    uint32_t md[2] = {4, 1}, nd[2] = {1, 3}, yd[2] = {4, 3};
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 2, md, per_tensor(&m, 1.0f, 1));
    in[1] = activation(&m, "b", EDGE_DTYPE_INT8, 2, nd, per_tensor(&m, 1.0f, -2));
    y = activation(&m, "y", EDGE_DTYPE_INT8, 2, yd, per_tensor(&m, 1.0f, 0));
    int32_t mul[4] = {1 << 30, 0, -128, 127};
    op(&m, EDGE_OP_MUL_INT8, "mul", 2, in, y, 4, mul);
    input(&m, in[0]);
    input(&m, in[1]);
    output(&m, y);
    int8_t ma[4] = {3, -1, 2, 0}, mb[3] = {1, 0, -3};
    int8_t products[12] = {3, 2, -1, -3, -2, 1, 2, 1, 0, -1, -1, 1};
    const void *mdata[2] = {ma, mb};
    size_t msizes[2] = {4, 3};
    expect_output(finish(&m), 2, mdata, msizes, products, 12, "MUL_INT8 broadcast");
}

static void test_concat_lookup(void)
{
    builder m = {0};
    uint32_t d[2] = {1, 2}, yd[2] = {1, 4};
    uint32_t shared = per_tensor(&m, 1.0f, 1);
    uint32_t in[2];
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 2, d, shared);
    in[1] = activation(&m, "b", EDGE_DTYPE_INT8, 2, d, per_tensor(&m, 0.5f, 4));
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 2, yd, shared);
    int32_t params[5] = {1, 0, 0, 1 << 30, 0};
    op(&m, EDGE_OP_CONCAT_INT8, "concat", 2, in, y, 5, params);
    input(&m, in[0]);
    input(&m, in[1]);
    output(&m, y);
    int8_t a[2] = {-128, 127}, b[2] = {9, -128};
    int8_t expected[4] = {-128, 127, 4, -65}; /* (9 − 4) · 0.5 = 2.5 → 3, + 1; (−132) · 0.5 + 1 */
    const void *data[2] = {a, b};
    size_t sizes[2] = {2, 2};
    expect_output(finish(&m), 2, data, sizes, expected, 4, "CONCAT_INT8");

    uint32_t three[1] = {3}, entries[1] = {256};
    int8_t table[256];
    for (int i = 0; i < 256; i++) table[i] = (int8_t)(127 - i);
    uint32_t x = activation(&m, "x", EDGE_DTYPE_INT8, 1, three, per_tensor(&m, 1.0f, 0));
    in[0] = x;
    in[1] = weight(&m, "t", EDGE_DTYPE_INT8, 1, entries, table, EDGE_NONE);
    y = activation(&m, "y", EDGE_DTYPE_INT8, 1, three, per_tensor(&m, 1.0f, 0));
    op(&m, EDGE_OP_LOOKUP, "lookup", 2, in, y, 0, NULL);
    input(&m, x);
    output(&m, y);
    int8_t lx[3] = {-128, 0, 127}, ly[3] = {127, -1, -128};
    expect_one(finish(&m), lx, 3, ly, 3, "LOOKUP");
}

static bytes softmax_model(int32_t axis, int32_t flatten, int32_t first_entry, float output_scale)
{
    builder m = {0};
    uint32_t d[2] = {4, 2}, entries[1] = {256};
    int32_t table[256];
    for (int i = 0; i < 256; i++) table[i] = i <= 20 ? 1 << (20 - i) : 0; /* s_x = ln 2 */
    table[0] = first_entry;
    uint32_t in[2];
    in[0] = activation(&m, "x", EDGE_DTYPE_INT8, 2, d, per_tensor(&m, 0.6931472f, 0));
    in[1] = weight(&m, "e", EDGE_DTYPE_INT32, 1, entries, table, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 2, d, per_tensor(&m, output_scale, -128));
    int32_t params[2] = {axis, flatten};
    op(&m, EDGE_OP_SOFTMAX_INT8, "softmax", 2, in, y, 2, params);
    input(&m, in[0]);
    output(&m, y);
    return finish(&m);
}

static void test_softmax(void)
{
    /* Column 0 is {0, -1, -2, 5}: E = 2^15, 2^14, 2^13, 2^20 over S = 1105920; column 1 is all equal. */
    int8_t x[8] = {0, 3, -1, 3, -2, 3, 5, 3};
    int8_t expected[8] = {-120, -64, -124, -64, -126, -64, 115, -64};
    expect_one(softmax_model(0, 0, 1 << 20, 1.0f / 256), x, sizeof x, expected, sizeof expected, "SOFTMAX_INT8 along axis 0");
    /* flatten from axis 0: one row of 8, {0,3,-1,3,-2,3,5,3}; m = 5: d = {5,2,6,2,7,2,0,2}. */
    int64_t e[8] = {1 << 15, 1 << 18, 1 << 14, 1 << 18, 1 << 13, 1 << 18, 1 << 20, 1 << 18}, sum = 0;
    for (int i = 0; i < 8; i++) sum += e[i];
    int8_t flat[8];
    for (int i = 0; i < 8; i++) flat[i] = (int8_t)((e[i] * 256 + sum / 2) / sum - 128);
    expect_one(softmax_model(0, 1, 1 << 20, 1.0f / 256), x, sizeof x, flat, sizeof flat, "SOFTMAX_INT8 flattened");
    expect_failure(softmax_model(0, 0, 0, 1.0f / 256), EDGE_ERROR_FORMAT, "entry 0 is 0");
    expect_failure(softmax_model(0, 0, 1 << 20, 0.5f), EDGE_ERROR_FORMAT, "scale 1/256");
    expect_failure(softmax_model(2, 0, 1 << 20, 1.0f / 256), EDGE_ERROR_FORMAT, "axis 2 is out of range");
}

static bytes pool_model(uint16_t kind, int width, const int32_t *params, int out_width, int32_t zero)
{
    builder m = {0};
    uint32_t xd[4] = {1, 1, 2, (uint32_t)width}, yd[4] = {1, 1, (uint32_t)(params[0] == 1 ? 2 : 1), (uint32_t)out_width};
    uint32_t q = per_tensor(&m, 0.1f, zero);
    uint32_t x = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, q);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, q);
    op(&m, kind, "pool", 1, &x, y, 11, params);
    input(&m, x);
    output(&m, y);
    return finish(&m);
}

static void test_pools(void)
{
    /* 2×2 windows, stride 1: {1,2,4,5} = 12/4 = 3; {2,-3,5,-10} = -6/4 = -1.5 → -2 (away from zero). */
    int32_t square[11] = {2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    int8_t x[6] = {1, 2, -3, 4, 5, -10};
    int8_t average[2] = {3, -2};
    expect_one(pool_model(EDGE_OP_AVERAGE_POOL_INT8, 3, square, 2, -1), x, 6, average, 2, "AVERAGE_POOL_INT8");
    int8_t largest[2] = {5, 5};
    expect_one(pool_model(EDGE_OP_MAX_POOL, 3, square, 2, -1), x, 6, largest, 2, "MAX_POOL on int8");
    /* 1×2 windows, stride 2, one pad cell on the right: rows {10,20 | 31,pad}, {-10,-21 | -31,pad}. */
    int8_t rows[6] = {10, 20, 31, -10, -21, -31};
    int32_t padded[11] = {1, 2, 1, 2, 1, 1, 0, 0, 0, 1, 1};
    int8_t with_pad[4] = {15, 18, -16, -13}; /* (31 + 5) / 2; (-10 - 21) / 2 = -15.5 → -16; (-31 + 5) / 2 */
    expect_one(pool_model(EDGE_OP_AVERAGE_POOL_INT8, 3, padded, 2, 5), rows, 6, with_pad, 4, "AVERAGE_POOL_INT8 count_include_pad");
    padded[10] = 0;
    int8_t without_pad[4] = {15, 31, -16, -31};
    expect_one(pool_model(EDGE_OP_AVERAGE_POOL_INT8, 3, padded, 2, 5), rows, 6, without_pad, 4, "AVERAGE_POOL_INT8 without pad");

    builder m = {0};
    uint32_t xd[4] = {1, 2, 1, 3}, yd[4] = {1, 2, 1, 1};
    uint32_t q = per_tensor(&m, 0.1f, 0);
    uint32_t gx = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, q);
    uint32_t gy = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, q);
    op(&m, EDGE_OP_GLOBAL_AVERAGE_POOL_INT8, "gap", 1, &gx, gy, 0, NULL);
    input(&m, gx);
    output(&m, gy);
    int8_t planes[6] = {1, 2, 2, -1, -2, -2}, means[2] = {2, -2};
    expect_one(finish(&m), planes, 6, means, 2, "GLOBAL_AVERAGE_POOL_INT8");
}

/* SOFTMAX_INT8 on `rows` rows of `length` (along axis 1, or along axis 0, strided) against its
   definition, y = (E · 256 + S/2) / S − 128 in 64-bit integers. */
static void softmax_case(uint32_t rows, uint32_t length, uint32_t axis, const int32_t table[256], const int8_t *x, const char *what)
{
    builder m = {0};
    uint32_t d[2] = {axis ? rows : length, axis ? length : rows}, entries[1] = {256};
    uint32_t in[2];
    in[0] = activation(&m, "x", EDGE_DTYPE_INT8, 2, d, per_tensor(&m, 0.1f, 0));
    in[1] = weight(&m, "e", EDGE_DTYPE_INT32, 1, entries, table, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 2, d, per_tensor(&m, 1.0f / 256, -128));
    int32_t params[2] = {(int32_t)axis, 0};
    op(&m, EDGE_OP_SOFTMAX_INT8, "softmax", 2, in, y, 2, params);
    input(&m, in[0]);
    output(&m, y);
    int8_t expected[5 * 300];
    for (uint32_t r = 0; r < rows; r++) {
        int largest = -128;
        int64_t sum = 0;
#define AT(j) (axis ? r * length + (j) : (j) * rows + r)
        for (uint32_t j = 0; j < length; j++) largest = x[AT(j)] > largest ? x[AT(j)] : largest;
        for (uint32_t j = 0; j < length; j++) sum += table[largest - x[AT(j)]];
        for (uint32_t j = 0; j < length; j++) {
            int64_t share = ((int64_t)table[largest - x[AT(j)]] * 256 + sum / 2) / sum - 128;
            expected[AT(j)] = (int8_t)(share > 127 ? 127 : share);
        }
#undef AT
    }
    expect_one(finish(&m), x, rows * length, expected, rows * length, what);
}

/* SOFTMAX_INT8 on random rows (2 to 300 long, along either axis), random decreasing tables (E[0]
   up to 2^20, so that S reaches past 2^28) and random inputs, on a row whose quotients are whole
   numbers (E = 673615 and 1059505: 173312000 / 1733120 = 100, 272099840 / 1733120 = 157), where a
   reciprocal's product can fall just below them, and on a row whose sum passes 2^31 (the integer
   division): the runtime's quotient must agree exactly. */
static void test_softmax_random(void)
{
    uint64_t state = 777;
    int32_t table[256];
    for (int round = 0; round < 60; round++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint32_t rows = 1 + (uint32_t)(state >> 33) % 5, length = 2 + (uint32_t)(state >> 40) % 299, axis = (uint32_t)(state >> 60) % 2;
        state = state * 6364136223846793005u + 1442695040888963407u;
        double decay = 0.01 + (double)(state >> 40) / (double)(1ull << 24) * 0.5;
        table[0] = 1 + (int32_t)((state >> 33) % (1u << 20));
        for (int i = 1; i < 256; i++) table[i] = (int32_t)(table[0] * exp(-decay * i));
        int8_t x[5 * 300];
        for (uint32_t i = 0; i < rows * length; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            x[i] = (int8_t)(state >> 56);
        }
        softmax_case(rows, length, axis, table, x, "SOFTMAX_INT8, random rows");
    }
    memset(table, 0, sizeof table);
    table[0] = 673615, table[1] = 1059505;
    int8_t whole[2] = {5, 4};
    softmax_case(1, 2, 1, table, whole, "SOFTMAX_INT8, whole-number quotients");
    /* A row sum of 3 · 2^30 >= 2^31, past the reciprocal's range: the integer division. */
    table[0] = 1 << 30, table[1] = 1 << 30;
    int8_t large[3] = {5, 5, 4};
    softmax_case(1, 3, 1, table, large, "SOFTMAX_INT8, a row sum past 2^31");
}

/* MAX_POOL on int8 against the definition (the largest cell of each window inside the input) on
   random windows: kernel, stride, dilation and pads. */
static void test_max_pool_random(void)
{
    uint64_t state = 12345;
    for (int round = 0; round < 200; round++) {
        int32_t f[11];
        for (int i = 0; i < 11; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            f[i] = (int32_t)(state >> 33);
        }
        int32_t kh = 1 + f[0] % 4, kw = 1 + f[1] % 4, sh = 1 + f[2] % 3, sw = 1 + f[3] % 3, dh = 1 + f[4] % 2, dw = 1 + f[5] % 2;
        int32_t pt = f[6] % kh, pl = f[7] % kw, pb = f[8] % kh, pr = f[9] % kw;
        int32_t h = 1 + f[10] % 9, w = 1 + (f[10] >> 8) % 11;
        int64_t span_h = h + pt + pb - ((kh - 1) * dh + 1), span_w = w + pl + pr - ((kw - 1) * dw + 1);
        if (span_h < 0 || span_w < 0) continue;
        int32_t oh = (int32_t)(span_h / sh + 1), ow = (int32_t)(span_w / sw + 1);
        builder m = {0};
        uint32_t xd[4] = {1, 2, (uint32_t)h, (uint32_t)w}, yd[4] = {1, 2, (uint32_t)oh, (uint32_t)ow};
        uint32_t q = per_tensor(&m, 0.1f, 3);
        uint32_t x = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, q);
        uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, q);
        int32_t params[11] = {kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, 0};
        op(&m, EDGE_OP_MAX_POOL, "max", 1, &x, y, 11, params);
        input(&m, x);
        output(&m, y);
        int8_t in[2 * 9 * 11], expected[2 * 9 * 11];
        for (int i = 0; i < 2 * h * w; i++) {
            state = state * 6364136223846793005u + 1442695040888963407u;
            in[i] = (int8_t)(state >> 56);
        }
        for (int p = 0; p < 2; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    int largest = -128;
                    for (int ki = 0; ki < kh; ki++)
                        for (int kj = 0; kj < kw; kj++) {
                            int r = i * sh - pt + ki * dh, c = j * sw - pl + kj * dw;
                            if (r >= 0 && r < h && c >= 0 && c < w && in[(p * h + r) * w + c] > largest) largest = in[(p * h + r) * w + c];
                        }
                    expected[(p * oh + i) * ow + j] = (int8_t)largest;
                }
        expect_one(finish(&m), in, (size_t)(2 * h * w), expected, (size_t)(2 * oh * ow), "MAX_POOL on int8, random window");
    }
}

static void test_resize_pad_reshape(void)
{
    /* Linear, half_pixel, width 2 → 4: coordinates 0, 0.25, 0.75, 1 → halves round away from zero. */
    builder m = {0};
    uint32_t xd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, 2, 4};
    uint32_t q = per_tensor(&m, 0.1f, 0);
    uint32_t x = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, q);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, q);
    int32_t params[11] = {1, 0, 0, (int32_t)float_bits(1.0f), (int32_t)float_bits(1.0f), (int32_t)float_bits(1.0f),
                          (int32_t)float_bits(2.0f), (int32_t)float_bits(1.0f), (int32_t)float_bits(1.0f), (int32_t)float_bits(1.0f),
                          (int32_t)float_bits(1.0f)};
    op(&m, EDGE_OP_RESIZE, "resize", 1, &x, y, 11, params);
    input(&m, x);
    output(&m, y);
    int8_t in[4] = {0, 2, 0, -2}, expected[8] = {0, 1, 2, 2, 0, -1, -2, -2};
    expect_one(finish(&m), in, 4, expected, 8, "RESIZE on int8");

    /* PAD of a quantized int8 tensor fills with quantize(value): 1.0 / 0.5 + 3 = 5. */
    uint32_t pd[1] = {2}, pyd[1] = {4};
    q = per_tensor(&m, 0.5f, 3);
    x = activation(&m, "x", EDGE_DTYPE_INT8, 1, pd, q);
    y = activation(&m, "y", EDGE_DTYPE_INT8, 1, pyd, q);
    int32_t pad[10] = {0, (int32_t)float_bits(1.0f), 1, 0, 0, 0, 0, 0, 0, 0};
    op(&m, EDGE_OP_PAD, "pad", 1, &x, y, 10, pad);
    input(&m, x);
    output(&m, y);
    int8_t px[2] = {-7, 9}, py[4] = {5, -7, 9, 5};
    expect_one(finish(&m), px, 2, py, 4, "PAD on quantized int8");

    /* The bytewise ops need one quantization on both sides. */
    uint32_t rd[2] = {2, 2}, flat[1] = {4};
    x = activation(&m, "x", EDGE_DTYPE_INT8, 2, rd, per_tensor(&m, 0.5f, 3));
    y = activation(&m, "y", EDGE_DTYPE_INT8, 1, flat, per_tensor(&m, 0.5f, 3));
    op(&m, EDGE_OP_RESHAPE, "reshape", 1, &x, y, 0, NULL);
    input(&m, x);
    output(&m, y);
    int8_t rx[4] = {1, 2, 3, 4};
    expect_one(finish(&m), rx, 4, rx, 4, "RESHAPE with equal quantization records");
    x = activation(&m, "x", EDGE_DTYPE_INT8, 2, rd, per_tensor(&m, 0.5f, 3));
    y = activation(&m, "y", EDGE_DTYPE_INT8, 1, flat, per_tensor(&m, 0.5f, 4));
    op(&m, EDGE_OP_RESHAPE, "reshape", 1, &x, y, 0, NULL);
    input(&m, x);
    output(&m, y);
    expect_failure(finish(&m), EDGE_ERROR_FORMAT, "quantized differently");
}

/* ---- load-time refusals ------------------------------------------------------------------------- */

/* A QUANTIZE of [2] floats into an int8 tensor with `record`-th record; the test has written the records. */
static bytes quantize_with(builder *m, uint32_t quantization, uint8_t dtype)
{
    uint32_t d[1] = {2};
    uint32_t x = activation(m, "x", EDGE_DTYPE_FLOAT32, 1, d, EDGE_NONE);
    uint32_t y = activation(m, "y", dtype, 1, d, quantization);
    op(m, EDGE_OP_QUANTIZE, "q", 1, &x, y, 0, NULL);
    input(m, x);
    output(m, y);
    return finish(m);
}

static void test_quantization_records(void)
{
    builder m = {0};
    float two_scales[2] = {0.5f, 0.25f}, zero_scale = 0.0f, nan_scale = NAN;
    int32_t two_zeros[2] = {0, 0}, zero = 0, too_large = 200;
    float in[2] = {1.0f, -0.75f};
    int8_t out[2] = {2, -2};
    expect_one(quantize_with(&m, per_tensor(&m, 0.5f, 0), EDGE_DTYPE_INT8), in, sizeof in, out, 2, "QUANTIZE baseline");
    expect_failure(quantize_with(&m, 3, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "record 3 does not exist");
    expect_failure(quantize_with(&m, record(&m, -1, 1, &zero_scale, &zero), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "scale 0 is 0");
    expect_failure(quantize_with(&m, record(&m, -1, 1, &nan_scale, &zero), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "expected a finite number");
    expect_failure(quantize_with(&m, record(&m, -1, 2, two_scales, two_zeros), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "1 for axis -1");
    expect_failure(quantize_with(&m, record(&m, 1, 2, two_scales, two_zeros), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "outside its rank");
    expect_failure(quantize_with(&m, record(&m, 0, 1, two_scales, two_zeros), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "1 scales along axis 0");
    expect_failure(quantize_with(&m, record(&m, -2, 1, two_scales, two_zeros), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "axis -2");
    expect_failure(quantize_with(&m, record(&m, -1, 1, &two_scales[0], &too_large), EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT,
                   "zero point 200 is outside -128 to 127");
    expect_failure(quantize_with(&m, record(&m, -1, 1, &two_scales[0], &zero), EDGE_DTYPE_FLOAT32), EDGE_ERROR_FORMAT,
                   "a float32 tensor cannot be quantized");
    /* A per-channel activation: valid record, refused by the operator. */
    expect_failure(quantize_with(&m, record(&m, 0, 2, two_scales, two_zeros), EDGE_DTYPE_INT8), EDGE_ERROR_UNSUPPORTED,
                   "quantized per slice along axis 0");
    expect_failure(quantize_with(&m, EDGE_NONE, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "'y' has no quantization parameters");
    /* Offsets: misaligned, inside the offset table, past the end. */
    uint32_t index = per_tensor(&m, 0.5f, 0);
    m.raw_offsets = true;
    m.offsets[0] = 10;
    expect_failure(quantize_with(&m, index, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "offset 10 is not a multiple of 4");
    index = per_tensor(&m, 0.5f, 0);
    m.raw_offsets = true;
    m.offsets[0] = 4;
    expect_failure(quantize_with(&m, index, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "outside the records");
    index = per_tensor(&m, 0.5f, 0);
    m.raw_offsets = true;
    m.offsets[0] = 12; /* 8 + 16 bytes of the record: the zero point runs past */
    expect_failure(quantize_with(&m, index, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "run past the section");
    m.raw_offsets = true;
    m.record_count = 1;
    m.offsets[0] = 8;
    expect_failure(quantize_with(&m, 0, EDGE_DTYPE_INT8), EDGE_ERROR_FORMAT, "outside the records");
}

/* A GEMM_INT8 [1,2] × [2,2] with adjustable pieces for the refusals. */
typedef struct gemm_case {
    int32_t act_min, act_max, shift, bias;
    int8_t weight;
    bool arena_weight, no_input_quantization, weight_zero_point;
    uint32_t r_rows;
} gemm_case;

static bytes gemm_model(gemm_case c)
{
    builder m = {0};
    uint32_t ad[2] = {1, 2}, wd[2] = {2, 2}, bd[1] = {2}, rd[2] = {c.r_rows, 2};
    int8_t w[4] = {c.weight, 1, 1, 1};
    int32_t b[2] = {c.bias, 0}, r[6] = {1 << 30, c.shift, 1 << 30, 0, 1 << 30, 0};
    uint32_t in[4];
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 2, ad, c.no_input_quantization ? EDGE_NONE : per_tensor(&m, 1.0f, 0));
    uint32_t wq = per_tensor(&m, 1.0f, c.weight_zero_point ? 1 : 0);
    in[1] = c.arena_weight ? activation(&m, "w", EDGE_DTYPE_INT8, 2, wd, wq) : weight(&m, "w", EDGE_DTYPE_INT8, 2, wd, w, wq);
    in[2] = weight(&m, "b", EDGE_DTYPE_INT32, 1, bd, b, EDGE_NONE);
    in[3] = weight(&m, "r", EDGE_DTYPE_INT32, 2, rd, r, EDGE_NONE);
    uint32_t y = activation(&m, "y", EDGE_DTYPE_INT8, 2, ad, per_tensor(&m, 1.0f, 0));
    int32_t params[2] = {c.act_min, c.act_max};
    op(&m, EDGE_OP_GEMM_INT8, "fc", 4, in, y, 2, params);
    input(&m, in[0]);
    if (c.arena_weight) input(&m, in[1]);
    output(&m, y);
    return finish(&m);
}

static void test_operator_refusals(void)
{
    gemm_case good = {-128, 127, 0, 0, 1, false, false, false, 2};
    int8_t a[2] = {3, 4}, y[2] = {4, 4}; /* (3·1 + 4·1) × 0.5 = 3.5 → 4; (3 + 4) × 0.5 */
    expect_one(gemm_model(good), a, 2, y, 2, "GEMM_INT8 baseline");
    gemm_case c = good;
    c.act_min = 10, c.act_max = 5;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "act_min 10 and act_max 5");
    c = good, c.act_max = 128;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "act_max <= 127");
    c = good, c.shift = 32;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "shift is 32");
    c = good, c.shift = -32;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "shift is -32");
    c = good, c.r_rows = 3;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "expected [2,2]");
    c = good, c.no_input_quantization = true;
    expect_failure(gemm_model(c), EDGE_ERROR_FORMAT, "GEMM_INT8 'fc'): A 'a' has no quantization parameters");
    c = good, c.arena_weight = true;
    expect_failure(gemm_model(c), EDGE_ERROR_UNSUPPORTED, "int8 weights must be constants");
    c = good, c.weight_zero_point = true;
    expect_failure(gemm_model(c), EDGE_ERROR_UNSUPPORTED, "non-zero zero point");
    c = good, c.bias = INT32_MAX - 255 * 2, c.weight = 1;
    expect_one(gemm_model(c), a, 2, (int8_t[2]){127, 4}, 2, "GEMM_INT8 at the accumulator bound");
    c = good, c.bias = INT32_MAX - 255 * 2 + 1;
    expect_failure(gemm_model(c), EDGE_ERROR_UNSUPPORTED, "overflow its 32-bit accumulator");
    c = good, c.bias = INT32_MIN + 255 * 2 + 1, c.weight = -128;
    expect_failure(gemm_model(c), EDGE_ERROR_UNSUPPORTED, "overflow");

    /* ADD_INT8 shifts. */
    builder m = {0};
    uint32_t d[1] = {2};
    uint32_t in[2];
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    in[1] = activation(&m, "b", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    uint32_t out = activation(&m, "y", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    int32_t params[9] = {23, 1 << 30, -1, 1 << 30, -1, 1 << 30, -20, -128, 127};
    op(&m, EDGE_OP_ADD_INT8, "add", 2, in, out, 9, params);
    input(&m, in[0]);
    input(&m, in[1]);
    output(&m, out);
    expect_failure(finish(&m), EDGE_ERROR_FORMAT, "left_shift is 23");

    /* CONCAT_INT8 copying an input quantized unlike the output. */
    in[0] = activation(&m, "a", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    out = activation(&m, "y", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 2.0f, 0));
    int32_t concat[3] = {0, 0, 0};
    op(&m, EDGE_OP_CONCAT_INT8, "concat", 1, in, out, 3, concat);
    input(&m, in[0]);
    output(&m, out);
    expect_failure(finish(&m), EDGE_ERROR_FORMAT, "copied (multiplier 0) but is quantized unlike the output");

    /* AVERAGE_POOL_INT8 whose output is quantized unlike its input. */
    uint32_t xd[4] = {1, 1, 1, 2}, yd[4] = {1, 1, 1, 1};
    uint32_t x = activation(&m, "x", EDGE_DTYPE_INT8, 4, xd, per_tensor(&m, 1.0f, 0));
    out = activation(&m, "y", EDGE_DTYPE_INT8, 4, yd, per_tensor(&m, 1.0f, 1));
    int32_t pool[11] = {1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0};
    op(&m, EDGE_OP_AVERAGE_POOL_INT8, "pool", 1, &x, out, 11, pool);
    input(&m, x);
    output(&m, out);
    expect_failure(finish(&m), EDGE_ERROR_FORMAT, "must share their quantization");

    /* A float operator on int8 tensors names the operator. */
    x = activation(&m, "x", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    out = activation(&m, "y", EDGE_DTYPE_INT8, 1, d, per_tensor(&m, 1.0f, 0));
    int32_t unary[3] = {0, 0, 0};
    op(&m, EDGE_OP_UNARY, "relu", 1, &x, out, 3, unary);
    input(&m, x);
    output(&m, out);
    expect_failure(finish(&m), EDGE_ERROR_UNSUPPORTED, "operator 0 (UNARY 'relu'): input 'x' is int8");
}

int main(void)
{
    test_requantize();
    test_quantize_dequantize();
    test_conv();
    test_prepared_weights_counted();
    test_gemm();
    test_add_mul();
    test_concat_lookup();
    test_softmax();
    test_pools();
    test_max_pool_random();
    test_softmax_random();
    test_resize_pad_reshape();
    test_quantization_records();
    test_operator_refusals();
    printf("int8_tests: %d checks\n%d passed, %d failed\n", checks, checks - failures, failures);
    return failures ? 1 : 0;
}
