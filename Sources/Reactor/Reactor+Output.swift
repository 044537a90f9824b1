import CEpoll
import Foundation
import WebSocket

extension Reactor {
    /// Sends one text message. Ignored when the connection is not open.
    public func send(_ text: String, to id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        write(id.slot, FrameEncoder.text(text))
    }

    /// Starts the closing handshake with `code`; the delegate's `didClose` follows at once.
    public func close(_ id: ConnectionID, code: CloseCode) {
        assert(handle.inReactorThread)
        guard isCurrent(id) else { return }
        closeConnection(id.slot, code: code)
    }

    /// Calls the delegate's `deadlinePassed` once, about `seconds` from now; replaces any earlier
    /// deadline, the idle watch included.
    public func setDeadline(_ id: ConnectionID, after seconds: Double) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        slots[Int(id.slot)].flags.subtract([.idleWatch, .probing])
        slots[Int(id.slot)].deadline = clock.seconds(after: seconds)
    }

    public func clearDeadline(_ id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        slots[Int(id.slot)].flags.subtract([.idleWatch, .probing])
        slots[Int(id.slot)].deadline = 0
    }

    /// From now on the reactor itself watches the connection for a dead peer: after `idleTimeout`
    /// without input it sends a ping, and drops the connection (reporting `didClose`) when nothing
    /// comes within `pongTimeout`. Replaces any deadline of the delegate's.
    public func watchIdle(_ id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        guard settings.idleTimeout > 0 else { return clearDeadline(id) }
        slots[Int(id.slot)].flags.insert(.idleWatch)
        slots[Int(id.slot)].flags.remove(.probing)
        slots[Int(id.slot)].deadline = clock.seconds(after: settings.idleTimeout)
    }

    func closeConnection(_ slot: UInt32, code: CloseCode) {
        let index = Int(slot)
        guard slots[index].phase == .open else {
            if slots[index].phase == .handshaking { release(slot, notify: false) }
            return
        }
        // The connection stops being open, and the delegate hears of it, before the close frame
        // is written: whatever the peer does once it sees the frame (a PUT for this device) must
        // already find the connection gone. A write that fails now reports nothing more.
        slots[index].phase = .closing
        openConnections -= 1
        delegate?.reactor(self, didClose: ConnectionID(slot: slot, generation: slots[index].generation))
        write(slot, FrameEncoder.close(code))
        beginClosing(slot)
    }

    func respondAndClose(_ slot: UInt32, _ response: [UInt8]) {
        write(slot, response)
        beginClosing(slot)
    }

    private func beginClosing(_ slot: UInt32) {
        let index = Int(slot)
        switch slots[index].phase {
        case .handshaking, .open, .closing: break
        case .failed, .free: return
        }
        let wasMasked = slots[index].flags.contains(.inputMasked)
        slots[index].phase = .closing
        slots[index].flags.subtract([.idleWatch, .probing, .readingPaused, .inputMasked])
        slots[index].deadline = clock.seconds(after: settings.closeLinger)
        pendingInput[slot] = nil
        assemblers[slot] = nil
        if pendingOutput[slot] == nil { endWriting(slot) }
        // Input is drained while closing, so the peer's EOF is seen.
        if wasMasked { updateInterest(slot) }
    }

    /// Writes what the socket takes now and keeps the rest. A failure marks the slot failed; it
    /// never releases it here, since the caller may still be using the connection's id.
    /// Callers check the phase: `.closing` takes only the close frame written as it begins.
    func write(_ slot: UInt32, _ bytes: [UInt8]) {
        let index = Int(slot)
        switch slots[index].phase {
        case .handshaking, .open, .closing: break
        case .failed, .free: return
        }
        if pendingOutput[slot] != nil {
            pendingOutput[slot]!.append(bytes)
            if pendingOutput[slot]!.count > settings.maxPendingOutput {
                metrics.outputOverflows.increment()
                fail(slot)
            }
            return
        }
        var written = bytes.withUnsafeBytes { transmit(slot, $0) }
        if written == bytes.count {
            metrics.bytesOut.increment(by: Int64(written))
            return
        }
        if written < 0 {
            guard written == -Int(EAGAIN) || written == -Int(EINTR) else { return fail(slot) }
            written = 0
        }
        metrics.bytesOut.increment(by: Int64(written))
        pendingOutput[slot] = OutputBuffer(bytes[written...])
        slots[index].flags.insert(.wantsWrite)
        updateInterest(slot)
    }

    func flush(_ slot: UInt32) {
        let index = Int(slot)
        guard let pending = pendingOutput[slot] else {
            if slots[index].flags.contains(.wantsWrite) {
                slots[index].flags.remove(.wantsWrite)
                updateInterest(slot)
            }
            return
        }
        let written = pending.withUnsentBytes { transmit(slot, $0) }
        if written < 0 {
            if written != -Int(EAGAIN) && written != -Int(EINTR) { fail(slot) }
            return
        }
        metrics.bytesOut.increment(by: Int64(written))
        if written < pending.count {
            pendingOutput[slot]!.consume(written)
            return
        }
        pendingOutput[slot] = nil
        slots[index].flags.remove(.wantsWrite)
        updateInterest(slot)
        if slots[index].phase == .closing { endWriting(slot) }
    }

    /// Registers the epoll events the slot wants: input unless it is masked while reading is
    /// paused, output while some is pending.
    func updateInterest(_ slot: UInt32) {
        let index = Int(slot)
        var events: UInt32 = 0
        if !slots[index].flags.contains(.inputMasked) { events |= UInt32(CEPOLL_IN | CEPOLL_RDHUP) }
        if slots[index].flags.contains(.wantsWrite) { events |= UInt32(CEPOLL_OUT) }
        _ = cepoll_modify(epollFD, slots[index].fd, events, id(of: slot).token)
    }
}
