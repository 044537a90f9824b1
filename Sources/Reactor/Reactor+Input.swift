import CEpoll
import Foundation
import WebSocket

extension Reactor {
    func readable(_ slot: UInt32) {
        let fd = slots[Int(slot)].fd
        let count = read(fd, readBuffer.baseAddress, readBuffer.count)
        if count < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            release(slot, notify: true)
            return
        }
        if count == 0 {
            release(slot, notify: true)
            return
        }
        metrics.bytesIn.increment(by: Int64(count))
        let fresh = UnsafeRawBufferPointer(rebasing: readBuffer[0..<count])
        switch slots[Int(slot)].phase {
        case .closing, .free:
            return // discard until the peer closes
        case .handshaking, .open:
            break
        }
        if var buffered = pendingInput.removeValue(forKey: slot) {
            buffered.append(contentsOf: fresh)
            buffered.withUnsafeBytes { consume(slot, $0) }
        } else {
            consume(slot, fresh)
        }
    }

    /// Processes as much of `bytes` as forms complete units; keeps the rest for the next read.
    private func consume(_ slot: UInt32, _ bytes: UnsafeRawBufferPointer) {
        let id = id(of: slot)
        var offset = 0
        while offset < bytes.count && isCurrent(id) {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let used: Int?
            switch slots[Int(slot)].phase {
            case .handshaking: used = handshake(slot, rest)
            case .open: used = frame(slot, rest)
            case .closing, .free: return
            }
            guard let used else { break }
            offset += used
        }
        if offset < bytes.count && isCurrent(id) && slots[Int(slot)].phase != .closing {
            pendingInput[slot] = Array(bytes[offset...])
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
                if let refusal = delegate?.reactor(self, shouldAccept: head) {
                    metrics.handshakesRefused.increment()
                    respondAndClose(slot, Handshake.errorResponse(refusal))
                    return bytes.count
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
