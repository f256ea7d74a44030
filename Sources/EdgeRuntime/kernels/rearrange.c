/* rearrange.c — ops that rearrange elements of any dtype: DEPTH_TO_SPACE and SPACE_TO_DEPTH (a 6-D
   strided walk over the output, which TRANSPOSE's eval runs), TILE (the input repeated along each axis) and TRILU
   (one triangle of each matrix kept, the rest zero bytes). */
#include "../internal.h"

/* ---- DEPTH_TO_SPACE and SPACE_TO_DEPTH ---------------------------------------------------------- */

enum { EDGE_DEPTH_COLUMN_ROW = 0, EDGE_COLUMN_ROW_DEPTH = 1 };

/* What both kinds check: one [N, C, H, W] input and output of one dtype, a block size >= 1; fills
   `dims` with N, C, H, W and `block` with the block size and `area` with its square. */
static edge_status edge_block_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      unsigned fields, size_t *dims, size_t *block, size_t *area, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, fields, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    if (x->rank != 4 || y->rank != 4) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s must be 4-D [N, C, H, W]", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    }
    int32_t raw = edge_read_i32(params);
    if (raw < 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "block size %d is not positive", (int)raw);
    *block = (size_t)raw;
    if (!edge_size_mul(*block, *block, area)) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "block size %d is too large", (int)raw);
    for (int d = 0; d < 4; d++) dims[d] = x->dims[d];
    return EDGE_OK;
}

/* Checks `y`'s dims against the expected four (computed in 64 bits, so nothing wraps). */
static edge_status edge_block_check_output(const edge_operator *op, const edge_tensor *x, const edge_tensor *y, const uint64_t *expected,
                                           edge_error *error)
{
    for (int d = 0; d < 4; d++) {
        if (expected[d] == y->dims[d]) continue;
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not input %s rearranged by the block size", edge_shape_text(y, sy),
                            edge_shape_text(x, sx));
    }
    return EDGE_OK;
}

/* An empty tensor walks nothing (and its dims' products, which a stride would be, may not fit). */
static edge_status edge_block_empty(edge_operator *op)
{
    size_t none = 0;
    ptrdiff_t stride = 1;
    edge_strided_walk_plan(1, &none, &stride, 0, &op->params.strided);
    return EDGE_OK;
}

edge_status edge_depth_to_space_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error)
{
    size_t dims[4] = {0}, b = 1, area = 1;
    edge_status status = edge_block_prepare(model, op, params, params_size, 2, dims, &b, &area, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    int32_t mode = edge_read_i32(params + 4);
    if (mode != EDGE_DEPTH_COLUMN_ROW && mode != EDGE_COLUMN_ROW_DEPTH)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown mode %d", (int)mode);
    size_t n = dims[0], c = dims[1], h = dims[2], w = dims[3];
    if (c % area != 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%zu channels are not a multiple of the block size squared (%zu)", c, area);
    size_t depth = c / area;
    uint64_t expected[4] = {n, depth, (uint64_t)h * b, (uint64_t)w * b};
    if ((status = edge_block_check_output(op, x, y, expected, error)) != EDGE_OK) return status;
    if (x->count == 0) return edge_block_empty(op);
    /* The output read as [N, C/b², H, b, W, b]; the input as [N, b, b, C/b², H, W] (DCR) or
       [N, C/b², b, b, H, W] (CRD). Every stride is at most the input's element count. */
    size_t plane = h * w, walk[6] = {n, depth, h, b, w, b};
    ptrdiff_t strides[6] = {(ptrdiff_t)(c * plane), (ptrdiff_t)plane, (ptrdiff_t)w, (ptrdiff_t)(b * depth * plane), 1, (ptrdiff_t)(depth * plane)};
    if (mode == EDGE_COLUMN_ROW_DEPTH) {
        strides[1] = (ptrdiff_t)(area * plane);
        strides[3] = (ptrdiff_t)(b * plane);
        strides[5] = (ptrdiff_t)plane;
    }
    edge_strided_walk_plan(6, walk, strides, 0, &op->params.strided);
    return EDGE_OK;
}

edge_status edge_space_to_depth_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error)
{
    size_t dims[4] = {0}, b = 1, area = 1;
    edge_status status = edge_block_prepare(model, op, params, params_size, 1, dims, &b, &area, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    size_t n = dims[0], c = dims[1], h = dims[2], w = dims[3];
    if (h % b != 0 || w % b != 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "height %zu and width %zu are not multiples of the block size %zu", h, w, b);
    uint64_t channels;
    if (__builtin_mul_overflow((uint64_t)c, (uint64_t)area, &channels))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%zu channels times the block size squared overflow", c);
    uint64_t expected[4] = {n, channels, h / b, w / b};
    if ((status = edge_block_check_output(op, x, y, expected, error)) != EDGE_OK) return status;
    if (x->count == 0) return edge_block_empty(op);
    /* The output read as [N, b, b, C, H/b, W/b] from the input as [N, C, H/b, b, W/b, b]. */
    size_t walk[6] = {n, b, b, c, h / b, w / b};
    ptrdiff_t strides[6] = {(ptrdiff_t)(c * h * w), (ptrdiff_t)w, 1, (ptrdiff_t)(h * w), (ptrdiff_t)(b * w), (ptrdiff_t)b};
    edge_strided_walk_plan(6, walk, strides, 0, &op->params.strided);
    return EDGE_OK;
}

/* ---- TILE --------------------------------------------------------------------------------------- */

edge_status edge_tile_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    bool fits = x->rank == y->rank;
    /* Each output dim a whole number of the input's (an empty input dim only an empty output dim). */
    for (int32_t d = 0; d < x->rank && fits; d++) fits = x->dims[d] == 0 ? y->dims[d] == 0 : y->dims[d] % x->dims[d] == 0;
    if (!fits) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not input %s repeated a whole number of times along each axis",
                            edge_shape_text(y, sy), edge_shape_text(x, sx));
    }
    return EDGE_OK;
}

edge_status edge_tile_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const uint8_t *x = edge_tensor_data(xt, arena);
    uint8_t *y = edge_tensor_data(yt, arena);
    size_t element = edge_dtype_size(xt->dtype);
    if (yt->count == 0) return EDGE_OK;
    if (xt->rank == 0) {
        memcpy(y, x, element);
        return EDGE_OK;
    }
    ptrdiff_t strides[EDGE_MAX_RANK];
    edge_strides(xt, strides);
    int32_t last = xt->rank - 1;
    size_t row_bytes = xt->dims[last] * element, copies = yt->dims[last] / xt->dims[last], rows = yt->count / yt->dims[last];
    size_t index[EDGE_MAX_RANK] = {0};
    for (size_t r = 0; r < rows; r++) {
        /* The input row this output row repeats: its coordinates modulo the input's dims. */
        size_t base = 0;
        for (int32_t d = 0; d < last; d++) base += (index[d] % xt->dims[d]) * (size_t)strides[d];
        for (size_t c = 0; c < copies; c++, y += row_bytes) memcpy(y, x + base * element, row_bytes);
        for (int32_t d = last - 1; d >= 0; d--) {
            if (++index[d] < yt->dims[d]) break;
            index[d] = 0;
        }
    }
    return EDGE_OK;
}

/* ---- TRILU -------------------------------------------------------------------------------------- */

edge_status edge_trilu_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (!edge_same_shape(x, y) || x->rank < 2)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s must have one shape of rank 2 or more", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    /* The cleared elements are zero bytes, which is not zero for a quantized tensor. */
    if (x->quantization)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "input '%.60s' is quantized; TRILU runs on unquantized tensors", x->name);
    int32_t upper = edge_read_i32(params);
    if (upper != 0 && upper != 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "upper is %d, expected 0 or 1", (int)upper);
    edge_trilu_params *g = &op->params.trilu;
    g->upper = upper == 1;
    g->k = edge_read_i32(params + 4);
    g->rows = x->dims[x->rank - 2];
    g->columns = x->dims[x->rank - 1];
    g->matrices = edge_dims_product(x, 0, x->rank - 2);
    g->element_size = edge_dtype_size(x->dtype);
    return EDGE_OK;
}

edge_status edge_trilu_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_trilu_params *g = &op->params.trilu;
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t size = g->element_size, row_bytes = g->columns * size;
    int64_t columns = (int64_t)g->columns;
    for (size_t m = 0; m < g->matrices; m++) {
        for (size_t i = 0; i < g->rows; i++, x += row_bytes, y += row_bytes) {
            /* Row i keeps columns [i + k, columns) (upper) or [0, i + k] (lower), clamped to the row. */
            int64_t edge = (int64_t)i + g->k;
            int64_t begin = g->upper ? edge : 0, end = g->upper ? columns : edge + 1;
            begin = begin < 0 ? 0 : begin > columns ? columns : begin;
            end = end < begin ? begin : end > columns ? columns : end;
            /* In place (x == y) the kept bytes stay where they are. */
            if (x != y) memcpy(y + (size_t)begin * size, x + (size_t)begin * size, (size_t)(end - begin) * size);
            memset(y, 0, (size_t)begin * size);
            memset(y + (size_t)end * size, 0, (size_t)(columns - end) * size);
        }
    }
    return EDGE_OK;
}
