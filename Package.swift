// swift-tools-version:6.0
import PackageDescription

// The module graph follows ../shared/ARCHITECTURE.md: data flows one way,
// ONNX -> EdgeIR -> passes -> (compression) -> format -> C runtime.
let package = Package(
    name: "edgec",
    products: [
        .executable(name: "edgec", targets: ["edgec"]),
        .executable(name: "edge-run", targets: ["edge-run"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        // SHA-256 of model files (compile metadata, federated base-model and update hashes).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // TOML (toml++ underneath): the target descriptions in targets/.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // Graph, values, typed ops, shape rules, verifier, pass protocol. Knows no file formats.
        .target(name: "EdgeIR"),
        // ONNX protobuf decoding and the op-by-op mapping into EdgeIR. The only code that knows ONNX.
        .target(
            name: "EdgeONNX",
            dependencies: ["EdgeIR", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"]
        ),
        // One definition per operator: shape rule, fp32 reference forward, backward, int8 traits and
        // lowering to the .edgem record, with the registry that lists them and the reference kernels.
        .target(name: "EdgeOperators", dependencies: ["EdgeIR", "COpenBLAS"]),
        // OpenBLAS (Debian's libopenblas-dev): the reference kernels' matrix products on the host.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // The fp32 reference executor of a graph, running each node through its operator's definition.
        .target(name: "EdgeExec", dependencies: ["EdgeIR", "EdgeOperators"]),
        // Graph passes (shape inference with constant folding, BN folding, fusion, ...).
        .target(name: "EdgePasses", dependencies: ["EdgeIR", "EdgeOperators", "EdgeExec"]),
        // Calibration, post-training int8 quantization, pruning.
        .target(name: "EdgeCompress", dependencies: ["EdgeIR", "EdgeOperators", "EdgeExec", "EdgePasses"]),
        // Accuracy, agreement, cosine and SQNR of compiled models against their fp32 reference.
        .target(name: "EdgeEvaluation", dependencies: ["EdgeIR", "EdgeExec", "EdgePasses", "EdgeCompress", "EdgeFormat", "EdgeDevice"]),
        // liblz4 (Debian's liblz4-dev), for compressing weight sections.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // The .edgem file: lowering to operator records, memory plan, writer and reader (formats/edgem.md).
        .target(name: "EdgeFormat", dependencies: ["EdgeIR", "EdgeOperators", "CLZ4", "CZlibHost", .product(name: "Crypto", package: "swift-crypto")]),
        // zlib (Debian's zlib1g-dev): the host's CRC-32.
        .systemLibrary(name: "CZlibHost", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The C device runtime (formats/edgem.md in, outputs out): the same sources are
        // cross-compiled for boards by `edgec runtime build` (targets/).
        .target(
            name: "EdgeRuntime",
            exclude: ["tests"],
            // No fused multiply-add: float steps of the int8 operators must round alike on every target.
            cSettings: [.unsafeFlags(["-std=c11", "-ffp-contract=off"])],
            linkerSettings: [.linkedLibrary("protobuf-c"), .linkedLibrary("m")]
        ),
        // The tiny device program: load a model, read .npy inputs, write .npy outputs, time it.
        .executableTarget(name: "edge-run", dependencies: ["EdgeRuntime"], path: "Sources/edge-run"),
        // Swift access to the C runtime: load a .edgem, run it on tensors, batch over samples.
        .target(name: "EdgeDevice", dependencies: ["EdgeIR", "EdgeRuntime"]),
        // Device targets (targets/*.toml) and cross-building the runtime for them, from the C sources
        // and target files embedded at build time (so an edgec copied anywhere builds the runtime).
        .target(
            name: "EdgeTargets",
            dependencies: [.product(name: "TOMLKit", package: "TOMLKit")],
            plugins: ["EmbedRuntimeSources"]
        ),
        // The build plugin and its tool that embed Sources/EdgeRuntime, edge-run and targets/ into EdgeTargets.
        .plugin(name: "EmbedRuntimeSources", capability: .buildTool(), dependencies: ["embed-runtime-sources"]),
        .executableTarget(name: "embed-runtime-sources", path: "Sources/embed-runtime-sources"),
        // Folders of PNG/JPEG images as calibration and evaluation data: decoding, PIL-exact bilinear
        // resizing, mean/std, channel order and layout, labels from class sub-folders.
        .target(name: "EdgeImages", dependencies: ["EdgeIR", "CPNG", "CTurboJPEG"]),
        // libpng (Debian's libpng-dev) and libjpeg-turbo's TurboJPEG (libturbojpeg0-dev): image decoding.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng16", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // .npy / .npz reading and writing for inputs, outputs and data sets.
        .target(name: "EdgeNumPy", dependencies: ["EdgeIR", "ZIPFoundation", "CZlibHost"]),
        // Federated averaging: client updates (formats/update.proto, encoded by the C runtime),
        // validation, FedAvg/trimmed mean/median, partial aggregates, the audit log.
        .target(
            name: "EdgeFederated",
            dependencies: ["EdgeIR", "EdgeONNX", "EdgeRuntime", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The command line: parsing and printing only.
        .executableTarget(
            name: "edgec",
            dependencies: [
                "EdgeIR", "EdgeONNX", "EdgeOperators", "EdgeExec", "EdgePasses", "EdgeNumPy", "EdgeFormat", "EdgeDevice", "EdgeTargets",
                "EdgeFederated", "EdgeCompress", "EdgeEvaluation", "EdgeImages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "EdgecTests",
            dependencies: ["EdgeIR", "EdgeONNX", "EdgeOperators", "EdgeExec", "EdgePasses", "EdgeNumPy", "EdgeFormat", "EdgeDevice", "EdgeTargets",
                           "EdgeFederated", "EdgeRuntime", "EdgeCompress", "EdgeEvaluation", "EdgeImages", "CZlibHost"]
        ),
    ],
    swiftLanguageModes: [.v5]
)

// libFuzzer targets (Fuzz/, run by .ci/fuzz): added only when EDGEC_FUZZ=1, built into their own
// build path, never part of the normal build. The package's own library targets get coverage
// instrumentation and AddressSanitizer here rather than through -Xswiftc, which would also reach the
// build tool that embeds the runtime sources (its sanitized link fails).
if Context.environment["EDGEC_FUZZ"] == "1" {
    for target in package.targets where target.type == .regular {
        target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-sanitize=fuzzer,address"])]
        target.cSettings = (target.cSettings ?? []) + [.unsafeFlags(["-fsanitize=fuzzer-no-link,address"])]
    }
    // libFuzzer supplies main(); only these targets are parsed as libraries.
    let fuzzTarget = { (name: String, dependencies: [Target.Dependency], path: String) -> Target in
        .executableTarget(name: name, dependencies: ["CFuzzer"] + dependencies, path: path,
                          swiftSettings: [.unsafeFlags(["-parse-as-library", "-sanitize=fuzzer,address"])],
                          linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])])
    }
    package.targets += [
        .systemLibrary(name: "CFuzzer", path: "Fuzz/CFuzzer"),
        fuzzTarget("fuzz-onnx", ["EdgeONNX", "EdgePasses", "EdgeFormat", "EdgeIR"], "Fuzz/onnx"),
        fuzzTarget("fuzz-numpy", ["EdgeNumPy"], "Fuzz/numpy"),
        fuzzTarget("fuzz-update", ["EdgeFederated"], "Fuzz/update"),
        fuzzTarget("fuzz-edgem", ["EdgeFormat"], "Fuzz/edgem"),
    ]
}
