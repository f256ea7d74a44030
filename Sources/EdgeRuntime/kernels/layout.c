/*
 * layout.c — ops that move elements without arithmetic, for any dtype (bytes of the element size):
 * CONCAT, SPLIT, SLICE, GATHER, RESHAPE, TRANSPOSE, EXPAND, PAD; and CAST between any dtypes.
 * SLICE, TRANSPOSE and EXPAND are one strided walk over the output with different input strides.
 */
#include <math.h>

#include "../internal.h"
#include "requantize.h"

/* Fills a strided walk over `rank` dims, dropping axes of size 1 and merging contiguous neighbours. */
void edge_strided_walk_plan(int32_t rank, const size_t *dims, const ptrdiff_t *strides, size_t base, edge_strided_params *s)
{
    int32_t r = 0;
    for (int32_t d = 0; d < rank; d++) {
        size_t dim = dims[d];
        if (dim == 1) continue;
        if (r > 0 && s->strides[r - 1] == strides[d] * (ptrdiff_t)dim) {
            s->dims[r - 1] *= dim;
            s->strides[r - 1] = strides[d];
            continue;
        }
        s->dims[r] = dim;
        s->strides[r] = strides[d];
        r++;
    }
    if (r == 0) {
        s->dims[0] = 1;
        s->strides[0] = 1;
        r = 1;
    }
    s->rank = r;
    s->base = base;
}

/* The walk over `out`'s dims. */
static void edge_strided_plan(const edge_tensor *out, const ptrdiff_t *strides, size_t base, edge_strided_params *s)
{
    size_t dims[EDGE_MAX_RANK];
    for (int32_t d = 0; d < out->rank; d++) dims[d] = out->dims[d];
    edge_strided_walk_plan(out->rank, dims, strides, base, s);
}

static void edge_strided_copy(const edge_strided_params *s, const uint8_t *x, uint8_t *y, size_t element)
{
    int32_t last = s->rank - 1;
    size_t n = s->dims[last];
    ptrdiff_t step = s->strides[last];
    size_t rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= s->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    ptrdiff_t offset = (ptrdiff_t)s->base;
    for (size_t r = 0; r < rows; r++, y += n * element) {
        const uint8_t *source = x + offset * (ptrdiff_t)element;
        if (step == 1) {
            memcpy(y, source, n * element);
        } else if (element == 4) {
            const uint32_t *in = (const uint32_t *)(const void *)source;
            uint32_t *out = (uint32_t *)(void *)y;
            for (size_t i = 0; i < n; i++) out[i] = in[(ptrdiff_t)i * step];
        } else if (element == 8) {
            const uint64_t *in = (const uint64_t *)(const void *)source;
            uint64_t *out = (uint64_t *)(void *)y;
            for (size_t i = 0; i < n; i++) out[i] = in[(ptrdiff_t)i * step];
        } else {
            for (size_t i = 0; i < n; i++) y[i] = source[(ptrdiff_t)i * step];
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            offset += s->strides[d];
            if (++index[d] < s->dims[d]) break;
            offset -= s->strides[d] * (ptrdiff_t)index[d];
            index[d] = 0;
        }
    }
}

static edge_status edge_strided_eval(const edge_model *model, const edge_operator *op, uint8_t *arena)
{
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    edge_strided_copy(&op->params.strided, edge_tensor_data(x, arena), edge_tensor_data(y, arena), edge_dtype_size(x->dtype));
    return EDGE_OK;
}

/* ---- CONCAT and SPLIT -------------------------------------------------------------------------- */

/* Checks `part` matches `whole` outside `axis`; adds its extent along the axis to `*sum`. */
static bool edge_part_fits(const edge_tensor *part, const edge_tensor *whole, int32_t axis, uint64_t *sum)
{
    if (part->rank != whole->rank || part->dtype != whole->dtype) return false;
    for (int32_t d = 0; d < whole->rank; d++)
        if (d != axis && part->dims[d] != whole->dims[d]) return false;
    *sum += part->dims[axis];
    return true;
}

static edge_status edge_parts_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      bool concat, edge_error *error)
{
    edge_status status = concat ? edge_check_arity(op, 1, 255, 255, 1, error) : edge_check_arity(op, 1, 1, 1, op->output_count, error);
    if (status == EDGE_OK && !concat && op->output_count < 1)
        status = edge_op_fail(error, op, EDGE_ERROR_FORMAT, "has no outputs");
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *whole = concat ? edge_op_output(model, op, 0) : edge_op_input(model, op, 0);
    unsigned parts = concat ? op->input_count : op->output_count;
    int32_t raw = edge_read_i32(params), axis = edge_axis(raw, whole->rank);
    if (axis < 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)raw, (int)whole->rank);
    uint64_t sum = 0;
    char s1[EDGE_SHAPE_TEXT], s2[EDGE_SHAPE_TEXT];
    for (unsigned i = 0; i < parts; i++) {
        const edge_tensor *part = concat ? edge_op_input(model, op, i) : edge_op_output(model, op, i);
        if (!edge_part_fits(part, whole, axis, &sum))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s %u (%s %s) does not match %s %s outside axis %d",
                                concat ? "input" : "output", i, edge_dtype_name(part->dtype), edge_shape_text(part, s1),
                                edge_dtype_name(whole->dtype), edge_shape_text(whole, s2), (int)axis);
    }
    if (sum != whole->dims[axis])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the parts add up to %llu along axis %d, the %s has %u", (unsigned long long)sum,
                            (int)axis, concat ? "output" : "input", whole->dims[axis]);
    op->params.axis.axis = axis;
    op->params.axis.outer = edge_dims_product(whole, 0, axis);
    op->params.axis.inner_bytes = edge_dims_product(whole, axis + 1, whole->rank) * edge_dtype_size(whole->dtype);
    return EDGE_OK;
}

edge_status edge_concat_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    return edge_parts_prepare(model, op, params, params_size, true, error);
}

edge_status edge_split_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    return edge_parts_prepare(model, op, params, params_size, false, error);
}

edge_status edge_concat_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_axis_params *g = &op->params.axis;
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t o = 0; o < g->outer; o++) {
        for (unsigned i = 0; i < op->input_count; i++) {
            const edge_tensor *part = edge_op_input(model, op, i);
            size_t block = part->dims[g->axis] * g->inner_bytes;
            memcpy(y, edge_tensor_data(part, arena) + o * block, block);
            y += block;
        }
    }
    return EDGE_OK;
}

edge_status edge_split_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_axis_params *g = &op->params.axis;
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena);
    for (size_t o = 0; o < g->outer; o++) {
        for (unsigned i = 0; i < op->output_count; i++) {
            const edge_tensor *part = edge_op_output(model, op, i);
            size_t block = part->dims[g->axis] * g->inner_bytes;
            memcpy(edge_tensor_data(part, arena) + o * block, x, block);
            x += block;
        }
    }
    return EDGE_OK;
}

/* ---- SLICE, TRANSPOSE, EXPAND, RESHAPE --------------------------------------------------------- */

edge_status edge_slice_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 16, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (x->rank != y->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ in rank", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    ptrdiff_t in_strides[EDGE_MAX_RANK], strides[EDGE_MAX_RANK];
    edge_strides(x, in_strides);
    size_t base = 0;
    for (int32_t d = 0; d < x->rank; d++) {
        int64_t start = edge_read_i32(params + 4 * (size_t)d), step = edge_read_i32(params + 32 + 4 * (size_t)d);
        int64_t dim = x->dims[d], last;
        if (start < 0 || start >= dim)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d: start %lld is outside the input's %lld", (int)d, (long long)start,
                                (long long)dim);
        if (step == 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d: step is 0", (int)d);
        if (__builtin_mul_overflow((int64_t)y->dims[d] - 1, step, &last) || (last += start) < 0 || last >= dim)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d: %u elements from %lld by %lld leave the input's %lld", (int)d,
                                y->dims[d], (long long)start, (long long)step, (long long)dim);
        base += (size_t)start * (size_t)in_strides[d];
        /* In range, |step| < dim when there are two or more outputs, so the stride fits. */
        strides[d] = y->dims[d] == 1 ? 0 : in_strides[d] * (ptrdiff_t)step;
    }
    edge_strided_plan(y, strides, base, &op->params.strided);
    return EDGE_OK;
}

edge_status edge_slice_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    return edge_strided_eval(model, op, arena);
}

edge_status edge_transpose_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                   edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 8, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    ptrdiff_t in_strides[EDGE_MAX_RANK], strides[EDGE_MAX_RANK];
    edge_strides(x, in_strides);
    bool seen[EDGE_MAX_RANK] = {false};
    bool fits = x->rank == y->rank;
    for (int32_t d = 0; d < y->rank && fits; d++) {
        int32_t p = edge_read_i32(params + 4 * (size_t)d);
        if (p < 0 || p >= x->rank || seen[p])
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "perm[%d] = %d is not part of a permutation of rank %d", (int)d, (int)p,
                                (int)x->rank);
        seen[p] = true;
        fits = y->dims[d] == x->dims[p];
        strides[d] = in_strides[p];
    }
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not a permutation of input %s by perm", edge_shape_text(y, sy),
                            edge_shape_text(x, sx));
    edge_strided_plan(y, strides, 0, &op->params.strided);
    return EDGE_OK;
}

edge_status edge_transpose_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    return edge_strided_eval(model, op, arena);
}

edge_status edge_expand_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    edge_broadcast walk;
    if (!edge_broadcast_plan(x, NULL, y, &walk)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s does not broadcast to output %s", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    }
    edge_strided_params *s = &op->params.strided;
    s->rank = walk.rank;
    s->base = 0;
    for (int32_t d = 0; d < walk.rank; d++) {
        s->dims[d] = walk.dims[d];
        s->strides[d] = (ptrdiff_t)walk.a_strides[d];
    }
    return EDGE_OK;
}

edge_status edge_expand_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    return edge_strided_eval(model, op, arena);
}

edge_status edge_reshape_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    if (x->count != y->count) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s hold different element counts", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    }
    return EDGE_OK;
}

edge_status edge_reshape_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    const uint8_t *source = edge_tensor_data(x, arena);
    uint8_t *target = edge_tensor_data(y, arena);
    if (source != target) memmove(target, source, y->bytes);
    return EDGE_OK;
}

/* ---- GATHER ------------------------------------------------------------------------------------ */

edge_status edge_gather_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *indices = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    if ((status = edge_check_indices(op, indices, error)) != EDGE_OK) return status;
    int32_t raw = edge_read_i32(params), axis = edge_axis(raw, x->rank);
    if (axis < 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)raw, (int)x->rank);
    bool fits = y->rank == x->rank - 1 + indices->rank;
    for (int32_t d = 0; d < y->rank && fits; d++) {
        uint32_t expected = d < axis ? x->dims[d] : d < axis + indices->rank ? indices->dims[d - axis] : x->dims[d - indices->rank + 1];
        fits = y->dims[d] == expected;
    }
    if (!fits) {
        char sx[EDGE_SHAPE_TEXT], si[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s does not fit data %s gathered along axis %d by indices %s",
                            edge_shape_text(y, sy), edge_shape_text(x, sx), (int)axis, edge_shape_text(indices, si));
    }
    edge_gather_params *g = &op->params.gather;
    g->axis = axis;
    g->outer = edge_dims_product(x, 0, axis);
    g->axis_size = x->dims[axis];
    g->inner_bytes = edge_dims_product(x, axis + 1, x->rank) * edge_dtype_size(x->dtype);
    g->index_count = indices->count;
    return EDGE_OK;
}

edge_status edge_gather_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    const edge_gather_params *g = &op->params.gather;
    const edge_tensor *it = edge_op_input(model, op, 1);
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena);
    const uint8_t *indices = edge_tensor_data(it, arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t o = 0; o < g->outer; o++) {
        for (size_t i = 0; i < g->index_count; i++) {
            size_t index;
            edge_status status = edge_index_position(op, it, indices, i, g->axis, g->axis_size, &index, error);
            if (status != EDGE_OK) return status;
            memcpy(y, x + (o * g->axis_size + index) * g->inner_bytes, g->inner_bytes);
            y += g->inner_bytes;
        }
    }
    return EDGE_OK;
}

/* ---- CAST and PAD's fill value ------------------------------------------------------------------ */

/* Float to int64 as the reference executor converts: toward zero; 0 when not finite or out of range. */
static int64_t edge_float_to_int64(double value)
{
    if (!isfinite(value)) return 0;
    double truncated = trunc(value);
    if (truncated < -9223372036854775808.0 || truncated >= 9223372036854775808.0) return 0;
    return (int64_t)truncated;
}

static int64_t edge_clamp64(int64_t value, int64_t low, int64_t high) { return value < low ? low : value > high ? high : value; }

/* Element `p` of `dtype` as a double and as an int64 (ONNX Cast semantics for the latter). */
static void edge_load_element(const uint8_t *p, uint8_t dtype, double *as_double, int64_t *as_integer)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: {
        float v;
        memcpy(&v, p, 4);
        *as_double = v;
        *as_integer = edge_float_to_int64(v);
        return;
    }
    case EDGE_DTYPE_INT8: *as_integer = (int8_t)p[0]; break;
    case EDGE_DTYPE_UINT8: *as_integer = p[0]; break;
    case EDGE_DTYPE_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        *as_integer = v;
        break;
    }
    case EDGE_DTYPE_INT64: memcpy(as_integer, p, 8); break;
    default: *as_integer = p[0] != 0; break;
    }
    *as_double = (double)*as_integer;
}

static void edge_store_element(uint8_t *p, uint8_t dtype, uint8_t from, double as_double, int64_t as_integer)
{
    switch (dtype) {
    case EDGE_DTYPE_FLOAT32: {
        float v = from == EDGE_DTYPE_INT64 ? (float)as_integer : (float)as_double;
        memcpy(p, &v, 4);
        return;
    }
    case EDGE_DTYPE_INT8: {
        int8_t v = (int8_t)edge_clamp64(as_integer, INT8_MIN, INT8_MAX);
        memcpy(p, &v, 1);
        return;
    }
    case EDGE_DTYPE_UINT8: p[0] = (uint8_t)edge_clamp64(as_integer, 0, UINT8_MAX); return;
    case EDGE_DTYPE_INT32: {
        uint32_t v = (uint32_t)(uint64_t)as_integer; /* wraps, as ONNX Cast from int64 */
        memcpy(p, &v, 4);
        return;
    }
    case EDGE_DTYPE_INT64: memcpy(p, &as_integer, 8); return;
    default: p[0] = as_double != 0.0; return;
    }
}

edge_status edge_cast_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    int32_t to = edge_read_i32(params);
    if (to < 0 || to > 255 || edge_dtype_size((uint32_t)to) == 0)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "cast to unknown dtype %d", (int)to);
    if (y->dtype != to)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "casts to %s but the output is %s", edge_dtype_name((uint32_t)to),
                            edge_dtype_name(y->dtype));
    if (!edge_same_shape(x, y)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    }
    op->params.cast.to = (uint8_t)to;
    return EDGE_OK;
}

edge_status edge_cast_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const uint8_t *x = edge_tensor_data(xt, arena);
    uint8_t *y = edge_tensor_data(yt, arena);
    if (xt->dtype == yt->dtype) {
        if (x != y) memmove(y, x, yt->bytes);
        return EDGE_OK;
    }
    size_t in_size = edge_dtype_size(xt->dtype), out_size = edge_dtype_size(yt->dtype);
    for (size_t i = 0; i < xt->count; i++) {
        double as_double;
        int64_t as_integer;
        edge_load_element(x + i * in_size, xt->dtype, &as_double, &as_integer);
        edge_store_element(y + i * out_size, yt->dtype, xt->dtype, as_double, as_integer);
    }
    return EDGE_OK;
}

/* ---- PAD ---------------------------------------------------------------------------------------- */

enum { EDGE_PAD_CONSTANT = 0, EDGE_PAD_REFLECT = 1, EDGE_PAD_EDGE = 2 };

edge_status edge_pad_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 10, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    edge_pad_params *g = &op->params.pad;
    g->mode = edge_read_i32(params);
    g->value = edge_read_f32(params + 4);
    if (g->mode < EDGE_PAD_CONSTANT || g->mode > EDGE_PAD_EDGE)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown pad mode %d", (int)g->mode);
    if (x->rank != y->rank) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ in rank", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    }
    /* Any begin works (the output's dims give the ends): each output index maps into the input or
       to the fill value, so only the sizes need bounding. */
    for (int32_t d = 0; d < x->rank; d++) {
        int32_t begin = edge_read_i32(params + 8 + 4 * (size_t)d);
        if (begin < -(1 << 30) || begin > (1 << 30))
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "axis %d: pad %d is too large", (int)d, (int)begin);
        g->begins[d] = begin;
    }
    /* The fill in the tensor's dtype, converted as CAST from float32 would (but saturating). */
    int64_t integer = edge_float_to_int64(g->value);
    if (x->dtype == EDGE_DTYPE_INT32) integer = edge_clamp64(integer, INT32_MIN, INT32_MAX);
    memset(g->fill, 0, sizeof g->fill);
    edge_store_element(g->fill, x->dtype, EDGE_DTYPE_FLOAT32, g->value, integer);
    /* A quantized int8 tensor pads with the value's integer under its scale and zero point. */
    if (x->dtype == EDGE_DTYPE_INT8 && x->quantization) {
        if (x->quantization->axis != -1)
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "padding an int8 tensor quantized per slice is not supported");
        int8_t fill = edge_quantize_float(g->value, x->scale, x->zero_point);
        memcpy(g->fill, &fill, 1);
    }
    return EDGE_OK;
}

/* The input index output index `i` (minus the begin pad) reads along an axis of `dim`, or -1 for the fill. */
static int64_t edge_pad_source(int64_t i, int64_t dim, int32_t mode)
{
    if (i >= 0 && i < dim) return i;
    if (mode == EDGE_PAD_CONSTANT) return -1;
    if (mode == EDGE_PAD_EDGE) return i < 0 ? 0 : dim - 1;
    if (dim == 1) return 0;
    int64_t period = 2 * (dim - 1);
    i %= period;
    if (i < 0) i += period;
    return i < dim ? i : period - i;
}

edge_status edge_pad_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_pad_params *g = &op->params.pad;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const uint8_t *x = edge_tensor_data(xt, arena);
    uint8_t *y = edge_tensor_data(yt, arena);
    size_t element = edge_dtype_size(xt->dtype);
    int32_t rank = xt->rank;
    if (rank == 0) {
        memcpy(y, x, element);
        return EDGE_OK;
    }
    ptrdiff_t strides[EDGE_MAX_RANK];
    edge_strides(xt, strides);
    int32_t last = rank - 1;
    size_t n = yt->dims[last], rows = yt->count / n;
    int64_t in_last = (int64_t)xt->dims[last];
    size_t index[EDGE_MAX_RANK] = {0};
    for (size_t r = 0; r < rows; r++, y += n * element) {
        /* The input row this output row reads, or none (the whole row is fill). */
        ptrdiff_t base = 0;
        bool inside = true;
        for (int32_t d = 0; d < last && inside; d++) {
            int64_t source = edge_pad_source((int64_t)index[d] - g->begins[d], (int64_t)xt->dims[d], g->mode);
            if (source < 0) inside = false;
            else base += (ptrdiff_t)source * strides[d];
        }
        for (size_t i = 0; i < n; i++) {
            int64_t source = inside ? edge_pad_source((int64_t)i - g->begins[last], in_last, g->mode) : -1;
            memcpy(y + i * element, source < 0 ? g->fill : x + (size_t)(base + source) * element, element);
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            if (++index[d] < yt->dims[d]) break;
            index[d] = 0;
        }
    }
    return EDGE_OK;
}
