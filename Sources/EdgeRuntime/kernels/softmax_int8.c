/*
 * softmax_int8.c — SOFTMAX_INT8: per row (as SOFTMAX: one axis, or every axis from `axis` on with
 * `flatten`) the exponentials come from the compiler's table E[d] = round(2^20 · exp(−s_x · d)),
 * d = max − x, and the output is their share of the row sum in steps of 1/256:
 * y = clamp((E · 256 + S/2) / S − 128, −128, 127), with scale 1/256 and zero point −128.
 */
#include "../internal.h"
#include "requantize.h"

edge_status edge_softmax_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *e = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    static const uint32_t table[1] = {256};
    if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_table(op, e, EDGE_DTYPE_INT32, 1, table, true, "exponential table", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    if (y->scale != 1.0f / 256.0f || y->zero_point != -128)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output '%.60s' has scale %g and zero point %d; SOFTMAX_INT8 writes scale 1/256, zero point -128",
                            y->name, (double)y->scale, (int)y->zero_point);
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (!edge_same_shape(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    /* E[0] (the row's maximum) >= 1 and no entry negative: the row sum S is then at least 1 and each
       share E/S at most 1, so the division is defined and the result in range. */
    for (size_t d = 0; d < 256; d++) {
        int32_t value = edge_read_i32(e->weight + 4 * d);
        if (value < 0 || (d == 0 && value < 1))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "exponential table entry %zu is %d; entries must be >= 0 and the first >= 1", d,
                                (int)value);
    }
    int32_t axis = edge_read_i32(params), flatten = edge_read_i32(params + 4);
    if (axis < 0 || axis >= x->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)axis, (int)x->rank);
    if (flatten != 0 && flatten != 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "flatten is %d, expected 0 or 1", (int)flatten);
    edge_softmax_params *g = &op->params.softmax;
    g->outer = edge_dims_product(x, 0, axis);
    g->length = flatten ? edge_dims_product(x, axis, x->rank) : x->dims[axis];
    g->inner = flatten ? 1 : edge_dims_product(x, axis + 1, x->rank);
    return EDGE_OK;
}

edge_status edge_softmax_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_softmax_params *g = &op->params.softmax;
    const int8_t *x = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int32_t *table = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t o = 0; o < g->outer; o++) {
        for (size_t i = 0; i < g->inner; i++) {
            const int8_t *row = x + o * g->length * g->inner + i;
            int8_t *out = y + o * g->length * g->inner + i;
            int32_t largest = -128;
            for (size_t j = 0; j < g->length; j++)
                if (row[j * g->inner] > largest) largest = row[j * g->inner];
            int64_t sum = 0;
            for (size_t j = 0; j < g->length; j++) sum += table[largest - row[j * g->inner]];
            if (sum < ((int64_t)1 << 31)) {
                /* The quotient through the row's reciprocal in double: each numerator
                   N = E · 256 + S/2 (E <= S, so N < 2^40) and S < 2^31 are exact, N · (1/S) is
                   within 2^-44 of N / S (<= 257), and a quotient that is not a whole number lies at
                   least 1/S > 2^-31 from one, so adding 2^-40 and truncating gives floor(N / S)
                   exactly (without it a whole quotient can come out one less). An integer division
                   per output had a sixth of the softmax's time in YOLOv8n int8 (its 16-bin DFL
                   softmax). */
                double inverse = 1.0 / (double)sum, half = (double)(sum / 2);
                for (size_t j = 0; j < g->length; j++) {
                    double numerator = (double)table[largest - row[j * g->inner]] * 256.0 + half;
                    int32_t share = (int32_t)(numerator * inverse + 0x1p-40);
                    out[j * g->inner] = edge_offset_clamp(share, -128, -128, 127);
                }
                continue;
            }
            for (size_t j = 0; j < g->length; j++) {
                int64_t share = ((int64_t)table[largest - row[j * g->inner]] * 256 + sum / 2) / sum;
                out[j * g->inner] = edge_offset_clamp((int32_t)share, -128, -128, 127);
            }
        }
    }
    return EDGE_OK;
}
