import Crypto
import Foundation

/// The SHA-256 that names a base model and an update, as 64 lowercase hex digits (swift-crypto).
enum ModelHash {
    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
