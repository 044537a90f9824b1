import Foundation
import XCTest

/// Delivery: live, stored, redelivered until acked, and the forward-only version rule.
final class NotificationTests: EndToEndTestCase {
    func testLiveNotificationCarriesVersionAndData() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let data = "hello world & more=1 ✓"
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "12", data: data), 200, "PUT to a connected device")
        XCTAssertEqual(try device.client.receiveNotification(),
                       [ReceivedUpdate(channelID: device.channelID, version: 12, data: data)])
    }

    func testNotificationWithoutDataOmitsDataField() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 200, "PUT without data")
        let updates = try device.client.receiveNotification()
        XCTAssertEqual(updates.count, 1, "\(updates)")
        XCTAssertNil(updates.first?.data, "data must be left out, not sent empty: \(updates)")
    }

    func testStoredUpdateIsDeliveredWithDataOnNextHello() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "4", data: "stored payload"), 202, "PUT while offline")

        let (client, uaid) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaid, device.uaid)
        XCTAssertEqual(try client.receiveNotification(),
                       [ReceivedUpdate(channelID: device.channelID, version: 4, data: "stored payload")])
    }

    func testAllPendingUpdatesArriveInOneNotification() throws {
        let server = try startServer()
        let (client, uaid) = try connectDevice(to: server)
        let channels = (0 ..< 3).map { _ in newChannelID() }
        let endpoints = try channels.map { try client.register($0) }
        client.close()
        for (index, endpoint) in endpoints.enumerated() {
            assertStatus(try HTTPTestClient.put(endpoint, version: "\(index + 1)", data: index == 0 ? "first" : nil),
                         202, "PUT \(index) while offline")
        }

        let (again, _) = try connectDevice(to: server, uaid: uaid, channelIDs: channels)
        let expected = channels.enumerated().map {
            ReceivedUpdate(channelID: $0.element, version: Int64($0.offset + 1), data: $0.offset == 0 ? "first" : nil)
        }
        XCTAssertEqual(try again.receiveNotification().sorted { $0.channelID < $1.channelID },
                       expected.sorted { $0.channelID < $1.channelID })
        try again.expectNoMessage(for: 0.3)
    }

    func testUnackedUpdatesAreResentOnHelloAndAckedOnesAreNot() throws {
        let server = try startServer()
        let (client, uaid) = try connectDevice(to: server)
        let (acked, unacked) = (newChannelID(), newChannelID())
        let ackedEndpoint = try client.register(acked)
        let unackedEndpoint = try client.register(unacked)
        assertStatus(try HTTPTestClient.put(ackedEndpoint, version: "1"), 200, "PUT live")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: acked, version: 1)])
        assertStatus(try HTTPTestClient.put(unackedEndpoint, version: "2", data: "again"), 200, "PUT live")
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: unacked, version: 2, data: "again")])
        try client.ack([(acked, 1)])
        try client.barrier(channelID: acked)
        client.close()

        let (second, _) = try connectDevice(to: server, uaid: uaid, channelIDs: [acked, unacked])
        XCTAssertEqual(try second.receiveNotification(), [ReceivedUpdate(channelID: unacked, version: 2, data: "again")])
        try second.ack([(unacked, 2)])
        try second.barrier(channelID: unacked)
        second.close()

        let (third, _) = try connectDevice(to: server, uaid: uaid, channelIDs: [acked, unacked])
        try third.expectNoMessage(for: 0.5)
    }

    func testAckWithLowerVersionKeepsUpdatePending() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "10"), 200, "PUT live")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 10)])
        try device.client.ack([(device.channelID, 1)])
        try device.client.barrier(channelID: device.channelID)
        device.client.close()

        let (client, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 10)])
    }

    func testAckWithEqualOrHigherVersionRemovesUpdate() throws {
        let server = try startServer()
        let (client, uaid) = try connectDevice(to: server)
        let (exact, higher) = (newChannelID(), newChannelID())
        let exactEndpoint = try client.register(exact)
        let higherEndpoint = try client.register(higher)
        client.close()
        assertStatus(try HTTPTestClient.put(exactEndpoint, version: "10"), 202, "PUT while offline")
        assertStatus(try HTTPTestClient.put(higherEndpoint, version: "10"), 202, "PUT while offline")

        let (second, _) = try connectDevice(to: server, uaid: uaid, channelIDs: [exact, higher])
        XCTAssertEqual(try second.receiveNotification().count, 2)
        try second.ack([(exact, 10), (higher, 11)])
        try second.barrier(channelID: exact)
        second.close()

        let (third, _) = try connectDevice(to: server, uaid: uaid, channelIDs: [exact, higher])
        try third.expectNoMessage(for: 0.5)
    }

    func testNewerStoredVersionSupersedesOlderOne() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1", data: "old"), 202, "PUT v1 while offline")
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "2", data: "new"), 202, "PUT v2 while offline")

        let (client, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 2, data: "new")])
    }

    func testLowerOrEqualVersionIsAnswered200ButNotDelivered() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5"), 200, "PUT v5")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5)])

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5"), 200, "PUT v5 again")
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "3"), 200, "PUT v3 after v5")
        try device.client.expectNoMessage(for: 0.4)

        assertStatus(try HTTPTestClient.put(device.endpoint, version: "6"), 200, "PUT v6")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 6)])
    }

    func testStaleVersionDoesNotReplaceStoredOne() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        device.client.close()
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "5", data: "five"), 202, "PUT v5 while offline")
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "4", data: "four"), 200, "PUT v4 after v5")

        let (client, _) = try connectDevice(to: server, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 5, data: "five")])
    }

    func testMissingOrEmptyVersionBecomesServerTime() throws {
        let server = try startServer()
        let (client, _) = try connectDevice(to: server)
        let (missing, empty) = (newChannelID(), newChannelID())
        let missingEndpoint = try client.register(missing)
        let emptyEndpoint = try client.register(empty)

        let before = unixNow()
        assertStatus(try HTTPTestClient.put(missingEndpoint), 200, "PUT without version")
        let first = try client.receiveNotification()
        assertStatus(try HTTPTestClient.put(emptyEndpoint, version: ""), 200, "PUT with version=")
        let second = try client.receiveNotification()
        let after = unixNow()

        for (channel, updates) in [(missing, first), (empty, second)] {
            XCTAssertEqual(updates.map(\.channelID), [channel])
            let version = updates.first?.version ?? -1
            XCTAssertTrue((before - 1 ... after + 1).contains(version), "version \(version) is not now (\(before)...\(after))")
        }
    }

    func testVersionInQueryStringIsAccepted() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let response = try HTTPTestClient.request("PUT", url: device.endpoint + "?version=9&data=query")
        assertStatus(response, 200, "PUT with query parameters")
        XCTAssertEqual(try device.client.receiveNotification(),
                       [ReceivedUpdate(channelID: device.channelID, version: 9, data: "query")])
    }

    func testAckIsNotAnswered() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 200, "PUT live")
        _ = try device.client.receiveNotification()
        try device.client.ack([(device.channelID, 1)])
        try device.client.expectNoMessage(for: 0.4)
    }

    func testPurgeIsAcceptedWithoutReplyOrEffect() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        try device.client.send(json: ["messageType": "purge"])
        try device.client.expectNoMessage(for: 0.4)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "1"), 200, "PUT after purge")
        XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 1)])
    }
}
