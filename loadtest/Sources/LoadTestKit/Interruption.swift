#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Ctrl-C handling for the parent: the first one asks the workers to stop so the run still ends
/// with a summary; a second one exits at once.
enum Interruption {
    /// Lock-free, so the signal handler may touch it.
    private static let count = Atomic<Int32>(0)

    static func install() {
        signal(SIGINT) { _ in
            if Interruption.count.add(1, ordering: .relaxed).newValue > 1 { _exit(130) }
        }
    }

    static var requested: Bool { count.load(ordering: .relaxed) > 0 }

    /// Worker processes leave Ctrl-C to the parent, which tells them to stop.
    static func ignoreInWorker() {
        signal(SIGINT, SIG_IGN)
    }
}
