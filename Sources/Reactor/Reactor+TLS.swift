import CEpoll
import Foundation
import TLS
import WebSocket

/// The byte stream under the WebSocket: the socket itself on a plain listener, OpenSSL over it
/// on a TLS one. Both report like the socket calls: a count, 0 at end of stream, or -errno.
extension Reactor {
    /// The slot's TLS state; nil on a plain listener, and once a refused plain request dropped it.
    func tlsConnection(_ index: Int) -> TLSConnection? {
        tlsConnections.isEmpty ? nil : tlsConnections[index]
    }

    /// Reads into the shared buffer.
    func receive(_ slot: UInt32) -> Int {
        let index = Int(slot)
        // A closing connection's input is only drained to see the peer's EOF: no need to decrypt it.
        guard slots[index].phase != .closing, let connection = tlsConnection(index) else {
            return Int(csocket_recv(slots[index].fd, readBuffer.baseAddress, UInt(readBuffer.count)))
        }
        switch connection.read(into: readBuffer) {
        case .done(let count): return count
        // A TLS 1.3 key update answered into a full socket: it goes out with the next write.
        case .wantRead, .wantWrite: return -Int(EAGAIN)
        case .closed: return 0
        case .plainHTTP, .failed: return -Int(EPROTO)
        }
    }

    func transmit(_ slot: UInt32, _ bytes: UnsafeRawBufferPointer) -> Int {
        let index = Int(slot)
        guard let connection = tlsConnection(index) else {
            return Int(csocket_send(slots[index].fd, bytes.baseAddress, UInt(bytes.count)))
        }
        switch connection.write(bytes) {
        case .done(let count): return count
        case .wantRead, .wantWrite: return -Int(EAGAIN)
        case .closed, .plainHTTP, .failed: return -Int(EPIPE)
        }
    }

    /// All output is out: say so to the peer (close_notify on TLS), then shut the write side.
    func endWriting(_ slot: UInt32) {
        let index = Int(slot)
        tlsConnection(index)?.closeNotify()
        shutdown(slots[index].fd, Int32(SHUT_WR))
    }

    /// Takes the TLS handshake as far as the socket allows. True once it is done (input may follow
    /// at once); false while it waits for the peer, or when it failed and the socket is gone.
    func advanceTLSHandshake(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        guard let connection = tlsConnection(index) else { return false }
        let outcome = connection.handshake()
        let wantsWrite = outcome == .wantWrite
        if slots[index].flags.contains(.wantsWrite) != wantsWrite {
            if wantsWrite { slots[index].flags.insert(.wantsWrite) } else { slots[index].flags.remove(.wantsWrite) }
            updateInterest(slot)
        }
        switch outcome {
        case .done:
            slots[index].flags.remove(.tlsHandshaking)
            (connection.resumed ? metrics.tlsResumed : metrics.tlsFull).increment()
            return true
        case .wantRead, .wantWrite:
            return false
        case .plainHTTP:
            // Said in plain text, which is all that peer reads, and closed like any refused
            // request (its unread input drained, so the close is no reset that could eat the answer).
            metrics.tlsFailed.increment()
            connection.free()
            tlsConnections[index] = nil
            slots[index].flags.remove(.tlsHandshaking)
            respondAndClose(slot, Handshake.errorResponse(HTTPFailure(status: 400, reason: "Bad Request",
                message: "this port speaks TLS: use wss://", extraHeaders: [])))
            return false
        case .closed, .failed:
            metrics.tlsFailed.increment()
            release(slot, notify: false)
            return false
        }
    }
}
