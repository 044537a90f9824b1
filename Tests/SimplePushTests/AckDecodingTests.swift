import PushCore
import SimplePush
import XCTest

final class AckDecodingTests: XCTestCase {
    private func acks(_ updates: String, file: StaticString = #filePath, line: UInt = #line) -> [String]? {
        guard let message = decoded(#"{"messageType":"ack","updates":\#(updates)}"#, file: file, line: line) else { return nil }
        guard case .ack(let entries) = message else {
            XCTFail("decoded as \(message)", file: file, line: line)
            return nil
        }
        return describeAcks(entries)
    }

    func testEveryValidEntryIsKeptInOrder() {
        let updates = #"[{"channelID":"\#(Sample.otherChannel)","version":7},{"channelID":"\#(Sample.channel)","version":0}]"#
        XCTAssertEqual(acks(updates), ["\(Sample.otherChannel)=7", "\(Sample.channel)=0"])
    }

    func testEntryFieldNamesMatchInAnyCase() {
        XCTAssertEqual(acks(#"[{"CHANNELID":"\#(Sample.channel)","Version":3}]"#), ["\(Sample.channel)=3"])
    }

    func testLargeVersionsKeepEveryDigit() {
        XCTAssertEqual(acks(#"[{"channelID":"\#(Sample.channel)","version":9223372036854775807}]"#),
                       ["\(Sample.channel)=\(Int64.max)"])
        XCTAssertEqual(acks(#"[{"channelID":"\#(Sample.channel)","version":9007199254740993}]"#),
                       ["\(Sample.channel)=9007199254740993"])
    }

    func testEmptyOrMissingUpdatesAreMissingFields() {
        XCTAssertEqual(decodeError(#"{"messageType":"ack","updates":[]}"#), .missingFields)
        XCTAssertEqual(decodeError(#"{"messageType":"ack"}"#), .missingFields)
    }

    func testInvalidEntriesAreSkipped() {
        let valid = #"{"channelID":"\#(Sample.channel)","version":5}"#
        let invalid = [
            "42", #""text""#, "null", "[]",
            #"{"version":5}"#,
            #"{"channelID":"\#(Sample.otherChannel)"}"#,
            #"{"channelID":"nope","version":5}"#,
            #"{"channelID":42,"version":5}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":-1}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":1.5}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":"5"}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":null}"#,
        ]
        for entry in invalid {
            XCTAssertEqual(acks("[\(entry),\(valid)]"), ["\(Sample.channel)=5"], entry)
        }
    }

    /// Versions are non-negative 64-bit integers: a JSON boolean is not one, and neither is a
    /// number above Int64.max (it must not wrap to a negative version).
    func testVersionsOutsideTheNonNegativeInt64RangeOrBooleansAreSkipped() {
        let invalid = [
            #"{"channelID":"\#(Sample.otherChannel)","version":true}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":9223372036854775808}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":18446744073709551615}"#,
            #"{"channelID":"\#(Sample.otherChannel)","version":9.25e18}"#,
        ]
        for entry in invalid {
            let result = acks("[\(entry)]")
            XCTAssertEqual(result, [], entry)
            for description in result ?? [] {
                XCTAssertFalse(description.contains("=-"), "negative version from \(entry): \(description)")
            }
        }
    }
}
