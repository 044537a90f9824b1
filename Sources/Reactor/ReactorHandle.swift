import Glibc
import Synchronization

/// The part of a reactor that any thread may hold: it posts work to the reactor's thread and says
/// whether the caller is on it. Everything else of a reactor is bound to its thread.
public final class ReactorHandle: Sendable {
    public let index: Int
    let mailbox: Mailbox
    /// The thread that may touch the reactor: the one that made it until `start` moves it to its own.
    private let owner: Atomic<UInt>

    init(index: Int) throws {
        self.index = index
        mailbox = try Mailbox()
        owner = Atomic(ReactorHandle.currentThread)
    }

    /// Runs `work` on the reactor's thread, after the events of the current loop turn.
    public func execute(_ work: @escaping @Sendable () -> Void) { mailbox.post(work) }

    /// Whether the caller runs on the reactor's thread.
    public var inReactorThread: Bool { owner.load(ordering: .relaxed) == ReactorHandle.currentThread }

    /// Stops the process when called off the reactor's thread: loop-bound state reached from
    /// elsewhere is a data race, caught here rather than as a corrupted slot table.
    public func preconditionInReactorThread(file: StaticString = #fileID, line: UInt = #line) {
        precondition(inReactorThread, "reactor \(index) state used off its thread", file: file, line: line)
    }

    func adoptCurrentThread() { owner.store(ReactorHandle.currentThread, ordering: .relaxed) }

    static var currentThread: UInt { UInt(pthread_self()) }
}

/// A value that lives on one reactor's thread, in a form other threads can carry back to it (as
/// SwiftNIO's `NIOLoopBound`): it may be sent anywhere, and is reached only on its reactor's thread.
public struct LoopBound<Value>: @unchecked Sendable {  // the value is reached only on its reactor's thread, checked on each access
    public let handle: ReactorHandle
    private let stored: Value

    public init(_ value: Value, handle: ReactorHandle) {
        handle.preconditionInReactorThread()
        self.handle = handle
        stored = value
    }

    public var value: Value {
        handle.preconditionInReactorThread()
        return stored
    }

    /// Runs `work` with the value on its reactor's thread.
    public func execute(_ work: @escaping @Sendable (Value) -> Void) {
        handle.execute { work(self.value) }
    }
}
