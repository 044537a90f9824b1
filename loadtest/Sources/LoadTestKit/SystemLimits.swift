#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The limits of this machine that decide how a run must be spread.
public struct SystemLimits: Equatable, Sendable {
    /// Open files one process may have.
    public var openFiles: Int
    /// Local ports one source address has towards one destination (ip_local_port_range).
    public var ephemeralPorts: Int

    public init(openFiles: Int, ephemeralPorts: Int) {
        self.openFiles = openFiles
        self.ephemeralPorts = ephemeralPorts
    }

    /// Raises this process's soft open-file limit to the hard one (children inherit it) and reads
    /// the port range.
    public static func current() -> SystemLimits {
        var limit = rlimit()
        var files = 1024
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            if limit.rlim_cur < limit.rlim_max {
                var raised = limit
                raised.rlim_cur = limit.rlim_max
                if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
            }
            files = Int(clamping: limit.rlim_cur)
        }
        return SystemLimits(openFiles: files, ephemeralPorts: readPortRange() ?? 28_232)
    }

    private static func readPortRange() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8) else { return nil }
        let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard bounds.count == 2, bounds[1] >= bounds[0] else { return nil }
        return bounds[1] - bounds[0] + 1
    }
}
