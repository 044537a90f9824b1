/// The public base URL a request came in under, as a proxy in front of the server tells it:
/// `X-Forwarded-Proto` (`https` or `http`) and `X-Forwarded-Host` (or, without it, `Host`), the
/// last entry of each list: a proxy that appends puts its own value last, after whatever the
/// client sent. Used only when `[endpoint] forwarded_headers` is on and no `url` is set: a
/// client that reaches the server directly could send anything in those headers.
public enum ForwardedBase {
    /// `https://push.example.com`, or nil when the headers are missing, not a plain host, or name
    /// a host outside `allowed` (when it is not empty: the hosts, with a port if not the default,
    /// the service answers under).
    public static func from(proto: String?, host: String?, allowed: [String] = []) -> String? {
        guard let proto = proto.map(lastEntry)?.lowercased(), proto == "https" || proto == "http",
              let host = host.map(lastEntry)?.lowercased(), isHost(host) else { return nil }
        // The default port is dropped, so the origin reads as app servers write it in VAPID's `aud`.
        let defaultPort = proto == "https" ? ":443" : ":80"
        let named = host.hasSuffix(defaultPort) ? String(host.dropLast(defaultPort.count)) : host
        guard allowed.isEmpty || allowed.contains(where: { $0.lowercased() == named }) else { return nil }
        return proto + "://" + named
    }

    /// Scheme, host and port of a URL: what VAPID tokens name in `aud`.
    public static func origin(of url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else { return url }
        let host = url[schemeEnd.upperBound...].prefix { $0 != "/" }
        return String(url[..<schemeEnd.upperBound]) + host
    }

    private static func lastEntry(_ list: String) -> String {
        let last = list.split(separator: ",", omittingEmptySubsequences: false).last ?? ""
        return String(last.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    /// A name or address with an optional port: letters, digits, `.`, `-`, `:` and the brackets of
    /// an IPv6 literal; nothing that could carry a path, query or credentials into a URL.
    private static func isHost(_ host: String) -> Bool {
        (1 ... 255).contains(host.utf8.count) && host.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x2D
                || byte == 0x3A || byte == 0x5B || byte == 0x5D
        }
    }
}
