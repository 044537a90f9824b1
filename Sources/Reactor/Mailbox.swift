import CEpoll
import Foundation
import Synchronization

/// Work handed to a reactor thread from other threads. An eventfd wakes the reactor's epoll wait;
/// it is only signalled when the queue goes from empty to non-empty, so a burst costs one syscall.
final class Mailbox: Sendable {
    typealias Work = @Sendable () -> Void

    private struct Queue {
        var items: [Work] = []
        /// When the oldest queued item was posted (monotonic nanoseconds).
        var oldestPost: UInt64 = 0
    }

    let eventFD: Int32
    private let queue = Mutex(Queue())

    init() throws {
        eventFD = cevent_create()
        guard eventFD >= 0 else { throw ReactorError.system("eventfd", errno) }
    }

    deinit { close(eventFD) }

    func post(_ work: @escaping Work) {
        let wasEmpty = queue.withLock { queue in
            let wasEmpty = queue.items.isEmpty
            if wasEmpty { queue.oldestPost = DispatchTime.now().uptimeNanoseconds }
            queue.items.append(work)
            return wasEmpty
        }
        if wasEmpty { _ = cevent_signal(eventFD) }
    }

    /// Takes every queued item, and when the oldest was posted; the caller runs them on the
    /// reactor thread.
    func takeAll() -> (items: [Work], oldestPost: UInt64?) {
        _ = cevent_drain(eventFD)
        return queue.withLock { queue in
            var items: [Work] = []
            swap(&items, &queue.items)
            return (items, items.isEmpty ? nil : queue.oldestPost)
        }
    }
}

public enum ReactorError: Error, CustomStringConvertible, Sendable {
    case system(String, Int32)
    case badAddress(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .badAddress(let address): return "cannot listen on \(address)"
        }
    }
}
