import Histogram

/// Latencies in microseconds, in an HdrHistogram with three significant digits.
///
/// Worker processes send theirs to the parent as JSON, so the coded form is sparse: only the
/// buckets that hold values, as `[value, count]` pairs. A full counts array would be tens of
/// kilobytes per progress line; a latency run touches a few hundred buckets.
public struct LatencyHistogram: Codable, Equatable, Sendable {
    /// One hour: anything slower is recorded as one hour, and is a failure anyway.
    public static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

    public private(set) var histogram: Histogram<UInt64>

    public init() {
        histogram = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestTrackableMicroseconds,
                              numberOfSignificantValueDigits: .three)
    }

    public mutating func record(microseconds: UInt64) {
        histogram.record(min(max(microseconds, 1), Self.highestTrackableMicroseconds))
    }

    public mutating func record(nanoseconds: UInt64) {
        record(microseconds: (nanoseconds + 500) / 1000)
    }

    /// Adds another histogram's counts, as when the parent combines its workers' results.
    public mutating func merge(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    public var count: UInt64 { histogram.totalCount }

    /// The value at a percentile (0–100) in milliseconds; 0 when nothing was recorded.
    public func milliseconds(atPercentile percentile: Double) -> Double {
        guard count > 0 else { return 0 }
        return Double(histogram.valueAtPercentile(percentile)) / 1000
    }

    public var maxMilliseconds: Double { count > 0 ? Double(histogram.max) / 1000 : 0 }
    public var meanMilliseconds: Double { count > 0 ? histogram.mean / 1000 : 0 }

    // MARK: Sparse coding

    private enum CodingKeys: String, CodingKey {
        case unit, values
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let pairs = try container.decode([[UInt64]].self, forKey: .values)
        for pair in pairs {
            guard pair.count == 2, histogram.record(pair[0], count: pair[1]) else {
                throw DecodingError.dataCorruptedError(forKey: .values, in: container,
                                                       debugDescription: "expected [value, count] pairs within range")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("us", forKey: .unit)
        try container.encode(histogram.recordedValues().map { [$0.value, $0.count] }, forKey: .values)
    }
}
