#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import Foundation
import Synchronization

/// What the parent tells a worker.
public enum ControlCommand: String, Sendable {
    /// Every worker is set up: start the measured phase.
    case go
    /// Stop now (the parent's time is up, or it was interrupted).
    case stop
}

/// A descriptor the worker's epoll loop watches for commands.
protocol ControlSource: AnyObject {
    var fd: Int32 { get }
    /// The commands that arrived; nil once the parent is gone (which means stop).
    func receive() -> [ControlCommand]?
}

/// Commands as lines on a pipe: a worker process reads its standard input.
final class PipeControl: ControlSource {
    let fd: Int32
    private var pending: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    func receive() -> [ControlCommand]? {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count == 0 { return nil }
        if count < 0 { return errno == EAGAIN || errno == EINTR ? [] : nil }
        pending += buffer[..<count]
        var commands: [ControlCommand] = []
        while let newline = pending.firstIndex(of: 0x0A) {
            let line = String(decoding: pending[..<newline], as: UTF8.self)
            pending.removeSubrange(...newline)
            if let command = ControlCommand(rawValue: line.trimmingCharacters(in: .whitespaces)) { commands.append(command) }
        }
        return commands
    }
}

/// Commands from a thread of the same process, for a run without worker processes.
public final class InProcessControl: ControlSource, Sendable {
    let fd: Int32
    private let queue = Mutex<[ControlCommand]>([])

    public init() { fd = cevent_create() }

    deinit { close(fd) }

    public func send(_ command: ControlCommand) {
        queue.withLock { $0.append(command) }
        _ = cevent_signal(fd)
    }

    func receive() -> [ControlCommand]? {
        _ = cevent_drain(fd)
        return queue.withLock { queue in
            let commands = queue
            queue.removeAll()
            return commands
        }
    }
}
