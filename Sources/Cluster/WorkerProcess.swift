import CProcess
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process calls a supervisor makes: start a worker, signal it, collect the ones that ended.
enum WorkerProcess {
    struct SpawnFailed: Error, CustomStringConvertible {
        let path: String
        let errno: Int32
        var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
    }

    static func spawn(_ path: String, arguments: [String]) throws -> pid_t {
        var argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let pid = cprocess_spawn(path, &argv)
        guard pid > 0 else { throw SpawnFailed(path: path, errno: errno) }
        return pid
    }

    static func signal(_ pid: pid_t, _ number: Int32) {
        _ = kill(pid, number)
    }

    /// Every child that has ended since the last call, without waiting.
    static func reapEnded() -> [(pid: pid_t, ending: RestartPolicy.Ending)] {
        var ended: [(pid_t, RestartPolicy.Ending)] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return ended }
            // WIFEXITED / WEXITSTATUS / WTERMSIG are C macros Swift does not import.
            let signal = status & 0x7f
            ended.append((pid, signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)))
        }
    }

    /// This program's own file, to start the workers from.
    static func currentExecutable(fallback: String) -> String {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 { return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
        #endif
        return fallback
    }
}
