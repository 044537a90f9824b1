#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The parent's view of one worker, wherever it runs.
protocol WorkerHandle: AnyObject {
    /// The newest report (a fatal one if the worker died).
    var latest: WorkerReport { get }
    /// True once the worker has ended and `latest` is its final report.
    var isDone: Bool { get }
    func send(_ command: ControlCommand)
    /// Ends the worker without waiting for it to finish cleanly.
    func terminate()
}

/// Holds the newest report of a worker for the parent's thread.
final class ReportBox: @unchecked Sendable {  // `report` and `done` are read and written only under `lock`
    private let lock = NSLock()
    private var report: WorkerReport
    private var done = false

    init(worker: Int) { report = WorkerReport(worker: worker) }

    func update(_ new: WorkerReport, final: Bool = false) {
        lock.lock()
        report = new
        if final { done = true }
        lock.unlock()
    }

    /// Marks the worker ended; a worker that ended without a finished report failed.
    func end(fatal: String) {
        lock.lock()
        if report.phase != .finished && report.fatal == nil { report.fatal = fatal }
        done = true
        lock.unlock()
    }

    var latest: WorkerReport {
        lock.lock()
        defer { lock.unlock() }
        return report
    }

    var isDone: Bool {
        lock.lock()
        defer { lock.unlock() }
        return done
    }
}

/// A worker on a thread of this process (runs up to one process's worth of connections).
final class ThreadWorker: WorkerHandle {
    private let box: ReportBox
    private let control = InProcessControl()

    init(plan: LoadPlan, index: Int) throws {
        box = ReportBox(worker: index)
        let box = self.box
        let worker = HandedToThread(try LoadWorker(plan: plan, worker: index, control: control) { box.update($0) })
        let thread = Thread {
            let final = worker.value.run()
            box.update(final, final: true)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    var latest: WorkerReport { box.latest }
    var isDone: Bool { box.isDone }
    func send(_ command: ControlCommand) { control.send(command) }
    func terminate() { control.send(.stop) }
}

/// A worker process: this same executable started again with the hidden worker command. It
/// reads commands on stdin and writes one JSON report per line on stdout.
final class ProcessWorker: WorkerHandle {
    private let box: ReportBox
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let writeLock = NSLock()

    init(executable: String, plan: LoadPlan, index: Int) throws {
        box = ReportBox(worker: index)
        let planText = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [WorkerEntry.commandName, "--plan", planText, "--index", String(index)]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        try process.run()
        let box = self.box
        let reader = output.fileHandleForReading
        let process = self.process
        let thread = Thread {
            Self.readReports(from: reader, into: box)
            process.waitUntilExit()
            box.end(fatal: "worker process exited with status \(process.terminationStatus) before finishing")
        }
        thread.start()
    }

    /// Reads report lines until the worker closes its stdout.
    private static func readReports(from handle: FileHandle, into box: ReportBox) {
        let decoder = JSONDecoder()
        var pending = Data()
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { return }
            pending.append(chunk)
            while let newline = pending.firstIndex(of: 0x0A) {
                let line = pending[pending.startIndex ..< newline]
                pending = Data(pending[(newline + 1)...])
                if let report = try? decoder.decode(WorkerReport.self, from: line) {
                    box.update(report, final: report.phase == .finished)
                }
            }
        }
    }

    var latest: WorkerReport { box.latest }
    var isDone: Bool { box.isDone }

    func send(_ command: ControlCommand) {
        writeLock.lock()
        defer { writeLock.unlock() }
        let bytes = Array((command.rawValue + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(input.fileHandleForWriting.fileDescriptor, $0.baseAddress, $0.count) }
    }

    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The hidden command a worker process runs.
public enum WorkerEntry {
    public static let commandName = "_worker"

    /// Runs worker `index` of the plan in this process, reporting on stdout; returns the exit code.
    public static func run(planJSON: String, index: Int) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        Interruption.ignoreInWorker()
        _ = SystemLimits.current()
        let emit: (WorkerReport) -> Void = { report in
            guard var line = try? JSONEncoder().encode(report) else { return }
            line.append(0x0A)
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written <= 0 { if errno == EINTR { continue } else { return } }
                    offset += written
                }
            }
        }
        do {
            let plan = try JSONDecoder().decode(LoadPlan.self, from: Data(planJSON.utf8))
            guard (0 ..< plan.procs).contains(index) else { throw LoadTestError.worker("index \(index) out of range") }
            let worker = try LoadWorker(plan: plan, worker: index, control: PipeControl(fd: STDIN_FILENO), publish: emit)
            worker.run()
            return 0
        } catch {
            var report = WorkerReport(worker: index)
            report.fatal = "\(error)"
            report.phase = .finished
            emit(report)
            return 1
        }
    }
}

/// Carries a worker to the thread that runs it.
private struct HandedToThread<Value>: @unchecked Sendable {  // made on the caller's thread, used only on the new one afterwards
    let value: Value
    init(_ value: Value) { self.value = value }
}
