import Foundation
import PushCore
import XCTest

/// What survives a crash: stored updates in SQLite, the token key, and endpoints across key rotation.
final class DurabilityTests: EndToEndTestCase {
    func testStoredUpdatesSurviveKill9AndRestart() throws {
        let directory = try makeScratchDirectory()
        let first = try startServer(directory: directory)
        let (client, uaid) = try connectDevice(to: first)
        let (withData, withoutData) = (newChannelID(), newChannelID())
        let dataEndpoint = try client.register(withData)
        let plainEndpoint = try client.register(withoutData)
        client.close()
        assertStatus(try HTTPTestClient.put(dataEndpoint, version: "3", data: "kept across a crash"), 202, "PUT while offline")
        assertStatus(try HTTPTestClient.put(plainEndpoint, version: "7"), 202, "PUT while offline")

        first.kill()
        let second = try startServer(directory: directory)
        let (device, again) = try connectDevice(to: second, uaid: uaid, channelIDs: [withData, withoutData])
        XCTAssertEqual(again, uaid, "the restarted server forgot the device")
        XCTAssertEqual(try device.receiveNotification().sorted { $0.channelID < $1.channelID },
                       [ReceivedUpdate(channelID: withData, version: 3, data: "kept across a crash"),
                        ReceivedUpdate(channelID: withoutData, version: 7)].sorted { $0.channelID < $1.channelID })

        // Same token key file, so the endpoint issued before the crash still opens.
        let reissued = second.updateURL(token: token(of: dataEndpoint))
        assertStatus(try HTTPTestClient.put(reissued, version: "4"), 200, "PUT to a pre-crash endpoint")
        XCTAssertEqual(try device.receiveNotification(), [ReceivedUpdate(channelID: withData, version: 4)])
    }

    func testRotatedTokenKeysKeepOldEndpointsAndSealWithTheFirstKey() throws {
        let (oldKey, newKey) = (EndpointTokenCodec.generateKey(), EndpointTokenCodec.generateKey())
        let directory = try makeScratchDirectory()
        let first = try startServer(environment: ["SIMPLEPUSH_DEFAULT_TOKEN_KEYS": oldKey], directory: directory)
        let device = try registeredDevice(on: first)
        let oldToken = token(of: device.endpoint)
        let opened = try EndpointTokenCodec(encodedKeys: [oldKey]).open(oldToken)
        XCTAssertEqual(opened?.0.hex, device.uaid, "token is not sealed with the configured key")
        XCTAssertEqual(opened?.1.value, device.channelID)
        device.client.close()

        first.kill()
        let second = try startServer(environment: ["SIMPLEPUSH_DEFAULT_TOKEN_KEYS": "\(newKey),\(oldKey)"], directory: directory)
        assertStatus(try HTTPTestClient.put(second.updateURL(token: oldToken), version: "1"), 202, "PUT with an old-key token")
        let (client, _) = try connectDevice(to: second, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 1)])

        let newToken = token(of: try client.register(newChannelID()))
        XCTAssertNotNil(try EndpointTokenCodec(encodedKeys: [newKey]).open(newToken), "new tokens must be sealed with the first key")
        XCTAssertNil(try EndpointTokenCodec(encodedKeys: [oldKey]).open(newToken))
    }
}
