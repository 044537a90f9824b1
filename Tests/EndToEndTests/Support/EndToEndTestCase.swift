import Foundation
import XCTest

/// Base for every end-to-end test: starts servers and clients on demand and always cleans them
/// up, printing the server console when a test failed.
class EndToEndTestCase: XCTestCase {
    private var servers: [ServerProcess] = []
    private var clients: [WebSocketTestClient] = []
    private var directories: [URL] = []

    override func tearDown() {
        clients.forEach { $0.abort() }
        clients.removeAll()
        // hasSucceeded is only meaningful once the run has stopped, which is after tearDown.
        let failed = (testRun?.totalFailureCount ?? 0) > 0
        for server in servers {
            server.kill()
            if failed { print("---- server console (ws \(server.webSocketPort), endpoint \(server.endpointPort)) ----\n\(server.console)") }
        }
        servers.removeAll()
        directories.forEach { try? FileManager.default.removeItem(at: $0) }
        directories.removeAll()
        super.tearDown()
    }

    /// An empty directory removed after the test.
    func makeScratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("simplepush-e2e-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        directories.append(directory)
        return directory
    }

    /// Starts a server, killed at tear-down; pass `directory` to restart on the files of an
    /// earlier one.
    func startServer(_ launch: ServerProcess.Launch = .storage(.sqlite), environment: [String: String] = [:],
                     directory: URL? = nil) throws -> ServerProcess {
        let directory = try directory ?? makeScratchDirectory()
        let (launch, environment) = try DefaultStorage.apply(launch, environment)
        var attempt = 1
        while true {
            do {
                let server = try ServerProcess(directory: directory, launch: launch, environment: environment)
                servers.append(server)
                return server
            } catch is ServerProcess.PortTaken where attempt < 3 {
                // Free ports are picked before the server binds them, so another process can win the race.
                attempt += 1
            }
        }
    }

    /// A WebSocket connection closed (without ceremony) at tear-down.
    func connect(to server: ServerProcess, origin: String? = nil) throws -> WebSocketTestClient {
        let client = try server.connect(origin: origin)
        clients.append(client)
        return client
    }

    /// A connection that has said hello; returns it with its UAID.
    func connectDevice(to server: ServerProcess, uaid: String? = nil,
                       channelIDs: [String]? = nil) throws -> (WebSocketTestClient, String) {
        let client = try connect(to: server)
        let assigned = try client.hello(uaid: uaid, channelIDs: channelIDs)
        return (client, assigned)
    }

    /// A device with one registered channel: the connection, its UAID, the channel and its endpoint.
    func registeredDevice(on server: ServerProcess) throws -> (client: WebSocketTestClient, uaid: String,
                                                               channelID: String, endpoint: String) {
        let (client, uaid) = try connectDevice(to: server)
        let channelID = newChannelID()
        let endpoint = try client.register(channelID)
        return (client, uaid, channelID, endpoint)
    }
}

extension EndToEndTestCase {
    /// Asserts an HTTP status, naming the request and showing the whole response when it differs.
    func assertStatus(_ response: HTTPResponse, _ status: Int, _ what: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(what) -> \(response)", file: file, line: line)
    }

    /// The token of a pushEndpoint (its last path segment).
    func token(of endpoint: String) -> String {
        String(endpoint.split(separator: "/").last ?? "")
    }
}
