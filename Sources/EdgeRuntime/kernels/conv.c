/*
 * conv.c — CONV and CONV_TRANSPOSE, 3-D (2-D runs as 3-D with a depth of 1, 1-D also with a height
 * of 1).
 *
 * CONV multiplies the weights [M/group × C/group·kD·kH·kW] by im2col columns, which are written
 * straight into the matrix multiply's packed panels (so no full im2col buffer exists); a 1×1
 * stride-1 unpadded convolution multiplies the input itself; other stride-1 2-D ones read their
 * columns in place from a padded copy of the input (edge_conv_implicit, below). 2-D depthwise convolutions (one input
 * and one output channel per group) run kernels/depthwise.c, tested against the direct loops here;
 * 3-D ones run as grouped convolutions. CONV_TRANSPOSE multiplies the transposed weights by the
 * input into column blocks and scatters them into the output (col2im).
 */
#include "../internal.h"

/* Bound on CONV_TRANSPOSE's column buffer, in floats. */
#define EDGE_COL2IM_BUDGET ((size_t)1 << 18)
/* Bound on the scratch of a convolution that reads its columns in place (edge_conv_implicit), in
   bytes: about twice its input and output, so large planes (a 64-channel layer on 1024 x 1024)
   keep the packed columns, whose scratch does not grow with the plane. */
#define EDGE_IMPLICIT_BUDGET ((size_t)16 << 20)

/* Reads the shared fields and the 3-D (lifted) geometry of X and W, the spatial fields into
   `window`; checks what both ops share. The params are `group`, the strides, dilations, begin and
   end pads (two each for a 1-D or 2-D op, three for a 3-D op), then the activation's three fields.
   CONV_INT8 (`int8`) has the inputs X, W, B, R, runs 1-D and 2-D only, has act_min, act_max in place
   of the activation, and checks its dtypes itself. */
static edge_status edge_conv_geometry(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      bool transposed, bool int8, int32_t window[EDGE_WINDOW_RUNS][3], edge_error *error)
{
    edge_conv_params *g = &op->params.conv;
    edge_status status = int8 ? edge_check_arity(op, 4, 4, 2, 1, error) : edge_check_arity(op, 2, 3, 2, 1, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *w = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    const edge_tensor *b = op->input_count > 2 ? edge_op_input(model, op, 2) : NULL;
    char sx[EDGE_SHAPE_TEXT], sw[EDGE_SHAPE_TEXT];
    if (int8 && x->rank == 5)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "input %s: 3-D convolutions run in float32 only", edge_shape_text(x, sx));
    if (x->rank < 3 || x->rank > 5 || w->rank != x->rank || y->rank != x->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s, weight %s and output must all be 3-D, all 4-D or all 5-D",
                            edge_shape_text(x, sx), edge_shape_text(w, sw));
    int axes = x->rank == 5 ? 3 : 2;
    unsigned fields = 1 + 4 * (unsigned)axes;
    status = edge_check_params(op, params_size, fields + (int8 ? 2 : 3), error);
    if (status == EDGE_OK && !int8) status = edge_read_activation(op, params, fields, &g->activation, error);
    if (status != EDGE_OK) return status;
    if (!int8) {
        if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
        if ((status = edge_check_dtype(op, w, EDGE_DTYPE_FLOAT32, "weight", error)) != EDGE_OK) return status;
        if (b && (status = edge_check_dtype(op, b, EDGE_DTYPE_FLOAT32, "bias", error)) != EDGE_OK) return status;
        if ((status = edge_check_dtype(op, y, EDGE_DTYPE_FLOAT32, "output", error)) != EDGE_OK) return status;
    }
    /* Geometry stays far from overflow in 32-bit arithmetic: every field and extent below 2^24. */
    int32_t group = edge_read_i32(params);
    if (group < 1 || group > (1 << 24))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "group is %d, expected 1 to %d", (int)group, 1 << 24);
    if ((status = edge_read_window(op, params, 1, axes, EDGE_WINDOW_STRIDE, window, error)) != EDGE_OK) return status;
    size_t in[3], kernel[3], out[3];
    edge_window_dims(x, in);
    edge_window_dims(w, kernel);
    edge_window_dims(y, out);
    g->batch = x->dims[0];
    g->in_channels = x->dims[1];
    g->in_depth = in[0], g->in_height = in[1], g->in_width = in[2];
    g->kernel_depth = kernel[0], g->kernel_height = kernel[1], g->kernel_width = kernel[2];
    g->out_depth = out[0], g->out_height = out[1], g->out_width = out[2];
    g->group = (size_t)group;
    g->stride_d = window[EDGE_WINDOW_STRIDE][0];
    g->stride_h = window[EDGE_WINDOW_STRIDE][1];
    g->stride_w = window[EDGE_WINDOW_STRIDE][2];
    g->dilation_d = window[EDGE_WINDOW_DILATION][0];
    g->dilation_h = window[EDGE_WINDOW_DILATION][1];
    g->dilation_w = window[EDGE_WINDOW_DILATION][2];
    g->pad_front = window[EDGE_WINDOW_PAD_BEGIN][0];
    g->pad_top = window[EDGE_WINDOW_PAD_BEGIN][1];
    g->pad_left = window[EDGE_WINDOW_PAD_BEGIN][2];
    for (int32_t d = 2; d < x->rank; d++)
        if (x->dims[d] > (1u << 24) || w->dims[d] > (1u << 24) || y->dims[d] > (1u << 24))
            return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "spatial sizes above 2^24 are not supported");
    g->planar = g->in_depth == 1 && g->out_depth == 1 && g->kernel_depth == 1 && g->pad_front == 0;
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
    int32_t window[EDGE_WINDOW_RUNS][3];
    edge_status status = edge_conv_geometry(model, op, params, params_size, false, int8, window, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    const int32_t *end = window[EDGE_WINDOW_PAD_END];
    int64_t depth = edge_conv_extent((int64_t)g->in_depth, (int64_t)g->kernel_depth, g->stride_d, g->dilation_d, g->pad_front, end[0]);
    int64_t height = edge_conv_extent((int64_t)g->in_height, (int64_t)g->kernel_height, g->stride_h, g->dilation_h, g->pad_top, end[1]);
    int64_t width = edge_conv_extent((int64_t)g->in_width, (int64_t)g->kernel_width, g->stride_w, g->dilation_w, g->pad_left, end[2]);
    bool volumetric = edge_op_input(model, op, 0)->rank == 5;
    char a[EDGE_SHAPE_TEXT], b[EDGE_SHAPE_TEXT];
    if (depth < 1 || height < 1 || width < 1)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the %s kernel does not fit the padded %s input",
                            edge_window_text(g->kernel_depth, g->kernel_height, g->kernel_width, volumetric, a),
                            edge_window_text(g->in_depth, g->in_height, g->in_width, volumetric, b));
    if ((size_t)depth != g->out_depth || (size_t)height != g->out_height || (size_t)width != g->out_width)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %s, the geometry gives %s",
                            edge_window_text(g->out_depth, g->out_height, g->out_width, volumetric, a),
                            edge_window_text((size_t)depth, (size_t)height, (size_t)width, volumetric, b));
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    /* kernels/depthwise.c runs 2-D planes; a 3-D depthwise convolution runs as a grouped one. */
    g->depthwise = cg == 1 && mg == 1 && g->planar;
    g->pointwise = g->kernel_depth == 1 && g->kernel_height == 1 && g->kernel_width == 1 && g->stride_d == 1 && g->stride_h == 1 &&
                   g->stride_w == 1 && g->pad_front == 0 && g->pad_top == 0 && g->pad_left == 0 && g->out_depth == g->in_depth &&
                   g->out_height == g->in_height && g->out_width == g->in_width;
    return EDGE_OK;
}

/* Elements of one channel's input, output and kernel. */
static size_t edge_conv_in_volume(const edge_conv_params *g) { return g->in_depth * g->in_height * g->in_width; }
static size_t edge_conv_out_volume(const edge_conv_params *g) { return g->out_depth * g->out_height * g->out_width; }
static size_t edge_conv_taps(const edge_conv_params *g) { return g->kernel_depth * g->kernel_height * g->kernel_width; }

/*
 * Stride-1 2-D convolutions read their columns in place (an implicit im2col): the group's input is
 * copied once into planes with their padding written out (padded_height × padded_width each), and
 * the outputs are computed over rows as wide as a padded plane, out_height × padded_width of them,
 * the last (kernel_width − 1) · dilation_w columns of each row dropped. Then tap (c, ki, kj) of every
 * output is one run of memory, at c · plane + ki · dilation_h · width + kj · dilation_w from the
 * output's own position, and the multiply reads B's rows through one pointer per tap
 * (edge_sgemm_rows). Packing im2col columns had been 18% of float resnet18, the panel's stores
 * most of it; this copies the input once instead of once per tap. Taken where at most a quarter of
 * the computed columns are dropped and the scratch is within EDGE_IMPLICIT_BUDGET.
 */
typedef struct edge_conv_implicit {
    size_t height, width, plane; /* a padded plane */
    size_t padded;               /* floats of the padded planes with the tiles' slack */
    size_t columns;              /* outputs computed per channel: out_height × width */
    size_t planes, outputs, rows; /* scratch offsets (the multiply's own scratch first) */
    size_t bytes;
} edge_conv_implicit;

static bool edge_conv_implicit_plan(const edge_conv_params *g, edge_conv_implicit *plan)
{
    if (!g->planar || g->pointwise || g->depthwise || g->stride_h != 1 || g->stride_w != 1) return false;
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group, depth = cg * edge_conv_taps(g);
    size_t dropped = (g->kernel_width - 1) * (size_t)g->dilation_w, size;
    plan->height = edge_conv_padded_height(g), plan->width = edge_conv_padded_width(g);
    if (dropped * 4 > plan->width) return false;
    size_t slack = dropped + 2 * EDGE_GEMM_NR; /* the last tile's reads past the last row */
    if (!edge_size_mul(plan->height, plan->width, &plan->plane) || !edge_size_mul(plan->plane, cg, &size) ||
        !edge_size_add(size, slack, &plan->padded) || !edge_size_mul(g->out_height, plan->width, &plan->columns))
        return false;
    if (!edge_size_align(edge_gemm_rows_scratch_bytes(mg, depth), &plan->planes) || !edge_size_mul(plan->padded, sizeof(float), &size) ||
        !edge_size_align(size, &size) || !edge_size_add(plan->planes, size, &plan->outputs))
        return false;
    if (!edge_size_mul(plan->columns, mg, &size) || !edge_size_mul(size, sizeof(float), &size) || !edge_size_align(size, &size) ||
        !edge_size_add(plan->outputs, size, &plan->rows))
        return false;
    return edge_size_mul(depth, sizeof(float *), &size) && edge_size_add(plan->rows, size, &plan->bytes) &&
           plan->bytes <= EDGE_IMPLICIT_BUDGET;
}

edge_status edge_conv_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_conv_window_prepare(model, op, params, params_size, false, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t depth = cg * edge_conv_taps(g); /* fits: the weight tensor holds mg × depth floats */
    edge_conv_implicit plan;
    if (g->depthwise) op->scratch_bytes = edge_depthwise_scratch_bytes(g);
    else if (edge_conv_implicit_plan(g, &plan)) op->scratch_bytes = plan.bytes;
    else op->scratch_bytes = edge_gemm_scratch_bytes(mg, edge_conv_out_volume(g), depth);
    if (op->scratch_bytes == 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the convolution's sizes overflow");
    return EDGE_OK;
}

/* One group of one batch item through the implicit im2col (plan above): xg its first input channel,
   yg its first output channel; `clear` for the first of an invoke, which writes the planes' zeros
   and the taps' pointers (the scratch is shared with the other operators). */
static void edge_conv_implicit_group(const edge_conv_params *g, const edge_conv_implicit *plan, const float *xg, const float *wg,
                                     const float *bias, float *yg, uint8_t *scratch, bool clear)
{
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group, taps = g->kernel_height * g->kernel_width;
    size_t top = (size_t)g->pad_top, left = (size_t)g->pad_left, width = plan->width;
    size_t copied = width > left ? edge_min(g->in_width, width - left) : 0;
    float *padded = (float *)(void *)(scratch + plan->planes), *outputs = (float *)(void *)(scratch + plan->outputs);
    const float **rows = (const float **)(void *)(scratch + plan->rows);
    if (clear) { /* the padding and the taps' pointers: the same for every group and batch item */
        memset(padded, 0, plan->padded * sizeof(float));
        for (size_t c = 0, p = 0; c < cg; c++)
            for (size_t t = 0; t < taps; t++, p++)
                rows[p] = padded + c * plan->plane + t / g->kernel_width * (size_t)g->dilation_h * width +
                          t % g->kernel_width * (size_t)g->dilation_w;
    }
    for (size_t c = 0; c < cg; c++)
        for (size_t ih = 0; ih < g->in_height && top + ih < plan->height; ih++)
            edge_copy_floats(padded + c * plan->plane + (top + ih) * width + left, xg + (c * g->in_height + ih) * g->in_width, copied, 1);
    edge_sgemm_rows(edge_float_best_tiles(), mg, plan->columns, cg * taps, wg, cg * taps, rows, outputs, plan->columns, bias, &g->activation,
                    (float *)(void *)scratch);
    size_t out_plane = g->out_height * g->out_width;
    for (size_t o = 0; o < mg; o++)
        for (size_t oh = 0; oh < g->out_height; oh++)
            edge_copy_floats(yg + o * out_plane + oh * g->out_width, outputs + o * plan->columns + oh * width, g->out_width, 1);
}

typedef struct edge_im2col {
    const edge_conv_params *g;
    const float *x; /* the group's first input channel */
} edge_im2col;

/* edge_pack_b for im2col columns: row (c, kd, ki, kj), column an output position (od, oh, ow);
   padding reads 0. `volumetric` is a constant in each of the two packers below, so the 2-D one
   carries no depth arithmetic (a depth coordinate decoded per row cost small 2-D convolutions 10%). */
static inline __attribute__((always_inline)) void edge_pack_columns(const void *source, size_t row, size_t rows, size_t column,
                                                                    size_t columns, float *panel, bool volumetric)
{
    const edge_im2col *s = source;
    const edge_conv_params *g = s->g;
    size_t plane_taps = g->kernel_height * g->kernel_width, taps = volumetric ? g->kernel_depth * plane_taps : plane_taps;
    size_t out_plane = g->out_height * g->out_width, in_plane = g->in_height * g->in_width;
    ptrdiff_t depth = (ptrdiff_t)g->in_depth, height = (ptrdiff_t)g->in_height, width = (ptrdiff_t)g->in_width;
    ptrdiff_t out_height = (ptrdiff_t)g->out_height, out_width = (ptrdiff_t)g->out_width;
    size_t padded = (columns + EDGE_GEMM_NR - 1) / EDGE_GEMM_NR * EDGE_GEMM_NR;
    for (size_t r = 0; r < rows; r++) {
        size_t p = row + r;
        size_t c = p / taps, kd = volumetric ? p % taps / plane_taps : 0;
        size_t ki = p % plane_taps / g->kernel_width, kj = p % g->kernel_width;
        const float *xc = s->x + c * (volumetric ? g->in_depth * in_plane : in_plane);
        float *line = panel + r * EDGE_GEMM_NR;
        ptrdiff_t shift_d = (ptrdiff_t)kd * g->dilation_d - g->pad_front;
        ptrdiff_t shift_h = (ptrdiff_t)ki * g->dilation_h - g->pad_top, shift_w = (ptrdiff_t)kj * g->dilation_w - g->pad_left;
        ptrdiff_t low = shift_w >= 0 ? 0 : (-shift_w + g->stride_w - 1) / g->stride_w;
        ptrdiff_t high = width - shift_w <= 0 ? 0 : (width - shift_w - 1) / g->stride_w + 1;
        if (high > out_width) high = out_width;
        if (low > high) low = high;
        size_t j = 0, position = volumetric ? column % out_plane : column;
        ptrdiff_t od = volumetric ? (ptrdiff_t)(column / out_plane) : 0;
        ptrdiff_t oh = (ptrdiff_t)(position / g->out_width), ow = (ptrdiff_t)(position % g->out_width);
        while (j < columns) {
            size_t run = (size_t)(out_width - ow);
            if (run > columns - j) run = columns - j;
            ptrdiff_t ih = oh * g->stride_h + shift_h, input_row = ih;
            bool row_inside = ih >= 0 && ih < height;
            if (volumetric) {
                ptrdiff_t id = od * g->stride_d + shift_d;
                row_inside = row_inside && id >= 0 && id < depth;
                input_row += id * height;
            }
            const float *source_row = row_inside ? xc + input_row * width : xc;
            /* A piece at a time that stays within one strip of the panel: the strip's address is
               worked out once per piece, and a piece inside the input at stride 1 is a plain copy. */
            for (size_t t = 0; t < run;) {
                size_t count = EDGE_GEMM_NR - j % EDGE_GEMM_NR;
                if (count > run - t) count = run - t;
                float *out = line + (j / EDGE_GEMM_NR) * rows * EDGE_GEMM_NR + j % EDGE_GEMM_NR;
                ptrdiff_t end = ow + (ptrdiff_t)count;
                if (!row_inside || end <= low || ow >= high) {
                    for (size_t k = 0; k < count; k++) out[k] = 0.0f;
                } else if (g->stride_w == 1 && ow >= low && end <= high) {
                    /* A whole strip row in a copy of fixed length (a variable one cost a call). */
                    const float *in = source_row + ow + shift_w;
                    if (count == EDGE_GEMM_NR) memcpy(out, in, EDGE_GEMM_NR * sizeof(float));
                    else for (size_t k = 0; k < count; k++) out[k] = in[k];
                } else if (ow >= low && end <= high) {
                    /* Strided, inside the input: no bounds to test (the first layers' stride 2). */
                    const float *in = source_row + ow * g->stride_w + shift_w;
                    for (size_t k = 0; k < count; k++) out[k] = in[(ptrdiff_t)k * g->stride_w];
                } else {
                    for (size_t k = 0; k < count; k++) {
                        ptrdiff_t at = ow + (ptrdiff_t)k;
                        out[k] = at >= low && at < high ? source_row[at * g->stride_w + shift_w] : 0.0f;
                    }
                }
                t += count, j += count, ow = end;
            }
            if (ow == out_width) {
                ow = 0;
                oh++;
                if (volumetric && oh == out_height) {
                    oh = 0;
                    od++;
                }
            }
        }
        for (; j < padded; j++) line[(j / EDGE_GEMM_NR) * rows * EDGE_GEMM_NR + j % EDGE_GEMM_NR] = 0.0f;
    }
}

static void edge_pack_im2col(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel)
{
    edge_pack_columns(source, row, rows, column, columns, panel, false);
}

static void edge_pack_vol2col(const void *source, size_t row, size_t rows, size_t column, size_t columns, float *panel)
{
    edge_pack_columns(source, row, rows, column, columns, panel, true);
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
    size_t in_volume = edge_conv_in_volume(g), out_volume = edge_conv_out_volume(g);
    size_t cg = g->in_channels / g->group, mg = g->out_channels / g->group;
    size_t depth = cg * edge_conv_taps(g);
    edge_conv_implicit plan;
    bool implicit = edge_conv_implicit_plan(g, &plan);
    for (size_t n = 0; n < g->batch; n++) {
        if (g->depthwise) break; /* all batches at once, below */
        for (size_t group = 0; group < g->group; group++) {
            const float *xg = x + (n * g->in_channels + group * cg) * in_volume;
            float *yg = y + (n * g->out_channels + group * mg) * out_volume;
            const float *wg = w + group * mg * depth;
            /* Bias and activation are applied as the multiply stores its last blocks. */
            const float *group_bias = bias ? bias + group * mg : NULL;
            if (implicit) {
                edge_conv_implicit_group(g, &plan, xg, wg, group_bias, yg, scratch, n == 0 && group == 0);
            } else if (g->pointwise) {
                edge_matrix source = {xg, in_volume, 1};
                edge_sgemm(mg, out_volume, depth, wg, depth, 1, edge_pack_matrix, &source, yg, out_volume, false, group_bias,
                           &g->activation, scratch);
            } else {
                edge_im2col source = {g, xg};
                edge_sgemm(mg, out_volume, depth, wg, depth, 1, g->planar ? edge_pack_im2col : edge_pack_vol2col, &source, yg, out_volume,
                           false, group_bias, &g->activation, scratch);
            }
        }
    }
    if (g->depthwise) {
        edge_depthwise(g, x, w, bias, &g->activation, y, scratch);
    }
    return EDGE_OK;
}

/* ---- CONV_TRANSPOSE ---------------------------------------------------------------------------- */

static size_t edge_col2im_chunk(const edge_conv_params *g)
{
    size_t rows = g->out_channels / g->group * edge_conv_taps(g);
    size_t in_volume = edge_conv_in_volume(g);
    size_t chunk = EDGE_COL2IM_BUDGET / rows;
    if (chunk < 1) chunk = 1;
    return chunk < in_volume ? chunk : in_volume;
}

/* The length of one output axis without output_padding and output_shape: stride·(in-1) + dilated
   kernel - pads (those only add rows and columns at the end, which receive only the bias). */
static int64_t edge_transposed_extent(int64_t input, int64_t kernel, int64_t stride, int64_t dilation, int64_t begin, int64_t end)
{
    return stride * (input - 1) + (kernel - 1) * dilation + 1 - begin - end;
}

edge_status edge_conv_transpose_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                        edge_error *error)
{
    int32_t window[EDGE_WINDOW_RUNS][3];
    edge_status status = edge_conv_geometry(model, op, params, params_size, true, false, window, error);
    if (status != EDGE_OK) return status;
    edge_conv_params *g = &op->params.conv;
    const int32_t *end = window[EDGE_WINDOW_PAD_END];
    int64_t depth = edge_transposed_extent((int64_t)g->in_depth, (int64_t)g->kernel_depth, g->stride_d, g->dilation_d, g->pad_front, end[0]);
    int64_t height = edge_transposed_extent((int64_t)g->in_height, (int64_t)g->kernel_height, g->stride_h, g->dilation_h, g->pad_top, end[1]);
    int64_t width = edge_transposed_extent((int64_t)g->in_width, (int64_t)g->kernel_width, g->stride_w, g->dilation_w, g->pad_left, end[2]);
    if (depth + g->pad_front + end[0] > (1 << 30) || height + g->pad_top + end[1] > (1 << 30) || width + g->pad_left + end[2] > (1 << 30))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "output extents above 2^30 are not supported");
    bool volumetric = edge_op_input(model, op, 0)->rank == 5;
    char a[EDGE_SHAPE_TEXT], b[EDGE_SHAPE_TEXT];
    if ((int64_t)g->out_depth < depth || (int64_t)g->out_height < height || (int64_t)g->out_width < width)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output is %s, the geometry gives at least %s",
                            edge_window_text(g->out_depth, g->out_height, g->out_width, volumetric, a),
                            edge_window_text((size_t)(depth > 0 ? depth : 0), (size_t)(height > 0 ? height : 0),
                                             (size_t)(width > 0 ? width : 0), volumetric, b));
    g->depthwise = false;
    g->pointwise = false;
    size_t rows = g->out_channels / g->group * edge_conv_taps(g); /* fits: the weight holds C × rows floats */
    size_t chunk = edge_col2im_chunk(g), columns, gemm;
    gemm = edge_gemm_scratch_bytes(rows, chunk, g->in_channels / g->group);
    if (!edge_size_mul(rows, chunk, &columns) || !edge_size_mul(columns, sizeof(float), &columns) ||
        !edge_size_align(columns, &columns) || !edge_size_add(columns, gemm, &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    return EDGE_OK;
}

/* col2im: adds the column block of input positions j0 .. j0 + width - 1 (row (m, kd, ki, kj) of
   the block holds tap (kd, ki, kj) of output channel m) into the group's output `yg`. `volumetric`
   is a constant in each call, so the 2-D scatter carries no depth arithmetic. */
static inline __attribute__((always_inline)) void edge_scatter_columns(const edge_conv_params *g, const float *columns, size_t rows, size_t j0,
                                                                       size_t width, float *yg, bool volumetric)
{
    size_t plane_taps = g->kernel_height * g->kernel_width, taps = volumetric ? g->kernel_depth * plane_taps : plane_taps;
    size_t in_plane = g->in_height * g->in_width, out_plane = g->out_height * g->out_width;
    size_t out_volume = volumetric ? g->out_depth * out_plane : out_plane;
    ptrdiff_t out_depth = (ptrdiff_t)g->out_depth, out_height = (ptrdiff_t)g->out_height, out_width = (ptrdiff_t)g->out_width;
    for (size_t r = 0; r < rows; r++) {
        size_t m = r / taps, kd = volumetric ? r % taps / plane_taps : 0;
        size_t ki = r % plane_taps / g->kernel_width, kj = r % g->kernel_width;
        const float *line = columns + r * width;
        float *ym = yg + m * out_volume;
        size_t position = volumetric ? j0 % in_plane : j0;
        ptrdiff_t ih = (ptrdiff_t)(position / g->in_width), iw = (ptrdiff_t)(position % g->in_width), od = 0;
        if (volumetric) { /* the output plane input plane id scatters into, or NULL in the padding */
            od = (ptrdiff_t)(j0 / in_plane) * g->stride_d - g->pad_front + (ptrdiff_t)kd * g->dilation_d;
            ym = od >= 0 && od < out_depth ? yg + m * out_volume + (size_t)od * out_plane : NULL;
        }
        for (size_t j = 0; j < width; j++) {
            ptrdiff_t oh = ih * g->stride_h - g->pad_top + (ptrdiff_t)ki * g->dilation_h;
            ptrdiff_t ow = iw * g->stride_w - g->pad_left + (ptrdiff_t)kj * g->dilation_w;
            if ((!volumetric || ym) && oh >= 0 && oh < out_height && ow >= 0 && ow < out_width) ym[oh * out_width + ow] += line[j];
            if (++iw == (ptrdiff_t)g->in_width) {
                iw = 0;
                ih++;
                if (volumetric && ih == (ptrdiff_t)g->in_height) {
                    ih = 0;
                    od += g->stride_d;
                    ym = od >= 0 && od < out_depth ? yg + m * out_volume + (size_t)od * out_plane : NULL;
                }
            }
        }
    }
}

static void edge_scatter_planar(const edge_conv_params *g, const float *columns, size_t rows, size_t j0, size_t width, float *yg)
{
    edge_scatter_columns(g, columns, rows, j0, width, yg, false);
}

static void edge_scatter_volume(const edge_conv_params *g, const float *columns, size_t rows, size_t j0, size_t width, float *yg)
{
    edge_scatter_columns(g, columns, rows, j0, width, yg, true);
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
    size_t rows = mg * edge_conv_taps(g), in_volume = edge_conv_in_volume(g), out_volume = edge_conv_out_volume(g);
    size_t chunk = edge_col2im_chunk(g);
    float *columns = scratch;
    size_t columns_bytes = (rows * chunk * sizeof(float) + EDGE_ALIGNMENT - 1) & ~(size_t)(EDGE_ALIGNMENT - 1);
    float *gemm_scratch = (float *)((uint8_t *)scratch + columns_bytes);
    for (size_t i = 0; i < g->batch * g->out_channels * out_volume; i++) y[i] = 0.0f;
    for (size_t n = 0; n < g->batch; n++) {
        for (size_t group = 0; group < g->group; group++) {
            const float *xg = x + (n * g->in_channels + group * cg) * in_volume;
            const float *wg = w + group * cg * rows; /* [cg × rows]; its transpose multiplies X */
            float *yg = y + (n * g->out_channels + group * mg) * out_volume;
            for (size_t j0 = 0; j0 < in_volume; j0 += chunk) {
                size_t width = chunk < in_volume - j0 ? chunk : in_volume - j0;
                edge_matrix source = {xg + j0, in_volume, 1};
                edge_sgemm(rows, width, cg, wg, 1, rows, edge_pack_matrix, &source, columns, width, false, NULL, NULL, gemm_scratch);
                (g->planar ? edge_scatter_planar : edge_scatter_volume)(g, columns, rows, j0, width, yg);
            }
        }
    }
    edge_bias_activate(y, g->batch, g->out_channels, out_volume, bias, &g->activation);
    return EDGE_OK;
}
