import Foundation

/// A `vtop-rollout` child process whose standard output and error go to a log file, and that can be killed.
///
/// The crash torture and the fault soak run the real binary, as a user does, not `PlanRunner` in process: a
/// `kill -9` must hit everything the command does, and the soak must see every exit code it can give.
final class ChildProcess: @unchecked Sendable {
    /// How a child ended.
    enum Ending: Equatable, CustomStringConvertible {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let status): "exit \(status)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    private let process = Process()
    private let lock = NSLock()
    private var ending: Ending?
    private var waiter: CheckedContinuation<Ending, Never>?

    /// The `vtop-rollout` built next to this `vtop-bench`.
    static var vtopRollout: URL {
        let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let base =
            FileManager.default.fileExists(atPath: here.path)
            ? here : URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        return base.deletingLastPathComponent().appendingPathComponent("vtop-rollout")
    }

    /// Starts `vtop-rollout ARGUMENTS` in `directory`, appending its output to `log`.
    init(_ arguments: [String], in directory: URL, log: FileHandle) throws {
        process.executableURL = Self.vtopRollout
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { [weak self] finished in
            let ending: Ending =
                finished.terminationReason == .uncaughtSignal
                ? .signalled(finished.terminationStatus) : .exited(finished.terminationStatus)
            self?.ended(ending)
        }
        try process.run()
    }

    /// The child's process id.
    var pid: Int32 { process.processIdentifier }

    /// Sends SIGKILL if the child still runs: nothing it does afterwards reaches the disk or the cluster.
    func killNow() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Waits for the child to end, without blocking a thread.
    func wait() async -> Ending {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let ending {
                lock.unlock()
                continuation.resume(returning: ending)
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }

    /// Waits at most `seconds` of real time for the child to end; nil when it still runs.
    func wait(atMost seconds: Double) async -> Ending? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let ending = currentEnding { return ending }
            try? await Task.sleep(for: .milliseconds(max(1, min(20, Int(deadline.timeIntervalSinceNow * 1000)))))
        }
        return currentEnding
    }

    private var currentEnding: Ending? {
        lock.lock()
        defer { lock.unlock() }
        return ending
    }

    private func ended(_ value: Ending) {
        lock.lock()
        ending = value
        let waiting = waiter
        waiter = nil
        lock.unlock()
        waiting?.resume(returning: value)
    }
}
