import TLS

/// The bytes of a device connection, plain or through TLS (wss://): the handshake between TCP
/// connect and the upgrade, then reads and writes that say why they ended in the error-count words.
extension LoadWorker {
    enum Received {
        case bytes(Int)
        case wouldBlock
        /// The connection is over; the error kind to count.
        case ended(String)
    }

    enum Sent {
        /// Bytes taken; 0 when the socket is full.
        case bytes(Int)
        case ended(String)
    }

    /// TCP is up: start TLS on a wss:// target, else send the upgrade at once.
    func beginSession(_ device: Device, now: UInt64) {
        guard let tlsContext, let tlsPlan = plan.tls else {
            sendUpgrade(device, now: now)
            return
        }
        guard let tls = TLSConnection.connect(tlsContext, fd: device.fd, host: plan.target.hostName,
                                              resuming: tlsPlan.resume ? device.tlsSession : nil) else {
            fail(device, "tls: cannot allocate a connection", now: now)
            return
        }
        device.tls = tls
        device.stage = .securing
        advanceHandshake(device, now: now)
    }

    /// Moves the TLS handshake on; the socket is watched for reading unless TLS must write first.
    func advanceHandshake(_ device: Device, now: UInt64) {
        guard let tls = device.tls else { return }
        let outcome = tls.handshake()
        let wantsWritable = outcome == .wantWrite
        if wantsWritable != device.handshakeWantsWritable {
            device.handshakeWantsWritable = wantsWritable
            guard watch(device, events: wantsWritable ? Self.writeEvents : Self.readEvents, add: false, now: now) else { return }
        }
        switch outcome {
        case .done:
            if tls.resumed { report.counters.tlsResumed += 1 } else { report.counters.tlsFull += 1 }
            sendUpgrade(device, now: now)
        case .wantRead, .wantWrite:
            break
        case .closed:
            fail(device, "closed by server: tls handshake", now: now)
        case .failed, .plainHTTP:
            fail(device, "tls: \(TLSConnection.lastError)", now: now)
        }
    }

    /// Reads into the worker's buffer.
    func receive(_ device: Device) -> Received {
        guard let tls = device.tls else {
            switch ClientSocket.read(device.fd, into: readBuffer) {
            case .bytes(let count): return .bytes(count)
            case .wouldBlock: return .wouldBlock
            case .closed: return .ended("closed by server: \(Self.stageName(device.stage))")
            case .failed(let code): return .ended("read: \(ErrnoName.of(code))")
            }
        }
        switch tls.read(into: readBuffer) {
        case .done(let count):
            // TLS 1.3 sends the session ticket right after the handshake, before the server reads
            // the upgrade: once the 101 is in, the session to resume with is there too.
            if device.stage == .upgrading, plan.tls?.resume == true { device.tlsSession = tls.session() }
            return .bytes(count)
        case .wantRead, .wantWrite: return .wouldBlock
        case .closed: return .ended("closed by server: \(Self.stageName(device.stage))")
        case .failed, .plainHTTP: return .ended("tls: \(TLSConnection.lastError)")
        }
    }

    /// Writes what the connection takes of `bytes`. After a short TLS write the rest must be
    /// offered again first, which the outbox does.
    func transmit(_ device: Device, _ bytes: UnsafeRawBufferPointer) -> Sent {
        guard let tls = device.tls else {
            let written = ClientSocket.write(device.fd, bytes)
            return written < 0 ? .ended("write: \(ErrnoName.of(Int32(-written)))") : .bytes(written)
        }
        switch tls.write(bytes) {
        case .done(let count): return .bytes(count)
        case .wantRead, .wantWrite: return .bytes(0)
        case .closed: return .ended("write: closed by server")
        case .failed, .plainHTTP: return .ended("tls: \(TLSConnection.lastError)")
        }
    }

    /// Ends TLS (close_notify once the handshake is done, as a browser closing a tab does) and
    /// frees it; the caller closes the socket.
    func endTLS(_ device: Device) {
        guard let tls = device.tls else { return }
        if device.stage != .securing && device.stage != .connecting { tls.closeNotify() }
        tls.free()
        device.tls = nil
    }
}
