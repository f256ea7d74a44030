/*
 * A small C program built against the runtime as a package (pkg-config or CMake) by
 * RuntimePackageTests: runs a model on the raw bytes of its first input and prints every output
 * value, then says whether this runtime has the client-update encoder.
 * Usage: app MODEL.edgem INPUT.bin
 */
#include <edge.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL.edgem INPUT.bin\n", argv[0]);
        return 2;
    }
    edge_model *model;
    edge_context *context;
    edge_error error;
    if (edge_model_load_file(argv[1], &model, &error) != EDGE_OK ||
        edge_context_create(model, NULL, 0, &context, &error) != EDGE_OK) {
        fprintf(stderr, "%s\n", error.message);
        return 1;
    }
    edge_tensor_info input;
    edge_model_input_info(model, 0, &input);
    void *bytes = malloc(input.byte_size);
    FILE *file = fopen(argv[2], "rb");
    if (!bytes || !file || fread(bytes, 1, input.byte_size, file) != input.byte_size) {
        fprintf(stderr, "cannot read %zu bytes from %s\n", input.byte_size, argv[2]);
        return 1;
    }
    fclose(file);
    if (edge_context_set_input(context, 0, bytes, input.byte_size, &error) != EDGE_OK ||
        edge_context_invoke(context, &error) != EDGE_OK) {
        fprintf(stderr, "%s\n", error.message);
        return 1;
    }
    for (int32_t k = 0; k < edge_model_output_count(model); k++) {
        edge_tensor_info output;
        edge_model_output_info(model, k, &output);
        const float *values = (const float *)edge_context_output(context, k);
        for (size_t i = 0; i < output.element_count; i++) printf("%.9g\n", values[i]);
    }
    edge_update *update;
    edge_status status = edge_update_create("0000000000000000000000000000000000000000000000000000000000000000", 1, "c1", 1,
                                            &update, &error);
    printf("update encoder: %s\n", status == EDGE_OK ? "yes" : status == EDGE_ERROR_UNSUPPORTED ? "no" : "error");
    edge_update_free(update);
    free(bytes);
    edge_context_free(context);
    edge_model_free(model);
    return 0;
}
