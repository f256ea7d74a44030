/* libFuzzer target: the C runtime's loader (edge_model_load_buffer) and, for a model that loads
 * with a modest arena, a context and one run — what a device does with a file it was sent. Before
 * loading, the file size field and every CRC-32 are made to agree with the mutated bytes, so that
 * mutations reach the parsing behind the checksums instead of stopping at them (the checksums
 * themselves are exercised by the inputs whose table is too damaged to fix). Built by .ci/fuzz
 * with clang -fsanitize=fuzzer,address,undefined. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

static uint32_t crc32(const uint8_t *data, size_t size)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static void fix_up(uint8_t *file, size_t size)
{
    if (size < 64) return;
    put64(file + 16, size);
    uint32_t count = get32(file + 24);
    if (count > 64 || 64 + 40 * (size_t)count > size) return;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *e = file + 64 + 40 * i;
        uint64_t offset = get64(e + 8), stored = get64(e + 24);
        if (offset <= size && stored <= size - offset) put32(e + 36, crc32(file + offset, (size_t)stored));
    }
    put32(file + 36, 0);
    put32(file + 36, crc32(file, 64 + 40 * (size_t)count));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly `size` bytes of its own, so an over-read is caught by AddressSanitizer. */
    uint8_t *buffer = malloc(size ? size : 1);
    if (!buffer) return 0;
    memcpy(buffer, data, size);
    fix_up(buffer, size);
    edge_model *model = NULL;
    edge_error error;
    if (edge_model_load_buffer(buffer, size, &model, &error) == EDGE_OK) {
        edge_context *context = NULL;
        if (edge_model_arena_size(model) <= ((size_t)1 << 26) &&
            edge_context_create(model, NULL, 0, &context, &error) == EDGE_OK) {
            (void)edge_context_invoke(context, &error);
            edge_context_free(context);
        }
        edge_model_free(model);
    }
    free(buffer);
    return 0;
}
