import Foundation
import PushCore
import SimplePush
import XCTest

/// One entry of a server `notification`.
struct ReceivedUpdate: Equatable, CustomStringConvertible {
    var channelID: String
    var version: Int64
    /// nil when the server left `data` out.
    var data: String?

    var description: String { "\(channelID)@\(version)" + (data.map { " data=\($0.debugDescription)" } ?? "") }
}

/// The SimplePush conversation steps tests repeat. Each checks the reply's shape and throws with
/// the full reply when it is not what the contract promises.
extension WebSocketTestClient {
    /// Sends hello and returns the server's reply object as is.
    func helloReply(uaid: String? = nil, channelIDs: [String]? = nil) throws -> [String: Any] {
        var message: [String: Any] = ["messageType": "hello"]
        if let uaid { message["uaid"] = uaid }
        if let channelIDs { message["channelIDs"] = channelIDs }
        try send(json: message)
        return try receiveJSON()
    }

    /// Says hello and returns the UAID the server assigned.
    @discardableResult
    func hello(uaid: String? = nil, channelIDs: [String]? = nil) throws -> String {
        let reply = try helloReply(uaid: uaid, channelIDs: channelIDs)
        guard reply["messageType"] as? String == "hello", jsonInteger(reply["status"]) == 200,
              let assigned = reply["uaid"] as? String else {
            throw TestFailure("hello was not accepted: \(jsonText(reply))")
        }
        return assigned
    }

    func registerReply(_ channelID: String) throws -> [String: Any] {
        try send(json: ["messageType": "register", "channelID": channelID])
        return try receiveJSON()
    }

    /// Registers a channel and returns its pushEndpoint.
    func register(_ channelID: String) throws -> String {
        let reply = try registerReply(channelID)
        guard reply["messageType"] as? String == "register", jsonInteger(reply["status"]) == 200,
              reply["channelID"] as? String == channelID,
              let endpoint = reply["pushEndpoint"] as? String else {
            throw TestFailure("register \(channelID) was not accepted: \(jsonText(reply))")
        }
        return endpoint
    }

    func unregister(_ channelID: String) throws {
        try send(json: ["messageType": "unregister", "channelID": channelID])
        let reply = try receiveJSON()
        guard reply["messageType"] as? String == "unregister", jsonInteger(reply["status"]) == 200,
              reply["channelID"] as? String == channelID else {
            throw TestFailure("unregister \(channelID) was not accepted: \(jsonText(reply))")
        }
    }

    func ack(_ updates: [(channelID: String, version: Int64)]) throws {
        let list = updates.map { ["channelID": $0.channelID, "version": NSNumber(value: $0.version)] as [String: Any] }
        try send(json: ["messageType": "ack", "updates": list])
    }

    /// Waits for a `notification` and returns its updates.
    func receiveNotification(timeout: Double = defaultTimeout) throws -> [ReceivedUpdate] {
        let message = try receiveJSON(timeout: timeout)
        guard message["messageType"] as? String == "notification", let list = message["updates"] as? [Any] else {
            throw TestFailure("expected a notification, got \(jsonText(message))")
        }
        return try list.map { entry in
            guard let update = entry as? [String: Any], let channelID = update["channelID"] as? String,
                  let version = jsonInteger(update["version"]) else {
                throw TestFailure("malformed update \(jsonText(entry)) in \(jsonText(message))")
            }
            var data: String?
            if let value = update["data"] {
                guard let text = value as? String else { throw TestFailure("data is not a string in \(jsonText(message))") }
                data = text
            }
            return ReceivedUpdate(channelID: channelID, version: version, data: data)
        }
    }

    /// A request whose reply proves the server finished every earlier command on this socket
    /// (commands are handled in order): re-registering a channel changes nothing.
    func barrier(channelID: String) throws {
        _ = try register(channelID)
    }
}

/// Checks an error reply: the client's own object echoed back, plus the table's status and error,
/// followed by the server closing the socket.
func assertProtocolError(_ error: ProtocolError, on client: WebSocketTestClient, after sent: [String: Any],
                         file: StaticString = #filePath, line: UInt = #line) throws {
    let reply = try client.receiveJSON()
    XCTAssertEqual(jsonInteger(reply["status"]), Int64(error.status),
                   "status for errno \(error.rawValue); reply \(jsonText(reply))", file: file, line: line)
    XCTAssertEqual(reply["error"] as? String, error.message,
                   "error text for errno \(error.rawValue); reply \(jsonText(reply))", file: file, line: line)
    for (key, value) in sent {
        let echoed = key.lowercased() == "messagetype"
            ? (reply[key] as? String)?.lowercased() == (value as? String)?.lowercased()
            : jsonEqual(reply[key], value)
        XCTAssertTrue(echoed, "field \(key) = \(jsonText(value)) not echoed; reply \(jsonText(reply))", file: file, line: line)
    }
    try client.expectClose()
}
