import CEpoll
import Foundation
import TLS
import WebSocket

extension Reactor {
    func acceptConnections() {
        // Bounded per wake-up so one busy listener cannot starve the connections already open.
        for _ in 0..<256 {
            let fd = csocket_accept(listenFD, Int32(settings.tcpKeepalive))
            if fd < 0 {
                if fd == -EMFILE || fd == -ENFILE { pauseAccepting() }
                return
            }
            if settings.maxConnections > 0 && liveSockets >= settings.maxConnections {
                Glibc.close(fd)
                continue
            }
            let slot = allocateSlot(fd: fd)
            liveSockets += 1
            // One deadline covers the TLS handshake and the upgrade after it.
            slots[Int(slot)].deadline = clock.seconds(after: settings.handshakeTimeout)
            if let context = settings.tls {
                guard let connection = TLSConnection.accept(context, fd: fd) else {
                    release(slot, notify: false)
                    continue
                }
                tlsConnections[Int(slot)] = connection
                slots[Int(slot)].flags.insert(.tlsHandshaking)
            }
            if cepoll_add(epollFD, fd, UInt32(CEPOLL_IN | CEPOLL_RDHUP), id(of: slot).token) != 0 {
                release(slot, notify: false)
            }
        }
    }

    /// Out of file descriptors: stop listening until a second passes or a socket is released,
    /// rather than spin on a readable listener.
    func pauseAccepting() {
        guard !acceptPaused else { return }
        acceptPaused = true
        _ = cepoll_modify(epollFD, listenFD, 0, Reactor.listenToken)
    }

    func resumeAcceptingIfPaused() {
        guard acceptPaused, !stopping else { return }
        acceptPaused = false
        _ = cepoll_modify(epollFD, listenFD, UInt32(CEPOLL_IN), Reactor.listenToken)
    }

    func allocateSlot(fd: Int32) -> UInt32 {
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = UInt32(slots.count)
            slots.append(Slot())
            if settings.tls != nil { tlsConnections.append(nil) }
        }
        slots[Int(slot)].fd = fd
        slots[Int(slot)].phase = .handshaking
        slots[Int(slot)].deadline = 0
        slots[Int(slot)].flags = []
        slots[Int(slot)].tag = 0
        slots[Int(slot)].note = 0
        return slot
    }

    /// Closes the socket and frees the slot. `notify`: tell the delegate if the WebSocket was open.
    /// Never called from inside a write: a failed write marks the slot with `fail` instead.
    func release(_ slot: UInt32, notify: Bool) {
        let index = Int(slot)
        guard slots[index].phase != .free else { return }
        let wasOpen = slots[index].phase == .open
        let id = id(of: slot)
        if let connection = tlsConnection(index) {
            connection.free()
            tlsConnections[index] = nil
        }
        Glibc.close(slots[index].fd)
        slots[index].fd = -1
        slots[index].phase = .free
        slots[index].deadline = 0
        slots[index].flags = []
        slots[index].generation &+= 1
        pendingInput[slot] = nil
        pendingOutput[slot] = nil
        assemblers[slot] = nil
        freeSlots.append(slot)
        liveSockets -= 1
        if wasOpen {
            openConnections -= 1
            if notify { delegate?.reactor(self, didClose: id) }
        }
        resumeAcceptingIfPaused()
    }

    /// The socket of `slot` is dead (a write failed, or its output passed the cap). It stops
    /// taking writes now; `releaseFailed` frees it, and reports the close if it was open, once the
    /// current callback has returned.
    func fail(_ slot: UInt32) {
        let index = Int(slot)
        switch slots[index].phase {
        case .free, .failed: return
        case .open:
            failedSlots.append((slot, id(of: slot)))
            openConnections -= 1
        case .handshaking, .closing:
            failedSlots.append((slot, nil))
        }
        slots[index].phase = .failed
    }

    func releaseFailed() {
        while !failedSlots.isEmpty {
            let batch = failedSlots
            failedSlots = []
            for (slot, report) in batch {
                release(slot, notify: false)
                if let report { delegate?.reactor(self, didClose: report) }
            }
        }
    }

    /// Once a second: expire handshakes and lingering closes, probe idle connections, and tell the
    /// delegate of its deadlines.
    func sweepDeadlines(now: UInt32) {
        resumeAcceptingIfPaused()
        for index in slots.indices {
            let deadline = slots[index].deadline
            guard deadline != 0 && deadline <= now else { continue }
            slots[index].deadline = 0
            switch slots[index].phase {
            case .open:
                if slots[index].flags.contains(.idleWatch) {
                    idleDeadlinePassed(UInt32(index))
                } else {
                    delegate?.reactor(self, deadlinePassed: id(of: UInt32(index)))
                }
            case .handshaking, .closing: release(UInt32(index), notify: true)
            case .free, .failed: break
            }
        }
    }

    /// Silent past the idle timeout: ping once; silent through the pong timeout too: the peer is
    /// gone (a vanished NAT, a dead phone), so the connection is dropped and its device counts as
    /// offline again.
    private func idleDeadlinePassed(_ slot: UInt32) {
        let index = Int(slot)
        if slots[index].flags.contains(.probing) {
            metrics.idleDrops.increment()
            release(slot, notify: true)
            return
        }
        slots[index].flags.insert(.probing)
        slots[index].deadline = clock.seconds(after: settings.pongTimeout)
        write(slot, FrameEncoder.encode(.ping, payload: []))
    }
}
