import Foundation
import XCTest

/// Graceful shutdown on SIGTERM: devices are told to go elsewhere (1001), new updates are
/// refused, the process exits 0, and nothing accepted before is lost.
final class OperationsShutdownTests: EndToEndTestCase {
    private struct Device {
        var client: WebSocketTestClient
        var uaid: String
        var channelID: String
        var endpoint: String
    }

    func testSIGTERMClosesWith1001RefusesUpdatesExitsZeroAndKeepsUnackedUpdates() throws {
        let grace = 3.0
        let environment = ["SIMPLEPUSH_DEFAULT_SHUTDOWN_GRACE": "\(Int(grace))s", "SIMPLEPUSH_STORAGE_TYPE": "sqlite"]
        let directory = try makeScratchDirectory()
        let first = try startServer(.operated(), environment: environment, directory: directory)

        let offline = try device(on: first)
        offline.client.close()
        let (deviceA, deviceB) = (try device(on: first), try device(on: first))
        let sent = [
            deviceA.uaid: ReceivedUpdate(channelID: deviceA.channelID, version: 11, data: "for a"),
            deviceB.uaid: ReceivedUpdate(channelID: deviceB.channelID, version: 21),
            offline.uaid: ReceivedUpdate(channelID: offline.channelID, version: 31, data: "for the offline one"),
        ]
        for connected in [deviceA, deviceB] {
            let update = sent[connected.uaid]!
            assertStatus(try HTTPTestClient.put(connected.endpoint, version: String(update.version), data: update.data),
                         200, "PUT to a connected device")
            XCTAssertEqual(try connected.client.receiveNotification(), [update], "live delivery (left unacked)")
        }
        let stored = sent[offline.uaid]!
        assertStatus(try HTTPTestClient.put(offline.endpoint, version: String(stored.version), data: stored.data),
                     202, "PUT to an offline device")

        try first.signal(SIGTERM)
        let exitDeadline = Deadline(seconds: grace)
        let closeA = try deviceA.client.expectClose(timeout: grace)
        XCTAssertTrue(closeA.sawCloseFrame && closeA.code == 1001, "device A: \(closeA)")

        // Device B has not answered its close frame yet, so the server is still inside its
        // shutdown, waiting for it (up to a linger of seconds): the endpoint is up and draining.
        let during = try HTTPTestClient.put(deviceA.endpoint, version: "12")
        assertStatus(during, 503, "PUT during shutdown")
        XCTAssertFalse((during.header("Retry-After") ?? "").isEmpty, "503 without Retry-After: \(during.head.headers)")

        let closeB = try deviceB.client.expectClose(timeout: grace)
        XCTAssertTrue(closeB.sawCloseFrame && closeB.code == 1001, "device B: \(closeB)")

        let exit = try first.waitForExit(timeout: Double(exitDeadline.remainingMilliseconds) / 1000)
        XCTAssertEqual(exit.reason, .exit, "the server died of signal \(exit.status)")
        XCTAssertEqual(exit.status, 0, "exit status after SIGTERM")

        let second = try startServer(.operated(), environment: environment, directory: directory)
        for device in [deviceA, deviceB, offline] {
            let client = try second.connect()
            XCTAssertEqual(try client.hello(uaid: device.uaid, channelIDs: [device.channelID]), device.uaid,
                           "the restarted server forgot a device")
            XCTAssertEqual(try client.receiveNotification(), [sent[device.uaid]!], "unacked update after the restart")
            client.close()
        }
    }

    private func device(on server: ServerProcess) throws -> Device {
        let client = try server.connect()
        let uaid = try client.hello()
        let channelID = newChannelID()
        return Device(client: client, uaid: uaid, channelID: channelID, endpoint: try client.register(channelID))
    }
}
