import CLZ4
import EdgeIR
import EdgeOperators
import Foundation

/// Writes a prepared graph as an `.edgem` file, byte for byte as formats/edgem.md specifies.
///
///     let compiled = try EdgemWriter.write(graph, options: .init(compression: .entropy), metadata: [...])
///     try compiled.data.write(to: url, options: .atomic)
public enum EdgemWriter {
    public struct Options: Sendable {
        /// How sections are stored: `.lz4` compresses WEIGHTS, `.entropy` every section it makes
        /// smaller; either is decompressed once at load. `.none` keeps weights usable in place from a map.
        public var compression: Edgem.Compression
        /// Store a weight sparsely when that takes at most this fraction of its dense bytes.
        public var sparseThreshold: Double
        /// Let the reader derive requantization arrays from the quantization records instead of storing them.
        public var deriveRequantization: Bool

        public init(compression: Edgem.Compression = .none, sparseThreshold: Double = 0.75, deriveRequantization: Bool = true) {
            self.compression = compression
            self.sparseThreshold = sparseThreshold
            self.deriveRequantization = deriveRequantization
        }
    }

    /// The file and what went into it.
    public struct Output: Sendable {
        public var data: Data
        public var plan: MemoryPlan
        public var operatorCount: Int
        public var tensorCount: Int
        public var weightBytes: Int
        public var sparseTensorCount: Int
    }

    public static func write(_ graph: Graph, options: Options = Options(), metadata: [(String, String)] = []) throws -> Output {
        var graph = graph
        var operators = try Operators.lower(&graph, maxRank: Edgem.maxRank)
        for index in operators.indices where !operators[index].kind.movesBytes && !operators[index].kind.readsIntegers {
            for (slot, input) in operators[index].inputs.enumerated() {
                guard let id = input, let constant = graph.constants[id], constant.dtype != .float32 else { continue }
                operators[index].inputs[slot] = graph.addConstant(name: graph.name(of: id) + ".float", Tensor(shape: constant.shape, storage: constant.storage.converted(to: .float32)))
            }
        }
        let plan = MemoryPlan.plan(graph)
        let limits = ResourceLimits.current
        guard plan.arenaSize <= limits.arenaBytes else {
            throw FormatError("the model's activations need an arena of \(plan.arenaSize) bytes, more than the \(limits.arenaBytes) edgec plans for a device (EDGEC_MAX_ARENA_BYTES raises it)")
        }

        // Tensors: every value an operator or the graph interface touches, numbered in value order.
        var used = Set<ValueID>(graph.inputs.map(\.value) + graph.outputs)
        for op in operators { used.formUnion(op.inputs.compactMap { $0 } + op.outputs) }
        let valueOrder = used.sorted()
        var tensorIndex: [ValueID: UInt32] = [:]
        for (i, id) in valueOrder.enumerated() { tensorIndex[id] = UInt32(i) }

        let derived = options.deriveRequantization ? derivedRequantization(graph, operators) : []
        var strings = StringTable()
        var quantizationRecords: [[UInt8]] = []
        var weights = ByteWriter()
        var tensors = ByteWriter()
        var sparseCount = 0
        for id in valueOrder {
            guard let type = graph.type(of: id) else { throw FormatError("value '\(graph.name(of: id))' has no type") }
            guard type.shape.count <= Edgem.maxRank else { throw FormatError("tensor '\(graph.name(of: id))' has rank \(type.shape.count); the format allows \(Edgem.maxRank)") }
            var storage = Edgem.Storage.arena
            var offset = 0, size = type.byteCount
            if derived.contains(id) {
                storage = .requantization
                size = 0
            } else if let constant = graph.constants[id] {
                weights.align(16)
                offset = weights.bytes.count
                let dense = denseBytes(constant)
                let sparse = sparseBytes(constant)
                if Double(sparse.count) <= options.sparseThreshold * Double(dense.count) {
                    storage = .weightSparse
                    weights.bytes += sparse
                    size = sparse.count
                    sparseCount += 1
                } else {
                    storage = .weight
                    weights.bytes += dense
                }
            } else {
                guard let planned = plan.offsets[id] else { throw FormatError("value '\(graph.name(of: id))' has no arena offset") }
                offset = planned
            }
            tensors.u32(strings.offset(of: graph.name(of: id)))
            tensors.u8(type.dtype.rawValue)
            tensors.u8(storage.rawValue)
            tensors.u8(UInt8(type.shape.count))
            tensors.u8(0)
            for axis in 0..<Edgem.maxRank {
                guard axis < type.shape.count else { tensors.u32(0); continue }
                guard let dimension = UInt32(exactly: type.shape[axis]) else {
                    throw FormatError("tensor '\(graph.name(of: id))' has dimension \(type.shape[axis]), beyond the 32 bits of an .edgem dimension")
                }
                tensors.u32(dimension)
            }
            tensors.u64(UInt64(offset))
            tensors.u64(UInt64(size))
            if let q = graph.values[id].quantization {
                var record = ByteWriter()
                record.u32(UInt32(bitPattern: Int32(q.axis ?? -1)))
                record.u32(UInt32(q.scales.count))
                for scale in q.scales { record.u32(scale.bitPattern) }
                for zero in q.zeroPoints { record.u32(UInt32(bitPattern: zero)) }
                tensors.u32(UInt32(quantizationRecords.count))
                quantizationRecords.append(record.bytes)
            } else {
                tensors.u32(Edgem.none)
            }
            tensors.u32(0)
        }

        guard operators.allSatisfy({ $0.inputs.count <= 255 && $0.outputs.count <= 255 }) else {
            throw FormatError("an operator has more than 255 inputs or outputs")
        }
        var records = ByteWriter()
        for op in operators {
            records.u16(op.kind.rawValue)
            records.u8(UInt8(op.inputs.count))
            records.u8(UInt8(op.outputs.count))
            records.u32(UInt32(op.parameters.count * 4))
            records.u32(strings.offset(of: op.name))
            for input in op.inputs { records.u32(input.map { tensorIndex[$0]! } ?? Edgem.none) }
            for output in op.outputs { records.u32(tensorIndex[output]!) }
            for field in op.parameters { records.u32(field) }
        }

        var graphSection = ByteWriter()
        graphSection.u32(UInt32(valueOrder.count))
        graphSection.u32(UInt32(operators.count))
        graphSection.u32(UInt32(graph.inputs.count))
        graphSection.u32(UInt32(graph.outputs.count))
        graphSection.u64(UInt64(plan.arenaSize))
        graphSection.u32(strings.offset(of: graph.name))
        graphSection.u32(0)
        for input in graph.inputs { graphSection.u32(tensorIndex[input.value]!) }
        for output in graph.outputs { graphSection.u32(tensorIndex[output]!) }

        var metadataSection = ByteWriter()
        metadataSection.u32(UInt32(metadata.count))
        for (key, value) in metadata {
            metadataSection.u32(UInt32(key.utf8.count))
            metadataSection.bytes += Array(key.utf8)
            metadataSection.u32(UInt32(value.utf8.count))
            metadataSection.bytes += Array(value.utf8)
        }

        var sections: [(Edgem.SectionKind, [UInt8])] = [
            (.metadata, metadataSection.bytes),
            (.strings, strings.bytes),
            (.graph, graphSection.bytes),
            (.tensors, tensors.bytes),
            (.operators, records.bytes),
        ]
        if !weights.bytes.isEmpty { sections.append((.weights, weights.bytes)) }
        if !quantizationRecords.isEmpty {
            var section = ByteWriter()
            section.u32(UInt32(quantizationRecords.count))
            var offset = 4 + 4 * quantizationRecords.count
            for record in quantizationRecords { section.u32(UInt32(offset)); offset += record.count }
            for record in quantizationRecords { section.bytes += record }
            sections.append((.quantization, section.bytes))
        }
        let data = try assemble(sections.map { kind, contents in
            (kind, contents, options.compression == .entropy || kind == .weights ? options.compression : .none)
        })
        return Output(data: data, plan: plan, operatorCount: operators.count, tensorCount: valueOrder.count, weightBytes: weights.bytes.count, sparseTensorCount: sparseCount)
    }

    /// The requantization arrays (input 3 of CONV_INT8 and GEMM_INT8) a reader derives from the
    /// quantization records as formats/edgem.md says, so they need no bytes: those read by one
    /// operator only and equal to the derivation.
    static func derivedRequantization(_ graph: Graph, _ operators: [LoweredOperator]) -> Set<ValueID> {
        var readers: [ValueID: Int] = [:]
        for op in operators { for case let id? in op.inputs { readers[id, default: 0] += 1 } }
        for id in graph.outputs { readers[id, default: 0] += 1 }
        var derived = Set<ValueID>()
        for op in operators where (op.kind == .convInt8 || op.kind == .gemmInt8) && op.inputs.count == 4 && !op.outputs.isEmpty {
            guard let x = op.inputs[0], let w = op.inputs[1], let r = op.inputs[3], readers[r] == 1,
                  let constant = graph.constants[r], constant.rank == 2, constant.shape[1] == 2,
                  let qx = graph.values[x].quantization, let qw = graph.values[w].quantization,
                  let qy = graph.values[op.outputs[0]].quantization,
                  qw.scales.count == 1 || qw.scales.count == constant.shape[0] else { continue }
            let weightScales = qw.scales.count == 1 ? QuantizationParameters(scale: qw.scale, zeroPoint: 0) : qw
            if IntegerArithmetic.requantization(input: qx, weights: weightScales, output: qy, channels: constant.shape[0]) == constant {
                derived.insert(r)
            }
        }
        return derived
    }

    /// Header, section table and section contents with their checksums; a section is stored
    /// compressed only when that makes it smaller.
    static func assemble(_ sections: [(kind: Edgem.SectionKind, contents: [UInt8], compression: Edgem.Compression)]) throws -> Data {
        let tableEnd = Edgem.headerSize + Edgem.sectionEntrySize * sections.count
        var entries: [(kind: Edgem.SectionKind, offset: Int, size: Int, stored: [UInt8], compression: Edgem.Compression)] = []
        var cursor = tableEnd
        for section in sections {
            var stored = section.contents
            var compression = Edgem.Compression.none
            let compressed: [UInt8]?
            switch section.compression {
            case .none: compressed = nil
            case .lz4: compressed = lz4(section.contents)
            case .entropy: compressed = section.contents.isEmpty ? nil : EntropyCoding.encode(section.contents)
            }
            if let compressed, compressed.count < section.contents.count {
                stored = compressed
                compression = section.compression
            }
            // Uncompressed contents are used where they lie, so they start 64-byte aligned;
            // compressed ones are decoded into aligned memory and follow the previous section directly.
            if compression == .none { cursor = (cursor + 63) / 64 * 64 }
            entries.append((section.kind, cursor, section.contents.count, stored, compression))
            cursor += stored.count
        }
        var file = ByteWriter()
        file.bytes += Edgem.magic
        file.u16(Edgem.versionMajor)
        file.u16(Edgem.versionMinor)
        file.u32(UInt32(Edgem.headerSize))
        file.u64(UInt64(cursor))
        file.u32(UInt32(sections.count))
        file.u32(UInt32(Edgem.headerSize))
        file.u32(0)
        file.u32(0)  // header checksum, patched below
        file.zeros(24)
        for entry in entries {
            file.u32(entry.kind.rawValue)
            file.u32(entry.kind == .metadata ? 1 : 0)
            file.u64(UInt64(entry.offset))
            file.u64(UInt64(entry.size))
            file.u64(UInt64(entry.stored.count))
            file.u32(entry.compression.rawValue)
            file.u32(CRC32.checksum(entry.stored))
        }
        file.patchU32(at: 36, CRC32.checksum(file.bytes))
        for entry in entries {
            file.zeros(entry.offset - file.bytes.count)
            file.bytes += entry.stored
        }
        file.zeros(cursor - file.bytes.count)
        return Data(file.bytes)
    }

    static func lz4(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count < Int(Int32.max) else { return nil }
        let bound = Int(LZ4_compressBound(Int32(bytes.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written = bytes.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                source.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { s in
                    target.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bound) { t in
                        LZ4_compress_HC(s, t, Int32(bytes.count), Int32(bound), 12)
                    }
                }
            }
        }
        guard written > 0 else { return nil }
        return Array(output.prefix(Int(written)))
    }

    static func denseBytes(_ tensor: Tensor) -> [UInt8] {
        switch tensor.storage {
        case .float32(let a): return a.withUnsafeBytes { Array($0) }
        case .int64(let a): return a.withUnsafeBytes { Array($0) }
        case .int32(let a): return a.withUnsafeBytes { Array($0) }
        case .int8(let a): return a.withUnsafeBytes { Array($0) }
        case .uint8(let a): return a
        case .bool(let a): return a.map { $0 ? 1 : 0 }
        }
    }

    /// The sparse encoding of formats/edgem.md: a bitmap of non-zero elements, then those elements packed.
    static func sparseBytes(_ tensor: Tensor) -> [UInt8] {
        let width = tensor.dtype.byteSize
        let dense = denseBytes(tensor)
        let count = tensor.elementCount
        var bitmap = [UInt8](repeating: 0, count: (count + 7) / 8)
        var packed: [UInt8] = []
        for i in 0..<count {
            let element = dense[(i * width)..<((i + 1) * width)]
            if element.contains(where: { $0 != 0 }) {
                bitmap[i / 8] |= 1 << UInt8(i % 8)
                packed += element
            }
        }
        return bitmap + packed
    }
}

/// The STRINGS section: NUL-terminated, deduplicated, offset 0 is the empty string.
struct StringTable {
    private(set) var bytes: [UInt8] = [0]
    private var offsets: [String: UInt32] = ["": 0]

    mutating func offset(of string: String) -> UInt32 {
        if let known = offsets[string] { return known }
        let offset = UInt32(bytes.count)
        bytes += Array(string.utf8.filter { $0 != 0 }) + [0]
        offsets[string] = offset
        return offset
    }
}
