import ConfigFile
import Logging
import Observability
import PushCore

/// The process's logging, from `[logging]`: installed once, with the level shared so a reload can
/// change it and the output reopenable for SIGUSR1.
final class LogSetup: Sendable {
    let output: LogOutput
    let level: SharedLogLevel

    init(_ settings: ServerConfig.Logging) throws {
        let output = try LogOutput(.init(settings.output))
        let level = SharedLogLevel(Logger.Level(settings.level))
        let format = ServerLogHandler.Format(rawValue: settings.format.rawValue) ?? .text
        LoggingSystem.bootstrap { label in
            ServerLogHandler(label: label, format: format, output: output, level: level)
        }
        self.output = output
        self.level = level
    }
}

extension Logger.Level {
    init(_ level: ServerConfig.Logging.Level) {
        self = Logger.Level(rawValue: level.rawValue) ?? .info
    }
}
