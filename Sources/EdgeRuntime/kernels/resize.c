/* resize.c — RESIZE: nearest, (multi-)linear and cubic, the last two also antialiased. Interpolation
   is separable, so like the reference executor it runs one resized axis at a time, axis 0 first,
   through scratch buffers. Nearest and linear read one or two inputs per output; cubic and
   antialiased resizes (the filter resizes) read a run of consecutive inputs with weights, taps
   outside the axis folded into its edge (or dropped with exclude_outside), as onnxruntime does. */
#include <math.h>

#include "../internal.h"

enum { EDGE_RESIZE_NEAREST = 0, EDGE_RESIZE_LINEAR = 1, EDGE_RESIZE_CUBIC = 2 };
enum {
    EDGE_COORDINATE_HALF_PIXEL = 0,
    EDGE_COORDINATE_HALF_PIXEL_SYMMETRIC = 1,
    EDGE_COORDINATE_PYTORCH_HALF_PIXEL = 2,
    EDGE_COORDINATE_ALIGN_CORNERS = 3,
    EDGE_COORDINATE_ASYMMETRIC = 4
};
enum { EDGE_ROUND_PREFER_FLOOR = 0, EDGE_ROUND_PREFER_CEIL = 1, EDGE_ROUND_FLOOR = 2, EDGE_ROUND_CEIL = 3, EDGE_ROUND_LEGACY = 4 };

/* Cubic resizes and antialiased linear or cubic ones weigh a run of inputs per output. */
static bool edge_resize_filtered(const edge_resize_params *g) { return g->mode == EDGE_RESIZE_CUBIC || g->antialias; }

/* The filter's half width in input cells (`support`) and the factor its argument is scaled by, for
   an axis resized by `scale`: an antialiased downscale stretches the filter by 1/scale. */
static void edge_resize_support(const edge_resize_params *g, float scale, float *support, float *stretch)
{
    float half = g->mode == EDGE_RESIZE_CUBIC ? 2.0f : 1.0f, inverse = 1.0f / scale;
    *support = g->antialias && inverse >= 1.0f ? half * inverse : half;
    *stretch = g->antialias && inverse >= 1.0f ? 1.0f / inverse : 1.0f;
}

/* Taps a filter resize reads per output along an axis of `in_length` (at most the axis). */
static size_t edge_resize_window(const edge_resize_params *g, size_t in_length, float scale)
{
    if (!g->antialias) return edge_min(4, in_length);
    float support, stretch;
    edge_resize_support(g, scale, &support, &stretch);
    double window = 2.0 * ceil((double)support) + 1.0;
    return window < (double)in_length ? (size_t)window : in_length;
}

/* Bytes of the table for one axis: per output two indices and a weight, or (filter resizes) a
   start, a count and `window` weights. */
static bool edge_resize_table_bytes(const edge_resize_params *g, size_t in_length, size_t out_length, float scale, size_t *bytes)
{
    size_t per_output = 12;
    if (edge_resize_filtered(g) && !edge_size_mul(edge_resize_window(g, in_length, scale), 4, &per_output)) return false;
    if (edge_resize_filtered(g)) per_output += 8;
    return edge_size_mul(out_length, per_output, bytes);
}

/* Bytes of the two ping-pong buffers (each `buffer` bytes) needed for the resized axes, and of the
   largest axis table. */
static bool edge_resize_buffers(const edge_resize_params *g, const edge_tensor *x, const edge_tensor *y, size_t *buffer, size_t *table)
{
    size_t dims[EDGE_MAX_RANK], largest = 0;
    int32_t passes = 0, done = 0;
    *table = 0;
    for (int32_t d = 0; d < x->rank; d++) {
        dims[d] = x->dims[d];
        passes += g->resized[d];
    }
    for (int32_t d = 0; d < x->rank; d++) {
        if (!g->resized[d]) continue;
        size_t bytes;
        if (!edge_resize_table_bytes(g, x->dims[d], y->dims[d], g->scales[d], &bytes)) return false;
        if (bytes > *table) *table = bytes;
        dims[d] = y->dims[d];
        if (++done == passes) break; /* the last pass writes the output */
        size_t count = 1;
        for (int32_t e = 0; e < x->rank; e++)
            if (!edge_size_mul(count, dims[e], &count)) return false;
        if (count > largest) largest = count;
    }
    return edge_size_mul(largest, sizeof(float), buffer) && edge_size_align(*buffer, buffer);
}

edge_status edge_resize_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    /* 11 fields, or 14 with cubic_coeff_a, exclude_outside and antialias (a filter resize). */
    if (status == EDGE_OK && params_size != 4 * 14) status = edge_check_params(op, params_size, 11, error);
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
    g->cubic_coeff_a = params_size == 4 * 14 ? edge_read_f32(params + 44) : -0.75f;
    int32_t exclude_outside = params_size == 4 * 14 ? edge_read_i32(params + 48) : 0;
    int32_t antialias = params_size == 4 * 14 ? edge_read_i32(params + 52) : 0;
    if (g->mode < EDGE_RESIZE_NEAREST || g->mode > EDGE_RESIZE_CUBIC)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown resize mode %d", (int)g->mode);
    if (g->coordinate < EDGE_COORDINATE_HALF_PIXEL || g->coordinate > EDGE_COORDINATE_ASYMMETRIC)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown coordinate transformation %d", (int)g->coordinate);
    if (g->nearest < EDGE_ROUND_PREFER_FLOOR || g->nearest > EDGE_ROUND_LEGACY)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown nearest rounding %d", (int)g->nearest);
    if (!isfinite(g->cubic_coeff_a) || (exclude_outside != 0 && exclude_outside != 1) || (antialias != 0 && antialias != 1))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "cubic_coeff_a %g, exclude_outside %d, antialias %d: expected a number, 0 or 1, 0 or 1",
                            (double)g->cubic_coeff_a, (int)exclude_outside, (int)antialias);
    g->exclude_outside = exclude_outside != 0;
    g->antialias = antialias != 0;
    if (g->antialias && g->mode == EDGE_RESIZE_NEAREST)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "antialias applies to linear and cubic resizes, not nearest");
    if (edge_resize_filtered(g) && dtype == EDGE_DTYPE_INT8)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "cubic and antialiased resizes run in float32 only");
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
    if (!edge_resize_buffers(g, x, y, &buffer, &table))
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

/* Keys' cubic convolution weights of the four inputs around a coordinate `s` past the one below it
   (onnxruntime's formula, operation by operation). */
static void edge_cubic_weights(float s, float a, float *w)
{
    float t = fabsf(s);
    w[0] = ((a * (t + 1.0f) - 5.0f * a) * (t + 1.0f) + 8.0f * a) * (t + 1.0f) - 4.0f * a;
    w[1] = ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
    w[2] = ((a + 2.0f) * (1.0f - t) - (a + 3.0f)) * (1.0f - t) * (1.0f - t) + 1.0f;
    w[3] = ((a * (2.0f - t) - 5.0f * a) * (2.0f - t) + 8.0f * a) * (2.0f - t) - 4.0f * a;
}

/* An antialiased resize's filter at distance `x` (in filter units): a triangle for linear, Keys'
   cubic for cubic. */
static float edge_resize_filter(const edge_resize_params *g, float x)
{
    x = fabsf(x);
    if (g->mode != EDGE_RESIZE_CUBIC) return x < 1.0f ? 1.0f - x : 0.0f;
    float a = g->cubic_coeff_a;
    if (x < 1.0f) return ((a + 2.0f) * x - (a + 3.0f)) * x * x + 1.0f;
    if (x < 2.0f) return (((x - 5.0f) * x + 8.0f) * x - 4.0f) * a;
    return 0.0f;
}

/* A float index clamped to [low, high] before its conversion (NaN reads `low`). */
static int64_t edge_clamped_index(float value, int64_t low, int64_t high)
{
    if (!(value > (float)low)) return low;
    return value >= (float)high ? high : (int64_t)value;
}

/* Per output index along the axis of a filter resize: the first input, the count and `window`
   weights. Cubic weighs the four inputs around the coordinate (Keys); an antialiased resize the
   inputs whose centres lie within the filter's support, its weights normalized to sum to 1. Taps
   outside the axis fold into its edge (exclude_outside: are dropped, the rest renormalized). */
static void edge_resize_filter_table(const edge_resize_params *g, size_t in_length, size_t out_length, float scale, size_t window,
                                     uint32_t *start, uint32_t *count, float *weights)
{
    float support, stretch, cubic[4];
    edge_resize_support(g, scale, &support, &stretch);
    int64_t length = (int64_t)in_length, limit = length + (int64_t)window + 4;
    for (size_t o = 0; o < out_length; o++) {
        float *weight = weights + o * window;
        float source = (g->antialias ? 1.0f / scale : scale) == 1.0f ? (float)o
                                                                     : edge_source_coordinate(o, in_length, out_length, scale, g->coordinate);
        float center = 0.5f + source;
        int64_t first, stop;
        if (g->antialias) {
            first = edge_clamped_index(floorf(center - support + 0.5f), -limit, limit);
            stop = edge_clamped_index(floorf(center + support + 0.5f), first, limit);
        } else {
            /* Clamped far enough out that every tap still lands beyond the edge it would. */
            source = !(source > -4.0f) ? -4.0f : edge_minf(source, (float)in_length + 4.0f);
            float below = floorf(source);
            edge_cubic_weights(source - below, g->cubic_coeff_a, cubic);
            first = (int64_t)below - 1;
            stop = first + 4;
        }
        int64_t low = first < 0 ? 0 : first, high = stop > length ? length : stop;
        if (high - low > (int64_t)window) high = low + (int64_t)window; /* never, by the window's size */
        float total = 0.0f, outside[2] = {0.0f, 0.0f};
        for (int64_t i = low; i < high; i++) weight[i - low] = 0.0f;
        for (int64_t x = first; x < stop; x++) {
            float w = g->antialias ? edge_resize_filter(g, ((float)x - center + 0.5f) * stretch) : cubic[x - first];
            bool inside = x >= low && x < high;
            if (inside || !g->exclude_outside) total += w;
            if (inside) weight[x - low] = w;
            else outside[x >= high] += w;
        }
        if (high <= low) { /* no input within reach: the nearest edge, or nothing with exclude_outside */
            start[o] = first >= length ? (uint32_t)(length - 1) : 0;
            count[o] = g->exclude_outside ? 0 : 1;
            weight[0] = total == 0.0f ? 0.0f : (outside[0] + outside[1]) / total;
            continue;
        }
        start[o] = (uint32_t)low;
        count[o] = (uint32_t)(high - low);
        if (!g->exclude_outside) {
            weight[0] += outside[0];
            weight[count[o] - 1] += outside[1];
        }
        /* Keys' four weights sum to 1 already, as onnxruntime takes them. */
        float inverse = total == 0.0f || (!g->antialias && !g->exclude_outside) ? 1.0f : 1.0f / total;
        for (uint32_t i = 0; i < count[o]; i++) weight[i] *= inverse;
    }
}

/* One axis of a filter resize: each output line is Σ weight · input line over its run, in order. */
static void edge_resize_filter_axis(const edge_resize_params *g, const float *x, float *y, size_t outer, size_t in_length,
                                    size_t out_length, size_t inner, float scale, void *table)
{
    size_t window = edge_resize_window(g, in_length, scale);
    uint32_t *start = table, *count = start + out_length;
    float *weights = (float *)(count + out_length);
    edge_resize_filter_table(g, in_length, out_length, scale, window, start, count, weights);
    for (size_t n = 0; n < outer; n++) {
        for (size_t o = 0; o < out_length; o++) {
            float *line = y + (n * out_length + o) * inner;
            const float *weight = weights + o * window;
            for (size_t i = 0; i < inner; i++) line[i] = 0.0f;
            for (uint32_t t = 0; t < count[o]; t++) {
                const float *source = x + (n * in_length + start[o] + t) * inner;
                float w = weight[t];
                for (size_t i = 0; i < inner; i++) line[i] += w * source[i];
            }
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

/* Nearest neighbour moves values without arithmetic: each output line along the axis is a copy of
   one input line, `line` bytes long, whatever the element type (int8 stays int8 between passes). */
static void edge_resize_axis_gather(const edge_resize_params *g, const uint8_t *x, uint8_t *y, size_t outer, size_t in_length,
                                    size_t out_length, size_t line, float scale, void *table)
{
    uint32_t *first = table, *second = first + out_length;
    float *weight = (float *)(second + out_length);
    edge_resize_table(g, in_length, out_length, scale, first, second, weight);
    for (size_t n = 0; n < outer; n++) {
        const uint8_t *plane = x + n * in_length * line;
        uint8_t *out = y + n * out_length * line;
        if (line == 1) {
            for (size_t o = 0; o < out_length; o++) out[o] = plane[first[o]];
        } else {
            for (size_t o = 0; o < out_length; o++) memcpy(out + o * line, plane + (size_t)first[o] * line, line);
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
        if (g->mode == EDGE_RESIZE_NEAREST)
            edge_resize_axis_gather(g, (const uint8_t *)current, (uint8_t *)target, outer, shape[d], yt->dims[d],
                                    inner * (xt->dtype == EDGE_DTYPE_INT8 ? 1 : sizeof(float)), g->scales[d], table);
        else if (edge_resize_filtered(g))
            edge_resize_filter_axis(g, current, target, outer, shape[d], yt->dims[d], inner, g->scales[d], table);
        else if (xt->dtype == EDGE_DTYPE_INT8)
            edge_resize_axis_int8(g, current, current == x, target, target == y, outer, shape[d], yt->dims[d], inner, g->scales[d], table);
        else
            edge_resize_axis(g, current, target, outer, shape[d], yt->dims[d], inner, g->scales[d], table);
        shape[d] = yt->dims[d];
        current = target;
    }
    return EDGE_OK;
}
