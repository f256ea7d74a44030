/* context.c — execution contexts: the arena (planned tensors, then kernel scratch) and the invoke
   loop, which runs each operator's kernel in file order and allocates nothing; with an observer set,
   a second copy of the loop times each kernel. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <time.h>

#include "internal.h"

edge_status edge_context_create(const edge_model *model, void *arena, size_t arena_size, edge_context **context,
                                edge_error *error)
{
    if (!context) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_create: context is NULL");
    *context = NULL;
    if (!model) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_create: model is NULL");
    if (arena) {
        if ((uintptr_t)arena % EDGE_ALIGNMENT != 0)
            return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_create: the arena is not 64-byte aligned");
        if (arena_size < model->arena_size)
            return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "edge_context_create: the arena holds %zu bytes, the model needs %zu",
                             arena_size, model->arena_size);
    }
    edge_context *created = calloc(1, sizeof *created);
    if (!created) return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "edge_context_create: out of memory");
    created->model = model;
    if (arena) {
        created->arena = arena;
    } else {
        /* arena_size is a sum of 64-byte multiples, so a valid aligned_alloc size. */
        created->allocation = aligned_alloc(EDGE_ALIGNMENT, model->arena_size ? model->arena_size : EDGE_ALIGNMENT);
        if (!created->allocation) {
            free(created);
            return edge_fail(error, EDGE_ERROR_OUT_OF_MEMORY, "edge_context_create: cannot allocate an arena of %zu bytes",
                             model->arena_size);
        }
        created->arena = created->allocation;
    }
    *context = created;
    return EDGE_OK;
}

void edge_context_free(edge_context *context)
{
    if (!context) return;
    free(context->allocation);
    free(context);
}

void *edge_context_input(edge_context *context, int32_t index)
{
    if (!context || index < 0 || (uint32_t)index >= context->model->input_count) return NULL;
    const edge_tensor *tensor = &context->model->tensors[context->model->inputs[index]];
    return edge_tensor_data(tensor, context->arena);
}

edge_status edge_context_set_input(edge_context *context, int32_t index, const void *data, size_t byte_size, edge_error *error)
{
    if (!context) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_set_input: context is NULL");
    const edge_model *model = context->model;
    if (index < 0 || (uint32_t)index >= model->input_count)
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_set_input: input %d out of range (the model has %u)", (int)index,
                         model->input_count);
    const edge_tensor *tensor = &model->tensors[model->inputs[index]];
    if (byte_size != tensor->bytes)
        return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_set_input: input %d ('%.80s') takes %zu bytes, got %zu",
                         (int)index, tensor->name, tensor->bytes, byte_size);
    if (!data && byte_size) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_set_input: data is NULL");
    memmove(edge_tensor_data(tensor, context->arena), data, byte_size);
    return EDGE_OK;
}

const void *edge_context_output(const edge_context *context, int32_t index)
{
    if (!context || index < 0 || (uint32_t)index >= context->model->output_count) return NULL;
    const edge_tensor *tensor = &context->model->tensors[context->model->outputs[index]];
    return edge_tensor_data(tensor, context->arena);
}

/* The operator's kernel from its row in operators.c, found once by the loader. */
static inline edge_status edge_eval_operator(const edge_model *model, const edge_operator *op, uint8_t *arena, void *scratch,
                                             edge_error *error)
{
    return op->info->eval(model, op, arena, scratch, error);
}

edge_status edge_context_set_observer(edge_context *context, edge_operator_observer observer, void *user, edge_error *error)
{
    if (!context) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_set_observer: context is NULL");
    context->observer = observer;
    context->observer_user = observer ? user : NULL;
    return EDGE_OK;
}

static uint64_t edge_monotonic_nanoseconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * UINT64_C(1000000000) + (uint64_t)t.tv_nsec;
}

/* The invoke loop with the observer called after each operator: a separate loop, so that the
   untimed one stays exactly what it was. */
static edge_status edge_invoke_observed(const edge_context *context, uint8_t *arena, void *scratch, edge_error *error)
{
    const edge_model *model = context->model;
    for (uint32_t o = 0; o < model->operator_count; o++) {
        const edge_operator *op = &model->operators[o];
        uint64_t start = edge_monotonic_nanoseconds();
        edge_status status = edge_eval_operator(model, op, arena, scratch, error);
        uint64_t end = edge_monotonic_nanoseconds();
        if (status != EDGE_OK) return status;
        context->observer(context->observer_user, (int32_t)o, edge_op_name(op->kind), op->name ? op->name : "",
                          end >= start ? end - start : 0);
    }
    return EDGE_OK;
}

edge_status edge_context_invoke(edge_context *context, edge_error *error)
{
    if (!context) return edge_fail(error, EDGE_ERROR_INVALID_ARGUMENT, "edge_context_invoke: context is NULL");
    const edge_model *model = context->model;
    uint8_t *arena = context->arena;
    void *scratch = arena + model->planned_arena;
    if (context->observer) return edge_invoke_observed(context, arena, scratch, error);
    for (uint32_t o = 0; o < model->operator_count; o++) {
        edge_status status = edge_eval_operator(model, &model->operators[o], arena, scratch, error);
        if (status != EDGE_OK) return status;
    }
    return EDGE_OK;
}
