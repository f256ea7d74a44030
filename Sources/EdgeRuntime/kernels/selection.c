/* selection.c — ops that walk a tensor line by line along one axis: CUMSUM (running sums of float32,
   int32 or int64), ARG_EXTREMUM (ArgMax and ArgMin: int64 positions) and TOP_K (the k best values of
   float32 lines and their int64 positions). */
#include "../internal.h"

/* The lines of `x` along `axis` into `g`. */
static void edge_line_plan(const edge_tensor *x, int32_t axis, edge_line_params *g)
{
    g->outer = edge_dims_product(x, 0, axis);
    g->length = x->dims[axis];
    g->inner = edge_dims_product(x, axis + 1, x->rank);
    g->dtype = x->dtype;
}

/* Reads a 0/1 field at params + 4 × field; `what` names it. */
static edge_status edge_read_flag(const edge_operator *op, const uint8_t *params, unsigned field, const char *what, bool *flag,
                                  edge_error *error)
{
    int32_t value = edge_read_i32(params + 4 * (size_t)field);
    if (value != 0 && value != 1) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %d, expected 0 or 1", what, (int)value);
    *flag = value == 1;
    return EDGE_OK;
}

/* Reads the axis field at params + 4 × field against `x`'s rank. */
static edge_status edge_read_axis(const edge_operator *op, const uint8_t *params, unsigned field, const edge_tensor *x, int32_t *axis,
                                  edge_error *error)
{
    int32_t raw = edge_read_i32(params + 4 * (size_t)field);
    *axis = edge_axis(raw, x->rank);
    if (*axis < 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d is out of range for rank %d", (int)raw, (int)x->rank);
    return EDGE_OK;
}

static bool edge_is_summable(uint32_t dtype)
{
    return dtype == EDGE_DTYPE_FLOAT32 || dtype == EDGE_DTYPE_INT32 || dtype == EDGE_DTYPE_INT64;
}

/* ---- CUMSUM ------------------------------------------------------------------------------------- */

edge_status edge_cumsum_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 3, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if ((status = edge_check_same_dtype(op, x, y, error)) != EDGE_OK) return status;
    if (!edge_is_summable(x->dtype))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "input '%.60s' is %s; CUMSUM sums float32, int32 and int64", x->name,
                            edge_dtype_name(x->dtype));
    if (!edge_same_shape(x, y)) {
        char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "input %s and output %s differ", edge_shape_text(x, sx), edge_shape_text(y, sy));
    }
    edge_line_params *g = &op->params.line;
    int32_t axis = 0;
    if ((status = edge_read_axis(op, params, 0, x, &axis, error)) != EDGE_OK) return status;
    if ((status = edge_read_flag(op, params, 1, "exclusive", &g->exclusive, error)) != EDGE_OK) return status;
    if ((status = edge_read_flag(op, params, 2, "reverse", &g->reverse, error)) != EDGE_OK) return status;
    edge_line_plan(x, axis, g);
    return EDGE_OK;
}

/* One line's running sum in type T (integers in their unsigned twin U, which wraps); each element
   is read before it is written, so the output may be the input. */
#define EDGE_CUMSUM(T, U)                                                                                         \
    do {                                                                                                          \
        const T *in = (const T *)(const void *)x;                                                                 \
        T *out = (T *)(void *)y;                                                                                  \
        for (size_t o = 0; o < g->outer; o++) {                                                                   \
            for (size_t i = 0; i < g->inner; i++) {                                                               \
                U sum = 0;                                                                                        \
                for (size_t step = 0; step < g->length; step++) {                                                 \
                    size_t index = (o * g->length + (g->reverse ? g->length - 1 - step : step)) * g->inner + i;   \
                    U value = (U)in[index];                                                                       \
                    out[index] = (T)(g->exclusive ? sum : sum + value);                                           \
                    sum += value;                                                                                 \
                }                                                                                                 \
            }                                                                                                     \
        }                                                                                                         \
    } while (0)

edge_status edge_cumsum_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_line_params *g = &op->params.line;
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    if (g->dtype == EDGE_DTYPE_FLOAT32) EDGE_CUMSUM(float, float);
    else if (g->dtype == EDGE_DTYPE_INT32) EDGE_CUMSUM(int32_t, uint32_t);
    else EDGE_CUMSUM(int64_t, uint64_t);
    return EDGE_OK;
}

/* ---- ARG_EXTREMUM ------------------------------------------------------------------------------- */

edge_status edge_arg_extremum_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                      edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 4, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *y = edge_op_output(model, op, 0);
    if (!edge_is_summable(x->dtype))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "input '%.60s' is %s; ARG_EXTREMUM compares float32, int32 and int64",
                            x->name, edge_dtype_name(x->dtype));
    if ((status = edge_check_dtype(op, y, EDGE_DTYPE_INT64, "output", error)) != EDGE_OK) return status;
    edge_line_params *g = &op->params.line;
    int32_t function = edge_read_i32(params), axis = 0;
    if (function != 0 && function != 1) return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown function %d", (int)function);
    g->largest = function == 0;
    bool keeps = false;
    if ((status = edge_read_axis(op, params, 1, x, &axis, error)) != EDGE_OK) return status;
    if ((status = edge_read_flag(op, params, 2, "keepdims", &keeps, error)) != EDGE_OK) return status;
    if ((status = edge_read_flag(op, params, 3, "select_last_index", &g->select_last, error)) != EDGE_OK) return status;
    /* The input's shape with the axis 1 (kept) or removed. */
    bool fits = y->rank == (keeps ? x->rank : x->rank - 1);
    for (int32_t d = 0, e = 0; d < x->rank && fits; d++) {
        if (d == axis && !keeps) continue;
        fits = y->dims[e++] == (d == axis ? 1u : x->dims[d]);
    }
    char sx[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
    if (!fits)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not input %s reduced along axis %d", edge_shape_text(y, sy),
                            edge_shape_text(x, sx), (int)axis);
    if (x->dims[axis] == 0) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "axis %d of input %s is empty", (int)axis, edge_shape_text(x, sx));
    edge_line_plan(x, axis, g);
    return EDGE_OK;
}

/* The first (or, selecting the last, the last) position of each line's largest or smallest value. */
#define EDGE_ARG_EXTREMUM(T)                                                                                      \
    do {                                                                                                          \
        const T *in = (const T *)(const void *)x;                                                                 \
        for (size_t o = 0; o < g->outer; o++) {                                                                   \
            for (size_t i = 0; i < g->inner; i++) {                                                               \
                const T *line = in + o * g->length * g->inner + i;                                                \
                size_t best = 0;                                                                                  \
                T best_value = line[0];                                                                           \
                for (size_t step = 1; step < g->length; step++) {                                                 \
                    T v = line[step * g->inner];                                                                  \
                    bool better = g->largest ? v > best_value : v < best_value;                                   \
                    if (better || (g->select_last && v == best_value)) {                                          \
                        best = step;                                                                              \
                        best_value = v;                                                                           \
                    }                                                                                             \
                }                                                                                                 \
                y[o * g->inner + i] = (int64_t)best;                                                              \
            }                                                                                                     \
        }                                                                                                         \
    } while (0)

edge_status edge_arg_extremum_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_line_params *g = &op->params.line;
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 0), arena);
    int64_t *y = (int64_t *)(void *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    if (g->dtype == EDGE_DTYPE_FLOAT32) EDGE_ARG_EXTREMUM(float);
    else if (g->dtype == EDGE_DTYPE_INT32) EDGE_ARG_EXTREMUM(int32_t);
    else EDGE_ARG_EXTREMUM(int64_t);
    return EDGE_OK;
}

/* ---- TOP_K -------------------------------------------------------------------------------------- */

/* One candidate of a line: its value and position. */
typedef struct edge_candidate {
    float value;
    size_t position;
} edge_candidate;

edge_status edge_top_k_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 1, 1, 2, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 2, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *x = edge_op_input(model, op, 0), *values = edge_op_output(model, op, 0), *indices = edge_op_output(model, op, 1);
    if ((status = edge_check_dtype(op, x, EDGE_DTYPE_FLOAT32, "input", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, values, EDGE_DTYPE_FLOAT32, "values", error)) != EDGE_OK) return status;
    if ((status = edge_check_dtype(op, indices, EDGE_DTYPE_INT64, "indices", error)) != EDGE_OK) return status;
    edge_line_params *g = &op->params.line;
    int32_t axis = 0;
    if ((status = edge_read_axis(op, params, 0, x, &axis, error)) != EDGE_OK) return status;
    if ((status = edge_read_flag(op, params, 1, "largest", &g->largest, error)) != EDGE_OK) return status;
    /* Both outputs are the input's shape with k (at most the axis's size) along the axis. */
    bool fits = edge_same_shape(values, indices) && values->rank == x->rank && values->dims[axis] <= x->dims[axis];
    for (int32_t d = 0; d < x->rank && fits; d++) fits = d == axis || values->dims[d] == x->dims[d];
    if (!fits) {
        char sx[EDGE_SHAPE_TEXT], sv[EDGE_SHAPE_TEXT], si[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "values %s and indices %s are not input %s with at most its size along axis %d",
                            edge_shape_text(values, sv), edge_shape_text(indices, si), edge_shape_text(x, sx), (int)axis);
    }
    edge_line_plan(x, axis, g);
    g->k = values->dims[axis];
    if (!edge_size_mul(g->k, sizeof(edge_candidate), &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "k = %zu needs too much scratch memory", g->k);
    return EDGE_OK;
}

/* Whether a comes before b: the better value first (NaN counts as larger than every number), equal
   values by position — the order onnxruntime gives, and the reference executor's. */
static inline bool edge_precedes(const edge_candidate *a, const edge_candidate *b, bool largest)
{
    bool a_nan = a->value != a->value, b_nan = b->value != b->value;
    if (a_nan || b_nan) return a_nan == b_nan ? a->position < b->position : a_nan == largest;
    if (a->value != b->value) return largest ? a->value > b->value : a->value < b->value;
    return a->position < b->position;
}

edge_status edge_top_k_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_line_params *g = &op->params.line;
    const float *x = (const float *)(const void *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    float *values = (float *)(void *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    int64_t *indices = (int64_t *)(void *)edge_tensor_data(edge_op_output(model, op, 1), arena);
    edge_candidate *best = scratch;
    if (g->k == 0) return EDGE_OK;
    for (size_t o = 0; o < g->outer; o++) {
        for (size_t i = 0; i < g->inner; i++) {
            const float *line = x + o * g->length * g->inner + i;
            /* `best` holds the line's best `kept` candidates so far, in order; each position arrives
               after every earlier one, so a tie never displaces what is kept. */
            size_t kept = 0;
            for (size_t step = 0; step < g->length; step++) {
                edge_candidate c = {line[step * g->inner], step};
                if (kept == g->k && !edge_precedes(&c, &best[kept - 1], g->largest)) continue;
                size_t slot = kept < g->k ? kept++ : kept - 1;
                while (slot > 0 && edge_precedes(&c, &best[slot - 1], g->largest)) {
                    best[slot] = best[slot - 1];
                    slot--;
                }
                best[slot] = c;
            }
            for (size_t r = 0; r < g->k; r++) {
                size_t at = (o * g->k + r) * g->inner + i;
                values[at] = best[r].value;
                indices[at] = (int64_t)best[r].position;
            }
        }
    }
    return EDGE_OK;
}
