/*
 * depthwise.c — CONV's depthwise convolutions (one input and one output channel per group), the
 * float counterpart of the int8 path in int8_fast.c.
 *
 * A channel at a time: the plane is copied once split by stride into phases (padded row r, column c
 * go to phase (r mod stride_h, c mod stride_w), at row r / stride_h, column c / stride_w of it), its
 * padding zeros written once per invoke, so that tap (ki, kj) of output (oh, ow) sits at a fixed
 * offset from oh · width + ow of one phase. All outputs of the channel are then one flat run (the
 * columns past out_width computed and dropped), accumulated 8 at a time over every tap in
 * registers, and the rows closed up into y. Each output sums its taps in the reference's order
 * (conv.c), from 0, multiply then add; a padded tap adds w · 0 where the reference skips it.
 * x86-64 CPUs with AVX2 run the same loop compiled for it (chosen at run time).
 */
#include "../internal.h"

/* Outputs a block accumulates; the run is computed up to a multiple of this (the scratch's slack). */
#define EDGE_DEPTHWISE_BLOCK 32
/* Taps accumulated at once (a 5 × 5 kernel; larger ones in parts). */
#define EDGE_DEPTHWISE_TAPS 25

typedef struct edge_depthwise_plane {
    size_t padded_height, padded_width; /* rows and columns of the padded input the windows reach */
    size_t rows, width, phase;          /* of a phase; floats in a phase */
    size_t outputs;                     /* scratch offset of the outputs */
} edge_depthwise_plane;

/* Scratch: the phases, then a phase row and a block for the reads of the dropped columns and of the
   last block past the end; the outputs and a block's slack. */
static bool edge_depthwise_geometry(const edge_conv_params *g, edge_depthwise_plane *p, size_t *bytes)
{
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w, size, outputs;
    p->padded_height = edge_conv_padded_height(g);
    p->padded_width = edge_conv_padded_width(g);
    p->rows = (p->padded_height + sh - 1) / sh;
    p->width = (p->padded_width + sw - 1) / sw;
    if (!edge_size_mul(p->rows, p->width, &p->phase) || !edge_size_mul(p->phase, sh * sw, &size) ||
        !edge_size_add(size, p->width + EDGE_DEPTHWISE_BLOCK, &size) || !edge_size_mul(size, sizeof(float), &size) ||
        !edge_size_align(size, &p->outputs))
        return false;
    if (!edge_size_mul(g->out_height, p->width, &outputs) || !edge_size_add(outputs, EDGE_DEPTHWISE_BLOCK, &size) ||
        !edge_size_mul(size, sizeof(float), &size))
        return false;
    return edge_size_add(p->outputs, size, bytes);
}

size_t edge_depthwise_scratch_bytes(const edge_conv_params *g)
{
    edge_depthwise_plane plane;
    size_t bytes;
    return edge_depthwise_geometry(g, &plane, &bytes) ? bytes : 0;
}

/* Eight floats as one value: gcc and clang keep it in one vector register (AVX), two (SSE, NEON),
   or in pieces where there is no vector unit. The loops below written over float arrays instead
   were left scalar by gcc's vectorizer. Loads and stores go through memcpy: the runs are unaligned. */
typedef float edge_f32x8 __attribute__((vector_size(32)));

/* A macro, not a function: a function returning a vector would change its ABI with the target. */
#define EDGE_F32X8_LOAD(p) (__extension__({ edge_f32x8 v_; memcpy(&v_, (p), sizeof v_); v_; }))

/* The plane's zeros: the padding, the rows past the input, the columns past the padded width and
   the slack. The same for every channel, so written once per invoke; each channel then writes only
   its input's values (edge_depthwise_spread). */
static void edge_depthwise_clear(const edge_conv_params *g, const edge_depthwise_plane *p, float *plane)
{
    memset(plane, 0, ((size_t)g->stride_h * (size_t)g->stride_w * p->phase + p->width + EDGE_DEPTHWISE_BLOCK) * sizeof(float));
}

/* The input's values into the plane's phases: padded row r, column c (input row r − pad_top, column
   c − pad_left) go to phase (r mod stride_h, c mod stride_w), row r / stride_h, column c / stride_w
   of it, each phase's columns of a row as one strided copy from the input row. A phase's first column
   and count are found once, and rows are counted, not divided (divisions per row were half of a
   stride-2 layer's time). */
static void edge_depthwise_spread(const edge_conv_params *g, const edge_depthwise_plane *p, const float *x, float *plane)
{
    size_t sh = (size_t)g->stride_h, sw = (size_t)g->stride_w, top = (size_t)g->pad_top, left = (size_t)g->pad_left;
    size_t begin = edge_min(left, p->padded_width), end = edge_min(left + g->in_width, p->padded_width);
    size_t rows = edge_min(g->in_height, p->padded_height > top ? p->padded_height - top : 0);
    if (end <= begin) return; /* no input column inside the windows; otherwise begin is `left` */
    if (sw == 2) { /* every stride-2 network: both phases in one pass over the row */
        size_t pairs = (end - begin) / 2, phase_row = top % sh, row_in_phase = top / sh;
        float *first = plane + begin % 2 * p->phase + begin / 2, *second = plane + (begin + 1) % 2 * p->phase + (begin + 1) / 2;
        for (size_t ih = 0; ih < rows; ih++) {
            size_t offset = phase_row * 2 * p->phase + row_in_phase * p->width;
            const float *source = x + ih * g->in_width;
            float *a = first + offset, *b = second + offset;
            for (size_t j = 0; j < pairs; j++) {
                a[j] = source[2 * j];
                b[j] = source[2 * j + 1];
            }
            if ((end - begin) % 2) a[pairs] = source[2 * pairs];
            if (++phase_row == sh) phase_row = 0, row_in_phase++;
        }
        return;
    }
    for (size_t q = 0; q < sw; q++) {
        size_t c = begin + (q + sw - begin % sw) % sw; /* the first column of phase q */
        if (c >= end) continue;
        size_t count = (end - c + sw - 1) / sw, phase_row = top % sh, row_in_phase = top / sh;
        float *column = plane + q * p->phase + c / sw;
        for (size_t ih = 0; ih < rows; ih++) {
            edge_copy_floats(column + phase_row * sw * p->phase + row_in_phase * p->width, x + ih * g->in_width + (c - left), count, sw);
            if (++phase_row == sh) phase_row = 0, row_in_phase++;
        }
    }
}

/* acc[i] (+)= Σ_t w[t] · x[t][i] for i < n rounded up to a block; `first` starts from 0. A block is
   four vectors: four independent sums keep the adds' latency hidden and share each weight. */
#define EDGE_DEPTHWISE_TAPS_BODY                                                                                  \
    for (size_t i = 0; i < n; i += EDGE_DEPTHWISE_BLOCK) {                                                        \
        edge_f32x8 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};                                                        \
        if (!first) {                                                                                             \
            s0 = EDGE_F32X8_LOAD(acc + i), s1 = EDGE_F32X8_LOAD(acc + i + 8);                                     \
            s2 = EDGE_F32X8_LOAD(acc + i + 16), s3 = EDGE_F32X8_LOAD(acc + i + 24);                               \
        }                                                                                                         \
        for (size_t t = 0; t < taps; t++) {                                                                       \
            const float *column = x[t] + i;                                                                       \
            float weight = w[t];                                                                                  \
            s0 = s0 + weight * EDGE_F32X8_LOAD(column), s1 = s1 + weight * EDGE_F32X8_LOAD(column + 8);           \
            s2 = s2 + weight * EDGE_F32X8_LOAD(column + 16), s3 = s3 + weight * EDGE_F32X8_LOAD(column + 24);     \
        }                                                                                                         \
        memcpy(acc + i, &s0, sizeof s0), memcpy(acc + i + 8, &s1, sizeof s1);                                     \
        memcpy(acc + i + 16, &s2, sizeof s2), memcpy(acc + i + 24, &s3, sizeof s3);                               \
    }

static void edge_depthwise_taps(size_t n, size_t taps, const float *const *x, const float *w, bool first, float *restrict acc)
{
    EDGE_DEPTHWISE_TAPS_BODY
}

#if defined(__x86_64__) && defined(__GNUC__)
#define EDGE_DEPTHWISE_AVX2 1
__attribute__((target("avx2"))) static void edge_depthwise_taps_avx2(size_t n, size_t taps, const float *const *x, const float *w,
                                                                     bool first, float *restrict acc)
{
    EDGE_DEPTHWISE_TAPS_BODY
}
#endif

/* The start of each tap's run in the phases: tap (ki, kj) of output (oh, ow) is at oh · width + ow
   from it. The same for every channel. */
static void edge_depthwise_columns(const edge_conv_params *g, const edge_depthwise_plane *p, const float *plane, size_t first, size_t count,
                                   const float **columns)
{
    size_t kw = g->kernel_width, sh = (size_t)g->stride_h, sw = (size_t)g->stride_w;
    for (size_t t = 0; t < count; t++) {
        size_t down = (first + t) / kw * (size_t)g->dilation_h, across = (first + t) % kw * (size_t)g->dilation_w;
        columns[t] = plane + (down % sh * sw + across % sw) * p->phase + down / sh * p->width + across / sw;
    }
}

void edge_depthwise(const edge_conv_params *g, const float *x, const float *w, const float *bias, const edge_activation *activation, float *y,
                    void *scratch)
{
    edge_depthwise_plane p;
    size_t bytes, taps = g->kernel_height * g->kernel_width, out_w = g->out_width, out_plane = g->out_height * out_w;
    edge_depthwise_geometry(g, &p, &bytes); /* prepare reserved these bytes */
    size_t outputs = g->out_height * p.width;
    float *plane = scratch, *acc = (float *)(void *)((uint8_t *)scratch + p.outputs);
    void (*accumulate)(size_t, size_t, const float *const *, const float *, bool, float *) = edge_depthwise_taps;
#ifdef EDGE_DEPTHWISE_AVX2
    if (__builtin_cpu_supports("avx2")) accumulate = edge_depthwise_taps_avx2;
#endif
    edge_depthwise_clear(g, &p, plane);
    const float *columns[EDGE_DEPTHWISE_TAPS];
    size_t channel = 0;
    for (size_t index = 0; index < g->batch * g->out_channels; index++) {
        float *yc = y + index * out_plane;
        edge_depthwise_spread(g, &p, x + index * g->in_height * g->in_width, plane);
        for (size_t t0 = 0; t0 < taps; t0 += EDGE_DEPTHWISE_TAPS) {
            size_t count = edge_min(EDGE_DEPTHWISE_TAPS, taps - t0);
            if (index == 0 || taps > EDGE_DEPTHWISE_TAPS) edge_depthwise_columns(g, &p, plane, t0, count, columns);
            accumulate(outputs, count, columns, w + channel * taps + t0, t0 == 0, acc);
        }
        for (size_t oh = 0; oh < g->out_height; oh++) edge_copy_floats(yc + oh * out_w, acc + oh * p.width, out_w, 1);
        /* While the channel is in cache. */
        edge_bias_activate(yc, 1, 1, out_plane, bias ? bias + channel : NULL, activation);
        if (++channel == g->out_channels) channel = 0;
    }
}
