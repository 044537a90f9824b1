import Foundation

/// Resident memory of a process as the kernel reports it in /proc/<pid>/status.
public enum ProcessMemory {
    /// VmRSS in KiB, or nil when the process is gone or the file unreadable.
    public static func residentKiB(pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return residentKiB(statusText: text)
    }

    /// Parses the `VmRSS:  1234 kB` line of a status file.
    public static func residentKiB(statusText: String) -> Int? {
        for line in statusText.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let value = fields.first.flatMap({ Int($0) }) else { return nil }
            return fields.count > 1 && fields[1].lowercased() == "mb" ? value * 1024 : value
        }
        return nil
    }
}

/// Server memory around the moment every connection was up: the figure the benchmarks quote.
public struct ServerMemory: Codable, Equatable, Sendable {
    public var pids: [Int32]
    public var rssBeforeKiB: [Int]
    public var rssAfterKiB: [Int]
    /// WebSocket connections open when `rssAfterKiB` was read.
    public var connections: Int

    public init(pids: [Int32], rssBeforeKiB: [Int], rssAfterKiB: [Int], connections: Int) {
        self.pids = pids
        self.rssBeforeKiB = rssBeforeKiB
        self.rssAfterKiB = rssAfterKiB
        self.connections = connections
    }

    public var totalBeforeKiB: Int { rssBeforeKiB.reduce(0, +) }
    public var totalAfterKiB: Int { rssAfterKiB.reduce(0, +) }

    /// Growth of resident memory per open connection, in bytes.
    public var bytesPerConnection: Double? {
        guard connections > 0 else { return nil }
        return Double(totalAfterKiB - totalBeforeKiB) * 1024 / Double(connections)
    }

    /// Reads every pid now; a process that is gone reads as 0.
    static func sample(_ pids: [Int32]) -> [Int] {
        pids.map { ProcessMemory.residentKiB(pid: $0) ?? 0 }
    }

    private enum CodingKeys: String, CodingKey {
        case pids, rssBeforeKiB, rssAfterKiB, connections, totalBeforeKiB, totalAfterKiB, bytesPerConnection
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        pids = try container.decode([Int32].self, forKey: .pids)
        rssBeforeKiB = try container.decode([Int].self, forKey: .rssBeforeKiB)
        rssAfterKiB = try container.decode([Int].self, forKey: .rssAfterKiB)
        connections = try container.decode(Int.self, forKey: .connections)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(pids, forKey: .pids)
        try container.encode(rssBeforeKiB, forKey: .rssBeforeKiB)
        try container.encode(rssAfterKiB, forKey: .rssAfterKiB)
        try container.encode(connections, forKey: .connections)
        try container.encode(totalBeforeKiB, forKey: .totalBeforeKiB)
        try container.encode(totalAfterKiB, forKey: .totalAfterKiB)
        try container.encodeIfPresent(bytesPerConnection, forKey: .bytesPerConnection)
    }
}
