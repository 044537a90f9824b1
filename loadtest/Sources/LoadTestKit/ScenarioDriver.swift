/// The scenario-specific part of a worker. The worker sets every device up the same way, then
/// hands over: the driver decides what happens while ready and running, and when it is over.
protocol ScenarioDriver: AnyObject {
    /// Every device's first connection has succeeded or failed.
    func setupFinished(now: UInt64)
    /// The parent said go: the measured phase starts.
    func start(now: UInt64)
    /// Called on every turn of the loop once set-up is finished.
    func tick(now: UInt64)
    /// A reconnect (`.resume`) got its hello answered.
    func deviceResumed(_ device: Device, now: UInt64)
    /// A connection failed or was closed by the server (the error is already counted);
    /// `whileConnecting` tells a failed reconnect from an idle connection the server dropped.
    func deviceLost(_ device: Device, whileConnecting: Bool, now: UInt64)
    /// Updates arrived in a notification (already acknowledged).
    func received(_ updates: [UpdateRef], on device: Device, now: UInt64)
    /// A WebPush notification arrived (already acknowledged).
    func received(webPush update: WebPushUpdate, on device: Device, now: UInt64)
    /// An update request was answered, or its connection failed (nil).
    func updateAnswered(_ request: UpdateSender.Request, _ answer: UpdateSender.Answer?, now: UInt64)
    /// True while the driver has paced work due soon, so the loop should not sleep long.
    var wantsPromptTicks: Bool { get }
}

extension ScenarioDriver {
    func deviceResumed(_ device: Device, now: UInt64) {}
    func deviceLost(_ device: Device, whileConnecting: Bool, now: UInt64) {}
    func received(_ updates: [UpdateRef], on device: Device, now: UInt64) {}
    func received(webPush update: WebPushUpdate, on device: Device, now: UInt64) {}
    func updateAnswered(_ request: UpdateSender.Request, _ answer: UpdateSender.Answer?, now: UInt64) {}
}
