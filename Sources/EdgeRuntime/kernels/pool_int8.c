/*
 * pool_int8.c — AVERAGE_POOL_INT8 and GLOBAL_AVERAGE_POOL_INT8 (input and output share their
 * quantization, so the integers are averaged as they are, rounding halves away from zero), and
 * MAX_POOL on int8. The windows are those of pool.c; with count_include_pad a padded cell counts as
 * the zero point (the real number 0), as a padded cell counts as 0 in the float pool.
 */
#include "../internal.h"

/* round_half_away(sum / count) in integers, count >= 1. */
static int32_t edge_rounded_average(int64_t sum, int64_t count)
{
    return (int32_t)(sum >= 0 ? (sum + count / 2) / count : (sum - count / 2) / count);
}

edge_status edge_pool_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                   edge_error *error)
{
    edge_status status = edge_pool_prepare(model, op, params, params_size, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    if (!edge_same_quantization(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input '%.60s' and output '%.60s' must share their quantization", x->name, y->name);
    return EDGE_OK;
}

/* The taps [*low, *high) of a window starting at `origin` whose cells origin + tap · dilation lie in [0, length). */
static void edge_window_taps(ptrdiff_t origin, ptrdiff_t kernel, ptrdiff_t dilation, ptrdiff_t length, ptrdiff_t *low, ptrdiff_t *high)
{
    if (origin >= 0 && origin + (kernel - 1) * dilation < length) { /* inside: no divisions */
        *low = 0;
        *high = kernel;
        return;
    }
    *low = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
    *high = length - origin <= 0 ? 0 : (length - origin + dilation - 1) / dilation;
    if (*high > kernel) *high = kernel;
    if (*low > *high) *low = *high;
}

/* Every window lies inside the input (no padding reached), as in the usual 2 × 2 / 2 pool. */
static bool edge_pool_inside(const edge_pool_params *g)
{
    return g->pad_top == 0 && g->pad_left == 0 &&
           (ptrdiff_t)(g->out_height - 1) * g->stride_h + (g->kernel_h - 1) * g->dilation_h < (ptrdiff_t)g->in_height &&
           (ptrdiff_t)(g->out_width - 1) * g->stride_w + (g->kernel_w - 1) * g->dilation_w < (ptrdiff_t)g->in_width;
}

static inline int8_t edge_max8(int8_t a, int8_t b) { return a > b ? a : b; }

/* MAX_POOL on int8 when every window is inside: each output the maximum of its window, read
   directly, without the general loop's clipping (which costs more than the maxima on small
   planes); 2 × 2 windows spelled out. */
static void edge_max_pool_int8_inside(const edge_pool_params *g, const int8_t *x, int8_t *y)
{
    size_t in_w = g->in_width, rows = g->planes * g->out_height;
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w, dh = (size_t)g->dilation_h, dw = (size_t)g->dilation_w;
    size_t kh = (size_t)g->kernel_h, kw = (size_t)g->kernel_w, oh = 0;
    const int8_t *plane = x;
    for (size_t r = 0; r < rows; r++, oh++) {
        if (oh == g->out_height) oh = 0, plane += g->in_height * in_w;
        const int8_t *top = plane + oh * sh * in_w;
        if (kh == 2 && kw == 2) {
            const int8_t *bottom = top + dh * in_w;
            for (size_t ow = 0; ow < g->out_width; ow++, y++) {
                size_t c = ow * sw;
                *y = edge_max8(edge_max8(top[c], top[c + dw]), edge_max8(bottom[c], bottom[c + dw]));
            }
            continue;
        }
        for (size_t ow = 0; ow < g->out_width; ow++, y++) {
            int8_t best = -128;
            for (size_t ki = 0; ki < kh; ki++)
                for (size_t kj = 0; kj < kw; kj++) best = edge_max8(best, top[ki * dh * in_w + ow * sw + kj * dw]);
            *y = best;
        }
    }
}

/* The padded columns a row of windows reaches, when few enough for a line on the stack. */
enum { edge_max_pool_line = 1024 };

/* MAX_POOL on int8 at stride 1 along rows, separably: per output row, the maxima down the window's
   rows inside the input into a line of the padded width (padding -128, which no maximum takes
   unless the whole window is padding, as in the general loop), then across each window of the
   line. kh + kw steps per output instead of kh · kw: YOLOv8n's SPPF pools (5 x 5, pads 2, 10 x 10
   planes) spent more in per-tap set-up than in maxima (5.7% of its int8 run). */
static void edge_max_pool_int8_separable(const edge_pool_params *g, const int8_t *x, int8_t *y)
{
    int8_t line[edge_max_pool_line];
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width, out_w = (ptrdiff_t)g->out_width;
    ptrdiff_t dw = g->dilation_w, left = g->pad_left, wide = (out_w - 1) + (g->kernel_w - 1) * dw + 1;
    ptrdiff_t first = left < wide ? left : wide, last = left + in_w < wide ? left + in_w : wide; /* the input's columns in the line */
    for (size_t p = 0; p < g->planes; p++) {
        const int8_t *plane = x + p * g->in_height * g->in_width;
        for (ptrdiff_t oh = 0; oh < (ptrdiff_t)g->out_height; oh++, y += out_w) {
            ptrdiff_t h0 = oh * g->stride_h - g->pad_top, ki_low, ki_high;
            edge_window_taps(h0, g->kernel_h, g->dilation_h, in_h, &ki_low, &ki_high);
            memset(line, -128, (size_t)wide);
            for (ptrdiff_t ki = ki_low; ki < ki_high; ki++) {
                const int8_t *row = plane + (h0 + ki * g->dilation_h) * in_w;
                for (ptrdiff_t c = first; c < last; c++) line[c] = edge_max8(line[c], row[c - left]);
            }
            memcpy(y, line, (size_t)out_w);
            for (ptrdiff_t kj = 1; kj < g->kernel_w; kj++)
                for (ptrdiff_t ow = 0; ow < out_w; ow++) y[ow] = edge_max8(y[ow], line[ow + kj * dw]);
        }
    }
}

/* MAX_POOL on int8 one output row at a time, one kernel tap at a time across the row (as pool.c does
   for floats): the inner loop runs over contiguous outputs without bounds checks. */
static void edge_max_pool_int8(const edge_pool_params *g, const int8_t *x, int8_t *y)
{
    if (edge_pool_inside(g) && (g->kernel_h * g->kernel_w <= 4 || g->stride_w != 1)) {
        edge_max_pool_int8_inside(g, x, y);
        return;
    }
    if (g->stride_w == 1 && (g->out_width - 1) + (size_t)(g->kernel_w - 1) * (size_t)g->dilation_w + 1 <= edge_max_pool_line) {
        edge_max_pool_int8_separable(g, x, y);
        return;
    }
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width;
    ptrdiff_t out_h = (ptrdiff_t)g->out_height, out_w = (ptrdiff_t)g->out_width, sw = g->stride_w;
    for (size_t p = 0; p < g->planes; p++) {
        const int8_t *plane = x + p * g->in_height * g->in_width;
        for (ptrdiff_t oh = 0; oh < out_h; oh++) {
            int8_t *line = y + (p * g->out_height + (size_t)oh) * g->out_width;
            ptrdiff_t h0 = oh * g->stride_h - g->pad_top, ki_low, ki_high;
            edge_window_taps(h0, g->kernel_h, g->dilation_h, in_h, &ki_low, &ki_high);
            memset(line, -128, (size_t)out_w);
            for (ptrdiff_t ki = ki_low; ki < ki_high; ki++) {
                const int8_t *row = plane + (h0 + ki * g->dilation_h) * in_w;
                for (ptrdiff_t kj = 0; kj < g->kernel_w; kj++) {
                    /* Outputs whose tap kj lands inside: 0 <= ow · sw + shift < in_w. */
                    ptrdiff_t shift = kj * g->dilation_w - g->pad_left, low, high;
                    edge_window_taps(shift, out_w, sw, in_w, &low, &high);
                    for (ptrdiff_t ow = low; ow < high; ow++) {
                        int8_t v = row[ow * sw + shift];
                        line[ow] = v > line[ow] ? v : line[ow];
                    }
                }
            }
        }
    }
}

/* AVERAGE_POOL_INT8 (and MAX_POOL on int8, above): each output sums the cells of its window inside the input. */
edge_status edge_pool_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_pool_params *g = &op->params.pool;
    const edge_tensor *xt = edge_op_input(model, op, 0);
    const int8_t *x = (const int8_t *)edge_tensor_data(xt, arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    if (op->kind == EDGE_OP_MAX_POOL) {
        edge_max_pool_int8(g, x, y);
        return EDGE_OK;
    }
    int32_t zero = xt->zero_point;
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width;
    ptrdiff_t out_h = (ptrdiff_t)g->out_height, out_w = (ptrdiff_t)g->out_width;
    for (size_t p = 0; p < g->planes; p++) {
        const int8_t *plane = x + p * g->in_height * g->in_width;
        int8_t *out = y + p * g->out_height * g->out_width;
        for (ptrdiff_t oh = 0; oh < out_h; oh++) {
            ptrdiff_t h0 = oh * g->stride_h - g->pad_top, ki_low, ki_high;
            edge_window_taps(h0, g->kernel_h, g->dilation_h, in_h, &ki_low, &ki_high);
            for (ptrdiff_t ow = 0; ow < out_w; ow++) {
                ptrdiff_t w0 = ow * g->stride_w - g->pad_left, kj_low, kj_high;
                edge_window_taps(w0, g->kernel_w, g->dilation_w, in_w, &kj_low, &kj_high);
                int64_t sum = 0, inside = (ki_high - ki_low) * (kj_high - kj_low);
                for (ptrdiff_t ki = ki_low; ki < ki_high; ki++) {
                    const int8_t *row = plane + (h0 + ki * g->dilation_h) * in_w + w0;
                    for (ptrdiff_t kj = kj_low; kj < kj_high; kj++) sum += row[kj * g->dilation_w];
                }
                int32_t result;
                if (g->count_include_pad) {
                    /* The window clipped to the padded input, as the float pool counts it. */
                    ptrdiff_t h_end = h0 + (g->kernel_h - 1) * g->dilation_h + 1, w_end = w0 + (g->kernel_w - 1) * g->dilation_w + 1;
                    if (h_end > in_h + g->pad_bottom) h_end = in_h + g->pad_bottom;
                    if (w_end > in_w + g->pad_right) w_end = in_w + g->pad_right;
                    int64_t cells = (int64_t)((h_end - h0 + g->dilation_h - 1) / g->dilation_h) *
                                    ((w_end - w0 + g->dilation_w - 1) / g->dilation_w);
                    if (cells < inside) cells = inside;
                    if (cells < 1) cells = 1;
                    result = edge_rounded_average(sum + (cells - inside) * zero, cells);
                } else {
                    result = inside ? edge_rounded_average(sum, inside) : zero;
                }
                out[oh * out_w + ow] = (int8_t)result;
            }
        }
    }
    return EDGE_OK;
}

edge_status edge_global_pool_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                          edge_error *error)
{
    edge_status status = edge_global_pool_prepare(model, op, params, params_size, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    if (!edge_same_quantization(x, y))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input '%.60s' and output '%.60s' must share their quantization", x->name, y->name);
    return EDGE_OK;
}

edge_status edge_global_pool_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_global_pool_params *g = &op->params.global_pool;
    const int8_t *x = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    for (size_t p = 0; p < g->planes; p++) {
        const int8_t *plane = x + p * g->plane;
        /* Summed in int32 over pieces of 2^16 bytes (at most 2^23 in size each): a loop the compiler
           vectorizes in 32-bit lanes, where int64 lanes took 4% of EfficientNet-B0 int8. */
        int64_t sum = 0;
        for (size_t start = 0; start < g->plane; start += (size_t)1 << 16) {
            size_t end = edge_min(g->plane, start + ((size_t)1 << 16));
            int32_t piece = 0;
            for (size_t i = start; i < end; i++) piece += plane[i];
            sum += piece;
        }
        y[p] = (int8_t)edge_rounded_average(sum, (int64_t)g->plane);
    }
    return EDGE_OK;
}
