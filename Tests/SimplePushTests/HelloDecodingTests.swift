import PushCore
import SimplePush
import XCTest

final class HelloDecodingTests: XCTestCase {
    func testUAIDAndChannelsAreRead() {
        let text = #"{"messageType":"hello","uaid":"\#(Sample.uaidHex)","channelIDs":["\#(Sample.channel)","\#(Sample.otherChannel)"]}"#
        guard let hello = decodedHello(text) else { return }
        XCTAssertEqual(hello.requested, Sample.uaid)
        XCTAssertEqual(hello.count, 2)
    }

    func testDashedAndUndashedUAIDsAreTheSameDevice() {
        for spelling in [Sample.uaidHex, Sample.uaidDashed, Sample.uaidHex.uppercased(), Sample.uaidDashed.uppercased()] {
            let hello = decodedHello(#"{"messageType":"hello","uaid":"\#(spelling)","channelIDs":[]}"#)
            XCTAssertEqual(hello?.requested, Sample.uaid, spelling)
        }
    }

    func testFieldNamesMatchInAnyCase() {
        let text = #"{"MESSAGETYPE":"Hello","UAID":"\#(Sample.uaidHex)","channelids":["\#(Sample.channel)"]}"#
        guard let hello = decodedHello(text) else { return }
        XCTAssertEqual(hello.requested, Sample.uaid)
        XCTAssertEqual(hello.count, 1)
    }

    func testAMissingEmptyOrInvalidUAIDIsNotRequested() {
        let values = [nil, #""""#, #""xyz""#, #""\#(Sample.uaidHex)0""#, #""\#(Sample.uaidHex.dropLast())""#,
                      #""0123456789abcdef0123456789abcdeg""#, "42", "null", "[]"]
        for value in values {
            let uaidField = value.map { #","uaid":\#($0)"# } ?? ""
            let hello = decodedHello(#"{"messageType":"hello"\#(uaidField),"channelIDs":[]}"#)
            XCTAssertNotNil(hello, value ?? "missing")
            XCTAssertNil(hello?.requested, value ?? "missing")
        }
    }

    func testAbsentOrNullChannelIDsCountZero() {
        for text in [#"{"messageType":"hello","uaid":"\#(Sample.uaidHex)"}"#,
                     #"{"messageType":"hello","uaid":"\#(Sample.uaidHex)","channelIDs":null}"#,
                     #"{"messageType":"hello","uaid":"\#(Sample.uaidHex)","channelIDs":[]}"#] {
            let hello = decodedHello(text)
            XCTAssertEqual(hello?.count, 0, text)
            XCTAssertEqual(hello?.requested, Sample.uaid, text)
        }
    }

    func testChannelIDsThatAreNotAnArrayOfStringsAreInvalid() {
        for value in [#""\#(Sample.channel)""#, "42", "{}", "true", #"["\#(Sample.channel)",7]"#, "[null]", "[[]]"] {
            XCTAssertEqual(decodeError(#"{"messageType":"hello","uaid":"","channelIDs":\#(value)}"#), .invalidFields, value)
        }
    }
}
