/* reduce.c — REDUCE: mean, sum, max, min, product, L1, L2, log-sum-exp or sum of squares over any set of
   axes, the output keeping or dropping them. */
#include <math.h>

#include "../internal.h"

enum {
    EDGE_REDUCE_MEAN = 0, EDGE_REDUCE_SUM = 1, EDGE_REDUCE_MAX = 2, EDGE_REDUCE_MIN = 3, EDGE_REDUCE_PRODUCT = 4, EDGE_REDUCE_L1 = 5,
    EDGE_REDUCE_L2 = 6, EDGE_REDUCE_LOG_SUM_EXP = 7, EDGE_REDUCE_SUM_SQUARE = 8
};

edge_status edge_reduce_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    edge_reduce_params *g = &op->params.reduce;
    g->kind = edge_read_i32(params);
    uint32_t mask = edge_read_u32(params + 4);
    if (g->kind < EDGE_REDUCE_MEAN || g->kind > EDGE_REDUCE_SUM_SQUARE)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown reduction %d", (int)g->kind);
    if (x->rank < 32 && (mask >> x->rank) != 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axes_mask 0x%x names axes past rank %d", mask, (int)x->rank);
    /* The output is the input's shape with reduced axes either 1 (kept) or removed (dropped). */
    int32_t reduced = __builtin_popcount(mask);
    bool keeps = y->rank == x->rank, fits = keeps || y->rank == x->rank - reduced;
    for (int32_t d = 0, e = 0; d < x->rank && fits; d++) {
        bool axis_reduced = (mask >> d) & 1u;
        if (axis_reduced && !keeps) continue;
        fits = y->dims[e++] == (axis_reduced ? 1u : x->dims[d]);
    }
    if (!fits) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not input %s reduced over axes_mask 0x%x", edge_shape_text(y, sy),
                            edge_shape_text(x, sx), mask);
    }
    size_t dims[EDGE_MAX_RANK], in_strides[EDGE_MAX_RANK], out_strides[EDGE_MAX_RANK], in_running = 1, out_running = 1;
    for (int32_t d = x->rank - 1; d >= 0; d--) {
        bool axis_reduced = (mask >> d) & 1u;
        dims[d] = x->dims[d];
        in_strides[d] = in_running;
        out_strides[d] = axis_reduced ? 0 : out_running;
        in_running *= x->dims[d];
        if (!axis_reduced) out_running *= x->dims[d];
    }
    edge_broadcast_walk_strides(x->rank, dims, in_strides, out_strides, &g->walk);
    g->divisor = x->count / y->count;
    /* Log-sum-exp keeps each slice's largest value, so exp never overflows. */
    if (g->kind == EDGE_REDUCE_LOG_SUM_EXP && !edge_size_mul(y->count, sizeof(float), &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    return EDGE_OK;
}

/* Folds every input element into its output element by `kind`, for the kinds without a fast path
   (and MAX, as log-sum-exp's first pass); `shift` is log-sum-exp's largest value per output. */
static void edge_reduce_fold(const edge_reduce_params *g, const float *x, float *y, int32_t kind, const float *shift)
{
    const edge_broadcast *walk = &g->walk;
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last], step = walk->b_strides[last], rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= walk->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    size_t out = 0;
    for (size_t r = 0; r < rows; r++, x += n) {
        for (size_t i = 0; i < n; i++) {
            float v = x[i], *t = y + out + i * step;
            switch (kind) {
            case EDGE_REDUCE_MAX: *t = edge_max_keeping_nan(*t, v); break;
            case EDGE_REDUCE_MIN: if (v < *t || v != v) *t = v; break;
            case EDGE_REDUCE_PRODUCT: *t *= v; break;
            case EDGE_REDUCE_L1: *t += fabsf(v); break;
            case EDGE_REDUCE_LOG_SUM_EXP: *t += expf(v - shift[out + i * step]); break;
            default: *t += v * v; break; /* L2, SUM_SQUARE */
            }
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            out += walk->b_strides[d];
            if (++index[d] < walk->dims[d]) break;
            out -= walk->b_strides[d] * index[d];
            index[d] = 0;
        }
    }
}

static void edge_fill(float *y, size_t n, float value)
{
    for (size_t i = 0; i < n; i++) y[i] = value;
}

edge_status edge_reduce_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_reduce_params *g = &op->params.reduce;
    const edge_broadcast *walk = &g->walk;
    const edge_tensor *yt = edge_op_output(model, op, 0);
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(yt, arena);
    switch (g->kind) {
    case EDGE_REDUCE_MAX: edge_fill(y, yt->count, -INFINITY); edge_reduce_fold(g, x, y, g->kind, NULL); return EDGE_OK;
    case EDGE_REDUCE_MIN: edge_fill(y, yt->count, INFINITY); edge_reduce_fold(g, x, y, g->kind, NULL); return EDGE_OK;
    case EDGE_REDUCE_PRODUCT: edge_fill(y, yt->count, 1.0f); edge_reduce_fold(g, x, y, g->kind, NULL); return EDGE_OK;
    case EDGE_REDUCE_L1:
    case EDGE_REDUCE_SUM_SQUARE: edge_fill(y, yt->count, 0.0f); edge_reduce_fold(g, x, y, g->kind, NULL); return EDGE_OK;
    case EDGE_REDUCE_L2:
        edge_fill(y, yt->count, 0.0f);
        edge_reduce_fold(g, x, y, g->kind, NULL);
        for (size_t i = 0; i < yt->count; i++) y[i] = sqrtf(y[i]);
        return EDGE_OK;
    case EDGE_REDUCE_LOG_SUM_EXP: {
        float *largest = (float *)scratch;
        edge_fill(largest, yt->count, -INFINITY);
        edge_reduce_fold(g, x, largest, EDGE_REDUCE_MAX, NULL);
        edge_fill(y, yt->count, 0.0f);
        edge_reduce_fold(g, x, y, g->kind, largest);
        for (size_t i = 0; i < yt->count; i++) y[i] = logf(y[i]) + (isfinite(largest[i]) ? largest[i] : 0.0f);
        return EDGE_OK;
    }
    default: break;
    }
    edge_fill(y, yt->count, 0.0f);
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last], step = walk->b_strides[last], rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= walk->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    size_t out = 0;
    for (size_t r = 0; r < rows; r++, x += n) {
        float *target = y + out;
        if (step) {
            for (size_t i = 0; i < n; i++) target[i] += x[i];
        } else {
            *target += edge_sum(x, n);
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            out += walk->b_strides[d];
            if (++index[d] < walk->dims[d]) break;
            out -= walk->b_strides[d] * index[d];
            index[d] = 0;
        }
    }
    if (g->kind == EDGE_REDUCE_MEAN) {
        float divisor = (float)(g->divisor > 0 ? g->divisor : 1);
        for (size_t i = 0; i < yt->count; i++) y[i] /= divisor;
    }
    return EDGE_OK;
}
