import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Process {
    /// `run()` with no signal blocked in the child. The test runner's threads (Swift
    /// concurrency's among them) block most signals, and a child inherits the mask of the thread
    /// that starts it: it would then never act on SIGTERM, SIGHUP or a shell's kill.
    public func runWithNoSignalBlocked() throws {
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try run()
    }
}
