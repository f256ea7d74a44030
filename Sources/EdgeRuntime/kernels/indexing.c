/*
 * indexing.c — ops that address data through an index tensor read at run time: GATHER_ELEMENTS,
 * GATHER_ND, SCATTER_ND and SCATTER_ELEMENTS (GATHER, one axis, is layout.c's). Any dtype, as
 * bytes of the element size; every index goes through edge_index_position, so an index out of
 * range is an EXECUTION error naming the operator, never a read or write outside a tensor.
 */
#include "../internal.h"

/* Advances GATHER_ELEMENTS' and SCATTER_ELEMENTS' walk over the indices (row-major, `index` its
   coordinates) by one element: `base` is the data offset of that element with its axis coordinate 0. */
static void edge_elements_step(const edge_select_params *g, size_t *index, size_t *base)
{
    for (int32_t d = g->rank - 1; d >= 0; d--) {
        *base += g->strides[0][d];
        if (++index[d] < g->dims[d]) return;
        *base -= g->strides[0][d] * index[d];
        index[d] = 0;
    }
}

/* The checks and walk GATHER_ELEMENTS and SCATTER_ELEMENTS share: indices (INT64 or INT32) of data's
   rank, no dimension larger than data's except along the axis (params field 0); `g` walks them. */
static edge_status edge_elements_prepare(const edge_operator *op, const edge_tensor *x, const edge_tensor *indices, const uint8_t *params,
                                         edge_select_params *g, edge_error *error)
{
    edge_status status = edge_check_indices(op, indices, error);
    if (status != EDGE_OK) return status;
    int32_t raw = edge_read_i32(params), axis = edge_axis(raw, x->rank);
    if (axis < 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)raw, (int)x->rank);
    bool fits = indices->rank == x->rank;
    for (int32_t d = 0; d < x->rank && fits; d++) fits = d == axis || indices->dims[d] <= x->dims[d];
    if (!fits) {
        char sx[EDGE_SHAPE_TEXT], si[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "indices %s do not fit data %s along axis %d", edge_shape_text(indices, si),
                            edge_shape_text(x, sx), (int)axis);
    }
    g->rank = indices->rank;
    ptrdiff_t data_strides[EDGE_MAX_RANK];
    edge_strides(x, data_strides);
    size_t running = 1;
    for (int32_t d = indices->rank - 1; d >= 0; d--) {
        g->dims[d] = indices->dims[d];
        g->strides[0][d] = d == axis ? 0 : (size_t)data_strides[d];
        g->strides[1][d] = running;
        running *= indices->dims[d];
    }
    g->axis = axis;
    g->axis_size = x->dims[axis];
    g->axis_stride = (size_t)data_strides[axis];
    g->element_size = edge_dtype_size(x->dtype);
    return EDGE_OK;
}

/* Reads a scatter's `reduction` field (0 none, 1 add, 2 mul) and checks the data's dtype allows it. */
static edge_status edge_scatter_reduction(const edge_operator *op, const uint8_t *field, const edge_tensor *data, int32_t *reduction,
                                          edge_error *error)
{
    *reduction = edge_read_i32(field);
    if (*reduction < EDGE_SCATTER_NONE || *reduction > EDGE_SCATTER_MUL)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown reduction %d", (int)*reduction);
    if (*reduction != EDGE_SCATTER_NONE && data->dtype != EDGE_DTYPE_FLOAT32 && data->dtype != EDGE_DTYPE_INT32 &&
        data->dtype != EDGE_DTYPE_INT64)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "reduction %s on %s data is not supported (float32, int32 and int64 are)",
                            *reduction == EDGE_SCATTER_ADD ? "add" : "mul", edge_dtype_name(data->dtype));
    return EDGE_OK;
}

/* Checks a scatter's output is data's dtype and shape, and its updates (input 2) `expected`'s
   shape (the indices or the gathered slices) and data's dtype. */
static edge_status edge_scatter_check(const edge_operator *op, const edge_tensor *x, const edge_tensor *updates, const edge_tensor *y,
                                      const edge_tensor *expected, edge_error *error)
{
    edge_status status = edge_check_same_dtype(op, x, y, error);
    if (status == EDGE_OK) status = edge_check_same_dtype(op, x, updates, error);
    if (status != EDGE_OK) return status;
    char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT];
    if (!edge_same_shape(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s differs from data %s", edge_shape_text(y, sa), edge_shape_text(x, sb));
    if (expected && !edge_same_shape(updates, expected))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "updates %s differ from indices %s", edge_shape_text(updates, sa),
                            edge_shape_text(expected, sb));
    return EDGE_OK;
}

/* y[i] = u[i] (none), y[i] + u[i] (add) or y[i] · u[i] (mul) for `n` elements; integers wrap on
   overflow, as the reference executor's do. */
static void edge_scatter_combine(uint8_t *y, const uint8_t *u, size_t n, uint32_t dtype, size_t element_size, int32_t reduction)
{
    if (reduction == EDGE_SCATTER_NONE) {
        memcpy(y, u, n * element_size);
        return;
    }
    bool add = reduction == EDGE_SCATTER_ADD;
    if (dtype == EDGE_DTYPE_FLOAT32) {
        float *out = (float *)(void *)y;
        const float *in = (const float *)(const void *)u;
        for (size_t i = 0; i < n; i++) out[i] = add ? out[i] + in[i] : out[i] * in[i];
    } else if (dtype == EDGE_DTYPE_INT32) {
        uint32_t *out = (uint32_t *)(void *)y;
        const uint32_t *in = (const uint32_t *)(const void *)u;
        for (size_t i = 0; i < n; i++) out[i] = add ? out[i] + in[i] : out[i] * in[i];
    } else {
        uint64_t *out = (uint64_t *)(void *)y;
        const uint64_t *in = (const uint64_t *)(const void *)u;
        for (size_t i = 0; i < n; i++) out[i] = add ? out[i] + in[i] : out[i] * in[i];
    }
}

/* ---- GATHER_ELEMENTS ---------------------------------------------------------------------------- */

edge_status edge_gather_elements_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                         edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *indices = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    if ((status = edge_elements_prepare(op, x, indices, params, &op->params.select, error)) != EDGE_OK) return status;
    if (!edge_same_shape(indices, y)) {
        char si[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s differs from indices %s", edge_shape_text(y, sy),
                            edge_shape_text(indices, si));
    }
    return EDGE_OK;
}

edge_status edge_gather_elements_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    const edge_select_params *g = &op->params.select;
    const edge_tensor *it = edge_op_input(model, op, 1);
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena), *indices = edge_tensor_data(it, arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t index[EDGE_MAX_RANK] = {0}, base = 0, size = g->element_size;
    for (size_t i = 0; i < it->count; i++) {
        size_t pick;
        edge_status status = edge_index_position(op, it, indices, i, g->axis, g->axis_size, &pick, error);
        if (status != EDGE_OK) return status;
        memcpy(y + i * size, x + (base + pick * g->axis_stride) * size, size);
        edge_elements_step(g, index, &base);
    }
    return EDGE_OK;
}

/* ---- SCATTER_ELEMENTS --------------------------------------------------------------------------- */

edge_status edge_scatter_elements_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                          edge_error *error)
{
    edge_status status = edge_check_arity(op, 3, 3, 3, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *indices = edge_op_input(model, op, 1), *updates = edge_op_input(model, op, 2);
    const edge_tensor *y = edge_op_output(model, op, 0);
    edge_select_params *g = &op->params.select;
    if ((status = edge_scatter_check(op, x, updates, y, indices, error)) != EDGE_OK) return status;
    if ((status = edge_elements_prepare(op, x, indices, params, g, error)) != EDGE_OK) return status;
    return edge_scatter_reduction(op, params + 4, x, &g->reduction, error);
}

edge_status edge_scatter_elements_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    const edge_select_params *g = &op->params.select;
    const edge_tensor *xt = edge_op_input(model, op, 0), *it = edge_op_input(model, op, 1);
    const uint8_t *indices = edge_tensor_data(it, arena), *updates = edge_tensor_data(edge_op_input(model, op, 2), arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    memcpy(y, edge_tensor_data(xt, arena), xt->bytes);
    size_t index[EDGE_MAX_RANK] = {0}, base = 0, size = g->element_size;
    for (size_t i = 0; i < it->count; i++) {
        size_t pick;
        edge_status status = edge_index_position(op, it, indices, i, g->axis, g->axis_size, &pick, error);
        if (status != EDGE_OK) return status;
        edge_scatter_combine(y + (base + pick * g->axis_stride) * size, updates + i * size, 1, xt->dtype, size, g->reduction);
        edge_elements_step(g, index, &base);
    }
    return EDGE_OK;
}

/* ---- GATHER_ND and SCATTER_ND ------------------------------------------------------------------- */

/* Checks data, indices `[B..., T..., k]` and `batch_dims` (the B axes, shared with data) and fills
   the walk; `gathered` must have the shape `indices[..-1] + data[batch_dims + k..]` (GATHER_ND's
   output, SCATTER_ND's updates). */
static edge_status edge_slices_prepare(const edge_operator *op, const edge_tensor *x, const edge_tensor *indices, const edge_tensor *gathered,
                                       int32_t batch_dims, edge_slices_params *g, edge_error *error)
{
    edge_status status = edge_check_indices(op, indices, error);
    if (status != EDGE_OK) return status;
    if (batch_dims < 0 || batch_dims >= x->rank || batch_dims >= indices->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "batch_dims %d must be at least 0 and below the ranks of data (%d) and indices (%d)",
                            (int)batch_dims, (int)x->rank, (int)indices->rank);
    int32_t depth = (int32_t)edge_min(indices->dims[indices->rank - 1], EDGE_MAX_RANK + 1);
    char sx[EDGE_SHAPE_TEXT], si[EDGE_SHAPE_TEXT], sg[EDGE_SHAPE_TEXT];
    if (depth > x->rank - batch_dims)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "indices %s address more than the %d axes of data %s after batch_dims %d",
                            edge_shape_text(indices, si), (int)(x->rank - batch_dims), edge_shape_text(x, sx), (int)batch_dims);
    int32_t prefix = indices->rank - 1, rest = x->rank - batch_dims - depth;
    bool fits = gathered->rank == prefix + rest;
    for (int32_t d = 0; d < batch_dims && fits; d++) fits = indices->dims[d] == x->dims[d];
    for (int32_t d = 0; d < prefix && fits; d++) fits = gathered->dims[d] == indices->dims[d];
    for (int32_t d = 0; d < rest && fits; d++) fits = gathered->dims[prefix + d] == x->dims[batch_dims + depth + d];
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "'%.50s' %s does not fit data %s addressed by indices %s with batch_dims %d",
                            gathered->name, edge_shape_text(gathered, sg), edge_shape_text(x, sx), edge_shape_text(indices, si),
                            (int)batch_dims);
    ptrdiff_t strides[EDGE_MAX_RANK];
    edge_strides(x, strides);
    g->batch_dims = batch_dims;
    g->depth = (size_t)depth;
    for (int32_t j = 0; j < depth; j++) {
        g->dims[j] = x->dims[batch_dims + j];
        g->strides[j] = (size_t)strides[batch_dims + j];
    }
    g->batches = edge_dims_product(x, 0, batch_dims);
    g->tuples = edge_dims_product(indices, batch_dims, prefix);
    g->batch_stride = edge_dims_product(x, batch_dims, x->rank);
    g->slice = edge_dims_product(x, batch_dims + depth, x->rank);
    g->element_size = edge_dtype_size(x->dtype);
    return EDGE_OK;
}

/* The data offset (in elements) of the slice index tuple `t` addresses. */
static edge_status edge_slice_offset(const edge_operator *op, const edge_slices_params *g, const edge_tensor *it, const uint8_t *indices,
                                     size_t t, size_t *offset, edge_error *error)
{
    *offset = t / g->tuples * g->batch_stride;
    for (size_t j = 0; j < g->depth; j++) {
        size_t position;
        edge_status status = edge_index_position(op, it, indices, t * g->depth + j, g->batch_dims + (int32_t)j, g->dims[j], &position, error);
        if (status != EDGE_OK) return status;
        *offset += position * g->strides[j];
    }
    return EDGE_OK;
}

edge_status edge_gather_nd_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                   edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *indices = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    return edge_slices_prepare(op, x, indices, y, edge_read_i32(params), &op->params.slices, error);
}

edge_status edge_gather_nd_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    const edge_slices_params *g = &op->params.slices;
    const edge_tensor *it = edge_op_input(model, op, 1);
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena), *indices = edge_tensor_data(it, arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t bytes = g->slice * g->element_size;
    for (size_t t = 0; t < g->batches * g->tuples; t++) {
        size_t offset;
        edge_status status = edge_slice_offset(op, g, it, indices, t, &offset, error);
        if (status != EDGE_OK) return status;
        memcpy(y + t * bytes, x + offset * g->element_size, bytes);
    }
    return EDGE_OK;
}

edge_status edge_scatter_nd_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                    edge_error *error)
{
    edge_status status = edge_check_arity(op, 3, 3, 3, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *indices = edge_op_input(model, op, 1), *updates = edge_op_input(model, op, 2);
    const edge_tensor *y = edge_op_output(model, op, 0);
    edge_slices_params *g = &op->params.slices;
    if ((status = edge_scatter_check(op, x, updates, y, NULL, error)) != EDGE_OK) return status;
    if ((status = edge_slices_prepare(op, x, indices, updates, 0, g, error)) != EDGE_OK) return status;
    return edge_scatter_reduction(op, params, x, &g->reduction, error);
}

edge_status edge_scatter_nd_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    const edge_slices_params *g = &op->params.slices;
    const edge_tensor *xt = edge_op_input(model, op, 0), *it = edge_op_input(model, op, 1);
    const uint8_t *indices = edge_tensor_data(it, arena), *updates = edge_tensor_data(edge_op_input(model, op, 2), arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    memcpy(y, edge_tensor_data(xt, arena), xt->bytes);
    size_t bytes = g->slice * g->element_size;
    for (size_t t = 0; t < g->tuples; t++) {
        size_t offset;
        edge_status status = edge_slice_offset(op, g, it, indices, t, &offset, error);
        if (status != EDGE_OK) return status;
        edge_scatter_combine(y + offset * g->element_size, updates + t * bytes, g->slice, xt->dtype, g->element_size, g->reduction);
    }
    return EDGE_OK;
}
