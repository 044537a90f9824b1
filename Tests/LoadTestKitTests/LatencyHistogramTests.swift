import LoadTestKit
import XCTest

final class LatencyHistogramTests: XCTestCase {
    private func histogram(_ values: [UInt64]) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        values.forEach { histogram.record(microseconds: $0) }
        return histogram
    }

    private func viaJSON(_ histogram: LatencyHistogram) throws -> LatencyHistogram {
        try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(histogram))
    }

    func testMergingWorkerHistogramsSentAsJSONEqualsRecordingEverythingInOne() throws {
        var generator = SystemRandomNumberGenerator()
        let first = (0 ..< 5000).map { _ in UInt64.random(in: 50 ... 2_000, using: &generator) }
        let second = (0 ..< 3000).map { _ in UInt64.random(in: 1_000 ... 900_000, using: &generator) }
        let third: [UInt64] = [7, 3_000_000_000]

        var merged = LatencyHistogram()
        for part in [first, second, third] { merged.merge(try viaJSON(histogram(part))) }
        let direct = histogram(first + second + third)

        XCTAssertEqual(merged.count, 8002)
        XCTAssertEqual(merged, direct)
        for percentile in [50.0, 90, 99, 99.9] {
            XCTAssertEqual(merged.milliseconds(atPercentile: percentile), direct.milliseconds(atPercentile: percentile), "p\(percentile)")
        }
        // The coded form keeps buckets, not exact values: the maximum is exact to the bucket's width.
        XCTAssertEqual(merged.milliseconds(atPercentile: 100), direct.milliseconds(atPercentile: 100),
                       accuracy: direct.milliseconds(atPercentile: 100) * 0.001)
        XCTAssertEqual(merged.maxMilliseconds, 3_000_000, accuracy: 3_000_000 * 0.001)
    }

    func testPercentilesAreInMillisecondsWithinThreeDigits() {
        let values = (1 ... 1000).map { UInt64($0) * 1000 } // 1 ms … 1000 ms
        let histogram = histogram(values)
        XCTAssertEqual(histogram.milliseconds(atPercentile: 50), 500, accuracy: 0.5)
        XCTAssertEqual(histogram.milliseconds(atPercentile: 99), 990, accuracy: 1)
        XCTAssertEqual(LatencyHistogram().milliseconds(atPercentile: 99), 0, "empty histograms read as 0")
    }

    func testNanosecondsRoundToMicrosecondsAndOutOfRangeValuesAreClamped() {
        var histogram = LatencyHistogram()
        histogram.record(nanoseconds: 1_499)
        histogram.record(microseconds: 0)
        histogram.record(microseconds: .max)
        XCTAssertEqual(histogram.count, 3)
        XCTAssertEqual(histogram.milliseconds(atPercentile: 0), 0.001)
        XCTAssertGreaterThanOrEqual(histogram.maxMilliseconds, Double(LatencyHistogram.highestTrackableMicroseconds) / 1000 * 0.999)
    }

    func testCodedFormIsSparse() throws {
        let data = try JSONEncoder().encode(histogram(Array(repeating: 1234, count: 100_000) + [99]))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let values = try XCTUnwrap(object["values"] as? [[UInt64]])
        XCTAssertEqual(values.count, 2, "only the occupied buckets are sent")
        XCTAssertEqual(values.map { $0[1] }.reduce(0, +), 100_001)
        XCTAssertLessThan(data.count, 200)
    }

    func testRejectsMalformedPairs() {
        for text in [#"{"values":[[1]]}"#, #"{"values":[[1,2,3]]}"#, #"{"values":"x"}"#] {
            XCTAssertThrowsError(try JSONDecoder().decode(LatencyHistogram.self, from: Data(text.utf8)), text)
        }
    }
}
