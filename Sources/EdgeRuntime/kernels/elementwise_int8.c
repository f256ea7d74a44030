/*
 * elementwise_int8.c — ADD_INT8 and MUL_INT8 (NumPy broadcasting, as BINARY), LOOKUP (a 256-entry
 * table per int8 value: the compiler tabulates Sigmoid, HardSwish, ...) and CONCAT_INT8 (inputs
 * requantized to the output's scale and zero point, or copied when they share it).
 */
#include "../internal.h"
#include "int8_fast.h"
#include "requantize.h"

/* ---- ADD_INT8, MUL_INT8 ------------------------------------------------------------------------ */

/* What ADD_INT8 and MUL_INT8 share: two int8 operands broadcast to the output, then, at the end of
   their `fields` params, `out_multiplier, out_shift, act_min, act_max`. */
static edge_status edge_binary_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                            unsigned fields, edge_error *error)
{
    edge_binary_int8_params *g = &op->params.binary_int8;
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, fields, error);
    if (status == EDGE_OK) status = edge_read_int8_clamp(op, params, fields - 2, &g->act_min, &g->act_max, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *a = edge_op_input(model, op, 0), *b = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, a, "A", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, b, "B", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    if (!edge_broadcast_plan(a, b, y, &g->walk)) {
        char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not the broadcast of %s and %s", edge_shape_text(y, sy),
                            edge_shape_text(a, sa), edge_shape_text(b, sb));
    }
    g->a_zero = a->zero_point;
    g->b_zero = b->zero_point;
    g->output_zero = y->zero_point;
    g->out_multiplier = edge_read_i32(params + 4 * (fields - 4));
    g->out_shift = edge_read_i32(params + 4 * (fields - 3));
    /* The fast path takes rows contiguous in both operands or in one with the other constant along
       them. Once collapsed, every broadcast's last axis steps by 0 or 1 in each operand, so that is
       every broadcast but a one-value output. ADD builds two 256-entry tables a run: below 256
       values the reference walk is faster. */
    g->kernels = NULL;
    if (y->count >= (op->kind == EDGE_OP_ADD_INT8 ? 256u : 64u)) g->kernels = edge_int8_best_kernels();
    if (g->kernels) op->scratch_bytes = EDGE_BINARY_INT8_FAST_SCRATCH;
    return edge_check_requantization(op, g->out_multiplier, g->out_shift, "out", error);
}

/* ADD_INT8: `left_shift, a_multiplier, a_shift, b_multiplier, b_shift` before the shared fields. */
edge_status edge_add_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                  edge_error *error)
{
    edge_status status = edge_binary_int8_prepare(model, op, params, params_size, 9, error);
    if (status != EDGE_OK) return status;
    edge_binary_int8_params *g = &op->params.binary_int8;
    g->left_shift = edge_read_i32(params);
    g->a_multiplier = edge_read_i32(params + 4);
    g->a_shift = edge_read_i32(params + 8);
    g->b_multiplier = edge_read_i32(params + 12);
    g->b_shift = edge_read_i32(params + 16);
    /* With these bounds |a'| and |b'| stay below 255 · 2^22, so a' + b' cannot overflow. */
    if (g->left_shift < 0 || g->left_shift > 22)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "left_shift is %d, expected 0 to 22", (int)g->left_shift);
    if ((status = edge_check_requantization(op, g->a_multiplier, g->a_shift, "a", error)) != EDGE_OK) return status;
    if ((status = edge_check_requantization(op, g->b_multiplier, g->b_shift, "b", error)) != EDGE_OK) return status;
    if (g->a_shift > 0 || g->b_shift > 0)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "a_shift %d and b_shift %d must be <= 0 (input factors below 1)", (int)g->a_shift,
                            (int)g->b_shift);
    return EDGE_OK;
}

/* MUL_INT8: the shared fields only. */
edge_status edge_mul_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                  edge_error *error)
{
    return edge_binary_int8_prepare(model, op, params, params_size, 4, error);
}

static inline int8_t edge_add_int8(const edge_binary_int8_params *g, int32_t a, int32_t b)
{
    int32_t sa = edge_requantize((a - g->a_zero) * (1 << g->left_shift), g->a_multiplier, g->a_shift);
    int32_t sb = edge_requantize((b - g->b_zero) * (1 << g->left_shift), g->b_multiplier, g->b_shift);
    return edge_requantize_int8(sa + sb, g->out_multiplier, g->out_shift, g->output_zero, g->act_min, g->act_max);
}

static inline int8_t edge_mul_int8(const edge_binary_int8_params *g, int32_t a, int32_t b)
{
    return edge_requantize_int8((a - g->a_zero) * (b - g->b_zero), g->out_multiplier, g->out_shift, g->output_zero, g->act_min, g->act_max);
}

/* The outer walk both paths share: runs the body for each row r of the output's
   last axis (walk->dims[last] values, output row r at r · that; the operands' rows at a_offset, b_offset). */
#define EDGE_BINARY_ROWS(walk, ...)                                                                                                    \
    do {                                                                                                                               \
        int32_t last_ = (walk)->rank - 1;                                                                                              \
        size_t rows_ = 1;                                                                                                              \
        for (int32_t d_ = 0; d_ < last_; d_++) rows_ *= (walk)->dims[d_];                                                              \
        size_t index_[EDGE_MAX_RANK] = {0};                                                                                            \
        size_t a_offset = 0, b_offset = 0;                                                                                             \
        for (size_t r = 0; r < rows_; r++) {                                                                                           \
            __VA_ARGS__;                                                                                                               \
            for (int32_t d_ = last_ - 1; d_ >= 0; d_--) {                                                                              \
                a_offset += (walk)->a_strides[d_];                                                                                     \
                b_offset += (walk)->b_strides[d_];                                                                                     \
                if (++index_[d_] < (walk)->dims[d_]) break;                                                                            \
                a_offset -= (walk)->a_strides[d_] * index_[d_];                                                                        \
                b_offset -= (walk)->b_strides[d_] * index_[d_];                                                                        \
                index_[d_] = 0;                                                                                                        \
            }                                                                                                                          \
        }                                                                                                                              \
    } while (0)

/* The reference: the broadcast walk, a row of the output's last axis at a time, element by element;
   `add` picks the formula (a constant in each caller, so each gets its own loop). */
static inline void edge_binary_int8_walk(const edge_model *model, const edge_operator *op, uint8_t *arena, bool add)
{
    const edge_binary_int8_params *g = &op->params.binary_int8;
    const edge_broadcast *walk = &g->walk;
    const int8_t *a = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *b = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t n = walk->dims[walk->rank - 1], sa = walk->a_strides[walk->rank - 1], sb = walk->b_strides[walk->rank - 1];
    EDGE_BINARY_ROWS(walk, {
        const int8_t *pa = a + a_offset, *pb = b + b_offset;
        int8_t *row = y + r * n;
        if (add) {
            for (size_t i = 0; i < n; i++) row[i] = edge_add_int8(g, pa[i * sa], pb[i * sb]);
        } else {
            for (size_t i = 0; i < n; i++) row[i] = edge_mul_int8(g, pa[i * sa], pb[i * sb]);
        }
    });
}

void edge_binary_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena)
{
    edge_binary_int8_walk(model, op, arena, op->kind == EDGE_OP_ADD_INT8);
}

/*
 * The fast path (int8_fast.h). Each row has a contiguous operand x and an operand y that is either
 * contiguous too or one value along the row (A and B swapped where A is the constant one: both
 * formulas are symmetric once each operand keeps its own zero point, multiplier and shift). The
 * int32 accumulator of the reference — ADD: rescaled(a) + rescaled(b), MUL: (a − z_a) · (b − z_b) —
 * is formed for a chunk of the row, with ADD's rescaled values read from 256-entry tables of
 * rescaled(v) for every int8 v (the same function of v the reference computes), then the kernel
 * set's `requantize` writes the chunk's bytes. A long row against a constant becomes a 256-entry
 * table of the reference's own output bytes, one lookup per value.
 */
#define EDGE_BINARY_TABLE_ROW 1024 /* rows at least this long against a constant use an output table */

static inline int32_t edge_add_rescaled(const edge_binary_int8_params *g, int32_t v, int32_t zero, int32_t multiplier, int32_t shift)
{
    return edge_requantize((v - zero) * (1 << g->left_shift), multiplier, shift);
}

/* One row of n values: x contiguous, y contiguous (y_step 1) or one value (y_step 0), through the
   accumulator a chunk at a time. Always inlined with a literal `add` and `y_step`, so each caller
   gets its own loop with the constant operand's term hoisted. */
static inline __attribute__((always_inline)) void edge_binary_int8_row(bool add, size_t y_step, const int8_t *xs, const int8_t *ys, size_t n,
                                                                       const int32_t *table_x, const int32_t *table_y, int32_t zero_x,
                                                                       int32_t zero_y, const edge_binary_int8_params *g, int32_t *acc,
                                                                       const edge_int8_kernels *kernels, int8_t *row)
{
    for (size_t start = 0; start < n; start += EDGE_INT8_CHUNK) {
        size_t m = edge_min(n - start, EDGE_INT8_CHUNK);
        const int8_t *x = xs + start, *y = ys + start * y_step;
        if (add) {
            for (size_t i = 0; i < m; i++) acc[i] = table_x[x[i] + 128] + table_y[y[i * y_step] + 128];
        } else {
            for (size_t i = 0; i < m; i++) acc[i] = (x[i] - zero_x) * (y[i * y_step] - zero_y);
        }
        kernels->requantize(m, acc, g->out_multiplier, g->out_shift, g->output_zero, g->act_min, g->act_max, row + start);
    }
}

void edge_binary_int8_fast(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, const edge_int8_kernels *kernels)
{
    const edge_binary_int8_params *g = &op->params.binary_int8;
    const edge_broadcast *walk = &g->walk;
    bool add = op->kind == EDGE_OP_ADD_INT8;
    const int8_t *a = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const int8_t *b = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    int32_t *acc = (int32_t *)scratch, *table_a = acc + EDGE_INT8_CHUNK, *table_b = table_a + 256;
    int8_t *bytes = (int8_t *)(table_b + 256);
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last];
    bool a_constant = walk->a_strides[last] == 0, b_constant = walk->b_strides[last] == 0;
    bool byte_table = (a_constant || b_constant) && n >= EDGE_BINARY_TABLE_ROW;
    /* ADD's rescaled values, for the rows that read them (a byte table row computes its own). */
    if (add && !byte_table)
        for (int32_t v = -128; v < 128; v++) {
            table_a[v + 128] = edge_add_rescaled(g, v, g->a_zero, g->a_multiplier, g->a_shift);
            table_b[v + 128] = edge_add_rescaled(g, v, g->b_zero, g->b_multiplier, g->b_shift);
        }
    /* x: the contiguous operand; y: the other. */
    const int32_t *table_x = a_constant ? table_b : table_a, *table_y = a_constant ? table_a : table_b;
    int32_t zero_x = a_constant ? g->b_zero : g->a_zero, zero_y = a_constant ? g->a_zero : g->b_zero;
    EDGE_BINARY_ROWS(walk, {
        const int8_t *px = a_constant ? b + b_offset : a + a_offset, *py = a_constant ? a + a_offset : b + b_offset;
        int8_t *row = y + r * n;
        if (byte_table) {
            /* MUL's table is the products (v − z_x) · (y − z_y), exact in int32, requantized by the set's
               kernel as edge_mul_int8 does one; ADD's by the reference. The row is then the set's
               `lookup`: scalar, table and lookup were 9% of EfficientNet-B0 int8 (its
               squeeze-and-excitation Muls). */
            if (add) {
                for (int32_t v = -128; v < 128; v++) bytes[v + 128] = a_constant ? edge_add_int8(g, *py, v) : edge_add_int8(g, v, *py);
            } else {
                for (int32_t v = -128; v < 128; v++) acc[v + 128] = (v - zero_x) * (*py - zero_y);
                kernels->requantize(256, acc, g->out_multiplier, g->out_shift, g->output_zero, g->act_min, g->act_max, bytes);
            }
            kernels->lookup(n, px, bytes, row);
        } else if (a_constant || b_constant) {
            if (add) edge_binary_int8_row(true, 0, px, py, n, table_x, table_y, zero_x, zero_y, g, acc, kernels, row);
            else edge_binary_int8_row(false, 0, px, py, n, table_x, table_y, zero_x, zero_y, g, acc, kernels, row);
        } else {
            if (add) edge_binary_int8_row(true, 1, px, py, n, table_x, table_y, zero_x, zero_y, g, acc, kernels, row);
            else edge_binary_int8_row(false, 1, px, py, n, table_x, table_y, zero_x, zero_y, g, acc, kernels, row);
        }
    });
}

edge_status edge_add_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_int8_kernels *kernels = op->params.binary_int8.kernels;
    if (kernels) edge_binary_int8_fast(model, op, arena, scratch, kernels);
    else edge_binary_int8_walk(model, op, arena, true);
    return EDGE_OK;
}

edge_status edge_mul_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_int8_kernels *kernels = op->params.binary_int8.kernels;
    if (kernels) edge_binary_int8_fast(model, op, arena, scratch, kernels);
    else edge_binary_int8_walk(model, op, arena, false);
    return EDGE_OK;
}

/* ---- LOOKUP ------------------------------------------------------------------------------------ */

edge_status edge_lookup_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *t = edge_op_input(model, op, 1), *y = edge_op_output(model, op, 0);
    static const uint32_t table[1] = {256};
    if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_table(op, t, EDGE_DTYPE_INT8, 1, table, false, "table", error)) != EDGE_OK) return status;
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    if (!edge_same_shape(x, y)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    }
    return EDGE_OK;
}

edge_status edge_lookup_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_tensor *xt = edge_op_input(model, op, 0);
    const int8_t *x = (const int8_t *)edge_tensor_data(xt, arena);
    const int8_t *table = (const int8_t *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    int8_t *y = (int8_t *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    const edge_int8_kernels *kernels = edge_int8_best_kernels();
    (kernels ? kernels : &edge_int8_kernels_c)->lookup(xt->count, x, table, y);
    return EDGE_OK;
}

/* ---- CONCAT_INT8 ------------------------------------------------------------------------------- */

edge_status edge_concat_int8_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                     edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 255, 255, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1 + 2u * op->input_count, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *y = edge_op_output(model, op, 0);
    if ((status = edge_check_int8_activation(op, y, "output", error)) != EDGE_OK) return status;
    int32_t axis = edge_read_i32(params);
    if (axis < 0 || axis >= y->rank)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)axis, (int)y->rank);
    uint64_t sum = 0;
    char s1[EDGE_SHAPE_TEXT], s2[EDGE_SHAPE_TEXT];
    for (unsigned i = 0; i < op->input_count; i++) {
        const edge_tensor *x = edge_op_input(model, op, i);
        if ((status = edge_check_int8_activation(op, x, "input", error)) != EDGE_OK) return status;
        bool fits = x->rank == y->rank;
        for (int32_t d = 0; d < y->rank && fits; d++) fits = d == axis || x->dims[d] == y->dims[d];
        if (!fits)
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %u %s does not match output %s outside axis %d", i, edge_shape_text(x, s1),
                                edge_shape_text(y, s2), (int)axis);
        sum += x->dims[axis];
        int32_t multiplier = edge_read_i32(params + 4 + 8 * (size_t)i), shift = edge_read_i32(params + 8 + 8 * (size_t)i);
        if ((status = edge_check_requantization(op, multiplier, shift, "an input's", error)) != EDGE_OK) return status;
        if (multiplier == 0 && !edge_same_quantization(x, y))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %u ('%.60s') is copied (multiplier 0) but is quantized unlike the output", i,
                                x->name);
    }
    if (sum != y->dims[axis])
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "the inputs add up to %llu along axis %d, the output has %u", (unsigned long long)sum,
                            (int)axis, y->dims[axis]);
    edge_concat_int8_params *g = &op->params.concat_int8;
    g->axis.axis = axis;
    g->axis.outer = edge_dims_product(y, 0, axis);
    g->axis.inner_bytes = edge_dims_product(y, axis + 1, y->rank);
    g->fields = params + 4;
    g->kernels = edge_int8_best_kernels();
    if (g->kernels) op->scratch_bytes = EDGE_INT8_CHUNK * sizeof(int32_t);
    return EDGE_OK;
}

edge_status edge_concat_int8_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_int8_kernels *kernels = op->params.concat_int8.kernels;
    if (kernels) edge_concat_int8_fast(model, op, arena, scratch, kernels);
    else edge_concat_int8_reference(model, op, arena);
    return EDGE_OK;
}

void edge_concat_int8_reference(const edge_model *model, const edge_operator *op, uint8_t *arena)
{
    const edge_concat_int8_params *g = &op->params.concat_int8;
    const edge_tensor *yt = edge_op_output(model, op, 0);
    int8_t *y = (int8_t *)edge_tensor_data(yt, arena);
    for (size_t o = 0; o < g->axis.outer; o++) {
        for (unsigned i = 0; i < op->input_count; i++) {
            const edge_tensor *xt = edge_op_input(model, op, i);
            size_t block = xt->dims[g->axis.axis] * g->axis.inner_bytes;
            const int8_t *x = (const int8_t *)edge_tensor_data(xt, arena) + o * block;
            int32_t multiplier = edge_read_i32(g->fields + 8 * (size_t)i), shift = edge_read_i32(g->fields + 8 * (size_t)i + 4);
            if (multiplier == 0) {
                memcpy(y, x, block);
            } else {
                for (size_t j = 0; j < block; j++)
                    y[j] = edge_requantize_int8(x[j] - xt->zero_point, multiplier, shift, yt->zero_point, -128, 127);
            }
            y += block;
        }
    }
}
