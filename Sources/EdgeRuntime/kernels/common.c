/* common.c — what the kernels' prepare and eval functions share: arity, dtype and shape checks,
   the broadcast plan, fused activations. */
#include <stdio.h>

#include "../internal.h"

const char *edge_shape_text(const edge_tensor *tensor, char *buffer)
{
    size_t used = 0;
    buffer[used++] = '[';
    for (int32_t d = 0; d < tensor->rank; d++) {
        int n = snprintf(buffer + used, EDGE_SHAPE_TEXT - used, d ? ",%u" : "%u", (unsigned)tensor->dims[d]);
        if (n < 0 || (size_t)n >= EDGE_SHAPE_TEXT - used - 1) break;
        used += (size_t)n;
    }
    buffer[used++] = ']';
    buffer[used] = 0;
    return buffer;
}

const char *edge_window_text(size_t depth, size_t height, size_t width, bool volumetric, char *buffer)
{
    if (volumetric) snprintf(buffer, EDGE_SHAPE_TEXT, "%zux%zux%zu", depth, height, width);
    else snprintf(buffer, EDGE_SHAPE_TEXT, "%zux%zu", height, width);
    return buffer;
}

edge_status edge_check_arity(const edge_operator *op, unsigned min_inputs, unsigned max_inputs, unsigned required,
                             unsigned outputs, edge_error *error)
{
    if (op->input_count < min_inputs || op->input_count > max_inputs) {
        if (min_inputs == max_inputs)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "has %u inputs, expected %u", op->input_count, min_inputs);
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "has %u inputs, expected %u to %u", op->input_count, min_inputs, max_inputs);
    }
    if (op->output_count != outputs)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "has %u outputs, expected %u", op->output_count, outputs);
    for (unsigned i = 0; i < required && i < op->input_count; i++)
        if (op->tensors[i] == EDGE_NONE) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %u is required but absent", i);
    return EDGE_OK;
}

edge_status edge_check_params(const edge_operator *op, uint32_t params_size, unsigned fields, edge_error *error)
{
    if (params_size != 4u * fields)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "params are %u bytes, expected %u", params_size, 4u * fields);
    return EDGE_OK;
}

edge_status edge_check_dtype(const edge_operator *op, const edge_tensor *tensor, uint32_t dtype, const char *what, edge_error *error)
{
    if (tensor->dtype == dtype) return EDGE_OK;
    return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "%s '%.60s' is %s; this runtime runs it on %s only", what, tensor->name,
                        edge_dtype_name(tensor->dtype), edge_dtype_name(dtype));
}

edge_status edge_check_same_dtype(const edge_operator *op, const edge_tensor *x, const edge_tensor *y, edge_error *error)
{
    if (x->dtype == y->dtype) return EDGE_OK;
    return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "'%.50s' is %s but '%.50s' is %s", x->name, edge_dtype_name(x->dtype), y->name,
                        edge_dtype_name(y->dtype));
}

edge_status edge_check_indices(const edge_operator *op, const edge_tensor *indices, edge_error *error)
{
    if (indices->dtype == EDGE_DTYPE_INT64 || indices->dtype == EDGE_DTYPE_INT32) return EDGE_OK;
    return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "indices '%.60s' are %s, expected int64 or int32", indices->name,
                        edge_dtype_name(indices->dtype));
}

edge_status edge_index_position(const edge_operator *op, const edge_tensor *indices, const uint8_t *data, size_t i, int32_t axis,
                                size_t dim, size_t *position, edge_error *error)
{
    int64_t raw = indices->dtype == EDGE_DTYPE_INT64 ? ((const int64_t *)(const void *)data)[i] : ((const int32_t *)(const void *)data)[i];
    int64_t index = raw < 0 ? raw + (int64_t)dim : raw;
    if (index < 0 || index >= (int64_t)dim)
        return edge_op_fail(error, op, EDGE_ERROR_EXECUTION, "index %lld is out of range for axis %d of size %lld", (long long)raw, (int)axis,
                            (long long)dim);
    *position = (size_t)index;
    return EDGE_OK;
}

void edge_strides(const edge_tensor *tensor, ptrdiff_t *strides)
{
    ptrdiff_t running = 1;
    for (int32_t d = tensor->rank - 1; d >= 0; d--) {
        strides[d] = running;
        running *= (ptrdiff_t)tensor->dims[d];
    }
}

bool edge_same_shape(const edge_tensor *a, const edge_tensor *b)
{
    if (a->rank != b->rank) return false;
    for (int32_t d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d]) return false;
    return true;
}

edge_status edge_read_activation(const edge_operator *op, const uint8_t *params, unsigned field, edge_activation *activation,
                                 edge_error *error)
{
    activation->kind = edge_read_i32(params + 4 * field);
    activation->alpha = edge_read_f32(params + 4 * (field + 1));
    activation->beta = edge_read_f32(params + 4 * (field + 2));
    if (activation->kind < EDGE_ACTIVATION_NONE || activation->kind > EDGE_ACTIVATION_SILU)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown fused activation %d", (int)activation->kind);
    return EDGE_OK;
}

void edge_window_dims(const edge_tensor *tensor, size_t dims[3])
{
    for (int32_t axis = 0; axis < 3; axis++) {
        int32_t d = tensor->rank - 3 + axis;
        dims[axis] = d >= 2 ? tensor->dims[d] : 1;
    }
}

edge_status edge_read_window(const edge_operator *op, const uint8_t *params, unsigned field, int axes, int first, int32_t window[EDGE_WINDOW_RUNS][3],
                             edge_error *error)
{
    static const char *const names[EDGE_WINDOW_RUNS][3] = {
        {"kernel_d", "kernel_h", "kernel_w"},       {"stride_d", "stride_h", "stride_w"},  {"dilation_d", "dilation_h", "dilation_w"},
        {"pad_front", "pad_top", "pad_left"}, {"pad_back", "pad_bottom", "pad_right"},
    };
    for (int run = 0; run < EDGE_WINDOW_RUNS; run++) {
        int32_t minimum = run < EDGE_WINDOW_PAD_BEGIN ? 1 : 0;
        for (int axis = 0; axis < 3; axis++) {
            window[run][axis] = minimum; /* a 2-D op's depth, and the runs the op does not have */
            if (run < first || axis < 3 - axes) continue;
            int32_t value = edge_read_i32(params + 4 * (field + (unsigned)((run - first) * axes + axis - (3 - axes))));
            if (value < minimum || value > (1 << 24))
                return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %d, expected %d to %d", names[run][axis], (int)value, (int)minimum,
                                    1 << 24);
            window[run][axis] = value;
        }
    }
    return EDGE_OK;
}

size_t edge_dims_product(const edge_tensor *tensor, int32_t from, int32_t to)
{
    size_t product = 1;
    for (int32_t d = from; d < to; d++) product *= tensor->dims[d];
    return product;
}

/* Drops axes of size 1 and merges neighbours that both operands walk contiguously. */
static void edge_broadcast_collapse(int32_t rank, const size_t *dims, const size_t *a, const size_t *b, edge_broadcast *walk)
{
    int32_t r = 0;
    for (int32_t d = 0; d < rank; d++) {
        if (dims[d] == 1) continue;
        if (r > 0 && walk->a_strides[r - 1] == a[d] * dims[d] && walk->b_strides[r - 1] == b[d] * dims[d]) {
            walk->dims[r - 1] *= dims[d];
            walk->a_strides[r - 1] = a[d];
            walk->b_strides[r - 1] = b[d];
            continue;
        }
        walk->dims[r] = dims[d];
        walk->a_strides[r] = a[d];
        walk->b_strides[r] = b[d];
        r++;
    }
    if (r == 0) {
        walk->dims[0] = 1;
        walk->a_strides[0] = 0;
        walk->b_strides[0] = 0;
        r = 1;
    }
    walk->rank = r;
}

bool edge_broadcast_strides(const edge_tensor *tensor, int32_t rank, const uint32_t *dims, size_t *strides)
{
    if (tensor->rank > rank) return false;
    size_t running = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        int32_t source = d - (rank - tensor->rank);
        uint32_t dim = source >= 0 ? tensor->dims[source] : 1;
        if (dim != dims[d] && dim != 1) return false;
        strides[d] = dim == 1 ? 0 : running;
        running *= dim;
    }
    return true;
}

bool edge_broadcast_plan(const edge_tensor *a, const edge_tensor *b, const edge_tensor *out, edge_broadcast *walk)
{
    size_t sa[EDGE_MAX_RANK], sb[EDGE_MAX_RANK], dims[EDGE_MAX_RANK];
    int32_t rank = out->rank;
    if (!edge_broadcast_strides(a, rank, out->dims, sa)) return false;
    if (b && !edge_broadcast_strides(b, rank, out->dims, sb)) return false;
    if (b) {
        /* The output is exactly the broadcast: of rank max(a, b), each dim the larger operand's. */
        if (rank != (a->rank > b->rank ? a->rank : b->rank)) return false;
        for (int32_t d = 0; d < rank; d++) {
            int32_t da = d - (rank - a->rank), db = d - (rank - b->rank);
            uint32_t x = da >= 0 ? a->dims[da] : 1, y = db >= 0 ? b->dims[db] : 1;
            if (out->dims[d] != (x > y ? x : y)) return false;
        }
    } else {
        for (int32_t d = 0; d < rank; d++) sb[d] = 0;
    }
    for (int32_t d = 0; d < rank; d++) dims[d] = out->dims[d];
    edge_broadcast_collapse(rank, dims, sa, sb, walk);
    return true;
}

void edge_broadcast_walk_strides(int32_t rank, const size_t *dims, const size_t *a, const size_t *b, edge_broadcast *walk)
{
    edge_broadcast_collapse(rank, dims, a, b, walk);
}

void edge_copy_floats(float *restrict dst, const float *restrict src, size_t n, size_t stride)
{
    size_t j = 0;
    if (stride == 1)
        for (; j + 8 <= n; j += 8) memcpy(dst + j, src + j, 8 * sizeof(float)); /* a fixed size: vector moves, no call */
    for (; j < n; j++) dst[j] = src[j * stride];
}

float edge_sum(const float *x, size_t n)
{
    float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _Pragma("GCC unroll 8") for (int k = 0; k < 8; k++) partial[k] += x[i + k];
    float sum = ((partial[0] + partial[4]) + (partial[1] + partial[5])) + ((partial[2] + partial[6]) + (partial[3] + partial[7]));
    for (; i < n; i++) sum += x[i];
    return sum;
}

/* One body for edge_logistic_buffer, compiled for the baseline and, on x86-64, for AVX2 with
   fused multiply-adds in e^x's polynomial (within an ulp of the baseline's results, not bit for
   bit: floats are compared with a tolerance, and the int8 tables are made by the compiler). */
#define EDGE_LOGISTIC_BODY(logistic)                          \
    if (silu)                                                 \
        EDGE_MAP(y, x, n, v * logistic(v));                   \
    else                                                      \
        EDGE_MAP(y, x, n, logistic(v));

static void edge_logistic_map(float *y, const float *x, size_t n, bool silu) { EDGE_LOGISTIC_BODY(edge_logistic) }

#if defined(__x86_64__) && defined(__GNUC__)
#define EDGE_LOGISTIC_AVX2 1
#define EDGE_FUSED_MUL_ADD(a, b, c) __builtin_fmaf((a), (b), (c))
#define EDGE_AVX2_FMA __attribute__((target("avx2,fma")))
EDGE_EXP_POLYNOMIAL(edge_exp_polynomial_fma, EDGE_FUSED_MUL_ADD, EDGE_AVX2_FMA)
EDGE_LOGISTIC(edge_logistic_fma, edge_exp_polynomial_fma, EDGE_AVX2_FMA)
EDGE_AVX2_FMA static void edge_logistic_map_avx2(float *y, const float *x, size_t n, bool silu) { EDGE_LOGISTIC_BODY(edge_logistic_fma) }
#endif

void edge_logistic_buffer(float *y, const float *x, size_t n, bool silu)
{
#ifdef EDGE_LOGISTIC_AVX2
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        edge_logistic_map_avx2(y, x, n, silu);
        return;
    }
#endif
    edge_logistic_map(y, x, n, silu);
}

void edge_activate_buffer(const edge_activation *activation, float *values, size_t n)
{
    float alpha = activation->alpha, beta = activation->beta;
    switch (activation->kind) {
    case EDGE_ACTIVATION_RELU: EDGE_MAP(values, values, n, edge_maxf(v, 0.0f)); break;
    case EDGE_ACTIVATION_CLIP: EDGE_MAP(values, values, n, edge_clamp(v, alpha, beta)); break;
    case EDGE_ACTIVATION_HARD_SWISH: EDGE_MAP(values, values, n, edge_hard_swish(v)); break;
    case EDGE_ACTIVATION_LEAKY_RELU: EDGE_MAP(values, values, n, v >= 0.0f ? v : v * alpha); break;
    case EDGE_ACTIVATION_SIGMOID: edge_logistic_buffer(values, values, n, false); break;
    case EDGE_ACTIVATION_SILU: edge_logistic_buffer(values, values, n, true); break;
    default: break;
    }
}

void edge_bias_activate(float *values, size_t batch, size_t channels, size_t plane, const float *bias,
                        const edge_activation *activation)
{
    if (!bias && activation->kind == EDGE_ACTIVATION_NONE) return;
    for (size_t n = 0; n < batch; n++) {
        for (size_t c = 0; c < channels; c++) {
            float *p = values + (n * channels + c) * plane;
            if (bias) {
                float b = bias[c];
                EDGE_MAP(p, p, plane, v + b);
            }
            edge_activate_buffer(activation, p, plane);
        }
    }
}
