/*
 * test_support.h — what the runtime's C test programs share: the CHECK macro with its counters, and
 * the little-endian byte writer their hand-built .edgem files are made with. Each test program is a
 * single translation unit, so the counters are its own.
 */
#ifndef EDGE_TEST_SUPPORT_H
#define EDGE_TEST_SUPPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures, checks;

#define CHECK(condition, ...)                                                                    \
    do {                                                                                         \
        checks++;                                                                                \
        if (!(condition)) {                                                                      \
            failures++;                                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #condition);        \
            fprintf(stderr, __VA_ARGS__);                                                        \
            fputc('\n', stderr);                                                                 \
        }                                                                                        \
    } while (0)

typedef struct bytes {
    uint8_t *data;
    size_t size;
} bytes;

static inline void append(bytes *b, const void *data, size_t n)
{
    uint8_t *grown = realloc(b->data, b->size + n + 1);
    if (!grown) {
        fputs("out of memory\n", stderr);
        exit(2);
    }
    b->data = grown;
    if (n) memcpy(b->data + b->size, data, n);
    b->size += n;
}
static inline void u8(bytes *b, uint8_t v) { append(b, &v, 1); }
static inline void u32(bytes *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    append(b, p, 4);
}
static inline void u64(bytes *b, uint64_t v)
{
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}
static inline uint32_t float_bits(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, 4);
    return bits;
}
static inline void f32(bytes *b, float v) { u32(b, float_bits(v)); }
static inline void align64(bytes *b)
{
    while (b->size % 64) u8(b, 0);
}

#endif /* EDGE_TEST_SUPPORT_H */
