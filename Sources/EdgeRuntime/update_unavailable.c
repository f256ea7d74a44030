/*
 * The client-update encoder's functions in a runtime built with `edgec runtime build
 * --inference-only`, which leaves out update/ and with it protobuf-c. Every edge.h function stays
 * defined, so one program links against either build and a shared library can be swapped; here
 * they refuse with EDGE_ERROR_UNSUPPORTED and say why. In the full runtime (and SwiftPM's build)
 * this file compiles to nothing.
 */
#include "internal.h"

#ifdef EDGE_INFERENCE_ONLY

static edge_status edge_update_unavailable(edge_error *error)
{
    return edge_fail(error, EDGE_ERROR_UNSUPPORTED,
                     "this runtime was built with --inference-only: it has no client-update encoder");
}

edge_status edge_update_create(const char *base_model_sha256, uint64_t round, const char *client_id,
                               uint64_t example_count, edge_update **update, edge_error *error)
{
    (void)base_model_sha256, (void)round, (void)client_id, (void)example_count;
    if (update) *update = NULL;
    return edge_update_unavailable(error);
}

edge_status edge_update_add_delta(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                  const float *delta, edge_update_encoding encoding, double topk_fraction, edge_error *error)
{
    (void)update, (void)name, (void)dims, (void)rank, (void)delta, (void)encoding, (void)topk_fraction;
    return edge_update_unavailable(error);
}

edge_status edge_update_add_difference(edge_update *update, const char *name, const int64_t *dims, int32_t rank,
                                       const float *local, const float *global, edge_update_encoding encoding,
                                       double topk_fraction, edge_error *error)
{
    (void)update, (void)name, (void)dims, (void)rank, (void)local, (void)global, (void)encoding, (void)topk_fraction;
    return edge_update_unavailable(error);
}

void edge_update_set_loss(edge_update *update, float loss) { (void)update, (void)loss; }
void edge_update_set_accuracy(edge_update *update, float accuracy) { (void)update, (void)accuracy; }
int32_t edge_update_tensor_count(const edge_update *update) { (void)update; return 0; }
size_t edge_update_serialized_size(const edge_update *update) { (void)update; return 0; }

edge_status edge_update_serialize(const edge_update *update, void *buffer, size_t buffer_size, edge_error *error)
{
    (void)update, (void)buffer, (void)buffer_size;
    return edge_update_unavailable(error);
}

edge_status edge_update_write_file(const edge_update *update, const char *path, edge_error *error)
{
    (void)update, (void)path;
    return edge_update_unavailable(error);
}

void edge_update_free(edge_update *update) { (void)update; }

#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int edge_update_encoder_is_built_in;
#endif
