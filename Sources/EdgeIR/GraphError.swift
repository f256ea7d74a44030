/// A problem with a graph, said in one line that names the node or value concerned.
public struct GraphError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case shapeMismatch
        case unboundDimension
        case cycle
        case undefinedValue
        case dynamicParameter
        case unsupported
        case invalidGraph
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// An error about `node`, prefixed with its op type and name.
    public static func at(_ node: Node, _ kind: Kind, _ detail: String) -> GraphError {
        GraphError(kind, "\(node.operation.kindName) node '\(node.name)': \(detail)")
    }
}
