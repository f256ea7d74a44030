/*
 * conv_int8.c — CONV_INT8, 2-D (1-D as a height of 1), grouped and depthwise, with the geometry of
 * CONV. Per output channel m and position: acc = B[m] + Σ W[m][c][ki][kj] · (x − z_x), where a
 * padded cell reads z_x (the real number 0) and so adds nothing; then
 * y = clamp(requantize(acc, R[m][0], R[m][1]) + z_y, act_min, act_max).
 *
 * The reference kernel below is direct loops, the ground truth. Where the target has them, invoke
 * runs the optimized path of int8_fast.c instead, which gives the same bytes
 * (tests/int8_fastpath_tests.c).
 */
#include "../internal.h"
#include "int8_fast.h"
#include "requantize.h"

edge_status edge_conv_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_conv_window_prepare(model, op, params, params_size, true, error);
    if (status != EDGE_OK) return status;
    edge_conv_int8_params *g = &op->params.conv_int8;
    if ((status = edge_read_int8_clamp(op, params, 9, &g->act_min, &g->act_max, error)) != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    const edge_conv_params *c = &g->conv;
    size_t depth = c->in_channels / c->group * c->kernel_height * c->kernel_width;
    if ((status = edge_check_int8_weights(model, op, c->out_channels, depth, error)) != EDGE_OK) return status;
    g->input_zero = x->zero_point;
    g->output_zero = y->zero_point;
    const edge_int8_kernels *best = edge_int8_best_kernels();
    if (best) {
        op->scratch_bytes = edge_conv_int8_fast_scratch(g, best);
        g->kernels = op->scratch_bytes > 0 ? best : NULL;
        if (g->kernels) return edge_conv_int8_fast_prepare(model, op, error);
    }
    return EDGE_OK;
}

edge_status edge_conv_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_int8_kernels *kernels = op->params.conv_int8.kernels;
    if (kernels) edge_conv_int8_fast(model, op, arena, scratch, kernels);
    else edge_conv_int8_reference(model, op, arena);
    return EDGE_OK;
}

void edge_conv_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena)
{
    const edge_conv_int8_params *q = &op->params.conv_int8;
    const edge_conv_params *g = &q->conv;
    const int8_t *x = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *w = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = edge_op_input(model, op, 2);
    const int32_t *bias = bt ? (const int32_t *)(const void *)edge_tensor_data(bt, arena) : NULL;
    const int32_t *r = (const int32_t *)(const void *)edge_tensor_data(edge_op_input(model, op, 3), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    ptrdiff_t in_h = (ptrdiff_t)g->in_height, in_w = (ptrdiff_t)g->in_width;
    ptrdiff_t out_h = (ptrdiff_t)g->out_height, out_w = (ptrdiff_t)g->out_width;
    ptrdiff_t kernel_h = (ptrdiff_t)g->kernel_height, kernel_w = (ptrdiff_t)g->kernel_width;
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t depth = cg * g->kernel_height * g->kernel_width;
    int32_t zero = q->input_zero;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t m = 0; m < g->out_channels; m++) {
            const int8_t *xg = x + (n * g->in_channels + m / mg * cg) * g->in_height * g->in_width;
            const int8_t *wm = w + m * depth;
            int8_t *ym = y + (n * g->out_channels + m) * g->out_height * g->out_width;
            for (ptrdiff_t oh = 0; oh < out_h; oh++) {
                for (ptrdiff_t ow = 0; ow < out_w; ow++) {
                    int32_t acc = bias ? bias[m] : 0;
                    for (size_t c = 0; c < cg; c++) {
                        const int8_t *plane = xg + c * g->in_height * g->in_width;
                        for (ptrdiff_t ki = 0; ki < kernel_h; ki++) {
                            ptrdiff_t ih = oh * g->stride_h - g->pad_top + ki * g->dilation_h;
                            for (ptrdiff_t kj = 0; kj < kernel_w; kj++) {
                                ptrdiff_t iw = ow * g->stride_w - g->pad_left + kj * g->dilation_w;
                                int32_t value = ih >= 0 && ih < in_h && iw >= 0 && iw < in_w ? plane[ih * in_w + iw] : zero;
                                acc += wm[((ptrdiff_t)c * kernel_h + ki) * kernel_w + kj] * (value - zero);
                            }
                        }
                    }
                    ym[oh * out_w + ow] = edge_requantize_int8(acc, r[2 * m], r[2 * m + 1], q->output_zero, q->act_min, q->act_max);
                }
            }
        }
    }
}
