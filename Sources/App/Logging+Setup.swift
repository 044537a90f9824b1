import Logging
import PushCore

extension ServerConfig.Logging {
    /// Configures swift-log once for the process from the `[logging]` section.
    func bootstrap() {
        let output = self.output
        let level = Logger.Level(rawValue: self.level.rawValue) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = output == .stdout ? StreamLogHandler.standardOutput(label: label)
                                            : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
