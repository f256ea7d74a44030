/*
 * update_writer.c — writes client updates with the edge.h encoder in every encoding, for the
 * Swift tests (Tests/EdgecTests/UpdateEncoderTests.swift), which build this program natively
 * and for ARM, run it (under qemu-user for ARM) and decode the files in Swift.
 *
 *     update_writer OUT_DIR BASE_SHA256
 *
 * writes OUT_DIR/fp32.pb, fp16.pb, int8.pb, topk.pb (every tensor in that encoding, top-k
 * keeping a quarter) and difference.pb (local minus global, mixed encodings, with metrics),
 * then checks that the encoder refuses bad input, printing one "refused: <message>" line per
 * case. Deltas follow the formula of UpdateEncoderTests.formula(), so Swift knows them exactly.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "edge.h"

/* delta[i] = ((i * 7919 + salt) % 1000) / 1000 - 0.5, times `amplitude`. */
static void formula(float *values, size_t count, unsigned salt, float amplitude)
{
    for (size_t i = 0; i < count; i++) values[i] = ((float)((i * 7919 + salt) % 1000) / 1000.0f - 0.5f) * amplitude;
}

/* Values that exercise fp16 rounding (ties, subnormals, the largest finite half) and top-k ties. */
static const float edge_cases[16] = {
    65504.0f, -65519.99f, 6.1035156e-05f, 5.9604645e-08f, 2.9802322e-08f, 2.9802326e-08f, 1.0f / 3.0f, 0.0f,
    -0.0f, 1.00048828125f, 1.00146484375f, -2.5f, 2.5f, 1e-7f, -3.0e-6f, 1234.5678f,
};

static int check(edge_status status, const edge_error *error, const char *what)
{
    if (status == EDGE_OK) return 0;
    fprintf(stderr, "update_writer: %s: %s\n", what, error->message);
    return 1;
}

static int write_update(const char *directory, const char *file, const char *hash, edge_update_encoding encoding)
{
    float conv[4 * 3 * 3 * 3], bias[10], scalar[1];
    formula(conv, 108, 0, 0.2f);
    formula(bias, 10, 17, 0.01f);
    formula(scalar, 1, 5, 1.0f);
    const int64_t conv_dims[] = {4, 3, 3, 3}, bias_dims[] = {10}, case_dims[] = {16};
    edge_update *update;
    edge_error error;
    if (check(edge_update_create(hash, 7, file, 120, &update, &error), &error, "create")) return 1;
    int failed = check(edge_update_add_delta(update, "conv.weight", conv_dims, 4, conv, encoding, 0.25, &error), &error, "conv.weight")
              || check(edge_update_add_delta(update, "fc.bias", bias_dims, 1, bias, encoding, 0.25, &error), &error, "fc.bias")
              || check(edge_update_add_delta(update, "scale", NULL, 0, scalar, encoding, 0.25, &error), &error, "scale")
              || check(edge_update_add_delta(update, "edge_cases", case_dims, 1, edge_cases, encoding, 0.25, &error), &error, "edge_cases");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.pb", directory, file);
    if (!failed) failed = check(edge_update_write_file(update, path, &error), &error, path);
    edge_update_free(update);
    return failed;
}

static int write_difference(const char *directory, const char *hash)
{
    float global[108], local[108], bias_global[10], bias_local[10];
    formula(global, 108, 3, 1.0f);
    formula(local, 108, 11, 1.0f);
    formula(bias_global, 10, 1, 0.5f);
    formula(bias_local, 10, 2, 0.5f);
    const int64_t conv_dims[] = {4, 3, 3, 3}, bias_dims[] = {10};
    edge_update *update;
    edge_error error;
    if (check(edge_update_create(hash, 7, "difference", 3, &update, &error), &error, "create")) return 1;
    edge_update_set_loss(update, 0.25f);
    edge_update_set_accuracy(update, 0.875f);
    int failed = check(edge_update_add_difference(update, "conv.weight", conv_dims, 4, local, global, EDGE_UPDATE_TOPK, 0.1, &error), &error, "conv")
              || check(edge_update_add_difference(update, "fc.bias", bias_dims, 1, bias_local, bias_global, EDGE_UPDATE_INT8, 0, &error), &error, "bias");
    /* The buffer path, checked against the size query. */
    unsigned char buffer[4096];
    size_t size = edge_update_serialized_size(update);
    if (!failed && (size > sizeof buffer || check(edge_update_serialize(update, buffer, sizeof buffer, &error), &error, "serialize"))) failed = 1;
    char path[1024];
    snprintf(path, sizeof path, "%s/difference.pb", directory);
    FILE *file = failed ? NULL : fopen(path, "wb");
    if (file) {
        failed = fwrite(buffer, 1, size, file) != size;
        failed |= fclose(file) != 0;
    } else {
        failed = 1;
    }
    edge_update_free(update);
    return failed;
}

/* Every refusal prints its message; an accepted bad input is a failure. */
static int refusals(const char *hash)
{
    int failed = 0;
    edge_error error;
    edge_update *update = NULL;
    float values[4] = {1, 2, 3, 4};
    const int64_t dims[] = {4}, negative[] = {-1};
#define EXPECT_REFUSED(call)                                                      \
    do {                                                                          \
        if ((call) == EDGE_OK) {                                                  \
            fprintf(stderr, "update_writer: accepted: %s\n", #call);              \
            failed = 1;                                                           \
        } else {                                                                  \
            printf("refused: %s\n", error.message);                               \
        }                                                                         \
    } while (0)
    EXPECT_REFUSED(edge_update_create("not-a-hash", 1, "c", 1, &update, &error));
    EXPECT_REFUSED(edge_update_create(hash, 1, "", 1, &update, &error));
    EXPECT_REFUSED(edge_update_create(hash, 1, "bad\xff", 1, &update, &error));
    EXPECT_REFUSED(edge_update_create(hash, 1, "c", 0, &update, &error));
    if (check(edge_update_create(hash, 1, "c", 1, &update, &error), &error, "create")) return 1;
    if (check(edge_update_add_delta(update, "w", dims, 1, values, EDGE_UPDATE_FP32, 0, &error), &error, "w")) failed = 1;
    EXPECT_REFUSED(edge_update_add_delta(update, "w", dims, 1, values, EDGE_UPDATE_FP32, 0, &error));
    EXPECT_REFUSED(edge_update_add_delta(update, "n", negative, 1, values, EDGE_UPDATE_FP32, 0, &error));
    values[2] = NAN;
    EXPECT_REFUSED(edge_update_add_delta(update, "nan", dims, 1, values, EDGE_UPDATE_FP32, 0, &error));
    values[2] = 70000.0f;
    EXPECT_REFUSED(edge_update_add_delta(update, "big", dims, 1, values, EDGE_UPDATE_FP16, 0, &error));
    EXPECT_REFUSED(edge_update_add_delta(update, "k", dims, 1, values, EDGE_UPDATE_TOPK, 0.0, &error));
    EXPECT_REFUSED(edge_update_add_delta(update, "e", dims, 1, values, (edge_update_encoding)9, 0, &error));
    EXPECT_REFUSED(edge_update_serialize(update, values, 1, &error));
    if (edge_update_tensor_count(update) != 1) {
        fprintf(stderr, "update_writer: a refused tensor was kept\n");
        failed = 1;
    }
    edge_update_free(update);
#undef EXPECT_REFUSED
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: update_writer OUT_DIR BASE_SHA256\n");
        return 2;
    }
    int failed = write_update(argv[1], "fp32", argv[2], EDGE_UPDATE_FP32)
               | write_update(argv[1], "fp16", argv[2], EDGE_UPDATE_FP16)
               | write_update(argv[1], "int8", argv[2], EDGE_UPDATE_INT8)
               | write_update(argv[1], "topk", argv[2], EDGE_UPDATE_TOPK)
               | write_difference(argv[1], argv[2])
               | refusals(argv[2]);
    printf("%s\n", failed ? "failed" : "ok");
    return failed;
}
