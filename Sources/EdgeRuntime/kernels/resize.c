/* resize.c — RESIZE, nearest and (multi-)linear. Linear interpolation is separable, so like the
   reference executor it runs one resized axis at a time, axis 0 first, through scratch buffers. */
#include <math.h>

#include "../internal.h"

enum { EDGE_RESIZE_NEAREST = 0, EDGE_RESIZE_LINEAR = 1 };
enum {
    EDGE_COORDINATE_HALF_PIXEL = 0,
    EDGE_COORDINATE_HALF_PIXEL_SYMMETRIC = 1,
    EDGE_COORDINATE_PYTORCH_HALF_PIXEL = 2,
    EDGE_COORDINATE_ALIGN_CORNERS = 3,
    EDGE_COORDINATE_ASYMMETRIC = 4
};
enum { EDGE_ROUND_PREFER_FLOOR = 0, EDGE_ROUND_PREFER_CEIL = 1, EDGE_ROUND_FLOOR = 2, EDGE_ROUND_CEIL = 3, EDGE_ROUND_LEGACY = 4 };

/* Bytes of the two ping-pong buffers (each `buffer` bytes) needed for `passes` resized axes. */
static bool edge_resize_buffers(const edge_tensor *x, const edge_tensor *y, const bool *resized, size_t *buffer, size_t *table)
{
    size_t dims[EDGE_MAX_RANK], largest = 0, longest = 0;
    int32_t passes = 0, done = 0;
    for (int32_t d = 0; d < x->rank; d++) {
        dims[d] = x->dims[d];
        passes += resized[d];
    }
    for (int32_t d = 0; d < x->rank; d++) {
        if (!resized[d]) continue;
        dims[d] = y->dims[d];
        if (y->dims[d] > longest) longest = y->dims[d];
        if (++done == passes) break; /* the last pass writes the output */
        size_t count = 1;
        for (int32_t e = 0; e < x->rank; e++)
            if (!edge_size_mul(count, dims[e], &count)) return false;
        if (count > largest) largest = count;
    }
    if (!edge_size_mul(largest, sizeof(float), buffer) || !edge_size_align(*buffer, buffer)) return false;
    if (!edge_size_mul(longest, 12, table)) return false;
    return true;
}

edge_status edge_resize_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 11, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    /* int8 values are interpolated as numbers (the float formula) and rounded half away from zero. */
    uint32_t dtype = x->dtype == EDGE_DTYPE_INT8 ? EDGE_DTYPE_INT8 : EDGE_DTYPE_FLOAT32;
    if ((status = edge_check_dtype(op, x, dtype, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, dtype, "output", error)) != EDGE_OK) return status;
    if (x->rank != y->rank) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ in rank", edge_shape_text(x, sx),
                            edge_shape_text(y, sy));
    }
    edge_resize_params *g = &op->params.resize;
    g->mode = edge_read_i32(params);
    g->coordinate = edge_read_i32(params + 4);
    g->nearest = edge_read_i32(params + 8);
    if (g->mode < EDGE_RESIZE_NEAREST || g->mode > EDGE_RESIZE_LINEAR)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown resize mode %d", (int)g->mode);
    if (g->coordinate < EDGE_COORDINATE_HALF_PIXEL || g->coordinate > EDGE_COORDINATE_ASYMMETRIC)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown coordinate transformation %d", (int)g->coordinate);
    if (g->nearest < EDGE_ROUND_PREFER_FLOOR || g->nearest > EDGE_ROUND_LEGACY)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown nearest rounding %d", (int)g->nearest);
    size_t passes = 0;
    for (int32_t d = 0; d < x->rank; d++) {
        float scale = edge_read_f32(params + 12 + 4 * (size_t)d);
        /* A scale that is not a positive number means "from the sizes": output / input. */
        if (!(scale > 0.0f) || isinf(scale)) scale = (float)y->dims[d] / (float)x->dims[d];
        g->scales[d] = scale;
        g->resized[d] = !(y->dims[d] == x->dims[d] && scale == 1.0f);
        passes += g->resized[d];
    }
    size_t buffer, table;
    if (!edge_resize_buffers(x, y, g->resized, &buffer, &table))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    size_t buffers = passes >= 3 ? 2 * buffer : passes == 2 ? buffer : 0;
    if (buffers / 2 > SIZE_MAX / 4 || !edge_size_add(buffers, table, &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    g->table_offset = buffers;
    return EDGE_OK;
}

/* The input coordinate output index `o` maps to. */
static float edge_source_coordinate(size_t o, size_t in_length, size_t out_length, float scale, int32_t mode)
{
    float x = (float)o;
    switch (mode) {
    case EDGE_COORDINATE_HALF_PIXEL: return (x + 0.5f) / scale - 0.5f;
    case EDGE_COORDINATE_PYTORCH_HALF_PIXEL: return out_length > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    case EDGE_COORDINATE_ALIGN_CORNERS: return out_length == 1 ? 0.0f : x * (float)(in_length - 1) / (float)(out_length - 1);
    case EDGE_COORDINATE_ASYMMETRIC: return x / scale;
    default: {
        float adjustment = (float)out_length / (scale * (float)in_length);
        float center = (float)in_length / 2.0f;
        return center * (1.0f - adjustment) + (x + 0.5f) / scale - 0.5f;
    }
    }
}

static float edge_round_nearest(float source, float scale, int32_t rounding)
{
    switch (rounding) {
    case EDGE_ROUND_PREFER_FLOOR: return source == floorf(source) + 0.5f ? floorf(source) : roundf(source);
    case EDGE_ROUND_PREFER_CEIL: return roundf(source);
    case EDGE_ROUND_FLOOR: return floorf(source);
    case EDGE_ROUND_CEIL: return ceilf(source);
    default: return scale < 1.0f ? ceilf(source) : floorf(source);
    }
}

/* An index in [0, length) from a float, clamping (NaN reads index 0). */
static uint32_t edge_clamp_index(float value, size_t length)
{
    if (!(value > 0.0f)) return 0;
    if (value >= (float)(length - 1)) return (uint32_t)(length - 1);
    return (uint32_t)value;
}

/* Per output index along the axis: the two input indices it reads and the second one's weight. */
static void edge_resize_table(const edge_resize_params *g, size_t in_length, size_t out_length, float scale, uint32_t *first,
                              uint32_t *second, float *weight)
{
    for (size_t o = 0; o < out_length; o++) {
        float source = edge_source_coordinate(o, in_length, out_length, scale, g->coordinate);
        if (g->mode == EDGE_RESIZE_NEAREST) {
            first[o] = second[o] = edge_clamp_index(edge_round_nearest(source, scale, g->nearest), in_length);
            weight[o] = 0.0f;
        } else {
            float clamped = edge_minf(edge_maxf(source, 0.0f), (float)(in_length - 1));
            float low = floorf(clamped);
            first[o] = edge_clamp_index(low, in_length);
            second[o] = first[o] + 1 < in_length ? first[o] + 1 : (uint32_t)(in_length - 1);
            weight[o] = clamped - low;
        }
    }
}

static void edge_resize_axis(const edge_resize_params *g, const float *x, float *y, size_t outer, size_t in_length,
                             size_t out_length, size_t inner, float scale, void *table)
{
    uint32_t *first = table, *second = first + out_length;
    float *weight = (float *)(second + out_length);
    edge_resize_table(g, in_length, out_length, scale, first, second, weight);
    for (size_t n = 0; n < outer; n++) {
        for (size_t o = 0; o < out_length; o++) {
            const float *a = x + (n * in_length + first[o]) * inner, *b = x + (n * in_length + second[o]) * inner;
            float *line = y + (n * out_length + o) * inner;
            float w = weight[o];
            if (w == 0.0f) {
                for (size_t i = 0; i < inner; i++) line[i] = a[i];
            } else {
                for (size_t i = 0; i < inner; i++) line[i] = a[i] + (b[i] - a[i]) * w;
            }
        }
    }
}

/* The same for an int8 tensor: reads int8 (`x_int8`) or the float pass before, writes int8 rounded
   half away from zero (`y_int8`) or floats for the next pass. */
static void edge_resize_axis_int8(const edge_resize_params *g, const void *x, bool x_int8, void *y, bool y_int8, size_t outer,
                                  size_t in_length, size_t out_length, size_t inner, float scale, void *table)
{
    uint32_t *first = table, *second = first + out_length;
    float *weight = (float *)(second + out_length);
    edge_resize_table(g, in_length, out_length, scale, first, second, weight);
    const int8_t *xi = x;
    const float *xf = x;
    int8_t *yi = y;
    float *yf = y;
    for (size_t n = 0; n < outer; n++) {
        for (size_t o = 0; o < out_length; o++) {
            size_t a = (n * in_length + first[o]) * inner, b = (n * in_length + second[o]) * inner, line = (n * out_length + o) * inner;
            float w = weight[o];
            for (size_t i = 0; i < inner; i++) {
                float low = x_int8 ? (float)xi[a + i] : xf[a + i], high = x_int8 ? (float)xi[b + i] : xf[b + i];
                float value = w == 0.0f ? low : low + (high - low) * w;
                if (y_int8) yi[line + i] = (int8_t)edge_minf(edge_maxf(roundf(value), -128.0f), 127.0f);
                else yf[line + i] = value;
            }
        }
    }
}

edge_status edge_resize_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_resize_params *g = &op->params.resize;
    const edge_tensor *xt = edge_op_input(model, op, 0), *yt = edge_op_output(model, op, 0);
    const float *x = (const float *)edge_tensor_data(xt, arena);
    float *y = (float *)edge_tensor_data(yt, arena);
    int32_t rank = xt->rank, passes = 0;
    for (int32_t d = 0; d < rank; d++) passes += g->resized[d];
    if (passes == 0) {
        memcpy(y, x, yt->bytes);
        return EDGE_OK;
    }
    uint8_t *table = (uint8_t *)scratch + g->table_offset;
    size_t buffer = (g->table_offset / (passes >= 3 ? 2 : 1));
    float *buffers[2] = {(float *)scratch, (float *)((uint8_t *)scratch + buffer)};
    size_t shape[EDGE_MAX_RANK];
    for (int32_t d = 0; d < rank; d++) shape[d] = xt->dims[d];
    const float *current = x;
    int32_t done = 0;
    for (int32_t d = 0; d < rank; d++) {
        if (!g->resized[d]) continue;
        size_t outer = 1, inner = 1;
        for (int32_t e = 0; e < d; e++) outer *= shape[e];
        for (int32_t e = d + 1; e < rank; e++) inner *= shape[e];
        float *target = ++done == passes ? y : buffers[(done - 1) % 2];
        if (xt->dtype == EDGE_DTYPE_INT8)
            edge_resize_axis_int8(g, current, current == x, target, target == y, outer, shape[d], yt->dims[d], inner, g->scales[d], table);
        else
            edge_resize_axis(g, current, target, outer, shape[d], yt->dims[d], inner, g->scales[d], table);
        shape[d] = yt->dims[d];
        current = target;
    }
    return EDGE_OK;
}
