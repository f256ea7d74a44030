/* recurrent.c — RECURRENT: LSTM and GRU as ONNX defines them with their default activations
   (sigmoid, tanh, tanh), forward, reverse or bidirectional, layout 0 (sequence first) or 1 (batch
   first). Inputs X, W, R, B or NONE, initial_h or NONE, initial_c or NONE (LSTM); outputs Y, Y_h,
   and Y_c (LSTM), the first one or more of them. Gate order: LSTM i, o, f, c; GRU z, r, h. */
#include <math.h>

#include "../internal.h"

enum { EDGE_CELL_LSTM = 0, EDGE_CELL_GRU = 1 };

static bool edge_dims_are(const edge_tensor *t, int32_t rank, size_t a, size_t b, size_t c, size_t d)
{
    size_t want[4] = {a, b, c, d};
    if (t->rank != rank) return false;
    for (int32_t i = 0; i < rank; i++)
        if (t->dims[i] != want[i]) return false;
    return true;
}

edge_status edge_recurrent_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size,
                                   edge_error *error)
{
    edge_status status = edge_check_arity(op, 3, 6, 3, op->output_count, error); /* output count: checked below */
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 5, error);
    if (status != EDGE_OK) return status;
    edge_recurrent_params *g = &op->params.recurrent;
    g->cell = edge_read_i32(params);
    int32_t hidden = edge_read_i32(params + 4);
    g->direction = edge_read_i32(params + 8);
    g->linear_before_reset = edge_read_i32(params + 12) != 0;
    g->layout = edge_read_i32(params + 16);
    if (g->cell != EDGE_CELL_LSTM && g->cell != EDGE_CELL_GRU)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown cell %d", (int)g->cell);
    if (hidden <= 0 || g->direction < 0 || g->direction > 2 || (g->layout != 0 && g->layout != 1))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "hidden size %d, direction %d or layout %d is out of range", (int)hidden,
                            (int)g->direction, (int)g->layout);
    unsigned most_outputs = g->cell == EDGE_CELL_LSTM ? 3u : 2u;
    if (op->output_count < 1 || op->output_count > most_outputs)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "has %u outputs, expected 1 to %u", (unsigned)op->output_count, most_outputs);
    if (g->cell == EDGE_CELL_GRU && op->input_count > 5 && edge_op_input(model, op, 5))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "a GRU has no initial_c");
    const edge_tensor *x = edge_op_input(model, op, 0), *w = edge_op_input(model, op, 1), *r = edge_op_input(model, op, 2);
    static const char *const names[6] = {"X", "W", "R", "B", "initial_h", "initial_c"};
    for (unsigned i = 0; i < op->input_count; i++) {
        const edge_tensor *t = edge_op_input(model, op, i);
        if (t && (status = edge_check_dtype(op, t, EDGE_DTYPE_FLOAT32, names[i], error)) != EDGE_OK) return status;
    }
    char sx[EDGE_SHAPE_TEXT], sw[EDGE_SHAPE_TEXT];
    if (x->rank != 3) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "X is %s, expected rank 3", edge_shape_text(x, sx));
    g->hidden = (size_t)hidden;
    g->directions = g->direction == 2 ? 2 : 1;
    g->gates = g->cell == EDGE_CELL_LSTM ? 4 : 3;
    g->steps = g->layout == 0 ? x->dims[0] : x->dims[1];
    g->batch = g->layout == 0 ? x->dims[1] : x->dims[0];
    g->features = x->dims[2];
    size_t gh = g->gates * g->hidden, d = g->directions, h = g->hidden;
    if (!edge_dims_are(w, 3, d, gh, g->features, 0) || !edge_dims_are(r, 3, d, gh, h, 0))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "W %s or R %s does not fit X %s with hidden size %zu", edge_shape_text(w, sw),
                            edge_shape_text(r, sx), edge_shape_text(x, sx), h);
    const edge_tensor *b = op->input_count > 3 ? edge_op_input(model, op, 3) : NULL;
    if (b && !edge_dims_are(b, 2, d, 2 * gh, 0, 0))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "B is %s, expected [%zu,%zu]", edge_shape_text(b, sx), d, 2 * gh);
    size_t s0 = g->layout == 0 ? d : g->batch, s1 = g->layout == 0 ? g->batch : d;
    for (unsigned i = 4; i < op->input_count; i++) {
        const edge_tensor *t = edge_op_input(model, op, i);
        if (t && !edge_dims_are(t, 3, s0, s1, h, 0))
            return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "%s is %s, expected [%zu,%zu,%zu]", names[i], edge_shape_text(t, sx), s0, s1, h);
    }
    const edge_tensor *y = edge_op_output(model, op, 0);
    bool fits = g->layout == 0 ? edge_dims_are(y, 4, g->steps, d, g->batch, h) : edge_dims_are(y, 4, g->batch, g->steps, d, h);
    for (unsigned i = 1; i < op->output_count && fits; i++) fits = edge_dims_are(edge_op_output(model, op, i), 3, s0, s1, h, 0);
    for (unsigned i = 0; i < op->output_count && fits; i++) fits = edge_op_output(model, op, i)->dtype == EDGE_DTYPE_FLOAT32;
    if (!fits) return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "outputs do not have the shapes of Y, Y_h and Y_c for X %s", edge_shape_text(x, sx));
    /* Scratch: the gates from the input and from the state, and the state h, c and next h. */
    size_t floats = 0;
    if (!edge_size_mul(g->batch, h, &floats) || !edge_size_mul(floats, 3, &floats) || !edge_size_add(floats, 2 * gh, &floats) ||
        !edge_size_mul(floats, sizeof(float), &op->scratch_bytes))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "needs too much scratch memory");
    return EDGE_OK;
}

edge_status edge_recurrent_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)error;
    const edge_recurrent_params *g = &op->params.recurrent;
    const float *x = (const float *)edge_tensor_data(edge_op_input(model, op, 0), arena);
    const float *w = (const float *)edge_tensor_data(edge_op_input(model, op, 1), arena);
    const float *r = (const float *)edge_tensor_data(edge_op_input(model, op, 2), arena);
    const edge_tensor *bt = op->input_count > 3 ? edge_op_input(model, op, 3) : NULL;
    const edge_tensor *ht = op->input_count > 4 ? edge_op_input(model, op, 4) : NULL;
    const edge_tensor *ct = op->input_count > 5 ? edge_op_input(model, op, 5) : NULL;
    const float *bias = bt ? (const float *)edge_tensor_data(bt, arena) : NULL;
    const float *initial_h = ht ? (const float *)edge_tensor_data(ht, arena) : NULL;
    const float *initial_c = ct ? (const float *)edge_tensor_data(ct, arena) : NULL;
    float *y = (float *)edge_tensor_data(edge_op_output(model, op, 0), arena);
    float *last_h = op->output_count > 1 ? (float *)edge_tensor_data(edge_op_output(model, op, 1), arena) : NULL;
    float *last_c = op->output_count > 2 ? (float *)edge_tensor_data(edge_op_output(model, op, 2), arena) : NULL;
    size_t steps = g->steps, batch = g->batch, features = g->features, hidden = g->hidden, dirs = g->directions;
    size_t gh = g->gates * hidden;
    float *from_input = (float *)scratch, *from_state = from_input + gh;
    float *h = from_state + gh, *c = h + batch * hidden, *next = c + batch * hidden;
    bool layout0 = g->layout == 0;
    for (size_t d = 0; d < dirs; d++) {
        bool backwards = g->direction == 1 || d == 1;
        for (size_t b = 0; b < batch; b++) {
            size_t state = (layout0 ? d * batch + b : b * dirs + d) * hidden;
            for (size_t j = 0; j < hidden; j++) {
                h[b * hidden + j] = initial_h ? initial_h[state + j] : 0.0f;
                c[b * hidden + j] = initial_c ? initial_c[state + j] : 0.0f;
            }
        }
        const float *wd = w + d * gh * features, *rd = r + d * gh * hidden;
        const float *wb = bias ? bias + d * 2 * gh : NULL, *rb = bias ? wb + gh : NULL;
        for (size_t step = 0; step < steps; step++) {
            size_t t = backwards ? steps - 1 - step : step;
            for (size_t b = 0; b < batch; b++) {
                const float *xt = x + (layout0 ? t * batch + b : b * steps + t) * features;
                const float *hb = h + b * hidden;
                for (size_t k = 0; k < gh; k++) {
                    float s = 0.0f, z = 0.0f;
                    for (size_t i = 0; i < features; i++) s += xt[i] * wd[k * features + i];
                    for (size_t i = 0; i < hidden; i++) z += hb[i] * rd[k * hidden + i];
                    from_input[k] = s + (wb ? wb[k] : 0.0f);
                    from_state[k] = z + (rb ? rb[k] : 0.0f);
                }
                /* GRU without linear_before_reset needs every reset gate before any candidate: computed
                   once here, in place of the input's reset pre-activations. */
                if (g->cell == EDGE_CELL_GRU && !g->linear_before_reset)
                    for (size_t k = 0; k < hidden; k++) from_input[hidden + k] = edge_logistic(from_input[hidden + k] + from_state[hidden + k]);
                for (size_t j = 0; j < hidden; j++) {
                    if (g->cell == EDGE_CELL_LSTM) {
                        float input = edge_logistic(from_input[j] + from_state[j]);
                        float output = edge_logistic(from_input[hidden + j] + from_state[hidden + j]);
                        float forget = edge_logistic(from_input[2 * hidden + j] + from_state[2 * hidden + j]);
                        float candidate = tanhf(from_input[3 * hidden + j] + from_state[3 * hidden + j]);
                        float cell = forget * c[b * hidden + j] + input * candidate;
                        c[b * hidden + j] = cell;
                        next[b * hidden + j] = output * tanhf(cell);
                    } else {
                        float update = edge_logistic(from_input[j] + from_state[j]);
                        float recurrent_part;
                        if (g->linear_before_reset) {
                            recurrent_part = edge_logistic(from_input[hidden + j] + from_state[hidden + j]) * from_state[2 * hidden + j];
                        } else {
                            float s = 0.0f;
                            for (size_t k = 0; k < hidden; k++) s += from_input[hidden + k] * hb[k] * rd[(2 * hidden + j) * hidden + k];
                            recurrent_part = s + (rb ? rb[2 * hidden + j] : 0.0f);
                        }
                        float candidate = tanhf(from_input[2 * hidden + j] + recurrent_part);
                        next[b * hidden + j] = (1.0f - update) * candidate + update * hb[j];
                    }
                }
            }
            memcpy(h, next, batch * hidden * sizeof(float));
            for (size_t b = 0; b < batch; b++) {
                size_t base = (layout0 ? (t * dirs + d) * batch + b : (b * steps + t) * dirs + d) * hidden;
                memcpy(y + base, h + b * hidden, hidden * sizeof(float));
            }
        }
        for (size_t b = 0; b < batch; b++) {
            size_t state = (layout0 ? d * batch + b : b * dirs + d) * hidden;
            if (last_h) memcpy(last_h + state, h + b * hidden, hidden * sizeof(float));
            if (last_c) memcpy(last_c + state, c + b * hidden, hidden * sizeof(float));
        }
    }
    return EDGE_OK;
}
