#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// CPU time the server processes spent over the measured phase (user + system, from
/// /proc/<pid>/stat), the figure behind "µs of server CPU per notification".
public struct ServerCPU: Codable, Equatable, Sendable {
    /// CPU seconds over every pid.
    public var seconds: Double
    /// Wall-clock seconds the two readings were apart.
    public var wallSeconds: Double

    public init(seconds: Double, wallSeconds: Double) {
        self.seconds = seconds
        self.wallSeconds = wallSeconds
    }

    /// CPU per event in µs; nil without events.
    public func microseconds(per events: Int) -> Double? {
        events > 0 ? seconds * 1e6 / Double(events) : nil
    }

    /// utime + stime of every pid now, in seconds; a process that is gone counts 0.
    static func sample(_ pids: [Int32]) -> Double {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        return pids.reduce(0) { total, pid in
            let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
            return total + Double(text.flatMap(cpuTicks(statText:)) ?? 0) / ticksPerSecond
        }
    }

    /// utime + stime from a stat line; fields are counted after the command's closing
    /// parenthesis, since the command itself may hold spaces and parentheses.
    static func cpuTicks(statText: String) -> Int? {
        guard let close = statText.lastIndex(of: ")") else { return nil }
        // After ")": state is field 3, utime field 14, stime field 15.
        let fields = statText[statText.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }
}
