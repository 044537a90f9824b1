import Foundation
import Synchronization
import TestCertificates
import TLS

/// `SIMPLEPUSH_E2E_TLS=1` runs the suite over TLS: every server gets a certificate from a CA made
/// once per run on both listeners, and every test connection to
/// those ports speaks TLS, verifying the certificate against that CA. The metrics listener stays
/// plain, as it does in production.
enum TestTLS {
    static var enabled: Bool { ProcessInfo.processInfo.environment["SIMPLEPUSH_E2E_TLS"] == "1" }

    struct Material: Sendable {
        let certificateFile: String
        let keyFile: String
        let client: TLSContext
    }

    private static let material = Result { try makeMaterial() }
    private static let tlsPorts = Mutex<Set<Int>>([])

    /// The variables that put both listeners on TLS, for a server about to listen on `ports`.
    static func serverEnvironment(ports: [Int]) throws -> [String: String] {
        let files = try material.get()
        tlsPorts.withLock { $0.formUnion(ports) }
        return ["SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE": files.certificateFile, "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE": files.keyFile,
                "SIMPLEPUSH_ENDPOINT_LISTENER_CERT_FILE": files.certificateFile, "SIMPLEPUSH_ENDPOINT_LISTENER_KEY_FILE": files.keyFile]
    }

    /// The ports of a server that stopped: they may be picked again for something plain.
    static func release(ports: [Int]) {
        tlsPorts.withLock { $0.subtract(ports) }
    }

    /// The client context for a port a TLS server listens on, nil for a plain port.
    static func clientContext(forPort port: Int) -> TLSContext? {
        guard tlsPorts.withLock({ $0.contains(port) }) else { return nil }
        return try? material.get().client
    }

    private static func makeMaterial() throws -> Material {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("simplepush-e2e-tls-\(getpid())")
        let made = try TestCertificates.make(in: directory)
        return Material(certificateFile: made.certificateFile, keyFile: made.keyFile, client: try TLSContext.client(trusting: made.caFile))
    }
}
