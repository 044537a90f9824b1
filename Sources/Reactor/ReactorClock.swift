import Foundation

/// Whole seconds since the reactor started, from the monotonic clock. Starts at 1 so that 0 can
/// mean "no deadline" in a slot.
struct ReactorClock {
    private let origin: Double

    init() { origin = ReactorClock.monotonic() - 1 }

    var seconds: UInt32 { UInt32(ReactorClock.monotonic() - origin) }

    func seconds(after interval: Double) -> UInt32 {
        UInt32(min(Double(UInt32.max - 1), (ReactorClock.monotonic() - origin + interval).rounded(.up)))
    }

    static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
