/// A failure inside the test harness (network, protocol, server start-up), thrown so the test
/// that hit it fails with a sentence that says what was expected and what happened instead.
struct TestFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// A point in time after which waiting stops; keeps every blocking call bounded.
struct Deadline {
    private let end: ContinuousClock.Instant

    init(seconds: Double) {
        end = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
    }

    var hasPassed: Bool { ContinuousClock.now >= end }

    /// Milliseconds left, rounded up so a poll never returns early, and clamped at zero.
    var remainingMilliseconds: Int32 {
        let left = end - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: millis)
    }
}
