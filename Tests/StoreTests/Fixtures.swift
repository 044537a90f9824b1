import PushCore

/// A device id that differs for each `n`.
func device(_ n: UInt64) -> UAID {
    UAID(high: 0x1111_0000_0000_0000 | n, low: n)
}

/// A channel id (dashed UUID form) that sorts by `n`.
func channel(_ n: Int) -> ChannelID {
    let hex = String(n, radix: 16)
    let prefix = String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    return ChannelID("\(prefix)-0000-4000-8000-000000000000")!
}
