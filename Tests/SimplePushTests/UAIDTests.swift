import PushCore
import SimplePush
import XCTest

final class UAIDTests: XCTestCase {
    func testFormatIs32LowerCaseHex() {
        let uaid = UAID(high: 0x0000_0000_0000_00AB, low: 0xFFFF_0000_0000_000C)
        XCTAssertEqual(uaid.hex, "00000000000000abffff00000000000c")
        XCTAssertEqual(uaid.description, uaid.hex)
    }

    func testParseFormatRoundTrip() {
        for uaid in [UAID(high: 0, low: 0), UAID(high: .max, low: .max), UAID(high: 1, low: 1 << 63), UAID.random()] {
            XCTAssertEqual(UAID(uaid.hex), uaid)
        }
    }

    func testDashedAndUpperCaseFormsParseToTheSameID() {
        let expected = UAID(Sample.uaidHex)
        XCTAssertNotNil(expected)
        XCTAssertEqual(UAID(Sample.uaidDashed), expected)
        XCTAssertEqual(UAID(Sample.uaidHex.uppercased()), expected)
        XCTAssertEqual(UAID(Sample.uaidDashed.uppercased()), expected)
        XCTAssertEqual(UAID(Sample.uaidDashed)?.hex, Sample.uaidHex)
    }

    func testBadLengthsAreRejected() {
        for length in [0, 1, 16, 31, 33, 35, 37, 64] {
            let text = String(repeating: "a", count: length)
            XCTAssertNil(UAID(text), "length \(length)")
        }
        XCTAssertNil(UAID(Sample.uaidDashed + "0"))
        XCTAssertNil(UAID(String(Sample.uaidDashed.dropLast())))
    }

    func testNonHexIsRejected() {
        var bad = ["0123456789abcdef0123456789abcdeg", "0123456789abcdef 123456789abcdef",
                   "0123456789abcdef-123456789abcdef", "+123456789abcdef0123456789abcdef",
                   "0123456789abcdef0123456789abcdé"]
        // Dashes only count in the 8-4-4-4-12 layout.
        bad.append("012345678-9ab-cdef-0123-456789abcdef")
        bad.append("01234567-89ab-cdef-0123-456789abcde-")
        bad.append("0123456789abcdef0123456789abcdef0123")
        for text in bad {
            XCTAssertNil(UAID(text), text)
        }
    }

    func testRandomIDsAreVersion4AndDistinct() {
        var seen = Set<UAID>()
        for _ in 0..<200 {
            let uaid = UAID.random()
            let hex = Array(uaid.hex)
            XCTAssertEqual(hex.count, 32)
            XCTAssertTrue(hex.allSatisfy { "0123456789abcdef".contains($0) }, uaid.hex)
            XCTAssertEqual(hex[12], "4", "version nibble of \(uaid.hex)")
            XCTAssertTrue("89ab".contains(hex[16]), "variant nibble of \(uaid.hex)")
            seen.insert(uaid)
        }
        XCTAssertEqual(seen.count, 200)
    }

    func testChannelIDsKeepTheirSpellingAndRejectNonUUIDs() {
        XCTAssertEqual(ChannelID(Sample.channel.uppercased())?.value, Sample.channel.uppercased())
        XCTAssertEqual(ChannelID(Sample.otherChannel)?.value, Sample.otherChannel)
        XCTAssertNotEqual(ChannelID(Sample.channel), ChannelID(Sample.channel.uppercased()))
        for text in ["", "abc", "not-a-uuid-but-36-characters-long!!", Sample.otherChannel + "0"] {
            XCTAssertNil(ChannelID(text), text)
        }
    }
}

/// The spelling a device used for its UAID, kept so replies echo it exactly.
final class UAIDSpellingTests: XCTestCase {
    func testEverySpellingRoundTrips() {
        let uaid = Sample.uaid
        for text in [Sample.uaidHex, Sample.uaidDashed, Sample.uaidHex.uppercased(), Sample.uaidDashed.uppercased(),
                     "0123456789AbCdEf0123456789aBcDeF", "01234567-89AB-cdef-0123-456789ABCDEF"] {
            XCTAssertEqual(UAID(text), uaid, text)
            XCTAssertEqual(uaid.text(UAID.Spelling(of: text)), text)
        }
        XCTAssertEqual(uaid.text(.canonical), Sample.uaidHex)
    }

    func testTheSessionStaysThirtyTwoBytes() {
        XCTAssertEqual(MemoryLayout<Session>.size, 32, "one session exists per connected device")
    }
}
