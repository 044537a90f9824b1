/// A configuration problem, worded for the operator: it names the key and where the bad value came
/// from (`file:line`, the environment variable, or the override).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Why one value was refused, before the caller knows where it came from.
/// `message` continues a sentence that starts with the quoted key: `must be an integer, got string`.
struct ValueProblem: Error {
    let message: String
}
