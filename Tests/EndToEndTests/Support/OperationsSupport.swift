import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server binary started the way an operator runs it: with a config file when given, no
/// log level forced on the command line (so the file and a reload decide it), its pid for
/// signals, and its exit status. Only the listener addresses are set by flags.
final class OperatedServer {
    let directory: URL
    let webSocketPort: Int
    let endpointPort: Int
    /// Everything written to standard output and standard error.
    let consoleFile: URL
    private let process = Process()

    /// Starts the server in `directory` (its SQLite file and token key file live there) and
    /// returns once both ports accept connections.
    init(directory: URL, configFile: URL? = nil, environment: [String: String] = [:],
         startTimeout: Double = 10) throws {
        self.directory = directory
        let ports = try TCPConnection.freePorts(2)
        webSocketPort = ports[0]
        endpointPort = ports[1]
        consoleFile = directory.appendingPathComponent("console-\(webSocketPort).log")

        _ = FileManager.default.createFile(atPath: consoleFile.path, contents: nil)
        let console = try FileHandle(forWritingTo: consoleFile)
        process.executableURL = try ServerProcess.binaryURL()
        process.arguments = ["serve", "--ws-addr", "127.0.0.1:\(webSocketPort)", "--endpoint-addr", "127.0.0.1:\(endpointPort)"]
            + (configFile.map { ["--config", $0.path] } ?? [])
        // Settings leaking in from the shell that runs the tests would make results depend on it.
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIMPLEPUSH_") }
        variables.merge(environment) { _, new in new }
        process.environment = variables
        process.currentDirectoryURL = directory
        process.standardOutput = console
        process.standardError = console
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try console.close()
        try waitUntilListening(timeout: startTimeout)
    }

    deinit { kill() }

    var pid: pid_t { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var endpointBase: String { "http://127.0.0.1:\(endpointPort)" }
    var console: String { (try? String(contentsOf: consoleFile, encoding: .utf8)) ?? "" }

    func updateURL(token: String) -> String { "\(endpointBase)/update/\(token)" }

    func connect(origin: String? = nil) throws -> WebSocketTestClient {
        try WebSocketTestClient(port: webSocketPort, origin: origin)
    }

    /// Sends a signal once the server has installed its handler for it: the default action of
    /// SIGHUP, SIGUSR1 and SIGTERM would kill it, which is not what the test is about.
    func signal(_ number: Int32) throws {
        try waitUntilHandling(number)
        guard deliverSignal(pid, number) == 0 else {
            throw TestFailure("kill(\(pid), \(number)) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Polls the caught and ignored signal masks in /proc (Linux); elsewhere it returns at once.
    private func waitUntilHandling(_ number: Int32, timeout: Double = 3) throws {
        #if os(Linux)
        let deadline = Deadline(seconds: timeout)
        let bit = UInt64(1) << UInt64(number - 1)
        var masks = ""
        repeat {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let lines = status.split(separator: "\n").filter { $0.hasPrefix("SigCgt:") || $0.hasPrefix("SigIgn:") }
            masks = lines.joined(separator: " ")
            let handled = lines.compactMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }.reduce(0, |)
            if handled & bit != 0 { return }
            usleep(10_000)
        } while !deadline.hasPassed
        throw TestFailure("server never installed a handler for signal \(number) (\(masks))")
        #endif
    }

    /// Waits for the process to end and returns how: `.exit` with its status, or
    /// `.uncaughtSignal` with the signal number.
    func waitForExit(timeout: Double) throws -> (reason: Process.TerminationReason, status: Int32) {
        let deadline = Deadline(seconds: timeout)
        while process.isRunning {
            if deadline.hasPassed { throw TestFailure("server still running \(timeout) s after it was asked to stop") }
            usleep(10_000)
        }
        return (process.terminationReason, process.terminationStatus)
    }

    /// SIGKILL, for clean-up.
    func kill() {
        guard process.isRunning else { return }
        _ = deliverSignal(pid, SIGKILL)
        process.waitUntilExit()
    }

    private func waitUntilListening(timeout: Double) throws {
        let deadline = Deadline(seconds: timeout)
        while !deadline.hasPassed {
            guard process.isRunning else {
                if console.contains("Address already in use") { throw ServerProcess.PortTaken(log: console) }
                throw TestFailure("server exited with status \(process.terminationStatus) during start-up; console:\n\(console)")
            }
            if TCPConnection.isAccepting(port: webSocketPort) && TCPConnection.isAccepting(port: endpointPort) { return }
            usleep(20_000)
        }
        kill()
        throw TestFailure("server did not listen on \(webSocketPort) and \(endpointPort) within \(timeout) s; console:\n\(console)")
    }
}

private func deliverSignal(_ pid: pid_t, _ number: Int32) -> Int32 {
    kill(pid, number)
}

extension EndToEndTestCase {
    /// Starts an `OperatedServer`, retrying when a picked port was taken, and kills it at
    /// tear-down, printing its console when the test failed.
    func startOperatedServer(directory: URL, configFile: URL? = nil,
                             environment: [String: String] = [:]) throws -> OperatedServer {
        var attempt = 1
        while true {
            do {
                let server = try OperatedServer(directory: directory, configFile: configFile, environment: environment)
                addTeardownBlock { [weak self] in
                    server.kill()
                    if (self?.testRun?.totalFailureCount ?? 0) > 0 {
                        print("---- server console (ws \(server.webSocketPort), endpoint \(server.endpointPort)) ----\n\(server.console)")
                    }
                }
                return server
            } catch is ServerProcess.PortTaken where attempt < 3 {
                attempt += 1
            }
        }
    }

    /// Polls a file until `condition` holds on its text; returns that text, or throws with the
    /// last text seen. Log lines are written asynchronously, so tests wait for them this way.
    @discardableResult
    func waitForFile(_ file: URL, toShow what: String, timeout: Double = 3,
                     until condition: (String) -> Bool) throws -> String {
        let deadline = Deadline(seconds: timeout)
        var text = ""
        repeat {
            text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            if condition(text) { return text }
            usleep(20_000)
        } while !deadline.hasPassed
        throw TestFailure("\(what) not seen in \(file.lastPathComponent) within \(timeout) s; it holds:\n\(text)")
    }

    /// Waits until something accepts TCP connections on `port`.
    func waitUntilAccepting(port: Int, timeout: Double = 5) throws {
        let deadline = Deadline(seconds: timeout)
        while !TCPConnection.isAccepting(port: port) {
            if deadline.hasPassed { throw TestFailure("nothing listens on port \(port) after \(timeout) s") }
            usleep(20_000)
        }
    }
}

/// One scrape of `GET /metrics`, parsed from the Prometheus text exposition format.
struct MetricsScrape: CustomStringConvertible {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]
    /// Metric family name to its `# TYPE` (counter, gauge, histogram…).
    let types: [String: String]
    let text: String

    var description: String { text }

    /// GETs `/metrics` on a port; throws unless it answers 200 with a text/plain body.
    static func fetch(port: Int) throws -> MetricsScrape {
        let response = try HTTPTestClient.request("GET", port: port, path: "/metrics")
        guard response.status == 200, response.header("Content-Type")?.hasPrefix("text/plain") == true else {
            throw TestFailure("GET /metrics on port \(port) -> \(response) headers \(response.head.headers)")
        }
        return try MetricsScrape(parsing: response.text)
    }

    init(parsing text: String) throws {
        self.text = text
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n").map(String.init) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            if line.hasPrefix("#") {
                let words = line.split(separator: " ").map(String.init)
                if words.count >= 4, words[1] == "TYPE" { types[words[2]] = words[3] }
                continue
            }
            samples.append(try Self.parseSample(line))
        }
        self.samples = samples
        self.types = types
    }

    /// The sum of every sample called `name` whose labels include `matching`. Zero when there is
    /// none: a metric is only listed once the server first touched it.
    func sum(_ name: String, _ matching: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    /// `name{a="x",b="y"} value [timestamp]`
    private static func parseSample(_ line: String) throws -> Sample {
        let characters = Array(line)
        var index = 0
        var name = ""
        while index < characters.count, characters[index] != "{", characters[index] != " " {
            name.append(characters[index])
            index += 1
        }
        var labels: [String: String] = [:]
        if index < characters.count, characters[index] == "{" {
            index += 1
            while index < characters.count, characters[index] != "}" {
                var key = ""
                while index < characters.count, characters[index] != "=" {
                    key.append(characters[index])
                    index += 1
                }
                guard index + 1 < characters.count, characters[index + 1] == "\"" else {
                    throw TestFailure("malformed labels in metrics line \(line.debugDescription)")
                }
                index += 2
                var value = ""
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count {
                        index += 1
                        value.append(characters[index] == "n" ? "\n" : characters[index])
                    } else {
                        value.append(characters[index])
                    }
                    index += 1
                }
                index += 1  // the closing quote
                labels[key.trimmingCharacters(in: .whitespaces)] = value
                if index < characters.count, characters[index] == "," { index += 1 }
            }
            index += 1  // the closing brace
        }
        let rest = String(characters[min(index, characters.count)...]).split(separator: " ")
        guard !name.isEmpty, let first = rest.first, let value = Double(first) else {
            throw TestFailure("malformed metrics line \(line.debugDescription)")
        }
        return Sample(name: name, labels: labels, value: value)
    }
}

/// The lines of a JSON log file, each parsed; throws naming the first line that is not an object.
func jsonLogLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").enumerated().map { number, line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw TestFailure("log line \(number + 1) is not a JSON object: \(String(line).debugDescription)")
        }
        return object
    }
}

/// A log field as text, whether the server wrote it as a string or a number.
func logField(_ line: [String: Any], _ key: String) -> String? {
    switch line[key] {
    case let text as String: return text
    case let number as NSNumber: return number.stringValue
    default: return nil
    }
}
