import Foundation
import XCTest

/// hello: which UAID the server keeps or issues, and what a second hello or a second socket does.
final class HelloTests: EndToEndTestCase {
    func testHelloWithoutUAIDOrChannelIDsIssuesNewUAID() throws {
        let server = try startServer()
        let client = try connect(to: server)
        // No uaid and no channelIDs field at all: channelIDs absent counts as [].
        try client.send(json: ["messageType": "hello"])
        let reply = try client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "hello", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
        XCTAssertTrue(isIssuedUAID(reply["uaid"] as? String), "uaid is not 32 lower-case hex: \(jsonText(reply))")
    }

    func testHelloWithEmptyUAIDIssuesDistinctUAIDs() throws {
        let server = try startServer()
        let first = try connect(to: server).hello(uaid: "", channelIDs: [])
        let second = try connect(to: server).hello(uaid: "", channelIDs: [])
        XCTAssertTrue(isIssuedUAID(first), first)
        XCTAssertTrue(isIssuedUAID(second), second)
        XCTAssertNotEqual(first, second)
    }

    func testHelloWithInvalidUAIDIssuesNewUAID() throws {
        let server = try startServer()
        let invalid = ["not-a-uaid", "1234", String(repeating: "z", count: 32), unknownUAID() + "0",
                       "{" + UUID().uuidString + "}"]
        for sent in invalid {
            let reply = try connect(to: server).helloReply(uaid: sent, channelIDs: [])
            XCTAssertEqual(jsonInteger(reply["status"]), 200, "hello with uaid \(sent): \(jsonText(reply))")
            let assigned = reply["uaid"] as? String
            XCTAssertTrue(isIssuedUAID(assigned), "hello with uaid \(sent): \(jsonText(reply))")
            XCTAssertNotEqual(assigned, sent)
        }
    }

    func testHelloWithKnownUAIDKeepsIt() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        let again = try connect(to: server).hello(uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(again, device.uaid)
    }

    func testHelloWithKnownUAIDInDashedUpperCaseFormKeepsIt() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        let hex = device.uaid.uppercased()
        let dashed = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                      hex.dropFirst(16).prefix(4), hex.dropFirst(20)].joined(separator: "-")
        let again = try connect(to: server).hello(uaid: dashed, channelIDs: [device.channelID])
        XCTAssertEqual(again, dashed, "a kept UAID is echoed exactly as the device wrote it")
        XCTAssertEqual(normalizedUUID(again), device.uaid, "sent \(dashed)")
    }

    func testAKeptUAIDIsEchoedInTheDevicesOwnSpellingOnEveryHello() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        // Mixed case, as a client that stores the id however it likes may send it.
        let mixed = String(device.uaid.enumerated().map { $0.offset % 3 == 0 ? Character($0.element.uppercased()) : $0.element })
        let client = try connect(to: server)
        XCTAssertEqual(try client.hello(uaid: mixed, channelIDs: [device.channelID]), mixed)
        // A repeated hello without a uaid echoes the spelling the connection was opened with.
        XCTAssertEqual(try client.hello(uaid: "", channelIDs: []), mixed)
        XCTAssertEqual(try client.hello(uaid: device.uaid, channelIDs: []), device.uaid)
    }

    func testHelloWithUnknownUAIDAndNoChannelsKeepsIt() throws {
        let server = try startServer()
        let sent = unknownUAID()
        let assigned = try connect(to: server).hello(uaid: sent, channelIDs: [])
        XCTAssertEqual(assigned, sent)
    }

    func testHelloWithUnknownUAIDAndChannelsIssuesNewUAID() throws {
        let server = try startServer()
        let sent = unknownUAID()
        let assigned = try connect(to: server).hello(uaid: sent, channelIDs: [newChannelID()])
        XCTAssertNotEqual(assigned, sent)
        XCTAssertTrue(isIssuedUAID(assigned), assigned)
    }

    func testHelloWithMoreChannelIDsThanMaxChannelsIssuesNewUAIDAndDropsOldData() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_DEFAULT_MAX_CHANNELS": "3"])
        let device = try registeredDevice(on: server)
        device.client.close()
        let tooMany = [device.channelID] + (0 ..< 3).map { _ in newChannelID() }
        let assigned = try connect(to: server).hello(uaid: device.uaid, channelIDs: tooMany)
        XCTAssertNotEqual(assigned, device.uaid)
        XCTAssertTrue(isIssuedUAID(assigned), assigned)
        // The old UAID's channels are gone with it.
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 410, "PUT to the dropped UAID's channel")
    }

    func testTypeAndFieldNamesAreCaseInsensitiveAndReplyTypeIsCanonical() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        let client = try connect(to: server)
        try client.send(json: ["MESSAGETYPE": "HeLLo", "UAID": device.uaid, "ChannelIds": [device.channelID]])
        let reply = try client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "hello", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
        XCTAssertEqual(reply["uaid"] as? String, device.uaid, "the UAID field was not read: \(jsonText(reply))")
    }

    func testSecondHelloWithSameOrEmptyUAIDIsAcceptedAndResendsPending() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5"), 200, "PUT to a connected device")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5)])

        // Not acked, so each later hello sends it again.
        XCTAssertEqual(try device.client.hello(uaid: device.uaid, channelIDs: [device.channelID]), device.uaid)
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5)])
        XCTAssertEqual(try device.client.hello(uaid: "", channelIDs: []), device.uaid)
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5)])
    }

    func testNewestConnectionWins() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let (newer, uaid) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaid, device.uaid)
        try device.client.expectClose()

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "3"), 200, "PUT after the takeover")
        XCTAssertEqual(try newer.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 3)])
    }
}
