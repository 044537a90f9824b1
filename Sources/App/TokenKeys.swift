import Foundation
import ConfigFile
import PushCore

/// Where the endpoint token keys come from: the config, or else a key file that is created on first
/// start, so endpoints stay valid across restarts without any set-up. The file is only ever
/// created when it is absent: a key file that exists but cannot be read stops start-up, because
/// replacing it would turn every endpoint URL ever issued into a 404.
enum TokenKeys {
    static func load(_ general: ServerConfig.General) throws -> [String] {
        if !general.tokenKeys.isEmpty { return general.tokenKeys }
        let path = general.tokenKeyFile
        // Absent: create it (exclusively, so two processes starting at once agree on one key).
        let key = EndpointTokenCodec.generateKey()
        switch create(path, contents: key + "\n") {
        case .created: return [key]
        case .exists: return [try read(path)]
        case .failed(let code): throw AppError.tokenKeyFile(path, "cannot create it: \(String(cString: strerror(code)))")
        }
    }

    private enum Creation { case created, exists, failed(Int32) }

    private static func create(_ path: String, contents: String) -> Creation {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 { return errno == EEXIST ? .exists : .failed(errno) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let writeError = written == bytes.count ? 0 : (written < 0 ? errno : EIO)
        let syncError = fsync(fd) == 0 ? 0 : errno
        close(fd)
        if writeError != 0 || syncError != 0 {
            unlink(path)
            return .failed(writeError != 0 ? writeError : syncError)
        }
        return .created
    }

    /// The key in an existing file; every way it can be unusable is an error naming the file.
    private static func read(_ path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw AppError.tokenKeyFile(path, "it exists but cannot be read (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8), String(decoding: data, as: UTF8.self) == text else {
            throw AppError.tokenKeyFile(path, "it is not UTF-8 text")
        }
        let key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { throw AppError.tokenKeyFile(path, "it is empty") }
        guard (try? EndpointTokenCodec(encodedKeys: [key])) != nil else {
            throw AppError.tokenKeyFile(path, "it does not hold a key (base64url of 32 bytes; `simplepush genkey` makes one)")
        }
        return key
    }
}

public enum AppError: Error, CustomStringConvertible {
    case tokenKeyFile(String, String)
    /// A listener (by section) whose address is not host:port.
    case badListener(String, String)
    /// A listener (by section) whose certificate or key cannot be used.
    case badCertificate(String, String)
    /// A cluster worker whose supervisor (by pid) is no longer its parent.
    case supervisorGone(Int32)

    public var description: String {
        switch self {
        case .tokenKeyFile(let path, let problem):
            return "token key file \(path): \(problem). Fix the file or set [default] token_keys; removing it "
                + "starts over with a new key, which invalidates every endpoint URL already issued"
        case .badListener(_, let address):
            return "cannot listen on \(address)"
        case .supervisorGone(let pid):
            return "this worker's supervisor (pid \(pid)) is gone"
        case .badCertificate(let section, let problem):
            return "\(section).listener TLS: \(problem)"
        }
    }
}
