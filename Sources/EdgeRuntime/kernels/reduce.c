/* reduce.c — REDUCE: mean, sum or max over any set of axes, the output keeping or dropping them. */
#include <math.h>

#include "../internal.h"

enum { EDGE_REDUCE_MEAN = 0, EDGE_REDUCE_SUM = 1, EDGE_REDUCE_MAX = 2 };

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
    if (g->kind < EDGE_REDUCE_MEAN || g->kind > EDGE_REDUCE_MAX)
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
    return EDGE_OK;
}

edge_status edge_reduce_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_reduce_params *g = &op->params.reduce;
    const edge_broadcast *walk = &g->walk;
    const edge_tensor *yt = edge_op_output(model, op, 0);
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(yt, arena);
    bool is_max = g->kind == EDGE_REDUCE_MAX;
    for (size_t i = 0; i < yt->count; i++) y[i] = is_max ? -INFINITY : 0.0f;
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last], step = walk->b_strides[last], rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= walk->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    size_t out = 0;
    for (size_t r = 0; r < rows; r++, x += n) {
        float *target = y + out;
        if (is_max) {
            for (size_t i = 0; i < n; i++) {
                float v = x[i], *t = target + i * step;
                if (v > *t || v != v) *t = v;
            }
        } else if (step) {
            for (size_t i = 0; i < n; i++) target[i] += x[i];
        } else {
            float sum = *target;
            for (size_t i = 0; i < n; i++) sum += x[i];
            *target = sum;
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
