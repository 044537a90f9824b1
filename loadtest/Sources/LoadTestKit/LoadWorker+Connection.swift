#if canImport(Glibc)
import Glibc
#endif
import CEpoll
import WebSocket

/// Socket-level handling of device connections: connect, upgrade, frames in and out.
extension LoadWorker {
    static let readEvents = UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP)
    static let writeEvents = UInt32(CEPOLL_IN) | UInt32(CEPOLL_RDHUP) | UInt32(CEPOLL_OUT)

    /// Opens a connection for `device`; failures are reported through `fail`.
    func connect(_ device: Device, purpose: Device.Purpose, now: UInt64) {
        device.purpose = purpose
        device.attemptStarted = now
        device.stage = .connecting
        report.counters.attempted += 1
        switch ClientSocket.connect(to: plan.target.host, port: plan.target.port, from: plan.sourceAddress(forClient: device.client)) {
        case .failure(let failure):
            fail(device, failure.kind, now: now)
        case .success(.connected(let fd)):
            device.fd = fd
            guard watch(device, events: Self.readEvents, add: true, now: now) else { return }
            beginSession(device, now: now)
        case .success(.inProgress(let fd)):
            device.fd = fd
            _ = watch(device, events: Self.writeEvents, add: true, now: now)
        }
    }

    /// Client-side close (churn, stored). Not an error.
    func disconnect(_ device: Device) {
        closeSocket(device)
    }

    func handleDeviceEvent(_ device: Device, events: UInt32, now: UInt64) {
        guard device.fd >= 0 else { return }
        if device.stage == .connecting {
            let code = ClientSocket.pendingError(device.fd)
            guard code == 0 else {
                fail(device, "connect: \(ErrnoName.of(code))", now: now)
                return
            }
            guard events & UInt32(CEPOLL_OUT) != 0 else { return }
            guard watch(device, events: Self.readEvents, add: false, now: now) else { return }
            beginSession(device, now: now)
            return
        }
        if device.stage == .securing {
            advanceHandshake(device, now: now)
            return
        }
        if events & UInt32(CEPOLL_OUT) != 0 { flush(device, now: now) }
        if events & (UInt32(CEPOLL_IN) | UInt32(CEPOLL_ERR) | UInt32(CEPOLL_HUP) | UInt32(CEPOLL_RDHUP)) != 0 {
            readAvailable(device, now: now)
        }
    }

    func sendUpgrade(_ device: Device, now: UInt64) {
        device.stage = .upgrading
        device.handshakeKey = random.handshakeKey()
        send(device, Handshake.clientRequest(host: plan.target.hostHeader, path: plan.target.path,
                                             key: device.handshakeKey, origin: nil), now: now)
    }

    func watch(_ device: Device, events: UInt32, add: Bool, now: UInt64) -> Bool {
        let token = UInt64(device.slot)
        let result = add ? cepoll_add(epoll, device.fd, events, token) : cepoll_modify(epoll, device.fd, events, token)
        if result != 0 {
            fail(device, "epoll: \(ErrnoName.of(errno))", now: now)
            return false
        }
        return true
    }

    // MARK: Reading

    private func readAvailable(_ device: Device, now: UInt64) {
        while device.fd >= 0 {
            switch receive(device) {
            case .bytes(let count):
                consume(device, UnsafeRawBufferPointer(rebasing: readBuffer[0 ..< count]), now: now)
                // A short plain read emptied the socket; TLS hands over one record at a time.
                if device.tls == nil && count < readBuffer.count { return }
            case .wouldBlock:
                return
            case .ended(let kind):
                fail(device, kind, now: now)
                return
            }
        }
    }

    /// Feeds received bytes through the parser; an incomplete head or frame waits in the inbox.
    private func consume(_ device: Device, _ chunk: UnsafeRawBufferPointer, now: UInt64) {
        if device.inbox.isEmpty {
            let used = process(device, chunk, now: now)
            if device.fd >= 0 && used < chunk.count { device.inbox = Array(chunk[used...]) }
        } else {
            device.inbox.append(contentsOf: chunk)
            let pending = device.inbox
            let used = pending.withUnsafeBytes { process(device, $0, now: now) }
            if device.fd >= 0 { device.inbox = used == pending.count ? [] : Array(pending[used...]) }
        }
    }

    /// Returns how many bytes were used.
    private func process(_ device: Device, _ bytes: UnsafeRawBufferPointer, now: UInt64) -> Int {
        var offset = 0
        if device.stage == .upgrading {
            switch ResponseHeadParser.parse(bytes) {
            case .needMore:
                return 0
            case .invalid(let reason):
                fail(device, "upgrade: bad response (\(reason))", now: now)
                return bytes.count
            case .head(let head, let consumed):
                guard Handshake.isAccepted(head, key: device.handshakeKey) else {
                    fail(device, "upgrade: HTTP \(head.status)", now: now)
                    return bytes.count
                }
                offset = consumed
                device.handshakeKey = ""
                report.counters.open += 1
                device.stage = .greeting
                sendMessage(device, hello(for: device), now: now)
            }
        }
        while device.fd >= 0 && offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch FrameParser.parse(rest, requireMask: false, maxPayload: Self.maxServerMessage) {
            case .needMore:
                return offset
            case .failure(let code):
                fail(device, "websocket: bad frame (close code \(code))", now: now)
                return bytes.count
            case .frame(let frame, let consumed):
                offset += consumed
                handleFrame(device, frame, now: now)
            }
        }
        return offset
    }

    private func handleFrame(_ device: Device, _ frame: Frame, now: UInt64) {
        if device.assembler == nil, frame.fin, frame.opcode == .text || frame.opcode == .binary {
            handleMessage(device, frame.payload, now: now)
            return
        }
        var assembler = device.assembler ?? MessageAssembler(maxMessage: Self.maxServerMessage)
        let event = assembler.push(frame)
        device.assembler = assembler.isIdle ? nil : assembler
        switch event {
        case .none, .pong:
            break
        case .message(_, let payload):
            handleMessage(device, payload, now: now)
        case .ping(let payload):
            send(device, FrameEncoder.encode(.pong, payload: payload, maskKey: random.next32()), now: now)
        case .close(let code, _):
            fail(device, "closed by server: close code \(code.map { String($0.rawValue) } ?? "none")", now: now)
        case .failure(let code):
            fail(device, "websocket: bad message (close code \(code))", now: now)
        }
    }

    // MARK: Writing

    func sendMessage(_ device: Device, _ payload: [UInt8], now: UInt64) {
        send(device, FrameEncoder.encode(.text, payload: payload, maskKey: random.next32()), now: now)
    }

    func send(_ device: Device, _ bytes: [UInt8], now: UInt64) {
        guard device.fd >= 0 else { return }
        if !device.outbox.isEmpty {
            device.outbox.append(contentsOf: bytes)
            return
        }
        switch bytes.withUnsafeBytes({ transmit(device, $0) }) {
        case .ended(let kind):
            fail(device, kind, now: now)
        case .bytes(let written) where written < bytes.count:
            device.outbox = Array(bytes[written...])
            _ = watch(device, events: Self.writeEvents, add: false, now: now)
        case .bytes:
            break
        }
    }

    private func flush(_ device: Device, now: UInt64) {
        guard !device.outbox.isEmpty else { return }
        let sent = device.outbox.withUnsafeBytes { transmit(device, $0) }
        guard case .bytes(let written) = sent else {
            if case .ended(let kind) = sent { fail(device, kind, now: now) }
            return
        }
        device.outbox.removeFirst(written)
        if device.outbox.isEmpty { _ = watch(device, events: Self.readEvents, add: false, now: now) }
    }

    // MARK: Ending connections

    /// Counts the error and drops the connection; set-up bookkeeping and the driver are told.
    func fail(_ device: Device, _ kind: String, now: UInt64) {
        guard device.stage != .offline || device.fd >= 0 else { return }
        report.count(error: kind)
        let wasConnecting = device.stage != .ready
        closeSocket(device)
        if wasConnecting && device.purpose == .setup {
            setupSettled(device, succeeded: false, now: now)
        } else {
            driver.deviceLost(device, whileConnecting: wasConnecting, now: now)
        }
    }

    func closeSocket(_ device: Device) {
        endTLS(device)
        if device.fd >= 0 { ClientSocket.close(device.fd) }
        if [.greeting, .registering, .ready].contains(device.stage) { report.counters.open -= 1 }
        device.resetConnection()
    }

    /// Channels whose registration succeeded; the others are not the device's.
    func registeredChannels(_ device: Device) -> [String] {
        zip(device.channelIDs, device.endpointPaths).compactMap { $1 == nil ? nil : $0 }
    }
}
