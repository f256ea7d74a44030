/// Why a federated command cannot do its job — a setting out of range, a partial file it cannot
/// use, too few accepted updates — in one line naming what and where. A bad *update* is not an
/// error: it is a `Rejection`, recorded in the audit log while aggregation carries on.
public struct FederatedError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Why one client update does not count. The reason is a stable snake_case code for the audit
/// log (and for scripts reading it); the detail says what exactly, in one line.
public struct Rejection: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: String, Sendable, CaseIterable {
        /// The file cannot be read.
        case unreadable
        /// The bytes are not a ClientUpdate protobuf (truncated, corrupt, another file).
        case undecodable
        /// `format_version` is not one this aggregator knows.
        case unsupportedVersion = "unsupported_version"
        /// The client id is empty or longer than 256 bytes.
        case badClientID = "bad_client_id"
        /// The update was made from another base model.
        case wrongBaseModel = "wrong_base_model"
        /// The update is for another round.
        case wrongRound = "wrong_round"
        /// The example count is 0 or above the bound.
        case badExampleCount = "bad_example_count"
        /// Two entries for one tensor.
        case duplicateTensor = "duplicate_tensor"
        /// A tensor's encoding, data length, scale or indices are not as update.proto says.
        case badEncoding = "bad_encoding"
        /// A tensor name that is not a weight of the base model.
        case unknownTensor = "unknown_tensor"
        /// A tensor whose shape is not the base weight's.
        case shapeMismatch = "shape_mismatch"
        /// A NaN or infinite delta.
        case nonFinite = "non_finite"
        /// The update's L2 norm is above the bound.
        case normTooLarge = "norm_too_large"
        /// The client already has an accepted update in this round.
        case duplicateClient = "duplicate_client"
    }

    public var reason: Reason
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
