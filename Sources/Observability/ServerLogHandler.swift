import Foundation
import Logging
import Synchronization

/// The level every handler uses unless it was set on one logger; shared so a reload (SIGHUP)
/// changes it for loggers that already exist.
public final class SharedLogLevel: Sendable {
    private let level: Mutex<Logger.Level>

    public init(_ level: Logger.Level) { self.level = Mutex(level) }

    public var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// One line per event, as plain text or as a JSON object.
public struct ServerLogHandler: LogHandler {
    public enum Format: String, Sendable { case text, json }

    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format
    private let output: LogOutput
    private let sharedLevel: SharedLogLevel
    private var ownLevel: Logger.Level?

    public init(label: String, format: Format, output: LogOutput, level: SharedLogLevel) {
        self.label = label
        self.format = format
        self.output = output
        self.sharedLevel = level
    }

    public var logLevel: Logger.Level {
        get { ownLevel ?? sharedLevel.value }
        set { ownLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let level = event.level, message = event.message
        var explicit = event.metadata
        if let error = event.error { explicit = (explicit ?? [:]).merging(["error": "\(error)"]) { old, _ in old } }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        let time = LogTimestamp.now()
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            output.write("\(time) \(level) \(label): \(fields.isEmpty ? "" : fields + " ")\(message)")
        case .json:
            var object: [String: Any] = ["time": time, "level": level.rawValue, "logger": label, "message": "\(message)"]
            for (key, value) in merged where object[key] == nil { object[key] = LogJSON.value(value) }
            output.write(LogJSON.encode(object))
        }
    }
}

enum LogTimestamp {
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var parts = tm()
        var seconds = ts.tv_sec
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(ts.tv_nsec / 1_000_000))
    }
}

enum LogJSON {
    static func value(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let item): return item.description
        case .array(let items): return items.map(self.value)
        case .dictionary(let items): return items.mapValues(self.value)
        }
    }

    static func encode(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"message":"unencodable log line"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }
}
