import CEpoll
import Foundation

extension Reactor {
    func acceptConnections() {
        // Bounded per wake-up so one busy listener cannot starve the connections already open.
        for _ in 0..<256 {
            let fd = csocket_accept(listenFD)
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE { pauseAccepting() }
                return
            }
            if settings.maxConnections > 0 && liveSockets >= settings.maxConnections {
                Glibc.close(fd)
                continue
            }
            let slot = allocateSlot(fd: fd)
            liveSockets += 1
            slots[Int(slot)].deadline = clock.seconds(after: settings.handshakeTimeout)
            if cepoll_add(epollFD, fd, UInt32(CEPOLL_IN | CEPOLL_RDHUP), id(of: slot).token) != 0 {
                release(slot, notify: false)
            }
        }
    }

    /// Out of file descriptors: stop listening for a second rather than spin on a readable listener.
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
        }
        slots[Int(slot)].fd = fd
        slots[Int(slot)].phase = .handshaking
        slots[Int(slot)].deadline = 0
        slots[Int(slot)].wantsWrite = false
        return slot
    }

    /// Closes the socket and frees the slot. `notify`: tell the delegate if the WebSocket was open.
    func release(_ slot: UInt32, notify: Bool) {
        let index = Int(slot)
        guard slots[index].phase != .free else { return }
        let wasOpen = slots[index].phase == .open
        let id = id(of: slot)
        Glibc.close(slots[index].fd)
        slots[index].fd = -1
        slots[index].phase = .free
        slots[index].deadline = 0
        slots[index].wantsWrite = false
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

    /// Once a second: expire handshakes and lingering closes, and tell the delegate of its deadlines.
    func sweepDeadlines(now: UInt32) {
        resumeAcceptingIfPaused()
        for index in slots.indices {
            let deadline = slots[index].deadline
            guard deadline != 0 && deadline <= now else { continue }
            slots[index].deadline = 0
            switch slots[index].phase {
            case .open: delegate?.reactor(self, deadlinePassed: id(of: UInt32(index)))
            case .handshaking, .closing: release(UInt32(index), notify: true)
            case .free: break
            }
        }
    }
}
