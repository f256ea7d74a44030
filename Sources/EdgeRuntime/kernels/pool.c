/* pool.c — MAX_POOL and AVERAGE_POOL (3-D; 2-D as a depth of 1, 1-D also a height of 1), GLOBAL_AVERAGE_POOL and
   GLOBAL_MAX_POOL. The windows follow the reference executor: dilation, explicit pads, ceil-mode
   outputs (a last window starting in the end padding is dropped), and count_include_pad dividing
   by the window clipped to the padded input. */
#include <math.h>

#include "../internal.h"

/* Output length of one axis with floor (ceil false) or ceil rounding; 0 when the window does not fit. */
static int64_t edge_pool_extent(int64_t input, int64_t kernel, int64_t stride, int64_t dilation, int64_t begin, int64_t end, bool ceil)
{
    int64_t span = input + begin + end - ((kernel - 1) * dilation + 1);
    if (span < 0) return 0;
    if (!ceil) return span / stride + 1;
    int64_t output = (span + stride - 1) / stride + 1;
    if ((output - 1) * stride >= input + begin) output--;
    return output;
}

edge_status edge_pool_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_pool_params *g = &op->params.pool;
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (x->rank < 3 || x->rank > 5 || y->rank != x->rank || y->dims[0] != x->dims[0] || y->dims[1] != x->dims[1])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT,
                            "input %s and output %s must be [N,C,D,H,W], [N,C,H,W] or [N,C,W] with the same N and C",
                            edge_shape_text(x, sx), edge_shape_text(y, sy));
    /* The kernel, strides, dilations, begin and end pads (two each, three for a 3-D op), count_include_pad. */
    int axes = x->rank == 5 ? 3 : 2;
    unsigned fields = 5 * (unsigned)axes;
    if ((status = edge_check_params(op, params_size, fields + 1, error)) != EDGE_OK) return status;
    /* MAX_POOL also moves int8 values; AVERAGE_POOL_INT8 (pool_int8.c) shares this geometry. */
    uint32_t dtype = op->kind != EDGE_OP_AVERAGE_POOL && x->dtype == EDGE_DTYPE_INT8 ? EDGE_DTYPE_INT8 : EDGE_DTYPE_FLOAT32;
    if ((status = edge_check_dtype(op, x, dtype, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, dtype, "output", error)) != EDGE_OK) return status;
    if (dtype == EDGE_DTYPE_INT8 && x->rank == 5)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "input %s: 3-D pooling runs in float32 only", edge_shape_text(x, sx));
    int32_t f[EDGE_WINDOW_RUNS][3];
    if ((status = edge_read_window(op, params, 0, axes, EDGE_WINDOW_KERNEL, f, error)) != EDGE_OK) return status;
    int32_t count_include_pad = edge_read_i32(params + 4 * fields);
    if (count_include_pad != 0 && count_include_pad != 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "count_include_pad is %d, expected 0 or 1", (int)count_include_pad);
    size_t in[3], out[3];
    edge_window_dims(x, in);
    edge_window_dims(y, out);
    g->planes = (size_t)x->dims[0] * x->dims[1];
    g->in_depth = in[0], g->in_height = in[1], g->in_width = in[2];
    g->out_depth = out[0], g->out_height = out[1], g->out_width = out[2];
    for (int32_t d = 2; d < x->rank; d++)
        if (x->dims[d] > (1u << 24) || y->dims[d] > (1u << 24))
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "spatial sizes above 2^24 are not supported");
    g->kernel_d = f[EDGE_WINDOW_KERNEL][0];
    g->kernel_h = f[EDGE_WINDOW_KERNEL][1];
    g->kernel_w = f[EDGE_WINDOW_KERNEL][2];
    g->stride_d = f[EDGE_WINDOW_STRIDE][0];
    g->stride_h = f[EDGE_WINDOW_STRIDE][1];
    g->stride_w = f[EDGE_WINDOW_STRIDE][2];
    g->dilation_d = f[EDGE_WINDOW_DILATION][0];
    g->dilation_h = f[EDGE_WINDOW_DILATION][1];
    g->dilation_w = f[EDGE_WINDOW_DILATION][2];
    g->pad_front = f[EDGE_WINDOW_PAD_BEGIN][0];
    g->pad_top = f[EDGE_WINDOW_PAD_BEGIN][1];
    g->pad_left = f[EDGE_WINDOW_PAD_BEGIN][2];
    g->pad_back = f[EDGE_WINDOW_PAD_END][0];
    g->pad_bottom = f[EDGE_WINDOW_PAD_END][1];
    g->pad_right = f[EDGE_WINDOW_PAD_END][2];
    g->count_include_pad = count_include_pad != 0;
    /* ceil_mode is not in the params: the output may have either length. */
    int64_t extents[2][3];
    bool fits[2] = {true, true}, empty = false;
    for (int c = 0; c < 2; c++) {
        for (int a = 0; a < 3; a++) {
            extents[c][a] = edge_pool_extent((int64_t)in[a], f[EDGE_WINDOW_KERNEL][a], f[EDGE_WINDOW_STRIDE][a], f[EDGE_WINDOW_DILATION][a],
                                             f[EDGE_WINDOW_PAD_BEGIN][a], f[EDGE_WINDOW_PAD_END][a], c);
            fits[c] = fits[c] && (int64_t)out[a] == extents[c][a];
            empty = empty || extents[c][a] < 1;
        }
    }
    bool volumetric = x->rank == 5;
    char a[EDGE_SHAPE_TEXT], b[EDGE_SHAPE_TEXT];
    if (empty)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the %s window does not fit the padded %s input",
                            edge_window_text((size_t)g->kernel_d, (size_t)g->kernel_h, (size_t)g->kernel_w, volumetric, a),
                            edge_window_text(g->in_depth, g->in_height, g->in_width, volumetric, b));
    if (!fits[0] && !fits[1])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s, the geometry gives %s (or %s with ceil_mode)", edge_shape_text(y, sy),
                            edge_window_text((size_t)extents[0][0], (size_t)extents[0][1], (size_t)extents[0][2], volumetric, a),
                            edge_window_text((size_t)extents[1][0], (size_t)extents[1][1], (size_t)extents[1][2], volumetric, b));
    return EDGE_OK;
}

/* The kernel taps [*low, *high) whose input index origin + tap·dilation lies in [0, length). */
static void edge_pool_taps(ptrdiff_t origin, ptrdiff_t kernel, ptrdiff_t dilation, ptrdiff_t length, ptrdiff_t *low, ptrdiff_t *high)
{
    *low = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
    *high = length - origin <= 0 ? 0 : (length - origin + dilation - 1) / dilation;
    if (*high > kernel) *high = kernel;
    if (*low > *high) *low = *high;
}

/* The cells of a window starting at `origin` clipped to the padded axis [0, length + end), counted
   every `dilation` (count_include_pad's divisor along one axis, as onnxruntime counts it). */
static ptrdiff_t edge_pool_padded_cells(ptrdiff_t origin, ptrdiff_t kernel, ptrdiff_t dilation, ptrdiff_t length, ptrdiff_t end)
{
    ptrdiff_t stop = origin + (kernel - 1) * dilation + 1;
    if (stop > length + end) stop = length + end;
    return (stop - origin + dilation - 1) / dilation;
}

/* acc[i] = the larger of acc[i] and source[i · stride], NaN kept, for i < count: its own loop, which
   the compilers keep free of branches (with the MAX_POOL/AVERAGE_POOL choice inside, the strided
   loop was a compare and two branches per value, 7% of resnet18). */
static void edge_max_strided(float *restrict acc, const float *restrict source, size_t count, ptrdiff_t stride)
{
    for (size_t i = 0; i < count; i++) {
        acc[i] = edge_max_keeping_nan(acc[i], source[(ptrdiff_t)i * stride]);
    }
}

/*
 * One output row at a time, one kernel tap at a time across the row: each output still sees its
 * taps in row-major order (so sums match the reference executor's), while the inner loop runs
 * over contiguous outputs without bounds checks.
 */
edge_status edge_pool_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    if (edge_op_input(model, op, 0)->dtype == EDGE_DTYPE_INT8) return edge_pool_int8_eval(model, op, arena, scratch, error);
    const edge_pool_params *g = &op->params.pool;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    bool is_max = op->kind == EDGE_OP_MAX_POOL;
    ptrdiff_t in_d = (ptrdiff_t)g->in_depth, in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width;
    ptrdiff_t out_w = (ptrdiff_t)g->out_width;
    ptrdiff_t sw = g->stride_w, dw = g->dilation_w;
    size_t in_plane = g->in_height * g->in_width, in_volume = g->in_depth * in_plane;
    size_t out_volume = g->out_depth * g->out_height * g->out_width;
    for (size_t p = 0; p < g->planes; p++) {
        const float *xs = x + p * in_volume;
        float *line = y + p * out_volume;
        /* A 2-D pool has one output depth and one depth tap. */
        for (ptrdiff_t od = 0; od < (ptrdiff_t)g->out_depth; od++) {
            ptrdiff_t d0 = od * g->stride_d - g->pad_front, kd_low, kd_high;
            edge_pool_taps(d0, g->kernel_d, g->dilation_d, in_d, &kd_low, &kd_high);
            ptrdiff_t depth_cells = g->count_include_pad ? edge_pool_padded_cells(d0, g->kernel_d, g->dilation_d, in_d, g->pad_back)
                                                         : kd_high - kd_low;
            for (ptrdiff_t oh = 0; oh < (ptrdiff_t)g->out_height; oh++, line += out_w) {
                ptrdiff_t h0 = oh * g->stride_h - g->pad_top, ki_low, ki_high;
                edge_pool_taps(h0, g->kernel_h, g->dilation_h, in_h, &ki_low, &ki_high);
                for (ptrdiff_t ow = 0; ow < out_w; ow++) line[ow] = is_max ? -INFINITY : 0.0f;
                for (ptrdiff_t kd = kd_low; kd < kd_high; kd++) {
                    for (ptrdiff_t ki = ki_low; ki < ki_high; ki++) {
                        const float *source_row = xs + (size_t)(d0 + kd * g->dilation_d) * in_plane + (h0 + ki * g->dilation_h) * in_w;
                        for (ptrdiff_t kj = 0; kj < g->kernel_w; kj++) {
                            /* Outputs whose tap kj lands inside: 0 <= ow·sw - pad_left + kj·dw < in_w. */
                            ptrdiff_t shift = kj * dw - g->pad_left, low, high;
                            edge_pool_taps(shift, out_w, sw, in_w, &low, &high);
                            if (low >= high) continue;
                            const float *source = source_row + low * sw + shift;
                            size_t count = (size_t)(high - low);
                            if (sw == 1 && is_max) {
                                EDGE_UPDATE(line + low, source, count, edge_max_keeping_nan(acc, v));
                            } else if (sw == 1) {
                                EDGE_UPDATE(line + low, source, count, acc + v);
                            } else if (is_max) {
                                edge_max_strided(line + low, source, count, sw);
                            } else {
                                for (size_t i = 0; i < count; i++) line[low + i] += source[(ptrdiff_t)i * sw];
                            }
                        }
                    }
                }
                if (is_max) continue;
                ptrdiff_t row_cells = depth_cells * (g->count_include_pad
                                                         ? edge_pool_padded_cells(h0, g->kernel_h, g->dilation_h, in_h, g->pad_bottom)
                                                         : ki_high - ki_low);
                for (ptrdiff_t ow = 0; ow < out_w; ow++) {
                    ptrdiff_t w0 = ow * sw - g->pad_left;
                    float divisor;
                    if (g->count_include_pad) {
                        /* The window clipped to the padded input, as onnxruntime counts it. */
                        ptrdiff_t cells = row_cells * edge_pool_padded_cells(w0, g->kernel_w, dw, in_w, g->pad_right);
                        divisor = (float)(cells > 1 ? cells : 1);
                    } else {
                        ptrdiff_t kj_low, kj_high;
                        edge_pool_taps(w0, g->kernel_w, dw, in_w, &kj_low, &kj_high);
                        ptrdiff_t count = row_cells * (kj_high - kj_low);
                        if (count == 0) {
                            line[ow] = 0.0f;
                            continue;
                        }
                        divisor = (float)count;
                    }
                    line[ow] /= divisor;
                }
            }
        }
    }
    return EDGE_OK;
}

edge_status edge_global_pool_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                     edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    uint32_t dtype = op->kind == EDGE_OP_GLOBAL_AVERAGE_POOL_INT8 ? EDGE_DTYPE_INT8 : EDGE_DTYPE_FLOAT32;
    if ((status = edge_check_dtype(op, x, dtype, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, dtype, "output", error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    bool fits = x->rank >= 3 && y->rank == x->rank && y->dims[0] == x->dims[0] && y->dims[1] == x->dims[1];
    for (int32_t d = 2; d < y->rank && fits; d++) fits = y->dims[d] == 1;
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s (rank >= 3) and output %s must be [N,C,...] and [N,C,1,...]",
                            edge_shape_text(x, sx), edge_shape_text(y, sy));
    op->params.global_pool.planes = (size_t)x->dims[0] * x->dims[1];
    op->params.global_pool.plane = edge_dims_product(x, 2, x->rank);
    return EDGE_OK;
}

edge_status edge_global_pool_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_global_pool_params *g = &op->params.global_pool;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    bool is_max = op->kind == EDGE_OP_GLOBAL_MAX_POOL;
    for (size_t p = 0; p < g->planes; p++) {
        const float *xs = x + p * g->plane;
        if (is_max) {
            /* Swift's Array.max(): the first element, then any larger one. */
            float best = xs[0];
            for (size_t i = 1; i < g->plane; i++)
                if (xs[i] > best) best = xs[i];
            y[p] = best;
        } else {
            y[p] = edge_sum(xs, g->plane) / (float)g->plane;
        }
    }
    return EDGE_OK;
}
