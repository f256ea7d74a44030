import EdgeDevice
import EdgeExec
import EdgeFormat
import EdgeIR
import EdgeNumPy
import EdgeONNX
import EdgePasses
import Foundation
import Testing

/// The C runtime (through its Swift bridge) against the Swift reference executor.
@Suite("C runtime against the reference executor")
struct RuntimeAgreementTests {
    func expectAgreement(_ fixture: CompiledFixture, _ label: String) throws {
        let device = try DeviceModel(data: fixture.file.data)
        let outputs = try device.run(fixture.inputs)
        for name in fixture.outputNames {
            let difference = expectMatches(outputs[name], try #require(fixture.reference[name]), "\(label) output \(name)")
            if label.hasPrefix("model") { print("C runtime \(label) \(name): max |diff| \(difference)") }
        }
    }

    /// onnxruntime's quantized operators are compiled as `compile` writes them (int8, the weights'
    /// dequantization folded) and run by the C runtime in PrequantizedModelTests: their prepared,
    /// fake-quantized graphs keep per-channel and int32 DequantizeLinear of weights for the
    /// lowering, which the runtime's DEQUANTIZE (per-tensor int8 activations) does not take.
    static let operatorCases = OperatorCase.all.filter { testCase in !PrequantizedModelTests.operatorCases.contains { $0.name == testCase.name } }

    @Test(arguments: operatorCases)
    func operatorCase(_ testCase: OperatorCase) throws {
        try expectAgreement(try .operatorCase(testCase.name), "case \(testCase.name)")
    }

    @Test(arguments: RealModelTests.lightModels)
    func lightModel(_ name: String) throws {
        try expectAgreement(try .lightModel(name), "model \(name)")
    }

    @Test(arguments: ["tiny_detector", "tiny_transformer", "tiny_transformer_nn", "tiny_mobilenet"])
    func torchModel(_ name: String) throws {
        try expectAgreement(try .torchModel(name), "model \(name)")
    }

    /// A batch of 32 samples through a batch-1 model runs sample by sample; compression changes nothing.
    @Test func digitsBatchAndCompression() throws {
        let reference = try NumPyFiles.read(Fixtures.path("digits/digits_reference.npz"))
        var outputs: [Tensor] = []
        for compression in Edgem.Compression.allCases {
            let fixture = try CompiledFixture.digits(compression: compression)
            try expectAgreement(fixture, "model digits (\(compression.name))")
            let device = try DeviceModel(data: fixture.file.data)
            let batch = try device.run(["input": try #require(reference["input"])])
            expectMatches(batch["logits"], try #require(reference["logits_static"]), "digits batch of 32 (\(compression.name))")
            outputs.append(try #require(batch["logits"]))
        }
        #expect(outputs.allSatisfy { $0 == outputs[0] }, "the C runtime's outputs differ between compressions")
    }
}

/// The file format itself: round trips, compression, sparsity, the memory plan, corruption.
@Suite("The .edgem format")
struct FormatTests {
    @Test func readerSeesWhatTheWriterWrote() throws {
        let fixture = try CompiledFixture.digits()
        let file = try EdgemFile(data: fixture.file.data, source: "digits")
        #expect(file.operators.map(\.kindName) == ["CONV", "CONV", "MAX_POOL", "CONV", "RESHAPE", "GEMM", "GEMM"])
        #expect(file.tensors.count == fixture.file.tensorCount)
        #expect(file.arenaSize == fixture.file.plan.arenaSize)
        #expect(file.sections.allSatisfy { $0.offset % 64 == 0 })
        #expect(file.metadata.contains { $0.key == "source.file" })
        let device = try DeviceModel(data: fixture.file.data)
        #expect(device.metadata("source.file") == Fixtures.path("digits/digits_cnn.onnx"))
        #expect(device.inputs.map(\.shape) == [[1, 1, 8, 8]])
        #expect(device.outputs.map(\.name) == ["logits"])
    }

    @Test func lz4AndEntropyShrinkCompressibleWeights() throws {
        let plain = try CompiledFixture.lightModel("squeezenet")
        let input = plain.inputs
        let lz4 = try CompiledFixture(Fixtures.path("light/squeezenet.onnx"), inputs: input, compression: .lz4)
        let entropy = try CompiledFixture(Fixtures.path("light/squeezenet.onnx"), inputs: input, compression: .entropy)
        #expect(lz4.file.data.count * 10 < plain.file.data.count, "\(lz4.file.data.count) vs \(plain.file.data.count)")
        // This model's weights repeat: LZ4 finds the repeats, the order-0 entropy coder cannot.
        #expect(entropy.file.data.count * 2 < plain.file.data.count, "\(entropy.file.data.count) vs \(plain.file.data.count)")
        let a = try DeviceModel(data: plain.file.data).run(input)
        #expect(a == (try DeviceModel(data: lz4.file.data).run(input)))
        #expect(a == (try DeviceModel(data: entropy.file.data).run(input)))
    }

    /// Every context count and adaptation limit decodes back exactly, from empty input to
    /// incompressible bytes; sizes that do not match, truncation and a bad header are refused.
    @Test func entropyCodingRoundTrips() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let noise = (0..<5000).map { _ in next() }
        let skewed = (0..<5000).map { _ in UInt8(bitPattern: Int8(clamping: (Int(next()) - 128) / 8)) }
        let ramp = (0..<2000).flatMap { i in withUnsafeBytes(of: Int32(i * 37 - 9000).littleEndian, Array.init) }
        let inputs: [[UInt8]] = [[], [0], [255], [UInt8](repeating: 0, count: 20_000), noise, skewed, ramp]
        for bytes in inputs {
            for contextsLog2 in 0...3 {
                for limit: UInt8 in [1, 60, 255] {
                    let stored = EntropyCoding.encode(bytes, contextsLog2: contextsLog2, limit: limit)
                    #expect(EntropyCoding.decode(stored, size: bytes.count) == bytes, "\(bytes.count) bytes, \(contextsLog2), \(limit)")
                }
            }
            let stored = EntropyCoding.encode(bytes)
            #expect(EntropyCoding.decode(stored, size: bytes.count) == bytes)
            if bytes.contains(where: { $0 != 0 }) {  // more zeros after zeros can cost no stored bit
                #expect(EntropyCoding.decode(stored, size: bytes.count + 1) == nil)
            }
            #expect(EntropyCoding.decode(Array(stored.dropLast()), size: bytes.count) == nil)
            var badHeader = stored
            badHeader[0] = 4
            #expect(EntropyCoding.decode(badHeader, size: bytes.count) == nil)
        }
        #expect(EntropyCoding.encode(skewed).count < 4000)
        #expect(EntropyCoding.encode(ramp, contextsLog2: 2, limit: 60).count < EntropyCoding.encode(ramp, contextsLog2: 0, limit: 60).count)
    }

    /// A damaged entropy-coded WEIGHTS section with correct checksums is refused by the C loader
    /// and the Swift reader, each with a message naming the coder.
    @Test func corruptEntropyCodedSectionIsRefusedByBothReaders() throws {
        let good = [UInt8](try CompiledFixture.digits(compression: .entropy).file.data)
        let file = try EdgemFile(data: Data(good), source: "digits")
        let index = try #require(file.sections.firstIndex { $0.kind == Edgem.SectionKind.weights.rawValue })
        let weights = file.sections[index]
        #expect(weights.compression == Edgem.Compression.entropy.rawValue)
        func damaged(_ change: (inout [UInt8]) -> Void) -> Data {
            var bytes = good
            change(&bytes)
            let entry = Edgem.headerSize + Edgem.sectionEntrySize * index
            let stored = Int(bytes[(entry + 24)..<(entry + 32)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            let crc = CRC32.checksum(bytes[weights.offset..<min(weights.offset + stored, bytes.count)])
            for i in 0..<4 { bytes[entry + 36 + i] = UInt8(truncatingIfNeeded: crc >> (8 * i)) }
            for i in 36..<40 { bytes[i] = 0 }
            let header = CRC32.checksum(bytes[0..<(Edgem.headerSize + Edgem.sectionEntrySize * file.sections.count)])
            for i in 0..<4 { bytes[36 + i] = UInt8(truncatingIfNeeded: header >> (8 * i)) }
            return Data(bytes)
        }
        let entry = Edgem.headerSize + Edgem.sectionEntrySize * index
        let cases: [(Data, String)] = [
            (damaged { $0[weights.offset + weights.storedSize / 2] ^= 0x20 }, "a flipped bit in the coded bytes"),
            (damaged { $0[weights.offset] = 7 }, "a bad context count"),
            (damaged { $0[weights.offset + 2] = 1 }, "a non-zero first coded byte"),
            (damaged { $0[entry + 19] = 0x10 }, "a size too large for the stored bytes"),
            (damaged { $0[entry + 24] &-= 1 }, "one stored byte fewer"),
        ]
        for (data, label) in cases {
            #expect(throws: FormatError.self, "Swift reader accepted \(label)") { try EdgemFile(data: data, source: label) }
            do {
                _ = try DeviceModel(data: data)
                Issue.record("C runtime accepted \(label)")
            } catch let error as RuntimeError {
                #expect(error.message.contains("entropy-coded"), "\(label): \(error.message)")
            }
        }
    }

    /// Zeroing most weights makes the writer store them sparsely; the runtime expands them exactly.
    @Test func sparseWeightsShrinkTheFileAndRunTheSame() throws {
        let model = try ONNXModel(contentsOf: Fixtures.path("digits/digits_cnn.onnx"))
        var graph = try StandardPipeline.prepare(model.graph)
        for (id, tensor) in graph.constants where tensor.elementCount > 1000 {
            var values = tensor.floats!
            let threshold = values.map(abs).sorted()[values.count * 8 / 10]
            for i in values.indices where abs(values[i]) < threshold { values[i] = 0 }
            graph.setConstant(id, Tensor(shape: tensor.shape, floats: values))
        }
        let dense = try EdgemWriter.write(graph, options: .init(sparseThreshold: 0))
        let sparse = try EdgemWriter.write(graph)
        #expect(sparse.sparseTensorCount >= 3)
        #expect(Double(sparse.data.count) < 0.4 * Double(dense.data.count), "\(sparse.data.count) vs \(dense.data.count)")
        let input = ["input": try NumPyFiles.read(Fixtures.path("digits/digits_sample.npy"))[""]!]
        #expect(try DeviceModel(data: sparse.data).run(input) == (try DeviceModel(data: dense.data).run(input)))
        expectMatches(try DeviceModel(data: sparse.data).run(input)["logits"], try ReferenceExecutor(graph: graph).run(input)["logits"]!, "sparse digits")
    }

    /// Tensors alive at the same step never share arena bytes; the plan is between the lower bound and the naive sum.
    @Test(arguments: RealModelTests.lightModels + ["digits"])
    func memoryPlanIsSound(_ name: String) throws {
        let fixture = name == "digits" ? try CompiledFixture.digits() : try CompiledFixture.lightModel(name)
        let graph = fixture.graph, plan = fixture.file.plan
        #expect(plan.lowerBound <= plan.arenaSize && plan.arenaSize <= plan.naiveSize)
        var first: [ValueID: Int] = [:], last: [ValueID: Int] = [:]
        for input in graph.inputs { first[input.value] = 0; last[input.value] = 0 }
        for (step, node) in graph.nodes.enumerated() {
            for case let input? in node.inputs where first[input] != nil { last[input] = step }
            for output in node.outputs where graph.constants[output] == nil { first[output] = step; last[output] = step }
        }
        for output in graph.outputs where first[output] != nil { last[output] = graph.nodes.count }
        let values = Array(first.keys)
        for (i, a) in values.enumerated() {
            for b in values[(i + 1)...] where first[a]! <= last[b]! && first[b]! <= last[a]! {
                let aStart = plan.offsets[a]!, bStart = plan.offsets[b]!
                let aEnd = aStart + graph.type(of: a)!.byteCount, bEnd = bStart + graph.type(of: b)!.byteCount
                #expect(aEnd <= bStart || bEnd <= aStart, "\(name): '\(graph.name(of: a))' and '\(graph.name(of: b))' overlap while both alive")
            }
        }
        print("memory plan \(name): arena \(plan.arenaSize), naive \(plan.naiveSize), lower bound \(plan.lowerBound)")
    }

    @Test func corruptFilesAreRefusedByBothReaders() throws {
        let good = try CompiledFixture.digits().file.data
        var flipped = good
        flipped[good.count - 100] ^= 0x10
        var version = good
        version[8] = 2
        let cases: [(Data, String)] = [
            (good.prefix(good.count / 2), "truncated"), (flipped, "bit flip in WEIGHTS"), (version, "version 2"), (Data(count: 10), "tiny"),
        ]
        for (data, label) in cases {
            #expect(throws: RuntimeError.self, "C runtime accepted \(label)") { try DeviceModel(data: data) }
            #expect(throws: FormatError.self, "Swift reader accepted \(label)") { try EdgemFile(data: data, source: label) }
        }
        do { _ = try DeviceModel(data: flipped) } catch let error as RuntimeError {
            #expect(error.message.lowercased().contains("checksum"), "\(error.message)")
        }
    }

    @Test func wrongInputsAreRefusedByTheRuntimeBridge() throws {
        let device = try DeviceModel(data: try CompiledFixture.digits().file.data)
        #expect(throws: RuntimeError.self) { try device.run(["input": Tensor.zeros(.float32, shape: [1, 1, 8, 9])]) }
        #expect(throws: RuntimeError.self) { try device.run(["image": Tensor.zeros(.float32, shape: [1, 1, 8, 8])]) }
        #expect(throws: RuntimeError.self) { try device.run(["input": Tensor.zeros(.int64, shape: [1, 1, 8, 8])]) }
    }
}
