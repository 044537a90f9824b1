import Foundation
@testable import LoadTestKit
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A worker's progress reports cost it a JSON encoding each, and its parent a decoding: a worker
/// holding devices idle, whose report does not change, must not keep sending it.
final class WorkerPublishTests: XCTestCase {
    func testAWorkerWhoseReportDoesNotChangeDoesNotSendItAgain() throws {
        // Nothing listens on port 9 of loopback: every device fails at once, then the worker
        // holds for the duration with nothing happening.
        var request = PlanRequest(scenario: .connect, url: "ws://127.0.0.1:9/")
        request.clients = 3
        request.duration = 3
        request.procs = 1
        let plan = try request.resolve(limits: SystemLimits(openFiles: 20_000, ephemeralPorts: 28_232))
        var pipe: [Int32] = [0, 0]
        XCTAssertEqual(Glibc.pipe(&pipe), 0)
        defer { close(pipe[0]); close(pipe[1]) }
        _ = "go\n".utf8CString.withUnsafeBytes { write(pipe[1], $0.baseAddress, 3) }
        var published: [WorkerReport] = []
        let worker = try LoadWorker(plan: plan, worker: 0, control: PipeControl(fd: pipe[0]), publish: { published.append($0) })
        let final = worker.run()
        XCTAssertEqual(final.phase, .finished)
        XCTAssertEqual(final.counters.failed, 3, "\(final.errors)")
        let running = published.filter { $0.phase == .running }
        // Once when the hold starts; the three seconds after it change nothing.
        XCTAssertEqual(running.count, 1, "reports sent while holding: \(running.count)")
        XCTAssertEqual(published.last, final)
    }
}
