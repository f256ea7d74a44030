/*
 * quantization.c — the QUANTIZATION section (formats/edgem.md): every record is checked once at
 * load, then bound to the tensors that refer to it; and the checks the int8 operators' prepare
 * functions share (quantized activations, tables, requantization fields, clamps).
 */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

edge_status edge_load_quantization(edge_model *model, const uint8_t *bytes, size_t size, edge_error *error)
{
    if (!bytes) return EDGE_OK;
    if (size < 4) return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: %zu bytes, too short for its record count", size);
    uint32_t count = edge_read_u32(bytes);
    if ((uint64_t)count * 4 > (uint64_t)size - 4)
        return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: %zu bytes cannot hold the offsets of %u records", size, count);
    size_t table_end = 4 + (size_t)count * 4;
    model->quantizations = calloc(count ? count : 1, sizeof *model->quantizations);
    if (!model->quantizations) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "QUANTIZATION: out of memory");
    for (uint32_t i = 0; i < count; i++) {
        uint32_t offset = edge_read_u32(bytes + 4 + 4 * (size_t)i);
        if (offset % 4 != 0)
            return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: offset %u is not a multiple of 4", i, offset);
        if (offset < table_end || offset > size || size - offset < 8)
            return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: offset %u is outside the records (bytes %zu to %zu)", i,
                             offset, table_end, size);
        const uint8_t *record = bytes + offset;
        int32_t axis = edge_read_i32(record);
        uint32_t scales = edge_read_u32(record + 4);
        if (axis < -1 || axis >= EDGE_MAX_RANK)
            return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: axis %d, expected -1 (per tensor) or 0 to 7", i, (int)axis);
        if (scales == 0 || (axis == -1 && scales != 1))
            return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: count %u, expected %s", i, scales,
                             axis == -1 ? "1 for axis -1" : "at least 1");
        if ((uint64_t)scales * 8 > (uint64_t)(size - offset - 8))
            return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: %u scales and zero points run past the section (%zu bytes)", i,
                             scales, size);
        edge_quantization *q = &model->quantizations[i];
        q->axis = axis;
        q->count = scales;
        q->scales = record + 8;
        q->zero_points = record + 8 + 4 * (size_t)scales;
        for (uint32_t c = 0; c < scales; c++) {
            float scale = edge_read_f32(q->scales + 4 * (size_t)c);
            if (!(scale > 0.0f) || isinf(scale))
                return edge_fail(error, EDGE_ERROR_FORMAT, "QUANTIZATION: record %u: scale %u is %g, expected a finite number > 0", i, c,
                                 (double)scale);
        }
    }
    model->quantization_count = count;
    return EDGE_OK;
}

edge_status edge_bind_quantization(const edge_model *model, uint32_t index, edge_tensor *tensor, uint32_t record, edge_error *error)
{
    tensor->quantization = NULL;
    tensor->scale = 1.0f;
    tensor->zero_point = 0;
    if (record == EDGE_NONE) return EDGE_OK;
    const char *name = tensor->name;
    if (record >= model->quantization_count)
        return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): quantization record %u does not exist (the file has %u)", index,
                         name, record, model->quantization_count);
    int64_t low, high;
    switch (tensor->dtype) {
    case EDGE_DTYPE_INT8: low = -128, high = 127; break;
    case EDGE_DTYPE_UINT8: low = 0, high = 255; break;
    case EDGE_DTYPE_INT32: low = 0, high = 0; break; /* biases: zero point 0 */
    default:
        return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): a %s tensor cannot be quantized (int8, uint8 and int32 can)", index,
                         name, edge_dtype_name(tensor->dtype));
    }
    const edge_quantization *q = &model->quantizations[record];
    if (q->axis >= tensor->rank)
        return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): quantization axis %d is outside its rank %d", index, name,
                         (int)q->axis, (int)tensor->rank);
    if (q->axis >= 0 && q->count != tensor->dims[q->axis])
        return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): %u scales along axis %d, which has %u entries", index, name, q->count,
                         (int)q->axis, tensor->dims[q->axis]);
    for (uint32_t c = 0; c < q->count; c++) {
        int32_t zero = edge_read_i32(q->zero_points + 4 * (size_t)c);
        if (zero < low || zero > high)
            return edge_fail(error, EDGE_ERROR_FORMAT, "tensor %u ('%.80s'): zero point %d is outside %lld to %lld for %s", index, name,
                             (int)zero, (long long)low, (long long)high, edge_dtype_name(tensor->dtype));
    }
    tensor->quantization = q;
    tensor->scale = edge_read_f32(q->scales);
    tensor->zero_point = edge_read_i32(q->zero_points);
    return EDGE_OK;
}

edge_status edge_check_int8_activation(const edge_operator *op, const edge_tensor *tensor, const char *what, edge_error *error)
{
    if (tensor->dtype != EDGE_DTYPE_INT8)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "%s '%.60s' is %s; this operator takes int8", what, tensor->name,
                            edge_dtype_name(tensor->dtype));
    if (!tensor->quantization)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s '%.60s' has no quantization parameters (int8 operators need them)", what,
                            tensor->name);
    if (tensor->quantization->axis != -1)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "%s '%.60s' is quantized per slice along axis %d; this operator takes it per tensor",
                            what, tensor->name, (int)tensor->quantization->axis);
    return EDGE_OK;
}

edge_status edge_check_int8_table(const edge_operator *op, const edge_tensor *tensor, uint32_t dtype, int32_t rank, const uint32_t *dims,
                                  bool constant, const char *what, edge_error *error)
{
    edge_status status = edge_check_dtype(op, tensor, dtype, what, error);
    if (status != EDGE_OK) return status;
    bool fits = tensor->rank == rank;
    for (int32_t d = 0; d < rank && fits; d++) fits = tensor->dims[d] == dims[d];
    if (!fits) {
        char shape[EDGE_SHAPE_TEXT];
        if (rank == 1)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s '%.60s' is %s, expected [%u]", what, tensor->name,
                                edge_shape_text(tensor, shape), dims[0]);
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s '%.60s' is %s, expected [%u,%u]", what, tensor->name,
                            edge_shape_text(tensor, shape), dims[0], dims[1]);
    }
    if (tensor->quantization)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s '%.60s' has quantization parameters; tables and requantization arrays have none",
                            what, tensor->name);
    if (constant && tensor->storage == EDGE_STORAGE_ARENA)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "%s '%.60s' is computed at run time; it must be a weight so that it is checked at load",
                            what, tensor->name);
    return EDGE_OK;
}

bool edge_same_quantization(const edge_tensor *a, const edge_tensor *b)
{
    const edge_quantization *p = a->quantization, *q = b->quantization;
    if (!p || !q) return p == q;
    return p == q || (p->axis == q->axis && p->count == q->count && memcmp(p->scales, q->scales, 4 * (size_t)p->count) == 0 &&
                      memcmp(p->zero_points, q->zero_points, 4 * (size_t)p->count) == 0);
}

void edge_quantize_multiplier(double real, int32_t *multiplier, int32_t *shift)
{
    *multiplier = 0;
    *shift = 0;
    if (!(real > 0) || !isfinite(real)) return;
    int exponent;
    double q = round(frexp(real, &exponent) * 2147483648.0);
    if (q == 2147483648.0) {
        q /= 2;
        exponent++;
    }
    if (exponent < -31) return;
    *multiplier = (int32_t)q;
    *shift = exponent;
}

edge_status edge_derive_requantization(const edge_model *model, const edge_operator *op, edge_tensor *r, edge_error *error)
{
    if (!(op->info->flags & EDGE_OP_FLAG_DERIVED_REQUANTIZATION))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "reads the derived requantization array '%.60s'; only CONV_INT8 and GEMM_INT8 may",
                            r->name);
    const edge_tensor *x = op->input_count > 0 ? edge_op_input(model, op, 0) : NULL;
    const edge_tensor *w = op->input_count > 1 ? edge_op_input(model, op, 1) : NULL;
    const edge_tensor *y = op->output_count > 0 ? edge_op_output(model, op, 0) : NULL;
    if (!x || !w || !y || !x->quantization || !w->quantization || !y->quantization)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "derives '%.60s' but its input, weights or output has no quantization parameters",
                            r->name);
    uint32_t channels = r->dims[0];
    if (w->quantization->count != 1 && w->quantization->count != channels)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "derives '%.60s' for %u channels from %u weight scales", r->name, channels,
                            w->quantization->count);
    uint8_t *out = (uint8_t *)(uintptr_t)r->weight;
    for (uint32_t m = 0; m < channels; m++) {
        float weight_scale = edge_read_f32(w->quantization->scales + 4 * (size_t)(w->quantization->count == 1 ? 0 : m));
        int32_t multiplier, shift;
        edge_quantize_multiplier((double)x->scale * (double)weight_scale / (double)y->scale, &multiplier, &shift);
        int32_t pair[2] = {multiplier, shift};
        memcpy(out + 8 * (size_t)m, pair, sizeof pair);
    }
    return EDGE_OK;
}

edge_status edge_check_requantization(const edge_operator *op, int32_t multiplier, int32_t shift, const char *what, edge_error *error)
{
    if (multiplier < 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s multiplier is %d, expected 0 to 2^31 - 1", what, (int)multiplier);
    if (shift < -31 || shift > 31)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s shift is %d, expected -31 to 31", what, (int)shift);
    return EDGE_OK;
}

edge_status edge_read_int8_clamp(const edge_operator *op, const uint8_t *params, unsigned field, int32_t *act_min, int32_t *act_max,
                                 edge_error *error)
{
    *act_min = edge_read_i32(params + 4 * field);
    *act_max = edge_read_i32(params + 4 * (field + 1));
    if (*act_min < -128 || *act_max > 127 || *act_min > *act_max)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "act_min %d and act_max %d, expected -128 <= act_min <= act_max <= 127",
                            (int)*act_min, (int)*act_max);
    return EDGE_OK;
}

edge_status edge_check_passthrough_quantization(const edge_model *model, const edge_operator *op, edge_error *error)
{
    uint32_t flags = op->info->flags;
    if (!(flags & (EDGE_OP_FLAG_PASSTHROUGH | EDGE_OP_FLAG_PASSTHROUGH_ALL_INPUTS))) return EDGE_OK;
    unsigned inputs = flags & EDGE_OP_FLAG_PASSTHROUGH_ALL_INPUTS ? op->input_count : 1;
    const edge_tensor *first = edge_op_input(model, op, 0);
    if (first->dtype != EDGE_DTYPE_INT8) return EDGE_OK;
    for (unsigned s = 1; s < (unsigned)op->input_count + op->output_count; s++) {
        if (s < op->input_count && s >= inputs) continue;
        const edge_tensor *other = edge_op_tensor(model, op, s);
        if (!edge_same_quantization(first, other))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT,
                                "int8 tensors '%.50s' and '%.50s' are quantized differently; this operator moves values unchanged", first->name,
                                other->name);
    }
    return EDGE_OK;
}
