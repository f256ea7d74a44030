/* model.c — what a loaded model tells its caller: sizes, inputs and outputs, metadata. */
#include <string.h>

#include "internal.h"

size_t edge_model_arena_size(const edge_model *model) { return model ? model->arena_size : 0; }

size_t edge_model_weight_bytes(const edge_model *model) { return model ? model->weight_bytes : 0; }

int32_t edge_model_input_count(const edge_model *model) { return model ? (int32_t)model->input_count : 0; }

int32_t edge_model_output_count(const edge_model *model) { return model ? (int32_t)model->output_count : 0; }

int32_t edge_model_operator_count(const edge_model *model) { return model ? (int32_t)model->operator_count : 0; }

static edge_status edge_fill_info(const edge_tensor *tensor, edge_tensor_info *info)
{
    memset(info, 0, sizeof *info);
    info->name = tensor->name;
    info->dtype = (edge_dtype)tensor->dtype;
    info->rank = tensor->rank;
    for (int32_t d = 0; d < tensor->rank; d++) info->dims[d] = tensor->dims[d];
    info->element_count = tensor->count;
    info->byte_size = tensor->bytes;
    if (tensor->dtype == EDGE_DTYPE_INT8 && tensor->quantization) {
        info->scale = tensor->scale;
        info->zero_point = tensor->zero_point;
    }
    return EDGE_OK;
}

edge_status edge_model_input_info(const edge_model *model, int32_t index, edge_tensor_info *info)
{
    if (!model || !info || index < 0 || (uint32_t)index >= model->input_count) return EDGE_ERROR_INVALID_ARGUMENT;
    return edge_fill_info(&model->tensors[model->inputs[index]], info);
}

edge_status edge_model_output_info(const edge_model *model, int32_t index, edge_tensor_info *info)
{
    if (!model || !info || index < 0 || (uint32_t)index >= model->output_count) return EDGE_ERROR_INVALID_ARGUMENT;
    return edge_fill_info(&model->tensors[model->outputs[index]], info);
}

edge_status edge_model_operator_info(const edge_model *model, int32_t index, edge_operator_info *info)
{
    if (!model || !info || index < 0 || (uint32_t)index >= model->operator_count) return EDGE_ERROR_INVALID_ARGUMENT;
    const edge_operator *op = &model->operators[index];
    memset(info, 0, sizeof *info);
    info->kind = edge_op_name(op->kind);
    info->name = op->name ? op->name : "";
    info->input_count = op->input_count;
    info->output_count = op->output_count;
    const edge_tensor *output = edge_op_output(model, op, 0); /* every kind has one: its arity is checked at load */
    edge_fill_info(output, &info->output);
    /* Multiply-accumulates as the compiler counts them (Operators.macs): output elements × the
       depth of each, except ConvTranspose, whose every input element meets a whole filter. */
    uint64_t elements = output->count, depth = 0;
    switch (op->kind) {
    case EDGE_OP_CONV: {
        const edge_conv_params *g = &op->params.conv;
        depth = (uint64_t)(g->in_channels / g->group) * g->kernel_depth * g->kernel_height * g->kernel_width;
        break;
    }
    case EDGE_OP_CONV_TRANSPOSE: {
        const edge_conv_params *g = &op->params.conv;
        elements = edge_op_input(model, op, 0)->count;
        depth = (uint64_t)(g->out_channels / g->group) * g->kernel_depth * g->kernel_height * g->kernel_width;
        break;
    }
    case EDGE_OP_CONV_INT8: {
        const edge_conv_params *g = &op->params.conv_int8.conv;
        depth = (uint64_t)(g->in_channels / g->group) * g->kernel_depth * g->kernel_height * g->kernel_width;
        break;
    }
    case EDGE_OP_GEMM: depth = op->params.gemm.k; break;
    case EDGE_OP_GEMM_INT8: depth = op->params.gemm_int8.k; break;
    case EDGE_OP_MATMUL: depth = op->params.matmul.k; break;
    default: break;
    }
    info->macs = elements * depth;
    return EDGE_OK;
}

static int32_t edge_find(const edge_model *model, const uint32_t *list, uint32_t count, const char *name)
{
    if (!model || !name) return -1;
    for (uint32_t i = 0; i < count; i++)
        if (strcmp(model->tensors[list[i]].name, name) == 0) return (int32_t)i;
    return -1;
}

int32_t edge_model_find_input(const edge_model *model, const char *name)
{
    return model ? edge_find(model, model->inputs, model->input_count, name) : -1;
}

int32_t edge_model_find_output(const edge_model *model, const char *name)
{
    return model ? edge_find(model, model->outputs, model->output_count, name) : -1;
}

const char *edge_model_metadata(const edge_model *model, const char *key)
{
    if (!model || !key) return NULL;
    for (uint32_t i = 0; i < model->metadata_count; i++)
        if (strcmp(model->metadata[i].key, key) == 0) return model->metadata[i].value;
    return NULL;
}
