/*
 * edge.h — the edgec device runtime: loads a compiled `.edgem` model and runs it.
 *
 * A short example (error handling shortened; it compiles as C and as C++, and so do the examples
 * below: .ci/runtime-checks compiles them):
 *
 *     edge_model *model;
 *     edge_error error;
 *     if (edge_model_load_file("model.edgem", &model, &error) != EDGE_OK) {
 *         fprintf(stderr, "%s\n", error.message);
 *         return 1;
 *     }
 *     edge_context *context;
 *     edge_context_create(model, NULL, 0, &context, &error);      // one allocation, here
 *     edge_context_set_input(context, 0, pixels, sizeof pixels, &error);
 *     edge_context_invoke(context, &error);                       // allocates nothing
 *     edge_tensor_info info;
 *     edge_model_output_info(model, 0, &info);
 *     const float *scores = (const float *)edge_context_output(context, 0);  // info.element_count floats
 *     size_t best = 0;
 *     for (size_t i = 1; i < info.element_count; i++) if (scores[i] > scores[best]) best = i;
 *     printf("class %zu, score %g\n", best, scores[best]);
 *     edge_context_free(context);
 *     edge_model_free(model);
 *
 * Memory model.
 *   - An `edge_model` is immutable once loaded. It points into the caller's buffer (or its
 *     own read-only mapping of the file) for uncompressed weights and owns only what it had
 *     to decompress or expand. Any number of threads may share one model.
 *   - An `edge_context` is one thread's execution state: the arena that holds every input,
 *     output and intermediate tensor at the offsets the compiler planned, plus the kernels'
 *     scratch space. Ask `edge_model_arena_size` how many bytes that is and pass your own
 *     buffer, or pass NULL and the context allocates it once, at creation.
 *   - `edge_context_invoke` never allocates, never blocks, and touches no global state.
 *
 * Errors. Every function that can fail returns an `edge_status`; when `error` is not NULL it
 * also receives a one-line message naming what failed and where (section, tensor, operator).
 *
 * The format is specified in formats/edgem.md.
 *
 * Keep the ABI stable: always add enum values at the end, never renumber, never reorder
 * struct fields; add new functions instead of changing existing ones.
 */
#ifndef EDGE_H
#define EDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define EDGE_API __declspec(dllexport)
#else
#define EDGE_API __attribute__((visibility("default")))
#endif

/* Runtime version, matching the edgec release that ships it. */
#define EDGE_VERSION_MAJOR 0
#define EDGE_VERSION_MINOR 1
#define EDGE_VERSION_PATCH 0

/* The .edgem format major version this runtime reads. */
#define EDGE_FORMAT_VERSION_MAJOR 1

/* Outcomes of every call. Always add values at the end. */
typedef enum edge_status {
    EDGE_OK = 0,
    EDGE_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, an index out of range, a wrong byte count */
    EDGE_ERROR_IO = 2,               /* the file cannot be opened, read or mapped */
    EDGE_ERROR_FORMAT = 3,           /* the bytes are not a well-formed .edgem (sizes, offsets, indices) */
    EDGE_ERROR_CHECKSUM = 4,         /* a header or section checksum does not match */
    EDGE_ERROR_VERSION = 5,          /* a format major version this runtime does not read */
    EDGE_ERROR_UNSUPPORTED = 6,      /* a valid file using an operator, dtype or feature this build lacks */
    EDGE_ERROR_OUT_OF_MEMORY = 7,    /* an allocation failed, or the caller's arena is too small */
    EDGE_ERROR_EXECUTION = 8         /* a kernel met bad data at run time (e.g. a Gather index out of range) */
} edge_status;

/* Element types, numbered as in the format (edgem_dtype). */
typedef enum edge_dtype {
    EDGE_DTYPE_FLOAT32 = 1,
    EDGE_DTYPE_INT8 = 2,
    EDGE_DTYPE_UINT8 = 3,
    EDGE_DTYPE_INT32 = 4,
    EDGE_DTYPE_INT64 = 5,
    EDGE_DTYPE_BOOL = 6
} edge_dtype;

#define EDGE_MAX_RANK 8
#define EDGE_MESSAGE_SIZE 256

/* A failure's status and a one-line, NUL-terminated message. */
typedef struct edge_error {
    edge_status status;
    char message[EDGE_MESSAGE_SIZE];
} edge_error;

/* What a model input or output is. `name` points into the model and lives as long as it. An INT8
   input or output (a model quantized with `edgec quantize --int8-io`) carries how its integers map
   to real numbers, real = scale × (q − zero_point); `scale` is 0 for every other tensor. */
typedef struct edge_tensor_info {
    const char *name;
    edge_dtype dtype;
    int32_t rank;
    int64_t dims[EDGE_MAX_RANK];
    size_t element_count;
    size_t byte_size;
    float scale;
    int32_t zero_point;
} edge_tensor_info;

typedef struct edge_model edge_model;
typedef struct edge_context edge_context;

/* A short English name of a status, e.g. "format error". Never NULL. */
EDGE_API const char *edge_status_string(edge_status status);

/* The runtime's version as "MAJOR.MINOR.PATCH". */
EDGE_API const char *edge_version(void);

/*
 * Loads a model from `size` bytes at `data`, validating everything (header, checksums,
 * sections, tensors, operators) before anything is used. The buffer must stay alive and
 * unchanged while the model exists (uncompressed weights are used in place) and must be
 * 16-byte aligned. On success `*model` receives the model; on failure it is set to NULL.
 */
EDGE_API edge_status edge_model_load_buffer(const void *data, size_t size, edge_model **model, edge_error *error);

/* Loads a model from a file by mapping it read-only; the model owns the mapping. */
EDGE_API edge_status edge_model_load_file(const char *path, edge_model **model, edge_error *error);

/*
 * Converts `count` real numbers to int8 exactly as the model's own QUANTIZE operator does:
 * clamp(round_half_away(x / scale) + zero_point, −128, 127), in float32, NaN becoming zero_point.
 * Use it to feed an INT8 input with the `scale` and `zero_point` of its edge_tensor_info.
 */
EDGE_API void edge_quantize(const float *values, size_t count, float scale, int32_t zero_point, int8_t *out);

/* Converts `count` int8 values to real numbers as DEQUANTIZE does: scale × (q − zero_point). */
EDGE_API void edge_dequantize(const int8_t *values, size_t count, float scale, int32_t zero_point, float *out);

/* Releases a model. Contexts created from it must be freed first. NULL is ignored. */
EDGE_API void edge_model_free(edge_model *model);

/* Bytes an execution context needs: the planned activation arena plus kernel scratch. */
EDGE_API size_t edge_model_arena_size(const edge_model *model);

/* Bytes of weights the model uses (after decompression and sparse expansion), with the copies that
   int8 convolutions and GEMMs prepare at load in the order their kernels read (and each row's sum). */
EDGE_API size_t edge_model_weight_bytes(const edge_model *model);

EDGE_API int32_t edge_model_input_count(const edge_model *model);
EDGE_API int32_t edge_model_output_count(const edge_model *model);
EDGE_API int32_t edge_model_operator_count(const edge_model *model);

/* Fills `info` for input or output `index`. */
EDGE_API edge_status edge_model_input_info(const edge_model *model, int32_t index, edge_tensor_info *info);
EDGE_API edge_status edge_model_output_info(const edge_model *model, int32_t index, edge_tensor_info *info);

/* The index of the input or output called `name`, or -1. */
EDGE_API int32_t edge_model_find_input(const edge_model *model, const char *name);
EDGE_API int32_t edge_model_find_output(const edge_model *model, const char *name);

/* The value of metadata `key` (e.g. "source.sha256"), or NULL when absent. Lives as long as the model. */
EDGE_API const char *edge_model_metadata(const edge_model *model, const char *key);

/*
 * Creates an execution context. With `arena` NULL the context allocates its arena (once,
 * here); otherwise `arena` must hold at least edge_model_arena_size() bytes, be 64-byte
 * aligned, and outlive the context (`arena_size` says how many bytes it holds).
 */
EDGE_API edge_status edge_context_create(const edge_model *model, void *arena, size_t arena_size,
                                         edge_context **context, edge_error *error);

/* Releases a context (and its arena if it allocated one). NULL is ignored. */
EDGE_API void edge_context_free(edge_context *context);

/* Where input `index` lives in the arena: write its bytes there before invoking. NULL if out of range. */
EDGE_API void *edge_context_input(edge_context *context, int32_t index);

/* Copies `byte_size` bytes (which must equal the input's byte size) into input `index`. */
EDGE_API edge_status edge_context_set_input(edge_context *context, int32_t index, const void *data,
                                            size_t byte_size, edge_error *error);

/* Runs every operator in order. Allocates nothing. */
EDGE_API edge_status edge_context_invoke(edge_context *context, edge_error *error);

/* Where output `index` lives after invoke (valid until the next invoke). NULL if out of range. */
EDGE_API const void *edge_context_output(const edge_context *context, int32_t index);

/* ---- Per-operator profiling ------------------------------------------------------------------
 *
 * A context may carry an observer that edge_context_invoke calls after each operator with the
 * time it took; edge_model_operator_info says what each operator is (kind, node name, output,
 * multiply-accumulates), so that a caller can print a table as TFLite's benchmark_model does:
 *
 *     static void record(void *user, int32_t index, const char *kind, const char *name, uint64_t nanoseconds)
 *     {
 *         (void)kind, (void)name;
 *         ((uint64_t *)user)[index] += nanoseconds;
 *     }
 *     ...
 *     uint64_t *total = (uint64_t *)calloc((size_t)edge_model_operator_count(model), sizeof *total);
 *     edge_context_set_observer(context, record, total, &error);
 *     for (int r = 0; r < 20; r++) edge_context_invoke(context, &error);
 *     edge_context_set_observer(context, NULL, NULL, &error);   // invoke untimed again
 *     edge_operator_info info;
 *     edge_model_operator_info(model, 0, &info);
 *     printf("%s %s %.3f ms, %llu MACs\n", info.kind, info.name, total[0] / 20e6, (unsigned long long)info.macs);
 *     free(total);
 *
 * Without an observer invoke reads no clock and runs as it always did.
 */

/* What operator `index` (0 to edge_model_operator_count() - 1, in run order) is. The strings point
   into the model (or the runtime) and live as long as the model. */
typedef struct edge_operator_info {
    const char *kind;        /* the operator kind as formats/edgem.md names it: "CONV", "GEMM_INT8", ... */
    const char *name;        /* the ONNX node's name; "" when it had none */
    int32_t input_count;     /* inputs and outputs of the record (an absent optional input counts) */
    int32_t output_count;
    edge_tensor_info output; /* output 0: name, dtype, shape */
    uint64_t macs;           /* multiply-accumulates of one run: CONV, CONV_INT8: output elements × input channels per
                                group × kernel height × kernel width; CONV_TRANSPOSE: input elements × output channels
                                per group × kernel height × kernel width; GEMM, GEMM_INT8, MATMUL: output elements ×
                                inner dimension; 0 for every other kind */
} edge_operator_info;

/* Fills `info` for operator `index`; EDGE_ERROR_INVALID_ARGUMENT for a NULL argument or an index out of range. */
EDGE_API edge_status edge_model_operator_info(const edge_model *model, int32_t index, edge_operator_info *info);

/* Called by edge_context_invoke after each operator that succeeded, in run order: `user` as given to
   edge_context_set_observer, the operator's index, its kind and node name (as in edge_operator_info) and
   the nanoseconds its kernel took (clock_gettime(CLOCK_MONOTONIC) around the kernel). It runs on the
   invoking thread, inside invoke: it must not invoke, free or change the observer of this context. */
typedef void (*edge_operator_observer)(void *user, int32_t index, const char *kind, const char *name, uint64_t nanoseconds);

/* Sets the context's observer (and the `user` pointer passed to it); an `observer` of NULL removes it, and
   invoke then reads no clock. EDGE_ERROR_INVALID_ARGUMENT when `context` is NULL. */
EDGE_API edge_status edge_context_set_observer(edge_context *context, edge_operator_observer observer, void *user,
                                               edge_error *error);

/* ---- Client updates for federated averaging (formats/update.proto) ------------------------
 *
 * After training on its own data a device sends the server one update: per weight tensor the
 * difference between its weights and the global model's, in a compact encoding. The server
 * (`edgec aggregate`) folds a round's updates into the next global model. Building one:
 *
 *     edge_update *update;
 *     edge_update_create(edge_model_metadata(model, "source.sha256"), round, "c17", 120, &update, &error);
 *     edge_update_add_difference(update, "fc1.weight", dims, 2, local, global, EDGE_UPDATE_INT8, 0, &error);
 *     edge_update_add_delta(update, "fc1.bias", dims + 1, 1, bias_delta, EDGE_UPDATE_FP32, 0, &error);
 *     edge_update_set_loss(update, 0.31f);
 *     edge_update_write_file(update, "c17.pb", &error);     // or edge_update_serialize into a buffer
 *     edge_update_free(update);
 *
 * Names and dims are those of the weights in the base ONNX model (an initializer's name, or
 * the output name of the Constant node holding it); the base model's hash is the compiled
 * model's metadata "source.sha256". A weight left out has a zero delta.
 *
 * Memory. The encoder allocates (it is never part of invoke): each tensor is encoded when it
 * is added, into memory the update owns, so the caller's arrays may be reused at once. An
 * update touches no global state; different threads may build different updates. *
 * Inference-only builds. A runtime built with `edgec runtime build --inference-only` leaves the
 * encoder and protobuf-c out (a device that only runs models links neither). Its edge_update_*
 * functions still exist, so the same program links against either build, but do nothing:
 * edge_update_create, the add functions, edge_update_serialize and edge_update_write_file
 * return EDGE_ERROR_UNSUPPORTED with a message saying the runtime is inference-only (create
 * sets `*update` to NULL), the counts are 0, and the setters and edge_update_free ignore their
 * arguments. EDGE_ERROR_UNSUPPORTED from edge_update_create is how a program tells the two apart.
 */

/* How a tensor's delta is encoded; the values are update.proto's Encoding. Always add values at the end. */
typedef enum edge_update_encoding {
    EDGE_UPDATE_FP32 = 1, /* exact float32: 4 bytes per element */
    EDGE_UPDATE_FP16 = 2, /* IEEE half, round to nearest even: 2 bytes per element; |delta| < 65520 */
    EDGE_UPDATE_INT8 = 3, /* symmetric int8, scale = max|delta| / 127 per tensor: 1 byte per element */
    EDGE_UPDATE_TOPK = 4  /* the ceil(fraction * n) entries of largest |delta|: float32 values and index gaps */
} edge_update_encoding;

typedef struct edge_update edge_update;

/*
 * Starts an update. `base_model_sha256` is 64 lowercase hex digits, `client_id` 1 to 256 bytes
 * of UTF-8, `example_count` at least 1 (the client's weight in the average). The strings
 * are copied.
 */
EDGE_API edge_status edge_update_create(const char *base_model_sha256, uint64_t round, const char *client_id,
                                        uint64_t example_count, edge_update **update, edge_error *error);

/*
 * Adds the delta of weight `name` (`rank` dims at `dims`, row-major, at least one element),
 * encoded as `encoding`. `topk_fraction` is the share of entries kept by EDGE_UPDATE_TOPK, in
 * (0, 1] (at least one entry is kept; ties go to the lower index); other encodings ignore it.
 * Refused: a name already added or not valid UTF-8, a NaN or infinite delta, a delta too large
 * for fp16, more than 2^32 elements for top-k.
 */
EDGE_API edge_status edge_update_add_delta(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                           const float *delta, edge_update_encoding encoding, double topk_fraction,
                                           edge_error *error);

/* The same with the delta computed here as local[i] - global[i] (float32 arithmetic). */
EDGE_API edge_status edge_update_add_difference(edge_update *update, const char *name, const int64_t *dims,
                                                int32_t rank, const float *local, const float *global,
                                                edge_update_encoding encoding, double topk_fraction, edge_error *error);

/* Optional client metrics, reported to the server (never used in its arithmetic). */
EDGE_API void edge_update_set_loss(edge_update *update, float loss);
EDGE_API void edge_update_set_accuracy(edge_update *update, float accuracy);

/* Tensors added so far. */
EDGE_API int32_t edge_update_tensor_count(const edge_update *update);

/* Bytes edge_update_serialize writes: the ClientUpdate protobuf message. */
EDGE_API size_t edge_update_serialized_size(const edge_update *update);

/* Writes the update into `buffer`, which holds `buffer_size` >= edge_update_serialized_size() bytes. */
EDGE_API edge_status edge_update_serialize(const edge_update *update, void *buffer, size_t buffer_size,
                                           edge_error *error);

/* Writes the update to `path` through a temporary file and a rename: a reader never sees half a file. */
EDGE_API edge_status edge_update_write_file(const edge_update *update, const char *path, edge_error *error);

/* Releases an update. NULL is ignored. */
EDGE_API void edge_update_free(edge_update *update);

#ifdef __cplusplus
}
#endif

#endif /* EDGE_H */
