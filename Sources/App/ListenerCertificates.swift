import ConfigFile
import ConnectionNode
import Endpoint
import Logging
import Synchronization
import TLS

/// The TLS listeners' certificates, read at start and re-read on SIGHUP (a renewed certificate
/// written over the old files). A reload that fails, say a key that does not match, keeps the
/// running certificate and says why; connections already open keep theirs either way.
final class ListenerCertificates: Sendable {
    private let deviceListener: ServerConfig.Listener
    private let device: Mutex<TLSContext?>
    private let endpoint: EndpointTLS?

    /// `endpoint`: the endpoint listener's TLS, already made from its files (nil: plain).
    init(device listener: ServerConfig.Listener, endpoint: EndpointTLS?) throws {
        deviceListener = listener
        device = Mutex(try listener.deviceTLSContext())
        self.endpoint = endpoint
    }

    var deviceContext: TLSContext? { device.withLock { $0 } }

    func reload(node: ConnectionNode, logger: Logger) {
        if let running = deviceContext {
            attempt("websocket", file: deviceListener.certFile, logger: logger) {
                guard let fresh = try deviceListener.deviceTLSContext(previous: running) else { return }
                device.withLock { $0 = fresh }
                node.replaceTLSContext(fresh)
            }
        }
        if let endpoint {
            attempt("endpoint", file: endpoint.certificateChainFile, logger: logger) {
                do { try endpoint.reload() } catch { throw AppError.badCertificate("endpoint", "\(error)") }
            }
        }
    }

    private func attempt(_ listener: String, file: String, logger: Logger, _ reload: () throws -> Void) {
        do {
            try reload()
            logger.notice("certificate reloaded", metadata: ["listener": "\(listener)", "file": "\(file)"])
        } catch {
            logger.error("certificate reload failed, keeping the running one", metadata: ["listener": "\(listener)", "error": "\(error)"])
        }
    }
}
