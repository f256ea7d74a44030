/* libFuzzer target: the C runtime's loader (edge_model_load_buffer) and, for a model that loads
 * with a modest arena, a context and one run on zero inputs — what a device does with a file it
 * was sent. Built by .ci/fuzz with clang -fsanitize=fuzzer,address,undefined. */
#include <stdlib.h>
#include <string.h>

#include "edge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exactly `size` bytes of its own, so an over-read is caught by AddressSanitizer. */
    void *buffer = malloc(size ? size : 1);
    if (!buffer) return 0;
    memcpy(buffer, data, size);
    edge_model *model = NULL;
    edge_error error;
    if (edge_model_load_buffer(buffer, size, &model, &error) == EDGE_OK) {
        edge_context *context = NULL;
        if (edge_model_arena_size(model) <= ((size_t)1 << 26) &&
            edge_context_create(model, NULL, 0, &context, &error) == EDGE_OK) {
            (void)edge_context_invoke(context, &error);
            edge_context_free(context);
        }
        edge_model_free(model);
    }
    free(buffer);
    return 0;
}
