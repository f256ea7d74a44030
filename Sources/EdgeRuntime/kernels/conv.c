/*
 * conv.c — CONV and CONV_TRANSPOSE, 2-D (1-D runs as 2-D with a height of 1).
 *
 * CONV multiplies the weights [M/group × C/group·kH·kW] by im2col columns, which are written
 * straight into the matrix multiply's packed panels (so no full im2col buffer exists); a 1×1
 * stride-1 unpadded convolution multiplies the input itself. Depthwise convolutions (one input and
 * one output channel per group) run kernels/depthwise.c, tested against the direct loops here. CONV_TRANSPOSE multiplies the transposed weights
 * by the input into column blocks and scatters them into the output (col2im).
 */
#include "../internal.h"

/* Bound on CONV_TRANSPOSE's column buffer, in floats. */
#define EDGE_COL2IM_BUDGET ((size_t)1 << 18)

/* Reads the 12 shared fields and the 2-D (lifted) geometry of X and W; checks what both ops share.
   CONV_INT8 (`int8`) has the inputs X, W, B, R, the 9 geometry fields then act_min, act_max, and
   checks its dtypes itself. */
static edge_status edge_conv_geometry(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      bool transposed, bool int8, edge_error *error)
{
    edge_conv_params *g = &op->params.conv;
    edge_status status = int8 ? edge_check_arity(op, 4, 4, 2, 1, error) : edge_check_arity(op, 2, 3, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, int8 ? 11 : 12, error);
    if (status == EDGE_OK && !int8) status = edge_read_activation(op, params, 9, &g->activation, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *w = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    const edge_tensor *b = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL;
    if (!int8) {
        if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
        if ((status = edge_check_dtype(op, w, EDGE_DTYPE_FLOAT32, "weight", error)) != EDGE_OK) return status;
        if (b && (status = edge_check_dtype(op, b, EDGE_DTYPE_FLOAT32, "bias", error)) != EDGE_OK) return status;
        if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    }
    char sx[EDGE_SHAPE_TEXT], sw[EDGE_SHAPE_TEXT];
    if ((x->rank != 3 && x->rank != 4) || w->rank != x->rank || y->rank != x->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s, weight %s and output must all be 3-D or all 4-D",
                            edge_shape_text(x, sx), edge_shape_text(w, sw));

    int32_t fields[9];
    for (int i = 0; i < 9; i++) fields[i] = edge_read_i32(params + 4 * i);
    int32_t group = fields[0];
    const char *names[9] = {"group", "stride_h", "stride_w", "dilation_h", "dilation_w", "pad_top", "pad_left", "pad_bottom", "pad_right"};
    /* Geometry stays far from overflow in 32-bit arithmetic: every field and extent below 2^24. */
    for (int i = 0; i < 9; i++) {
        int32_t minimum = i < 5 ? 1 : 0;
        if (fields[i] < minimum || fields[i] > (1 << 24))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %d, expected %d to %d", names[i], (int)fields[i], (int)minimum, 1 << 24);
    }
    bool lifted = x->rank == 3;
    g->batch = x->dims[0];
    g->in_channels = x->dims[1];
    g->in_height = lifted ? 1 : x->dims[2];
    g->in_width = x->dims[x->rank - 1];
    g->kernel_height = lifted ? 1 : w->dims[2];
    g->kernel_width = w->dims[w->rank - 1];
    g->out_height = lifted ? 1 : y->dims[2];
    g->out_width = y->dims[y->rank - 1];
    g->group = (size_t)group;
    g->stride_h = fields[1];
    g->stride_w = fields[2];
    g->dilation_h = fields[3];
    g->dilation_w = fields[4];
    g->pad_top = fields[5];
    g->pad_left = fields[6];
    if (g->in_height > (1u << 24) || g->in_width > (1u << 24) || g->kernel_height > (1u << 24) || g->kernel_width > (1u << 24) ||
        g->out_height > (1u << 24) || g->out_width > (1u << 24))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "spatial sizes above 2^24 are not supported");
    if (g->in_channels % g->group != 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s has %zu channels, not a multiple of group %zu", edge_shape_text(x, sx),
                            g->in_channels, g->group);
    if (transposed) {
        if (w->dims[0] != g->in_channels)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "weight %s has %u input channels, input has %zu", edge_shape_text(w, sw),
                                w->dims[0], g->in_channels);
        if ((uint64_t)w->dims[1] * g->group != y->dims[1])
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output has %u channels, weight %s with group %zu gives %llu", y->dims[1],
                                edge_shape_text(w, sw), g->group, (unsigned long long)w->dims[1] * g->group);
        g->out_channels = y->dims[1];
    } else {
        if ((uint64_t)w->dims[1] * g->group != g->in_channels)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "weight %s has %u input channels per group, input has %zu in %zu groups",
                                edge_shape_text(w, sw), w->dims[1], g->in_channels, g->group);
        if (w->dims[0] % g->group != 0)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "weight %s has %u output channels, not a multiple of group %zu",
                                edge_shape_text(w, sw), w->dims[0], g->group);
        g->out_channels = w->dims[0];
    }
    if (b && (b->rank != 1 || b->dims[0] != g->out_channels))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "bias %s, expected [%zu]", edge_shape_text(b, sx), g->out_channels);
    if (y->dims[0] != g->batch || y->dims[1] != g->out_channels)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s, expected %zu × %zu channels", edge_shape_text(y, sx), g->batch,
                            g->out_channels);
    return EDGE_OK;
}

/* Expected output length of one axis, or -1 when the window does not fit. */
static int64_t edge_conv_extent(int64_t input, int64_t kernel, int64_t stride, int64_t dilation, int64_t begin, int64_t end)
{
    int64_t span = input + begin + end - ((kernel - 1) * dilation + 1);
    return span < 0 ? -1 : span / stride + 1;
}

/* ---- CONV ------------------------------------------------------------------------------------ */

edge_status edge_conv_window_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, bool int8,
                                     edge_error *error)
{
    edge_status status = edge_conv_geometry(model, op, params, params_size, false, int8, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    int64_t pad_bottom = edge_read_i32(params + 28), pad_right = edge_read_i32(params + 32);
    int64_t height = edge_conv_extent((int64_t)g->in_height, (int64_t)g->kernel_height, g->stride_h, g->dilation_h, g->pad_top, pad_bottom);
    int64_t width = edge_conv_extent((int64_t)g->in_width, (int64_t)g->kernel_width, g->stride_w, g->dilation_w, g->pad_left, pad_right);
    if (height < 1 || width < 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the %zux%zu kernel does not fit the padded %zux%zu input", g->kernel_height,
                            g->kernel_width, g->in_height, g->in_width);
    if ((size_t)height != g->out_height || (size_t)width != g->out_width)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %zux%zu, the geometry gives %lldx%lld", g->out_height, g->out_width,
                            (long long)height, (long long)width);
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    g->depthwise = cg == 1 && mg == 1;
    g->pointwise = g->kernel_height == 1 && g->kernel_width == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
                   g->pad_left == 0 && g->out_height == g->in_height && g->out_width == g->in_width;
    return EDGE_OK;
}

edge_status edge_conv_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_conv_window_prepare(model, op, params, params_size, false, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t depth = cg * g->kernel_height * g->kernel_width; /* fits: the weight tensor holds mg × depth floats */
    op->scratch_bytes = g->depthwise ? edge_depthwise_scratch_bytes(g) : edge_gemm_scratch_bytes(mg, g->out_height * g->out_width, depth);
    if (op->scratch_bytes == 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the convolution's sizes overflow");
    return EDGE_OK;
}

typedef struct edge_im2col {
    const edge_conv_params *g;
    const float *x; /* the group's first input channel */
} edge_im2col;

/* edge_pack_b for im2col columns: row (c, ki, kj), column an output position; padding reads 0. */
static void edge_pack_im2col(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel)
{
    const edge_im2col *s = source;
    const edge_conv_params *g = s->g;
    size_t kernel = g->kernel_height * g->kernel_width;
    ptrdiff_t height = (ptrdiff_t)g->in_height, width = (ptrdiff_t)g->in_width, out_width = (ptrdiff_t)g->out_width;
    size_t padded = (columns + EDGE_GEMM_NR - 1) / EDGE_GEMM_NR * EDGE_GEMM_NR;
    for (size_t r = 0; r < rows; r++) {
        size_t p = row + r;
        size_t c = p / kernel, ki = p % kernel / g->kernel_width, kj = p % g->kernel_width;
        const float *xc = s->x + c * g->in_height * g->in_width;
        float *line = panel + r * EDGE_GEMM_NR;
        ptrdiff_t shift_h = (ptrdiff_t)ki * g->dilation_h - g->pad_top, shift_w = (ptrdiff_t)kj * g->dilation_w - g->pad_left;
        ptrdiff_t low = shift_w >= 0 ? 0 : (-shift_w + g->stride_w - 1) / g->stride_w;
        ptrdiff_t high = width - shift_w <= 0 ? 0 : (width - shift_w - 1) / g->stride_w + 1;
        if (high > out_width) high = out_width;
        if (low > high) low = high;
        size_t j = 0;
        ptrdiff_t oh = (ptrdiff_t)(column / g->out_width), ow = (ptrdiff_t)(column % g->out_width);
        while (j < columns) {
            size_t run = (size_t)(out_width - ow);
            if (run > columns - j) run = columns - j;
            ptrdiff_t ih = oh * g->stride_h + shift_h;
            bool row_inside = ih >= 0 && ih < height;
            const float *source_row = row_inside ? xc + ih * width : xc;
            for (size_t t = 0; t < run; t++, ow++, j++) {
                float v = 0.0f;
                if (row_inside && ow >= low && ow < high) v = source_row[ow * g->stride_w + shift_w];
                line[(j / EDGE_GEMM_NR) * rows * EDGE_GEMM_NR + j % EDGE_GEMM_NR] = v;
            }
            if (ow == out_width) {
                ow = 0;
                oh++;
            }
        }
        for (; j < padded; j++) line[(j / EDGE_GEMM_NR) * rows * EDGE_GEMM_NR + j % EDGE_GEMM_NR] = 0.0f;
    }
}

/* One channel of a depthwise convolution: y (zeroed here) accumulates w[ki][kj] × shifted x rows. */
static void edge_depthwise_plane(const edge_conv_params *g, const float *x, const float *w, float *y)
{
    ptrdiff_t height = (ptrdiff_t)g->in_height, width = (ptrdiff_t)g->in_width;
    ptrdiff_t out_height = (ptrdiff_t)g->out_height, out_width = (ptrdiff_t)g->out_width;
    for (ptrdiff_t i = 0; i < out_height * out_width; i++) y[i] = 0.0f;
    for (ptrdiff_t oh = 0; oh < out_height; oh++) {
        float *line = y + oh * out_width;
        for (ptrdiff_t ki = 0; ki < (ptrdiff_t)g->kernel_height; ki++) {
            ptrdiff_t ih = oh * g->stride_h - g->pad_top + ki * g->dilation_h;
            if (ih < 0 || ih >= height) continue;
            const float *source = x + ih * width;
            for (ptrdiff_t kj = 0; kj < (ptrdiff_t)g->kernel_width; kj++) {
                float weight = w[ki * (ptrdiff_t)g->kernel_width + kj];
                ptrdiff_t shift = kj * g->dilation_w - g->pad_left;
                ptrdiff_t low = shift >= 0 ? 0 : (-shift + g->stride_w - 1) / g->stride_w;
                ptrdiff_t high = width - shift <= 0 ? 0 : (width - shift - 1) / g->stride_w + 1;
                if (high > out_width) high = out_width;
                if (g->stride_w == 1 && low < high) {
                    EDGE_UPDATE(line + low, source + low + shift, (size_t)(high - low), acc + weight * v);
                } else {
                    for (ptrdiff_t ow = low; ow < high; ow++) line[ow] += weight * source[ow * g->stride_w + shift];
                }
            }
        }
    }
}

void edge_depthwise_reference(const edge_conv_params *g, const float *x, const float *w, float *y)
{
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width, taps = g->kernel_height * g->kernel_width;
    for (size_t index = 0; index < g->batch * g->out_channels; index++)
        edge_depthwise_plane(g, x + index * in_plane, w + index % g->out_channels * taps, y + index * out_plane);
}

edge_status edge_conv_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_conv_params *g = &op->params.conv;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *w = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL;
    const float *bias = bt ? (const float *)edge_tensor_data(bt, arena) : NULL;
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t depth = cg * g->kernel_height * g->kernel_width;
    for (size_t n = 0; n < g->batch; n++) {
        if (g->depthwise) break; /* all batches at once, below */
        for (size_t group = 0; group < g->group; group++) {
            const float *xg = x + (n * g->in_channels + group * cg) * in_plane;
            float *yg = y + (n * g->out_channels + group * mg) * out_plane;
            const float *wg = w + group * mg * depth;
            /* Bias and activation are applied as the multiply stores its last blocks. */
            const float *group_bias = bias ? bias + group * mg : NULL;
            if (g->pointwise) {
                edge_matrix source = {xg, in_plane, 1};
                edge_sgemm(mg, out_plane, depth, wg, depth, 1, edge_pack_matrix, &source, yg, out_plane, false, group_bias,
                           &g->activation, scratch);
            } else {
                edge_im2col source = {g, xg};
                edge_sgemm(mg, out_plane, depth, wg, depth, 1, edge_pack_im2col, &source, yg, out_plane, false, group_bias,
                           &g->activation, scratch);
            }
        }
    }
    if (g->depthwise) {
        edge_depthwise(g, x, w, y, scratch);
        edge_bias_activate(y, g->batch, g->out_channels, out_plane, bias, &g->activation);
    }
    return EDGE_OK;
}

/* ---- CONV_TRANSPOSE ---------------------------------------------------------------------------- */

static size_t edge_col2im_chunk(const edge_conv_params *g)
{
    size_t rows = g->out_channels / g->group * g->kernel_height * g->kernel_width;
    size_t in_plane = g->in_height * g->in_width;
    size_t chunk = EDGE_COL2IM_BUDGET / rows;
    if (chunk < 1) chunk = 1;
    return chunk < in_plane ? chunk : in_plane;
}

edge_status edge_conv_transpose_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error)
{
    edge_status status = edge_conv_geometry(model, op, params, params_size, true, false, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    int64_t pad_bottom = edge_read_i32(params + 28), pad_right = edge_read_i32(params + 32);
    /* Without output_padding and output_shape the output is stride·(in-1) + dilated kernel - pads;
       those only add rows and columns at the end (which receive only the bias). */
    int64_t height = g->stride_h * ((int64_t)g->in_height - 1) + ((int64_t)g->kernel_height - 1) * g->dilation_h + 1 - g->pad_top - pad_bottom;
    int64_t width = g->stride_w * ((int64_t)g->in_width - 1) + ((int64_t)g->kernel_width - 1) * g->dilation_w + 1 - g->pad_left - pad_right;
    if (height + g->pad_top + pad_bottom > (1 << 30) || width + g->pad_left + pad_right > (1 << 30))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "output extents above 2^30 are not supported");
    if ((int64_t)g->out_height < height || (int64_t)g->out_width < width)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %zux%zu, the geometry gives at least %lldx%lld", g->out_height,
                            g->out_width, (long long)height, (long long)width);
    g->depthwise = false;
    g->pointwise = false;
    size_t rows = g->out_channels / g->group * g->kernel_height * g->kernel_width; /* fits: the weight holds C × rows floats */
    size_t chunk = edge_col2im_chunk(g), columns, gemm;
    gemm = edge_gemm_scratch_bytes(rows, chunk, g->in_channels / g->group);
    if (!edge_size_mul(rows, chunk, &columns) || !edge_size_mul(columns, sizeof(float), &columns) ||
        !edge_size_align(columns, &columns) || !edge_size_add(columns, gemm, &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    return EDGE_OK;
}

edge_status edge_conv_transpose_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_conv_params *g = &op->params.conv;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *w = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const edge_tensor *bt = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL;
    const float *bias = bt ? (const float *)edge_tensor_data(bt, arena) : NULL;
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t kernel = g->kernel_height * g->kernel_width, rows = mg * kernel;
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    size_t chunk = edge_col2im_chunk(g);
    float *columns = scratch;
    size_t columns_bytes = (rows * chunk * sizeof(float) + EDGE_ALIGNMENT - 1) & ~(size_t)(EDGE_ALIGNMENT - 1);
    float *gemm_scratch = (float *)((uint8_t *)scratch + columns_bytes);
    ptrdiff_t out_height = (ptrdiff_t)g->out_height, out_width = (ptrdiff_t)g->out_width;
    for (size_t i = 0; i < g->batch * g->out_channels * out_plane; i++) y[i] = 0.0f;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t group = 0; group < g->group; group++) {
            const float *xg = x + (n * g->in_channels + group * cg) * in_plane;
            const float *wg = w + group * cg * rows; /* [cg × rows]; its transpose multiplies X */
            float *yg = y + (n * g->out_channels + group * mg) * out_plane;
            for (size_t j0 = 0; j0 < in_plane; j0 += chunk) {
                size_t width = chunk < in_plane - j0 ? chunk : in_plane - j0;
                edge_matrix source = {xg + j0, in_plane, 1};
                edge_sgemm(rows, width, cg, wg, 1, rows, edge_pack_matrix, &source, columns, width, false, NULL, NULL, gemm_scratch);
                for (size_t r = 0; r < rows; r++) {
                    size_t m = r / kernel, ki = r % kernel / g->kernel_width, kj = r % g->kernel_width;
                    const float *line = columns + r * width;
                    float *ym = yg + m * out_plane;
                    ptrdiff_t ih = (ptrdiff_t)(j0 / g->in_width), iw = (ptrdiff_t)(j0 % g->in_width);
                    for (size_t j = 0; j < width; j++) {
                        ptrdiff_t oh = ih * g->stride_h - g->pad_top + (ptrdiff_t)ki * g->dilation_h;
                        ptrdiff_t ow = iw * g->stride_w - g->pad_left + (ptrdiff_t)kj * g->dilation_w;
                        if (oh >= 0 && oh < out_height && ow >= 0 && ow < out_width) ym[oh * out_width + ow] += line[j];
                        if (++iw == (ptrdiff_t)g->in_width) {
                            iw = 0;
                            ih++;
                        }
                    }
                }
            }
        }
    }
    edge_bias_activate(y, g->batch, g->out_channels, out_plane, bias, &g->activation);
    return EDGE_OK;
}
