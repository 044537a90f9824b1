import PushCore
import SimplePush
import XCTest

/// register and unregister: both carry one channelID.
final class ChannelDecodingTests: XCTestCase {
    private func registered(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ChannelID? {
        guard let message = decoded(text, file: file, line: line) else { return nil }
        guard case .register(let channel) = message else {
            XCTFail("decoded as \(message)", file: file, line: line)
            return nil
        }
        return channel
    }

    func testRegisterKeepsTheDevicesSpelling() {
        // Notifications must carry the id exactly as the device registered it.
        for spelling in [Sample.channel, Sample.otherChannel, Sample.channel.uppercased()] {
            XCTAssertEqual(registered(#"{"messageType":"register","channelID":"\#(spelling)"}"#)?.value, spelling)
        }
    }

    func testUnregisterDecodes() {
        guard let message = decoded(#"{"messageType":"unregister","channelID":"\#(Sample.channel)"}"#) else { return }
        guard case .unregister(let channel) = message else { return XCTFail("decoded as \(message)") }
        XCTAssertEqual(channel, Sample.channel)
    }

    func testAMissingChannelIDIsReported() {
        XCTAssertEqual(decodeError(#"{"messageType":"register"}"#), .missingChannelID)
        XCTAssertEqual(decodeError(#"{"messageType":"unregister"}"#), .missingChannelID)
    }

    func testAChannelIDThatIsNotAUUIDIsInvalid() {
        let values = [#""not-a-uuid""#, "42", "true", "[]", #"{"id":"x"}"#,
                      #""\#(Sample.channel.dropLast())""#, #""\#(Sample.otherChannel)0""#,
                      #""2b3a7c1e4f5d-4e6a-9b8c-0d1e2f3a4b5c-""#]
        for value in values {
            XCTAssertEqual(decodeError(#"{"messageType":"register","channelID":\#(value)}"#), .invalidFields, value)
        }
    }
}
