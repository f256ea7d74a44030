/*
 * loader.c — reads an .edgem file (formats/edgem.md) and validates all of it before anything is
 * used: header, section table, checksums, LZ4 and entropy-coded sections, STRINGS, GRAPH, every
 * TENSORS record, every OPERATORS record (generic rules here, each op's own rules in its kernel's
 * prepare), the memory plan, sparse weights and metadata. After a successful load nothing in the file can make
 * invoke read or write outside the arena, the scratch region or the weights.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const uint8_t edge_magic[8] = {'E', 'D', 'G', 'E', 'M', '\r', '\n', 0x1a};

typedef struct edge_section_view {
    const uint8_t *bytes; /* contents, decompressed */
    size_t size;
    uint32_t index; /* position in the section table, for messages */
    bool present;
} edge_section_view;

typedef struct edge_loader {
    edge_model *model;
    edge_error *error;
    edge_section_view sections[EDGE_SECTION_QUANTIZATION + 1]; /* by kind */
    size_t last_nul;  /* STRINGS: a reference is valid when <= this */
    uint8_t *defined; /* per tensor: 1 graph input, 2 written by an operator */
    int64_t *first;   /* per tensor: the operator writing it (-1: graph input) */
    int64_t *last;    /* per tensor: the last operator reading it (operator_count: a graph output) */
} edge_loader;

static const char *edge_section_name(uint32_t kind)
{
    switch (kind) {
    case EDGE_SECTION_METADATA: return "METADATA";
    case EDGE_SECTION_STRINGS: return "STRINGS";
    case EDGE_SECTION_GRAPH: return "GRAPH";
    case EDGE_SECTION_TENSORS: return "TENSORS";
    case EDGE_SECTION_OPERATORS: return "OPERATORS";
    case EDGE_SECTION_WEIGHTS: return "WEIGHTS";
    case EDGE_SECTION_QUANTIZATION: return "QUANTIZATION";
    default: return "unknown";
    }
}

static void *edge_aligned_alloc(size_t size)
{
    size_t rounded;
    if (!edge_size_align(size ? size : 1, &rounded)) return NULL;
    return aligned_alloc(EDGE_ALIGNMENT, rounded);
}

/* The string at STRINGS offset `reference`, or NULL when the reference is not valid. */
static const char *edge_string(const edge_loader *loader, uint32_t reference)
{
    const edge_section_view *strings = &loader->sections[EDGE_SECTION_STRINGS];
    if (reference >= strings->size || reference > loader->last_nul) return NULL;
    return (const char *)strings->bytes + reference;
}

/* ---- step 1-2: header ----------------------------------------------------------------------- */

static edge_status edge_check_header(const uint8_t *data, size_t size, uint32_t *section_count, edge_error *error)
{
    if (size < EDGE_HEADER_SIZE)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: the file is %zu bytes, shorter than the 64-byte header", size);
    if (memcmp(data, edge_magic, sizeof edge_magic) != 0)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: not an .edgem file (bad magic)");
    /* The version before the rest: a newer major may lay the header out differently. */
    uint16_t major = edge_read_u16(data + 8), minor = edge_read_u16(data + 10);
    if (major != EDGE_FORMAT_VERSION_MAJOR)
        return edge_fail(error, EDGE_ERROR_VERSION, "header: format version %u.%u; this runtime reads version %d.x",
                         major, minor, EDGE_FORMAT_VERSION_MAJOR);
    uint32_t header_size = edge_read_u32(data + 12);
    uint64_t file_size = edge_read_u64(data + 16);
    uint32_t count = edge_read_u32(data + 24);
    uint32_t table_offset = edge_read_u32(data + 28);
    uint32_t checksum = edge_read_u32(data + 36);
    if (file_size != (uint64_t)size)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: file_size is %llu but the buffer holds %zu bytes",
                         (unsigned long long)file_size, size);
    if (header_size != EDGE_HEADER_SIZE)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: header_size is %u, expected 64", header_size);
    if (table_offset != EDGE_HEADER_SIZE)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: section_table_offset is %u, expected 64", table_offset);
    if (count > EDGE_MAX_SECTIONS)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: section_count is %u, more than 64", count);
    size_t table_end = EDGE_HEADER_SIZE + (size_t)EDGE_SECTION_ENTRY_SIZE * count;
    if (table_end > size)
        return edge_fail(error, EDGE_ERROR_FORMAT, "header: the section table (%u entries) ends at byte %zu, past the end of the file (%zu)",
                         count, table_end, size);
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t crc = edge_crc32_update(0, data, 36);
    crc = edge_crc32_update(crc, zero, 4);
    crc = edge_crc32_update(crc, data + 40, table_end - 40);
    if (crc != checksum)
        return edge_fail(error, EDGE_ERROR_CHECKSUM, "header: checksum mismatch (stored %08x, computed %08x)", checksum, crc);
    *section_count = count;
    return EDGE_OK;
}

/* ---- step 3: sections ----------------------------------------------------------------------- */

static edge_status edge_load_sections(edge_loader *loader, uint32_t count)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    const uint8_t *data = model->data;
    size_t size = model->size;
    size_t table_end = EDGE_HEADER_SIZE + (size_t)EDGE_SECTION_ENTRY_SIZE * count;
    uint64_t starts[EDGE_MAX_SECTIONS], ends[EDGE_MAX_SECTIONS];

    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *entry = data + EDGE_HEADER_SIZE + (size_t)EDGE_SECTION_ENTRY_SIZE * i;
        uint32_t kind = edge_read_u32(entry), compression = edge_read_u32(entry + 32);
        uint64_t offset = edge_read_u64(entry + 8), contents = edge_read_u64(entry + 16);
        uint64_t stored = edge_read_u64(entry + 24);
        const char *name = edge_section_name(kind);
        if (compression == EDGE_COMPRESSION_NONE && offset % EDGE_ALIGNMENT != 0)
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): uncompressed at offset %llu, not a multiple of 64", i, name,
                             (unsigned long long)offset);
        if (offset < table_end)
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): offset %llu lies inside the header or section table", i,
                             name, (unsigned long long)offset);
        if (offset > size || stored > size - offset)
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): %llu bytes at offset %llu run past the end of the file (%zu bytes)",
                             i, name, (unsigned long long)stored, (unsigned long long)offset, size);
        if (compression != EDGE_COMPRESSION_NONE && compression != EDGE_COMPRESSION_LZ4 && compression != EDGE_COMPRESSION_ENTROPY)
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "section %u (%s): unknown compression %u", i, name, compression);
        if (compression == EDGE_COMPRESSION_NONE && stored != contents)
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): uncompressed but size %llu differs from stored_size %llu", i,
                             name, (unsigned long long)contents, (unsigned long long)stored);
        starts[i] = offset;
        ends[i] = offset + stored;
        for (uint32_t j = 0; j < i; j++)
            if (starts[i] < ends[j] && starts[j] < ends[i])
                return edge_fail(error, EDGE_ERROR_FORMAT, "sections %u and %u overlap", j, i);
    }
    /* Then checksums, kinds, and decompression. */
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *entry = data + EDGE_HEADER_SIZE + (size_t)EDGE_SECTION_ENTRY_SIZE * i;
        uint32_t kind = edge_read_u32(entry), flags = edge_read_u32(entry + 4);
        uint64_t offset = edge_read_u64(entry + 8), contents = edge_read_u64(entry + 16);
        uint64_t stored = edge_read_u64(entry + 24);
        uint32_t compression = edge_read_u32(entry + 32), checksum = edge_read_u32(entry + 36);
        const char *name = edge_section_name(kind);
        uint32_t crc = edge_crc32_update(0, data + offset, (size_t)stored);
        if (crc != checksum)
            return edge_fail(error, EDGE_ERROR_CHECKSUM, "section %u (%s): checksum mismatch (stored %08x, computed %08x)", i, name,
                             checksum, crc);

        if (kind < EDGE_SECTION_METADATA || kind > EDGE_SECTION_QUANTIZATION) {
            if (flags & EDGE_SECTION_FLAG_OPTIONAL) continue;
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "section %u: unknown kind %u, not flagged optional", i, kind);
        }
        if (kind == EDGE_SECTION_METADATA && !(flags & EDGE_SECTION_FLAG_OPTIONAL))
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (METADATA): not flagged optional", i);
        edge_section_view *view = &loader->sections[kind];
        if (view->present)
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): a second %s section (the first is section %u)", i, name,
                             name, view->index);
        view->present = true;
        view->index = i;

        if (compression == EDGE_COMPRESSION_NONE) {
            view->bytes = data + offset;
            view->size = (size_t)stored;
            continue;
        }
        /* Refuse sizes no stored data could decompress to before allocating them: LZ4 produces at
           most 255 bytes per input byte, the entropy coder at most EDGE_ENTROPY_MAX_EXPANSION. */
        if (compression == EDGE_COMPRESSION_LZ4 && (stored > INT_MAX || contents > INT_MAX))
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "section %u (%s): %llu bytes are too many for one LZ4 block", i, name,
                             (unsigned long long)(stored > contents ? stored : contents));
        uint64_t expansion = compression == EDGE_COMPRESSION_LZ4 ? 256 : EDGE_ENTROPY_MAX_EXPANSION;
        if (stored > SIZE_MAX / 256 || contents > stored * expansion + (compression == EDGE_COMPRESSION_LZ4 ? 64 : 0))
            return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): %llu %s bytes cannot decompress to %llu bytes", i, name,
                             (unsigned long long)stored, compression == EDGE_COMPRESSION_LZ4 ? "LZ4" : "entropy-coded",
                             (unsigned long long)contents);
        uint8_t *buffer = edge_aligned_alloc((size_t)contents);
        if (!buffer)
            return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "section %u (%s): cannot allocate %llu bytes to decompress it", i, name,
                             (unsigned long long)contents);
        model->owned[i] = buffer;
        if (compression == EDGE_COMPRESSION_ENTROPY) {
            const char *problem = edge_entropy_decode(data + offset, (size_t)stored, buffer, (size_t)contents);
            if (problem) return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): %s", i, name, problem);
        } else {
            const char *problem = edge_lz4_decode(data + offset, (size_t)stored, buffer, (size_t)contents);
            if (problem) return edge_fail(error, EDGE_ERROR_FORMAT, "section %u (%s): %s", i, name, problem);
        }
        view->bytes = buffer;
        view->size = (size_t)contents;
    }
    static const uint32_t required[] = {EDGE_SECTION_STRINGS, EDGE_SECTION_GRAPH, EDGE_SECTION_TENSORS, EDGE_SECTION_OPERATORS};
    for (size_t r = 0; r < sizeof required / sizeof required[0]; r++)
        if (!loader->sections[required[r]].present)
            return edge_fail(error, EDGE_ERROR_FORMAT, "no %s section (it is required)", edge_section_name(required[r]));
    return EDGE_OK;
}

/* ---- step 4: STRINGS, GRAPH, TENSORS ---------------------------------------------------------- */

static edge_status edge_load_strings(edge_loader *loader)
{
    const edge_section_view *strings = &loader->sections[EDGE_SECTION_STRINGS];
    if (strings->size == 0 || strings->bytes[0] != 0)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "STRINGS: offset 0 must hold the empty string");
    size_t last = strings->size - 1;
    while (strings->bytes[last] != 0) last--;
    loader->last_nul = last;
    loader->model->strings = (const char *)strings->bytes;
    loader->model->strings_size = strings->size;
    return EDGE_OK;
}

static edge_status edge_load_graph(edge_loader *loader)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    const edge_section_view *graph = &loader->sections[EDGE_SECTION_GRAPH];
    if (graph->size < EDGE_GRAPH_HEADER_SIZE)
        return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: %zu bytes, shorter than its 32-byte header", graph->size);
    const uint8_t *g = graph->bytes;
    uint32_t tensor_count = edge_read_u32(g), operator_count = edge_read_u32(g + 4);
    uint32_t input_count = edge_read_u32(g + 8), output_count = edge_read_u32(g + 12);
    uint64_t arena_size = edge_read_u64(g + 16);
    uint32_t name = edge_read_u32(g + 24);
    if (input_count == 0) return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: the model has no inputs");
    if (input_count > INT32_MAX || output_count > INT32_MAX || operator_count > INT32_MAX)
        return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "GRAPH: more than 2^31 inputs, outputs or operators");
    if (output_count == 0) return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: the model has no outputs");
    uint64_t expected = EDGE_GRAPH_HEADER_SIZE + 4 * ((uint64_t)input_count + output_count);
    if ((uint64_t)graph->size != expected)
        return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: %zu bytes, expected %llu for %u inputs and %u outputs", graph->size,
                         (unsigned long long)expected, input_count, output_count);
    if (arena_size % EDGE_ALIGNMENT != 0)
        return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: arena_size %llu is not a multiple of 64", (unsigned long long)arena_size);
    if (!edge_size_from_u64(arena_size, &model->planned_arena))
        return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "GRAPH: arena_size %llu does not fit this device's address space",
                         (unsigned long long)arena_size);
    model->name = edge_string(loader, name);
    if (!model->name) return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: name offset %u is not a valid string", name);
    model->tensor_count = tensor_count;
    model->operator_count = operator_count;
    model->input_count = input_count;
    model->output_count = output_count;
    model->inputs = calloc(input_count, sizeof *model->inputs);
    model->outputs = calloc(output_count, sizeof *model->outputs);
    if (!model->inputs || !model->outputs) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "GRAPH: out of memory");
    for (uint32_t i = 0; i < input_count; i++) model->inputs[i] = edge_read_u32(g + 32 + 4 * (size_t)i);
    for (uint32_t i = 0; i < output_count; i++) model->outputs[i] = edge_read_u32(g + 32 + 4 * ((size_t)input_count + i));
    return EDGE_OK;
}

/* Checks a WEIGHT_SPARSE encoding: bitmap of ceil(n/8) bytes (unused high bits 0), then the non-zero values. */
static edge_status edge_check_sparse(const edge_loader *loader, uint32_t index, const edge_tensor *tensor,
                                     const uint8_t *encoded, size_t encoded_size)
{
    size_t bitmap = tensor->count / 8 + (tensor->count % 8 != 0);
    if (encoded_size < bitmap)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): sparse size %zu is smaller than its %zu-byte bitmap",
                         index, tensor->name, encoded_size, bitmap);
    size_t ones = 0;
    for (size_t i = 0; i < bitmap; i++) ones += (size_t)__builtin_popcount(encoded[i]);
    if (tensor->count % 8 != 0 && (encoded[bitmap - 1] >> (tensor->count % 8)) != 0)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): sparse bitmap has bits set past element %zu", index,
                         tensor->name, tensor->count);
    size_t element = edge_dtype_size(tensor->dtype);
    if (encoded_size != bitmap + ones * element)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): sparse size %zu, expected %zu (bitmap) + %zu non-zeros × %zu",
                         index, tensor->name, encoded_size, bitmap, ones, element);
    return EDGE_OK;
}

static edge_status edge_load_tensors(edge_loader *loader)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    const edge_section_view *section = &loader->sections[EDGE_SECTION_TENSORS];
    const edge_section_view *weights = &loader->sections[EDGE_SECTION_WEIGHTS];
    uint64_t expected = (uint64_t)model->tensor_count * EDGE_TENSOR_RECORD_SIZE;
    if ((uint64_t)section->size != expected)
        return edge_fail(error, EDGE_ERROR_FORMAT, "TENSORS: %zu bytes, expected %llu for %u tensors", section->size,
                         (unsigned long long)expected, model->tensor_count);
    model->tensors = calloc(model->tensor_count ? model->tensor_count : 1, sizeof *model->tensors);
    if (!model->tensors) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "TENSORS: out of memory");

    for (uint32_t t = 0; t < model->tensor_count; t++) {
        const uint8_t *r = section->bytes + (size_t)t * EDGE_TENSOR_RECORD_SIZE;
        edge_tensor *tensor = &model->tensors[t];
        uint32_t name = edge_read_u32(r);
        tensor->name = edge_string(loader, name);
        if (!tensor->name) return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u: name offset %u is not a valid string", t, name);
        const char *tname = tensor->name;
        tensor->dtype = r[4];
        tensor->storage = r[5];
        uint8_t rank = r[6];
        uint64_t offset = edge_read_u64(r + 40), size = edge_read_u64(r + 48);
        uint32_t quantization = edge_read_u32(r + 56);
        size_t element = edge_dtype_size(tensor->dtype);
        if (element == 0)
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "tensor %u ('%.80s'): unknown dtype %u", t, tname, tensor->dtype);
        if (tensor->storage > EDGE_STORAGE_REQUANTIZATION)
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "tensor %u ('%.80s'): unknown storage %u", t, tname, tensor->storage);
        if (rank > EDGE_MAX_RANK)
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): rank %u is more than 8", t, tname, rank);
        tensor->rank = rank;
        uint64_t count = 1;
        for (int32_t d = 0; d < EDGE_MAX_RANK; d++) {
            uint32_t dim = edge_read_u32(r + 8 + 4 * (size_t)d);
            if (d < rank && dim == 0)
                return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): dimension %d is 0", t, tname, d);
            if (d >= rank && dim != 0)
                return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): dimension %d is %u past its rank %u", t, tname, d, dim,
                                 rank);
            tensor->dims[d] = dim;
            if (d < rank && __builtin_mul_overflow(count, (uint64_t)dim, &count))
                return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): element count overflows", t, tname);
        }
        uint64_t bytes;
        if (__builtin_mul_overflow(count, (uint64_t)element, &bytes) || !edge_size_from_u64(bytes, &tensor->bytes))
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): %llu elements are too many bytes", t, tname,
                             (unsigned long long)count);
        if (bytes > (uint64_t)PTRDIFF_MAX)
            return edge_fail(error, EDGE_ERROR_UNSUPPORTED, "tensor %u ('%.80s'): %llu bytes are more than this device can address", t,
                             tname, (unsigned long long)bytes);
        tensor->count = (size_t)count;
        edge_status bound = edge_bind_quantization(model, t, tensor, quantization, error);
        if (bound != EDGE_OK) return bound;
        unsigned alignment = tensor->storage == EDGE_STORAGE_ARENA ? EDGE_ALIGNMENT : EDGE_WEIGHT_ALIGNMENT;
        if (offset % alignment != 0)
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): offset %llu is not a multiple of %u", t, tname,
                             (unsigned long long)offset, alignment);
        if (tensor->storage == EDGE_STORAGE_REQUANTIZATION) {
            if (tensor->dtype != EDGE_DTYPE_INT32 || rank != 2 || tensor->dims[1] != 2 || tensor->quantization || offset != 0 || size != 0)
                return edge_fail(error, EDGE_ERROR_FORMAT,
                                 "tensor %u ('%.80s'): a derived requantization array is INT32 [M,2] with offset 0, size 0 and no quantization",
                                 t, tname);
            continue;
        }
        if (tensor->storage != EDGE_STORAGE_WEIGHT_SPARSE && size != bytes)
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): size %llu, expected %llu (%llu %s elements)", t, tname,
                             (unsigned long long)size, (unsigned long long)bytes, (unsigned long long)count,
                             edge_dtype_name(tensor->dtype));
        if (tensor->storage == EDGE_STORAGE_ARENA) {
            if (offset > model->planned_arena || size > model->planned_arena - offset)
                return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): arena bytes [%llu, +%llu) exceed arena_size %zu", t, tname,
                                 (unsigned long long)offset, (unsigned long long)size, model->planned_arena);
            tensor->offset = (size_t)offset;
            continue;
        }
        if (offset > weights->size || size > weights->size - offset)
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): weight bytes [%llu, +%llu) exceed the WEIGHTS section (%zu bytes)",
                             t, tname, (unsigned long long)offset, (unsigned long long)size, weights->size);
        tensor->weight = weights->bytes + offset;
        if (tensor->storage == EDGE_STORAGE_WEIGHT_SPARSE) {
            edge_status status = edge_check_sparse(loader, t, tensor, tensor->weight, (size_t)size);
            if (status != EDGE_OK) return status;
        }
        if (!edge_size_add(model->weight_bytes, tensor->bytes, &model->weight_bytes))
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): total weight bytes overflow", t, tname);
    }
    return EDGE_OK;
}

static edge_status edge_load_io(edge_loader *loader)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    for (uint32_t i = 0; i < model->input_count; i++) {
        uint32_t t = model->inputs[i];
        if (t >= model->tensor_count)
            return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: input %u refers to tensor %u; there are %u", i, t, model->tensor_count);
        if (model->tensors[t].storage != EDGE_STORAGE_ARENA)
            return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: input %u ('%.80s') is not an arena tensor", i, model->tensors[t].name);
        if (loader->defined[t])
            return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: input %u ('%.80s') is listed twice", i, model->tensors[t].name);
        loader->defined[t] = 1;
        loader->first[t] = -1;
        loader->last[t] = -1;
    }
    for (uint32_t i = 0; i < model->output_count; i++) {
        uint32_t t = model->outputs[i];
        if (t >= model->tensor_count)
            return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: output %u refers to tensor %u; there are %u", i, t, model->tensor_count);
    }
    return EDGE_OK;
}

/* ---- step 4: OPERATORS ------------------------------------------------------------------------ */

/* The generic rules of one record: tensor indices, storage, and execution order. */
static edge_status edge_check_operator_tensors(edge_loader *loader, const edge_operator *op)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    for (unsigned s = 0; s < (unsigned)op->input_count + op->output_count; s++) {
        bool is_input = s < op->input_count;
        unsigned i = is_input ? s : s - op->input_count;
        const char *role = is_input ? "input" : "output";
        uint32_t t = op->tensors[s];
        if (t == EDGE_NONE) {
            if (is_input) continue; /* optional inputs: the op's prepare decides */
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %u is absent", i);
        }
        if (t >= model->tensor_count)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s %u refers to tensor %u; there are %u", role, i, t, model->tensor_count);
        const edge_tensor *tensor = &model->tensors[t];
        if (is_input) {
            if (tensor->storage == EDGE_STORAGE_ARENA && !loader->defined[t])
                return edge_op_fail(error, op, EDGE_ERROR_FORMAT,
                                    "input %u ('%.60s') is not a weight, a graph input or an earlier operator's output", i, tensor->name);
            continue;
        }
        if (tensor->storage != EDGE_STORAGE_ARENA)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %u ('%.60s') is not an arena tensor", i, tensor->name);
        if (loader->defined[t] == 1)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %u ('%.60s') is a graph input", i, tensor->name);
        if (loader->defined[t] == 2)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %u ('%.60s') is already written by operator %lld", i, tensor->name,
                                (long long)loader->first[t]);
        for (unsigned o = op->input_count; o < s; o++)
            if (op->tensors[o] == t)
                return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %u ('%.60s') is listed twice", i, tensor->name);
    }
    return EDGE_OK;
}

static edge_status edge_load_operators(edge_loader *loader)
{
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    const edge_section_view *section = &loader->sections[EDGE_SECTION_OPERATORS];
    const uint8_t *bytes = section->bytes;
    size_t size = section->size;
    if ((uint64_t)model->operator_count * EDGE_OPERATOR_HEADER_SIZE > (uint64_t)size)
        return edge_fail(error, EDGE_ERROR_FORMAT, "OPERATORS: %zu bytes cannot hold %u records", size, model->operator_count);
    model->operators = calloc(model->operator_count ? model->operator_count : 1, sizeof *model->operators);
    model->operator_tensors = calloc(size / 4 + 1, sizeof *model->operator_tensors);
    if (!model->operators || !model->operator_tensors) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "OPERATORS: out of memory");

    size_t position = 0, slots = 0;
    for (uint32_t o = 0; o < model->operator_count; o++) {
        edge_operator *op = &model->operators[o];
        op->index = o;
        if (size - position < EDGE_OPERATOR_HEADER_SIZE)
            return edge_fail(error, EDGE_ERROR_FORMAT, "operator %u: record at byte %zu of OPERATORS is cut short", o, position);
        const uint8_t *r = bytes + position;
        op->kind = edge_read_u16(r);
        op->input_count = r[2];
        op->output_count = r[3];
        uint32_t params_size = edge_read_u32(r + 4), name = edge_read_u32(r + 8);
        op->name = edge_string(loader, name);
        if (!op->name) return edge_fail(error, EDGE_ERROR_FORMAT, "operator %u (%s): name offset %u is not a valid string", o,
                                        edge_op_name(op->kind), name);
        size_t tensor_bytes = 4 * ((size_t)op->input_count + op->output_count);
        if (params_size % 4 != 0)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "params_size %u is not a multiple of 4", params_size);
        if ((uint64_t)EDGE_OPERATOR_HEADER_SIZE + tensor_bytes + params_size > (uint64_t)(size - position))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "record of %llu bytes runs past the end of OPERATORS",
                                (unsigned long long)EDGE_OPERATOR_HEADER_SIZE + tensor_bytes + params_size);
        uint32_t *tensors = model->operator_tensors + slots;
        for (size_t s = 0; s < tensor_bytes / 4; s++) tensors[s] = edge_read_u32(r + EDGE_OPERATOR_HEADER_SIZE + 4 * s);
        slots += tensor_bytes / 4;
        op->tensors = tensors;
        const uint8_t *params = r + EDGE_OPERATOR_HEADER_SIZE + tensor_bytes;
        position += EDGE_OPERATOR_HEADER_SIZE + tensor_bytes + params_size;

        op->info = edge_op_lookup(op->kind);
        if (!op->info) return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown operator kind %u", op->kind);
        edge_status status = edge_check_operator_tensors(loader, op);
        if (status != EDGE_OK) return status;
        for (unsigned i = 0; i < op->input_count; i++) {
            if (tensors[i] == EDGE_NONE || model->tensors[tensors[i]].storage != EDGE_STORAGE_REQUANTIZATION) continue;
            edge_tensor *r = &model->tensors[tensors[i]];
            if (i != 3 || loader->defined[tensors[i]])
                return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %u ('%.60s') is a derived requantization array; it must be input 3 of "
                                    "the one operator it belongs to", i, r->name);
            loader->defined[tensors[i]] = 3;
            if ((status = edge_derive_requantization(model, op, r, error)) != EDGE_OK) return status;
        }
        status = op->info->prepare(model, op, params, params_size, error);
        if (status == EDGE_OK) status = edge_check_passthrough_quantization(model, op, error);
        if (status != EDGE_OK) return status;
        if (!edge_size_add(model->weight_bytes, op->prepared_bytes, &model->weight_bytes))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "its prepared weights take too many bytes");
        size_t scratch;
        if (!edge_size_align(op->scratch_bytes, &scratch))
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
        if (scratch > model->scratch_size) model->scratch_size = scratch;

        for (unsigned s = 0; s < op->input_count; s++)
            if (tensors[s] != EDGE_NONE) loader->last[tensors[s]] = o;
        for (unsigned s = op->input_count; s < (unsigned)op->input_count + op->output_count; s++) {
            loader->defined[tensors[s]] = 2;
            loader->first[tensors[s]] = o;
            loader->last[tensors[s]] = o;
        }
    }
    if (position != size)
        return edge_fail(error, EDGE_ERROR_FORMAT, "OPERATORS: %zu bytes left over after %u records", size - position, model->operator_count);
    for (uint32_t t = 0; t < model->tensor_count; t++)
        if (model->tensors[t].storage == EDGE_STORAGE_REQUANTIZATION && !loader->defined[t])
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): a derived requantization array no operator reads", t,
                             model->tensors[t].name);

    for (uint32_t i = 0; i < model->output_count; i++) {
        uint32_t t = model->outputs[i];
        const edge_tensor *tensor = &model->tensors[t];
        if (tensor->storage == EDGE_STORAGE_ARENA) {
            if (!loader->defined[t])
                return edge_fail(error, EDGE_ERROR_FORMAT, "GRAPH: output %u ('%.80s') is neither a graph input nor written by an operator",
                                 i, tensor->name);
            loader->last[t] = model->operator_count;
        }
    }
    return EDGE_OK;
}

/* ---- the memory plan --------------------------------------------------------------------------- */

static bool edge_bytes_overlap(const edge_tensor *a, const edge_tensor *b)
{
    return a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
}

/* Whether `op` may write output 0 over its input `slot` when both occupy the same bytes: the
   elementwise ops, which read each element before writing it (their IN_PLACE flags). */
static bool edge_op_in_place_slot(const edge_model *model, const edge_operator *op, unsigned slot)
{
    const edge_tensor *in = edge_op_input(model, op, slot), *out = edge_op_output(model, op, 0);
    if (op->output_count != 1 || in->offset != out->offset || in->bytes != out->bytes) return false;
    uint32_t flags = op->info->flags;
    if (flags & EDGE_OP_FLAG_IN_PLACE) return true;
    if (flags & EDGE_OP_FLAG_IN_PLACE_FIRST) return slot == 0;
    if (flags & EDGE_OP_FLAG_IN_PLACE_SAME_SHAPE) return edge_same_shape(in, out);
    return false;
}

/*
 * No operator may write over bytes something still needs: for every output, no other arena
 * tensor alive at that operator (written before it and read at or after it, or a graph output)
 * may share a byte with it, except an input that dies at this operator when the op works in place.
 */
static edge_status edge_check_memory_plan(edge_loader *loader)
{
    edge_model *model = loader->model;
    uint32_t *live = calloc(model->tensor_count ? model->tensor_count : 1, sizeof *live);
    if (!live) return edge_fail(loader->error, EDGE_ERROR_OUT_OF_MEMORY, "memory plan: out of memory");
    size_t live_count = 0;
    edge_status status = EDGE_OK;
    for (uint32_t i = 0; i < model->input_count && status == EDGE_OK; i++) {
        const edge_tensor *a = &model->tensors[model->inputs[i]];
        for (size_t j = 0; j < live_count; j++)
            if (edge_bytes_overlap(a, &model->tensors[live[j]]))
                status = edge_fail(loader->error, EDGE_ERROR_FORMAT, "memory plan: graph inputs '%.60s' and '%.60s' overlap in the arena",
                                   model->tensors[live[j]].name, a->name);
        live[live_count++] = model->inputs[i];
    }
    for (uint32_t o = 0; o < model->operator_count && status == EDGE_OK; o++) {
        const edge_operator *op = &model->operators[o];
        size_t kept = 0;
        for (size_t j = 0; j < live_count; j++)
            if (loader->last[live[j]] >= (int64_t)o) live[kept++] = live[j];
        live_count = kept;
        for (unsigned s = 0; s < op->output_count && status == EDGE_OK; s++) {
            uint32_t out = op->tensors[op->input_count + s];
            const edge_tensor *y = &model->tensors[out];
            for (size_t j = 0; j < live_count && status == EDGE_OK; j++) {
                uint32_t other = live[j];
                if (!edge_bytes_overlap(y, &model->tensors[other])) continue;
                bool allowed = false;
                if (loader->last[other] == (int64_t)o && loader->first[other] < (int64_t)o && s == 0)
                    for (unsigned i = 0; i < op->input_count; i++)
                        if (op->tensors[i] == other && edge_op_in_place_slot(model, op, i)) allowed = true;
                if (!allowed)
                    status = edge_op_fail(loader->error, op, EDGE_ERROR_FORMAT,
                                          "memory plan: output '%.50s' overlaps '%.50s', which is still needed", y->name,
                                          model->tensors[other].name);
            }
            if (status == EDGE_OK) live[live_count++] = out;
        }
    }
    free(live);
    return status;
}

/* ---- step 5: sparse weights, metadata ------------------------------------------------------------ */

static edge_status edge_expand_sparse(edge_loader *loader)
{
    edge_model *model = loader->model;
    size_t total = 0, padded;
    for (uint32_t t = 0; t < model->tensor_count; t++) {
        const edge_tensor *tensor = &model->tensors[t];
        if (tensor->storage != EDGE_STORAGE_WEIGHT_SPARSE) continue;
        if (!edge_size_align(tensor->bytes, &padded) || !edge_size_add(total, padded, &total))
            return edge_fail(loader->error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): sparse weights expand to too many bytes", t, tensor->name);
    }
    if (total == 0) return EDGE_OK;
    /* Disjoint encodings expand at most 64-fold (1 bitmap bit to 8 bytes); more means tensors share bytes. */
    size_t weights = loader->sections[EDGE_SECTION_WEIGHTS].size, bound;
    if (!edge_size_mul(weights, 64, &bound) || !edge_size_add(bound, (size_t)64 * model->tensor_count, &bound)) bound = SIZE_MAX;
    if (total > bound)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "WEIGHTS: sparse tensors expand to %zu bytes, more than their encodings allow", total);
    uint8_t *dense = edge_aligned_alloc(total);
    if (!dense) return edge_fail(loader->error, EDGE_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes for sparse weights", total);
    model->sparse = dense;
    for (uint32_t t = 0; t < model->tensor_count; t++) {
        edge_tensor *tensor = &model->tensors[t];
        if (tensor->storage != EDGE_STORAGE_WEIGHT_SPARSE) continue;
        size_t element = edge_dtype_size(tensor->dtype);
        const uint8_t *bitmap = tensor->weight;
        const uint8_t *value = bitmap + tensor->count / 8 + (tensor->count % 8 != 0);
        uint8_t *out = dense;
        for (size_t i = 0; i < tensor->count; i++, out += element) {
            if (bitmap[i / 8] >> (i % 8) & 1u) {
                memcpy(out, value, element);
                value += element;
            } else {
                memset(out, 0, element);
            }
        }
        tensor->weight = dense;
        edge_size_align(tensor->bytes, &padded);
        dense += padded;
    }
    return EDGE_OK;
}

/* Room for the REQUANTIZATION arrays, filled when their operator is loaded. */
static edge_status edge_allocate_derived(edge_loader *loader)
{
    edge_model *model = loader->model;
    size_t total = 0, padded;
    for (uint32_t t = 0; t < model->tensor_count; t++)
        if (model->tensors[t].storage == EDGE_STORAGE_REQUANTIZATION &&
            (!edge_size_align(model->tensors[t].bytes, &padded) || !edge_size_add(total, padded, &total)))
            return edge_fail(loader->error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): derived arrays take too many bytes", t, model->tensors[t].name);
    if (total == 0) return EDGE_OK;
    /* 8 bytes per output channel, and every channel has weights of at least a bitmap bit in WEIGHTS. */
    size_t weights = loader->sections[EDGE_SECTION_WEIGHTS].size, bound;
    if (!edge_size_mul(weights, 64, &bound) || !edge_size_add(bound, (size_t)64 * model->tensor_count, &bound)) bound = SIZE_MAX;
    if (total > bound)
        return edge_fail(loader->error, EDGE_ERROR_FORMAT, "TENSORS: derived requantization arrays of %zu bytes, more than the weights allow", total);
    uint8_t *derived = edge_aligned_alloc(total);
    if (!derived) return edge_fail(loader->error, EDGE_ERROR_OUT_OF_MEMORY, "cannot allocate %zu bytes for requantization arrays", total);
    memset(derived, 0, total);
    model->derived = derived;
    for (uint32_t t = 0; t < model->tensor_count; t++) {
        edge_tensor *tensor = &model->tensors[t];
        if (tensor->storage != EDGE_STORAGE_REQUANTIZATION) continue;
        tensor->weight = derived;
        edge_size_align(tensor->bytes, &padded);
        derived += padded;
    }
    return EDGE_OK;
}

static edge_status edge_load_metadata(edge_loader *loader)
{
    const edge_section_view *section = &loader->sections[EDGE_SECTION_METADATA];
    edge_model *model = loader->model;
    edge_error *error = loader->error;
    if (!section->present) return EDGE_OK;
    if (section->size < 4) return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: %zu bytes, too short for its count", section->size);
    uint32_t count = edge_read_u32(section->bytes);
    if ((uint64_t)count * 8 > (uint64_t)section->size - 4)
        return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: %zu bytes cannot hold %u entries", section->size, count);
    model->metadata = calloc(count ? count : 1, sizeof *model->metadata);
    model->metadata_text = malloc(section->size + 2 * (size_t)count);
    if (!model->metadata || !model->metadata_text) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "METADATA: out of memory");
    size_t position = 4;
    char *text = model->metadata_text;
    for (uint32_t e = 0; e < count; e++) {
        const char *parts[2];
        for (int part = 0; part < 2; part++) {
            if (section->size - position < 4)
                return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: entry %u is cut short", e);
            uint32_t length = edge_read_u32(section->bytes + position);
            position += 4;
            if (length > section->size - position)
                return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: entry %u: a %u-byte %s runs past the section", e, length,
                                 part ? "value" : "key");
            if (memchr(section->bytes + position, 0, length))
                return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: entry %u: the %s holds a NUL byte", e, part ? "value" : "key");
            memcpy(text, section->bytes + position, length);
            text[length] = 0;
            parts[part] = text;
            text += length + 1;
            position += length;
        }
        model->metadata[e].key = parts[0];
        model->metadata[e].value = parts[1];
    }
    if (position != section->size)
        return edge_fail(error, EDGE_ERROR_FORMAT, "METADATA: %zu bytes left over after %u entries", section->size - position, count);
    model->metadata_count = count;
    return EDGE_OK;
}

/* ---- entry points ---------------------------------------------------------------------------------- */

static edge_status edge_load(edge_model *model, edge_error *error)
{
    edge_loader loader;
    memset(&loader, 0, sizeof loader);
    loader.model = model;
    loader.error = error;
    uint32_t section_count = 0;
    edge_status status = edge_check_header(model->data, model->size, &section_count, error);
    if (status == EDGE_OK) status = edge_load_sections(&loader, section_count);
    if (status == EDGE_OK) status = edge_load_strings(&loader);
    if (status == EDGE_OK) status = edge_load_graph(&loader);
    if (status == EDGE_OK) {
        const edge_section_view *quantization = &loader.sections[EDGE_SECTION_QUANTIZATION];
        status = edge_load_quantization(model, quantization->present ? quantization->bytes : NULL, quantization->size, error);
    }
    if (status == EDGE_OK) status = edge_load_tensors(&loader);
    /* Before the operators: the int8 operators' prepare reads constant tables and requantization arrays. */
    if (status == EDGE_OK) status = edge_expand_sparse(&loader);
    if (status == EDGE_OK) status = edge_allocate_derived(&loader);
    if (status == EDGE_OK) {
        size_t count = model->tensor_count ? model->tensor_count : 1;
        loader.defined = calloc(count, sizeof *loader.defined);
        loader.first = calloc(count, sizeof *loader.first);
        loader.last = calloc(count, sizeof *loader.last);
        if (!loader.defined || !loader.first || !loader.last)
            status = edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    if (status == EDGE_OK) status = edge_load_io(&loader);
    if (status == EDGE_OK) status = edge_load_operators(&loader);
    if (status == EDGE_OK) status = edge_check_memory_plan(&loader);
    if (status == EDGE_OK) status = edge_load_metadata(&loader);
    if (status == EDGE_OK && !edge_size_add(model->planned_arena, model->scratch_size, &model->arena_size))
        status = edge_fail(error, EDGE_ERROR_UNSUPPORTED, "the arena and scratch (%zu + %zu bytes) do not fit this device's address space",
                           model->planned_arena, model->scratch_size);
    free(loader.defined);
    free(loader.first);
    free(loader.last);
    if (status == EDGE_OK && error) {
        error->status = EDGE_OK;
        error->message[0] = 0;
    }
    return status;
}

static edge_status edge_load_into(edge_model *model, edge_model **result, edge_error *error)
{
    edge_status status = edge_load(model, error);
    if (status != EDGE_OK) {
        edge_model_free(model);
        return status;
    }
    *result = model;
    return EDGE_OK;
}

edge_status edge_model_load_buffer(const void *data, size_t size, edge_model **model, edge_error *error)
{
    if (!model) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_model_load_buffer: model is NULL");
    *model = NULL;
    if (!data) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_model_load_buffer: data is NULL");
    if ((uintptr_t)data % 16 != 0)
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_model_load_buffer: the buffer is not 16-byte aligned");
    edge_model *loaded = calloc(1, sizeof *loaded);
    if (!loaded) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    loaded->data = data;
    loaded->size = size;
    return edge_load_into(loaded, model, error);
}

edge_status edge_model_load_file(const char *path, edge_model **model, edge_error *error)
{
    if (!model) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_model_load_file: model is NULL");
    *model = NULL;
    if (!path) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_model_load_file: path is NULL");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return edge_fail(error, EDGE_ERROR_IO, "cannot open '%.150s': %s", path, strerror(errno));
    struct stat info;
    if (fstat(fd, &info) != 0) {
        int code = errno;
        close(fd);
        return edge_fail(error, EDGE_ERROR_IO, "cannot stat '%.150s': %s", path, strerror(code));
    }
    if (!S_ISREG(info.st_mode)) {
        close(fd);
        return edge_fail(error, EDGE_ERROR_IO, "'%.150s' is not a regular file", path);
    }
    if (info.st_size < EDGE_HEADER_SIZE) {
        close(fd);
        return edge_fail(error, EDGE_ERROR_FORMAT, "'%.150s': %lld bytes, shorter than the 64-byte header", path, (long long)info.st_size);
    }
    if ((uint64_t)info.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        return edge_fail(error, EDGE_ERROR_IO, "'%.150s' is too large to map", path);
    }
    size_t size = (size_t)info.st_size;
    void *mapping = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int code = errno;
    close(fd);
    if (mapping == MAP_FAILED) return edge_fail(error, EDGE_ERROR_IO, "cannot map '%.150s': %s", path, strerror(code));
    edge_model *loaded = calloc(1, sizeof *loaded);
    if (!loaded) {
        munmap(mapping, size);
        return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    loaded->data = mapping;
    loaded->size = size;
    loaded->mapping = mapping;
    loaded->mapping_size = size;
    return edge_load_into(loaded, model, error);
}

void edge_model_free(edge_model *model)
{
    if (!model) return;
    for (size_t i = 0; i < EDGE_MAX_SECTIONS; i++) free(model->owned[i]);
    free(model->sparse);
    free(model->derived);
    for (size_t o = 0; model->operators && o < model->operator_count; o++) free(model->operators[o].prepared);
    free(model->metadata_text);
    free(model->metadata);
    free(model->tensors);
    free(model->operators);
    free(model->operator_tensors);
    free(model->inputs);
    free(model->outputs);
    free(model->quantizations);
    if (model->mapping) munmap(model->mapping, model->mapping_size);
    free(model);
}
