/// Pairs WebPush notifications with the POSTs that caused them. The server's message id is both
/// the notification's version and the last segment of the 201's Location; the two can come in
/// either order, since the server may deliver before the load tester reads the 201.
struct MessageMatcher {
    enum Arrival: Equatable {
        /// The 201 was read before: this is request `index`'s notification.
        case matched(index: Int)
        /// No 201 names it yet; it is matched when one does.
        case early
        /// This id has arrived before.
        case duplicate
    }

    /// Answered 201, notification not yet here: id → request index.
    private var awaiting: [String: Int] = [:]
    /// Arrived before their 201: id → arrival time.
    private var arrivedFirst: [String: UInt64] = [:]
    /// Ids already matched, kept as 64-bit hashes: a long run matches millions of ids of ~100
    /// bytes, and a false "duplicate" needs a hash collision (odds about n² / 2⁶⁵).
    private var matched: Set<Int> = []

    /// Request `index` was answered 201 naming `id`; returns when its notification arrived if it
    /// came first (the pair is then complete).
    mutating func accepted(_ id: String, index: Int) -> UInt64? {
        guard let arrival = arrivedFirst.removeValue(forKey: id) else {
            awaiting[id] = index
            return nil
        }
        matched.insert(id.hashValue)
        return arrival
    }

    mutating func arrived(_ id: String, at now: UInt64) -> Arrival {
        if let index = awaiting.removeValue(forKey: id) {
            matched.insert(id.hashValue)
            return .matched(index: index)
        }
        if arrivedFirst[id] != nil || matched.contains(id.hashValue) { return .duplicate }
        arrivedFirst[id] = now
        return .early
    }

    /// Notifications no 201 has named; once every request is answered, their ids are unknown.
    var unclaimed: Int { arrivedFirst.count }

    /// The message id in a 201's `Location: <endpoint base>/m/<id>`.
    static func messageID(location: String) -> String? {
        guard let slash = location.lastIndex(of: "/"), location[..<slash].hasSuffix("/m") else { return nil }
        let id = location[location.index(after: slash)...]
        return id.isEmpty ? nil : String(id)
    }
}
