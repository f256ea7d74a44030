/*
 * internal.h — what the runtime's files share: the format's numbers (formats/edgem.md), the
 * parsed model, little-endian readers, checked size arithmetic, and each kernel family's
 * prepare (validate at load) and eval (run at invoke) entry points.
 *
 * Kernels follow one pattern: `prepare` runs once at load, checks everything the op's
 * semantics require of its tensors and params (counts, dtypes, exact output shapes) and
 * records the derived geometry and scratch size; `eval` trusts that and never fails except
 * on bad data it can only see at run time (a Gather index).
 */
#ifndef EDGE_INTERNAL_H
#define EDGE_INTERNAL_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "edge.h"

/* ---- the format's numbers ---------------------------------------------------------------- */

#define EDGE_NONE UINT32_C(0xFFFFFFFF)
#define EDGE_ALIGNMENT 64
#define EDGE_WEIGHT_ALIGNMENT 16 /* of tensors within WEIGHTS */
#define EDGE_HEADER_SIZE 64
#define EDGE_SECTION_ENTRY_SIZE 40
#define EDGE_MAX_SECTIONS 64
#define EDGE_TENSOR_RECORD_SIZE 64
#define EDGE_OPERATOR_HEADER_SIZE 12
#define EDGE_GRAPH_HEADER_SIZE 32

enum edge_section_kind {
    EDGE_SECTION_METADATA = 1,
    EDGE_SECTION_STRINGS = 2,
    EDGE_SECTION_GRAPH = 3,
    EDGE_SECTION_TENSORS = 4,
    EDGE_SECTION_OPERATORS = 5,
    EDGE_SECTION_WEIGHTS = 6,
    EDGE_SECTION_QUANTIZATION = 7
};

#define EDGE_SECTION_FLAG_OPTIONAL 1u

enum edge_compression { EDGE_COMPRESSION_NONE = 0, EDGE_COMPRESSION_LZ4 = 1, EDGE_COMPRESSION_ENTROPY = 2 };

/* An ENTROPY section's size is at most this many times its stored size. */
#define EDGE_ENTROPY_MAX_EXPANSION 128

enum edge_storage {
    EDGE_STORAGE_ARENA = 0,
    EDGE_STORAGE_WEIGHT = 1,
    EDGE_STORAGE_WEIGHT_SPARSE = 2,
    EDGE_STORAGE_REQUANTIZATION = 3 /* computed at load from the reading operator's quantization records */
};

/* The OPERATORS records' kinds (formats/edgem.md). The numbers are the file format: always add new
   kinds at the end, never renumber or reuse one. Each kind's name, kernel and flags are its row in
   operators.c. */
enum edge_op_kind {
    EDGE_OP_CONV = 1,
    EDGE_OP_CONV_TRANSPOSE = 2,
    EDGE_OP_GEMM = 3,
    EDGE_OP_MATMUL = 4,
    EDGE_OP_BINARY = 5,
    EDGE_OP_UNARY = 6,
    EDGE_OP_SOFTMAX = 7,
    EDGE_OP_MAX_POOL = 8,
    EDGE_OP_AVERAGE_POOL = 9,
    EDGE_OP_GLOBAL_AVERAGE_POOL = 10,
    EDGE_OP_GLOBAL_MAX_POOL = 11,
    EDGE_OP_BATCH_NORMALIZATION = 12,
    EDGE_OP_LRN = 13,
    EDGE_OP_CONCAT = 14,
    EDGE_OP_SPLIT = 15,
    EDGE_OP_SLICE = 16,
    EDGE_OP_GATHER = 17,
    EDGE_OP_RESHAPE = 18,
    EDGE_OP_TRANSPOSE = 19,
    EDGE_OP_EXPAND = 20,
    EDGE_OP_PAD = 21,
    EDGE_OP_RESIZE = 22,
    EDGE_OP_REDUCE = 23,
    EDGE_OP_CAST = 24,
    EDGE_OP_QUANTIZE = 25,
    EDGE_OP_DEQUANTIZE = 26,
    EDGE_OP_CONV_INT8 = 27,
    EDGE_OP_GEMM_INT8 = 28,
    EDGE_OP_ADD_INT8 = 29,
    EDGE_OP_MUL_INT8 = 30,
    EDGE_OP_CONCAT_INT8 = 31,
    EDGE_OP_LOOKUP = 32,
    EDGE_OP_SOFTMAX_INT8 = 33,
    EDGE_OP_AVERAGE_POOL_INT8 = 34,
    EDGE_OP_GLOBAL_AVERAGE_POOL_INT8 = 35,
    EDGE_OP_LAYER_NORMALIZATION = 36,
    EDGE_OP_COMPARE = 37,
    EDGE_OP_LOGICAL = 38,
    EDGE_OP_WHERE = 39,
    EDGE_OP_GATHER_ELEMENTS = 40,
    EDGE_OP_RECURRENT = 41,
    EDGE_OP_GROUP_NORMALIZATION = 42,
    EDGE_OP_GATHER_ND = 43,
    EDGE_OP_SCATTER_ND = 44,
    EDGE_OP_SCATTER_ELEMENTS = 45,
    EDGE_OP_DEPTH_TO_SPACE = 46,
    EDGE_OP_SPACE_TO_DEPTH = 47,
    EDGE_OP_TILE = 48,
    EDGE_OP_TRILU = 49,
    EDGE_OP_CUMSUM = 50,
    EDGE_OP_ARG_EXTREMUM = 51,
    EDGE_OP_TOP_K = 52
};

/* SCATTER_ND's and SCATTER_ELEMENTS' `reduction`. */
enum edge_scatter_reduction { EDGE_SCATTER_NONE = 0, EDGE_SCATTER_ADD = 1, EDGE_SCATTER_MUL = 2 };

enum edge_activation_kind {
    EDGE_ACTIVATION_NONE = 0,
    EDGE_ACTIVATION_RELU = 1,
    EDGE_ACTIVATION_CLIP = 2,
    EDGE_ACTIVATION_HARD_SWISH = 3,
    EDGE_ACTIVATION_LEAKY_RELU = 4,
    EDGE_ACTIVATION_SIGMOID = 5,
    EDGE_ACTIVATION_SILU = 6
};

enum edge_binary_op {
    EDGE_BINARY_ADD = 0, EDGE_BINARY_SUB = 1, EDGE_BINARY_MUL = 2, EDGE_BINARY_DIV = 3, EDGE_BINARY_POW = 4,
    EDGE_BINARY_MIN = 5, EDGE_BINARY_MAX = 6, EDGE_BINARY_MOD = 7, EDGE_BINARY_FMOD = 8,
    EDGE_BINARY_PRELU = 9
};

enum edge_unary_function {
    EDGE_UNARY_RELU = 0, EDGE_UNARY_LEAKY_RELU = 1, EDGE_UNARY_CLIP = 2, EDGE_UNARY_SIGMOID = 3,
    EDGE_UNARY_HARD_SIGMOID = 4, EDGE_UNARY_HARD_SWISH = 5, EDGE_UNARY_TANH = 6, EDGE_UNARY_SQRT = 7,
    EDGE_UNARY_EXP = 8, EDGE_UNARY_ERF = 9, EDGE_UNARY_NEG = 10, EDGE_UNARY_ABS = 11, EDGE_UNARY_ELU = 12,
    EDGE_UNARY_SELU = 13, EDGE_UNARY_CELU = 14, EDGE_UNARY_SOFTPLUS = 15, EDGE_UNARY_SOFTSIGN = 16, EDGE_UNARY_MISH = 17,
    EDGE_UNARY_RECIPROCAL = 18, EDGE_UNARY_FLOOR = 19, EDGE_UNARY_CEIL = 20, EDGE_UNARY_ROUND = 21, EDGE_UNARY_SIGN = 22,
    EDGE_UNARY_LOG = 23, EDGE_UNARY_SIN = 24, EDGE_UNARY_COS = 25, EDGE_UNARY_GELU = 26, EDGE_UNARY_GELU_TANH = 27,
    EDGE_UNARY_SILU = 28
};

/* ---- little-endian reads (records are read with memcpy-free byte assembly: any alignment) -- */

static inline uint16_t edge_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (unsigned)p[1] << 8); }

static inline uint32_t edge_read_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t edge_read_u64(const uint8_t *p)
{
    return (uint64_t)edge_read_u32(p) | (uint64_t)edge_read_u32(p + 4) << 32;
}

static inline int32_t edge_read_i32(const uint8_t *p)
{
    uint32_t bits = edge_read_u32(p);
    int32_t value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static inline float edge_read_f32(const uint8_t *p)
{
    uint32_t bits = edge_read_u32(p);
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* ---- checked size arithmetic: false on overflow ------------------------------------------ */

static inline bool edge_size_mul(size_t a, size_t b, size_t *result) { return !__builtin_mul_overflow(a, b, result); }
static inline bool edge_size_add(size_t a, size_t b, size_t *result) { return !__builtin_add_overflow(a, b, result); }

/* x rounded up to a multiple of 64, or false when that overflows. */
static inline bool edge_size_align(size_t x, size_t *result)
{
    if (x > SIZE_MAX - (EDGE_ALIGNMENT - 1)) return false;
    *result = (x + EDGE_ALIGNMENT - 1) & ~(size_t)(EDGE_ALIGNMENT - 1);
    return true;
}

/* A u64 from the file as a size_t (32-bit targets refuse what they cannot address). */
static inline bool edge_size_from_u64(uint64_t x, size_t *result)
{
    if (x > (uint64_t)SIZE_MAX) return false;
    *result = (size_t)x;
    return true;
}

/* ---- small float helpers with the reference executor's NaN behaviour (Swift's min/max) ---- */

static inline float edge_maxf(float x, float y) { return y >= x ? y : x; }
static inline float edge_minf(float x, float y) { return y < x ? y : x; }
/* x within [low, high]: CLIP (and RELU as [0, ∞)), the one formula of the operator, the fused
   activation and the float tiles' finish. */
static inline float edge_clamp(float x, float low, float high) { return edge_minf(edge_maxf(x, low), high); }
/* The larger of acc and v, a NaN v taken and then kept: MAX_POOL's and REDUCE max's rule. */
static inline float edge_max_keeping_nan(float acc, float v) { return (v > acc || v != v) ? v : acc; }
static inline size_t edge_min(size_t a, size_t b) { return a < b ? a : b; }
/* e^x without a call or a branch, so that loops using it vectorize (a libm expf per element was
   most of a float EfficientNet's time in SiLU): Cephes' expf — x = n·ln 2 + r with ln 2 in two
   parts, a degree-5 polynomial in r, 2^n written into the exponent bits — within 2 ulp of expf.
   x is clamped to [-87.3, 88] (results stay normal and finite); a NaN passes through.
   `madd(a, b, c)` is a · b + c: EDGE_MUL_ADD (two roundings), or a fused multiply-add in the
   variant compiled for CPUs that have one, whose target attribute is `attributes`. */
#define EDGE_MUL_ADD(a, b, c) ((a) * (b) + (c))
#define EDGE_EXP_POLYNOMIAL(name, madd, attributes)                                                             \
    attributes static inline float name(float x)                                                                \
    {                                                                                                           \
        x = x > 88.0f ? 88.0f : x;                                                                              \
        x = x < -87.3f ? -87.3f : x;                                                                            \
        /* n = round(x / ln 2), by adding 1.5·2^23: the sum's low mantissa bits then hold n. */                 \
        const float shifter = 12582912.0f;                                                                      \
        float t = madd(x, 1.44269504088896341f, shifter);                                                       \
        float n = t - shifter;                                                                                  \
        float r = madd(n, -0.693359375f, x);                                                                    \
        r = madd(n, 2.12194440e-4f, r);                                                                         \
        float p = 1.9875691500e-4f;                                                                             \
        p = madd(p, r, 1.3981999507e-3f);                                                                       \
        p = madd(p, r, 8.3334519073e-3f);                                                                       \
        p = madd(p, r, 4.1665795894e-2f);                                                                       \
        p = madd(p, r, 1.6666665459e-1f);                                                                       \
        p = madd(p, r, 5.0000001201e-1f);                                                                       \
        p = madd(p, r * r, r) + 1.0f;                                                                           \
        uint32_t bits;                                                                                          \
        memcpy(&bits, &t, sizeof bits);                                                                         \
        uint32_t power_bits = (bits - 0x4B400000u + 127u) << 23; /* 0x4B400000: the bits of the shifter */      \
        float power;                                                                                            \
        memcpy(&power, &power_bits, sizeof power);                                                              \
        return p * power;                                                                                       \
    }

/* The logistic function (UNARY's sigmoid and SiLU, the recurrent gates), finite for large |x|:
   e^-|x| never overflows, and for x < 0 the result is e^x / (1 + e^x). */
#define EDGE_LOGISTIC(name, exp_polynomial, attributes)                                                         \
    attributes static inline float name(float x)                                                                \
    {                                                                                                           \
        float e = exp_polynomial(-fabsf(x));                                                                    \
        float positive = 1.0f / (1.0f + e);                                                                     \
        return x >= 0.0f ? positive : e * positive;                                                             \
    }

EDGE_EXP_POLYNOMIAL(edge_exp_polynomial, EDGE_MUL_ADD, )
EDGE_LOGISTIC(edge_logistic, edge_exp_polynomial, )

/* HardSwish as ONNX defines it, x · max(0, min(1, x/6 + 1/2)): the one formula of the runtime,
   for the UNARY function and the fused activation alike (Swift's UnaryOperator.apply writes the same). */
static inline float edge_hard_swish(float x) { return x * edge_maxf(0.0f, edge_minf(1.0f, x / 6.0f + 0.5f)); }

/* ---- errors ------------------------------------------------------------------------------- */

/* Fills `error` (when not NULL) with `status` and a formatted one-line message; returns `status`. */
edge_status edge_fail(edge_error *error, edge_status status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
/* edge_fail with `prefix` (may be NULL) before the message, for edge_op_fail. */
edge_status edge_vfail(edge_error *error, edge_status status, const char *prefix, const char *format, va_list arguments)
    __attribute__((format(printf, 4, 0)));

/* The dtype's element size in bytes, or 0 for a value this runtime does not know. */
size_t edge_dtype_size(uint32_t dtype);
/* "float32", ...; "unknown" for an unknown value. */
const char *edge_dtype_name(uint32_t dtype);

/* ---- CRC-32 (zlib's) ------------------------------------------------------------------------ */

/* Decodes an LZ4-compressed section (one block, lz4.c) into exactly `size` bytes: NULL, or what is wrong. */
const char *edge_lz4_decode(const uint8_t *stored, size_t stored_size, uint8_t *output, size_t size);

/* Decodes an ENTROPY-compressed section into exactly `size` bytes: NULL, or what is wrong. */
const char *edge_entropy_decode(const uint8_t *stored, size_t stored_size, uint8_t *output, size_t size);

/* Continues a CRC-32: start with edge_crc32_update(0, ...); the result is the final CRC. */
uint32_t edge_crc32_update(uint32_t crc, const void *data, size_t size);

/* ---- the parsed model ------------------------------------------------------------------------ */

/* One QUANTIZATION record, checked at load: real = scale × (q − zero_point), per tensor (axis −1,
   count 1) or per slice along `axis`. The arrays point into the section (little-endian f32, i32). */
typedef struct edge_quantization {
    int32_t axis;
    uint32_t count;
    const uint8_t *scales;
    const uint8_t *zero_points;
} edge_quantization;

typedef struct edge_tensor {
    const char *name;
    uint8_t dtype;
    uint8_t storage;
    int32_t rank;
    uint32_t dims[EDGE_MAX_RANK];
    size_t count;          /* elements */
    size_t bytes;          /* count × dtype size (dense, also for sparse weights) */
    size_t offset;         /* ARENA: byte offset in the arena */
    const uint8_t *weight; /* WEIGHT, WEIGHT_SPARSE: the dense bytes */
    const edge_quantization *quantization; /* NULL when the tensor has none */
    float scale;                           /* the first scale and zero point of `quantization` (1 and 0 without) */
    int32_t zero_point;
} edge_tensor;

typedef struct edge_activation {
    int32_t kind;
    float alpha;
    float beta;
} edge_activation;

/* A 3-D convolution (2-D lifted to a depth of 1, 1-D also to a height of 1), for CONV and
   CONV_TRANSPOSE. `planar` geometries (depth 1 everywhere, no depth padding) are the 2-D ones the
   depthwise and int8 paths run, reading only the height and width fields. */
typedef struct edge_conv_params {
    size_t batch, in_channels, in_depth, in_height, in_width;
    size_t out_channels, out_depth, out_height, out_width;
    size_t kernel_depth, kernel_height, kernel_width;
    size_t group;
    ptrdiff_t stride_d, stride_h, stride_w, dilation_d, dilation_h, dilation_w, pad_front, pad_top, pad_left;
    bool planar, depthwise, pointwise;
    edge_activation activation;
} edge_conv_params;

/* Rows and columns of the padded input that a convolution's windows reach (at most the input plus
   its pads). */
static inline size_t edge_conv_padded_height(const edge_conv_params *g)
{
    return (g->out_height - 1) * (size_t)g->stride_h + (g->kernel_height - 1) * (size_t)g->dilation_h + 1;
}

static inline size_t edge_conv_padded_width(const edge_conv_params *g)
{
    return (g->out_width - 1) * (size_t)g->stride_w + (g->kernel_width - 1) * (size_t)g->dilation_w + 1;
}

typedef struct edge_gemm_params {
    size_t m, n, k;
    bool transpose_a, transpose_b;
    float alpha, beta;
    size_t c_row_stride, c_column_stride; /* C broadcast to [m, n]: 0 along broadcast axes */
    edge_activation activation;
} edge_gemm_params;

typedef struct edge_matmul_params {
    size_t m, n, k;
    int32_t batch_rank;
    size_t batch_dims[EDGE_MAX_RANK];
    size_t a_batch_strides[EDGE_MAX_RANK], b_batch_strides[EDGE_MAX_RANK]; /* in matrices, 0 when broadcast */
    edge_activation activation;
} edge_matmul_params;

/* An output shape walked row-major with each operand's element strides (0 along broadcast axes),
   with adjacent axes merged where both operands allow it. */
typedef struct edge_broadcast {
    int32_t rank;
    size_t dims[EDGE_MAX_RANK];
    size_t a_strides[EDGE_MAX_RANK];
    size_t b_strides[EDGE_MAX_RANK];
} edge_broadcast;

typedef struct edge_binary_params {
    int32_t op;
    edge_activation activation;
    edge_broadcast walk;
} edge_binary_params;

typedef struct edge_unary_params {
    int32_t function;
    float alpha, beta;
} edge_unary_params;

typedef struct edge_softmax_params {
    size_t outer, length, inner;
} edge_softmax_params;

/* MAX_POOL and AVERAGE_POOL windows, 3-D (2-D lifted to a depth of 1, 1-D also to a height of 1);
   the int8 pools run the 2-D ones and read only the height and width fields. */
typedef struct edge_pool_params {
    size_t planes, in_depth, in_height, in_width, out_depth, out_height, out_width;
    ptrdiff_t kernel_d, kernel_h, kernel_w, stride_d, stride_h, stride_w, dilation_d, dilation_h, dilation_w;
    ptrdiff_t pad_front, pad_top, pad_left, pad_back, pad_bottom, pad_right;
    bool count_include_pad;
} edge_pool_params;

typedef struct edge_global_pool_params {
    size_t planes, plane;
} edge_global_pool_params;

typedef struct edge_batch_norm_params {
    size_t batch, channels, plane;
    float epsilon;
} edge_batch_norm_params;

typedef struct edge_lrn_params {
    size_t batch, channels, plane, size;
    float alpha, beta, bias;
} edge_lrn_params;

typedef struct edge_axis_params {
    int32_t axis;
    size_t outer;       /* product of the dims before the axis */
    size_t inner_bytes; /* bytes of one step along the axis's trailing dims (dims after the axis × element size) */
} edge_axis_params;

typedef struct edge_gather_params {
    int32_t axis;
    size_t outer, axis_size, inner_bytes, index_count;
} edge_gather_params;

/* SLICE, TRANSPOSE and EXPAND: the output walked row-major reading the input at element strides. */
typedef struct edge_layer_norm_params {
    size_t outer, size; /* `outer` runs of `size` elements, each normalized */
    float epsilon;
    bool has_bias;
} edge_layer_norm_params;

/* COMPARE and LOGICAL: a comparison or logic function of two operands walked as BINARY walks them. */
typedef struct edge_compare_params {
    int32_t function;
    uint32_t dtype; /* of the operands */
    edge_broadcast walk;
} edge_compare_params;

/* WHERE and GATHER_ELEMENTS: the output walked row-major with each operand's element strides. */
typedef struct edge_select_params {
    int32_t rank;
    size_t dims[EDGE_MAX_RANK];
    size_t strides[3][EDGE_MAX_RANK]; /* WHERE: condition, X, Y; GATHER_ELEMENTS: data (0 along the axis), indices */
    size_t element_size;
    int32_t axis;      /* GATHER_ELEMENTS, SCATTER_ELEMENTS */
    size_t axis_size;  /* GATHER_ELEMENTS, SCATTER_ELEMENTS: data's size along the axis */
    size_t axis_stride;
    int32_t reduction; /* SCATTER_ELEMENTS: enum edge_scatter_reduction */
} edge_select_params;

/* GATHER_ND and SCATTER_ND: `batches` × `tuples` index tuples of `depth` coordinates along data's
   axes batch_dims.. (`dims`, element `strides`), each addressing a slice of `slice` elements. */
typedef struct edge_slices_params {
    int32_t batch_dims;
    int32_t reduction; /* SCATTER_ND: enum edge_scatter_reduction */
    size_t batches, tuples, depth, slice, batch_stride, element_size;
    size_t dims[EDGE_MAX_RANK], strides[EDGE_MAX_RANK];
} edge_slices_params;

/* GROUP_NORMALIZATION: `batch` samples of `channels` channels of `plane` values; each sample's
   channels normalized in `groups` runs of channels / groups channels. */
typedef struct edge_group_norm_params {
    size_t batch, channels, groups, plane;
    float epsilon;
    bool per_group; /* scale and bias hold one value per group rather than per channel */
} edge_group_norm_params;

typedef struct edge_recurrent_params {
    int32_t cell, direction, layout;
    bool linear_before_reset;
    size_t hidden, directions, gates, steps, batch, features;
} edge_recurrent_params;

typedef struct edge_strided_params {
    int32_t rank;
    size_t dims[EDGE_MAX_RANK];
    ptrdiff_t strides[EDGE_MAX_RANK];
    size_t base; /* element offset of the first read */
} edge_strided_params;

/* TRILU: each of `matrices` [rows × columns] matrices keeps the elements with j − i ≥ k (upper) or
   j − i ≤ k (lower) and zeroes the others. */
typedef struct edge_trilu_params {
    size_t matrices, rows, columns, element_size;
    int64_t k;
    bool upper;
} edge_trilu_params;

/* CUMSUM, ARG_EXTREMUM and TOP_K: the input walked as `outer` × `inner` lines of `length` elements
   along one axis (element stride `inner`). */
typedef struct edge_line_params {
    size_t outer, length, inner;
    size_t k;            /* TOP_K: values kept per line */
    uint8_t dtype;       /* of the input */
    bool exclusive;      /* CUMSUM */
    bool reverse;        /* CUMSUM */
    bool largest;        /* ARG_EXTREMUM: max rather than min; TOP_K: largest first */
    bool select_last;    /* ARG_EXTREMUM: the last extreme position rather than the first */
} edge_line_params;

typedef struct edge_pad_params {
    int32_t mode;
    float value;
    ptrdiff_t begins[EDGE_MAX_RANK];
    uint8_t fill[8]; /* `value` in the tensor's dtype */
} edge_pad_params;

typedef struct edge_resize_params {
    int32_t mode, coordinate, nearest;
    float cubic_coeff_a;
    bool exclude_outside, antialias;
    float scales[EDGE_MAX_RANK]; /* per axis; the scale used (given, else output/input) */
    bool resized[EDGE_MAX_RANK];
    size_t table_offset;         /* scratch bytes before the index tables (ping-pong buffers first) */
} edge_resize_params;

typedef struct edge_reduce_params {
    int32_t kind;
    size_t divisor;
    edge_broadcast walk; /* over the input; a_strides walk the input, b_strides the output */
} edge_reduce_params;

typedef struct edge_cast_params {
    uint8_t to;
} edge_cast_params;

/* CONV_INT8: the float convolution's geometry (its activation unused), the clamp, the zero points. */
typedef struct edge_conv_int8_params {
    edge_conv_params conv;
    int32_t act_min, act_max;
    int32_t input_zero, output_zero;
    const struct edge_int8_kernels *kernels; /* the optimized path's kernels (kernels/int8_fast.h), its
                                                scratch reserved; NULL: the reference kernel runs */
} edge_conv_int8_params;

/* GEMM_INT8: Y[rows × n] from A[rows × k] and W[n × k]. */
typedef struct edge_gemm_int8_params {
    size_t rows, n, k;
    int32_t act_min, act_max;
    int32_t input_zero, output_zero;
    const struct edge_int8_kernels *kernels; /* as in edge_conv_int8_params */
} edge_gemm_int8_params;

/* ADD_INT8 and MUL_INT8 (MUL uses only the out_* fields). */
typedef struct edge_binary_int8_params {
    edge_broadcast walk;
    int32_t a_zero, b_zero, output_zero;
    int32_t left_shift, a_multiplier, a_shift, b_multiplier, b_shift, out_multiplier, out_shift;
    int32_t act_min, act_max;
    const struct edge_int8_kernels *kernels; /* the optimized path's kernels (kernels/int8_fast.h), or NULL:
                                                the reference walk (a broadcast other than the ones it takes) */
} edge_binary_int8_params;

/* CONCAT_INT8: the byte walk of CONCAT; the per-input multiplier and shift stay in the file's
   params (`fields`, two i32 per input after the axis), checked at load. */
typedef struct edge_concat_int8_params {
    edge_axis_params axis;
    const uint8_t *fields;
    const struct edge_int8_kernels *kernels; /* as in edge_conv_int8_params */
} edge_concat_int8_params;

struct edge_op_info;

typedef struct edge_operator {
    uint32_t index;
    uint16_t kind;
    const struct edge_op_info *info; /* its row of operators.c, set by the loader (which refuses unknown kinds) */
    uint8_t input_count;
    uint8_t output_count;
    const char *name;
    const uint32_t *tensors; /* input_count inputs (EDGE_NONE when absent), then output_count outputs */
    size_t scratch_bytes;
    void *prepared; /* what prepare derived from the operator's constants, or NULL; freed with the model */
    size_t prepared_bytes; /* its size, counted in edge_model_weight_bytes */
    union {
        edge_conv_params conv;
        edge_gemm_params gemm;
        edge_matmul_params matmul;
        edge_binary_params binary;
        edge_unary_params unary;
        edge_softmax_params softmax;
        edge_pool_params pool;
        edge_global_pool_params global_pool;
        edge_batch_norm_params batch_norm;
        edge_lrn_params lrn;
        edge_axis_params axis;
        edge_gather_params gather;
        edge_strided_params strided;
        edge_trilu_params trilu;
        edge_line_params line;
        edge_layer_norm_params layer_norm;
        edge_compare_params compare;
        edge_select_params select;
        edge_slices_params slices;
        edge_group_norm_params group_norm;
        edge_recurrent_params recurrent;
        edge_pad_params pad;
        edge_resize_params resize;
        edge_reduce_params reduce;
        edge_cast_params cast;
        edge_conv_int8_params conv_int8;
        edge_gemm_int8_params gemm_int8;
        edge_binary_int8_params binary_int8;
        edge_concat_int8_params concat_int8;
    } params;
} edge_operator;

typedef struct edge_metadata_entry {
    const char *key;
    const char *value;
} edge_metadata_entry;

struct edge_model {
    const uint8_t *data; /* the file's bytes */
    size_t size;
    void *mapping;       /* owned mmap of the file (edge_model_load_file), else NULL */
    size_t mapping_size;

    void *owned[EDGE_MAX_SECTIONS]; /* decompressed sections */
    void *sparse;                   /* expanded sparse weights */
    void *derived;                  /* REQUANTIZATION arrays computed at load */
    char *metadata_text;            /* NUL-terminated copies of metadata keys and values */

    const char *name;
    const char *strings;
    size_t strings_size;

    edge_tensor *tensors;
    uint32_t tensor_count;
    edge_operator *operators;
    uint32_t operator_count;
    uint32_t *operator_tensors;

    uint32_t *inputs;
    uint32_t input_count;
    uint32_t *outputs;
    uint32_t output_count;

    edge_metadata_entry *metadata;
    uint32_t metadata_count;

    edge_quantization *quantizations; /* the QUANTIZATION records */
    uint32_t quantization_count;

    size_t planned_arena; /* GRAPH.arena_size */
    size_t scratch_size;  /* the largest kernel scratch, 64-byte aligned */
    size_t arena_size;    /* planned_arena + scratch_size */
    size_t weight_bytes;
};

struct edge_context {
    const edge_model *model;
    uint8_t *arena;
    void *allocation; /* the arena when the context allocated it */
    edge_operator_observer observer; /* edge_context_set_observer; NULL: invoke untimed */
    void *observer_user;
};

/* The tensor behind operator input/output `slot` (inputs first), or NULL when absent. */
static inline const edge_tensor *edge_op_tensor(const edge_model *model, const edge_operator *op, unsigned slot)
{
    uint32_t index = op->tensors[slot];
    return index == EDGE_NONE ? NULL : &model->tensors[index];
}

static inline const edge_tensor *edge_op_input(const edge_model *model, const edge_operator *op, unsigned i)
{
    return edge_op_tensor(model, op, i);
}

static inline const edge_tensor *edge_op_output(const edge_model *model, const edge_operator *op, unsigned i)
{
    return edge_op_tensor(model, op, (unsigned)op->input_count + i);
}

/* Where a tensor's bytes are during invoke. */
static inline uint8_t *edge_tensor_data(const edge_tensor *tensor, uint8_t *arena)
{
    return tensor->storage == EDGE_STORAGE_ARENA ? arena + tensor->offset : (uint8_t *)(uintptr_t)tensor->weight;
}

/* ---- shared by prepare functions ------------------------------------------------------------- */

/* Fails with "operator I (KIND 'name'): ..." (operators.c) */
edge_status edge_op_fail(edge_error *error, const edge_operator *op, edge_status status, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* "[1,3,224,224]" into `buffer` (at least EDGE_SHAPE_TEXT bytes). */
#define EDGE_SHAPE_TEXT 100
const char *edge_shape_text(const edge_tensor *tensor, char *buffer);
/* A window's extents for messages, "HxW" or (`volumetric`) "DxHxW", into `buffer` (at least
   EDGE_SHAPE_TEXT bytes). */
const char *edge_window_text(size_t depth, size_t height, size_t width, bool volumetric, char *buffer);

/* Checks the operator has `min..max` inputs and exactly `outputs` outputs, and that inputs below
   `required` are present. */
edge_status edge_check_arity(const edge_operator *op, unsigned min_inputs, unsigned max_inputs, unsigned required,
                             unsigned outputs, edge_error *error);
/* Checks params_size == 4 × fields. */
edge_status edge_check_params(const edge_operator *op, uint32_t params_size, unsigned fields, edge_error *error);
/* Checks the tensor has `dtype`; `what` names it in the message ("input", "weight", ...). */
edge_status edge_check_dtype(const edge_operator *op, const edge_tensor *tensor, uint32_t dtype, const char *what,
                             edge_error *error);
/* Checks the output has the input's dtype (the ops that move bytes). */
edge_status edge_check_same_dtype(const edge_operator *op, const edge_tensor *x, const edge_tensor *y, edge_error *error);
/* Checks an index tensor is INT64 or INT32. */
edge_status edge_check_indices(const edge_operator *op, const edge_tensor *indices, edge_error *error);
/* Element `i` of `indices` (its bytes at `data`) as a position along `axis` of size `dim`, negative
   values counting from the end; an EXECUTION error naming the operator when it falls outside. The
   one index check of GATHER, GATHER_ELEMENTS, GATHER_ND and the scatters. */
edge_status edge_index_position(const edge_operator *op, const edge_tensor *indices, const uint8_t *data, size_t i, int32_t axis,
                                size_t dim, size_t *position, edge_error *error);
/* Row-major element strides. */
void edge_strides(const edge_tensor *tensor, ptrdiff_t *strides);
/* Checks two tensors have the same rank and dims. */
bool edge_same_shape(const edge_tensor *a, const edge_tensor *b);
/* Reads and checks a fused activation (kind, alpha, beta) at params + 4 × field. */
edge_status edge_read_activation(const edge_operator *op, const uint8_t *params, unsigned field,
                                 edge_activation *activation, edge_error *error);

/* An axis field in [-rank, rank), normalized; -1 when out of range. */
static inline int32_t edge_axis(int32_t axis, int32_t rank)
{
    if (axis < 0) axis += rank;
    return axis >= 0 && axis < rank ? axis : -1;
}

/* Product of dims[from..to). */
size_t edge_dims_product(const edge_tensor *tensor, int32_t from, int32_t to);

/* NumPy broadcasting of `a` and `b` (either may be NULL for "same as out") to `out`'s shape;
   false when they do not broadcast to exactly that shape. */
bool edge_broadcast_plan(const edge_tensor *a, const edge_tensor *b, const edge_tensor *out, edge_broadcast *walk);
/* Element strides of `tensor` read as `rank` dims (leading 1s added), 0 along axes of size 1;
   false when it does not broadcast to `dims`. */
bool edge_broadcast_strides(const edge_tensor *tensor, int32_t rank, const uint32_t *dims, size_t *strides);
/* The same walk from explicit dims and element strides (`rank` axes). */
void edge_broadcast_walk_strides(int32_t rank, const size_t *dims, const size_t *a, const size_t *b, edge_broadcast *walk);

/* A strided walk over `rank` output dims read at the input's element `strides` from element `base`,
   axes of size 1 dropped and contiguous neighbours merged (layout.c), as SLICE, TRANSPOSE and EXPAND
   run it. */
void edge_strided_walk_plan(int32_t rank, const size_t *dims, const ptrdiff_t *strides, size_t base, edge_strided_params *s);

/* The spatial fields of a window operator (CONV, CONV_TRANSPOSE, CONV_INT8, the pools): `runs`
   runs starting at params + 4 × `field`, each one value per spatial axis — 2 for a 1-D or 2-D op,
   3 (`axes`) for a 3-D op — read into [depth, height, width] (a 2-D op's depth is 1, its depth pads
   0). The runs are EDGE_WINDOW_KERNEL to EDGE_WINDOW_PAD_END from `first`; each value is checked
   against [minimum, 2^24] (1 for kernels, strides and dilations, 0 for pads), naming the field. */
/* The spatial dims of an [N, C, ...] tensor of rank 3 to 5 as [depth, height, width], 1 for the
   axes it lacks (a 2-D op's depth, a 1-D op's depth and height). */
void edge_window_dims(const edge_tensor *tensor, size_t dims[3]);
enum { EDGE_WINDOW_KERNEL, EDGE_WINDOW_STRIDE, EDGE_WINDOW_DILATION, EDGE_WINDOW_PAD_BEGIN, EDGE_WINDOW_PAD_END, EDGE_WINDOW_RUNS };
edge_status edge_read_window(const edge_operator *op, const uint8_t *params, unsigned field, int axes, int first, int32_t window[EDGE_WINDOW_RUNS][3],
                             edge_error *error);

/* CONV's checks and geometry (conv.c), shared with CONV_INT8 (`int8`: inputs X, W, B, R; params the 9
   geometry fields, then act_min, act_max; dtypes left to the caller). */
edge_status edge_conv_window_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, bool int8,
                                     edge_error *error);

/* ---- quantization (quantization.c) ---------------------------------------------------------- */

/* Parses and checks every QUANTIZATION record; `bytes` is NULL when the file has no such section. */
edge_status edge_load_quantization(edge_model *model, const uint8_t *bytes, size_t size, edge_error *error);
/* Gives tensor `index` its record (`record` may be EDGE_NONE), checking that the record fits it:
   an integer dtype, the axis within its rank, one scale per slice, zero points in the dtype's range. */
edge_status edge_bind_quantization(const edge_model *model, uint32_t index, edge_tensor *tensor, uint32_t record, edge_error *error);
/* Checks `tensor` is INT8 with one scale and zero point, as int8 operators need of their activations. */
edge_status edge_check_int8_activation(const edge_operator *op, const edge_tensor *tensor, const char *what, edge_error *error);
/* Checks an int8 operator's table or requantization array: `dtype`, shape `dims`, no quantization,
   and (when `constant`) a WEIGHT tensor, so that its values can be checked at load. */
edge_status edge_check_int8_table(const edge_operator *op, const edge_tensor *tensor, uint32_t dtype, int32_t rank, const uint32_t *dims,
                                  bool constant, const char *what, edge_error *error);
/* Whether two tensors have the same quantization (both none, or records with equal contents). */
bool edge_same_quantization(const edge_tensor *a, const edge_tensor *b);
/* TFLite's QuantizeMultiplier as formats/edgem.md gives it: `real` = multiplier · 2^(shift − 31). */
void edge_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift);
/* Fills the REQUANTIZATION array `r` (input 3 of a CONV_INT8 or GEMM_INT8: the kinds flagged
   EDGE_OP_FLAG_DERIVED_REQUANTIZATION) from the scales of the operator's input 0, input 1 (the
   weights) and output 0. */
edge_status edge_derive_requantization(const edge_model *model, const edge_operator *op, edge_tensor *r, edge_error *error);
/* Checks a requantization `multiplier` (0 to 2^31 - 1) and `shift` (-31 to 31); `what` names them. */
edge_status edge_check_requantization(const edge_operator *op, int32_t multiplier, int32_t shift, const char *what, edge_error *error);
/* Reads `act_min, act_max` at params + 4 × field: -128 <= act_min <= act_max <= 127. */
edge_status edge_read_int8_clamp(const edge_operator *op, const uint8_t *params, unsigned field, int32_t *act_min, int32_t *act_max,
                                 edge_error *error);
/* What CONV_INT8 and GEMM_INT8 share (gemm_int8.c): W (input 1) constant INT8 with zero points 0, per
   tensor or per output channel, `channels` rows of `depth`; B (input 2) absent or a constant INT32
   [channels]; R (input 3) a constant INT32 [channels, 2] of valid multipliers and shifts; and no
   accumulator can overflow 32 bits. */
edge_status edge_check_int8_weights(const edge_model *model, const edge_operator *op, size_t channels, size_t depth, edge_error *error);
/* After an operator's prepare: the ops that move int8 values unchanged (MAX_POOL, RESIZE, PAD and the
   bytewise ops: the kinds flagged EDGE_OP_FLAG_PASSTHROUGH*) need the same quantization on their int8
   data inputs and outputs. */
edge_status edge_check_passthrough_quantization(const edge_model *model, const edge_operator *op, edge_error *error);

/* ---- kernel families ----------------------------------------------------------------------- */

/* Each family's prepare and eval, which the table in operators.c points to (a family may serve
   several kinds that decode their params alike). */
#define EDGE_KERNEL(family)                                                                                   \
    edge_status edge_##family##_prepare(const edge_model *model, edge_operator *op, const uint8_t *params,    \
                                        uint32_t params_size, edge_error *error);                             \
    edge_status edge_##family##_eval(const edge_model *model, const edge_operator *op, uint8_t *arena,         \
                                     void *scratch, edge_error *error);

EDGE_KERNEL(conv)
EDGE_KERNEL(conv_transpose)
EDGE_KERNEL(gemm)
EDGE_KERNEL(matmul)
EDGE_KERNEL(binary)
EDGE_KERNEL(unary)
EDGE_KERNEL(softmax)
EDGE_KERNEL(pool)
EDGE_KERNEL(global_pool)
EDGE_KERNEL(batch_norm)
EDGE_KERNEL(lrn)
EDGE_KERNEL(layer_norm)
EDGE_KERNEL(compare)
EDGE_KERNEL(logical)
EDGE_KERNEL(where)
EDGE_KERNEL(gather_elements)
EDGE_KERNEL(group_norm)
EDGE_KERNEL(gather_nd)
EDGE_KERNEL(scatter_nd)
EDGE_KERNEL(scatter_elements)
EDGE_KERNEL(recurrent)
EDGE_KERNEL(tile)
EDGE_KERNEL(trilu)
EDGE_KERNEL(cumsum)
EDGE_KERNEL(arg_extremum)
EDGE_KERNEL(top_k)
EDGE_KERNEL(concat)
EDGE_KERNEL(split)
EDGE_KERNEL(slice)
EDGE_KERNEL(gather)
EDGE_KERNEL(reshape)
EDGE_KERNEL(transpose)
EDGE_KERNEL(expand)
EDGE_KERNEL(pad)
EDGE_KERNEL(resize)
EDGE_KERNEL(reduce)
EDGE_KERNEL(cast)
EDGE_KERNEL(quantize)
EDGE_KERNEL(dequantize)
EDGE_KERNEL(conv_int8)
EDGE_KERNEL(gemm_int8)
EDGE_KERNEL(add_int8)
EDGE_KERNEL(mul_int8)
EDGE_KERNEL(concat_int8)
EDGE_KERNEL(lookup)
EDGE_KERNEL(softmax_int8)
EDGE_KERNEL(pool_int8)
EDGE_KERNEL(global_pool_int8)

#undef EDGE_KERNEL

/* DEPTH_TO_SPACE and SPACE_TO_DEPTH (rearrange.c) plan TRANSPOSE's strided walk (op->params.strided),
   which edge_transpose_eval runs. */
edge_status edge_depth_to_space_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error);
edge_status edge_space_to_depth_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error);

/* ---- the operator table (operators.c) ------------------------------------------------------ */

typedef edge_status (*edge_prepare_fn)(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                       edge_error *error);
typedef edge_status (*edge_eval_fn)(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch,
                                    edge_error *error);

/* What the loader asks of a kind besides its kernel. A row sets at most one PASSTHROUGH and at most
   one IN_PLACE flag. */
enum edge_op_flag {
    /* Moves int8 values unchanged from input 0 to its outputs, so when input 0 is INT8 they must share
       its quantization (edge_check_passthrough_quantization); the other inputs are indices or shapes. */
    EDGE_OP_FLAG_PASSTHROUGH = 1u << 0,
    /* The same for every input (CONCAT). */
    EDGE_OP_FLAG_PASSTHROUGH_ALL_INPUTS = 1u << 1,
    /* The memory plan may put output 0 on exactly the bytes of an input dying at this operator: the
       kernel reads each element before writing the same element. */
    EDGE_OP_FLAG_IN_PLACE = 1u << 2,
    /* The same for input 0 only (BATCH_NORMALIZATION: the others are per-channel vectors). */
    EDGE_OP_FLAG_IN_PLACE_FIRST = 1u << 3,
    /* The same for an input of the output's shape only (BINARY: a broadcast operand is read again
       after its bytes were written). */
    EDGE_OP_FLAG_IN_PLACE_SAME_SHAPE = 1u << 4,
    /* Input 3 may be a derived REQUANTIZATION array, computed at load from the scales of input 0,
       input 1 and output 0 (edge_derive_requantization). */
    EDGE_OP_FLAG_DERIVED_REQUANTIZATION = 1u << 5
};

/* One row of the table: everything the runtime knows about a kind outside its kernel. */
typedef struct edge_op_info {
    const char *name;        /* as in formats/edgem.md, for messages */
    edge_prepare_fn prepare; /* at load: checks the record, decodes its params into op->params */
    edge_eval_fn eval;       /* at invoke */
    uint32_t flags;          /* enum edge_op_flag */
} edge_op_info;

/* The row of `kind`, or NULL for a kind this runtime does not know. */
const edge_op_info *edge_op_lookup(uint32_t kind);
/* "CONV", ...; "unknown" for an unknown kind. */
const char *edge_op_name(uint32_t kind);

/* ---- shared numeric kernels ------------------------------------------------------------------ */

/*
 * Elementwise loops in blocks of EDGE_BLOCK floats, each block read completely before any of it is
 * written. gcc -O2 vectorizes no loop that needs a scalar remainder or a run-time alias check (its
 * "very cheap" cost model), but it does vectorize these fixed-size blocks; and as every block is
 * read before it is written, an output may be its own input (in-place ops).
 *
 * EDGE_MAP:    y[i] = expression of `v` = x[i]
 * EDGE_UPDATE: y[i] = expression of `acc` = y[i] and `v` = x[i]
 */
#define EDGE_BLOCK 8

#define EDGE_MAP(y, x, n, expression)                                                                          \
    do {                                                                                                       \
        size_t i_ = 0;                                                                                         \
        for (; i_ + EDGE_BLOCK <= (n); i_ += EDGE_BLOCK) {                                                     \
            float in_[EDGE_BLOCK], out_[EDGE_BLOCK];                                                           \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++) in_[k_] = (x)[i_ + k_];             \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++) {                                   \
                float v = in_[k_];                                                                             \
                out_[k_] = (expression);                                                                       \
            }                                                                                                  \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++)(y)[i_ + k_] = out_[k_];             \
        }                                                                                                      \
        for (; i_ < (n); i_++) {                                                                               \
            float v = (x)[i_];                                                                                 \
            (y)[i_] = (expression);                                                                            \
        }                                                                                                      \
    } while (0)

#define EDGE_UPDATE(y, x, n, expression)                                                                       \
    do {                                                                                                       \
        size_t i_ = 0;                                                                                         \
        for (; i_ + EDGE_BLOCK <= (n); i_ += EDGE_BLOCK) {                                                     \
            float in_[EDGE_BLOCK], old_[EDGE_BLOCK], out_[EDGE_BLOCK];                                         \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++) {                                   \
                in_[k_] = (x)[i_ + k_];                                                                        \
                old_[k_] = (y)[i_ + k_];                                                                       \
            }                                                                                                  \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++) {                                   \
                float v = in_[k_], acc = old_[k_];                                                             \
                out_[k_] = (expression);                                                                       \
            }                                                                                                  \
            _Pragma("GCC unroll 8") for (int k_ = 0; k_ < EDGE_BLOCK; k_++)(y)[i_ + k_] = out_[k_];             \
        }                                                                                                      \
        for (; i_ < (n); i_++) {                                                                               \
            float v = (x)[i_], acc = (y)[i_];                                                                  \
            (y)[i_] = (expression);                                                                            \
        }                                                                                                      \
    } while (0)

static inline float edge_activate(const edge_activation *activation, float x)
{
    switch (activation->kind) {
    case EDGE_ACTIVATION_RELU: return edge_maxf(x, 0.0f);
    case EDGE_ACTIVATION_CLIP: return edge_clamp(x, activation->alpha, activation->beta);
    case EDGE_ACTIVATION_HARD_SWISH: return edge_hard_swish(x);
    case EDGE_ACTIVATION_LEAKY_RELU: return x >= 0.0f ? x : x * activation->alpha;
    case EDGE_ACTIVATION_SIGMOID: return edge_logistic(x);
    case EDGE_ACTIVATION_SILU: return x * edge_logistic(x);
    default: return x;
    }
}

/* Σ x[i] over n floats in eight interleaved partial sums added pairwise at the end: a loop that
   vectorizes (a single running sum cannot be reordered), and closer to the exact sum. */
float edge_sum(const float *x, size_t n);

/* Sigmoid (silu false) or SiLU over n floats, y = x allowed: the loop most float mobile networks
   spend their activation time in, vectorized (8 wide on x86-64 CPUs with AVX2, chosen at run time,
   with the same bits). */
void edge_logistic_buffer(float *y, const float *x, size_t n, bool silu);

/* Applies the activation to n values in place. */
void edge_activate_buffer(const edge_activation *activation, float *values, size_t n);

/* dst[j] = src[j · stride] for j < n, for the rows of planes: at stride 1 in runs of 8 moves, as a
   plain copy loop is turned into a memcpy call by the compilers, and those calls, one per row, were a
   fifth of a stride-2 depthwise layer's time. */
void edge_copy_floats(float *restrict dst, const float *restrict src, size_t n, size_t stride);

/* CONV's depthwise convolutions (kernels/depthwise.c): y = Σ w · x over each channel's taps. The
   fast path adds the bias (may be NULL) and applies the activation as it finishes each channel, and
   needs edge_depthwise_scratch_bytes(g) of scratch (0 when the sizes overflow); the reference
   (conv.c) does neither and needs no scratch: it is what the fast one is tested against, with
   edge_bias_activate after it. */
size_t edge_depthwise_scratch_bytes(const edge_conv_params *g);
void edge_depthwise(const edge_conv_params *g, const float *x, const float *w, const float *bias, const edge_activation *activation, float *y,
                    void *scratch);
void edge_depthwise_reference(const edge_conv_params *g, const float *x, const float *w, float *y);

/* Adds `bias[c]` (when not NULL) to each of `channels` planes of `plane` values, `batch` times, then
   applies the activation. */
void edge_bias_activate(float *values, size_t batch, size_t channels, size_t plane, const float *bias,
                        const edge_activation *activation);

/*
 * Single-precision matrix multiply: C[m×n] (row stride ldc) = or += A[m×k] × B[k×n], then
 * C[i][j] = activation(C[i][j] + row_bias[i]) when those are given (either may be NULL).
 * A is read at a[i × a_row_stride + p × a_column_stride]; B through `pack_b`, which copies the
 * block of rows [row, row + rows) and columns [column, column + columns) into `panel` as strips of
 * EDGE_GEMM_NR columns: panel[(strip × rows + r) × EDGE_GEMM_NR + j], zero past the last column.
 * With `accumulate` false, C is overwritten. `scratch` holds edge_gemm_scratch_bytes(m, n, k).
 */
#define EDGE_GEMM_NR 8
typedef void (*edge_pack_b)(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel);

typedef struct edge_matrix {
    const float *data;
    size_t row_stride, column_stride;
} edge_matrix;

/* edge_pack_b for an edge_matrix source. */
void edge_pack_matrix(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel);

/* How a float tile finishes the values it stores: c = (accumulate ? c : 0) + Σ a · b, then
   + bias[i] when `bias`, then clamped to [low, high] (as edge_activate's RELU and CLIP) when `clamp`;
   only its first `rows` rows are stored (a product's last rows; at least 1, at most the tile's). */
typedef struct edge_float_finish {
    bool accumulate, clamp;
    const float *bias;
    float low, high;
    size_t rows;
} edge_float_finish;

/* The most A rows a float tile takes (the packed A panel is sized for it). */
#define EDGE_GEMM_MR_MAX 8

/* Where a float tile reads B: B[p][j] is b0[p · stride + j] for j < EDGE_GEMM_NR and
   b1[p · stride + j − EDGE_GEMM_NR] past it (stride: EDGE_GEMM_NR in a packed strip, or the row
   stride of B read in place); or, when `rows` is not NULL, rows[p][column + j] (each row of B a run
   of memory of its own: a convolution's padded input, read in place of im2col). */
typedef struct edge_float_b {
    const float *b0, *b1;
    size_t stride;
    const float *const *rows;
    size_t column;
} edge_float_b;

/* A float micro-kernel: a tile of `rows` rows of A by `strips` strips (EDGE_GEMM_NR columns each) of B. */
typedef struct edge_float_tiles {
    const char *name;
    size_t rows;   /* A rows per tile, at most EDGE_GEMM_MR_MAX; packed A strips hold this many */
    size_t strips; /* B strips per tile: 1 or 2 */
    /* c[i · ldc + j] for i < finish->rows and j < strips · EDGE_GEMM_NR, finished as `finish` says,
       from the sums over p < depth of a[i · a_row + p · a_step] × B[p][j] (A's rows up to `rows`
       are read). */
    void (*product)(size_t depth, const float *a, size_t a_row, size_t a_step, const edge_float_b *b, float *c, size_t ldc,
                    const edge_float_finish *finish);
    /* `product` for one strip (j < EDGE_GEMM_NR; b1 unread), for the last 8 columns or fewer of a
       two-strip set; NULL in a one-strip set. */
    void (*narrow)(size_t depth, const float *a, size_t a_row, size_t a_step, const edge_float_b *b, float *c, size_t ldc,
                   const edge_float_finish *finish);
} edge_float_tiles;

/* The portable tile, and the x86-64 ones this CPU can run, fastest first (kernels/x86/float_tiles.c);
   edge_float_x86_tiles returns how many it wrote. */
extern const edge_float_tiles edge_float_tiles_c;
size_t edge_float_x86_tiles(const edge_float_tiles **sets, size_t capacity);

/* The tiles edge_sgemm runs: the first of edge_float_x86_tiles, else the portable one. */
const edge_float_tiles *edge_float_best_tiles(void);

size_t edge_gemm_scratch_bytes(size_t m, size_t n, size_t k);
/* edge_sgemm with the given tiles (the tests run each set). */
void edge_sgemm_with(const edge_float_tiles *tiles, size_t m, size_t n, size_t k, const float *a, size_t a_row_stride,
                     size_t a_column_stride, edge_pack_b pack_b, const void *b_source, float *c, size_t ldc, bool accumulate,
                     const float *row_bias, const edge_activation *activation, float *scratch);
/* edge_sgemm_with with B's rows read through pointers: B[p][j] = b_rows[p][j], each row readable up
   to n rounded up to a multiple of 2 · EDGE_GEMM_NR (the tiles read whole tiles; the extra columns
   are dropped). C is overwritten; A is row-major (row stride lda). No B is packed; `scratch` holds
   edge_gemm_rows_scratch_bytes(m, k). */
size_t edge_gemm_rows_scratch_bytes(size_t m, size_t k);
void edge_sgemm_rows(const edge_float_tiles *tiles, size_t m, size_t n, size_t k, const float *a, size_t lda, const float *const *b_rows,
                     float *c, size_t ldc, const float *row_bias, const edge_activation *activation, float *scratch);
void edge_sgemm(size_t m, size_t n, size_t k, const float *a, size_t a_row_stride, size_t a_column_stride,
                edge_pack_b pack_b, const void *b_source, float *c, size_t ldc, bool accumulate, const float *row_bias,
                const edge_activation *activation, float *scratch);

#endif /* EDGE_INTERNAL_H */
