import Foundation
import XCTest

/// Requests pipelined on one keep-alive connection are answered in order, whether the update's
/// own handler or Hummingbird's router answers each of them.
final class PipeliningTests: EndToEndTestCase {
    private func put(_ path: String, version: Int) -> String {
        let body = "version=\(version)"
        return "PUT \(path) HTTP/1.1\r\nHost: push\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// Reads responses until `count` complete ones (each with a Content-Length) have arrived.
    private func readResponses(_ count: Int, from connection: TCPConnection) throws -> [HTTPResponse] {
        var bytes: [UInt8] = []
        var responses: [HTTPResponse] = []
        let deadline = Deadline(seconds: 5)
        while responses.count < count {
            if let end = endOfHTTPHead(in: bytes) {
                let head = try HTTPResponseHead(parsing: String(decoding: bytes[..<(end - 4)], as: UTF8.self))
                let length = Int(head.header("Content-Length") ?? "0") ?? 0
                if bytes.count >= end + length {
                    responses.append(HTTPResponse(head: head, body: Array(bytes[end ..< end + length])))
                    bytes.removeFirst(end + length)
                    continue
                }
            }
            switch try connection.read(until: deadline) {
            case .bytes(let more): bytes += more
            case .closed: throw TestFailure("closed after \(responses.count) responses")
            case .timedOut: throw TestFailure("only \(responses.count) of \(count) responses in time: \(responses)")
            }
        }
        return responses
    }

    func testPipelinedUpdatesAndOtherRequestsAreAnsweredInOrder() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let path = URL(string: device.endpoint)!.path
        let connection = try TCPConnection(port: server.endpointPort)
        // Update, a route of the router, an update behind it, a bad token, another update.
        let requests = put(path, version: 5) + "GET /status HTTP/1.1\r\nHost: push\r\n\r\n" + put(path, version: 6)
            + put("/update/garbage", version: 1) + put(path, version: 7)
        try connection.write(Array(requests.utf8))
        let responses = try readResponses(5, from: connection)
        XCTAssertEqual(responses.map(\.status), [200, 200, 200, 404, 200], "\(responses)")
        XCTAssertEqual(try responses[1].jsonObject()["status"] as? String, "OK", "\(responses[1])")
        var versions: [Int] = []
        while versions.last != 7 {
            versions += try device.client.receiveNotification(timeout: 2).map(\.version).map(Int.init)
        }
        XCTAssertEqual(versions, [5, 6, 7], "each update delivered once, in order")
    }

    func testAnOversizedUpdateBodyIsRefusedAndTheConnectionServesTheNextRequest() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let path = URL(string: device.endpoint)!.path
        let connection = try TCPConnection(port: server.endpointPort)
        // Chunked, so no Content-Length says in advance that it is too long.
        let chunk = "version=1&data=" + String(repeating: "x", count: 40_000)
        let chunked = "PUT \(path) HTTP/1.1\r\nHost: push\r\nTransfer-Encoding: chunked\r\n\r\n"
            + String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n0\r\n\r\n"
        try connection.write(Array((chunked + put(path, version: 2)).utf8))
        let responses = try readResponses(2, from: connection)
        XCTAssertEqual(responses.map(\.status), [413, 200], "\(responses)")
        XCTAssertEqual(try device.client.receiveNotification(timeout: 2).map(\.version), [2])
    }

    /// An app server that sends its update and goes away before the answer (a flaky network, a
    /// timeout on its side): the update is still kept and delivered, and the server goes on.
    func testAnUpdateWhoseClientLeftBeforeTheAnswerIsStillDelivered() throws {
        let server = try startServer()
        let device = try registeredDevice(on: server)
        let path = URL(string: device.endpoint)!.path
        for version in 1 ... 20 {
            let connection = try TCPConnection(port: server.endpointPort)
            try connection.write(Array(put(path, version: version).utf8))
            connection.close()
        }
        var newest: Int64 = 0
        let deadline = Deadline(seconds: 5)
        while newest < 20 && !deadline.hasPassed {
            newest = max(newest, try device.client.receiveNotification(timeout: 2).map(\.version).max() ?? 0)
        }
        XCTAssertEqual(newest, 20, "the last update arrived")
        assertStatus(try HTTPTestClient.put(device.endpoint, version: "21"), 200, "the endpoint still answers")
    }
}
