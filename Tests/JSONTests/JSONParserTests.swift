import JSON
import XCTest

final class JSONParserTests: XCTestCase {
    private func parses(_ text: String) -> Bool { JSONParser.parse(Array(text.utf8)) != nil }

    func testValidTextsParse() {
        for text in [#"{}"#, #"[]"#, #" {"a" : [1, -2.5e+3, 0, true, false, null, "x"]} "#, #""\u00e9\ud83d\ude00""#,
                     "0", "-0", "1E9", #"{"a":{"b":{"c":[]}}}"#, "\t\r\n[1]\n"] {
            XCTAssertTrue(parses(text), text)
        }
    }

    func testWhatTheRFCCallsInvalidIsRefused() {
        let invalid = [
            #"{"a":1,}"#, "[1,]", "[,1]", #"{,"a":1}"#, #"{"a" 1}"#, #"{"a":1 "b":2}"#, "{'a':1}", #"{a:1}"#,
            "01", "1.", ".5", "+1", "1e", "-", "NaN", "Infinity", "tru", "nul", #""tab\#there""#, "\"a\u{01}b\"",
            #""\x41""#, #""\u12""#, #""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, "[1] [2]", "", " ", #"{"a":1"#, "[",
        ]
        for text in invalid { XCTAssertFalse(parses(text), text) }
    }

    func testInvalidUTF8IsRefused() {
        XCTAssertNil(JSONParser.parse([UInt8(ascii: "\""), 0xC3, 0x28, UInt8(ascii: "\"")]))
        XCTAssertNil(JSONParser.parse([UInt8(ascii: "\""), 0xED, 0xA0, 0x80, UInt8(ascii: "\"")]), "an encoded surrogate")
    }

    func testNestingIsBounded() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertNil(JSONParser.parse(Array(deep.utf8)))
        let allowed = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        XCTAssertNotNil(JSONParser.parse(Array(allowed.utf8)))
    }

    func testNumbersKeepTheirTextAndMembersTheirOrder() {
        let text = #"{"z":9223372036854775807,"a":1.50,"m":[]}"#
        guard let value = JSONParser.parse(Array(text.utf8)) else { return XCTFail() }
        XCTAssertEqual(value.serialized, text)
        XCTAssertEqual(value.objectMembers?.map(\.key), ["z", "a", "m"])
    }

    func testEscapesDecodeAndStringsReEscape() {
        let text = #""q\"b\\s\/\b\f\n\r\t\u0001é😀""#
        guard case .string(let decoded)? = JSONParser.parse(Array(text.utf8)) else { return XCTFail() }
        XCTAssertEqual(decoded, "q\"b\\s/\u{08}\u{0C}\n\r\t\u{01}é😀")
        XCTAssertEqual(JSONParser.parse(Array(JSONValue.quoted(decoded).utf8))?.stringValue, decoded)
    }

    func testCaseInsensitiveLookupTakesTheLastRepeatedMember() {
        let text = #"{"messageType":"a","MESSAGETYPE":"b","other":1}"#
        let members = JSONParser.parse(Array(text.utf8))?.objectMembers ?? []
        XCTAssertEqual(members.value(forCaseInsensitiveKey: "messagetype")?.stringValue, "b")
        XCTAssertNil(members.value(forCaseInsensitiveKey: "missing"))
    }
}
