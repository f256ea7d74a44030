/* elementwise.c — BINARY with NumPy broadcasting and a fused activation, UNARY functions.
   Both may run in place (the output on an input of the same shape): each element is read before
   it is written. */
#include <math.h>

#include "../internal.h"

edge_status edge_binary_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_binary_params *g = &op->params.binary;
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 4, error);
    if (status == EDGE_OK) status = edge_read_activation(op, params, 1, &g->activation, error);
    if (status != EDGE_OK) return status;
    g->op = edge_read_i32(params);
    if (g->op < EDGE_BINARY_ADD || g->op > EDGE_BINARY_PRELU)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown binary op %d", (int)g->op);
    const edge_tensor *a = edge_op_input(model, op, 0), *b = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, a, EDGE_DTYPE_FLOAT32, "A", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, b, EDGE_DTYPE_FLOAT32, "B", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    if (!edge_broadcast_plan(a, b, y, &g->walk)) {
        char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not the broadcast of %s and %s", edge_shape_text(y, sy),
                            edge_shape_text(a, sa), edge_shape_text(b, sb));
    }
    return EDGE_OK;
}

static inline float edge_mod(float x, float z)
{
    float r = fmodf(x, z);
    return (r != 0.0f && (r < 0.0f) != (z < 0.0f)) ? r + z : r;
}

static inline float edge_nan_min(float x, float z) { return (x != x || z != z) ? NAN : edge_minf(x, z); }
static inline float edge_nan_max(float x, float z) { return (x != x || z != z) ? NAN : edge_maxf(x, z); }
static inline float edge_pow(float x, float z) { return z == 2.0f ? x * x : powf(x, z); }

/* y[i] = expression of x = x_at(i) and z = z_at(i), in blocks read before they are written (see
   EDGE_MAP): vectorized by gcc -O2, and y may be a or b. */
#define EDGE_BINARY_LOOP(x_at, z_at, expression)                                                  \
    do {                                                                                          \
        size_t i = 0;                                                                             \
        for (; i + EDGE_BLOCK <= n; i += EDGE_BLOCK) {                                            \
            float xs[EDGE_BLOCK], zs[EDGE_BLOCK], ys[EDGE_BLOCK];                                 \
            _Pragma("GCC unroll 8") for (int k = 0; k < EDGE_BLOCK; k++) {                        \
                xs[k] = x_at(i + k);                                                              \
                zs[k] = z_at(i + k);                                                              \
            }                                                                                     \
            _Pragma("GCC unroll 8") for (int k = 0; k < EDGE_BLOCK; k++) {                        \
                float x = xs[k], z = zs[k];                                                       \
                ys[k] = (expression);                                                             \
            }                                                                                     \
            _Pragma("GCC unroll 8") for (int k = 0; k < EDGE_BLOCK; k++) y[i + k] = ys[k];        \
        }                                                                                         \
        for (; i < n; i++) {                                                                      \
            float x = x_at(i), z = z_at(i);                                                       \
            y[i] = (expression);                                                                  \
        }                                                                                         \
    } while (0)

#define EDGE_A_AT(j) a[j]
#define EDGE_B_AT(j) b[j]
#define EDGE_A_FIRST(j) a0
#define EDGE_B_FIRST(j) b0

/* y[i] = f(a[i·sa], b[i·sb]) for strides of 0 or 1, each combination its own loop. */
#define EDGE_BINARY_ROW(expression)                                               \
    do {                                                                          \
        float a0 = a[0], b0 = b[0];                                               \
        if (sa && sb) EDGE_BINARY_LOOP(EDGE_A_AT, EDGE_B_AT, expression);         \
        else if (sa) EDGE_BINARY_LOOP(EDGE_A_AT, EDGE_B_FIRST, expression);       \
        else if (sb) EDGE_BINARY_LOOP(EDGE_A_FIRST, EDGE_B_AT, expression);       \
        else EDGE_BINARY_LOOP(EDGE_A_FIRST, EDGE_B_FIRST, expression);            \
    } while (0)

static void edge_binary_row(int32_t op, float *y, const float *a, size_t sa, const float *b, size_t sb, size_t n)
{
    switch (op) {
    case EDGE_BINARY_ADD: EDGE_BINARY_ROW(x + z); break;
    case EDGE_BINARY_SUB: EDGE_BINARY_ROW(x - z); break;
    case EDGE_BINARY_MUL: EDGE_BINARY_ROW(x * z); break;
    case EDGE_BINARY_DIV: EDGE_BINARY_ROW(x / z); break;
    case EDGE_BINARY_POW: EDGE_BINARY_ROW(edge_pow(x, z)); break;
    case EDGE_BINARY_MIN: EDGE_BINARY_ROW(edge_nan_min(x, z)); break;
    case EDGE_BINARY_MAX: EDGE_BINARY_ROW(edge_nan_max(x, z)); break;
    case EDGE_BINARY_MOD: EDGE_BINARY_ROW(edge_mod(x, z)); break;
    case EDGE_BINARY_FMOD: EDGE_BINARY_ROW(fmodf(x, z)); break;
    /* PRelu: x where x >= 0, else slope z times x. */
    case EDGE_BINARY_PRELU: EDGE_BINARY_ROW(x >= 0.0f ? x : x * z); break;
    default: break;
    }
}

edge_status edge_binary_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_binary_params *g = &op->params.binary;
    const edge_broadcast *walk = &g->walk;
    const float *a = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *b = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last], sa = walk->a_strides[last], sb = walk->b_strides[last];
    size_t rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= walk->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    size_t a_offset = 0, b_offset = 0;
    for (size_t r = 0; r < rows; r++) {
        float *row = y + r * n;
        edge_binary_row(g->op, row, a + a_offset, sa, b + b_offset, sb, n);
        edge_activate_buffer(&g->activation, row, n);
        for (int32_t d = last - 1; d >= 0; d--) {
            a_offset += walk->a_strides[d];
            b_offset += walk->b_strides[d];
            if (++index[d] < walk->dims[d]) break;
            a_offset -= walk->a_strides[d] * index[d];
            b_offset -= walk->b_strides[d] * index[d];
            index[d] = 0;
        }
    }
    return EDGE_OK;
}

edge_status edge_unary_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 3, error);
    if (status != EDGE_OK) return status;
    edge_unary_params *g = &op->params.unary;
    g->function = edge_read_i32(params);
    g->alpha = edge_read_f32(params + 4);
    g->beta = edge_read_f32(params + 8);
    if (g->function < EDGE_UNARY_RELU || g->function > EDGE_UNARY_SILU)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown unary function %d", (int)g->function);
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    if (!edge_same_shape(x, y)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    }
    return EDGE_OK;
}

/* log(1 + e^x), finite and exact for large |x|. */
static inline float edge_softplus(float x) { return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

static inline float edge_gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

static inline float edge_gelu_tanh(float x)
{
    return 0.5f * x * (1.0f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}

edge_status edge_unary_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_unary_params *g = &op->params.unary;
    const edge_tensor *xt = edge_op_input(model, op, 0);
    const float *x = (const float *)edge_tensor_data(xt, arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t n = xt->count;
    float alpha = g->alpha, beta = g->beta;
    switch (g->function) {
    case EDGE_UNARY_RELU: EDGE_MAP(y, x, n, edge_maxf(v, 0.0f)); break;
    case EDGE_UNARY_LEAKY_RELU: EDGE_MAP(y, x, n, v >= 0.0f ? v : v * alpha); break;
    case EDGE_UNARY_CLIP: EDGE_MAP(y, x, n, edge_clamp(v, alpha, beta)); break;
    case EDGE_UNARY_SIGMOID: edge_logistic_buffer(y, x, n, false); break;
    case EDGE_UNARY_HARD_SIGMOID: EDGE_MAP(y, x, n, edge_maxf(0.0f, edge_minf(1.0f, alpha * v + beta))); break;
    case EDGE_UNARY_HARD_SWISH: EDGE_MAP(y, x, n, edge_hard_swish(v)); break;
    case EDGE_UNARY_TANH: for (size_t i = 0; i < n; i++) y[i] = tanhf(x[i]); break;
    case EDGE_UNARY_SQRT: for (size_t i = 0; i < n; i++) y[i] = sqrtf(x[i]); break;
    case EDGE_UNARY_EXP: for (size_t i = 0; i < n; i++) y[i] = expf(x[i]); break;
    case EDGE_UNARY_ERF: for (size_t i = 0; i < n; i++) y[i] = erff(x[i]); break;
    case EDGE_UNARY_NEG: EDGE_MAP(y, x, n, -v); break;
    case EDGE_UNARY_ABS: EDGE_MAP(y, x, n, fabsf(v)); break;
    case EDGE_UNARY_ELU: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * (expf(x[i]) - 1.0f); break;
    /* alpha: SELU's alpha, beta: its gamma. */
    case EDGE_UNARY_SELU: for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? beta * x[i] : beta * (alpha * expf(x[i]) - alpha); break;
    case EDGE_UNARY_CELU:
        for (size_t i = 0; i < n; i++) y[i] = edge_maxf(0.0f, x[i]) + edge_minf(0.0f, alpha * (expf(x[i] / alpha) - 1.0f));
        break;
    case EDGE_UNARY_SOFTPLUS: for (size_t i = 0; i < n; i++) y[i] = edge_softplus(x[i]); break;
    case EDGE_UNARY_SOFTSIGN: EDGE_MAP(y, x, n, v / (1.0f + fabsf(v))); break;
    case EDGE_UNARY_MISH: for (size_t i = 0; i < n; i++) y[i] = x[i] * tanhf(edge_softplus(x[i])); break;
    case EDGE_UNARY_RECIPROCAL: EDGE_MAP(y, x, n, 1.0f / v); break;
    case EDGE_UNARY_FLOOR: EDGE_MAP(y, x, n, floorf(v)); break;
    case EDGE_UNARY_CEIL: EDGE_MAP(y, x, n, ceilf(v)); break;
    /* Half to even: the default rounding mode, which the runtime never changes. */
    case EDGE_UNARY_ROUND: EDGE_MAP(y, x, n, rintf(v)); break;
    case EDGE_UNARY_SIGN: EDGE_MAP(y, x, n, v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f); break;
    case EDGE_UNARY_LOG: for (size_t i = 0; i < n; i++) y[i] = logf(x[i]); break;
    case EDGE_UNARY_SIN: for (size_t i = 0; i < n; i++) y[i] = sinf(x[i]); break;
    case EDGE_UNARY_COS: for (size_t i = 0; i < n; i++) y[i] = cosf(x[i]); break;
    case EDGE_UNARY_GELU: for (size_t i = 0; i < n; i++) y[i] = edge_gelu(x[i]); break;
    case EDGE_UNARY_GELU_TANH: for (size_t i = 0; i < n; i++) y[i] = edge_gelu_tanh(x[i]); break;
    case EDGE_UNARY_SILU: edge_logistic_buffer(y, x, n, true); break;
    default: break;
    }
    return EDGE_OK;
}
