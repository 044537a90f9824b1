@testable import Endpoint
import Hummingbird
import HummingbirdTesting
import Logging
import PushCore
import Routing
import SimplePushModule
import Store
import StoreMemory
import Synchronization
import XCTest

/// A module of its own: the endpoint serves whatever routes its modules add.
private struct EchoRoutes: RouteModule {
    func addRoutes(to router: Hummingbird.Router<BasicRequestContext>) {
        router.get("/echo/:word") { _, context in
            Response.json(.ok, .object([("word", .string(context.parameters.get("word") ?? ""))]))
        }
    }
}

/// Answers every route with one outcome and counts what it was asked.
private final class FixedRouter: Routing.Router {
    let outcome: RouteOutcome?
    let asked = Mutex<[PushMessage]>([])

    init(outcome: RouteOutcome?) { self.outcome = outcome }

    func route(_ message: PushMessage, to uaid: UAID) async -> RouteOutcome? {
        asked.withLock { $0.append(message) }
        return outcome
    }
}

final class RouteModuleTests: XCTestCase {
    private let logger = Logger(label: "test")

    private func application(_ modules: [any RouteModule]) -> some ApplicationProtocol {
        Application(router: EndpointServer.makeRouter(modules, logger: logger))
    }

    func testEachModulesRoutesAreServedUnderTheSharedMiddleware() async throws {
        let health = HealthRoutes(connectedClients: { 7 }, storeCheck: {}, version: "9.9", logger: logger)
        try await application([EchoRoutes(), health]).test(.router) { client in
            try await client.execute(uri: "/echo/hi", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(String(buffer: response.body), #"{"word":"hi"}"#)
            }
            try await client.execute(uri: "/status", method: .get) { response in
                XCTAssertEqual(String(buffer: response.body), #"{"status":"OK","clients":7,"version":"9.9"}"#)
            }
            // Not any module's: the endpoint's JSON error, not Hummingbird's plain one.
            try await client.execute(uri: "/nowhere", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(response.headers[.contentType], "application/json")
            }
        }
    }

    /// The update route saves, then asks the router; its status says where the router put it.
    func testTheUpdateRouteAnswersWithWhereTheRouterPutTheUpdate() async throws {
        let store = MemoryStore()
        let tokens = try EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
        let settings = Live(SimplePushSettings(publicURL: "http://push.example", tokens: tokens))
        let uaid = UAID.random()
        let channel = ChannelID(UUID().uuidString.lowercased())!
        _ = try await store.register(uaid, channel: channel, maxChannels: 10)
        let token = tokens.seal(uaid: uaid, channel: channel)
        let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

        let cases: [(RouteOutcome?, HTTPResponse.Status)] = [
            (.deliveredHere, .ok), (.deliveredToNode("node-b"), .ok), (.handedToBridge("apns"), .ok), (nil, .accepted),
        ]
        for (index, (outcome, status)) in cases.enumerated() {
            let router = FixedRouter(outcome: outcome)
            let routes = UpdateRoutes(store: store, router: RouterChain([router]), settings: settings, drain: DrainSwitch(),
                                      logger: logger)
            try await application([routes]).test(.router) { client in
                try await client.execute(uri: "/update/\(token)", method: .put, headers: form,
                                         body: ByteBuffer(string: "version=\(index + 1)")) { response in
                    XCTAssertEqual(response.status, status, "router answered \(String(describing: outcome))")
                }
            }
            XCTAssertEqual(router.asked.withLock { $0 }, [.simplePush(Update(channelID: channel, version: Int64(index + 1)))])
        }
        let pending = try await store.fetchPending(uaid)
        XCTAssertEqual(pending.map(\.version), [4], "saved before it was routed, whatever the router said")
    }

    func testATokenOfAnotherKindIsNotAnUpdateEndpoint() async throws {
        let tokens = try EndpointTokenCodec(encodedKeys: [EndpointTokenCodec.generateKey()])
        let settings = Live(SimplePushSettings(publicURL: "http://push.example", tokens: tokens))
        let router = FixedRouter(outcome: .deliveredHere)
        let routes = UpdateRoutes(store: MemoryStore(), router: RouterChain([router]), settings: settings,
                                  drain: DrainSwitch(), logger: logger)
        let webPush = tokens.seal(.webPushV1, payload: UAID.random().bytes + Array(UUID().uuidString.utf8))
        try await application([routes]).test(.router) { client in
            try await client.execute(uri: "/update/\(webPush)", method: .put, body: ByteBuffer(string: "version=1")) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
        XCTAssertTrue(router.asked.withLock { $0.isEmpty })
    }
}
