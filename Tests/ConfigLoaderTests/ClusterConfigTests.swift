import ConfigFile
import XCTest

/// `[cluster] procs`: what a cluster refuses, and the configuration each worker runs with.
final class ClusterConfigTests: XCTestCase {
    func testOneProcessByDefaultAndProcsFromTheFlagOrTheEnvironment() throws {
        XCTAssertFalse(try loadTOML("").cluster.isCluster)
        XCTAssertEqual(try loadTOML("", overrides: ["cluster.procs": "4"]).cluster.procs, 4)
        XCTAssertEqual(try loadTOML("", environment: ["SIMPLEPUSH_CLUSTER_PROCS": "3"]).cluster.procs, 3)
        XCTAssertTrue(loadError("[cluster]\nprocs = 0").contains("cluster.procs"))
        XCTAssertTrue(loadError("[cluster]\nprocs = 513").contains("at most 512"))
    }

    func testAClusterRefusesWhatItsWorkersCannotShare() {
        XCTAssertTrue(loadError("[storage]\ntype = \"memory\"\n[cluster]\nprocs = 2").contains("workers must share their store"))
        XCTAssertTrue(loadError("[cluster]\nprocs = 2\n[websocket.listener]\naddr = \"127.0.0.1:0\"").contains("websocket.listener.addr"))
        XCTAssertTrue(loadError("[cluster]\nprocs = 2\n[endpoint.listener]\naddr = \"127.0.0.1:0\"").contains("endpoint.listener.addr"))
        XCTAssertTrue(loadError("[cluster]\nprocs = 2\n[router]\naddr = \"127.0.0.1:0\"").contains("router.addr"))
        XCTAssertTrue(loadError("[cluster]\nprocs = 10\n[metrics]\naddr = \"127.0.0.1:65530\"").contains("past 65535"))
        // A node alone may still take a port the kernel picks.
        XCTAssertNoThrow(try loadTOML("[websocket.listener]\naddr = \"127.0.0.1:0\""))
    }

    func testWorkerIListensOnThePortsPlusI() throws {
        let config = try loadTOML("[storage]\ntype = \"memcache\"\n[cluster]\nprocs = 4\n[metrics]\naddr = \"127.0.0.1:9100\"")
        let third = config.forWorker(2)
        XCTAssertEqual(third.cluster.worker, 2)
        XCTAssertEqual(third.router.address, "127.0.0.1:8092", "the default router listener, plus the index")
        XCTAssertEqual(third.router.nodeURL, "http://127.0.0.1:8092", "a worker is named by its own router listener")
        XCTAssertEqual(third.metrics.address, "127.0.0.1:9102")
        XCTAssertEqual(third.websocket.listener.address, config.websocket.listener.address, "shared")
        XCTAssertEqual(third.endpoint.listener.address, config.endpoint.listener.address, "shared")

        let named = try loadTOML("[cluster]\nprocs = 2\n[router]\naddr = \"10.0.0.5:7000\"\nurl = \"https://node.internal/r\"").forWorker(1)
        XCTAssertEqual(named.router.address, "10.0.0.5:7001")
        XCTAssertEqual(named.router.url, "https://node.internal:444/r", "a URL without a port has its scheme's, plus the index")
        let ported = try loadTOML("[cluster]\nprocs = 2\n[router]\naddr = \"[::1]:7000\"\nurl = \"http://[::1]:7000\"").forWorker(1)
        XCTAssertEqual(ported.router.address, "[::1]:7001")
        XCTAssertEqual(ported.router.url, "http://[::1]:7001")
    }
}
