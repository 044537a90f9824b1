import CTLS

/// Why a TLS context could not be made, in OpenSSL's words.
public struct TLSError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// One OpenSSL context, shared by every connection made from it: certificate, key, protocol
/// versions, ALPN and session-ticket keys. Replacing it (a certificate reload) affects only
/// connections made afterwards; each connection holds its own reference to the context it began with.
public final class TLSContext: @unchecked Sendable {  // an SSL_CTX is not changed after it is made, and OpenSSL lets threads share it
    let raw: OpaquePointer

    private init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { ctls_context_free(raw) }

    /// A server context from PEM files: the certificate chain (leaf first) and its private key.
    /// `previous` lends its session-ticket keys, so clients resume across a reload.
    public static func server(certificateChainFile: String, keyFile: String, previous: TLSContext? = nil) throws -> TLSContext {
        try make { ctls_server_context(certificateChainFile, keyFile, previous?.raw, $0, $1) }
    }

    /// A client context. `trusting`: the CA file peers are verified against; nil verifies nothing
    /// (for load tests against a throwaway certificate).
    public static func client(trusting caFile: String?) throws -> TLSContext {
        try make { ctls_client_context(caFile, $0, $1) }
    }

    private static func make(_ body: (UnsafeMutablePointer<CChar>, Int) -> OpaquePointer?) throws -> TLSContext {
        var message = [CChar](repeating: 0, count: 512)
        let made = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        guard let made else {
            throw TLSError(description: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return TLSContext(made)
    }
}

/// A session a client saved from one connection, to resume the next one to the same server.
public final class TLSSession {
    let raw: OpaquePointer

    init(_ raw: OpaquePointer) { self.raw = raw }

    deinit { ctls_session_free(raw) }
}
