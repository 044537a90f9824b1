import WebSocket
import XCTest

final class UTF8ValidatorTests: XCTestCase {
    func assertValid(_ bytes: [UInt8], _ expected: Bool, file: StaticString = #filePath, line: UInt = #line) {
        let hex = bytes.map { String($0, radix: 16) }.joined(separator: " ")
        XCTAssertEqual(UTF8Validator.isValid(bytes), expected, hex, file: file, line: line)
        // Behind a run of ASCII the fast path hands over mid-buffer; the verdict must not change.
        let padded = [UInt8](repeating: 0x61, count: 13) + bytes
        XCTAssertEqual(UTF8Validator.isValid(padded), expected, "after ASCII: " + hex, file: file, line: line)
    }

    func testASCIIAndEmpty() {
        assertValid([], true)
        assertValid(Array("{\"messageType\":\"hello\",\"uaid\":\"\"}".utf8), true)
        assertValid([0x7F], true)
    }

    func testValidMultibyteAtRangeBoundaries() {
        for scalar: UInt32 in [0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF] {
            let bytes = Array(String(Unicode.Scalar(scalar)!).utf8)
            assertValid(bytes, true)
        }
        assertValid(Array("κόσμε €10 😀".utf8), true)
    }

    func testOverlongFormsRejected() {
        assertValid([0xC0, 0x80], false)
        assertValid([0xC1, 0xBF], false)
        assertValid([0xE0, 0x80, 0x80], false)
        assertValid([0xE0, 0x9F, 0xBF], false)
        assertValid([0xF0, 0x80, 0x80, 0x80], false)
        assertValid([0xF0, 0x8F, 0xBF, 0xBF], false)
    }

    func testSurrogatesRejected() {
        assertValid([0xED, 0xA0, 0x80], false) // U+D800
        assertValid([0xED, 0xBF, 0xBF], false) // U+DFFF
        assertValid([0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], false) // a CESU-8 pair
    }

    func testBeyondU10FFFFRejected() {
        assertValid([0xF4, 0x90, 0x80, 0x80], false)
        assertValid([0xF5, 0x80, 0x80, 0x80], false)
        assertValid([0xFE], false)
        assertValid([0xFF], false)
    }

    func testTruncatedAndStraySequencesRejected() {
        assertValid([0xC3], false)
        assertValid([0xE2, 0x82], false)
        assertValid([0xF0, 0x9F, 0x98], false)
        assertValid([0x80], false)
        assertValid([0xE2, 0x41, 0xAC], false) // continuation replaced by ASCII
        assertValid([0xF0, 0x9F, 0x98, 0x41], false)
    }

    func testAgreesWithStandardLibraryOnRandomBytes() {
        var rng = SplitMix64(seed: 42)
        for round in 0 ..< 5000 {
            let count = Int.random(in: 0 ... 24, using: &rng)
            // Mostly high bytes, so that multibyte lead/continuation patterns come up often.
            let bytes = (0 ..< count).map { _ in
                Bool.random(using: &rng) ? UInt8.random(in: 0x80 ... 0xF5, using: &rng) : UInt8.random(in: 0 ... 0xFF, using: &rng)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            XCTAssertEqual(UTF8Validator.isValid(bytes), expected, "round \(round): \(bytes)")
        }
    }

    func testRandomScalarsAreValid() {
        var rng = SplitMix64(seed: 7)
        for _ in 0 ..< 500 {
            var text = ""
            for _ in 0 ..< Int.random(in: 1 ... 40, using: &rng) {
                let value = UInt32.random(in: 0 ... 0x10FFFF, using: &rng)
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            }
            XCTAssertTrue(UTF8Validator.isValid(Array(text.utf8)), text)
        }
    }
}
