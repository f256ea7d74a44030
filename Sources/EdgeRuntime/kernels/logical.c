/* logical.c — COMPARE (Equal, Less, Greater, LessOrEqual, GreaterOrEqual of float32, int32, int64 or
   bool operands), LOGICAL (And, Or, Xor of bool operands; Not of one) and WHERE (X where a bool
   condition holds, else Y, for any dtype). All broadcast as NumPy does; bools are bytes 0 and 1. */
#include <string.h>

#include "../internal.h"

enum { EDGE_COMPARE_EQUAL, EDGE_COMPARE_LESS, EDGE_COMPARE_GREATER, EDGE_COMPARE_LESS_OR_EQUAL, EDGE_COMPARE_GREATER_OR_EQUAL };
enum { EDGE_LOGICAL_AND, EDGE_LOGICAL_OR, EDGE_LOGICAL_XOR, EDGE_LOGICAL_NOT };

static edge_status edge_plan_two(const edge_model *model, edge_operator *op, edge_compare_params *g, edge_error *error)
{
    const edge_tensor *a = edge_op_input(model, op, 0), *b = op->input_count > 1 ? edge_op_input(model, op, 1) : NULL;
    const edge_tensor *y = edge_op_output(model, op, 0);
    edge_status status = edge_check_dtype(op, y, EDGE_DTYPE_BOOL, "output", error);
    if (status != EDGE_OK) return status;
    if (b && a->dtype != b->dtype)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "operands are %s and %s; they must have one dtype", edge_dtype_name(a->dtype),
                            edge_dtype_name(b->dtype));
    if (!edge_broadcast_plan(a, b, y, &g->walk)) {
        char sa[EDGE_SHAPE_TEXT], sb[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not the broadcast of %s and %s", edge_shape_text(y, sy),
                            edge_shape_text(a, sa), b ? edge_shape_text(b, sb) : "nothing");
    }
    g->dtype = a->dtype;
    return EDGE_OK;
}

edge_status edge_compare_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 2, 2, 2, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    edge_compare_params *g = &op->params.compare;
    g->function = edge_read_i32(params);
    if (g->function < EDGE_COMPARE_EQUAL || g->function > EDGE_COMPARE_GREATER_OR_EQUAL)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown comparison %d", (int)g->function);
    if ((status = edge_plan_two(model, op, g, error)) != EDGE_OK) return status;
    bool ordered = g->dtype == EDGE_DTYPE_FLOAT32 || g->dtype == EDGE_DTYPE_INT32 || g->dtype == EDGE_DTYPE_INT64;
    if (!ordered && !(g->dtype == EDGE_DTYPE_BOOL && g->function == EDGE_COMPARE_EQUAL))
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "comparison %d of %s operands is not supported", (int)g->function,
                            edge_dtype_name(g->dtype));
    return EDGE_OK;
}

/* One comparison of x and z by function f. */
#define EDGE_COMPARE(f, x, z)                                                                                   \
    ((f) == EDGE_COMPARE_EQUAL ? (x) == (z) : (f) == EDGE_COMPARE_LESS ? (x) < (z) : (f) == EDGE_COMPARE_GREATER ? (x) > (z) \
     : (f) == EDGE_COMPARE_LESS_OR_EQUAL ? (x) <= (z) : (x) >= (z))

/* The broadcast walk of COMPARE and LOGICAL: rows of the last axis, element by element. */
static void edge_walk_two(const edge_compare_params *g, size_t element, const uint8_t *a, const uint8_t *b, uint8_t *y, bool logical)
{
    const edge_broadcast *walk = &g->walk;
    int32_t last = walk->rank - 1;
    size_t n = walk->dims[last], sa = walk->a_strides[last], sb = walk->b_strides[last];
    size_t rows = 1;
    for (int32_t d = 0; d < last; d++) rows *= walk->dims[d];
    size_t index[EDGE_MAX_RANK] = {0};
    size_t ao = 0, bo = 0;
    int32_t f = g->function;
    for (size_t r = 0; r < rows; r++) {
        uint8_t *out = y + r * n;
        for (size_t i = 0; i < n; i++) {
            const uint8_t *x = a + (ao + i * sa) * element, *z = b + (bo + i * sb) * element;
            bool result;
            if (logical) {
                bool p = *x != 0, q = *z != 0;
                result = f == EDGE_LOGICAL_AND ? (p && q) : f == EDGE_LOGICAL_OR ? (p || q) : f == EDGE_LOGICAL_XOR ? (p != q) : !p;
            } else if (g->dtype == EDGE_DTYPE_FLOAT32) {
                float p, q;
                memcpy(&p, x, 4), memcpy(&q, z, 4);
                result = EDGE_COMPARE(f, p, q);
            } else if (g->dtype == EDGE_DTYPE_INT32) {
                int32_t p, q;
                memcpy(&p, x, 4), memcpy(&q, z, 4);
                result = EDGE_COMPARE(f, p, q);
            } else if (g->dtype == EDGE_DTYPE_INT64) {
                int64_t p, q;
                memcpy(&p, x, 8), memcpy(&q, z, 8);
                result = EDGE_COMPARE(f, p, q);
            } else {
                result = (*x != 0) == (*z != 0);
            }
            out[i] = result ? 1 : 0;
        }
        for (int32_t d = last - 1; d >= 0; d--) {
            ao += walk->a_strides[d];
            bo += walk->b_strides[d];
            if (++index[d] < walk->dims[d]) break;
            ao -= walk->a_strides[d] * index[d];
            bo -= walk->b_strides[d] * index[d];
            index[d] = 0;
        }
    }
}

edge_status edge_compare_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_compare_params *g = &op->params.compare;
    edge_walk_two(g, edge_dtype_size(g->dtype), edge_tensor_data(edge_op_input(model, op, 0), arena),
                  edge_tensor_data(edge_op_input(model, op, 1), arena), edge_tensor_data(edge_op_output(model, op, 0), arena), false);
    return EDGE_OK;
}

edge_status edge_logical_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    edge_status status = edge_check_arity(op, 1, 2, 1, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 1, error);
    if (status != EDGE_OK) return status;
    edge_compare_params *g = &op->params.compare;
    g->function = edge_read_i32(params);
    if (g->function < EDGE_LOGICAL_AND || g->function > EDGE_LOGICAL_NOT)
        return edge_op_fail(error, op, EDGE_ERROR_UNSUPPORTED, "unknown logical function %d", (int)g->function);
    unsigned arity = g->function == EDGE_LOGICAL_NOT ? 1u : 2u;
    if (op->input_count != arity || (arity == 2 && !edge_op_input(model, op, 1)))
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "logical function %d takes %u inputs, got %u", (int)g->function, arity,
                            (unsigned)op->input_count);
    for (unsigned i = 0; i < arity; i++)
        if ((status = edge_check_dtype(op, edge_op_input(model, op, i), EDGE_DTYPE_BOOL, i ? "B" : "A", error)) != EDGE_OK) return status;
    return edge_plan_two(model, op, g, error);
}

edge_status edge_logical_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_compare_params *g = &op->params.compare;
    const uint8_t *a = edge_tensor_data(edge_op_input(model, op, 0), arena);
    /* Not reads its one operand twice (the walk's second strides are 0). */
    const uint8_t *b = op->input_count > 1 ? edge_tensor_data(edge_op_input(model, op, 1), arena) : a;
    edge_walk_two(g, 1, a, b, edge_tensor_data(edge_op_output(model, op, 0), arena), true);
    return EDGE_OK;
}

edge_status edge_where_prepare(const edge_model *model, edge_operator *op, const uint8_t *params, uint32_t params_size, edge_error *error)
{
    (void)params;
    edge_status status = edge_check_arity(op, 3, 3, 3, 1, error);
    if (status == EDGE_OK) status = edge_check_params(op, params_size, 0, error);
    if (status != EDGE_OK) return status;
    const edge_tensor *operands[3] = {edge_op_input(model, op, 0), edge_op_input(model, op, 1), edge_op_input(model, op, 2)};
    const edge_tensor *y = edge_op_output(model, op, 0);
    if ((status = edge_check_dtype(op, operands[0], EDGE_DTYPE_BOOL, "condition", error)) != EDGE_OK) return status;
    if (operands[1]->dtype != y->dtype || operands[2]->dtype != y->dtype)
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "X is %s and Y is %s, the output %s", edge_dtype_name(operands[1]->dtype),
                            edge_dtype_name(operands[2]->dtype), edge_dtype_name(y->dtype));
    edge_select_params *g = &op->params.select;
    g->rank = y->rank;
    for (int32_t d = 0; d < y->rank; d++) g->dims[d] = y->dims[d];
    bool fits = true;
    for (int i = 0; i < 3 && fits; i++) fits = edge_broadcast_strides(operands[i], y->rank, y->dims, g->strides[i]);
    /* The output is exactly the broadcast of the three: each dim the largest operand's. */
    for (int32_t d = 0; d < y->rank && fits; d++) {
        uint32_t largest = 1;
        for (int i = 0; i < 3; i++) {
            int32_t source = d - (y->rank - operands[i]->rank);
            uint32_t dim = source >= 0 ? operands[i]->dims[source] : 1;
            if (dim > largest) largest = dim;
        }
        fits = y->dims[d] == largest;
    }
    if (!fits) {
        char sc[EDGE_SHAPE_TEXT], sx[EDGE_SHAPE_TEXT], sz[EDGE_SHAPE_TEXT], sy[EDGE_SHAPE_TEXT];
        return edge_op_fail(error, op, EDGE_ERROR_FORMAT, "output %s is not the broadcast of %s, %s and %s", edge_shape_text(y, sy),
                            edge_shape_text(operands[0], sc), edge_shape_text(operands[1], sx), edge_shape_text(operands[2], sz));
    }
    g->element_size = edge_dtype_size(y->dtype);
    return EDGE_OK;
}

edge_status edge_where_eval(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch, edge_error *error)
{
    (void)scratch;
    (void)error;
    const edge_select_params *g = &op->params.select;
    const uint8_t *condition = edge_tensor_data(edge_op_input(model, op, 0), arena);
    const uint8_t *x = edge_tensor_data(edge_op_input(model, op, 1), arena), *z = edge_tensor_data(edge_op_input(model, op, 2), arena);
    uint8_t *y = edge_tensor_data(edge_op_output(model, op, 0), arena);
    size_t total = edge_op_output(model, op, 0)->count, size = g->element_size;
    size_t index[EDGE_MAX_RANK] = {0}, offsets[3] = {0, 0, 0};
    for (size_t i = 0; i < total; i++) {
        const uint8_t *source = condition[offsets[0]] ? x + offsets[1] * size : z + offsets[2] * size;
        memcpy(y + i * size, source, size);
        for (int32_t d = g->rank - 1; d >= 0; d--) {
            for (int k = 0; k < 3; k++) offsets[k] += g->strides[k][d];
            if (++index[d] < g->dims[d]) break;
            for (int k = 0; k < 3; k++) offsets[k] -= g->strides[k][d] * index[d];
            index[d] = 0;
        }
    }
    return EDGE_OK;
}
