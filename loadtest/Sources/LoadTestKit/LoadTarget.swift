/// Where the devices connect: a `ws://` URL with a literal IPv4 host (or `localhost`) and a port.
public struct LoadTarget: Codable, Equatable, Sendable, CustomStringConvertible {
    public var host: IPv4Address
    public var port: UInt16
    public var path: String
    /// The text of the Host header, as the user wrote it.
    public var hostHeader: String

    public init(host: IPv4Address, port: UInt16, path: String = "/", hostHeader: String? = nil) {
        self.host = host
        self.port = port
        self.path = path
        self.hostHeader = hostHeader ?? "\(host):\(port)"
    }

    /// Parses `scheme://host:port/path` for the given scheme (`ws` for devices, `http` for the
    /// update endpoints the server hands out). The port may be left out: 80.
    public init(parsing text: String, scheme: String = "ws") throws {
        let prefix = scheme + "://"
        guard text.lowercased().hasPrefix(prefix) else {
            throw LoadTestError.invalidArgument("\(text.debugDescription): expected a \(prefix) URL")
        }
        let rest = text.dropFirst(prefix.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var path = String(rest.dropFirst(authority.count))
        if path.isEmpty { path = "/" }
        guard !authority.isEmpty, !authority.contains("@"), !authority.hasPrefix("[") else {
            throw LoadTestError.invalidArgument("\(text.debugDescription): the host must be an IPv4 address or localhost")
        }
        let pieces = authority.split(separator: ":", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let address = IPv4Address(parsing: String(pieces[0])) else {
            throw LoadTestError.invalidArgument("\(text.debugDescription): the host must be an IPv4 address or localhost (names are not resolved)")
        }
        var port: UInt16 = 80
        if pieces.count == 2 {
            guard let parsed = UInt16(pieces[1]), parsed > 0 else {
                throw LoadTestError.invalidArgument("\(text.debugDescription): invalid port")
            }
            port = parsed
        }
        self.init(host: address, port: port, path: path, hostHeader: String(authority))
    }

    /// Refuses a target outside 127.0.0.0/8 unless the user explicitly allowed remote targets.
    public func checkAllowed(allowRemote: Bool) throws {
        if !host.isLoopback && !allowRemote {
            throw LoadTestError.invalidArgument("refusing non-loopback target \(host); pass --allow-remote to load a server on another machine you operate")
        }
    }

    public var description: String { "ws://\(hostHeader)\(path)" }
}
