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
    /// The endpoint's configuration, its TLS (if any) made from the files.
    let endpointConfiguration: EndpointConfiguration

    init(_ config: ServerConfig, endpoint: EndpointConfiguration) throws {
        deviceListener = config.websocket.listener
        device = Mutex(try deviceListener.deviceTLSContext())
        endpointConfiguration = endpoint
    }

    var deviceContext: TLSContext? { device.withLock { $0 } }

    func reload(node: ConnectionNode, logger: Logger) {
        if let running = deviceContext {
            do {
                if let fresh = try deviceListener.deviceTLSContext(previous: running) {
                    device.withLock { $0 = fresh }
                    node.replaceTLSContext(fresh)
                    logger.notice("certificate reloaded", metadata: ["listener": "websocket", "file": "\(deviceListener.certFile)"])
                }
            } catch {
                logger.error("certificate reload failed, keeping the running one", metadata: ["listener": "websocket", "error": "\(error)"])
            }
        }
        if let tls = endpointConfiguration.tls {
            do {
                try tls.reload()
                logger.notice("certificate reloaded", metadata: ["listener": "endpoint", "file": "\(tls.certificateChainFile)"])
            } catch {
                logger.error("certificate reload failed, keeping the running one",
                             metadata: ["listener": "endpoint", "error": "\(AppError.badCertificate("endpoint", "\(error)"))"])
            }
        }
    }
}
