import Foundation
import MemcachedTestSupport
import XCTest

extension EndToEndTestCase {
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
        while !LoopbackPort.isAccepting(port) {
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
