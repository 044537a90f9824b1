import Foundation
import PushCore

/// Where the endpoint token keys come from: the config, or else a key file that is created on first
/// start, so endpoints stay valid across restarts without any set-up.
enum TokenKeys {
    static func load(_ general: ServerConfig.General) throws -> [String] {
        if !general.tokenKeys.isEmpty { return general.tokenKeys }
        let path = general.tokenKeyFile
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !key.isEmpty { return [key] }
        }
        let key = EndpointTokenCodec.generateKey()
        guard FileManager.default.createFile(atPath: path, contents: Data((key + "\n").utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw AppError.tokenKeyFile(path)
        }
        return [key]
    }
}

public enum AppError: Error, CustomStringConvertible {
    case tokenKeyFile(String)

    public var description: String {
        switch self {
        case .tokenKeyFile(let path): return "cannot write the token key file \(path)"
        }
    }
}
