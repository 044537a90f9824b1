import Foundation
import MemcachedTestSupport
import PushCore
import XCTest

/// Three nodes sharing one memcached and one token key, each with its router listener: an update
/// sent to any node's endpoint reaches the device wherever it is connected.
final class FleetTests: MemcachedEndToEndTestCase {
    private let sharedKey = EndpointTokenCodec.generateKey()

    private func startNode() throws -> ServerProcess {
        let routerPort = try LoopbackPort.free(1)[0]
        return try startMemcachedServer(environment: ["SIMPLEPUSH_DEFAULT_TOKEN_KEYS": sharedKey,
                                                      "SIMPLEPUSH_ROUTER_ADDR": "127.0.0.1:\(routerPort)"])
    }

    func testAnUpdateSentToAnyNodeReachesTheDeviceWith200() throws {
        let (a, b, c) = (try startNode(), try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        let token = token(of: device.endpoint)
        for (version, node) in [(1, b), (2, c), (3, a)] {
            assertStatus(try HTTPTestClient.put(node.updateURL(token: token), version: String(version)), 200,
                         "PUT through node \(node.endpointPort) for a device on \(a.endpointPort)")
            XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: Int64(version))])
            try device.client.ack([(device.channelID, Int64(version))])
        }
    }

    func testTheNewerConnectionOnAnotherNodeClosesTheOlderAndTakesItsUpdates() throws {
        let (a, b) = (try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        let (onB, uaid) = try connectDevice(to: b, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(uaid, device.uaid)
        XCTAssertEqual(try device.client.expectClose().code, 1000, "the older connection, on a, is closed")
        assertStatus(try HTTPTestClient.put(a.updateURL(token: token(of: device.endpoint)), version: "4"), 200, "PUT through a")
        XCTAssertEqual(try onB.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 4)])
    }

    func testANodeKilledMidRunLosesNoUpdate() throws {
        let (a, b, c) = (try startNode(), try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        a.kill()
        // b finds a gone: the update is stored (202), and the record naming a is cleared.
        assertStatus(try HTTPTestClient.put(b.updateURL(token: token(of: device.endpoint)), version: "5"), 202, "PUT with a dead")
        assertStatus(try HTTPTestClient.put(b.updateURL(token: token(of: device.endpoint)), version: "6"), 202, "PUT again")
        let (onC, _) = try connectDevice(to: c, uaid: device.uaid, channelIDs: [device.channelID])
        XCTAssertEqual(try onC.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 6)])
    }

    func testARestartedMemcachedAnswersNo410ForChannelsThatWereNeverUnregistered() throws {
        let (a, b) = (try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        try memcached.restart()
        // Back once b's store answers again. The device's records are gone: b keeps the update
        // for the device's next hello (202), or, once a has written its node record again, hands
        // it to a (200).
        let status = try putUntilStoreAnswers(b.updateURL(token: token(of: device.endpoint)), version: "8")
        XCTAssertTrue(status == 202 || status == 200, "\(status), not 410: memcached does not know the channel was unregistered")
        if status == 202 {
            device.client.close()
            let (again, _) = try connectDevice(to: b, uaid: device.uaid, channelIDs: [device.channelID])
            XCTAssertEqual(try again.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 8)])
        } else {
            XCTAssertEqual(try device.client.receiveNotification(), [ReceivedUpdate(channelID: device.channelID, version: 8)])
        }
    }

    func testAfterAMemcachedRestartEachNodeWritesItsRecordsAgainSoUpdatesReachConnectedDevices() throws {
        let (a, b) = (try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        try memcached.restart()
        // Within a few of the nodes' epoch checks (every 5 s), a claims the device again and a PUT
        // through b is delivered at once; until then updates are stored.
        let url = b.updateURL(token: token(of: device.endpoint))
        let (status, version) = try putUntilDeliveredLive(url, firstStatus: try putUntilStoreAnswers(url, version: "10"), version: 10)
        XCTAssertEqual(status, 200, "a PUT through b reaches the device on a again")
        XCTAssertEqual(newestVersion(on: device.client, upTo: version), Int64(version),
                       "the device, never disconnected, gets the update answered 200")
        XCTAssertTrue(a.console.contains("node records written again"), a.console)
    }

    func testADeviceWhoseHelloCouldNotWriteItsNodeRecordGetsItWrittenOnceTheStoreAnswers() throws {
        let (a, b) = (try startNode(), try startNode())
        try memcached.pause()
        // A new device: its hello needs the store only for the node record, which times out.
        let client = try connect(to: a)
        let memcached: MemcachedDaemon = self.memcached
        let resumed = Thread { usleep(2_500_000); try? memcached.resume() }
        resumed.start()
        let uaid = try client.hello()
        XCTAssertFalse(uaid.isEmpty)
        while !resumed.isFinished { usleep(10_000) }
        // After the store's retry timeout (1 s here) a register gets through.
        usleep(1_500_000)
        let endpoint = try client.register(newChannelID())
        // b finds no record at first and keeps the update (202); once a has written the record
        // on its keeper's next round (every 5 s), b hands the update over (200).
        let url = b.updateURL(token: token(of: endpoint))
        let (status, version) = try putUntilDeliveredLive(url, firstStatus: try HTTPTestClient.put(url, version: "1").status, version: 1)
        XCTAssertEqual(status, 200, "a PUT through b reaches the device on a; console of a:\n\(a.console)")
        XCTAssertEqual(newestVersion(on: client, upTo: version), Int64(version))
        XCTAssertTrue(a.console.contains("node records written after failed writes"), a.console)
    }

    /// PUTs newer versions every 250 ms, after one answered `firstStatus`, until one is answered 200
    /// or 15 s pass; returns the last status and version.
    private func putUntilDeliveredLive(_ url: String, firstStatus: Int, version first: Int) throws -> (status: Int, version: Int) {
        var (status, version) = (firstStatus, first)
        let deadline = Deadline(seconds: 15)
        while status != 200 && !deadline.hasPassed {
            usleep(250_000)
            version += 1
            status = try HTTPTestClient.put(url, version: String(version)).status
        }
        return (status, version)
    }

    /// The newest version `client` receives, reading until `version` arrives or 2 s pass without one.
    private func newestVersion(on client: WebSocketTestClient, upTo version: Int) -> Int64 {
        var newest: Int64 = 0
        while newest < Int64(version), let updates = try? client.receiveNotification(timeout: 2) {
            newest = max(newest, updates.map(\.version).max() ?? 0)
        }
        return newest
    }

    /// PUTs until the store answers (no 503 while memcached comes back); returns the status.
    private func putUntilStoreAnswers(_ url: String, version: String) throws -> Int {
        var status = 0
        let deadline = Deadline(seconds: 10)
        repeat {
            status = try HTTPTestClient.put(url, version: version).status
            if status == 503 { usleep(200_000) }
        } while status == 503 && !deadline.hasPassed
        return status
    }

    func testADeviceMovingBetweenNodesWhileUpdatesArriveMissesNone() throws {
        let (a, b, c) = (try startNode(), try startNode(), try startNode())
        let device = try registeredDevice(on: a)
        let url = b.updateURL(token: token(of: device.endpoint))
        let last = 40
        let sender = Thread {
            for version in 1 ... last {
                _ = try? HTTPTestClient.put(url, version: String(version))
                usleep(5_000)
            }
        }
        sender.start()
        usleep(50_000)
        let (onC, _) = try connectDevice(to: c, uaid: device.uaid, channelIDs: [device.channelID])
        // Every version arrives on one of the two connections; the newest one must reach c.
        var newest: Int64 = 0
        let deadline = Deadline(seconds: 10)
        while newest < Int64(last) && !deadline.hasPassed {
            guard let updates = try? onC.receiveNotification(timeout: 1) else { continue }
            for update in updates where update.channelID == device.channelID {
                newest = max(newest, update.version)
                try onC.ack([(update.channelID, update.version)])
            }
        }
        while !sender.isFinished { usleep(10_000) }
        XCTAssertEqual(newest, Int64(last), "the last version sent while the device moved")
    }
}
