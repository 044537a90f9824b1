import Foundation
import MemcachedTestSupport
import XCTest

/// `GET /metrics`: real traffic moves each metric by exactly what happened, on the endpoint
/// listener and on the optional listener of its own.
final class OperationsMetricsTests: EndToEndTestCase {
    func testTrafficMovesEachMetricByWhatHappened() throws {
        let server = try startServer()
        let before = try MetricsScrape.fetch(port: server.endpointPort)

        // A refused upgrade: a WebSocket version the server does not speak.
        let refused = try HTTPTestClient.exchange(
            port: server.webSocketPort,
            rawRequest: WebSocketTestClient.upgradeRequest(port: server.webSocketPort, version: "8"))
        XCTAssertNotEqual(refused.status, 101, "\(refused)")

        // A device that goes offline, then gets an update stored for it.
        let offline = try registeredDevice(on: server)
        offline.client.close()
        assertStatus(try HTTPTestClient.put(offline.endpoint, version: "1"), 202, "PUT to an offline device")

        // A connected device: ping, a live update, its ack, and a channel registered and dropped.
        let online = try registeredDevice(on: server)
        try online.client.send(json: ["messageType": "ping"])
        XCTAssertTrue(try online.client.receiveJSON().isEmpty, "ping not answered with {}")
        assertStatus(try HTTPTestClient.put(online.endpoint, version: "5", data: "metered"), 200, "PUT to a connected device")
        XCTAssertEqual(try online.client.receiveNotification(),
                       [ReceivedUpdate(channelID: online.channelID, version: 5, data: "metered")])
        try online.client.ack([(online.channelID, 5)])
        let spare = newChannelID()
        _ = try online.client.register(spare)
        // Replies come in command order, so this one also proves the ack reached the store.
        try online.client.unregister(spare)

        // The offline device's close is counted when the server releases its socket.
        let after = try scrape(port: server.endpointPort, until: "one open connection") {
            $0.sum("simplepush_connections") == 1
        }
        let backend = DefaultStorage.wantsMemcache ? "memcache" : "sqlite"
        let expected: [(name: String, labels: [String: String], delta: Double)] = [
            ("simplepush_handshakes_total", ["result": "accepted"], 2),
            ("simplepush_handshakes_total", ["result": "refused"], 1),
            ("simplepush_hellos_total", [:], 2),
            ("simplepush_registers_total", [:], 3),
            ("simplepush_unregisters_total", [:], 1),
            ("simplepush_acks_total", [:], 1),
            ("simplepush_pings_total", [:], 1),
            ("simplepush_notifications_sent_total", [:], 1),
            ("simplepush_notifications_acked_total", [:], 1),
            ("simplepush_updates_total", ["status": "200"], 1),
            ("simplepush_updates_total", ["status": "202"], 1),
            ("simplepush_store_duration_seconds_count", ["operation": "save", "backend": backend], 2),
            ("simplepush_store_duration_seconds_count", ["operation": "register", "backend": backend], 3),
            ("simplepush_store_duration_seconds_count", ["operation": "unregister", "backend": backend], 1),
            ("simplepush_store_duration_seconds_count", ["operation": "delete", "backend": backend], 1),
            ("simplepush_store_errors_total", [:], 0),
        ]
        for (name, labels, delta) in expected {
            XCTAssertEqual(after.sum(name, labels) - before.sum(name, labels), delta,
                           "\(name)\(labels) moved by the wrong amount; scrape after:\n\(after)")
        }
        XCTAssertEqual(after.sum("simplepush_connections"), 1, "connections gauge")
        XCTAssertGreaterThan(after.sum("simplepush_bytes_in_total"), before.sum("simplepush_bytes_in_total"))
        XCTAssertGreaterThan(after.sum("simplepush_bytes_out_total"), before.sum("simplepush_bytes_out_total"))
        // Every store result is handed back to a reactor thread, so the loop lag was measured.
        XCTAssertGreaterThan(after.sum("simplepush_reactor_lag_seconds_count"), before.sum("simplepush_reactor_lag_seconds_count"))

        XCTAssertEqual(after.types["simplepush_connections"], "gauge")
        XCTAssertEqual(after.types["simplepush_updates_total"], "counter")
        XCTAssertEqual(after.types["simplepush_store_duration_seconds"], "histogram")
        XCTAssertEqual(after.types["simplepush_reactor_lag_seconds"], "histogram")
        let perWorker = after.samples.filter { $0.name == "simplepush_connections" }
        XCTAssertFalse(perWorker.isEmpty)
        XCTAssertTrue(perWorker.allSatisfy { $0.labels["worker"] != nil }, "connections without a worker label:\n\(after)")
    }

    func testMetricsAddrServesTheSameMetricsOnAListenerOfItsOwn() throws {
        let metricsPort = try LoopbackPort.free(1)[0]
        let server = try startServer(environment: ["SIMPLEPUSH_METRICS_ADDR": "127.0.0.1:\(metricsPort)"])
        try waitUntilAccepting(port: metricsPort)

        let device = try registeredDevice(on: server)
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "2"), 200, "PUT to a connected device")
        _ = try device.client.receiveNotification()
        assertStatus(try HTTPTestClient.put(server.updateURL(token: "garbage"), version: "1"), 404, "PUT to a bad token")

        for port in [metricsPort, server.endpointPort] {
            let scrape = try MetricsScrape.fetch(port: port)
            XCTAssertEqual(scrape.sum("simplepush_updates_total", ["status": "200"]), 1, "port \(port):\n\(scrape)")
            XCTAssertEqual(scrape.sum("simplepush_updates_total", ["status": "404"]), 1, "port \(port):\n\(scrape)")
            XCTAssertEqual(scrape.sum("simplepush_handshakes_total", ["result": "accepted"]), 1, "port \(port):\n\(scrape)")
            XCTAssertEqual(scrape.sum("simplepush_connections"), 1, "port \(port):\n\(scrape)")
        }
    }

    /// Scrapes until `condition` holds (for values that follow events asynchronously), for at
    /// most two seconds; returns the last scrape either way so the caller's checks report it.
    private func scrape(port: Int, until what: String, _ condition: (MetricsScrape) -> Bool,
                        file: StaticString = #filePath, line: UInt = #line) throws -> MetricsScrape {
        let deadline = Deadline(seconds: 2)
        var last = try MetricsScrape.fetch(port: port)
        while !condition(last) && !deadline.hasPassed {
            usleep(20_000)
            last = try MetricsScrape.fetch(port: port)
        }
        if !condition(last) { XCTFail("metrics never showed \(what):\n\(last)", file: file, line: line) }
        return last
    }
}
