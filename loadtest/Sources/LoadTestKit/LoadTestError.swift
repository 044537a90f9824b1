/// Why a run cannot start or could not finish. `invalidArgument` messages are shown to the user
/// as they are, so they name the option at fault.
public enum LoadTestError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case system(String)
    case worker(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        case .system(let message): return message
        case .worker(let message): return "worker: \(message)"
        }
    }
}
