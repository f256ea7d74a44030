/* quantize.c — QUANTIZE (float32 to int8) and DEQUANTIZE (int8 to float32) with the int8 tensor's
   scale and zero point, in float32 one operation at a time so every target rounds alike (QUANTIZE
   through the int8 kernel set's `quantize` where the target has one: the same bytes). */
#include "../internal.h"
#include "int8_fast.h"
#include "requantize.h"

/* Shared by both: one input, one output of the same shape, `from` → `to`, the int8 side quantized. */
static edge_status edge_conversion_prepare(const edge_model *model, edge_operator *op, uint32_t params_size, bool quantize,
                                           edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if (quantize) {
        if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
        if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    } else {
        if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
        if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    }
    if (!edge_same_shape(x, y)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    }
    return EDGE_OK;
}

edge_status edge_quantize_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                  edge_error *error)
{
    (void)params;
    return edge_conversion_prepare(model, op, params_size, true, error);
}

edge_status edge_quantize_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const float *x = (const float *)edge_tensor_data(xt, arena);
    int8_t *y = (int8_t *)edge_tensor_data(yt, arena);
    edge_quantize(x, xt->count, yt->scale, yt->zero_point, y);
    return EDGE_OK;
}

void edge_quantize(const float *values, size_t count, float scale, int32_t zero_point, int8_t *out)
{
    const edge_int8_kernels *kernels = edge_int8_best_kernels();
    (kernels ? kernels : &edge_int8_kernels_c)->quantize(count, values, scale, zero_point, out);
}

void edge_dequantize(const int8_t *values, size_t count, float scale, int32_t zero_point, float *out)
{
    for (size_t i = 0; i < count; i++) out[i] = scale * (float)(values[i] - zero_point);
}

edge_status edge_dequantize_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                    edge_error *error)
{
    (void)params;
    return edge_conversion_prepare(model, op, params_size, false, error);
}

edge_status edge_dequantize_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const int8_t *x = (const int8_t *)edge_tensor_data(xt, arena);
    float *y = (float *)edge_tensor_data(yt, arena);
    edge_dequantize(x, xt->count, xt->scale, xt->zero_point, y);
    return EDGE_OK;
}
