extension Reactor {
    /// The delegate's tag for an open connection (0 until set; see `setTag`), also while its
    /// `didClose` is being reported: the slot keeps the tag until it is reused.
    public func tag(of id: ConnectionID) -> UInt8 {
        assert(handle.inReactorThread)
        return slots[Int(id.slot)].tag
    }

    /// The byte the delegate gave when it admitted the connection's upgrade (see `Admission`).
    public func note(of id: ConnectionID) -> UInt8 {
        assert(handle.inReactorThread)
        return slots[Int(id.slot)].note
    }

    /// Stores one byte for an open connection, for as long as it stays open (a new connection on
    /// the slot starts at 0). Connection nodes record which protocol serves it.
    public func setTag(_ tag: UInt8, for id: ConnectionID) {
        assert(handle.inReactorThread)
        guard isOpen(id) else { return }
        slots[Int(id.slot)].tag = tag
    }
}

/// Per-connection state a delegate keeps, keyed by `ConnectionID`, stored inline in slot order:
/// a value costs its own size and nothing more (no hash table entry), which matters with a
/// hundred thousand idle devices. The generation half of the key is the reactor's: a delegate
/// reads only for connections the reactor says are open, and `open` resets the entry each time
/// a connection opens on the slot, so no state outlives its connection.
public struct ConnectionTable<Value> {
    private var values: ContiguousArray<Value> = []
    private let initial: Value

    public init(initial: Value) { self.initial = initial }

    /// A fresh entry for a connection that just opened.
    public mutating func open(_ id: ConnectionID) {
        let slot = Int(id.slot)
        if values.count <= slot { values.append(contentsOf: repeatElement(initial, count: slot + 1 - values.count)) }
        values[slot] = initial
    }

    /// Drops what a closed connection kept.
    public mutating func close(_ id: ConnectionID) {
        if Int(id.slot) < values.count { values[Int(id.slot)] = initial }
    }

    /// The entry of an open connection.
    public subscript(id: ConnectionID) -> Value {
        get { values[Int(id.slot)] }
        _modify { yield &values[Int(id.slot)] }
    }
}
