import Foundation

/// A throwaway CA and a server certificate for 127.0.0.1 signed by it (P-256), made with the
/// openssl command line, for tests that need real TLS.
public struct TestCertificates: Sendable {
    public let caFile: String
    public let certificateFile: String
    public let keyFile: String

    /// Makes the set in a subdirectory of `directory` named after the CA, so two sets differ.
    public static func make(in directory: URL, caName: String = "test-ca") throws -> TestCertificates {
        let place = try makeCA(in: directory, name: caName)
        try "subjectAltName = IP:127.0.0.1\n".write(to: place.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try openssl(["req", "-new"] + newKey + ["-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"], in: place)
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                     "-extfile", "server.ext", "-out", "server.pem"], in: place)
        return TestCertificates(caFile: place.appendingPathComponent("ca.pem").path,
                                certificateFile: place.appendingPathComponent("server.pem").path,
                                keyFile: place.appendingPathComponent("server.key").path)
    }

    /// Only a CA (ca.pem, ca.key) in `directory`/`name`; returns that directory.
    @discardableResult
    public static func makeCA(in directory: URL, name: String) throws -> URL {
        let place = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true)
        try openssl(["req", "-x509"] + newKey + ["-days", "2", "-subj", "/CN=\(name)", "-keyout", "ca.key", "-out", "ca.pem"], in: place)
        return place
    }

    private static let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CertificateFailure(description: "openssl \(arguments.joined(separator: " ")) failed with status \(process.terminationStatus)")
        }
    }
}

public struct CertificateFailure: Error, CustomStringConvertible {
    public let description: String
}
