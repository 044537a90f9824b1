import Foundation

/// Where log lines go: standard output, standard error, or a file that can be reopened (SIGUSR1)
/// after logrotate moved it. Lines are written whole under a lock so threads never interleave.
public final class LogOutput: @unchecked Sendable {  // `fd` is read and replaced only under `lock`
    public enum Target: Equatable, Sendable {
        case stdout, stderr, file(String)

        /// "stdout", "stderr" or a file path.
        public init(_ text: String) {
            switch text {
            case "stdout": self = .stdout
            case "stderr": self = .stderr
            default: self = .file(text)
            }
        }
    }

    public let target: Target
    private let lock = NSLock()
    private var fd: Int32

    public init(_ target: Target) throws {
        self.target = target
        switch target {
        case .stdout: fd = STDOUT_FILENO
        case .stderr: fd = STDERR_FILENO
        case .file(let path): fd = try LogOutput.open(path)
        }
    }

    deinit {
        if case .file = target { close(fd) }
    }

    public func write(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Opens the file path again (a no-op for the standard streams). Lines written meanwhile go to
    /// the old file until the swap, none are lost.
    public func reopen() throws {
        guard case .file(let path) = target else { return }
        let fresh = try LogOutput.open(path)
        lock.lock()
        let old = fd
        fd = fresh
        lock.unlock()
        close(old)
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw LogOutputError(path: path, code: errno) }
        return fd
    }
}

public struct LogOutputError: Error, CustomStringConvertible {
    public let path: String
    public let code: Int32
    public var description: String { "cannot open log file \(path): \(String(cString: strerror(code)))" }
}
