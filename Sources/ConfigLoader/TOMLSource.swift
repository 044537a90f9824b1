import ConfigFile
import PushCore
import TOMLKit

/// Applies one TOML document to a config. Every problem is reported as `file:line: message`.
struct TOMLSource {
    let fileName: String
    let text: String

    func apply(to config: inout ServerConfig, problems: inout ProblemList) {
        if let (line, message) = TOMLPreflight.problem(in: text) {
            problems.add("\(fileName):\(line): syntax error: \(message)")
            return
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            problems.add("\(fileName):\(error.source.begin.line): syntax error: \(error.description)")
            return
        } catch {
            problems.add("\(fileName): syntax error: \(error)")
            return
        }
        var walk = Walk(fileName: fileName, lines: TOMLLineIndex(text: text))
        walk.visit(root, prefix: "", config: &config)
        // toml++ hands keys back sorted by name; report in the order the file was written.
        for found in walk.found.sorted(by: { ($0.line ?? .max) < ($1.line ?? .max) }) {
            problems.add(found.message)
        }
    }

    private struct Walk {
        let fileName: String
        let lines: TOMLLineIndex
        var found: [(line: Int?, message: String)] = []

        mutating func visit(_ table: TOMLTable, prefix: String, config: inout ServerConfig) {
            for (name, value) in table {
                let path = prefix.isEmpty ? name : prefix + "." + name
                if let key = KnownKeys.byPath[path] {
                    do {
                        try key.applyTOML(value, &config)
                    } catch let problem as ValueProblem {
                        report(path, "\(quoted(path)) \(problem.message)")
                    } catch {
                        report(path, "\(quoted(path)): \(error)")
                    }
                } else if KnownKeys.sections.contains(path) {
                    guard let section = value.table else {
                        report(path, "\(quoted(path)) must be a table, got \(value.type.friendlyName)")
                        continue
                    }
                    visit(section, prefix: path, config: &config)
                } else if value.type == .table {
                    report(path, "unknown section [\(path)]")
                } else {
                    report(path, "unknown key \(quoted(path))")
                }
            }
        }

        private mutating func report(_ path: String, _ message: String) {
            let line = lines.line(of: path)
            let place = line.map { "\(fileName):\($0)" } ?? fileName
            found.append((line, "\(place): \(message)"))
        }
    }
}
