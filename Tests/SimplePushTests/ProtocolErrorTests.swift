import PushCore
import SimplePush
import XCTest

/// The error table is part of the wire contract: these rows are copied from it by hand.
final class ProtocolErrorTests: XCTestCase {
    private let contract: [(errno: Int, status: Int, message: String)] = [
        (101, 401, "Invalid command header"),
        (102, 401, "Unsupported command type"),
        (103, 401, "Missing device ID"),
        (104, 503, "Invalid device ID"),
        (105, 401, "Missing channel ID"),
        (106, 503, "Invalid channel ID"),
        (107, 401, "Missing one or more required command fields"),
        (108, 401, "Command contains one or more invalid fields"),
        (201, 401, "Command requires handshake"),
        (202, 503, "Device ID already assigned to this client"),
        (203, 401, "Client sent too many pings"),
        (204, 503, "The specified channel ID does not exist"),
        (301, 400, "Invalid update version"),
        (302, 413, "Request payload too large"),
        (999, 500, "Internal server error"),
    ]

    func testEveryContractRowHasAMatchingError() {
        for row in contract {
            guard let error = ProtocolError(rawValue: row.errno) else {
                XCTFail("no error with errno \(row.errno)"); continue
            }
            XCTAssertEqual(error.status, row.status, "status of \(row.errno)")
            XCTAssertEqual(error.message, row.message, "message of \(row.errno)")
        }
    }

    func testThereAreNoErrorsOutsideTheContract() {
        XCTAssertEqual(ProtocolError.allCases.map(\.rawValue).sorted(), contract.map(\.errno))
    }

    func testNamedCasesHaveTheContractsNumbers() {
        let named: [(ProtocolError, Int)] = [
            (.invalidHeader, 101), (.unsupportedType, 102), (.missingChannelID, 105), (.missingFields, 107),
            (.invalidFields, 108), (.requiresHandshake, 201), (.existingHandshake, 202), (.tooManyPings, 203),
            (.internalError, 999),
        ]
        for (error, errno) in named {
            XCTAssertEqual(error.rawValue, errno, "\(error)")
        }
    }
}
