/*
 * runtime_tests — unit tests of the C runtime on models built byte by byte here: CRC-32, the LZ4
 * decoder, the loader's checks and messages, sparse weights, metadata, the memory-plan check, in-place ops,
 * run-time errors, the context's arena rules, the operator table and the per-operator observer.
 *
 *     $ R=Sources/EdgeRuntime
 *     $ cc -std=c11 -g -fsanitize=address,undefined -I $R/include $R/[a-z]*.c $R/kernels/[a-z]*.c \
 *         $R/tests/runtime_tests.c -llz4 -lm -o runtime_tests && ./runtime_tests
 */
#define _POSIX_C_SOURCE 200809L

#include <lz4.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"
#include "test_support.h"

/* ---- a tiny .edgem builder ------------------------------------------------------------------------- */


typedef struct model_builder {
    bytes strings, tensors, operators, weights, metadata;
    uint32_t tensor_count, operator_count, metadata_count;
    uint32_t inputs[8], outputs[8], input_count, output_count;
    uint64_t arena_size;
    bool compress_weights;
    uint32_t version_major;
} model_builder;

static uint32_t string(model_builder *m, const char *s)
{
    if (m->strings.size == 0) u8(&m->strings, 0);
    uint32_t offset = (uint32_t)m->strings.size;
    append(&m->strings, s, strlen(s) + 1);
    return offset;
}

static uint32_t tensor(model_builder *m, const char *name, uint8_t dtype, uint8_t storage, int rank, const uint32_t *dims,
                       uint64_t offset, uint64_t size)
{
    u32(&m->tensors, string(m, name));
    u8(&m->tensors, dtype);
    u8(&m->tensors, storage);
    u8(&m->tensors, (uint8_t)rank);
    u8(&m->tensors, 0);
    for (int d = 0; d < 8; d++) u32(&m->tensors, d < rank ? dims[d] : 0);
    u64(&m->tensors, offset);
    u64(&m->tensors, size);
    u32(&m->tensors, EDGE_NONE);
    u32(&m->tensors, 0);
    return m->tensor_count++;
}

/* An arena float tensor at `offset`. */
static uint32_t activation(model_builder *m, const char *name, int rank, const uint32_t *dims, uint64_t offset)
{
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) count *= dims[d];
    return tensor(m, name, EDGE_DTYPE_FLOAT32, EDGE_STORAGE_ARENA, rank, dims, offset, count * 4);
}

/* A dense float weight. */
static uint32_t weight(model_builder *m, const char *name, int rank, const uint32_t *dims, const float *values)
{
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) count *= dims[d];
    align64(&m->weights);
    uint64_t offset = m->weights.size;
    for (uint64_t i = 0; i < count; i++) f32(&m->weights, values[i]);
    return tensor(m, name, EDGE_DTYPE_FLOAT32, EDGE_STORAGE_WEIGHT, rank, dims, offset, count * 4);
}

/* A sparse float weight: bitmap then the non-zero values. */
static uint32_t sparse_weight(model_builder *m, const char *name, int rank, const uint32_t *dims, const float *values)
{
    uint64_t count = 1;
    for (int d = 0; d < rank; d++) count *= dims[d];
    align64(&m->weights);
    uint64_t offset = m->weights.size;
    size_t bitmap = (size_t)(count + 7) / 8;
    uint8_t *bits = calloc(bitmap, 1);
    for (uint64_t i = 0; i < count; i++)
        if (values[i] != 0.0f) bits[i / 8] |= (uint8_t)(1u << (i % 8));
    append(&m->weights, bits, bitmap);
    free(bits);
    for (uint64_t i = 0; i < count; i++)
        if (values[i] != 0.0f) f32(&m->weights, values[i]);
    return tensor(m, name, EDGE_DTYPE_FLOAT32, EDGE_STORAGE_WEIGHT_SPARSE, rank, dims, offset, m->weights.size - offset);
}

static void op(model_builder *m, uint16_t kind, const char *name, int inputs, const uint32_t *in, int outputs, const uint32_t *out,
               int fields, const uint32_t *params)
{
    bytes *b = &m->operators;
    u8(b, (uint8_t)kind);
    u8(b, (uint8_t)(kind >> 8));
    u8(b, (uint8_t)inputs);
    u8(b, (uint8_t)outputs);
    u32(b, 4u * (uint32_t)fields);
    u32(b, string(m, name));
    for (int i = 0; i < inputs; i++) u32(b, in[i]);
    for (int i = 0; i < outputs; i++) u32(b, out[i]);
    for (int i = 0; i < fields; i++) u32(b, params[i]);
    m->operator_count++;
}

static void metadata(model_builder *m, const char *key, const char *value)
{
    u32(&m->metadata, (uint32_t)strlen(key));
    append(&m->metadata, key, strlen(key));
    u32(&m->metadata, (uint32_t)strlen(value));
    append(&m->metadata, value, strlen(value));
    m->metadata_count++;
}

static uint32_t crc(const bytes *b) { return edge_crc32_update(0, b->data, b->size); }

/* The whole file, 64-byte aligned in memory. */
static bytes finish(model_builder *m)
{
    bytes graph = {0}, meta = {0};
    u32(&graph, m->tensor_count);
    u32(&graph, m->operator_count);
    u32(&graph, m->input_count);
    u32(&graph, m->output_count);
    u64(&graph, m->arena_size);
    u32(&graph, string(m, "test"));
    u32(&graph, 0);
    for (uint32_t i = 0; i < m->input_count; i++) u32(&graph, m->inputs[i]);
    for (uint32_t i = 0; i < m->output_count; i++) u32(&graph, m->outputs[i]);
    u32(&meta, m->metadata_count);
    append(&meta, m->metadata.data, m->metadata.size);

    bytes weights_stored = m->weights;
    uint32_t weights_compression = 0;
    if (m->compress_weights && m->weights.size) {
        int bound = LZ4_compressBound((int)m->weights.size);
        weights_stored.data = malloc((size_t)bound);
        weights_stored.size = (size_t)LZ4_compress_default((const char *)m->weights.data, (char *)weights_stored.data,
                                                           (int)m->weights.size, bound);
        weights_compression = 1;
    }
    struct {
        uint32_t kind, flags, compression;
        bytes *stored;
        size_t size;
    } sections[6] = {
        {1, 1, 0, &meta, meta.size},
        {2, 0, 0, &m->strings, m->strings.size},
        {3, 0, 0, &graph, graph.size},
        {4, 0, 0, &m->tensors, m->tensors.size},
        {5, 0, 0, &m->operators, m->operators.size},
        {6, 0, weights_compression, &weights_stored, m->weights.size},
    };
    int count = m->weights.size ? 6 : 5;
    bytes file = {0};
    append(&file, "EDGEM\r\n\x1a", 8);
    u8(&file, (uint8_t)(m->version_major ? m->version_major : 1));
    u8(&file, 0);
    u8(&file, 0);
    u8(&file, 0);
    u32(&file, 64);
    u64(&file, 0); /* file_size, patched */
    u32(&file, (uint32_t)count);
    u32(&file, 64);
    u32(&file, 0);
    u32(&file, 0); /* header CRC, patched */
    for (int i = 0; i < 24; i++) u8(&file, 0);
    size_t cursor = (64 + 40 * (size_t)count + 63) / 64 * 64;
    for (int i = 0; i < count; i++) {
        u32(&file, sections[i].kind);
        u32(&file, sections[i].flags);
        u64(&file, cursor);
        u64(&file, sections[i].size);
        u64(&file, sections[i].stored->size);
        u32(&file, sections[i].compression);
        u32(&file, crc(sections[i].stored));
        cursor = (cursor + sections[i].stored->size + 63) / 64 * 64;
    }
    for (int i = 0; i < count; i++) {
        align64(&file);
        append(&file, sections[i].stored->data, sections[i].stored->size);
    }
    align64(&file);
    for (int i = 0; i < 8; i++) file.data[16 + i] = (uint8_t)((uint64_t)file.size >> (8 * i));
    uint32_t header_crc = edge_crc32_update(0, file.data, 64 + 40 * (size_t)count);
    for (int i = 0; i < 4; i++) file.data[36 + i] = (uint8_t)(header_crc >> (8 * i));
    /* 64-byte aligned copy, as a mapping would be. */
    uint8_t *aligned = aligned_alloc(64, (file.size + 63) / 64 * 64);
    memcpy(aligned, file.data, file.size);
    free(file.data);
    file.data = aligned;
    free(graph.data);
    free(meta.data);
    if (weights_compression) free(weights_stored.data);
    free(m->strings.data);
    free(m->tensors.data);
    free(m->operators.data);
    free(m->weights.data);
    free(m->metadata.data);
    return file;
}

/* Rewrites the header CRC after a test edits the header or table. */
static void fix_header_crc(bytes *file)
{
    uint32_t count = edge_read_u32(file->data + 24);
    for (int i = 0; i < 4; i++) file->data[36 + i] = 0;
    uint32_t c = edge_crc32_update(0, file->data, 64 + 40 * (size_t)count);
    for (int i = 0; i < 4; i++) file->data[36 + i] = (uint8_t)(c >> (8 * i));
}

static float bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* ---- tests -------------------------------------------------------------------------------------------- */

static void test_crc32(void)
{
    CHECK(edge_crc32_update(0, "123456789", 9) == 0xCBF43926u, "crc32 = %08x", edge_crc32_update(0, "123456789", 9));
    uint32_t split = edge_crc32_update(edge_crc32_update(0, "1234", 4), "56789", 5);
    CHECK(split == 0xCBF43926u, "incremental crc32 = %08x", split);
    CHECK(edge_crc32_update(0, "", 0) == 0, "crc32 of nothing");
}

/* The runtime's LZ4 decoder against liblz4's compressor (literals only, long runs, overlapping
   matches, lengths past 15 and 255+15) and on blocks damaged by hand: each refused with a reason. */
static void test_lz4_decoder(void)
{
    enum { n = 70000 };
    static uint8_t source[n], stored[n + n / 200 + 64], output[n + 8];
    uint32_t state = 12345;
    for (int kind = 0; kind < 4; kind++) {
        for (size_t i = 0; i < n; i++) {
            state = state * 1103515245u + 12345u;
            uint8_t noise = (uint8_t)(state >> 24);
            source[i] = kind == 0 ? noise : kind == 1 ? (uint8_t)(i % 3) : kind == 2 ? (i % 1000 < 900 ? 7 : noise) : (uint8_t)(i / 4096);
        }
        int size = LZ4_compress_default((const char *)source, (char *)stored, n, (int)sizeof stored);
        CHECK(size > 0, "liblz4 compresses pattern %d", kind);
        memset(output, 0xAB, sizeof output);
        const char *problem = edge_lz4_decode(stored, (size_t)size, output, n);
        CHECK(!problem && memcmp(output, source, n) == 0 && output[n] == 0xAB, "pattern %d decodes to what was compressed (%s)", kind,
              problem ? problem : "no problem");
        CHECK(edge_lz4_decode(stored, (size_t)size, output, n - 1) != NULL, "pattern %d refused into a smaller section", kind);
        CHECK(edge_lz4_decode(stored, (size_t)size, output, n + 1) != NULL, "pattern %d refused into a larger section", kind);
        CHECK(edge_lz4_decode(stored, (size_t)size - 1, output, n) != NULL, "pattern %d refused when truncated", kind);
    }
    /* "abc" then a match of 9 at offset 3: "abcabcabcabc". */
    const uint8_t repeat[] = {0x35, 'a', 'b', 'c', 3, 0, 0x00};
    const char *problem = edge_lz4_decode(repeat, sizeof repeat, output, 12);
    CHECK(!problem && memcmp(output, "abcabcabcabc", 12) == 0, "an overlapping match repeats the pattern (%s)", problem ? problem : "");
    const uint8_t offset_zero[] = {0x10, 'a', 0, 0, 0x00};
    CHECK(edge_lz4_decode(offset_zero, sizeof offset_zero, output, 6) != NULL, "offset 0 is refused");
    const uint8_t before_start[] = {0x10, 'a', 2, 0, 0x00};
    problem = edge_lz4_decode(before_start, sizeof before_start, output, 6);
    CHECK(problem && strstr(problem, "before the start"), "a match before the output's start is refused: %s", problem ? problem : "accepted");
    const uint8_t long_literals[] = {0xF0, 255, 255, 255};
    CHECK(edge_lz4_decode(long_literals, sizeof long_literals, output, 8) != NULL, "a literal length past the data is refused");
    const uint8_t huge_match[] = {0x1F, 'a', 1, 0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255};
    CHECK(edge_lz4_decode(huge_match, sizeof huge_match, output, 8) != NULL, "a match longer than the section is refused");
    CHECK(edge_lz4_decode(repeat, 0, output, 12) != NULL, "empty data is refused");
}

/* y = relu(x + w) with w stored sparse, optionally LZ4-compressed. */
static bytes sparse_model(bool compress)
{
    model_builder m = {0};
    m.compress_weights = compress;
    uint32_t dims[2] = {3, 7};
    float w[21] = {0};
    w[0] = 1.5f;
    w[7] = -2.0f;
    w[8] = 0.25f;
    w[20] = 3.0f;
    uint32_t x = activation(&m, "x", 2, dims, 0);
    uint32_t ws = sparse_weight(&m, "w", 2, dims, w);
    uint32_t y = activation(&m, "y", 2, dims, 128);
    m.arena_size = 256;
    uint32_t in[2] = {x, ws}, out[1] = {y}, params[4] = {EDGE_BINARY_ADD, EDGE_ACTIVATION_RELU, 0, 0};
    op(&m, EDGE_OP_BINARY, "add", 2, in, 1, out, 4, params);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = y;
    metadata(&m, "source.sha256", "abc123");
    metadata(&m, "compile.compress", compress ? "lz4" : "none");
    return finish(&m);
}

static void test_sparse_and_metadata(void)
{
    for (int compress = 0; compress < 2; compress++) {
        bytes file = sparse_model(compress);
        edge_model *model;
        edge_error error;
        edge_status status = edge_model_load_buffer(file.data, file.size, &model, &error);
        CHECK(status == EDGE_OK, "load: %s", error.message);
        if (status != EDGE_OK) continue;
        CHECK(edge_model_weight_bytes(model) == 84, "weight bytes %zu", edge_model_weight_bytes(model));
        const char *sha = edge_model_metadata(model, "source.sha256");
        CHECK(sha && strcmp(sha, "abc123") == 0, "metadata %s", sha ? sha : "(null)");
        CHECK(edge_model_metadata(model, "missing") == NULL, "missing key");
        CHECK(edge_model_find_input(model, "x") == 0 && edge_model_find_output(model, "y") == 0 && edge_model_find_input(model, "y") == -1,
              "find");
        edge_context *context;
        CHECK(edge_context_create(model, NULL, 0, &context, &error) == EDGE_OK, "context: %s", error.message);
        float x[21];
        for (int i = 0; i < 21; i++) x[i] = (float)i * 0.1f;
        CHECK(edge_context_set_input(context, 0, x, sizeof x, &error) == EDGE_OK, "set input");
        CHECK(edge_context_set_input(context, 0, x, 20, &error) == EDGE_ERROR_INVALID_ARGUMENT, "wrong byte count accepted");
        CHECK(edge_context_invoke(context, &error) == EDGE_OK, "invoke: %s", error.message);
        const float *y = edge_context_output(context, 0);
        float expected[21];
        for (int i = 0; i < 21; i++) expected[i] = x[i];
        expected[0] += 1.5f;
        expected[7] += -2.0f;
        expected[8] += 0.25f;
        expected[20] += 3.0f;
        for (int i = 0; i < 21; i++) {
            float want = expected[i] > 0 ? expected[i] : 0;
            CHECK(y[i] == want, "y[%d] = %g, want %g (compress %d)", i, y[i], want, compress);
        }
        edge_context_free(context);
        edge_model_free(model);
        free(file.data);
    }
}

/* Loads `file` and expects `status` with `fragment` in the message. */
static void expect_failure(bytes file, edge_status expected, const char *fragment)
{
    edge_model *model = (edge_model *)(uintptr_t)1;
    edge_error error;
    edge_status status = edge_model_load_buffer(file.data, file.size, &model, &error);
    CHECK(status == expected, "status %s, expected %s (%s)", edge_status_string(status), edge_status_string(expected), error.message);
    CHECK(model == NULL, "model not NULL after a failure");
    CHECK(strstr(error.message, fragment) != NULL, "message '%s' lacks '%s'", error.message, fragment);
    CHECK(strchr(error.message, '\n') == NULL, "multi-line message");
    if (status == EDGE_OK) edge_model_free(model);
}

static void test_header_errors(void)
{
    bytes file = sparse_model(false);
    uint8_t *aligned = aligned_alloc(64, file.size + 64);
    bytes copy = {aligned, file.size};

    memcpy(aligned, file.data, file.size);
    copy.data[0] = 'X';
    expect_failure(copy, EDGE_ERROR_FORMAT, "magic");

    memcpy(aligned, file.data, file.size);
    copy.data[8] = 2;
    fix_header_crc(&copy);
    expect_failure(copy, EDGE_ERROR_VERSION, "version 2.0");

    memcpy(aligned, file.data, file.size);
    copy.data[10] = 7; /* a newer minor is read */
    fix_header_crc(&copy);
    {
        edge_model *model;
        edge_error error;
        CHECK(edge_model_load_buffer(copy.data, copy.size, &model, &error) == EDGE_OK, "minor 7: %s", error.message);
        edge_model_free(model);
    }

    memcpy(aligned, file.data, file.size);
    copy.data[37] ^= 1;
    expect_failure(copy, EDGE_ERROR_CHECKSUM, "header: checksum");

    memcpy(aligned, file.data, file.size);
    copy.data[edge_read_u64(copy.data + 64 + 40 * 2 + 8)] ^= 0x10; /* GRAPH contents */
    expect_failure(copy, EDGE_ERROR_CHECKSUM, "GRAPH");

    memcpy(aligned, file.data, file.size);
    copy.size = file.size - 64;
    expect_failure(copy, EDGE_ERROR_FORMAT, "file_size");
    copy.size = file.size;

    memcpy(aligned, file.data, file.size);
    copy.data[64 + 40 * 1] = 9; /* STRINGS becomes an unknown, required kind */
    fix_header_crc(&copy);
    expect_failure(copy, EDGE_ERROR_UNSUPPORTED, "unknown kind 9");

    memcpy(aligned, file.data, file.size);
    copy.data[64 + 40 * 1] = 9;
    copy.data[64 + 40 * 1 + 4] = 1; /* ... flagged optional: skipped, then STRINGS is missing */
    fix_header_crc(&copy);
    expect_failure(copy, EDGE_ERROR_FORMAT, "no STRINGS");

    memcpy(aligned, file.data, file.size);
    copy.data[64 + 4] = 0; /* METADATA not flagged optional */
    fix_header_crc(&copy);
    expect_failure(copy, EDGE_ERROR_FORMAT, "not flagged optional");

    memcpy(aligned, file.data, file.size);
    {
        uint64_t graph = edge_read_u64(copy.data + 64 + 40 * 2 + 8) + 64; /* GRAPH moved onto TENSORS */
        for (int i = 0; i < 8; i++) copy.data[64 + 40 * 2 + 8 + i] = (uint8_t)(graph >> (8 * i));
    }
    fix_header_crc(&copy);
    expect_failure(copy, EDGE_ERROR_FORMAT, "overlap");

    memcpy(aligned, file.data, file.size);
    {
        edge_model *model;
        edge_error error;
        CHECK(edge_model_load_buffer(copy.data + 8, copy.size, &model, &error) == EDGE_ERROR_INVALID_ARGUMENT, "misaligned buffer");
    }
    free(aligned);
    free(file.data);
}

/* X [1,2,4,4] conv with a weight of `weight_channels` input channels. */
static bytes conv_model(uint32_t weight_channels, uint32_t out_size)
{
    model_builder m = {0};
    uint32_t xd[4] = {1, 2, 4, 4}, wd[4] = {3, weight_channels, 3, 3}, yd[4] = {1, 3, out_size, out_size};
    float w[3 * 5 * 9];
    for (int i = 0; i < 3 * 5 * 9; i++) w[i] = (float)(i % 5) - 2.0f;
    uint32_t x = activation(&m, "x", 4, xd, 0);
    uint32_t wt = weight(&m, "w", 4, wd, w);
    uint32_t y = activation(&m, "y", 4, yd, 192);
    m.arena_size = 512;
    uint32_t in[3] = {x, wt, EDGE_NONE}, out[1] = {y};
    uint32_t params[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
    op(&m, EDGE_OP_CONV, "conv2", 3, in, 1, out, 12, params);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = y;
    return finish(&m);
}

static void test_operator_errors(void)
{
    bytes good = conv_model(2, 4);
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(good.data, good.size, &model, &error) == EDGE_OK, "conv model: %s", error.message);
    if (model) {
        edge_context *context;
        edge_context_create(model, NULL, 0, &context, &error);
        float x[32];
        for (int i = 0; i < 32; i++) x[i] = 1.0f;
        edge_context_set_input(context, 0, x, sizeof x, &error);
        CHECK(edge_context_invoke(context, &error) == EDGE_OK, "invoke");
        const float *y = edge_context_output(context, 0);
        /* Output channel 0, centre (1,1): the weights of channel 0 over a full window of ones. */
        float want = 0;
        for (int i = 0; i < 18; i++) want += (float)(i % 5) - 2.0f;
        CHECK(fabsf(y[5] - want) < 1e-5f, "conv y[5] = %g, want %g", y[5], want);
        edge_context_free(context);
        edge_model_free(model);
    }
    free(good.data);

    bytes channels = conv_model(5, 4);
    expect_failure(channels, EDGE_ERROR_FORMAT, "operator 0 (CONV 'conv2'): weight [3,5,3,3] has 5 input channels per group, input has 2");
    free(channels.data);
    bytes size = conv_model(2, 3);
    expect_failure(size, EDGE_ERROR_FORMAT, "geometry gives 4x4");
    free(size.data);
}

/* BINARY function `function` of x [1,2,2,2] (in place: y on x's bytes) and a weight slope [2,1,1]. */
static bytes binary_model(uint32_t function)
{
    model_builder m = {0};
    uint32_t xd[4] = {1, 2, 2, 2}, sd[3] = {2, 1, 1};
    float slope[2] = {0.25f, -2.0f};
    uint32_t x = activation(&m, "x", 4, xd, 0);
    uint32_t s = weight(&m, "slope", 3, sd, slope);
    uint32_t y = activation(&m, "y", 4, xd, 0);
    m.arena_size = 64;
    uint32_t in[2] = {x, s}, out[1] = {y};
    uint32_t params[4] = {function, 0, 0, 0};
    op(&m, EDGE_OP_BINARY, "prelu", 2, in, 1, out, 4, params);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = y;
    return finish(&m);
}

/* PRelu (BINARY function 9): x where x >= 0 (-0 stays -0), slope · x below, the slope per channel,
   in place; function 10, which no version defines, is refused by name. */
static void test_prelu(void)
{
    bytes file = binary_model(EDGE_BINARY_PRELU);
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "prelu model: %s", error.message);
    if (model) {
        edge_context *context;
        edge_context_create(model, NULL, 0, &context, &error);
        float x[8] = {-4.0f, 2.0f, -0.0f, 0.0f, -1.5f, 3.0f, -0.5f, 0.0f};
        float want[8] = {-1.0f, 2.0f, -0.0f, 0.0f, 3.0f, 3.0f, 1.0f, 0.0f};
        edge_context_set_input(context, 0, x, sizeof x, &error);
        CHECK(edge_context_invoke(context, &error) == EDGE_OK, "prelu invoke: %s", error.message);
        const float *y = edge_context_output(context, 0);
        for (int i = 0; i < 8; i++)
            CHECK(y[i] == want[i] && signbit(y[i]) == signbit(want[i]), "prelu y[%d] = %g, want %g", i, y[i], want[i]);
        edge_context_free(context);
        edge_model_free(model);
    }
    free(file.data);
    bytes unknown = binary_model(EDGE_BINARY_PRELU + 1);
    expect_failure(unknown, EDGE_ERROR_UNSUPPORTED, "unknown binary op 10");
    free(unknown.data);
}

static void test_memory_plan_and_in_place(void)
{
    /* relu in place (y on x's bytes) is fine; a second op reading x after it is not. */
    for (int variant = 0; variant < 2; variant++) {
        model_builder m = {0};
        uint32_t d[1] = {16};
        uint32_t x = activation(&m, "x", 1, d, 0);
        uint32_t y = activation(&m, "y", 1, d, 0);
        uint32_t z = activation(&m, "z", 1, d, 64);
        m.arena_size = 128;
        uint32_t relu[3] = {EDGE_UNARY_RELU, 0, 0}, neg[3] = {EDGE_UNARY_NEG, 0, 0};
        op(&m, EDGE_OP_UNARY, "relu", 1, &x, 1, &y, 3, relu);
        uint32_t source = variant == 0 ? y : x;
        op(&m, EDGE_OP_UNARY, "neg", 1, &source, 1, &z, 3, neg);
        m.inputs[m.input_count++] = x;
        m.outputs[m.output_count++] = variant == 0 ? z : y;
        if (variant == 1) m.outputs[m.output_count++] = z;
        bytes file = finish(&m);
        if (variant == 0) {
            edge_model *model;
            edge_error error;
            CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "in place: %s", error.message);
            edge_context *context;
            edge_context_create(model, NULL, 0, &context, &error);
            float xs[16];
            for (int i = 0; i < 16; i++) xs[i] = (float)i - 8.0f;
            edge_context_set_input(context, 0, xs, sizeof xs, &error);
            edge_context_invoke(context, &error);
            const float *z_out = edge_context_output(context, 0);
            for (int i = 0; i < 16; i++) CHECK(z_out[i] == -(xs[i] > 0 ? xs[i] : 0), "z[%d] = %g", i, z_out[i]);
            edge_context_free(context);
            edge_model_free(model);
        } else {
            expect_failure(file, EDGE_ERROR_FORMAT, "overlaps 'x', which is still needed");
        }
        free(file.data);
    }
}

/* x [3,4] -> TRILU (upper, k = `k`) -> CUMSUM (axis 1, reverse), each written over its input's bytes,
   which their IN_PLACE flags allow. */
static bytes trilu_cumsum_model(int32_t k)
{
    model_builder m = {0};
    uint32_t d[2] = {3, 4};
    uint32_t x = activation(&m, "x", 2, d, 0), t = activation(&m, "triangle", 2, d, 0), y = activation(&m, "sums", 2, d, 0);
    m.arena_size = 64;
    uint32_t trilu[2] = {1, (uint32_t)k}, cumsum[3] = {1, 0, 1};
    op(&m, EDGE_OP_TRILU, "trilu", 1, &x, 1, &t, 2, trilu);
    op(&m, EDGE_OP_CUMSUM, "cumsum", 1, &t, 1, &y, 3, cumsum);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = y;
    return finish(&m);
}

/* x [1,8,2,2] -> DEPTH_TO_SPACE (block 2, `mode`) -> TOP_K of the output's last axis, keeping `k`. */
static bytes depth_top_k_model(uint32_t mode, uint32_t k)
{
    model_builder m = {0};
    uint32_t xd[4] = {1, 8, 2, 2}, sd[4] = {1, 2, 4, 4}, kd[4] = {1, 2, 4, k};
    uint32_t x = activation(&m, "x", 4, xd, 0), spread = activation(&m, "spread", 4, sd, 128);
    uint32_t values = activation(&m, "values", 4, kd, 256);
    uint32_t indices = tensor(&m, "indices", EDGE_DTYPE_INT64, EDGE_STORAGE_ARENA, 4, kd, 384, 8u * 8u * k);
    m.arena_size = 384 + 64u * k;
    uint32_t d2s[2] = {2, mode}, top[2] = {3, 1}, outputs[2] = {values, indices};
    op(&m, EDGE_OP_DEPTH_TO_SPACE, "d2s", 1, &x, 1, &spread, 2, d2s);
    op(&m, EDGE_OP_TOP_K, "topk", 1, &spread, 2, outputs, 2, top);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = values;
    m.outputs[m.output_count++] = indices;
    return finish(&m);
}

/* TRILU and CUMSUM in place give what they give out of place; DEPTH_TO_SPACE and TOP_K refuse an
   unknown mode and a k beyond the axis by name. */
static void test_index_layout_operators(void)
{
    for (int32_t k = -1; k <= 1; k++) {
        bytes file = trilu_cumsum_model(k);
        edge_model *model;
        edge_error error;
        CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "trilu/cumsum k=%d: %s", (int)k, error.message);
        if (model) {
            edge_context *context;
            edge_context_create(model, NULL, 0, &context, &error);
            float x[12];
            for (int i = 0; i < 12; i++) x[i] = (float)(i + 1);
            edge_context_set_input(context, 0, x, sizeof x, &error);
            CHECK(edge_context_invoke(context, &error) == EDGE_OK, "trilu/cumsum invoke: %s", error.message);
            const float *y = edge_context_output(context, 0);
            for (int r = 0; r < 3; r++) {
                float sum = 0.0f;
                for (int c = 3; c >= 0; c--) {
                    sum += c - r >= k ? x[r * 4 + c] : 0.0f;
                    CHECK(y[r * 4 + c] == sum, "k=%d: y[%d][%d] = %g, want %g", (int)k, r, c, y[r * 4 + c], sum);
                }
            }
            edge_context_free(context);
            edge_model_free(model);
        }
        free(file.data);
    }
    bytes file = depth_top_k_model(1, 2);
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "d2s/topk: %s", error.message);
    if (model) {
        edge_context *context;
        edge_context_create(model, NULL, 0, &context, &error);
        float x[32];
        for (int i = 0; i < 32; i++) x[i] = (float)(i % 3);
        edge_context_set_input(context, 0, x, sizeof x, &error);
        CHECK(edge_context_invoke(context, &error) == EDGE_OK, "d2s/topk invoke: %s", error.message);
        /* CRD: spread[0, c, h·2 + i, w·2 + j] = x[0, c·4 + i·2 + j, h, w]; each row of 4 has two 2s at most. */
        const float *values = edge_context_output(context, 0);
        const int64_t *indices = edge_context_output(context, 1);
        for (int c = 0; c < 2; c++)
            for (int row = 0; row < 4; row++) {
                float line[4];
                for (int column = 0; column < 4; column++)
                    line[column] = x[(c * 4 + (row % 2) * 2 + column % 2) * 4 + (row / 2) * 2 + column / 2];
                int64_t first = 0, second = -1;
                for (int column = 1; column < 4; column++)
                    if (line[column] > line[first]) first = column;
                for (int column = 0; column < 4; column++)
                    if (column != first && (second < 0 || line[column] > line[second])) second = column;
                size_t at = (size_t)(c * 4 + row) * 2;
                CHECK(indices[at] == first && indices[at + 1] == second && values[at] == line[first] && values[at + 1] == line[second],
                      "top_k row %d of channel %d: %lld %lld, want %lld %lld", row, c, (long long)indices[at], (long long)indices[at + 1],
                      (long long)first, (long long)second);
            }
        edge_context_free(context);
        edge_model_free(model);
    }
    free(file.data);
    bytes mode = depth_top_k_model(2, 2);
    expect_failure(mode, EDGE_ERROR_UNSUPPORTED, "operator 0 (DEPTH_TO_SPACE 'd2s'): unknown mode 2");
    free(mode.data);
    bytes wide = depth_top_k_model(0, 5);
    expect_failure(wide, EDGE_ERROR_FORMAT, "operator 1 (TOP_K 'topk'): values [1,2,4,5]");
    free(wide.data);
}

static void test_gather_runtime_error(void)
{
    model_builder m = {0};
    uint32_t dd[2] = {4, 3}, id[1] = {2}, yd[2] = {2, 3};
    uint32_t data = activation(&m, "data", 2, dd, 0);
    align64(&m.weights);
    uint64_t offset = m.weights.size;
    int64_t indices[2] = {-1, 4};
    append(&m.weights, indices, sizeof indices);
    uint32_t idx = tensor(&m, "indices", EDGE_DTYPE_INT64, EDGE_STORAGE_WEIGHT, 1, id, offset, 16);
    uint32_t y = activation(&m, "y", 2, yd, 64);
    m.arena_size = 128;
    uint32_t in[2] = {data, idx}, axis[1] = {0};
    op(&m, EDGE_OP_GATHER, "pick", 2, in, 1, &y, 1, axis);
    m.inputs[m.input_count++] = data;
    m.outputs[m.output_count++] = y;
    bytes file = finish(&m);
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "gather: %s", error.message);
    edge_context *context;
    edge_context_create(model, NULL, 0, &context, &error);
    float x[12] = {0};
    edge_context_set_input(context, 0, x, sizeof x, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_ERROR_EXECUTION, "gather out of range");
    CHECK(strstr(error.message, "operator 0 (GATHER 'pick'): index 4 is out of range for axis 0 of size 4") != NULL, "%s", error.message);

    /* The caller's arena: alignment and size are checked. */
    size_t need = edge_model_arena_size(model);
    uint8_t *arena = aligned_alloc(64, need + 64);
    edge_context *own;
    CHECK(edge_context_create(model, arena + 16, need, &own, &error) == EDGE_ERROR_INVALID_ARGUMENT, "misaligned arena");
    CHECK(edge_context_create(model, arena, need - 64, &own, &error) == EDGE_ERROR_OUT_OF_MEMORY, "small arena");
    CHECK(edge_context_create(model, arena, need, &own, &error) == EDGE_OK, "caller's arena: %s", error.message);
    CHECK(edge_context_input(own, 0) == arena, "input 0 lives at the arena's start");
    CHECK(edge_context_input(own, 1) == NULL && edge_context_output(own, -1) == NULL, "out of range");
    edge_context_free(own);
    free(arena);
    edge_context_free(context);
    edge_model_free(model);
    free(file.data);
}

/* GATHER_ND over data [3,4] by run-time int64 indices [2,2], then SCATTER_ELEMENTS (add) of constant
   updates into data along axis 1: every index, constant or fed, goes through edge_index_position. */
static void test_index_runtime_errors(void)
{
    model_builder m = {0};
    uint32_t dd[2] = {3, 4}, id[2] = {2, 2}, yd[1] = {2}, sd[2] = {1, 2};
    uint32_t data = activation(&m, "data", 2, dd, 0);
    uint32_t idx = tensor(&m, "indices", EDGE_DTYPE_INT64, EDGE_STORAGE_ARENA, 2, id, 64, 32);
    uint32_t y = activation(&m, "y", 1, yd, 128);
    uint32_t z = activation(&m, "z", 2, dd, 192);
    float ones[2] = {1.0f, 1.0f};
    uint32_t updates = weight(&m, "updates", 2, sd, ones);
    align64(&m.weights);
    uint64_t offset = m.weights.size;
    int64_t scatter_indices[2] = {-4, 4};
    append(&m.weights, scatter_indices, sizeof scatter_indices);
    uint32_t sidx = tensor(&m, "scatter_indices", EDGE_DTYPE_INT64, EDGE_STORAGE_WEIGHT, 2, sd, offset, 16);
    m.arena_size = 256;
    uint32_t gather_in[2] = {data, idx}, batch_dims[1] = {0};
    op(&m, EDGE_OP_GATHER_ND, "pick", 2, gather_in, 1, &y, 1, batch_dims);
    uint32_t scatter_in[3] = {data, sidx, updates}, scatter_params[2] = {1, EDGE_SCATTER_ADD};
    op(&m, EDGE_OP_SCATTER_ELEMENTS, "count", 3, scatter_in, 1, &z, 2, scatter_params);
    m.inputs[m.input_count++] = data;
    m.inputs[m.input_count++] = idx;
    m.outputs[m.output_count++] = y;
    m.outputs[m.output_count++] = z;
    bytes file = finish(&m);
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "gather_nd: %s", error.message);
    edge_context *context;
    edge_context_create(model, NULL, 0, &context, &error);
    float x[12];
    for (int i = 0; i < 12; i++) x[i] = (float)i;
    int64_t bad[4] = {0, 1, 3, 4}, good[4] = {-1, -1, 0, 1};
    edge_context_set_input(context, 0, x, sizeof x, &error);
    edge_context_set_input(context, 1, bad, sizeof bad, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_ERROR_EXECUTION, "gather_nd out of range");
    CHECK(strstr(error.message, "operator 0 (GATHER_ND 'pick'): index 3 is out of range for axis 0 of size 3") != NULL, "%s", error.message);
    edge_context_set_input(context, 1, good, sizeof good, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_ERROR_EXECUTION, "scatter_elements out of range");
    CHECK(strstr(error.message, "operator 1 (SCATTER_ELEMENTS 'count'): index 4 is out of range for axis 1 of size 4") != NULL, "%s",
          error.message);
    const float *picked = edge_context_output(context, 0);
    CHECK(picked[0] == 11.0f && picked[1] == 1.0f, "gather_nd picks x[-1][-1] and x[0][1], got %g %g", picked[0], picked[1]);
    edge_context_free(context);
    edge_model_free(model);
    free(file.data);
}

/* conv (x [1,2,4,4], w [3,2,3,3], pads 1) -> y [1,3,4,4]; matmul by m [4,2] -> z [1,3,4,2]; neg -> out. */
static bytes profiled_model(void)
{
    model_builder m = {0};
    uint32_t xd[4] = {1, 2, 4, 4}, wd[4] = {3, 2, 3, 3}, yd[4] = {1, 3, 4, 4}, md[2] = {4, 2}, zd[4] = {1, 3, 4, 2};
    float w[54], mv[8];
    for (int i = 0; i < 54; i++) w[i] = (float)(i % 7) * 0.25f - 0.75f;
    for (int i = 0; i < 8; i++) mv[i] = (float)i - 3.5f;
    uint32_t x = activation(&m, "x", 4, xd, 0);
    uint32_t wt = weight(&m, "w", 4, wd, w);
    uint32_t y = activation(&m, "y", 4, yd, 128);
    uint32_t mt = weight(&m, "m", 2, md, mv);
    uint32_t z = activation(&m, "z", 4, zd, 384);
    uint32_t out = activation(&m, "out", 4, zd, 512);
    m.arena_size = 640;
    uint32_t conv_in[3] = {x, wt, EDGE_NONE}, conv_params[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
    op(&m, EDGE_OP_CONV, "conv", 3, conv_in, 1, &y, 12, conv_params);
    uint32_t matmul_in[2] = {y, mt}, matmul_params[3] = {0, 0, 0};
    op(&m, EDGE_OP_MATMUL, "", 2, matmul_in, 1, &z, 3, matmul_params);
    uint32_t neg[3] = {EDGE_UNARY_NEG, 0, 0};
    op(&m, EDGE_OP_UNARY, "negate", 1, &z, 1, &out, 3, neg);
    m.inputs[m.input_count++] = x;
    m.outputs[m.output_count++] = out;
    return finish(&m);
}

typedef struct observation {
    int calls;
    int32_t index[16];
    char kind[16][32], name[16][32];
    uint64_t nanoseconds[16];
    bool ordered;
} observation;

static void observe(void *user, int32_t index, const char *kind, const char *name, uint64_t nanoseconds)
{
    observation *seen = user;
    if (seen->calls > 0 && index <= seen->index[seen->calls - 1]) seen->ordered = false;
    if (seen->calls < 16) {
        seen->index[seen->calls] = index;
        snprintf(seen->kind[seen->calls], sizeof seen->kind[0], "%s", kind ? kind : "(null)");
        snprintf(seen->name[seen->calls], sizeof seen->name[0], "%s", name ? name : "(null)");
        seen->nanoseconds[seen->calls] = nanoseconds;
    }
    seen->calls++;
}

/* The per-operator observer: once per operator per invoke, in order, with kinds and names; gone when
   cleared; the outputs bit for bit those of an unobserved invoke. And edge_model_operator_info. */
static void test_observer(void)
{
    bytes file = profiled_model();
    edge_model *model;
    edge_error error;
    CHECK(edge_model_load_buffer(file.data, file.size, &model, &error) == EDGE_OK, "profiled model: %s", error.message);
    if (!model) {
        free(file.data);
        return;
    }
    CHECK(edge_model_operator_count(model) == 3, "operator count %d", (int)edge_model_operator_count(model));
    edge_operator_info info;
    CHECK(edge_model_operator_info(model, 0, &info) == EDGE_OK, "operator 0 info");
    CHECK(strcmp(info.kind, "CONV") == 0 && strcmp(info.name, "conv") == 0, "operator 0 is %s '%s'", info.kind, info.name);
    CHECK(info.input_count == 3 && info.output_count == 1, "operator 0 arity %d, %d", (int)info.input_count, (int)info.output_count);
    CHECK(strcmp(info.output.name, "y") == 0 && info.output.rank == 4 && info.output.dims[1] == 3 && info.output.dims[3] == 4 &&
              info.output.element_count == 48 && info.output.dtype == EDGE_DTYPE_FLOAT32,
          "operator 0 output %s rank %d", info.output.name, (int)info.output.rank);
    CHECK(info.macs == 48 * 2 * 3 * 3, "conv MACs %llu", (unsigned long long)info.macs);
    CHECK(edge_model_operator_info(model, 1, &info) == EDGE_OK && strcmp(info.kind, "MATMUL") == 0 && strcmp(info.name, "") == 0,
          "operator 1 is %s '%s'", info.kind, info.name);
    CHECK(info.macs == 24 * 4, "matmul MACs %llu", (unsigned long long)info.macs);
    CHECK(edge_model_operator_info(model, 2, &info) == EDGE_OK && strcmp(info.kind, "UNARY") == 0 && info.macs == 0,
          "operator 2 is %s, %llu MACs", info.kind, (unsigned long long)info.macs);
    CHECK(edge_model_operator_info(model, 3, &info) == EDGE_ERROR_INVALID_ARGUMENT, "operator 3 out of range");
    CHECK(edge_model_operator_info(model, -1, &info) == EDGE_ERROR_INVALID_ARGUMENT, "operator -1 out of range");
    CHECK(edge_model_operator_info(NULL, 0, &info) == EDGE_ERROR_INVALID_ARGUMENT, "NULL model");
    CHECK(edge_model_operator_info(model, 0, NULL) == EDGE_ERROR_INVALID_ARGUMENT, "NULL info");

    edge_context *context;
    CHECK(edge_context_create(model, NULL, 0, &context, &error) == EDGE_OK, "context: %s", error.message);
    float x[32], plain[24], observed[24];
    for (int i = 0; i < 32; i++) x[i] = (float)(i % 9) * 0.5f - 2.0f;
    edge_context_set_input(context, 0, x, sizeof x, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_OK, "invoke: %s", error.message);
    memcpy(plain, edge_context_output(context, 0), sizeof plain);

    observation seen = {.ordered = true};
    CHECK(edge_context_set_observer(NULL, observe, &seen, &error) == EDGE_ERROR_INVALID_ARGUMENT, "NULL context");
    CHECK(edge_context_set_observer(context, observe, &seen, &error) == EDGE_OK, "set observer: %s", error.message);
    edge_context_set_input(context, 0, x, sizeof x, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_OK, "observed invoke: %s", error.message);
    memcpy(observed, edge_context_output(context, 0), sizeof observed);
    CHECK(memcmp(plain, observed, sizeof plain) == 0, "outputs differ with an observer");
    CHECK(seen.calls == 3 && seen.ordered, "%d calls, ordered %d", seen.calls, (int)seen.ordered);
    const char *kinds[3] = {"CONV", "MATMUL", "UNARY"}, *names[3] = {"conv", "", "negate"};
    for (int i = 0; i < 3 && i < seen.calls; i++) {
        CHECK(seen.index[i] == i, "call %d has index %d", i, (int)seen.index[i]);
        CHECK(strcmp(seen.kind[i], kinds[i]) == 0 && strcmp(seen.name[i], names[i]) == 0, "call %d: %s '%s'", i, seen.kind[i],
              seen.name[i]);
        CHECK(seen.nanoseconds[i] < UINT64_C(10000000000), "call %d took %llu ns", i, (unsigned long long)seen.nanoseconds[i]);
    }
    edge_context_set_input(context, 0, x, sizeof x, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_OK, "second observed invoke");
    CHECK(seen.calls == 6 && seen.ordered == false && seen.index[3] == 0 && seen.index[5] == 2,
          "a second invoke: %d calls, from index %d", seen.calls, (int)seen.index[3]);

    CHECK(edge_context_set_observer(context, NULL, &seen, &error) == EDGE_OK, "clear observer");
    edge_context_set_input(context, 0, x, sizeof x, &error);
    CHECK(edge_context_invoke(context, &error) == EDGE_OK, "invoke after clearing");
    CHECK(seen.calls == 6, "the cleared observer was called: %d calls", seen.calls);
    CHECK(memcmp(plain, edge_context_output(context, 0), sizeof plain) == 0, "outputs differ after clearing");

    edge_context_free(context);
    edge_model_free(model);
    free(file.data);
}

static void test_names(void)
{
    CHECK(strcmp(edge_status_string(EDGE_ERROR_CHECKSUM), "checksum mismatch") == 0, "status string");
    CHECK(strcmp(edge_version(), "0.1.0") == 0, "version %s", edge_version());
    CHECK(bits_to_float(float_bits(1.5f)) == 1.5f, "float bits");
}

/* The operator table (operators.c): every row complete, its flags coherent, every kind numbered so
   far named as formats/edgem.md names it, the rest of the u16 range unknown. One CHECK per
   property, each reporting the first kind that breaks it. */
static void test_operator_table(void)
{
    static const char *const spec[] = {
        NULL, "CONV", "CONV_TRANSPOSE", "GEMM", "MATMUL", "BINARY", "UNARY", "SOFTMAX", "MAX_POOL", "AVERAGE_POOL",
        "GLOBAL_AVERAGE_POOL", "GLOBAL_MAX_POOL", "BATCH_NORMALIZATION", "LRN", "CONCAT", "SPLIT", "SLICE", "GATHER",
        "RESHAPE", "TRANSPOSE", "EXPAND", "PAD", "RESIZE", "REDUCE", "CAST", "QUANTIZE", "DEQUANTIZE", "CONV_INT8",
        "GEMM_INT8", "ADD_INT8", "MUL_INT8", "CONCAT_INT8", "LOOKUP", "SOFTMAX_INT8", "AVERAGE_POOL_INT8",
        "GLOBAL_AVERAGE_POOL_INT8", "LAYER_NORMALIZATION", "COMPARE", "LOGICAL", "WHERE", "GATHER_ELEMENTS", "RECURRENT",
        "GROUP_NORMALIZATION", "GATHER_ND", "SCATTER_ND", "SCATTER_ELEMENTS",
        "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "TILE", "TRILU", "CUMSUM", "ARG_EXTREMUM", "TOP_K",
    };
    uint32_t known = sizeof spec / sizeof spec[0];
    uint32_t passthrough = EDGE_OP_FLAG_PASSTHROUGH | EDGE_OP_FLAG_PASSTHROUGH_ALL_INPUTS;
    uint32_t in_place = EDGE_OP_FLAG_IN_PLACE | EDGE_OP_FLAG_IN_PLACE_FIRST | EDGE_OP_FLAG_IN_PLACE_SAME_SHAPE;
    uint32_t incomplete = EDGE_NONE, misnamed = EDGE_NONE, two_variants = EDGE_NONE, unexpected = EDGE_NONE;
    for (uint32_t kind = UINT16_MAX + 1; kind-- > 0;) { /* downwards: the first offender found last */
        const edge_op_info *info = edge_op_lookup(kind);
        const char *expected = kind < known ? spec[kind] : NULL;
        if (!info) {
            if (expected || strcmp(edge_op_name(kind), "unknown") != 0) unexpected = kind;
            continue;
        }
        if (!expected) unexpected = kind;
        if (!info->name || !info->prepare || !info->eval) incomplete = kind;
        else if (!expected || strcmp(info->name, expected) != 0 || strcmp(edge_op_name(kind), expected) != 0) misnamed = kind;
        if (__builtin_popcount(info->flags & passthrough) > 1 || __builtin_popcount(info->flags & in_place) > 1) two_variants = kind;
    }
    CHECK(unexpected == EDGE_NONE, "kind %u: known or unknown against formats/edgem.md", unexpected);
    CHECK(incomplete == EDGE_NONE, "kind %u: its row lacks a name, prepare or eval", incomplete);
    CHECK(misnamed == EDGE_NONE, "kind %u: not named as formats/edgem.md names it", misnamed);
    CHECK(two_variants == EDGE_NONE, "kind %u: flags set two variants of one rule", two_variants);
}

int main(void)
{
    test_crc32();
    test_lz4_decoder();
    test_names();
    test_operator_table();
    test_sparse_and_metadata();
    test_header_errors();
    test_operator_errors();
    test_prelu();
    test_memory_plan_and_in_place();
    test_gather_runtime_error();
    test_index_runtime_errors();
    test_index_layout_operators();
    test_observer();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
