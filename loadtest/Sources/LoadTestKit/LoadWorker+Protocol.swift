/// The protocol side of a device (SimplePush, or WebPush when the plan says so): hello,
/// register, notifications and their acks.
extension LoadWorker {
    func handleMessage(_ device: Device, _ payload: [UInt8], now: UInt64) {
        guard let message = payload.withUnsafeBytes({ ServerMessage(json: $0) }) else {
            fail(device, "protocol: reply is not a JSON object", now: now)
            return
        }
        switch message {
        case .hello(let status, let uaid):
            guard device.stage == .greeting else { return }
            guard status == 200, !uaid.isEmpty else {
                fail(device, "hello: status \(status)", now: now)
                return
            }
            helloAnswered(device, uaid: uaid, now: now)
        case .register(let status, let channelID, let endpoint):
            guard device.stage == .registering else { return }
            guard status == 200 else {
                fail(device, "register: status \(status)", now: now)
                return
            }
            registered(device, channelID: channelID, endpoint: endpoint, now: now)
        case .notification(let updates):
            guard !updates.isEmpty else { return }
            // Acknowledge at once: unacknowledged updates would come back on every hello.
            sendMessage(device, ClientMessage.ack(updates), now: now)
            report.counters.notifications += updates.count
            report.counters.acked += updates.count
            driver.received(updates, on: device, now: now)
        case .webPushNotification(let update):
            sendMessage(device, ClientMessage.webPushAck(update), now: now)
            report.counters.notifications += 1
            report.counters.acked += 1
            driver.received(webPush: update, on: device, now: now)
        case .pong:
            break
        case .other(let type, let status):
            if let status, status != 200 {
                fail(device, "\(type.isEmpty ? "reply" : type): status \(status)", now: now)
            }
        }
    }

    /// The hello for the device's connection: a resume names its UAID, and for SimplePush its
    /// channels (a WebPush server keeps those itself).
    func hello(for device: Device) -> [UInt8] {
        let uaid = device.purpose == .resume ? device.uaid : ""
        if plan.webPush != nil { return ClientMessage.webPushHello(uaid: uaid) }
        return ClientMessage.hello(uaid: uaid, channelIDs: device.purpose == .resume ? registeredChannels(device) : [])
    }

    private func helloAnswered(_ device: Device, uaid: String, now: UInt64) {
        switch device.purpose {
        case .setup:
            device.uaid = uaid
            if plan.channels == 0 {
                becameReady(device, now: now)
                return
            }
            device.stage = .registering
            device.registrationsPending = device.channelIDs.count
            for channel in device.channelIDs {
                sendMessage(device, ClientMessage.register(channelID: channel), now: now)
            }
        case .resume:
            if uaid.lowercased() != device.uaid.lowercased() {
                // The server forgot the device; what it had stored for it is gone too.
                report.count(error: "resume: server issued a new UAID")
                device.uaid = uaid
            }
            becameReady(device, now: now)
        }
    }

    private func registered(_ device: Device, channelID: String, endpoint: String?, now: UInt64) {
        guard let index = device.channelIDs.firstIndex(where: { $0.lowercased() == channelID.lowercased() }) else {
            fail(device, "register: reply for another channel", now: now)
            return
        }
        guard let endpoint, let path = acceptEndpoint(endpoint, device: device, now: now) else { return }
        if device.endpointPaths[index] == nil {
            device.endpointPaths[index] = path
            device.registrationsPending -= 1
            report.counters.channelsRegistered += 1
        }
        if device.registrationsPending == 0 { becameReady(device, now: now) }
    }

    /// The path of a pushEndpoint, once its host is known to be one this run may send to.
    private func acceptEndpoint(_ endpoint: String, device: Device, now: UInt64) -> String? {
        guard let url = try? LoadTarget(parsing: endpoint, scheme: "http") else {
            fail(device, "register: pushEndpoint is not an http URL", now: now)
            return nil
        }
        guard !url.tls || plan.updateTarget != nil else {
            fail(device, "register: pushEndpoint is https (updates are sent over http only: serve the endpoint without TLS for a load test)", now: now)
            return nil
        }
        // A fleet: the devices on one node, the updates through another one's endpoint.
        if let other = plan.updateTarget {
            if updates.destination == nil { updates.destination = other }
            return url.path
        }
        if let current = updates.destination {
            guard current.host == url.host && current.port == url.port else {
                fail(device, "register: pushEndpoints on several hosts", now: now)
                return nil
            }
        } else {
            guard url.host.isLoopback || plan.allowRemote else {
                fail(device, "register: pushEndpoint \(url.host) is not loopback (needs --allow-remote)", now: now)
                return nil
            }
            updates.destination = url
        }
        return url.path
    }

    private func becameReady(_ device: Device, now: UInt64) {
        device.stage = .ready
        switch device.purpose {
        case .setup: setupSettled(device, succeeded: true, now: now)
        case .resume: driver.deviceResumed(device, now: now)
        }
    }
}
