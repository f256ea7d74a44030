/*
 * operators.c — the one registration table of operator kinds: for each kind, its name, its
 * prepare (load time) and eval (invoke time) entry points, and the flags the loader asks about.
 * The loader, the invoke loop, the passthrough-quantization check, the memory plan's in-place
 * rule and every error message read this table; nothing else lists the kinds.
 *
 * Adding an operator:
 *   1. write its kernel (a file in kernels/): a prepare that checks its tensors and decodes its params
 *      into op->params (a new member of edge_operator's params union when none fits), and an eval;
 *      declare the pair in internal.h with EDGE_KERNEL(family);
 *   2. give it the next number in `enum edge_op_kind` (internal.h) and in formats/edgem.md;
 *      always add enum values at the end: the numbers are the file format, and a number is
 *      never reused, even when a kind is withdrawn (its row is then left out, and the loader
 *      refuses it as unknown);
 *   3. add one row below.
 * Two kinds may share a kernel family when their params decode alike (MAX_POOL and AVERAGE_POOL);
 * when the decoding differs, each kind gets its own prepare (ADD_INT8 and MUL_INT8).
 */
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

/* Indexed by kind; a kind without a row (0, withdrawn numbers, numbers past the end) is unknown. */
static const edge_op_info edge_operators[] = {
    [EDGE_OP_CONV] = {"CONV", edge_conv_prepare, edge_conv_eval, 0},
    [EDGE_OP_CONV_TRANSPOSE] = {"CONV_TRANSPOSE", edge_conv_transpose_prepare, edge_conv_transpose_eval, 0},
    [EDGE_OP_GEMM] = {"GEMM", edge_gemm_prepare, edge_gemm_eval, 0},
    [EDGE_OP_MATMUL] = {"MATMUL", edge_matmul_prepare, edge_matmul_eval, 0},
    [EDGE_OP_BINARY] = {"BINARY", edge_binary_prepare, edge_binary_eval, EDGE_OP_FLAG_IN_PLACE_SAME_SHAPE},
    [EDGE_OP_UNARY] = {"UNARY", edge_unary_prepare, edge_unary_eval, EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_SOFTMAX] = {"SOFTMAX", edge_softmax_prepare, edge_softmax_eval, EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_MAX_POOL] = {"MAX_POOL", edge_pool_prepare, edge_pool_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_AVERAGE_POOL] = {"AVERAGE_POOL", edge_pool_prepare, edge_pool_eval, 0},
    [EDGE_OP_GLOBAL_AVERAGE_POOL] = {"GLOBAL_AVERAGE_POOL", edge_global_pool_prepare, edge_global_pool_eval, 0},
    [EDGE_OP_GLOBAL_MAX_POOL] = {"GLOBAL_MAX_POOL", edge_global_pool_prepare, edge_global_pool_eval, 0},
    [EDGE_OP_BATCH_NORMALIZATION] = {"BATCH_NORMALIZATION", edge_batch_norm_prepare, edge_batch_norm_eval, EDGE_OP_FLAG_IN_PLACE_FIRST},
    [EDGE_OP_LRN] = {"LRN", edge_lrn_prepare, edge_lrn_eval, 0},
    [EDGE_OP_CONCAT] = {"CONCAT", edge_concat_prepare, edge_concat_eval, EDGE_OP_FLAG_PASSTHROUGH_ALL_INPUTS},
    [EDGE_OP_SPLIT] = {"SPLIT", edge_split_prepare, edge_split_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_SLICE] = {"SLICE", edge_slice_prepare, edge_slice_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_GATHER] = {"GATHER", edge_gather_prepare, edge_gather_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_RESHAPE] = {"RESHAPE", edge_reshape_prepare, edge_reshape_eval, EDGE_OP_FLAG_PASSTHROUGH | EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_TRANSPOSE] = {"TRANSPOSE", edge_transpose_prepare, edge_transpose_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_EXPAND] = {"EXPAND", edge_expand_prepare, edge_expand_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_PAD] = {"PAD", edge_pad_prepare, edge_pad_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_RESIZE] = {"RESIZE", edge_resize_prepare, edge_resize_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_REDUCE] = {"REDUCE", edge_reduce_prepare, edge_reduce_eval, 0},
    [EDGE_OP_CAST] = {"CAST", edge_cast_prepare, edge_cast_eval, EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_QUANTIZE] = {"QUANTIZE", edge_quantize_prepare, edge_quantize_eval, 0},
    [EDGE_OP_DEQUANTIZE] = {"DEQUANTIZE", edge_dequantize_prepare, edge_dequantize_eval, 0},
    [EDGE_OP_CONV_INT8] = {"CONV_INT8", edge_conv_int8_prepare, edge_conv_int8_eval, EDGE_OP_FLAG_DERIVED_REQUANTIZATION},
    [EDGE_OP_GEMM_INT8] = {"GEMM_INT8", edge_gemm_int8_prepare, edge_gemm_int8_eval, EDGE_OP_FLAG_DERIVED_REQUANTIZATION},
    [EDGE_OP_ADD_INT8] = {"ADD_INT8", edge_add_int8_prepare, edge_add_int8_eval, 0},
    [EDGE_OP_MUL_INT8] = {"MUL_INT8", edge_mul_int8_prepare, edge_mul_int8_eval, 0},
    [EDGE_OP_CONCAT_INT8] = {"CONCAT_INT8", edge_concat_int8_prepare, edge_concat_int8_eval, 0},
    [EDGE_OP_LOOKUP] = {"LOOKUP", edge_lookup_prepare, edge_lookup_eval, 0},
    [EDGE_OP_SOFTMAX_INT8] = {"SOFTMAX_INT8", edge_softmax_int8_prepare, edge_softmax_int8_eval, 0},
    [EDGE_OP_AVERAGE_POOL_INT8] = {"AVERAGE_POOL_INT8", edge_pool_int8_prepare, edge_pool_int8_eval, 0},
    [EDGE_OP_GLOBAL_AVERAGE_POOL_INT8] = {"GLOBAL_AVERAGE_POOL_INT8", edge_global_pool_int8_prepare, edge_global_pool_int8_eval, 0},
    [EDGE_OP_LAYER_NORMALIZATION] = {"LAYER_NORMALIZATION", edge_layer_norm_prepare, edge_layer_norm_eval, EDGE_OP_FLAG_IN_PLACE_FIRST},
    [EDGE_OP_COMPARE] = {"COMPARE", edge_compare_prepare, edge_compare_eval, 0},
    [EDGE_OP_LOGICAL] = {"LOGICAL", edge_logical_prepare, edge_logical_eval, EDGE_OP_FLAG_IN_PLACE_SAME_SHAPE},
    [EDGE_OP_WHERE] = {"WHERE", edge_where_prepare, edge_where_eval, 0},
    [EDGE_OP_GATHER_ELEMENTS] = {"GATHER_ELEMENTS", edge_gather_elements_prepare, edge_gather_elements_eval, 0},
    [EDGE_OP_RECURRENT] = {"RECURRENT", edge_recurrent_prepare, edge_recurrent_eval, 0},
    [EDGE_OP_GROUP_NORMALIZATION] = {"GROUP_NORMALIZATION", edge_group_norm_prepare, edge_group_norm_eval, EDGE_OP_FLAG_IN_PLACE_FIRST},
    [EDGE_OP_GATHER_ND] = {"GATHER_ND", edge_gather_nd_prepare, edge_gather_nd_eval, 0},
    [EDGE_OP_SCATTER_ND] = {"SCATTER_ND", edge_scatter_nd_prepare, edge_scatter_nd_eval, 0},
    [EDGE_OP_SCATTER_ELEMENTS] = {"SCATTER_ELEMENTS", edge_scatter_elements_prepare, edge_scatter_elements_eval, 0},
    [EDGE_OP_DEPTH_TO_SPACE] = {"DEPTH_TO_SPACE", edge_depth_to_space_prepare, edge_transpose_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_SPACE_TO_DEPTH] = {"SPACE_TO_DEPTH", edge_space_to_depth_prepare, edge_transpose_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_TILE] = {"TILE", edge_tile_prepare, edge_tile_eval, EDGE_OP_FLAG_PASSTHROUGH},
    [EDGE_OP_TRILU] = {"TRILU", edge_trilu_prepare, edge_trilu_eval, EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_CUMSUM] = {"CUMSUM", edge_cumsum_prepare, edge_cumsum_eval, EDGE_OP_FLAG_IN_PLACE},
    [EDGE_OP_ARG_EXTREMUM] = {"ARG_EXTREMUM", edge_arg_extremum_prepare, edge_arg_extremum_eval, 0},
    [EDGE_OP_TOP_K] = {"TOP_K", edge_top_k_prepare, edge_top_k_eval, 0},
};

const edge_op_info *edge_op_lookup(uint32_t kind)
{
    if (kind >= sizeof edge_operators / sizeof edge_operators[0] || !edge_operators[kind].name) return NULL;
    return &edge_operators[kind];
}

const char *edge_op_name(uint32_t kind)
{
    const edge_op_info *info = edge_op_lookup(kind);
    return info ? info->name : "unknown";
}

/* Here rather than in status.c because it names the kind: status.c stays free of the table (and of
   every kernel), so programs that only need edge_fail (the update encoder's tests) link it alone. */
edge_status edge_op_fail(edge_error *error, const edge_operator *op, edge_status status, const char *format, ...)
{
    if (!error) return status;
    char prefix[EDGE_MESSAGE_SIZE];
    snprintf(prefix, sizeof prefix, "operator %u (%s '%.80s'): ", (unsigned)op->index, edge_op_name(op->kind),
             op->name ? op->name : "");
    va_list arguments;
    va_start(arguments, format);
    edge_vfail(error, status, prefix, format, arguments);
    va_end(arguments);
    return status;
}
