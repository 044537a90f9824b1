import CEpoll
import Foundation
import WebSocket

extension Reactor {
    /// Sends one text message. Ignored when the connection is gone or closing.
    public func send(_ text: String, to id: ConnectionID) {
        guard isCurrent(id), slots[Int(id.slot)].phase == .open else { return }
        write(id.slot, FrameEncoder.text(text))
    }

    /// Starts the closing handshake with `code`; the delegate's `didClose` follows at once.
    public func close(_ id: ConnectionID, code: CloseCode) {
        guard isCurrent(id) else { return }
        closeConnection(id.slot, code: code)
    }

    /// Calls the delegate's `deadlinePassed` once, about `seconds` from now; replaces any earlier one.
    public func setDeadline(_ id: ConnectionID, after seconds: Double) {
        guard isCurrent(id) else { return }
        slots[Int(id.slot)].deadline = clock.seconds(after: seconds)
    }

    public func clearDeadline(_ id: ConnectionID) {
        guard isCurrent(id), slots[Int(id.slot)].phase == .open else { return }
        slots[Int(id.slot)].deadline = 0
    }

    func closeConnection(_ slot: UInt32, code: CloseCode) {
        let index = Int(slot)
        guard slots[index].phase == .open else {
            if slots[index].phase == .handshaking { release(slot, notify: false) }
            return
        }
        write(slot, FrameEncoder.close(code))
        beginClosing(slot)
        openConnections -= 1
        delegate?.reactor(self, didClose: ConnectionID(slot: slot, generation: slots[index].generation))
    }

    func respondAndClose(_ slot: UInt32, _ response: [UInt8]) {
        write(slot, response)
        beginClosing(slot)
    }

    private func beginClosing(_ slot: UInt32) {
        let index = Int(slot)
        guard slots[index].phase != .free else { return }
        slots[index].phase = .closing
        slots[index].deadline = clock.seconds(after: settings.closeLinger)
        pendingInput[slot] = nil
        assemblers[slot] = nil
        if pendingOutput[slot] == nil { shutdown(slots[index].fd, Int32(SHUT_WR)) }
    }

    func write(_ slot: UInt32, _ bytes: [UInt8]) {
        let index = Int(slot)
        guard slots[index].phase == .open || slots[index].phase == .handshaking else { return }
        if pendingOutput[slot] != nil {
            pendingOutput[slot]!.append(contentsOf: bytes)
            if pendingOutput[slot]!.count > settings.maxPendingOutput { release(slot, notify: true) }
            return
        }
        let written = bytes.withUnsafeBytes { Glibc.write(slots[index].fd, $0.baseAddress, $0.count) }
        if written > 0 { metrics.bytesOut.increment(by: Int64(written)) }
        if written == bytes.count { return }
        if written < 0 && errno != EAGAIN && errno != EINTR {
            release(slot, notify: true)
            return
        }
        pendingOutput[slot] = Array(bytes[max(0, written)...])
        setWriteInterest(slot, true)
    }

    func flush(_ slot: UInt32) {
        let index = Int(slot)
        guard var pending = pendingOutput[slot] else {
            setWriteInterest(slot, false)
            return
        }
        let written = pending.withUnsafeBytes { Glibc.write(slots[index].fd, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno != EAGAIN && errno != EINTR { release(slot, notify: true) }
            return
        }
        metrics.bytesOut.increment(by: Int64(written))
        if written < pending.count {
            pending.removeFirst(written)
            pendingOutput[slot] = pending
            return
        }
        pendingOutput[slot] = nil
        setWriteInterest(slot, false)
        if slots[index].phase == .closing { shutdown(slots[index].fd, Int32(SHUT_WR)) }
    }

    private func setWriteInterest(_ slot: UInt32, _ on: Bool) {
        let index = Int(slot)
        guard slots[index].wantsWrite != on else { return }
        slots[index].wantsWrite = on
        let events = UInt32(CEPOLL_IN | CEPOLL_RDHUP) | (on ? UInt32(CEPOLL_OUT) : 0)
        _ = cepoll_modify(epollFD, slots[index].fd, events, id(of: slot).token)
    }
}
