import LoadTestKit
import XCTest

final class PlanValidationTests: XCTestCase {
    /// This machine's shape: 20,000 open files, the default Linux port range.
    let limits = SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232)

    private func request(_ scenario: Scenario = .connect, url: String = "ws://127.0.0.1:8080/",
                         _ change: (inout PlanRequest) -> Void = { _ in }) -> PlanRequest {
        var request = PlanRequest(scenario: scenario, url: url)
        change(&request)
        return request
    }

    private func assertInvalid(_ request: PlanRequest, mentioning fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try request.resolve(limits: limits), file: file, line: line) { error in
            guard case LoadTestError.invalidArgument(let message) = error else {
                return XCTFail("expected invalidArgument, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(message.contains(fragment), "\(message.debugDescription) should mention \(fragment)", file: file, line: line)
        }
    }

    func testRefusesNonLoopbackTargetsUnlessAllowed() throws {
        assertInvalid(request(url: "ws://10.1.2.3:8080/"), mentioning: "--allow-remote")
        assertInvalid(request(url: "ws://192.168.0.1:8080/"), mentioning: "--allow-remote")
        let allowed = try request(url: "ws://10.1.2.3:8080/") { $0.allowRemote = true }.resolve(limits: limits)
        XCTAssertEqual(allowed.target.host, IPv4Address(10, 1, 2, 3))
        XCTAssertEqual(allowed.sourceAddresses, 0, "remote targets cannot use loopback source addresses")
        XCTAssertTrue(try request(url: "ws://127.45.0.9:1/").resolve(limits: limits).target.host.isLoopback)
        XCTAssertEqual(try request(url: "ws://localhost:9000/push").resolve(limits: limits).target.path, "/push")
    }

    func testRefusesHostNamesAndOtherSchemes() {
        assertInvalid(request(url: "ws://example.com:8080/"), mentioning: "IPv4")
        assertInvalid(request(url: "http://127.0.0.1:8080/"), mentioning: "ws://")
        assertInvalid(request(url: "ws://127.0.0.1:0/"), mentioning: "port")
        assertInvalid(request(url: "ws://[::1]:8080/"), mentioning: "IPv4")
        assertInvalid(request(url: "ws://127.0.0.256:8080/"), mentioning: "IPv4")
    }

    func testWSSTargetsAndTheirOptions() throws {
        let secure = try request(url: "wss://localhost/push").resolve(limits: limits)
        XCTAssertTrue(secure.target.tls)
        XCTAssertEqual(secure.target.port, 443, "wss:// defaults to 443")
        XCTAssertEqual(secure.target.hostName, "localhost", "the name TLS checks, without the port")
        XCTAssertEqual(secure.target.description, "wss://localhost/push")
        XCTAssertEqual(secure.tls, TLSClientPlan(caFile: nil, resume: true), "no verification, resumption on")
        let plain = try request(url: "WS://127.0.0.1/").resolve(limits: limits)
        XCTAssertFalse(plain.target.tls)
        XCTAssertEqual(plain.target.port, 80)
        XCTAssertNil(plain.tls)
        XCTAssertEqual(try request(url: "wss://127.0.0.1:8443/") { $0.noTLSResume = true }.resolve(limits: limits).tls?.resume, false)
        assertInvalid(request { $0.caFile = "/etc/hostname" }, mentioning: "--ca-file needs a wss://")
        assertInvalid(request { $0.noTLSResume = true }, mentioning: "--no-tls-resume needs a wss://")
        assertInvalid(request(url: "wss://127.0.0.1:8443/") { $0.caFile = "/nonexistent/ca.pem" }, mentioning: "cannot read")
        assertInvalid(request(url: "https://127.0.0.1:8443/"), mentioning: "wss://")
    }

    func testUpdatesMayGoThroughAnotherNode() throws {
        let plan = try request(.notify) { $0.updateURL = "http://127.0.0.1:9081" }.resolve(limits: limits)
        XCTAssertEqual(plan.updateTarget, LoadTarget(host: IPv4Address(127, 0, 0, 1), port: 9081, hostHeader: "127.0.0.1:9081"))
        XCTAssertNil(try request(.notify).resolve(limits: limits).updateTarget)
        assertInvalid(request(.connect) { $0.updateURL = "http://127.0.0.1:9081" }, mentioning: "notify and stored")
        assertInvalid(request(.notify) { $0.updateURL = "https://127.0.0.1:9081" }, mentioning: "http://")
        assertInvalid(request(.notify) { $0.updateURL = "http://10.1.1.1:9081" }, mentioning: "--allow-remote")
    }

    func testBoundsOnCountsRatesAndTimes() {
        assertInvalid(request { $0.clients = 0 }, mentioning: "--clients")
        assertInvalid(request { $0.clients = PlanRequest.maxClients + 1 }, mentioning: "--clients")
        assertInvalid(request { $0.rate = 0 }, mentioning: "--rate")
        assertInvalid(request { $0.rate = .nan }, mentioning: "--rate")
        assertInvalid(request { $0.duration = -1 }, mentioning: "--duration")
        assertInvalid(request { $0.duration = 100_000 }, mentioning: "--duration")
        assertInvalid(request(.notify) { $0.maxCount = 0 }, mentioning: "--max-count")
        assertInvalid(request(.notify) { $0.dataSize = -1 }, mentioning: "--data-size")
        assertInvalid(request { $0.timeout = 0 }, mentioning: "--timeout")
        assertInvalid(request(.churn) { $0.connectRate = -5 }, mentioning: "--connect-rate")
    }

    func testNotifyAndStoredNeedChannels() throws {
        assertInvalid(request(.notify) { $0.channels = 0 }, mentioning: "--channels")
        assertInvalid(request(.stored) { $0.channels = 0 }, mentioning: "--channels")
        XCTAssertEqual(try request(.connect).resolve(limits: limits).channels, 0)
        XCTAssertEqual(try request(.notify).resolve(limits: limits).channels, 1)
    }

    func testEveryRunIsBoundedInCountAndTime() throws {
        let plan = try request(.notify) { $0.rate = 2000; $0.duration = 5 }.resolve(limits: limits)
        XCTAssertEqual(plan.maxCount, 10_000, "default count is rate × duration")
        XCTAssertGreaterThan(plan.timeout, plan.duration)
        XCTAssertLessThanOrEqual(plan.timeout, 2 * PlanRequest.maxDuration)
        let stored = try request(.stored) { $0.clients = 10; $0.channels = 3 }.resolve(limits: limits)
        XCTAssertEqual(stored.maxCount, 30, "stored sends one update per channel")
    }

    func testSpreadsOverProcessesAboveTheOpenFileLimit() throws {
        XCTAssertEqual(try request { $0.clients = 15_000 }.resolve(limits: limits).procs, 1)
        let big = try request { $0.clients = 100_000 }.resolve(limits: limits)
        XCTAssertEqual(big.procs, 6)
        XCTAssertEqual(big.sourceAddresses, 20, "5,000 connections per source address")
        let few = try request { $0.clients = 100_000 }.resolve(limits: SystemLimits(openFiles: 20_000, ephemeralPorts: 1000))
        XCTAssertEqual(few.sourceAddresses, 112, "a narrow port range needs more addresses: 900 usable ports each")
        assertInvalid(request { $0.clients = 100_000; $0.procs = 3 }, mentioning: "open-file limit")
        assertInvalid(request { $0.clients = 100_000; $0.sourceAddresses = 1 }, mentioning: "--source-addresses")
        assertInvalid(request(url: "ws://10.0.0.1:80/") { $0.allowRemote = true; $0.sourceAddresses = 2 }, mentioning: "loopback")
    }

    func testSharesAddUpToThePlan() throws {
        let plan = try request(.notify) { $0.clients = 100_001; $0.rate = 900; $0.duration = 10; $0.httpConnections = 64 }
            .resolve(limits: limits)
        let shares = (0 ..< plan.procs).map(plan.share(of:))
        XCTAssertEqual(shares.map(\.clients.count).reduce(0, +), 100_001)
        XCTAssertEqual(shares.first?.clients.lowerBound, 0)
        XCTAssertEqual(shares.last?.clients.upperBound, 100_001)
        for (left, right) in zip(shares, shares.dropFirst()) {
            XCTAssertEqual(left.clients.upperBound, right.clients.lowerBound, "client ranges are contiguous")
        }
        XCTAssertEqual(shares.map(\.maxCount).reduce(0, +), plan.maxCount)
        XCTAssertEqual(shares.map(\.rate).reduce(0, +), 900, accuracy: 1e-9)
        XCTAssertEqual(shares.map(\.httpConnections).reduce(0, +), 64)
    }

    func testSourceAddressesAreSpreadRoundRobin() throws {
        let plan = try request { $0.clients = 10; $0.sourceAddresses = 3 }.resolve(limits: limits)
        XCTAssertEqual((0 ..< 4).map { plan.sourceAddress(forClient: $0)?.description },
                       ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.2"])
        let unbound = try request { $0.clients = 10; $0.sourceAddresses = 0 }.resolve(limits: limits)
        XCTAssertNil(unbound.sourceAddress(forClient: 5))
    }

    func testWebPushOptions() throws {
        XCTAssertNil(try request(.notify).resolve(limits: limits).webPush, "SimplePush unless asked")
        let notify = try request(.notify) { $0.webPush = true; $0.payloadBytes = 256 }.resolve(limits: limits)
        XCTAssertEqual(notify.webPush, WebPushPlan(payloadBytes: 256, ttl: 60, vapidPerPush: false))
        let stored = try request(.stored) { $0.webPush = true; $0.vapidPerPush = true }.resolve(limits: limits)
        XCTAssertEqual(stored.webPush, WebPushPlan(payloadBytes: 0, ttl: PlanRequest.storedTTL, vapidPerPush: true))
        XCTAssertGreaterThan(PlanRequest.storedTTL, Int(2 * PlanRequest.maxDuration), "stored messages outlive any run")
        XCTAssertEqual(try request(.notify) { $0.webPush = true; $0.payloadBytes = 103 }.resolve(limits: limits).webPush?.payloadBytes, 103)
        XCTAssertEqual(try request(.notify) { $0.webPush = true; $0.payloadBytes = 4096 }.resolve(limits: limits).webPush?.payloadBytes, 4096)

        assertInvalid(request(.notify) { $0.webPush = true; $0.payloadBytes = 102 }, mentioning: "--payload-bytes must be 0 (no body) or between 103 and 4096")
        assertInvalid(request(.notify) { $0.webPush = true; $0.payloadBytes = 4097 }, mentioning: "--payload-bytes")
        assertInvalid(request(.notify) { $0.webPush = true; $0.payloadBytes = -1 }, mentioning: "--payload-bytes")
        assertInvalid(request(.notify) { $0.payloadBytes = 256 }, mentioning: "--payload-bytes needs --webpush")
        assertInvalid(request(.stored) { $0.vapidPerPush = true }, mentioning: "--vapid-per-push needs --webpush")
        assertInvalid(request(.notify) { $0.webPush = true; $0.dataSize = 10 }, mentioning: "--data-size")
        assertInvalid(request(.churn) { $0.webPush = true }, mentioning: "--webpush")
    }

    func testPlanSurvivesTheTripToAWorkerProcess() throws {
        let plan = try request(.churn) { $0.clients = 1234; $0.rate = 77 }.resolve(limits: limits)
        let decoded = try JSONDecoder().decode(LoadPlan.self, from: JSONEncoder().encode(plan))
        XCTAssertEqual(decoded, plan)
    }

    func testWebPushPlanSurvivesTheTripAndOldSummariesStillRead() throws {
        let plan = try request(.notify) { $0.webPush = true; $0.payloadBytes = 512 }.resolve(limits: limits)
        XCTAssertEqual(try JSONDecoder().decode(LoadPlan.self, from: JSONEncoder().encode(plan)), plan)
        let simple = try request(.notify).resolve(limits: limits)
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(simple)) as? [String: Any])
        json["webPush"] = nil
        XCTAssertEqual(try JSONDecoder().decode(LoadPlan.self, from: JSONSerialization.data(withJSONObject: json)), simple,
                       "a plan written before WebPush existed")
        var target = try XCTUnwrap(json["target"] as? [String: Any])
        target["tls"] = nil
        json["target"] = target
        XCTAssertEqual(try JSONDecoder().decode(LoadPlan.self, from: JSONSerialization.data(withJSONObject: json)).target, simple.target,
                       "a target written before wss:// existed")
    }
}
