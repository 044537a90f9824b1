/// The SimplePush error table (errno, status, message), byte-compatible with pushgo's.
public enum ProtocolError: Int, Error, Sendable, CaseIterable {
    case invalidHeader = 101
    case unsupportedType = 102
    case missingDeviceID = 103
    case invalidDeviceID = 104
    case missingChannelID = 105
    case invalidChannelID = 106
    case missingFields = 107
    case invalidFields = 108
    case requiresHandshake = 201
    case existingHandshake = 202
    case tooManyPings = 203
    case noChannel = 204
    case invalidVersion = 301
    case payloadTooLarge = 302
    case internalError = 999

    public var status: Int {
        switch self {
        case .invalidHeader, .unsupportedType, .missingDeviceID, .missingChannelID, .missingFields,
             .invalidFields, .requiresHandshake, .tooManyPings:
            return 401
        case .invalidDeviceID, .invalidChannelID, .existingHandshake, .noChannel:
            return 503
        case .invalidVersion: return 400
        case .payloadTooLarge: return 413
        case .internalError: return 500
        }
    }

    public var message: String {
        switch self {
        case .invalidHeader: return "Invalid command header"
        case .unsupportedType: return "Unsupported command type"
        case .missingDeviceID: return "Missing device ID"
        case .invalidDeviceID: return "Invalid device ID"
        case .missingChannelID: return "Missing channel ID"
        case .invalidChannelID: return "Invalid channel ID"
        case .missingFields: return "Missing one or more required command fields"
        case .invalidFields: return "Command contains one or more invalid fields"
        case .requiresHandshake: return "Command requires handshake"
        case .existingHandshake: return "Device ID already assigned to this client"
        case .tooManyPings: return "Client sent too many pings"
        case .noChannel: return "The specified channel ID does not exist"
        case .invalidVersion: return "Invalid update version"
        case .payloadTooLarge: return "Request payload too large"
        case .internalError: return "Internal server error"
        }
    }
}
