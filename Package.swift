// swift-tools-version:6.0
import PackageDescription

// The module graph follows ../shared/ARCHITECTURE.md: data flows one way,
// ONNX -> EdgeIR -> passes -> (compression) -> format -> C runtime.
let package = Package(
    name: "edgec",
    products: [
        .executable(name: "edgec", targets: ["edgec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
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
        // The fp32 reference executor: one kernel family per file.
        .target(name: "EdgeExec", dependencies: ["EdgeIR"]),
        // Graph passes (shape inference with constant folding, BN folding, fusion, ...).
        .target(name: "EdgePasses", dependencies: ["EdgeIR", "EdgeExec"]),
        // liblz4 (Debian's liblz4-dev), for compressing weight sections.
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        // The .edgem file: lowering to operator records, memory plan, writer and reader (formats/edgem.md).
        .target(name: "EdgeFormat", dependencies: ["EdgeIR", "CLZ4"]),
        // The C device runtime (formats/edgem.md in, outputs out): the same sources are
        // cross-compiled for boards by `edgec runtime build` (targets/).
        .target(
            name: "EdgeRuntime",
            exclude: ["tests"],
            cSettings: [.unsafeFlags(["-std=c11"])],
            linkerSettings: [.linkedLibrary("lz4"), .linkedLibrary("m")]
        ),
        // Swift access to the C runtime: load a .edgem, run it on tensors, batch over samples.
        .target(name: "EdgeDevice", dependencies: ["EdgeIR", "EdgeRuntime"]),
        // Device targets (targets/*.toml) and cross-building the runtime for them.
        .target(name: "EdgeTargets"),
        // .npy / .npz reading and writing for inputs, outputs and data sets.
        .target(name: "EdgeNumPy", dependencies: ["EdgeIR", "ZIPFoundation"]),
        // The command line: parsing and printing only.
        .executableTarget(
            name: "edgec",
            dependencies: [
                "EdgeIR", "EdgeONNX", "EdgeExec", "EdgePasses", "EdgeNumPy", "EdgeFormat", "EdgeDevice", "EdgeTargets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "EdgecTests",
            dependencies: ["EdgeIR", "EdgeONNX", "EdgeExec", "EdgePasses", "EdgeNumPy", "EdgeFormat", "EdgeDevice", "EdgeTargets"]
        ),
    ],
    swiftLanguageModes: [.v5]
)
