// The C++ twin of app.c, built against the runtime as a package by RuntimePackageTests: edge.h
// used from C++ (-std=c++17 -pedantic -Werror) with RAII owners. Usage: app MODEL.edgem INPUT.bin
#include <edge.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

struct ModelDeleter { void operator()(edge_model *model) const { edge_model_free(model); } };
struct ContextDeleter { void operator()(edge_context *context) const { edge_context_free(context); } };
struct UpdateDeleter { void operator()(edge_update *update) const { edge_update_free(update); } };

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s MODEL.edgem INPUT.bin\n", argv[0]);
        return 2;
    }
    edge_error error;
    edge_model *loaded = nullptr;
    if (edge_model_load_file(argv[1], &loaded, &error) != EDGE_OK) {
        std::fprintf(stderr, "%s\n", error.message);
        return 1;
    }
    std::unique_ptr<edge_model, ModelDeleter> model(loaded);
    edge_context *created = nullptr;
    if (edge_context_create(model.get(), nullptr, 0, &created, &error) != EDGE_OK) {
        std::fprintf(stderr, "%s\n", error.message);
        return 1;
    }
    std::unique_ptr<edge_context, ContextDeleter> context(created);
    std::ifstream file(argv[2], std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (edge_context_set_input(context.get(), 0, bytes.data(), bytes.size(), &error) != EDGE_OK ||
        edge_context_invoke(context.get(), &error) != EDGE_OK) {
        std::fprintf(stderr, "%s\n", error.message);
        return 1;
    }
    for (int32_t k = 0; k < edge_model_output_count(model.get()); k++) {
        edge_tensor_info output;
        edge_model_output_info(model.get(), k, &output);
        auto values = static_cast<const float *>(edge_context_output(context.get(), k));
        for (size_t i = 0; i < output.element_count; i++) std::printf("%.9g\n", values[i]);
    }
    edge_update *started = nullptr;
    edge_status status = edge_update_create(std::string(64, '0').c_str(), 1, "c1", 1, &started, &error);
    std::unique_ptr<edge_update, UpdateDeleter> update(started);
    std::printf("update encoder: %s\n", status == EDGE_OK ? "yes" : status == EDGE_ERROR_UNSUPPORTED ? "no" : "error");
    return 0;
}
