/*
 * update_encoder.c — builds a federated client update (formats/update.proto) and serializes it
 * with protobuf-c. The message structs come from protoc-c (generated/, never edited); this file
 * fills them: each added tensor is validated and encoded at once into memory the update owns.
 *
 * The encodings are specified in update.proto; the rounding rules here are the contract that
 * Tests/Fixtures/make_federated.py mirrors in NumPy:
 *   fp16  IEEE binary16, round to nearest even (software conversion: same bits on every target)
 *   int8  scale = max|d| / 127 in float32; q = nearbyintf(d / scale), round half to even
 *   top-k k = ceil(fraction * n) in double, at least 1; order by |d| descending, then index
 */
#define _POSIX_C_SOURCE 200809L /* fsync, getpid */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../internal.h"
#include "generated/update.pb-c.h"

#define EDGE_UPDATE_FORMAT_VERSION 1
#define EDGE_UPDATE_MAX_CLIENT_ID 256

struct edge_update {
    Edgec__Federated__ClientUpdate message;
    Edgec__Federated__ClientMetrics metrics;
    size_t tensor_capacity;
    char base_model_sha256[65];
    char producer[32];
};

/* ---- strings ------------------------------------------------------------------------------ */

/* Whether `text` is well-formed UTF-8 (protobuf strings must be; the Swift reader checks). */
static bool edge_is_utf8(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    while (*p) {
        unsigned char c = *p;
        size_t extra;
        uint32_t minimum, code;
        if (c < 0x80) { p++; continue; }
        if ((c & 0xE0) == 0xC0) { extra = 1; minimum = 0x80; code = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; minimum = 0x800; code = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; minimum = 0x10000; code = c & 0x07; }
        else return false;
        for (size_t i = 1; i <= extra; i++) {
            if ((p[i] & 0xC0) != 0x80) return false;
            code = code << 6 | (p[i] & 0x3F);
        }
        if (code < minimum || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
        p += extra + 1;
    }
    return true;
}

static char *edge_copy_string(const char *text)
{
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (copy) memcpy(copy, text, length + 1);
    return copy;
}

/* ---- encodings ---------------------------------------------------------------------------- */

/* float32 -> IEEE binary16 bits, round to nearest even; |value| >= 65520 becomes infinity. */
static uint16_t edge_half_from_float(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    uint32_t sign = (bits >> 16) & 0x8000u;
    uint32_t magnitude = bits & 0x7FFFFFFFu;
    if (magnitude > 0x7F800000u) return (uint16_t)(sign | 0x7E00u);  /* NaN */
    if (magnitude >= 0x477FF000u) return (uint16_t)(sign | 0x7C00u); /* rounds beyond 65504 */
    if (magnitude < 0x33000000u) return (uint16_t)sign;              /* below 2^-25: zero */
    uint32_t exponent = magnitude >> 23;
    if (exponent < 113) { /* below 2^-14: a subnormal half, mantissa * 2^-24 */
        uint32_t mantissa = (magnitude & 0x7FFFFFu) | 0x800000u;
        uint32_t shift = 126 - exponent; /* 14 ... 24 */
        uint32_t half = mantissa >> shift;
        uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rest > halfway || (rest == halfway && (half & 1u))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = (magnitude >> 13) - ((127u - 15u) << 10); /* rebias the exponent */
    uint32_t rest = magnitude & 0x1FFFu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++; /* a carry may raise the exponent: right */
    return (uint16_t)(sign | half);
}

static void edge_put_f32(uint8_t *p, float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    p[0] = (uint8_t)bits, p[1] = (uint8_t)(bits >> 8), p[2] = (uint8_t)(bits >> 16), p[3] = (uint8_t)(bits >> 24);
}

/* One candidate of the top-k selection: the order is |delta| descending, then index ascending. */
typedef struct { float magnitude; uint32_t index; } edge_topk_entry;

static int edge_topk_compare(const void *a, const void *b)
{
    const edge_topk_entry *x = a, *y = b;
    if (x->magnitude != y->magnitude) return x->magnitude > y->magnitude ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int edge_index_compare(const void *a, const void *b)
{
    uint32_t x = ((const edge_topk_entry *)a)->index, y = ((const edge_topk_entry *)b)->index;
    return x < y ? -1 : x > y;
}

/* Fills `tensor`'s data (and scale or index gaps) from `n` finite deltas. */
static edge_status edge_encode(Edgec__Federated__TensorDelta *tensor, const float *delta, size_t n,
                               edge_update_encoding encoding, double fraction, edge_error *error)
{
    switch (encoding) {
    case EDGE_UPDATE_FP32: {
        uint8_t *data = malloc(n * 4);
        if (!data) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "tensor '%.80s': out of memory", tensor->name);
        for (size_t i = 0; i < n; i++) edge_put_f32(data + 4 * i, delta[i]);
        tensor->data.data = data, tensor->data.len = n * 4;
        tensor->encoding = EDGEC__FEDERATED__ENCODING__ENCODING_FP32;
        return EDGE_OK;
    }
    case EDGE_UPDATE_FP16: {
        uint8_t *data = malloc(n * 2);
        if (!data) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "tensor '%.80s': out of memory", tensor->name);
        for (size_t i = 0; i < n; i++) {
            uint16_t half = edge_half_from_float(delta[i]);
            if ((half & 0x7C00u) == 0x7C00u) {
                free(data);
                return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT,
                                 "tensor '%.80s': delta %g at index %zu does not fit fp16 (|delta| < 65520); use fp32",
                                 tensor->name, (double)delta[i], i);
            }
            data[2 * i] = (uint8_t)half, data[2 * i + 1] = (uint8_t)(half >> 8);
        }
        tensor->data.data = data, tensor->data.len = n * 2;
        tensor->encoding = EDGEC__FEDERATED__ENCODING__ENCODING_FP16;
        return EDGE_OK;
    }
    case EDGE_UPDATE_INT8: {
        uint8_t *data = malloc(n);
        if (!data) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "tensor '%.80s': out of memory", tensor->name);
        float largest = 0;
        for (size_t i = 0; i < n; i++) largest = edge_maxf(largest, fabsf(delta[i]));
        float scale = largest / 127.0f;
        for (size_t i = 0; i < n; i++) {
            float q = scale > 0 ? nearbyintf(delta[i] / scale) : 0;
            int8_t value = (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
            memcpy(data + i, &value, 1);
        }
        tensor->data.data = data, tensor->data.len = n;
        tensor->scale = scale;
        tensor->encoding = EDGEC__FEDERATED__ENCODING__ENCODING_INT8;
        return EDGE_OK;
    }
    case EDGE_UPDATE_TOPK: {
        if (!(fraction > 0 && fraction <= 1)) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': top-k fraction %g is not in (0, 1]",
                             tensor->name, fraction);
        }
        if (n > (size_t)UINT32_MAX) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': top-k indexes at most 2^32 elements, it has %zu",
                             tensor->name, n);
        }
        double wanted = ceil(fraction * (double)n);
        size_t k = wanted < 1 ? 1 : wanted >= (double)n ? n : (size_t)wanted;
        edge_topk_entry *entries = malloc(n * sizeof *entries);
        uint8_t *data = malloc(k * 4);
        uint32_t *gaps = malloc(k * sizeof *gaps);
        if (!entries || !data || !gaps) {
            free(entries), free(data), free(gaps);
            return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "tensor '%.80s': out of memory", tensor->name);
        }
        for (size_t i = 0; i < n; i++) entries[i] = (edge_topk_entry){fabsf(delta[i]), (uint32_t)i};
        qsort(entries, n, sizeof *entries, edge_topk_compare);
        qsort(entries, k, sizeof *entries, edge_index_compare);
        for (size_t j = 0; j < k; j++) {
            uint32_t index = entries[j].index;
            gaps[j] = j == 0 ? index : index - entries[j - 1].index;
            edge_put_f32(data + 4 * j, delta[index]);
        }
        free(entries);
        tensor->data.data = data, tensor->data.len = k * 4;
        tensor->index_gaps = gaps, tensor->n_index_gaps = k;
        tensor->encoding = EDGEC__FEDERATED__ENCODING__ENCODING_TOPK;
        return EDGE_OK;
    }
    }
    return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': unknown encoding %d", tensor->name, (int)encoding);
}

static void edge_tensor_delta_free(Edgec__Federated__TensorDelta *tensor)
{
    if (!tensor) return;
    free(tensor->name);
    free(tensor->shape);
    free(tensor->data.data);
    free(tensor->index_gaps);
    free(tensor);
}

/* ---- the update --------------------------------------------------------------------------- */

edge_status edge_update_create(const char *base_model_sha256, uint64_t round, const char *client_id,
                               uint64_t example_count, edge_update **update, edge_error *error)
{
    if (!update) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "update is NULL");
    *update = NULL;
    if (!base_model_sha256 || strlen(base_model_sha256) != 64 || strspn(base_model_sha256, "0123456789abcdef") != 64) {
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "the base model hash must be 64 lowercase hex digits (SHA-256)");
    }
    if (!client_id || !*client_id || strlen(client_id) > EDGE_UPDATE_MAX_CLIENT_ID || !edge_is_utf8(client_id)) {
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "the client id must be 1 to %d bytes of UTF-8",
                         EDGE_UPDATE_MAX_CLIENT_ID);
    }
    if (example_count == 0) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "the example count must be at least 1");
    edge_update *made = calloc(1, sizeof *made);
    if (!made) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    edgec__federated__client_update__init(&made->message);
    edgec__federated__client_metrics__init(&made->metrics);
    made->message.client_id = edge_copy_string(client_id);
    if (!made->message.client_id) {
        free(made);
        return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    memcpy(made->base_model_sha256, base_model_sha256, 65);
    snprintf(made->producer, sizeof made->producer, "edge %s", edge_version());
    made->message.format_version = EDGE_UPDATE_FORMAT_VERSION;
    made->message.base_model_sha256 = made->base_model_sha256;
    made->message.round = round;
    made->message.example_count = example_count;
    made->message.producer = made->producer;
    *update = made;
    return EDGE_OK;
}

/* Validates the name, dims and values, then encodes; the delta array is only read. */
static edge_status edge_update_add(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                   const float *delta, edge_update_encoding encoding, double fraction, edge_error *error)
{
    if (!update || !name || !delta || rank < 0 || (rank > 0 && !dims)) {
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "NULL update, name, dims or values, or a negative rank");
    }
    if (!*name || !edge_is_utf8(name)) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "a tensor name must be non-empty UTF-8");
    for (size_t t = 0; t < update->message.n_tensors; t++) {
        if (strcmp(update->message.tensors[t]->name, name) == 0) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s' is already in the update", name);
        }
    }
    size_t n = 1;
    for (int32_t d = 0; d < rank; d++) {
        if (dims[d] < 0 || (uint64_t)dims[d] > (uint64_t)SIZE_MAX || !edge_size_mul(n, (size_t)dims[d], &n) || n > SIZE_MAX / 8) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': dimension %d (%lld) is negative or too large",
                             name, (int)d, (long long)dims[d]);
        }
    }
    if (n == 0) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s' has no elements", name);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(delta[i])) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': delta at index %zu is %s", name, i,
                             isnan(delta[i]) ? "NaN" : "infinite");
        }
    }
    if (update->message.n_tensors == update->tensor_capacity) {
        size_t capacity = update->tensor_capacity ? 2 * update->tensor_capacity : 16;
        Edgec__Federated__TensorDelta **grown = realloc(update->message.tensors, capacity * sizeof *grown);
        if (!grown) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
        update->message.tensors = grown;
        update->tensor_capacity = capacity;
    }
    Edgec__Federated__TensorDelta *tensor = malloc(sizeof *tensor);
    if (!tensor) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    edgec__federated__tensor_delta__init(tensor);
    tensor->name = edge_copy_string(name);
    tensor->shape = malloc((size_t)(rank > 0 ? rank : 1) * sizeof *tensor->shape);
    if (!tensor->name || !tensor->shape) {
        edge_tensor_delta_free(tensor);
        return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    for (int32_t d = 0; d < rank; d++) tensor->shape[d] = (uint64_t)dims[d];
    tensor->n_shape = (size_t)rank;
    edge_status status = edge_encode(tensor, delta, n, encoding, fraction, error);
    if (status != EDGE_OK) {
        edge_tensor_delta_free(tensor);
        return status;
    }
    update->message.tensors[update->message.n_tensors++] = tensor;
    return EDGE_OK;
}

edge_status edge_update_add_delta(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                  const float *delta, edge_update_encoding encoding, double topk_fraction, edge_error *error)
{
    return edge_update_add(update, name, dims, rank, delta, encoding, topk_fraction, error);
}

edge_status edge_update_add_difference(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                       const float *local, const float *global, edge_update_encoding encoding,
                                       double topk_fraction, edge_error *error)
{
    if (!local || !global || rank < 0 || (rank > 0 && !dims)) {
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "NULL weights or dims, or a negative rank");
    }
    size_t n = 1;
    for (int32_t d = 0; d < rank; d++) {
        if (dims[d] < 0 || (uint64_t)dims[d] > (uint64_t)SIZE_MAX || !edge_size_mul(n, (size_t)dims[d], &n) || n > SIZE_MAX / 8) {
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "tensor '%.80s': dimension %d is negative or too large",
                             name ? name : "", (int)d);
        }
    }
    float *delta = malloc((n ? n : 1) * sizeof *delta);
    if (!delta) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) delta[i] = local[i] - global[i];
    edge_status status = edge_update_add(update, name, dims, rank, delta, encoding, topk_fraction, error);
    free(delta);
    return status;
}

void edge_update_set_loss(edge_update *update, float loss)
{
    if (!update) return;
    update->metrics.loss_present_case = EDGEC__FEDERATED__CLIENT_METRICS__LOSS_PRESENT_LOSS;
    update->metrics.loss = loss;
    update->message.metrics = &update->metrics;
}

void edge_update_set_accuracy(edge_update *update, float accuracy)
{
    if (!update) return;
    update->metrics.accuracy_present_case = EDGEC__FEDERATED__CLIENT_METRICS__ACCURACY_PRESENT_ACCURACY;
    update->metrics.accuracy = accuracy;
    update->message.metrics = &update->metrics;
}

int32_t edge_update_tensor_count(const edge_update *update)
{
    return update ? (int32_t)update->message.n_tensors : 0;
}

size_t edge_update_serialized_size(const edge_update *update)
{
    return update ? edgec__federated__client_update__get_packed_size(&update->message) : 0;
}

edge_status edge_update_serialize(const edge_update *update, void *buffer, size_t buffer_size, edge_error *error)
{
    if (!update || !buffer) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "NULL update or buffer");
    size_t size = edge_update_serialized_size(update);
    if (buffer_size < size) {
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "the buffer holds %zu bytes, the update needs %zu", buffer_size, size);
    }
    edgec__federated__client_update__pack(&update->message, buffer);
    return EDGE_OK;
}

edge_status edge_update_write_file(const edge_update *update, const char *path, edge_error *error)
{
    if (!update || !path) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "NULL update or path");
    size_t size = edge_update_serialized_size(update);
    uint8_t *bytes = malloc(size ? size : 1);
    if (!bytes) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    edgec__federated__client_update__pack(&update->message, bytes);
    size_t length = strlen(path) + 32;
    char *temporary = malloc(length);
    if (!temporary) {
        free(bytes);
        return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    /* A hidden name in the same directory: the rename stays atomic and readers of the directory skip it. */
    const char *slash = strrchr(path, '/');
    int directory = slash ? (int)(slash - path + 1) : 0;
    snprintf(temporary, length, "%.*s.%s.tmp-%ld", directory, path, path + directory, (long)getpid());
    FILE *file = fopen(temporary, "wb");
    bool written = file && fwrite(bytes, 1, size, file) == size;
    written = file && fflush(file) == 0 && written && fsync(fileno(file)) == 0;
    if (file && fclose(file) != 0) written = false;
    free(bytes);
    if (!written || rename(temporary, path) != 0) {
        remove(temporary);
        free(temporary);
        return edge_fail(error, EDGE_ERROR_IO, "cannot write the update to '%.160s'", path);
    }
    free(temporary);
    return EDGE_OK;
}

void edge_update_free(edge_update *update)
{
    if (!update) return;
    for (size_t t = 0; t < update->message.n_tensors; t++) edge_tensor_delta_free(update->message.tensors[t]);
    free(update->message.tensors);
    free(update->message.client_id);
    free(update);
}
