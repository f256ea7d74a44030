/* normalization.c — BATCH_NORMALIZATION (inference form), LRN across channels, SOFTMAX (per axis,
   or flattened from the axis on as before opset 13), LAYER_NORMALIZATION and GROUP_NORMALIZATION
   (also InstanceNormalization, one channel per group). */
#include <math.h>

#include "../internal.h"

/* BATCH_NORMALIZATION's, LRN's and GROUP_NORMALIZATION's shared check: float32 [N, C, ...] in,
   the same shape out. */
static edge_status edge_check_float_channels(const edge_operator *op, const edge_tensor *x, const edge_tensor *y, edge_error *error)
{
    edge_status status;
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (x->rank < 2 || !edge_same_shape(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s (rank >= 2) and output %s must have the same shape",
                            edge_shape_text(x, sx), edge_shape_text(y, sy));
    return EDGE_OK;
}

edge_status edge_batch_norm_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                    edge_error *error)
{
    edge_status status = edge_check_arity(op, 5, 5, 5, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_float_channels(op, x, y, error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT];
    static const char *const names[5] = {"input", "scale", "bias", "mean", "variance"};
    for (unsigned i = 1; i < 5; i++) {
        const edge_tensor *p = edge_op_input(model, op, i);
        if ((status = edge_check_dtype(op, p, EDGE_DTYPE_FLOAT32, names[i], error)) != EDGE_OK) return status;
        if (p->rank != 1 || p->dims[0] != x->dims[1])
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %s, expected [%u] (the channel count)", names[i],
                                edge_shape_text(p, sx), x->dims[1]);
    }
    edge_batch_norm_params *g = &op->params.batch_norm;
    g->batch = x->dims[0];
    g->channels = x->dims[1];
    g->plane = edge_dims_product(x, 2, x->rank);
    g->epsilon = edge_read_f32(params);
    return EDGE_OK;
}

edge_status edge_batch_norm_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_batch_norm_params *g = &op->params.batch_norm;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *scale = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const float *bias = (const float *)edge_tensor_data(edge_op_input(model, op, 2), arena);
    const float *mean = (const float *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    const float *variance = (const float *)edge_tensor_data(edge_op_input(model, op, 4), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t c = 0; c < g->channels; c++) {
            float factor = scale[c] / sqrtf(variance[c] + g->epsilon);
            float shift = bias[c] - mean[c] * factor;
            size_t base = (n * g->channels + c) * g->plane;
            EDGE_MAP(y + base, x + base, g->plane, v * factor + shift);
        }
    }
    return EDGE_OK;
}

edge_status edge_lrn_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 4, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_float_channels(op, x, y, error)) != EDGE_OK) return status;
    int32_t size = edge_read_i32(params);
    if (size < 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "size is %d, expected >= 1", (int)size);
    edge_lrn_params *g = &op->params.lrn;
    g->batch = x->dims[0];
    g->channels = x->dims[1];
    g->plane = edge_dims_product(x, 2, x->rank);
    g->size = (size_t)size;
    g->alpha = edge_read_f32(params + 4);
    g->beta = edge_read_f32(params + 8);
    g->bias = edge_read_f32(params + 12);
    return EDGE_OK;
}

edge_status edge_lrn_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_lrn_params *g = &op->params.lrn;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t before = (g->size - 1) / 2, after = g->size - 1 - before;
    float alpha_over_size = g->alpha / (float)g->size;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t c = 0; c < g->channels; c++) {
            size_t low = c > before ? c - before : 0;
            size_t high = after < g->channels - 1 - c ? c + after : g->channels - 1;
            for (size_t i = 0; i < g->plane; i++) {
                float squares = 0.0f;
                for (size_t k = low; k <= high; k++) {
                    float v = x[(n * g->channels + k) * g->plane + i];
                    squares += v * v;
                }
                size_t index = (n * g->channels + c) * g->plane + i;
                y[index] = x[index] / powf(g->bias + alpha_over_size * squares, g->beta);
            }
        }
    }
    return EDGE_OK;
}

edge_status edge_softmax_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (!edge_same_shape(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
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

edge_status edge_softmax_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_softmax_params *g = &op->params.softmax;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t length = g->length, inner = g->inner;
    for (size_t o = 0; o < g->outer; o++) {
        for (size_t i = 0; i < inner; i++) {
            size_t base = o * length * inner + i;
            float maximum = -INFINITY;
            for (size_t k = 0; k < length; k++) maximum = edge_maxf(maximum, x[base + k * inner]);
            float sum = 0.0f;
            for (size_t k = 0; k < length; k++) {
                float e = expf(x[base + k * inner] - maximum);
                y[base + k * inner] = e;
                sum += e;
            }
            for (size_t k = 0; k < length; k++) y[base + k * inner] /= sum;
        }
    }
    return EDGE_OK;
}

/* ---- LAYER_NORMALIZATION ------------------------------------------------------------------------ */

/* The mean and 1 / sqrt(variance + epsilon) of `size` values, accumulated in double in two passes as
   the compiler's reference computes them (NormalizationKernels.statistics): the statistics of
   LAYER_NORMALIZATION and GROUP_NORMALIZATION alike. */
static void edge_run_statistics(const float *run, size_t size, float epsilon, float *mean, float *inverse)
{
    double sum = 0.0;
    for (size_t k = 0; k < size; k++) sum += run[k];
    double m = sum / (double)size, squares = 0.0;
    for (size_t k = 0; k < size; k++) squares += ((double)run[k] - m) * ((double)run[k] - m);
    *inverse = (float)(1.0 / sqrt(squares / (double)size + (double)epsilon));
    *mean = (float)m;
}

edge_status edge_layer_norm_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                    edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 3, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (!edge_same_shape(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    int32_t raw = edge_read_i32(params), axis = edge_axis(raw, x->rank);
    if (axis < 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)raw, (int)x->rank);
    edge_layer_norm_params *g = &op->params.layer_norm;
    g->outer = edge_dims_product(x, 0, axis);
    g->size = edge_dims_product(x, axis, x->rank);
    g->epsilon = edge_read_f32(params + 4);
    if (!(g->epsilon >= 0.0f)) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "epsilon %g is not a non-negative number", (double)g->epsilon);
    g->has_bias = op->input_count > 2 && edge_op_input(model, op, 2) != NULL;
    static const char *const names[3] = {"input", "scale", "bias"};
    for (unsigned i = 1; i < (g->has_bias ? 3u : 2u); i++) {
        const edge_tensor *p = edge_op_input(model, op, i);
        if ((status = edge_check_dtype(op, p, EDGE_DTYPE_FLOAT32, names[i], error)) != EDGE_OK) return status;
        if (p->count != g->size)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %s, expected %zu values (the normalized size)", names[i],
                                edge_shape_text(p, sx), g->size);
    }
    return EDGE_OK;
}

edge_status edge_layer_norm_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_layer_norm_params *g = &op->params.layer_norm;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *scale = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const float *bias = g->has_bias ? (const float *)edge_tensor_data(edge_op_input(model, op, 2), arena) : NULL;
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t size = g->size;
    for (size_t r = 0; r < g->outer; r++) {
        const float *run = x + r * size;
        float *out = y + r * size;
        float m, inverse;
        edge_run_statistics(run, size, g->epsilon, &m, &inverse);
        for (size_t k = 0; k < size; k++) {
            float n = (run[k] - m) * inverse;
            out[k] = n * scale[k] + (bias ? bias[k] : 0.0f);
        }
    }
    return EDGE_OK;
}

/* ---- GROUP_NORMALIZATION ------------------------------------------------------------------------ */

edge_status edge_group_norm_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                    edge_error *error)
{
    edge_status status = edge_check_arity(op, 3, 3, 3, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 3, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_float_channels(op, x, y, error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT];
    edge_group_norm_params *g = &op->params.group_norm;
    int32_t groups = edge_read_i32(params), per_group = edge_read_i32(params + 8);
    g->batch = x->dims[0];
    g->channels = x->dims[1];
    g->plane = edge_dims_product(x, 2, x->rank);
    g->epsilon = edge_read_f32(params + 4);
    if (groups < 1 || g->channels % (size_t)groups != 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "groups %d does not divide the %zu channels", (int)groups, g->channels);
    if (!(g->epsilon >= 0.0f)) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "epsilon %g is not a non-negative number", (double)g->epsilon);
    if (per_group != 0 && per_group != 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "per_group is %d, expected 0 or 1", (int)per_group);
    g->groups = (size_t)groups;
    g->per_group = per_group == 1;
    size_t expected = g->per_group ? g->groups : g->channels;
    static const char *const names[3] = {"input", "scale", "bias"};
    for (unsigned i = 1; i < 3; i++) {
        const edge_tensor *p = edge_op_input(model, op, i);
        if ((status = edge_check_dtype(op, p, EDGE_DTYPE_FLOAT32, names[i], error)) != EDGE_OK) return status;
        if (p->count != expected)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %s, expected %zu values (one per %s)", names[i], edge_shape_text(p, sx),
                                expected, g->per_group ? "group" : "channel");
    }
    return EDGE_OK;
}

edge_status edge_group_norm_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_group_norm_params *g = &op->params.group_norm;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *scale = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const float *bias = (const float *)edge_tensor_data(edge_op_input(model, op, 2), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t channels_per_group = g->channels / g->groups, plane = g->plane, size = channels_per_group * plane;
    for (size_t r = 0; r < g->batch * g->groups; r++) {
        size_t group = r % g->groups;
        float mean, inverse;
        edge_run_statistics(x + r * size, size, g->epsilon, &mean, &inverse);
        for (size_t j = 0; j < channels_per_group; j++) {
            size_t parameter = g->per_group ? group : group * channels_per_group + j;
            float s = scale[parameter], b = bias[parameter];
            size_t start = r * size + j * plane;
            EDGE_MAP(y + start, x + start, plane, (v - mean) * inverse * s + b);
        }
    }
    return EDGE_OK;
}
