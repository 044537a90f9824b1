/// Where the devices connect: a `ws://` or `wss://` URL with a literal IPv4 host (or `localhost`)
/// and a port.
public struct LoadTarget: Codable, Equatable, Sendable, CustomStringConvertible {
    public var host: IPv4Address
    public var port: UInt16
    public var path: String
    /// The text of the Host header, as the user wrote it.
    public var hostHeader: String
    /// `wss://` (or `https://`): TLS on the connection.
    public var tls: Bool

    public init(host: IPv4Address, port: UInt16, path: String = "/", hostHeader: String? = nil, tls: Bool = false) {
        self.host = host
        self.port = port
        self.path = path
        self.hostHeader = hostHeader ?? "\(host):\(port)"
        self.tls = tls
    }

    private enum CodingKeys: String, CodingKey { case host, port, path, hostHeader, tls }

    /// Summaries written before wss:// existed have no `tls`: they were plain.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(host: try container.decode(IPv4Address.self, forKey: .host), port: try container.decode(UInt16.self, forKey: .port),
                  path: try container.decode(String.self, forKey: .path), hostHeader: try container.decode(String.self, forKey: .hostHeader),
                  tls: try container.decodeIfPresent(Bool.self, forKey: .tls) ?? false)
    }

    /// Parses `scheme://host:port/path` for the given plain scheme (`ws` for devices, `http` for
    /// the update endpoints the server hands out) or its TLS twin (`wss`, `https`). The port may
    /// be left out: 80, or 443 with TLS.
    public init(parsing text: String, scheme: String = "ws") throws {
        let secure = scheme + "s://", plain = scheme + "://"
        let tls = text.lowercased().hasPrefix(secure)
        guard tls || text.lowercased().hasPrefix(plain) else {
            throw LoadTestError.invalidArgument("\(text.debugDescription): expected a \(plain) or \(secure) URL")
        }
        let rest = text.dropFirst(tls ? secure.count : plain.count)
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
        var port: UInt16 = tls ? 443 : 80
        if pieces.count == 2 {
            guard let parsed = UInt16(pieces[1]), parsed > 0 else {
                throw LoadTestError.invalidArgument("\(text.debugDescription): invalid port")
            }
            port = parsed
        }
        self.init(host: address, port: port, path: path, hostHeader: String(authority), tls: tls)
    }

    /// Refuses a target outside 127.0.0.0/8 unless the user explicitly allowed remote targets.
    public func checkAllowed(allowRemote: Bool) throws {
        if !host.isLoopback && !allowRemote {
            throw LoadTestError.invalidArgument("refusing non-loopback target \(host); pass --allow-remote to load a server on another machine you operate")
        }
    }

    /// The host as written, without the port: the name TLS sends and checks the certificate for.
    public var hostName: String {
        String(hostHeader.prefix { $0 != ":" })
    }

    public var description: String { "\(tls ? "wss" : "ws")://\(hostHeader)\(path)" }
}
