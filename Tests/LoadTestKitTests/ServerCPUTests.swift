@testable import LoadTestKit
import XCTest

final class ServerCPUTests: XCTestCase {
    func testCPUTicksAreReadAfterTheCommandName() {
        // A command name with spaces and a parenthesis must not shift the fields.
        let line = "4242 (simple push) x) S 1 4242 4242 0 -1 4194560 1200 0 0 0 731 269 0 0 20 0 9 0 100 0 0"
        XCTAssertEqual(ServerCPU.cpuTicks(statText: line), 731 + 269)
        XCTAssertNil(ServerCPU.cpuTicks(statText: "garbage"))
    }

    func testOwnProcessIsReadAndPerEventFigures() {
        XCTAssertGreaterThan(ServerCPU.sample([getpid()]), 0, "this test process has used some CPU")
        XCTAssertEqual(ServerCPU.sample([Int32.max]), 0, "a process that is gone counts 0")
        let cpu = ServerCPU(seconds: 1.5, wallSeconds: 10)
        XCTAssertEqual(try XCTUnwrap(cpu.microseconds(per: 15_000)), 100, accuracy: 1e-9)
        XCTAssertNil(cpu.microseconds(per: 0))
    }
}
