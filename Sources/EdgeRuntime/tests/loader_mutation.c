/*
 * loader_mutation — feeds thousands of damaged variants of a valid .edgem file to the loader and,
 * when one loads, runs it: nothing may crash, hang, or touch memory it does not own.
 *
 *     $ R=Sources/EdgeRuntime
 *     $ cc -std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -I $R/include \
 *         $R/[a-z]*.c $R/kernels/[a-z]*.c $R/tests/loader_mutation.c -llz4 -lm -o loader_mutation
 *     $ ./loader_mutation digits.edgem 20000 1
 *
 * Mutants: truncation at every section boundary and at random points; random bit flips, raw or
 * with the checksums recomputed; bad values in the header, the section table, and the fields of
 * the GRAPH, TENSORS, OPERATORS, STRINGS, METADATA, QUANTIZATION and WEIGHTS contents. Most
 * structural mutants re-lay the file out (recompressing LZ4 and entropy-coded sections, the latter
 * with random coder parameters, and recomputing every CRC) so that they reach the validation
 * behind the checksums. Each mutant is loaded from an exactly
 * sized heap buffer (so sanitizers see any over-read), and a model that loads is run on random
 * inputs. The summary counts the outcomes per status and where the loader caught each mutant.
 */
#define _POSIX_C_SOURCE 200809L

#include <lz4.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge.h"

/* ---- helpers -------------------------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static size_t below(size_t n) { return n ? (size_t)(next_random() % n) : 0; }

static void die(const char *message)
{
    fprintf(stderr, "loader_mutation: %s\n", message);
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t crc32(const uint8_t *data, size_t size)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < size; i++) {
        crc ^= data[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

/* A value worth writing into a field of `width` bytes that held `old`. */
static uint64_t interesting(uint64_t old, int width)
{
    static const uint64_t values[] = {0, 1, 2, 3, 7, 8, 9, 24, 25, 63, 64, 65, 127, 128, 255, 256, 4095, 65535, 65536,
                                      0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF, UINT64_C(0x100000000),
                                      UINT64_C(0x7FFFFFFFFFFFFFFF), UINT64_C(0x8000000000000000), UINT64_MAX};
    uint64_t v;
    switch (below(6)) {
    case 0: v = values[below(sizeof values / sizeof values[0])]; break;
    case 1: v = old + 1 + below(3); break;
    case 2: v = old - 1 - below(3); break;
    case 3: v = old + 64 * (1 + below(4)); break;
    case 4: v = old ^ ((uint64_t)1 << below((size_t)width * 8)); break;
    default: v = next_random(); break;
    }
    if (width < 8) v &= ((uint64_t)1 << (8 * width)) - 1;
    return v;
}

static void mutate_field(uint8_t *p, int width)
{
    uint64_t old = width == 1 ? p[0] : width == 2 ? (uint64_t)(p[0] | p[1] << 8) : width == 4 ? get32(p) : get64(p);
    uint64_t v = interesting(old, width);
    if (width == 1) p[0] = (uint8_t)v;
    else if (width == 2) {
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
    } else if (width == 4) put32(p, (uint32_t)v);
    else put64(p, v);
}

/* ---- entropy coding (formats/edgem.md): the library's decoder, an encoder for re-laid-out files ---------- */

const char *edge_entropy_decode(const uint8_t *stored, size_t stored_size, uint8_t *output, size_t size);

typedef struct entropy_encoder {
    uint8_t *out;
    size_t size, capacity, pending;
    uint64_t low;
    uint32_t range;
    uint8_t cache;
} entropy_encoder;

static void entropy_emit(entropy_encoder *e, uint8_t byte)
{
    if (e->size == e->capacity) {
        e->capacity = e->capacity * 2 + 64;
        e->out = realloc(e->out, e->capacity);
        if (!e->out) die("out of memory");
    }
    e->out[e->size++] = byte;
}

static void entropy_shift_low(entropy_encoder *e)
{
    if (e->low < 0xFF000000u || e->low >= (UINT64_C(1) << 32)) {
        uint8_t carry = (uint8_t)(e->low >> 32);
        entropy_emit(e, (uint8_t)(e->cache + carry));
        for (; e->pending > 1; e->pending--) entropy_emit(e, (uint8_t)(0xFF + carry));
        e->pending = 0;
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->pending++;
    e->low = (e->low & 0x00FFFFFFu) << 8;
}

/* The stored bytes of `contents` with 2^contexts_log2 trees and adaptation `limit`. */
static uint8_t *entropy_encode(const uint8_t *contents, size_t size, unsigned contexts_log2, uint8_t limit, size_t *stored_size)
{
    static uint16_t probabilities[8 << 8];
    static uint8_t counts[8 << 8];
    for (size_t i = 0; i < sizeof counts; i++) {
        probabilities[i] = 2048;
        counts[i] = 0;
    }
    entropy_encoder e = {NULL, 0, 0, 1, 0, 0xFFFFFFFFu, 0};
    entropy_emit(&e, (uint8_t)contexts_log2);
    entropy_emit(&e, limit);
    for (size_t index = 0; index < size; index++) {
        size_t tree = (index & ((1u << contexts_log2) - 1)) << 8;
        unsigned node = 1;
        for (int shift = 7; shift >= 0; shift--) {
            unsigned bit = contents[index] >> shift & 1u;
            uint32_t p = probabilities[tree + node], rate = 131072u / (2u * counts[tree + node] + 3u);
            uint32_t bound = (e.range >> 12) * p;
            if (bit) {
                e.low += bound;
                e.range -= bound;
                p -= (p * rate) >> 16;
            } else {
                e.range = bound;
                p += ((4096 - p) * rate) >> 16;
            }
            while (e.range < (1u << 24)) {
                e.range <<= 8;
                entropy_shift_low(&e);
            }
            probabilities[tree + node] = (uint16_t)(p < 32 ? 32 : p > 4064 ? 4064 : p);
            if (counts[tree + node] < limit) counts[tree + node]++;
            node = node * 2 + bit;
        }
    }
    for (int i = 0; i < 5; i++) entropy_shift_low(&e);
    *stored_size = e.size;
    return e.out;
}

/* ---- the file as sections ---------------------------------------------------------------------------- */

typedef struct section {
    uint32_t kind, flags, compression;
    uint8_t *contents; /* decompressed */
    size_t size;
} section;

typedef struct layout {
    section sections[64];
    int count;
} layout;

static void parse(const uint8_t *file, size_t size, layout *out)
{
    if (size < 64) die("the model is too short");
    uint32_t count = get32(file + 24);
    if (count > 64 || 64 + 40 * (size_t)count > size) die("the model's section table is bad");
    out->count = (int)count;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = file + 64 + 40 * i;
        section *s = &out->sections[i];
        s->kind = get32(e);
        s->flags = get32(e + 4);
        uint64_t offset = get64(e + 8), contents = get64(e + 16), stored = get64(e + 24);
        s->compression = get32(e + 32);
        if (offset > size || stored > size - offset || contents > (1u << 30)) die("the model's sections are bad");
        s->size = (size_t)contents;
        s->contents = xmalloc(s->size);
        if (s->compression == 1) {
            int n = LZ4_decompress_safe((const char *)file + offset, (char *)s->contents, (int)stored, (int)contents);
            if (n != (int)contents) die("the model's LZ4 section does not decompress");
        } else if (s->compression == 2) {
            if (edge_entropy_decode(file + offset, (size_t)stored, s->contents, s->size)) die("the model's entropy-coded section does not decode");
        } else {
            memcpy(s->contents, file + offset, s->size);
        }
    }
}

static void copy_layout(const layout *from, layout *to)
{
    *to = *from;
    for (int i = 0; i < from->count; i++) {
        to->sections[i].contents = xmalloc(from->sections[i].size);
        memcpy(to->sections[i].contents, from->sections[i].contents, from->sections[i].size);
    }
}

static void free_layout(layout *l)
{
    for (int i = 0; i < l->count; i++) free(l->sections[i].contents);
}

static section *find(layout *l, uint32_t kind)
{
    for (int i = 0; i < l->count; i++)
        if (l->sections[i].kind == kind) return &l->sections[i];
    return NULL;
}

/* Header, table and sections as formats/edgem.md lays them out, every CRC correct. */
static uint8_t *assemble(const layout *l, size_t *size)
{
    size_t table_end = 64 + 40 * (size_t)l->count;
    uint8_t *stored[64];
    size_t stored_size[64], offsets[64], cursor = (table_end + 63) / 64 * 64;
    for (int i = 0; i < l->count; i++) {
        const section *s = &l->sections[i];
        if (s->compression == 1) {
            int bound = LZ4_compressBound((int)s->size);
            stored[i] = xmalloc((size_t)bound);
            int n = LZ4_compress_default((const char *)s->contents, (char *)stored[i], (int)s->size, bound);
            if (n <= 0) die("LZ4 compression failed");
            stored_size[i] = (size_t)n;
        } else if (s->compression == 2) {
            stored[i] = entropy_encode(s->contents, s->size, (unsigned)below(4), (uint8_t)(1 + below(255)), &stored_size[i]);
        } else {
            stored[i] = xmalloc(s->size);
            memcpy(stored[i], s->contents, s->size);
            stored_size[i] = s->size;
        }
        offsets[i] = cursor;
        cursor = (cursor + stored_size[i] + 63) / 64 * 64;
    }
    uint8_t *file = calloc(1, cursor);
    if (!file) die("out of memory");
    memcpy(file, "EDGEM\r\n\x1a", 8);
    file[8] = 1;
    put32(file + 12, 64);
    put64(file + 16, cursor);
    put32(file + 24, (uint32_t)l->count);
    put32(file + 28, 64);
    for (int i = 0; i < l->count; i++) {
        uint8_t *e = file + 64 + 40 * i;
        const section *s = &l->sections[i];
        put32(e, s->kind);
        put32(e + 4, s->flags);
        put64(e + 8, offsets[i]);
        put64(e + 16, s->size);
        put64(e + 24, stored_size[i]);
        put32(e + 32, s->compression);
        put32(e + 36, crc32(stored[i], stored_size[i]));
        memcpy(file + offsets[i], stored[i], stored_size[i]);
        free(stored[i]);
    }
    put32(file + 36, crc32(file, table_end));
    *size = cursor;
    return file;
}

/* Recomputes the header CRC (over the table as it stands) and, when asked, every section CRC. */
static void fix_checksums(uint8_t *file, size_t size, bool sections)
{
    if (size < 64) return;
    uint32_t count = get32(file + 24);
    if (count > 64 || 64 + 40 * (size_t)count > size) return;
    if (sections) {
        for (uint32_t i = 0; i < count; i++) {
            uint8_t *e = file + 64 + 40 * i;
            uint64_t offset = get64(e + 8), stored = get64(e + 24);
            if (offset <= size && stored <= size - offset) put32(e + 36, crc32(file + offset, (size_t)stored));
        }
    }
    put32(file + 36, 0);
    put32(file + 36, crc32(file, 64 + 40 * (size_t)count));
}

/* ---- mutations of the contents ------------------------------------------------------------------------ */

/* Offsets of the operator records in OPERATORS (as the valid file has them). */
static size_t operator_offsets(const section *ops, size_t *offsets, size_t capacity)
{
    size_t n = 0;
    uint64_t position = 0; /* 64-bit: a mutated params_size must not wrap it on 32-bit targets */
    while (position + 12 <= ops->size && n < capacity) {
        const uint8_t *r = ops->contents + position;
        offsets[n++] = (size_t)position;
        position += 12 + 4 * ((uint64_t)r[2] + r[3]) + get32(r + 4);
    }
    return n;
}

static void mutate_contents(layout *l)
{
    section *s;
    switch (below(9)) {
    case 0: /* GRAPH fields, inputs and outputs */
        s = find(l, 3);
        if (s && s->size >= 4) {
            size_t field = below(s->size / 4);
            mutate_field(s->contents + 4 * field, field == 4 && below(2) ? 8 : 4);
        }
        break;
    case 1:
    case 2: /* a TENSORS record field */
        s = find(l, 4);
        if (s && s->size >= 64) {
            uint8_t *r = s->contents + 64 * below(s->size / 64);
            static const int offsets[] = {0, 4, 5, 6, 7, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 60};
            static const int widths[] = {4, 1, 1, 1, 1, 4, 4, 4, 4, 4, 4, 4, 4, 8, 8, 4, 4};
            size_t f = below(sizeof offsets / sizeof offsets[0]);
            mutate_field(r + offsets[f], widths[f]);
        }
        break;
    case 3:
    case 4:
    case 5: { /* an OPERATORS record: header, tensor index or param */
        s = find(l, 5);
        size_t offsets[4096];
        size_t n = s ? operator_offsets(s, offsets, 4096) : 0;
        if (!n) break;
        uint8_t *r = s->contents + offsets[below(n)];
        uint64_t end = (uint64_t)(s->contents + s->size - r);
        uint64_t slots = (uint64_t)r[2] + r[3], params = get32(r + 4) / 4;
        switch (below(4)) {
        case 0: {
            static const int header_offsets[] = {0, 2, 3, 4, 8}, header_widths[] = {2, 1, 1, 4, 4};
            size_t f = below(5);
            mutate_field(r + header_offsets[f], header_widths[f]);
            break;
        }
        case 1:
            if (slots && 12 + 4 * slots <= end) mutate_field(r + 12 + 4 * below((size_t)slots), 4);
            break;
        default:
            if (params && 12 + 4 * (slots + params) <= end) mutate_field(r + 12 + 4 * ((size_t)slots + below((size_t)params)), 4);
            break;
        }
        break;
    }
    case 6: /* STRINGS bytes */
        s = find(l, 2);
        if (s && s->size) s->contents[below(s->size)] = below(2) ? 0 : (uint8_t)next_random();
        break;
    case 7: /* METADATA or QUANTIZATION fields */
        s = find(l, below(2) ? 1 : 7);
        if (s && s->size >= 4) mutate_field(s->contents + 4 * below(s->size / 4), 4);
        break;
    default: /* WEIGHTS bytes (sparse bitmaps, values) */
        s = find(l, 6);
        if (s && s->size) {
            size_t at = below(s->size);
            s->contents[at] = below(2) ? (uint8_t)next_random() : (uint8_t)(s->contents[at] ^ (1u << below(8)));
        }
        break;
    }
}

/* Changes the set of sections: drop, duplicate, reorder, flip flags or compression, resize. */
static void mutate_structure(layout *l)
{
    int i = (int)below((size_t)l->count);
    section *s = &l->sections[i];
    switch (below(7)) {
    case 0:
        if (l->count > 0) {
            free(s->contents);
            memmove(s, s + 1, sizeof *s * (size_t)(l->count - i - 1));
            l->count--;
        }
        break;
    case 1:
        if (l->count < 64) {
            section copy = *s;
            copy.contents = xmalloc(s->size);
            memcpy(copy.contents, s->contents, s->size);
            l->sections[l->count++] = copy;
        }
        break;
    case 2: {
        int j = (int)below((size_t)l->count);
        section t = l->sections[i];
        l->sections[i] = l->sections[j];
        l->sections[j] = t;
        break;
    }
    case 3: s->kind = (uint32_t)interesting(s->kind, 4) % 12; break;
    case 4: s->flags ^= 1; break;
    case 5: s->compression ^= 1; break;
    default: /* grow or shrink the contents */
        if (below(2) && s->size) {
            s->size = below(s->size);
        } else {
            size_t extra = 1 + below(128);
            uint8_t *grown = xmalloc(s->size + extra);
            memcpy(grown, s->contents, s->size);
            for (size_t k = 0; k < extra; k++) grown[s->size + k] = (uint8_t)next_random();
            free(s->contents);
            s->contents = grown;
            s->size += extra;
        }
        break;
    }
}

/* ---- running a mutant ------------------------------------------------------------------------------------ */

typedef struct tally {
    unsigned long load[16];
    unsigned long invoke[16];
    unsigned long loaded, ran, skipped;
    char examples[16][EDGE_MESSAGE_SIZE];
    /* Where the loader caught them: the message's first words ("header:", "operator (CONV", ...). */
    char where[64][32];
    unsigned long where_count[64];
    int where_used;
} tally;

static void count_where(tally *t, const char *message)
{
    char key[32];
    size_t n = 0;
    if (strncmp(message, "operator ", 9) == 0 && strchr(message, '(')) {
        const char *kind = strchr(message, '(') + 1;
        n = (size_t)snprintf(key, sizeof key, "operator %.*s", (int)strcspn(kind, " )"), kind);
    } else {
        n = strcspn(message, " :");
        if (n > sizeof key - 1) n = sizeof key - 1;
        memcpy(key, message, n);
        key[n] = 0;
    }
    (void)n;
    for (int i = 0; i < t->where_used; i++)
        if (strcmp(t->where[i], key) == 0) {
            t->where_count[i]++;
            return;
        }
    if (t->where_used < 64) {
        snprintf(t->where[t->where_used], sizeof t->where[0], "%s", key);
        t->where_count[t->where_used++] = 1;
    }
}

static void try_mutant(const uint8_t *bytes, size_t size, tally *t)
{
    /* Exactly `size` bytes, 16-byte aligned, so an over-read is caught by the sanitizers. */
    void *buffer = NULL;
    if (posix_memalign(&buffer, 16, size ? size : 1) != 0) die("out of memory");
    memcpy(buffer, bytes, size);
    edge_model *model = NULL;
    edge_error error;
    edge_status status = edge_model_load_buffer(buffer, size, &model, &error);
    t->load[status & 15]++;
    if (status != EDGE_OK) {
        if (!t->examples[status & 15][0]) snprintf(t->examples[status & 15], EDGE_MESSAGE_SIZE, "%s", error.message);
        count_where(t, error.message);
        if (model) die("a failed load returned a model");
        free(buffer);
        return;
    }
    t->loaded++;
    if (edge_model_arena_size(model) > ((size_t)1 << 28)) {
        t->skipped++; /* a valid file may ask for any arena; do not exhaust the machine */
    } else {
        edge_context *context;
        if (edge_context_create(model, NULL, 0, &context, &error) == EDGE_OK) {
            for (int32_t i = 0; i < edge_model_input_count(model); i++) {
                edge_tensor_info info;
                edge_model_input_info(model, i, &info);
                uint8_t *input = edge_context_input(context, i);
                for (size_t b = 0; b < info.byte_size; b++) input[b] = (uint8_t)next_random();
                if (info.dtype == EDGE_DTYPE_FLOAT32)
                    for (size_t e = 0; e < info.element_count; e++) ((float *)(void *)input)[e] = (float)((int)below(2001) - 1000) / 100.0f;
            }
            status = edge_context_invoke(context, &error);
            t->invoke[status & 15]++;
            t->ran++;
            for (int32_t o = 0; o < edge_model_output_count(model); o++) {
                edge_tensor_info info;
                edge_model_output_info(model, o, &info);
                const volatile uint8_t *out = edge_context_output(context, o);
                if (info.byte_size) (void)out[info.byte_size - 1];
            }
            edge_context_free(context);
        }
    }
    edge_model_free(model);
    free(buffer);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: loader_mutation MODEL.edgem [ITERATIONS] [SEED] [SAVE-INDEX]\n");
        return 2;
    }
    unsigned long iterations = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
    rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) * 0x9E3779B97F4A7C15u + 1 : 1;
    long save_index = argc > 4 ? strtol(argv[4], NULL, 10) : -1;

    FILE *f = fopen(argv[1], "rb");
    if (!f) die("cannot open the model");
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (length <= 0) die("empty model");
    size_t size = (size_t)length;
    uint8_t *original = xmalloc(size);
    if (fread(original, 1, size, f) != size) die("cannot read the model");
    fclose(f);

    tally t;
    memset(&t, 0, sizeof t);
    try_mutant(original, size, &t);
    if (t.loaded != 1) die("the unmodified model does not load");
    memset(&t, 0, sizeof t);

    layout base;
    parse(original, size, &base);
    unsigned long mutants = 0;

    /* Truncation at every boundary: header, table, each section's start and end (±1). */
    uint32_t count = get32(original + 24);
    for (uint32_t i = 0; i <= count; i++) {
        size_t points[8], n = 0;
        if (i == count) {
            points[n++] = 0;
            points[n++] = 63;
            points[n++] = 64;
            points[n++] = 64 + 40 * (size_t)count;
            points[n++] = size - 1;
        } else {
            const uint8_t *e = original + 64 + 40 * i;
            size_t offset = (size_t)get64(e + 8), stored = (size_t)get64(e + 24);
            points[n++] = offset;
            points[n++] = offset + 1;
            points[n++] = offset + stored / 2;
            points[n++] = offset + stored - (stored > 0);
            points[n++] = offset + stored;
        }
        for (size_t p = 0; p < n; p++) {
            if (points[p] >= size) continue;
            for (int fix = 0; fix < 2; fix++) {
                uint8_t *copy = xmalloc(points[p] ? points[p] : 1);
                memcpy(copy, original, points[p]);
                if (fix && points[p] >= 64) {
                    put64(copy + 16, points[p]);
                    fix_checksums(copy, points[p], false);
                }
                try_mutant(copy, points[p], &t);
                free(copy);
                mutants++;
            }
        }
    }

    for (unsigned long it = 0; it < iterations; it++, mutants++) {
        uint8_t *bytes = NULL;
        size_t bytes_size = 0;
        unsigned kind = (unsigned)below(100);
        if (kind < 8) { /* random truncation, file_size fixed or not */
            bytes_size = below(size);
            bytes = xmalloc(bytes_size ? bytes_size : 1);
            memcpy(bytes, original, bytes_size);
            if (below(2) && bytes_size >= 64) {
                put64(bytes + 16, bytes_size);
                fix_checksums(bytes, bytes_size, false);
            }
        } else if (kind < 20) { /* bit flips, checksums left stale or recomputed */
            bytes_size = size;
            bytes = xmalloc(size);
            memcpy(bytes, original, size);
            size_t flips = 1 + below(8);
            for (size_t k = 0; k < flips; k++) {
                size_t at = below(4) == 0 ? below(64 + 40 * (size_t)count) : below(size);
                bytes[at] ^= (uint8_t)(1u << below(8));
            }
            if (below(3)) fix_checksums(bytes, size, true);
        } else if (kind < 30) { /* header fields */
            bytes_size = size;
            bytes = xmalloc(size);
            memcpy(bytes, original, size);
            static const int offsets[] = {0, 8, 10, 12, 16, 24, 28, 32, 36, 40};
            static const int widths[] = {4, 2, 2, 4, 8, 4, 4, 4, 4, 8};
            size_t f = below(sizeof offsets / sizeof offsets[0]);
            mutate_field(bytes + offsets[f], widths[f]);
            if (below(4)) fix_checksums(bytes, size, false);
        } else if (kind < 42) { /* section table fields */
            bytes_size = size;
            bytes = xmalloc(size);
            memcpy(bytes, original, size);
            static const int offsets[] = {0, 4, 8, 16, 24, 32, 36};
            static const int widths[] = {4, 4, 8, 8, 8, 4, 4};
            size_t f = below(sizeof offsets / sizeof offsets[0]);
            mutate_field(bytes + 64 + 40 * below(count) + offsets[f], widths[f]);
            if (below(5)) fix_checksums(bytes, size, below(2));
        } else { /* contents and structure, re-laid out with every checksum right */
            layout l;
            copy_layout(&base, &l);
            size_t rounds = 1 + (below(4) == 0 ? below(4) : 0);
            for (size_t r = 0; r < rounds; r++) {
                if (below(8) == 0) mutate_structure(&l);
                else mutate_contents(&l);
            }
            bytes = assemble(&l, &bytes_size);
            free_layout(&l);
        }
        if (save_index >= 0 && (long)it == save_index) {
            /* Reproduce one mutant: loader_mutation MODEL N SEED I writes mutant I to mutant.edgem. */
            FILE *out = fopen("mutant.edgem", "wb");
            if (!out || fwrite(bytes, 1, bytes_size, out) != bytes_size || fclose(out) != 0) die("cannot write mutant.edgem");
            fprintf(stderr, "wrote mutant %lu (%zu bytes) to mutant.edgem\n", it, bytes_size);
        }
        try_mutant(bytes, bytes_size, &t);
        free(bytes);
        if ((it + 1) % 5000 == 0) fprintf(stderr, "  %lu mutants...\n", it + 1);
    }
    free_layout(&base);
    free(original);

    printf("%lu mutants of %s\n", mutants, argv[1]);
    for (int s = 0; s < 16; s++) {
        if (!t.load[s]) continue;
        printf("  load %-26s %7lu", edge_status_string((edge_status)s), t.load[s]);
        if (t.examples[s][0]) printf("   e.g. %s", t.examples[s]);
        printf("\n");
    }
    printf("  loaded %lu: ran %lu (", t.loaded, t.ran);
    for (int s = 0, first = 1; s < 16; s++)
        if (t.invoke[s]) {
            printf("%s%s %lu", first ? "" : ", ", edge_status_string((edge_status)s), t.invoke[s]);
            first = 0;
        }
    printf("), skipped %lu with arenas over 256 MiB\n", t.skipped);
    printf("  rejected at:");
    for (int i = 0; i < t.where_used; i++) printf("%s %s %lu", i ? "," : "", t.where[i], t.where_count[i]);
    printf("\n");
    return 0;
}
