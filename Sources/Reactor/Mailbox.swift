import CEpoll
import Foundation

/// Work handed to a reactor thread from other threads. An eventfd wakes the reactor's epoll wait;
/// it is only signalled when the queue goes from empty to non-empty, so a burst costs one syscall.
final class Mailbox: @unchecked Sendable {
    let eventFD: Int32
    private let lock = NSLock()
    private var queue: [() -> Void] = []
    /// When the oldest queued item was posted (monotonic nanoseconds).
    private var oldestPost: UInt64 = 0

    init() throws {
        eventFD = cevent_create()
        guard eventFD >= 0 else { throw ReactorError.system("eventfd", errno) }
    }

    deinit { close(eventFD) }

    func post(_ work: @escaping () -> Void) {
        lock.lock()
        let wasEmpty = queue.isEmpty
        if wasEmpty { oldestPost = DispatchTime.now().uptimeNanoseconds }
        queue.append(work)
        lock.unlock()
        if wasEmpty { _ = cevent_signal(eventFD) }
    }

    /// Takes every queued item, and when the oldest was posted; the caller runs them on the
    /// reactor thread.
    func takeAll() -> (items: [() -> Void], oldestPost: UInt64?) {
        _ = cevent_drain(eventFD)
        lock.lock()
        defer { lock.unlock() }
        var items: [() -> Void] = []
        swap(&items, &queue)
        return (items, items.isEmpty ? nil : oldestPost)
    }
}

public enum ReactorError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badAddress(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .badAddress(let address): return "cannot listen on \(address)"
        }
    }
}
