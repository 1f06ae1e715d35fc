import Foundation

/// The built binary run under a watchdog: for commands that may not end on their own (`sandbox`),
/// and for checks that must not hang when a command does.
struct WatchedRun {
    /// How long a command may run before the watchdog stops it.
    static let deadline: TimeInterval = 20

    /// The exit status (0 when `ready` stopped it).
    let status: Int32
    /// Whether it died of a signal nobody sent.
    let signalled: Bool
    /// Whether the watchdog had to stop it.
    let timedOut: Bool
    let stdout: String
    let stderr: String

    /// Runs the binary from `directory`, stopping it when `ready` returns true for a line of its standard output (for
    /// servers) or when the deadline passes, whichever is first; a watchdog, not a sleep.
    static func start(
        _ arguments: [String], environment: [String: String], in directory: URL,
        ready: ((String) -> Bool)? = nil
    ) throws -> WatchedRun {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        // Standard error goes to a file, so a chatty command cannot block on a full pipe.
        let errorFile = CLITests.scratch.appendingPathComponent(UUID().uuidString + ".stderr")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        let timedOut = WatchdogFlag()
        try process.run()
        DispatchQueue.global().asyncAfter(deadline: .now() + deadline) {
            if process.isRunning {
                timedOut.set()
                process.terminate()
            }
        }
        var stdout = Data()
        var stoppedWhenReady = false
        if let ready {
            var line = Data()
            while true {
                let byte = out.fileHandleForReading.readData(ofLength: 1)
                if byte.isEmpty { break }
                stdout += byte
                if byte != Data("\n".utf8) {
                    line += byte
                } else if ready(String(decoding: line, as: UTF8.self)) {
                    stoppedWhenReady = true
                    process.terminate()
                    break
                } else {
                    line = Data()
                }
            }
        }
        stdout += out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = (try? Data(contentsOf: errorFile)) ?? Data()
        let signalled = process.terminationReason == .uncaughtSignal && !stoppedWhenReady && !timedOut.isSet
        return WatchedRun(
            status: stoppedWhenReady ? 0 : process.terminationStatus, signalled: signalled,
            timedOut: timedOut.isSet, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

}

/// A flag set once from another thread.
final class WatchdogFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
