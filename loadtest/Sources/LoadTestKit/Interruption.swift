#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C handling for the parent: the first one asks the workers to stop so the run still ends
/// with a summary; a second one exits at once.
enum Interruption {
    nonisolated(unsafe) private static var count: sig_atomic_t = 0

    static func install() {
        signal(SIGINT) { _ in
            Interruption.count += 1
            if Interruption.count > 1 { _exit(130) }
        }
    }

    static var requested: Bool { count > 0 }

    /// Worker processes leave Ctrl-C to the parent, which tells them to stop.
    static func ignoreInWorker() {
        signal(SIGINT, SIG_IGN)
    }
}
