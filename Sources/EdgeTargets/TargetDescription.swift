import Foundation
import TOMLKit

/// A device target as `targets/NAME.toml` describes it: the cross compiler, its flags, where the
/// target's libraries live, how to emulate it, and the Debian packages that provide all that.
public struct TargetDescription: Sendable, Equatable {
    public var name: String
    public var description: String
    public var compiler: String
    /// The C++ compiler for programs that use the runtime (the CMake toolchain file names it).
    public var cxxCompiler: String?
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

    /// The keys a target file may hold; any other key is refused, so that a misspelt one is not ignored.
    static let keys: Set<String> = ["name", "description", "cc", "cxx", "ar", "strip", "cflags", "multiarch", "sysroot",
                                    "qemu", "qemu_cpu", "dpkg_architecture", "apt"]

    /// Reads a target file with a real TOML parser (comments anywhere, multi-line arrays, any
    /// quoting TOML allows). Errors name `source`, and the line and column when the TOML itself is bad.
    public init(toml text: String, source: String) throws {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TargetError("\(source):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
        }
        for key in table.keys where !Self.keys.contains(key) {
            throw TargetError("\(source): unknown key '\(key)'; a target file takes \(Self.keys.sorted().joined(separator: ", "))")
        }
        func string(_ key: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.string else { throw TargetError("\(source): '\(key)' must be a string") }
            return string
        }
        func required(_ key: String) throws -> String {
            guard let value = try string(key) else { throw TargetError("\(source): missing '\(key)'") }
            return value
        }
        func list(_ key: String) throws -> [String] {
            guard let value = table[key] else { return [] }
            let strings = value.array?.compactMap(\.string)
            guard let strings, strings.count == value.array?.count else { throw TargetError("\(source): '\(key)' must be an array of strings") }
            return strings
        }
        name = try required("name")
        description = try string("description") ?? name
        compiler = try required("cc")
        cxxCompiler = try string("cxx")
        archiver = try required("ar")
        strip = try required("strip")
        flags = try list("cflags")
        multiarch = try required("multiarch")
        sysroot = try string("sysroot") ?? "/"
        emulator = try string("qemu")
        emulatorCPU = try string("qemu_cpu")
        dpkgArchitecture = try string("dpkg_architecture")
        packages = try list("apt")
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
