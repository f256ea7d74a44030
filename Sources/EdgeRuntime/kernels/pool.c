/* pool.c — MAX_POOL and AVERAGE_POOL (2-D; 1-D as a height of 1), GLOBAL_AVERAGE_POOL and
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
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 11, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    /* MAX_POOL also moves int8 values; AVERAGE_POOL_INT8 (pool_int8.c) shares this geometry. */
    uint32_t dtype = op->kind != EDGE_OP_AVERAGE_POOL && x->dtype == EDGE_DTYPE_INT8 ? EDGE_DTYPE_INT8 : EDGE_DTYPE_FLOAT32;
    if ((status = edge_check_dtype(op, x, dtype, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, y, dtype, "output", error)) != EDGE_OK) return status;
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if ((x->rank != 3 && x->rank != 4) || y->rank != x->rank || y->dims[0] != x->dims[0] || y->dims[1] != x->dims[1])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s must be [N,C,H,W] or [N,C,W] with the same N and C",
                            edge_shape_text(x, sx), edge_shape_text(y, sy));
    int32_t f[11];
    for (int i = 0; i < 11; i++) f[i] = edge_read_i32(params + 4 * i);
    static const char *const names[10] = {"kernel_h", "kernel_w", "stride_h", "stride_w", "dilation_h", "dilation_w",
                                          "pad_top", "pad_left", "pad_bottom", "pad_right"};
    for (int i = 0; i < 10; i++) {
        int32_t minimum = i < 6 ? 1 : 0;
        if (f[i] < minimum || f[i] > (1 << 24))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %d, expected %d to %d", names[i], (int)f[i], (int)minimum, 1 << 24);
    }
    if (f[10] != 0 && f[10] != 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "count_include_pad is %d, expected 0 or 1", (int)f[10]);
    bool lifted = x->rank == 3;
    g->planes = (size_t)x->dims[0] * x->dims[1];
    g->in_height = lifted ? 1 : x->dims[2];
    g->in_width = x->dims[x->rank - 1];
    g->out_height = lifted ? 1 : y->dims[2];
    g->out_width = y->dims[y->rank - 1];
    if (g->in_height > (1u << 24) || g->in_width > (1u << 24) || g->out_height > (1u << 24) || g->out_width > (1u << 24))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "spatial sizes above 2^24 are not supported");
    g->kernel_h = f[0];
    g->kernel_w = f[1];
    g->stride_h = f[2];
    g->stride_w = f[3];
    g->dilation_h = f[4];
    g->dilation_w = f[5];
    g->pad_top = f[6];
    g->pad_left = f[7];
    g->pad_bottom = f[8];
    g->pad_right = f[9];
    g->count_include_pad = f[10] != 0;
    /* ceil_mode is not in the params: the output may have either length. */
    int64_t extents[2][2];
    for (int c = 0; c < 2; c++) {
        extents[0][c] = edge_pool_extent((int64_t)g->in_height, g->kernel_h, g->stride_h, g->dilation_h, g->pad_top, g->pad_bottom, c);
        extents[1][c] = edge_pool_extent((int64_t)g->in_width, g->kernel_w, g->stride_w, g->dilation_w, g->pad_left, g->pad_right, c);
    }
    if (extents[0][0] < 1 || extents[1][0] < 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the %dx%d window does not fit the padded %zux%zu input", (int)f[0], (int)f[1],
                            g->in_height, g->in_width);
    bool floor_fits = (int64_t)g->out_height == extents[0][0] && (int64_t)g->out_width == extents[1][0];
    bool ceil_fits = (int64_t)g->out_height == extents[0][1] && (int64_t)g->out_width == extents[1][1];
    if (!floor_fits && !ceil_fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s, the geometry gives %lldx%lld (or %lldx%lld with ceil_mode)",
                            edge_shape_text(y, sy), (long long)extents[0][0], (long long)extents[1][0], (long long)extents[0][1],
                            (long long)extents[1][1]);
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
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width;
    ptrdiff_t out_h = (ptrdiff_t)g->out_height, out_w = (ptrdiff_t)g->out_width;
    ptrdiff_t sw = g->stride_w, dw = g->dilation_w;
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    for (size_t p = 0; p < g->planes; p++) {
        const float *xs = x + p * in_plane;
        float *ys = y + p * out_plane;
        for (ptrdiff_t oh = 0; oh < out_h; oh++) {
            float *line = ys + oh * out_w;
            ptrdiff_t h0 = oh * g->stride_h - g->pad_top, ki_low, ki_high;
            edge_pool_taps(h0, g->kernel_h, g->dilation_h, in_h, &ki_low, &ki_high);
            for (ptrdiff_t ow = 0; ow < out_w; ow++) line[ow] = is_max ? -INFINITY : 0.0f;
            for (ptrdiff_t ki = ki_low; ki < ki_high; ki++) {
                const float *row = xs + (h0 + ki * g->dilation_h) * in_w;
                for (ptrdiff_t kj = 0; kj < g->kernel_w; kj++) {
                    /* Outputs whose tap kj lands inside: 0 <= ow·sw - pad_left + kj·dw < in_w. */
                    ptrdiff_t shift = kj * dw - g->pad_left, low, high;
                    edge_pool_taps(shift, out_w, sw, in_w, &low, &high);
                    if (low >= high) continue;
                    const float *source = row + low * sw + shift;
                    size_t count = (size_t)(high - low);
                    if (sw == 1 && is_max) {
                        EDGE_UPDATE(line + low, source, count, (v > acc || v != v) ? v : acc);
                    } else if (sw == 1) {
                        EDGE_UPDATE(line + low, source, count, acc + v);
                    } else {
                        for (size_t i = 0; i < count; i++) {
                            float v = source[(ptrdiff_t)i * sw], *acc = line + low + i;
                            *acc = is_max ? ((v > *acc || v != v) ? v : *acc) : *acc + v;
                        }
                    }
                }
            }
            if (is_max) continue;
            for (ptrdiff_t ow = 0; ow < out_w; ow++) {
                ptrdiff_t w0 = ow * sw - g->pad_left;
                float divisor;
                if (g->count_include_pad) {
                    /* The window clipped to the padded input, as onnxruntime counts it. */
                    ptrdiff_t h_end = h0 + (g->kernel_h - 1) * g->dilation_h + 1, w_end = w0 + (g->kernel_w - 1) * dw + 1;
                    if (h_end > in_h + g->pad_bottom) h_end = in_h + g->pad_bottom;
                    if (w_end > in_w + g->pad_right) w_end = in_w + g->pad_right;
                    ptrdiff_t cells = (h_end - h0 + g->dilation_h - 1) / g->dilation_h * ((w_end - w0 + dw - 1) / dw);
                    divisor = (float)(cells > 1 ? cells : 1);
                } else {
                    ptrdiff_t kj_low, kj_high;
                    edge_pool_taps(w0, g->kernel_w, dw, in_w, &kj_low, &kj_high);
                    ptrdiff_t count = (ki_high - ki_low) * (kj_high - kj_low);
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
            float sum = 0.0f;
            for (size_t i = 0; i < g->plane; i++) sum += xs[i];
            y[p] = sum / (float)g->plane;
        }
    }
    return EDGE_OK;
}
