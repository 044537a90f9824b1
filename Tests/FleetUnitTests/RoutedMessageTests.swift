@testable import Fleet
import Foundation
import PushCore
import Routing
import XCTest

/// What one node hands another must come out as it went in, for both protocols, and a body that
/// is not a message must be refused rather than half-read.
final class RoutedMessageTests: XCTestCase {
    private let channel = ChannelID("3fc9d272-e833-4c85-a589-8d79fb11d45c")!

    private func roundTrip(_ message: PushMessage) -> PushMessage? {
        RoutedMessage.decode(RoutedMessage(message).encoded)
    }

    func testASimplePushUpdateRoundTrips() {
        for update in [Update(channelID: channel, version: 7), Update(channelID: channel, version: 0, data: "with \"data\" ✓")] {
            XCTAssertEqual(roundTrip(.simplePush(update)), .simplePush(update))
        }
    }

    func testAWebPushNotificationRoundTrips() {
        let notification = WebPushNotification(
            channel: channel, messageID: "gAAAAAB-sealed-id", key: MessageKey(channel: channel, slotKey: "t:weather", timestamp: 1_764_000_000_123_456),
            ttl: 3600, urgency: .high, data: "AAECAwQ", headers: ["encoding": "aes128gcm"])
        XCTAssertEqual(roundTrip(.webPush(notification)), .webPush(notification))
        var bodiless = notification
        bodiless.data = nil
        bodiless.headers = [:]
        XCTAssertEqual(roundTrip(.webPush(bodiless)), .webPush(bodiless))
    }

    func testWhatIsNotAMessageIsRefused() {
        let bodies = [
            "", "{}", "[]", "not json",
            #"{"kind":"simplepush","channelID":"not-a-uuid","version":1}"#,
            #"{"kind":"simplepush","channelID":"3fc9d272-e833-4c85-a589-8d79fb11d45c"}"#,
            #"{"kind":"simplepush","channelID":"3fc9d272-e833-4c85-a589-8d79fb11d45c","version":-1}"#,
            #"{"kind":"webpush","channelID":"3fc9d272-e833-4c85-a589-8d79fb11d45c","messageID":"x"}"#,
            #"{"kind":"webpush","channelID":"3fc9d272-e833-4c85-a589-8d79fb11d45c","messageID":"x","slotKey":"u:1","timestamp":1,"ttl":60,"urgency":"urgent"}"#,
            #"{"kind":"carrier-pigeon","channelID":"3fc9d272-e833-4c85-a589-8d79fb11d45c"}"#,
        ]
        for body in bodies {
            XCTAssertNil(RoutedMessage.decode(Data(body.utf8)), body)
        }
    }
}
