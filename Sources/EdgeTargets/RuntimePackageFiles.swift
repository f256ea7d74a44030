import Foundation

/// The runtime's version, read from edge.h's EDGE_VERSION_MAJOR/MINOR/PATCH: it names the shared
/// library (`libedge.so.MAJOR.MINOR.PATCH`, SONAME `libedge.so.MAJOR`) and the package files.
public struct RuntimeVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(header: URL) throws {
        let text = try String(contentsOf: header, encoding: .utf8)
        func number(_ part: String) throws -> Int {
            for line in text.split(separator: "\n") where line.hasPrefix("#define EDGE_VERSION_\(part) ") {
                if let value = Int(line.split(separator: " ").last ?? "") { return value }
            }
            throw TargetError("\(header.lastPathComponent) has no #define EDGE_VERSION_\(part)")
        }
        major = try number("MAJOR")
        minor = try number("MINOR")
        patch = try number("PATCH")
    }

    public var description: String { "\(major).\(minor).\(patch)" }
    public var soname: String { "libedge.so.\(major)" }
    public var sharedLibraryFile: String { "libedge.so.\(description)" }
}

/// The files that let C and C++ builds find a built runtime: `lib/pkgconfig/edge.pc`,
/// `lib/cmake/edge/edgeConfig.cmake` and its version file, and for a cross target
/// `share/edge/toolchain.cmake`. Every path in them is relative to the file itself, so the
/// built folder can be moved or copied to a board's sysroot.
struct RuntimePackageFiles {
    var target: TargetDescription
    var version: RuntimeVersion
    /// The libraries libedge.a needs, in link order (`protobuf-c` unless inference-only, `m`).
    var dependencies: [String]
    var pointerSize: Int
    var inferenceOnly: Bool

    var flavour: String { inferenceOnly ? "inference-only" : "with the client-update encoder" }

    var pkgConfig: String {
        """
        # The edgec device runtime for \(target.name) (\(flavour)), written by `edgec runtime build`.
        # Shared:  cc app.c $(pkg-config --cflags --libs edge)
        # Static:  cc app.c $(pkg-config --cflags --libs --static edge) -static
        prefix=${pcfiledir}/../..
        includedir=${prefix}/include
        libdir=${prefix}/lib

        Name: edge
        Description: edgec device runtime: loads and runs .edgem models (\(target.name), \(flavour))
        Version: \(version)
        Cflags: -I${includedir}
        Libs: -L${libdir} -ledge
        Libs.private: \(dependencies.map { "-l\($0)" }.joined(separator: " "))

        """
    }

    var cmakeConfig: String {
        """
        # The edgec device runtime for \(target.name) (\(flavour)), written by `edgec runtime build`.
        #   find_package(edge REQUIRED)
        #   target_link_libraries(app PRIVATE edge::edge)          # libedge.so (SONAME \(version.soname))
        #   target_link_libraries(app PRIVATE edge::edge_static)   # libedge.a and what it needs
        # edge_INFERENCE_ONLY is TRUE when the client-update encoder was left out.
        get_filename_component(_edge_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
        if(NOT TARGET edge::edge)
          add_library(edge::edge SHARED IMPORTED)
          set_target_properties(edge::edge PROPERTIES
            IMPORTED_LOCATION "${_edge_prefix}/lib/\(version.sharedLibraryFile)"
            IMPORTED_SONAME "\(version.soname)"
            INTERFACE_INCLUDE_DIRECTORIES "${_edge_prefix}/include")
          add_library(edge::edge_static STATIC IMPORTED)
          set_target_properties(edge::edge_static PROPERTIES
            IMPORTED_LOCATION "${_edge_prefix}/lib/libedge.a"
            IMPORTED_LINK_INTERFACE_LANGUAGES "C"
            INTERFACE_INCLUDE_DIRECTORIES "${_edge_prefix}/include"
            INTERFACE_LINK_LIBRARIES "\(dependencies.joined(separator: ";"))")
        endif()
        set(edge_INFERENCE_ONLY \(inferenceOnly ? "TRUE" : "FALSE"))
        set(edge_TARGET "\(target.name)")
        unset(_edge_prefix)

        """
    }

    /// Same major version and the target's pointer size, as CMake's SameMajorVersion files check.
    var cmakeConfigVersion: String {
        """
        # Version \(version) of the edgec runtime for \(target.name): any \(version.major).x request at or below it fits.
        set(PACKAGE_VERSION "\(version)")
        if(PACKAGE_FIND_VERSION_MAJOR AND NOT PACKAGE_FIND_VERSION_MAJOR EQUAL \(version.major))
          set(PACKAGE_VERSION_COMPATIBLE FALSE)
        elseif(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)
          set(PACKAGE_VERSION_COMPATIBLE FALSE)
        else()
          set(PACKAGE_VERSION_COMPATIBLE TRUE)
          if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
            set(PACKAGE_VERSION_EXACT TRUE)
          endif()
        endif()
        if(CMAKE_SIZEOF_VOID_P AND NOT CMAKE_SIZEOF_VOID_P STREQUAL "\(pointerSize)")
          set(PACKAGE_VERSION "${PACKAGE_VERSION} (\(target.name), \(pointerSize * 8)-bit)")
          set(PACKAGE_VERSION_UNSUITABLE TRUE)
        endif()

        """
    }

    /// For a cross target: the compilers and ABI flags, and qemu-user to run what it builds.
    var cmakeToolchain: String? {
        guard let emulator = target.emulator else { return nil }
        let processor = target.multiarch.split(separator: "-").first.map(String.init) ?? target.multiarch
        let abiFlags = target.flags.filter { $0.hasPrefix("-m") }.joined(separator: " ")
        let emulatorCommand = ([emulator] + (target.emulatorCPU.map { ["-cpu", $0] } ?? []) + ["-L", target.sysroot]).joined(separator: ";")
        return """
        # CMake toolchain for \(target.name), written by `edgec runtime build`:
        #   cmake -S app -B build -DCMAKE_TOOLCHAIN_FILE=<this file> -DCMAKE_PREFIX_PATH=<the runtime folder>
        set(CMAKE_SYSTEM_NAME Linux)
        set(CMAKE_SYSTEM_PROCESSOR \(processor))
        set(CMAKE_C_COMPILER \(target.compiler))
        set(CMAKE_CXX_COMPILER \(target.cxxCompiler ?? target.compiler.replacingOccurrences(of: "gcc", with: "g++")))
        set(CMAKE_C_FLAGS_INIT "\(abiFlags)")
        set(CMAKE_CXX_FLAGS_INIT "\(abiFlags)")
        set(CMAKE_LIBRARY_ARCHITECTURE \(target.multiarch))
        set(CMAKE_CROSSCOMPILING_EMULATOR "\(emulatorCommand)")

        """
    }

    func write(into directory: URL) throws {
        var files = [("lib/pkgconfig/edge.pc", pkgConfig),
                     ("lib/cmake/edge/edgeConfig.cmake", cmakeConfig),
                     ("lib/cmake/edge/edgeConfigVersion.cmake", cmakeConfigVersion)]
        if let toolchain = cmakeToolchain { files.append(("share/edge/toolchain.cmake", toolchain)) }
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
        }
    }
}
