import Foundation
import XCTest

/// register and unregister, and what they do to the channel's endpoint.
final class RegisterTests: EndToEndTestCase {
    func testRegisterReturnsEndpointThatDelivers() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let channelID = newChannelID()
        let reply = try client.registerReply(channelID)
        XCTAssertEqual(reply["messageType"] as? String, "register", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
        XCTAssertEqual(reply["channelID"] as? String, channelID, jsonText(reply))
        let endpoint = try XCTUnwrap(reply["pushEndpoint"] as? String, jsonText(reply))
        XCTAssertTrue(endpoint.hasPrefix("\(server.endpointBase)/update/"), endpoint)
        XCTAssertFalse(token(of: endpoint).isEmpty, endpoint)

        assertStatus(try HTTPTestClient.put(endpoint, version: "1"), 200, "PUT to the new endpoint")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: channelID, version: 1)])
    }

    func testChannelIDAsPlainHexIsAcceptedAndEchoedAsSent() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let channelID = normalizedUUID(UUID().uuidString).uppercased()
        let endpoint = try client.register(channelID)
        assertStatus(try HTTPTestClient.put(endpoint, version: "2"), 200, "PUT")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: channelID, version: 2)])
    }

    func testRegisteringTheSameChannelAgainReturns200AndWorkingEndpoint() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let second = try device.client.register(device.channelID)
        assertStatus(try HTTPTestClient.put(second, version: "7"), 200, "PUT to the re-registered endpoint")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 7)])
    }

    func testRegisterTypeAndFieldNamesAreCaseInsensitive() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let channelID = newChannelID()
        try client.send(json: ["MessageType": "REGISTER", "channelid": channelID])
        let reply = try client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "register", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
        XCTAssertEqual(reply["channelID"] as? String, channelID, jsonText(reply))
        XCTAssertNotNil(reply["pushEndpoint"] as? String, jsonText(reply))
    }

    func testRegisterBeyondMaxChannelsIs503TooManyChannels() throws {
        let server = try startServer(environment: ["SIMPLEPUSH_DEFAULT_MAX_CHANNELS": "3"])
        let (client, _) = try connectDevice(to: server)
        let channels = (0 ..< 3).map { _ in newChannelID() }
        for channel in channels { _ = try client.register(channel) }
        // At the limit, a channel the device already has is not a new one.
        _ = try client.register(channels[0])

        let extra = newChannelID()
        let reply = try client.registerReply(extra)
        XCTAssertEqual(jsonInteger(reply["status"]), 503, jsonText(reply))
        XCTAssertEqual(reply["error"] as? String, "Too many channels", jsonText(reply))
        XCTAssertNil(reply["pushEndpoint"], "no endpoint may be issued over the limit: \(jsonText(reply))")
    }

    func testUnregisterReturns200AndEndpointThenAnswers410() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        try device.client.send(json: ["messageType": "unregister", "channelID": device.channelID])
        let reply = try device.client.receiveJSON()
        XCTAssertEqual(reply["messageType"] as? String, "unregister", jsonText(reply))
        XCTAssertEqual(jsonInteger(reply["status"]), 200, jsonText(reply))
        XCTAssertEqual(reply["channelID"] as? String, device.channelID, jsonText(reply))

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 410, "PUT after unregister")
        try device.client.expectNoMessage(for: 0.3)
    }

    func testUnregisterOfUnknownChannelReturns200() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        try client.unregister(newChannelID())
    }
}
