import CEpoll
import Foundation
import WebSocket

extension Reactor {
    func readable(_ slot: UInt32) {
        if slots[Int(slot)].flags.contains(.tlsHandshaking) {
            guard advanceTLSHandshake(slot) else { return }
        }
        // OpenSSL hands over one record per read: take a few while they come, so a busy
        // connection does not cost a wake-up per record; the rest waits for the next turn. A
        // plain socket, and a compact TLS 1.3 connection, give everything waiting in one read.
        let rounds = tlsConnection(Int(slot))?.isCompact == false ? 4 : 1
        for _ in 0..<rounds {
            let count = receive(slot)
            if count < 0 {
                if count == -Int(EAGAIN) || count == -Int(EINTR) { return }
                release(slot, notify: true)
                return
            }
            if count == 0 {
                release(slot, notify: true)
                return
            }
            take(slot, count)
            let index = Int(slot)
            guard isCurrent(id(of: slot)), !slots[index].flags.contains(.readingPaused) else { return }
            switch slots[index].phase {
            case .handshaking, .open: continue
            case .closing, .failed, .free: return
            }
        }
    }

    /// Hands the `count` bytes just read into the shared buffer to the connection's phase.
    private func take(_ slot: UInt32, _ count: Int) {
        let index = Int(slot)
        metrics.bytesIn.increment(by: Int64(count))
        let fresh = UnsafeRawBufferPointer(rebasing: readBuffer[0..<count])
        switch slots[index].phase {
        case .closing, .failed, .free:
            return // discard until the peer closes
        case .handshaking:
            break
        case .open:
            if slots[index].flags.contains(.idleWatch) {
                // Anything from the peer proves it is there: push the idle ping back.
                slots[index].flags.remove(.probing)
                slots[index].deadline = now &+ idleSeconds
            }
        }
        if var buffered = pendingInput.removeValue(forKey: slot) {
            buffered.append(contentsOf: fresh)
            buffered.withUnsafeBytes { consume(slot, $0) }
        } else {
            consume(slot, fresh)
        }
    }

    var idleSeconds: UInt32 { UInt32(min(Double(UInt32.max / 2), settings.idleTimeout.rounded(.up))) }

    /// Processes as much of `bytes` as forms complete units, until the delegate pauses reading;
    /// keeps the rest for the next read (or for `resumeReading`).
    func consume(_ slot: UInt32, _ bytes: UnsafeRawBufferPointer) {
        let id = id(of: slot)
        var offset = 0
        while offset < bytes.count && isCurrent(id) && !slots[Int(slot)].flags.contains(.readingPaused) {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let used: Int?
            switch slots[Int(slot)].phase {
            case .handshaking: used = handshake(slot, rest)
            case .open: used = frame(slot, rest)
            case .closing, .failed, .free: return
            }
            guard let used else { break }
            offset += used
        }
        guard offset < bytes.count && isCurrent(id) else { return }
        switch slots[Int(slot)].phase {
        case .handshaking, .open: pendingInput[slot] = Array(bytes[offset...])
        case .closing, .failed, .free: break
        }
    }

    /// Stops handing this connection's messages to the delegate: input stays in the kernel's
    /// buffer (TCP flow control holds the peer back) and what was already read waits here.
    public func pauseReading(_ id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        slots[Int(id.slot)].flags.insert(.readingPaused)
    }

    /// Hands on the input that waited, then reads the socket again.
    public func resumeReading(_ id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id), slots[Int(id.slot)].flags.contains(.readingPaused) else { return }
        slots[Int(id.slot)].flags.remove(.readingPaused)
        if let waiting = pendingInput.removeValue(forKey: id.slot) {
            waiting.withUnsafeBytes { consume(id.slot, $0) }
        }
        let index = Int(id.slot)
        if isOpen(id) && !slots[index].flags.contains(.readingPaused) && slots[index].flags.contains(.inputMasked) {
            slots[index].flags.remove(.inputMasked)
            updateInterest(id.slot)
        }
    }

    /// Returns the bytes used, or nil when more input is needed.
    private func handshake(_ slot: UInt32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        switch RequestHeadParser.parse(bytes) {
        case .needMore:
            return nil
        case .failure(let failure):
            respondAndClose(slot, Handshake.errorResponse(failure))
            return bytes.count
        case .head(let head, let consumed):
            guard Handshake.isUpgradeRequest(head) else {
                let response = delegate?.reactor(self, plainRequest: head)
                    ?? Handshake.errorResponse(HTTPFailure(status: 404, reason: "Not Found", message: "not found", extraHeaders: []))
                respondAndClose(slot, response)
                return bytes.count
            }
            switch Handshake.validate(head) {
            case .failure(let failure):
                metrics.handshakesRefused.increment()
                respondAndClose(slot, Handshake.errorResponse(failure))
                return bytes.count
            case .success(let key):
                switch delegate?.reactor(self, shouldAccept: head) ?? .accept {
                case .refuse(let refusal):
                    metrics.handshakesRefused.increment()
                    respondAndClose(slot, Handshake.errorResponse(refusal))
                    return bytes.count
                case .accept(let note):
                    slots[Int(slot)].note = note
                }
                metrics.handshakesAccepted.increment()
                write(slot, Handshake.switchingProtocols(key: key))
                guard slots[Int(slot)].phase == .handshaking else { return bytes.count }
                slots[Int(slot)].phase = .open
                slots[Int(slot)].deadline = 0
                openConnections += 1
                delegate?.reactor(self, didOpen: id(of: slot))
                return consumed
            }
        }
    }

    /// Returns the bytes used, or nil when the frame is not complete yet.
    private func frame(_ slot: UInt32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        switch FrameParser.parse(bytes, requireMask: true, maxPayload: settings.maxMessageLen) {
        case .needMore:
            return nil
        case .failure(let code):
            closeConnection(slot, code: code)
            return bytes.count
        case .frame(let frame, let consumed):
            var assembler = assemblers.removeValue(forKey: slot) ?? MessageAssembler(maxMessage: settings.maxMessageLen)
            let event = assembler.push(frame)
            if !assembler.isIdle { assemblers[slot] = assembler }
            dispatch(event, slot)
            return consumed
        }
    }

    private func dispatch(_ event: AssemblerEvent, _ slot: UInt32) {
        switch event {
        case .none, .pong:
            break
        case .message(_, let payload):
            delegate?.reactor(self, didReceive: payload, on: id(of: slot))
        case .ping(let payload):
            write(slot, FrameEncoder.encode(.pong, payload: payload))
        case .close(let code, _):
            // Answer the peer's close with the same code (1000 when it gave none).
            closeConnection(slot, code: code ?? .normal)
        case .failure(let code):
            closeConnection(slot, code: code)
        }
    }
}
