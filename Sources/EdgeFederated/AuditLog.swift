import Foundation

/// What happened to one update file: one JSON line of the audit log.
///
///     {"bytes":1834,"client_id":"c03","detail":"round 6, expected 7","examples":80,"file":"updates/c03.pb",
///      "reason":"wrong_round","round":6,"sha256":"9f2c…","status":"rejected"}
public struct AuditRecord: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case accepted
        case rejected
    }

    /// The path as given.
    public var file: String
    /// SHA-256 of the file's bytes: ties the line to exactly what was read.
    public var sha256: String
    public var bytes: Int
    public var status: Status = .rejected
    /// The rejection's code (`Rejection.Reason`) and detail.
    public var reason: String?
    public var detail: String?
    /// Header fields, when the update decoded.
    public var clientID: String?
    public var round: UInt64?
    public var examples: UInt64?
    /// L2 norm of the update as sent, and the factor clipping scaled it by (with --clip-norm).
    public var norm: Double?
    public var clipFactor: Double?
    public var loss: Float?
    public var accuracy: Float?

    public init(file: String, sha256: String, bytes: Int) {
        self.file = file
        self.sha256 = sha256
        self.bytes = bytes
    }

    enum CodingKeys: String, CodingKey {
        case file, sha256, bytes, status, reason, detail, round, examples, norm, loss, accuracy
        case clientID = "client_id"
        case clipFactor = "clip_factor"
    }
}

/// The audit log: one JSON object per line, per update file, in the order they were read.
public enum AuditLog {
    public static func encode(_ records: [AuditRecord]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for record in records {
            // Every field is a string, an integer or a finite number: encoding cannot fail.
            lines.append(try! encoder.encode(record))
            lines.append(0x0A)
        }
        return lines
    }

    public static func decode(_ data: Data) throws -> [AuditRecord] {
        try data.split(separator: 0x0A).map { try JSONDecoder().decode(AuditRecord.self, from: Data($0)) }
    }

    /// Writes the log through a temporary file and a rename.
    public static func write(_ records: [AuditRecord], to path: String) throws {
        do {
            try encode(records).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw FederatedError("cannot write the audit log '\(path)': \(error.localizedDescription)")
        }
    }
}
