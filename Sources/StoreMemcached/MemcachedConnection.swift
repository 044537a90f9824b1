import CMemcached
import Foundation

/// An item as read, with the CAS token a conditional write needs.
struct CASItem {
    let value: String
    let cas: UInt64
}

/// A libmemcached call that failed, in the library's own words (they name the server).
struct MemcachedFailure: Error, CustomStringConvertible {
    let description: String
}

/// One libmemcached handle, borrowed from the pool for the length of one store call. Every
/// method blocks, so it is only used on the store's own threads.
///
/// Calls take a `group` key: libmemcached picks the server by it instead of by the item's key,
/// so all records of one device live on one server and a multi-get is one round trip.
struct MemcachedConnection {
    let handle: UnsafeMutablePointer<memcached_st>

    /// The items found among `keys`, by key; missing keys are simply absent.
    func get(_ keys: [String], group: String) throws -> [String: CASItem] {
        guard !keys.isEmpty else { return [:] }
        let cKeys = keys.map { strdup($0) }
        defer { cKeys.forEach { free($0) } }
        let lengths = keys.map(\.utf8.count)
        let requested = cKeys.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            group.withCString { groupKey in
                memcached_mget_by_key(handle, groupKey, group.utf8.count, pointers.baseAddress, lengths, keys.count)
            }
        }
        try check(requested, "get")

        // Not freed here: libmemcached frees an allocated result when the fetch loop ends, and
        // every way out of the loop below is that end.
        guard let result = memcached_result_create(handle, nil) else { throw MemcachedFailure(description: "out of memory") }
        var items: [String: CASItem] = [:]
        while true {
            var rc = MEMCACHED_SUCCESS
            guard memcached_fetch_result(handle, result, &rc) != nil else {
                // END is the normal finish; NOTFOUND is what some versions say when nothing matched.
                if rc == MEMCACHED_END || rc == MEMCACHED_NOTFOUND || rc == MEMCACHED_SUCCESS { return items }
                throw failure(rc, "get")
            }
            let key = Self.text(memcached_result_key_value(result), memcached_result_key_length(result))
            let value = Self.text(memcached_result_value(result), memcached_result_length(result))
            items[key] = CASItem(value: value, cas: memcached_result_cas(result))
        }
    }

    /// Writes `value` only if the item is still as it was read (`replacing`), or, when it was
    /// absent, only if it still is. Returns false when another writer got there first.
    func write(_ value: String, to key: String, group: String, expiration: time_t, replacing: CASItem?) throws -> Bool {
        let rc = withBytes(of: value, key: key, group: group) { groupKey, keyBytes, valueBytes, valueLength in
            if let replacing {
                return memcached_cas_by_key(handle, groupKey, group.utf8.count, keyBytes, key.utf8.count,
                                            valueBytes, valueLength, expiration, 0, replacing.cas)
            }
            return memcached_add_by_key(handle, groupKey, group.utf8.count, keyBytes, key.utf8.count,
                                        valueBytes, valueLength, expiration, 0)
        }
        switch rc {
        case MEMCACHED_SUCCESS, MEMCACHED_STORED: return true
        // Changed (cas), already there (add), or gone (cas): someone else wrote in between.
        case MEMCACHED_DATA_EXISTS, MEMCACHED_NOTSTORED, MEMCACHED_NOTFOUND: return false
        default: throw failure(rc, "write")
        }
    }

    /// Writes `value` whatever the item holds.
    func set(_ value: String, to key: String, group: String, expiration: time_t) throws {
        let rc = withBytes(of: value, key: key, group: group) { groupKey, keyBytes, valueBytes, valueLength in
            memcached_set_by_key(handle, groupKey, group.utf8.count, keyBytes, key.utf8.count,
                                 valueBytes, valueLength, expiration, 0)
        }
        try check(rc, "set")
    }

    /// Deletes an item; a missing one is not an error.
    func delete(_ key: String, group: String) throws {
        let rc = group.withCString { groupKey in
            key.withCString { memcached_delete_by_key(handle, groupKey, group.utf8.count, $0, key.utf8.count, 0) }
        }
        if rc == MEMCACHED_NOTFOUND { return }
        try check(rc, "delete")
    }

    /// One key per server, each hashing to that server, named `host:port`.
    func keyPerServer(startingWith base: String) -> [(server: String, key: String)] {
        let servers = Int(memcached_server_count(handle))
        var found: [String: String] = [:]
        // Ketama spreads keys evenly, so a few dozen tries per server find every one.
        for n in 0 ..< servers * 64 where found.count < servers {
            let key = base + String(n)
            var rc = MEMCACHED_SUCCESS
            guard let server = key.withCString({ memcached_server_by_key(handle, $0, key.utf8.count, &rc) }) else { continue }
            let name = "\(String(cString: memcached_server_name(server))):\(memcached_server_port(server))"
            if found[name] == nil { found[name] = key }
        }
        return found.map { ($0.key, $0.value) }.sorted { $0.server < $1.server }
    }

    private func check(_ rc: memcached_return_t, _ what: String) throws {
        guard rc == MEMCACHED_SUCCESS || rc == MEMCACHED_STORED || rc == MEMCACHED_DELETED else { throw failure(rc, what) }
    }

    private func failure(_ rc: memcached_return_t, _ what: String) -> MemcachedFailure {
        let message = memcached_last_error_message(handle).map { Self.readable(String(cString: $0)) } ?? ""
        let fallback = memcached_strerror(handle, rc).map { String(cString: $0) } ?? "error \(rc.rawValue)"
        return MemcachedFailure(description: "\(what) failed: \(message.isEmpty ? fallback : message)")
    }

    /// libmemcached's message without the handle's address in front and its source location at
    /// the end: `CONNECTION FAILURE(Connection refused), host: 127.0.0.1:11211`.
    private static func readable(_ message: String) -> String {
        var text = Substring(message)
        if text.hasPrefix("(0x"), let close = text.firstIndex(of: ")") { text = text[text.index(after: close)...] }
        if let location = text.range(of: " -> ") { text = text[..<location.lowerBound] }
        return text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
    }

    private func withBytes<R>(
        of value: String, key: String, group: String,
        _ body: (UnsafePointer<CChar>, UnsafePointer<CChar>, UnsafePointer<CChar>, Int) -> R
    ) -> R {
        var value = value
        return value.withUTF8 { bytes in
            group.withCString { groupKey in
                key.withCString { keyBytes in
                    // An empty value has no storage; libmemcached still wants a pointer.
                    "".withCString { empty in
                        let start = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? empty
                        return body(groupKey, keyBytes, start, bytes.count)
                    }
                }
            }
        }
    }

    private static func text(_ start: UnsafePointer<CChar>?, _ count: Int) -> String {
        guard let start, count > 0 else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    }
}
