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
        /// Standard output and standard error, interleaved as written.
        public var output: Data
    }

    /// Runs `executable` with `arguments` (not including the program name) and collects its output.
    public static func run(_ executable: String, _ arguments: [String]) throws -> Outcome {
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
        guard pipe(&ends) == 0 else { throw TargetError("cannot make a pipe for \(executable): \(String(cString: strerror(errno)))") }
        // Neither end may reach the child as itself (it gets the write end as 1 and 2) nor any
        // program started later, or the read below would wait for that one too.
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(ends[1])
        guard spawned == 0 else {
            close(ends[0])
            throw TargetError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let output = FileHandle(fileDescriptor: ends[0], closeOnDealloc: true).readDataToEndOfFile()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return Outcome(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, output: output)
    }
}
