import EdgeFederated
import EdgeONNX
import EdgeRuntime
import EdgeTargets
import Foundation
import Testing

/// The client-update encoder of the C runtime (edge.h `edge_update_*`): called from Swift, built
/// into a small C program for x86-64 and for ARM (run under qemu-user), and compared with the
/// encoder of Tests/Fixtures/make_federated.py. Every byte it writes must decode in Swift.
@Suite("Client-update encoder (C) decoded in Swift", .serialized)
struct UpdateEncoderTests {
    static let root = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let hash = String(repeating: "ab", count: 32)
    static let encodings: [UpdateEncoding] = [.fp32, .fp16, .int8, .topk(fraction: 0.25)]

    /// update_writer.c's formula: ((i * 7919 + salt) % 1000) / 1000 - 0.5, times `amplitude`.
    static func formula(_ count: Int, salt: Int, amplitude: Float) -> [Float] {
        (0..<count).map { (Float(($0 * 7919 + salt) % 1000) / 1000 - 0.5) * amplitude }
    }

    /// update_writer.c's `edge_cases`.
    static let edgeCases: [Float] = [65504.0, -65519.99, 6.1035156e-05, 5.9604645e-08, 2.9802322e-08, 2.9802326e-08, Float(1) / Float(3), 0,
                                     -0.0, 1.00048828125, 1.00146484375, -2.5, 2.5, 1e-7, -3.0e-6, 1234.5678]

    /// What a reader must get back, by update.proto's rules (Swift's own Float16 conversion
    /// rounds to nearest even, as the C encoder's software conversion must).
    static func decoded(_ values: [Float], _ encoding: UpdateEncoding) -> [Float] {
        switch encoding {
        case .fp32: return values
        case .fp16: return values.map { Float(Float16($0)) }
        case .int8:
            let scale = values.reduce(Float(0)) { max($0, abs($1)) } / 127
            return values.map { scale > 0 ? scale * Float(Int8(min(127, max(-127, ($0 / scale).rounded(.toNearestOrEven))))) : 0 }
        case .topk(let fraction):
            let k = min(values.count, max(1, Int((fraction * Double(values.count)).rounded(.up))))
            let kept = Set(values.indices.sorted { abs(values[$0]) != abs(values[$1]) ? abs(values[$0]) > abs(values[$1]) : $0 < $1 }.prefix(k))
            return values.indices.map { kept.contains($0) ? values[$0] : 0 }
        }
    }

    static func expectBits(_ actual: [Float], _ expected: [Float], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, "\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        if let i = actual.indices.first(where: { $0 < expected.count && actual[$0].bitPattern != expected[$0].bitPattern }) {
            Issue.record("\(label): element \(i) is \(actual[i]), expected \(expected[i])", sourceLocation: sourceLocation)
        }
    }

    @Test("every encoding, called from Swift", arguments: encodings)
    func inProcess(encoding: UpdateEncoding) throws {
        var generator = SplitMix(seed: 42)
        let random = (0..<5000).map { _ in Float(generator.normal() * 0.05) }
        let tensors: [(String, [Int], [Float])] = [
            ("conv.weight", [4, 3, 3, 3], Self.formula(108, salt: 0, amplitude: 0.2)),
            ("scale", [], [0.125]),
            ("random", [50, 100], random),
            ("edge_cases", [16], Self.edgeCases),
            ("ties", [8], [1, -1, 1, 0.5, -1, 0.5, 0, 1]),
            ("zeros", [3], [0, 0, 0]),
        ]
        let encoder = try UpdateEncoder(baseModelSHA256: Self.hash, round: 3, clientID: "swift", exampleCount: 9)
        for (name, shape, values) in tensors { try encoder.add(name: name, shape: shape, delta: values, encoding: encoding) }
        encoder.setMetrics(loss: 0.5, accuracy: nil)
        let update = try ClientUpdate(data: try encoder.serialized())
        #expect(update.baseModelSHA256 == Self.hash && update.round == 3 && update.clientID == "swift" && update.exampleCount == 9)
        #expect(update.loss == 0.5 && update.accuracy == nil && update.producer == "edge \(String(cString: edge_version()))")
        #expect(update.tensors.map(\.name) == tensors.map(\.0))
        for (tensor, (name, shape, values)) in zip(update.tensors, tensors) {
            #expect(tensor.shape == shape)
            Self.expectBits(tensor.dense(), Self.decoded(values, encoding), "\(encoding) \(name)")
        }
    }

    @Test("fp16 rounds like Swift's Float16 over the whole range, subnormals and ties included")
    func halfPrecisionSweep() throws {
        var values: [Float] = []
        for exponent in -27...15 {
            for step in 0..<64 {
                let magnitude = Float(sign: .plus, exponent: exponent, significand: 1 + Float(step) / 64)
                values += [magnitude, -magnitude, magnitude.nextUp, magnitude.nextDown]
            }
        }
        // Exact ties between two halves, both parities.
        values += (0..<64).map { Float(Float16(bitPattern: UInt16(0x3C00 + $0))) + Float(Float16(bitPattern: 0x3C01) - 1) / 2 }
        values = values.filter { abs($0) < 65520 }
        let encoder = try UpdateEncoder(baseModelSHA256: Self.hash, round: 0, clientID: "sweep", exampleCount: 1)
        try encoder.add(name: "sweep", shape: [values.count], delta: values, encoding: .fp16)
        let tensor = try ClientUpdate(data: try encoder.serialized()).tensors[0]
        Self.expectBits(tensor.dense(), values.map { Float(Float16($0)) }, "fp16 sweep")
    }

    @Test("bad input is refused with a message")
    func refusals() throws {
        #expect(throws: FederatedError.self) { try UpdateEncoder(baseModelSHA256: "abc", round: 0, clientID: "c", exampleCount: 1) }
        #expect(throws: FederatedError.self) { try UpdateEncoder(baseModelSHA256: Self.hash, round: 0, clientID: "", exampleCount: 1) }
        #expect(throws: FederatedError.self) { try UpdateEncoder(baseModelSHA256: Self.hash, round: 0, clientID: "c", exampleCount: 0) }
        let encoder = try UpdateEncoder(baseModelSHA256: Self.hash, round: 0, clientID: "c", exampleCount: 1)
        try encoder.add(name: "w", shape: [2], delta: [1, 2], encoding: .fp32)
        let cases: [(String, () throws -> Void)] = [
            ("tensor 'w' is already in the update", { try encoder.add(name: "w", shape: [2], delta: [1, 2], encoding: .fp32) }),
            ("tensor 'n': delta at index 1 is NaN", { try encoder.add(name: "n", shape: [2], delta: [1, .nan], encoding: .int8) }),
            ("tensor 'h': delta 70000 at index 0 does not fit fp16", { try encoder.add(name: "h", shape: [1], delta: [70000], encoding: .fp16) }),
            ("tensor 'e' has no elements", { try encoder.add(name: "e", shape: [0, 3], delta: [], encoding: .fp32) }),
            ("tensor 'k': top-k fraction 1.5 is not in (0, 1]", { try encoder.add(name: "k", shape: [1], delta: [1], encoding: .topk(fraction: 1.5)) }),
        ]
        for (message, call) in cases {
            let error = #expect(throws: FederatedError.self) { try call() }
            #expect(error?.message.hasPrefix(message) == true, "\(error?.message ?? "no error"), expected \(message)")
        }
        #expect(encoder.tensorCount == 1)
        #expect(throws: FederatedError.self) { try UpdateEncoding(parsing: "topk:0") }
        #expect(try UpdateEncoding(parsing: "topk:0.05") == .topk(fraction: 0.05))
    }

    @Test("edgec update's encoder writes what NumPy's does, byte for byte", arguments: ["fp32", "fp16", "int8", "topk"])
    func matchesPython(encoding: String) throws {
        let base = try BaseModel(contentsOf: Fixtures.path("federated/base.onnx"))
        let local = try ONNXWeightFile(contentsOf: Fixtures.path("federated/client_local.onnx"))
        let summary = try ModelDifference.update(base: base, local: local, localSource: "client_local.onnx", round: 7, clientID: "c17",
                                                 exampleCount: 120, encoding: try UpdateEncoding(parsing: encoding == "topk" ? "topk:0.25" : encoding))
        #expect(summary.changed == ["conv.weight", "fc.weight", "conv.bias", "fc.bias"] && summary.unchanged == 1)
        let ours = try ClientUpdate(data: summary.data)
        let theirs = try ClientUpdate(data: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("federated/local/\(encoding).pb"))))
        #expect(ours.baseModelSHA256 == theirs.baseModelSHA256 && ours.round == theirs.round && ours.exampleCount == theirs.exampleCount)
        let theirsByName = Dictionary(uniqueKeysWithValues: theirs.tensors.map { ($0.name, $0) })
        for tensor in ours.tensors {
            let other = try #require(theirsByName[tensor.name])
            #expect(tensor.shape == other.shape && tensor.encoding == other.encoding, "\(encoding) \(tensor.name)")
            #expect(tensor.data == other.data, "\(encoding) \(tensor.name): data bytes differ from NumPy's")
            #expect(tensor.scale.bitPattern == other.scale.bitPattern && tensor.indices == other.indices, "\(encoding) \(tensor.name)")
        }
        #expect(Set(ours.tensors.map(\.name)) == Set(theirsByName.keys))
    }

    // ---- the C program, built for each target -----------------------------------------------

    /// Builds update_writer.c with the encoder, statically linked to protobuf-c, for `target`.
    func buildWriter(_ target: String, into directory: URL) throws -> (program: URL, runPrefix: [String]) {
        let description = try RuntimeBuilder(root: Self.root).target(named: target)
        let runtime = Self.root.appendingPathComponent("Sources/EdgeRuntime")
        let sources = ["tests/update_writer.c", "update/update_encoder.c", "update/generated/update.pb-c.c", "status.c"]
        let program = directory.appendingPathComponent("update_writer-\(target)")
        try RuntimeBuilder.run([description.compiler, "-std=c11", "-Wall", "-Wextra", "-Werror", "-ffp-contract=off"] + description.flags
                               + ["-I", runtime.appendingPathComponent("include").path, "-I", runtime.path]
                               + sources.map { runtime.appendingPathComponent($0).path }
                               + ["-L", "/usr/lib/\(description.multiarch)", "-Wl,-Bstatic", "-lprotobuf-c", "-Wl,-Bdynamic", "-lm", "-o", program.path])
        return (program, description.runPrefix)
    }

    /// Runs the writer and checks every file it wrote against the formula.
    func writeAndDecode(_ target: String) throws -> [String: Data] {
        let directory = try EdgecBinary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (program, prefix) = try buildWriter(target, into: directory)
        let output = try RuntimeBuilder.run(prefix + [program.path, directory.path, Self.hash])
        #expect(output.hasSuffix("ok\n"), "\(target): \(output)")
        #expect(output.split(separator: "\n").filter { $0.hasPrefix("refused: ") }.count == 11, "\(target): \(output)")
        #expect(output.contains("refused: tensor 'nan': delta at index 2 is NaN"))
        var files: [String: Data] = [:]
        for (name, encoding) in zip(["fp32", "fp16", "int8", "topk"], Self.encodings) {
            let data = try Data(contentsOf: directory.appendingPathComponent("\(name).pb"))
            files[name] = data
            let update = try ClientUpdate(data: data)
            #expect(update.clientID == name && update.round == 7 && update.exampleCount == 120 && update.baseModelSHA256 == Self.hash)
            let expected: [(String, [Int], [Float])] = [
                ("conv.weight", [4, 3, 3, 3], Self.formula(108, salt: 0, amplitude: 0.2)),
                ("fc.bias", [10], Self.formula(10, salt: 17, amplitude: 0.01)),
                ("scale", [], Self.formula(1, salt: 5, amplitude: 1)),
                ("edge_cases", [16], Self.edgeCases),
            ]
            #expect(update.tensors.map(\.name) == expected.map(\.0))
            for (tensor, (tensorName, shape, values)) in zip(update.tensors, expected) {
                #expect(tensor.shape == shape && tensor.encoding.rawValue == name)
                Self.expectBits(tensor.dense(), Self.decoded(values, encoding), "\(target) \(name) \(tensorName)")
            }
        }
        let difference = try Data(contentsOf: directory.appendingPathComponent("difference.pb"))
        files["difference"] = difference
        let update = try ClientUpdate(data: difference)
        #expect(update.loss == 0.25 && update.accuracy == 0.875 && update.exampleCount == 3)
        let conv = zip(Self.formula(108, salt: 11, amplitude: 1), Self.formula(108, salt: 3, amplitude: 1)).map { $0 - $1 }
        let bias = zip(Self.formula(10, salt: 2, amplitude: 0.5), Self.formula(10, salt: 1, amplitude: 0.5)).map { $0 - $1 }
        Self.expectBits(update.tensors[0].dense(), Self.decoded(conv, .topk(fraction: 0.1)), "\(target) difference conv.weight")
        Self.expectBits(update.tensors[1].dense(), Self.decoded(bias, .int8), "\(target) difference fc.bias")
        return files
    }

    @Test("the C program on x86-64, aarch64 and armv7 (qemu) writes the same bytes, which decode")
    func everyTarget() throws {
        let native = try writeAndDecode("x86_64-linux-gnu")
        for target in ["aarch64-linux-gnu", "armv7-linux-gnueabihf"] {
            let files = try writeAndDecode(target)
            for (name, data) in native { #expect(files[name] == data, "\(target) \(name).pb differs from the x86-64 bytes") }
        }
    }
}

/// A small deterministic generator (SplitMix64) with Box-Muller normals, for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}
