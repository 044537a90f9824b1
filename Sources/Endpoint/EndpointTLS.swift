import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The endpoint listener's TLS: a SwiftNIO SSL context made from PEM files, replaced by `reload`
/// (SIGHUP) for the connections accepted afterwards.
public final class EndpointTLS: Sendable {
    public let certificateChainFile: String
    public let keyFile: String
    private let current: NIOLockedValueBox<NIOSSLContext>

    public init(certificateChainFile: String, keyFile: String) throws {
        self.certificateChainFile = certificateChainFile
        self.keyFile = keyFile
        current = NIOLockedValueBox(try Self.makeContext(certificateChainFile: certificateChainFile, keyFile: keyFile))
    }

    /// Re-reads both files; on failure the running context stays and the error is thrown.
    public func reload() throws {
        let fresh = try Self.makeContext(certificateChainFile: certificateChainFile, keyFile: keyFile)
        current.withLockedValue { $0 = fresh }
    }

    /// The handler that terminates TLS on a new connection, first in its pipeline.
    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: current.withLockedValue { $0 })
    }

    private static func makeContext(certificateChainFile: String, keyFile: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChainFile)
        guard !chain.isEmpty else { throw EndpointTLSError("\(certificateChainFile): no certificate in the file") }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        // How long a closing connection waits for the client's close_notify: the default 5 s
        // held a stopping server up for every idle keep-alive client.
        configuration.shutdownTimeout = .seconds(1)
        return try NIOSSLContext(configuration: configuration)
    }
}

struct EndpointTLSError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
