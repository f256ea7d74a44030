/// Why a graph could not be executed, in one line that names what and where.
public enum ExecutionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An op or dtype combination the reference executor does not implement.
    case unsupported(String)
    /// Inputs the caller gave do not fit the model.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .unsupported(let what): return "not supported by the reference executor: \(what)"
        case .invalidInput(let what): return what
        }
    }
}
