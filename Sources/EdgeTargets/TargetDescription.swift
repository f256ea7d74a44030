import Foundation

/// A device target as `targets/NAME.toml` describes it: the cross compiler, its flags, where the
/// target's libraries live, how to emulate it, and the Debian packages that provide all that.
public struct TargetDescription: Sendable, Equatable {
    public var name: String
    public var description: String
    public var compiler: String
    public var archiver: String
    public var strip: String
    public var flags: [String]
    /// Debian multiarch triple: the target's libraries are in /usr/lib/<multiarch>.
    public var multiarch: String
    public var sysroot: String
    /// The qemu-user binary that runs the target's programs here, if it is not this machine.
    public var emulator: String?
    public var emulatorCPU: String?
    /// The architecture `dpkg --add-architecture` needs for the target's libraries.
    public var dpkgArchitecture: String?
    public var packages: [String]

    /// Parses the small TOML subset target files use: `key = "text"` and `key = ["a", "b"]`.
    public init(toml text: String, source: String) throws {
        var values: [String: [String]] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw TargetError("\(source):\(number + 1): expected key = value") }
            let value = parts[1]
            func unquote(_ s: Substring) throws -> String {
                let t = s.trimmingCharacters(in: .whitespaces)
                guard t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") else { throw TargetError("\(source):\(number + 1): expected a quoted string, got \(t)") }
                return String(t.dropFirst().dropLast())
            }
            if value.hasPrefix("[") {
                guard value.hasSuffix("]") else { throw TargetError("\(source):\(number + 1): unterminated list") }
                values[parts[0]] = try value.dropFirst().dropLast().split(separator: ",").map(unquote)
            } else {
                values[parts[0]] = [try unquote(Substring(value))]
            }
        }
        func required(_ key: String) throws -> String {
            guard let v = values[key]?.first else { throw TargetError("\(source): missing '\(key)'") }
            return v
        }
        name = try required("name")
        description = values["description"]?.first ?? name
        compiler = try required("cc")
        archiver = try required("ar")
        strip = try required("strip")
        flags = values["cflags"] ?? []
        multiarch = try required("multiarch")
        sysroot = values["sysroot"]?.first ?? "/"
        emulator = values["qemu"]?.first
        emulatorCPU = values["qemu_cpu"]?.first
        dpkgArchitecture = values["dpkg_architecture"]?.first
        packages = values["apt"] ?? []
    }

    /// The command prefix that runs one of the target's programs on this machine.
    public var runPrefix: [String] {
        guard let emulator = emulator else { return [] }
        return [emulator] + (emulatorCPU.map { ["-cpu", $0] } ?? []) + ["-L", sysroot]
    }

    /// The exact lines that install this target's toolchain on Debian.
    public var installCommand: String {
        var lines: [String] = []
        if let arch = dpkgArchitecture { lines.append("dpkg --add-architecture \(arch)") }
        lines.append("apt-get update")
        lines.append("apt-get install -y " + packages.joined(separator: " "))
        return lines.joined(separator: " && ")
    }
}

public struct TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
