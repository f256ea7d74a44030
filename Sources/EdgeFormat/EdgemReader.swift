import CLZ4
import EdgeIR
import EdgeOperators
import Foundation

/// Reads an `.edgem` file back (for `edgec inspect` and tests), checking it as the C loader does:
/// sizes, offsets, checksums, versions. It never traps on a malformed file.
public struct EdgemFile: Sendable {
    public struct Section: Sendable {
        public var kind: UInt32
        public var flags: UInt32
        public var offset: Int
        public var size: Int
        public var storedSize: Int
        public var compression: UInt32
        public var checksum: UInt32
        public var kindName: String { Edgem.SectionKind(rawValue: kind)?.name ?? "UNKNOWN(\(kind))" }
    }

    public struct TensorRecord: Sendable {
        public var name: String
        public var dtype: DType?
        public var storage: UInt8
        public var shape: [Int]
        public var offset: Int
        public var size: Int
    }

    public struct OperatorRecord: Sendable {
        public var kind: UInt16
        public var name: String
        public var inputs: [UInt32]
        public var outputs: [UInt32]
        public var parameters: [UInt32]
        public var kindName: String { Edgem.OperatorKind(rawValue: kind)?.name ?? "UNKNOWN(\(kind))" }
    }

    public var versionMajor: UInt16
    public var versionMinor: UInt16
    public var fileSize: Int
    public var sections: [Section]
    public var tensors: [TensorRecord]
    public var operators: [OperatorRecord]
    public var inputs: [UInt32]
    public var outputs: [UInt32]
    public var arenaSize: Int
    public var name: String
    public var metadata: [(key: String, value: String)]

    public init(data: Data, source: String) throws {
        let bytes = [UInt8](data)
        func fail(_ detail: String) -> FormatError { FormatError("'\(source)' is not a valid .edgem file: \(detail)") }
        var header = ByteReader(bytes, context: "header", fail: fail)
        guard bytes.count >= Edgem.headerSize, Array(bytes[0..<8]) == Edgem.magic else { throw fail("missing the EDGEM magic") }
        header.position = 8
        versionMajor = try header.u16()
        versionMinor = try header.u16()
        guard versionMajor == Edgem.versionMajor else { throw fail("format version \(versionMajor).\(versionMinor); this edgec reads version \(Edgem.versionMajor)") }
        guard try header.u32() == UInt32(Edgem.headerSize) else { throw fail("header size is not 64") }
        fileSize = Int(clamping: try header.u64())
        guard fileSize == bytes.count else { throw fail("header says \(fileSize) bytes, the file has \(bytes.count) (truncated?)") }
        let sectionCount = Int(try header.u32())
        guard try header.u32() == UInt32(Edgem.headerSize), sectionCount <= 64 else { throw fail("bad section table position or count") }
        header.position = 36
        let storedChecksum = try header.u32()
        let tableEnd = Edgem.headerSize + Edgem.sectionEntrySize * sectionCount
        guard tableEnd <= bytes.count else { throw fail("the section table runs past the end") }
        var checked = Array(bytes[0..<tableEnd])
        for i in 36..<40 { checked[i] = 0 }
        guard CRC32.checksum(checked) == storedChecksum else { throw fail("header checksum mismatch") }

        var table = ByteReader(bytes, context: "section table", fail: fail)
        table.position = Edgem.headerSize
        sections = try (0..<sectionCount).map { _ in
            Section(kind: try table.u32(), flags: try table.u32(), offset: Int(clamping: try table.u64()), size: Int(clamping: try table.u64()),
                    storedSize: Int(clamping: try table.u64()), compression: try table.u32(), checksum: try table.u32())
        }
        var contents: [UInt32: [UInt8]] = [:]
        for section in sections {
            guard section.offset % 64 == 0 || section.compression != Edgem.Compression.none.rawValue, section.offset >= tableEnd, section.storedSize <= bytes.count - min(section.offset, bytes.count),
                  section.offset <= bytes.count else { throw fail("\(section.kindName) section lies outside the file") }
            let stored = Array(bytes[section.offset..<(section.offset + section.storedSize)])
            guard CRC32.checksum(stored) == section.checksum else { throw fail("\(section.kindName) section checksum mismatch") }
            guard contents[section.kind] == nil else { throw fail("\(section.kindName) section appears twice") }
            switch section.compression {
            case Edgem.Compression.none.rawValue:
                guard section.size == section.storedSize else { throw fail("\(section.kindName): size and stored size differ without compression") }
                contents[section.kind] = stored
            case Edgem.Compression.lz4.rawValue:
                contents[section.kind] = try Self.lz4Decompress(stored, size: section.size) ?? { throw fail("\(section.kindName): LZ4 data does not decompress to \(section.size) bytes") }()
            case Edgem.Compression.entropy.rawValue:
                contents[section.kind] = try EntropyCoding.decode(stored, size: section.size) ?? { throw fail("\(section.kindName): entropy-coded data does not decode to \(section.size) bytes") }()
            default:
                throw fail("\(section.kindName): unknown compression \(section.compression)")
            }
        }
        for kind in [Edgem.SectionKind.strings, .graph, .tensors, .operators] where contents[kind.rawValue] == nil {
            throw fail("the required \(kind.name) section is missing")
        }
        let strings = contents[Edgem.SectionKind.strings.rawValue]!
        func string(_ offset: UInt32) throws -> String {
            let start = Int(offset)
            guard start < strings.count, let end = strings[start...].firstIndex(of: 0) else { throw fail("string offset \(offset) is invalid") }
            return String(decoding: strings[start..<end], as: UTF8.self)
        }

        var graph = ByteReader(contents[Edgem.SectionKind.graph.rawValue]!, context: "GRAPH", fail: fail)
        let tensorCount = Int(try graph.u32()), operatorCount = Int(try graph.u32())
        let inputCount = Int(try graph.u32()), outputCount = Int(try graph.u32())
        arenaSize = Int(clamping: try graph.u64())
        name = try string(try graph.u32())
        _ = try graph.u32()
        let graphBytes = contents[Edgem.SectionKind.graph.rawValue]!.count
        guard inputCount + outputCount <= graphBytes / 4 else { throw fail("GRAPH holds \(graphBytes) bytes, too few for \(inputCount) inputs and \(outputCount) outputs") }
        inputs = try (0..<inputCount).map { _ in try graph.u32() }
        outputs = try (0..<outputCount).map { _ in try graph.u32() }

        let tensorBytes = contents[Edgem.SectionKind.tensors.rawValue]!
        guard tensorBytes.count == tensorCount * Edgem.tensorRecordSize else { throw fail("TENSORS holds \(tensorBytes.count) bytes for \(tensorCount) records") }
        var tensorReader = ByteReader(tensorBytes, context: "TENSORS", fail: fail)
        tensors = try (0..<tensorCount).map { _ in
            let name = try string(try tensorReader.u32())
            let dtype = DType(rawValue: try tensorReader.u8())
            let storage = try tensorReader.u8()
            let rank = Int(try tensorReader.u8())
            _ = try tensorReader.u8()
            let dims = try (0..<Edgem.maxRank).map { _ in Int(try tensorReader.u32()) }
            guard rank <= Edgem.maxRank else { throw fail("tensor '\(name)' has rank \(rank)") }
            let offset = Int(clamping: try tensorReader.u64()), size = Int(clamping: try tensorReader.u64())
            _ = try tensorReader.u32()
            _ = try tensorReader.u32()
            return TensorRecord(name: name, dtype: dtype, storage: storage, shape: Array(dims.prefix(rank)), offset: offset, size: size)
        }
        for index in inputs + outputs where Int(index) >= tensorCount { throw fail("GRAPH names tensor \(index) of \(tensorCount)") }

        let operatorBytes = contents[Edgem.SectionKind.operators.rawValue]!
        // Each record takes at least 12 bytes (kind, counts, parameter size, name): a count the
        // section cannot hold is refused before an array of that many records is reserved.
        guard operatorCount <= operatorBytes.count / 12 else { throw fail("OPERATORS holds \(operatorBytes.count) bytes, too few for \(operatorCount) records") }
        var operatorReader = ByteReader(operatorBytes, context: "OPERATORS", fail: fail)
        operators = try (0..<operatorCount).map { _ in
            let kind = try operatorReader.u16()
            let inputCount = Int(try operatorReader.u8()), outputCount = Int(try operatorReader.u8())
            let parameterBytes = Int(try operatorReader.u32())
            let name = try string(try operatorReader.u32())
            guard parameterBytes % 4 == 0 else { throw fail("operator '\(name)' has a parameter block of \(parameterBytes) bytes") }
            return OperatorRecord(kind: kind, name: name, inputs: try operatorReader.u32s(inputCount),
                                  outputs: try operatorReader.u32s(outputCount), parameters: try operatorReader.u32s(parameterBytes / 4))
        }
        guard operatorReader.position == operatorReader.bytes.count else { throw fail("OPERATORS has trailing bytes") }

        metadata = []
        if let metadataBytes = contents[Edgem.SectionKind.metadata.rawValue] {
            var reader = ByteReader(metadataBytes, context: "METADATA", fail: fail)
            let count = Int(try reader.u32())
            for _ in 0..<count {
                let key = try reader.text(Int(try reader.u32()))
                let value = try reader.text(Int(try reader.u32()))
                metadata.append((key, value))
            }
        }
    }

    static func lz4Decompress(_ stored: [UInt8], size: Int) -> [UInt8]? {
        guard size < Int(Int32.max), stored.count < Int(Int32.max) else { return nil }
        var output = [UInt8](repeating: 0, count: max(size, 1))
        let written = stored.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                source.baseAddress.map { s in
                    s.withMemoryRebound(to: CChar.self, capacity: stored.count) { s in
                        target.baseAddress!.withMemoryRebound(to: CChar.self, capacity: size) { t in
                            LZ4_decompress_safe(s, t, Int32(stored.count), Int32(size))
                        }
                    }
                } ?? -1
            }
        }
        return Int(written) == size ? Array(output.prefix(size)) : nil
    }
}

/// Bounds-checked little-endian reading.
struct ByteReader {
    let bytes: [UInt8]
    let context: String
    let fail: (String) -> FormatError
    var position = 0

    init(_ bytes: [UInt8], context: String, fail: @escaping (String) -> FormatError) {
        self.bytes = bytes
        self.context = context
        self.fail = fail
    }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw fail("\(context) ends early (at byte \(position))") }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    mutating func u8() throws -> UInt8 { try take(1).first! }
    mutating func u16() throws -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func u64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
    mutating func text(_ count: Int) throws -> String { String(decoding: try take(count), as: UTF8.self) }

    /// `count` u32s. A count the remaining bytes cannot hold is refused before an array of that
    /// many is reserved (a parameter block claiming 4 GB made the reader reserve it).
    mutating func u32s(_ count: Int) throws -> [UInt32] {
        guard count >= 0, count <= (bytes.count - position) / 4 else {
            throw fail("\(context) ends early (at byte \(position), \(count) values of 4 bytes claimed)")
        }
        return try (0..<count).map { _ in try u32() }
    }
}
