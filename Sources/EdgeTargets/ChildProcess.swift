import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program the way a shell would: an empty signal mask and SIGPIPE at its default. Foundation's
/// Process passes on the signal mask of the thread that starts it, and Swift's worker threads block
/// most signals; a child that waits for its own children through SIGCHLD (cmake does) then hangs.
public enum ChildProcess {
    public struct Outcome: Sendable {
        /// The exit status, or 128 + the signal that ended the program.
        public var status: Int32
        /// Standard output and standard error, interleaved as written (empty when discarded).
        public var output: Data
        /// The program's own peak resident set, from wait4.
        public var peakResidentKibibytes: Int
    }

    /// Runs `executable` with `arguments` (not including the program name) in `directory` when given.
    /// With `captureOutput` false, its output goes to /dev/null.
    public static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                           captureOutput: Bool = true) throws -> Outcome {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), pipeSignal = sigset_t()
        sigemptyset(&noSignals)
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &pipeSignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var ends: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe2(&ends, O_CLOEXEC) == 0 else { throw TargetError("cannot make a pipe for \(executable): \(String(cString: strerror(errno)))") }
            posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
            posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        if captureOutput { close(ends[1]) }
        guard spawned == 0 else {
            if captureOutput { close(ends[0]) }
            throw TargetError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var output = Data()
        if captureOutput {
            let reader = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true)
            output = reader.readDataToEndOfFile()
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return Outcome(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, output: output,
                       peakResidentKibibytes: usage.ru_maxrss)
    }
}
