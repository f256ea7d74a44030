/*
 * gemm_int8.c — GEMM_INT8: Y[..., N] = requantized A[..., K] × W[N, K]^T + B, the rows of A being all
 * its leading dims; and the checks it shares with CONV_INT8 on weights, bias and requantization.
 *
 * Per output channel n: acc = B[n] + Σ_k W[n][k] · (A[k] − z_a), then
 * y = clamp(requantize(acc, R[n][0], R[n][1]) + z_y, act_min, act_max).
 *
 * The reference kernel is plain loops; invoke runs the optimized path of int8_fast.c where the
 * target has one, with the same bytes.
 */
#include "../internal.h"
#include "int8_fast.h"
#include "requantize.h"

edge_status edge_check_int8_weights(const edge_model *model, const edge_operator *op, size_t channels, size_t depth, edge_error *error)
{
    const edge_tensor *w = edge_op_input(model, op, 1), *b = edge_op_input(model, op, 2), *r = edge_op_input(model, op, 3);
    if (!r) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input 3 (the requantization array R) is required but absent");
    edge_status status = edge_check_dtype(op, w, EDGE_DTYPE_INT8, "weight", error);
    if (status != EDGE_OK) return status;
    if (w->storage == EDGE_STORAGE_ARENA)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "weight '%.60s' is computed at run time; int8 weights must be constants", w->name);
    if (!w->quantization)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "weight '%.60s' has no quantization parameters (int8 operators need them)", w->name);
    if (w->quantization->axis > 0)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "weight '%.60s' is quantized along axis %d; expected per tensor or per output channel (axis 0)",
                            w->name, (int)w->quantization->axis);
    for (uint32_t c = 0; c < w->quantization->count; c++)
        if (edge_read_i32(w->quantization->zero_points + 4 * (size_t)c) != 0)
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "weight '%.60s' has a non-zero zero point; int8 weights are symmetric", w->name);
    uint32_t channels_dims[2] = {(uint32_t)channels, 2};
    if (b) {
        if ((status = edge_check_dtype(op, b, EDGE_DTYPE_INT32, "bias", error)) != EDGE_OK) return status;
        char sb[EDGE_SHAPE_TEXT];
        if (b->rank != 1 || b->dims[0] != channels)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "bias '%.60s' is %s, expected [%zu]", b->name, edge_shape_text(b, sb), channels);
        if (b->storage == EDGE_STORAGE_ARENA)
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "bias '%.60s' is computed at run time; it must be a weight so that it is checked at load",
                                b->name);
    }
    if ((status = edge_check_int8_table(op, r, EDGE_DTYPE_INT32, 2, channels_dims, true, "requantization array", error)) != EDGE_OK)
        return status;
    const int8_t *weights = (const int8_t *)w->weight;
    for (size_t m = 0; m < channels; m++) {
        int32_t multiplier = edge_read_i32(r->weight + 8 * m), shift = edge_read_i32(r->weight + 8 * m + 4);
        if ((status = edge_check_requantization(op, multiplier, shift, "an output channel's", error)) != EDGE_OK) return status;
        /* |B| + Σ|W| · 255 bounds every partial sum of the accumulator (|x − z_x| <= 255). */
        int64_t bound = b ? edge_read_i32(b->weight + 4 * m) : 0;
        if (bound < 0) bound = -bound;
        for (size_t k = 0; k < depth; k++) bound += 255 * (int64_t)(weights[m * depth + k] < 0 ? -weights[m * depth + k] : weights[m * depth + k]);
        if (bound > INT32_MAX)
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "output channel %zu could overflow its 32-bit accumulator (bias and weights too large)",
                                m);
    }
    return EDGE_OK;
}

edge_status edge_gemm_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_gemm_int8_params *g = &op->params.gemm_int8;
    edge_status status = edge_check_arity(op, 4, 4, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status == EDGE_OK) status = edge_read_int8_clamp(op, params, 0, &g->act_min, &g->act_max, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *a = edge_op_input(model, op, 0), *w = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, a, "A", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    char sa[EDGE_SHAPE_TEXT], sw[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (a->rank < 1 || w->rank != 2 || a->dims[a->rank - 1] != w->dims[1])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "A %s and W %s must be [..., K] and [N, K]", edge_shape_text(a, sa),
                            edge_shape_text(w, sw));
    g->k = w->dims[1];
    g->n = w->dims[0];
    g->rows = a->count / g->k;
    bool fits = y->rank == a->rank && y->dims[y->rank - 1] == g->n;
    for (int32_t d = 0; d + 1 < a->rank && fits; d++) fits = y->dims[d] == a->dims[d];
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %s, expected A's leading dims and %zu (A %s, W %s)", edge_shape_text(y, sy),
                            g->n, edge_shape_text(a, sa), edge_shape_text(w, sw));
    if ((status = edge_check_int8_weights(model, op, g->n, g->k, error)) != EDGE_OK) return status;
    g->input_zero = a->zero_point;
    g->output_zero = y->zero_point;
    const edge_int8_kernels *best = edge_int8_best_kernels();
    if (best) {
        op->scratch_bytes = edge_gemm_int8_fast_scratch(g, best);
        g->kernels = op->scratch_bytes > 0 ? best : NULL;
        if (g->kernels) return edge_gemm_int8_fast_prepare(model, op, error);
    }
    return EDGE_OK;
}

edge_status edge_gemm_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_int8_kernels *kernels = op->params.gemm_int8.kernels;
    if (kernels) edge_gemm_int8_fast(model, op, arena, scratch, kernels);
    else edge_gemm_int8_reference(model, op, arena);
    return EDGE_OK;
}

void edge_gemm_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena)
{
    const edge_gemm_int8_params *g = &op->params.gemm_int8;
    const int8_t *a = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t i = 0; i < g->rows; i++) {
        const int8_t *row = a + i * g->k;
        for (size_t n = 0; n < g->n; n++) {
            const int8_t *weights = w + n * g->k;
            int32_t acc = bias ? bias[n] : 0;
            for (size_t k = 0; k < g->k; k++) acc += weights[k] * (row[k] - g->input_zero);
            y[i * g->n + n] = edge_requantize_int8(acc, r[2 * n], r[2 * n + 1], g->output_zero, g->act_min, g->act_max);
        }
    }
}
