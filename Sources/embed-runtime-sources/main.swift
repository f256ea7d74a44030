import Foundation

// embed-runtime-sources PACKAGE-DIR OUTPUT.swift FILE...
// Writes a Swift file holding each FILE (path relative to PACKAGE-DIR and base64 bytes): the
// EmbedRuntimeSources build plugin's tool. Base64 keeps any byte of a C file out of Swift's
// string-literal rules and compiles quickly.
let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: embed-runtime-sources PACKAGE-DIR OUTPUT.swift FILE...\n".utf8))
    exit(64)
}
let package = URL(fileURLWithPath: arguments[1]).standardizedFileURL.path
var text = """
// Generated at build time by the EmbedRuntimeSources plugin (Plugins/); do not edit.

/// The C runtime's sources, edge-run and the target descriptions, as this edgec was built with them.
enum EmbeddedRuntimeSources {
    static let files: [(path: String, base64: String)] = [

"""
for path in arguments.dropFirst(3) {
    let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
    guard standardized.hasPrefix(package + "/") else {
        FileHandle.standardError.write(Data("embed-runtime-sources: \(path) is not inside \(package)\n".utf8))
        exit(1)
    }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    text += "        (\"\(standardized.dropFirst(package.count + 1))\", \"\(data.base64EncodedString())\"),\n"
}
text += "    ]\n}\n"
let output = URL(fileURLWithPath: arguments[2])
if (try? Data(contentsOf: output)) != Data(text.utf8) {
    try Data(text.utf8).write(to: output, options: .atomic)
}
