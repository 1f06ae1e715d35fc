import Foundation
import Testing

/// Runs every file of the bad-input corpus (Tests/CLITests/Fixtures/bad-input) through the built
/// binary: each must end, quickly, in its documented exit code and a clear message, never in a crash.
@Suite struct BadInputCorpusTests {
    static let corpus = CLITests.root.appendingPathComponent("Tests/CLITests/Fixtures/bad-input")

    /// One line of `manifest.json`: a file, the command that reads it, and what must come out.
    struct Expectation: Decodable, Sendable, CustomStringConvertible {
        /// The file, relative to the corpus directory (`plans/empty.yaml`).
        let file: String
        /// `validate` (`plan validate --offline`), `status` (`status --kubeconfig`), `approve`
        /// (`plan approve GATE --state`) or `abort` (`plan abort --state`).
        let command: String
        /// The exit code.
        let exit: Int32
        /// A part of standard output or standard error that must appear.
        let message: String

        var description: String { file }
    }

    static let cases: [Expectation] = {
        let url = corpus.appendingPathComponent("manifest.json")
        guard let data = try? Data(contentsOf: url) else { return [] }
        return (try? JSONDecoder().decode([Expectation].self, from: data)) ?? []
    }()

    /// What a crash or an unhandled error leaves on standard error.
    static let crashMarkers = [
        "Fatal error", "Stack dump", "SIGSEGV", "Backtrace", "SIGILL", "SIGABRT", "Illegal instruction",
    ]

    static func arguments(for expectation: Expectation) -> [String]? {
        let path = "Tests/CLITests/Fixtures/bad-input/\(expectation.file)"
        switch expectation.command {
        case "validate": return ["plan", "validate", "--offline", path]
        case "status": return ["status", "--kubeconfig", path]
        case "approve": return ["plan", "approve", "approve-canary", "--state", path]
        case "abort": return ["plan", "abort", "--state", path]
        default: return nil
        }
    }

    @Test func theManifestCoversEveryFileOfTheCorpus() throws {
        try #require(Self.cases.count >= 60, "manifest.json is missing or has fewer than 60 cases")
        let kinds = ["plans", "kubeconfigs", "state-files"]
        var files: Set<String> = []
        for kind in kinds {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: Self.corpus.appendingPathComponent(kind).path)
            files.formUnion(names.map { "\(kind)/\($0)" })
        }
        files.remove("state-files/valid-state.json")
        #expect(Set(Self.cases.map(\.file)) == files)
        #expect(Self.cases.map(\.file).count == Set(Self.cases.map(\.file)).count, "a file is listed twice")
    }

    @Test(arguments: cases)
    func badInputEndsInItsExitCodeAndAClearMessage(_ expectation: Expectation) throws {
        let arguments = try #require(Self.arguments(for: expectation), "unknown command \(expectation.command)")
        // No kubeconfig of the test machine is ever read: a bad state must fail before any connection.
        let run = try BoundedRun.run(
            arguments,
            environment: ["HOME": CLITests.scratch.path, "KUBECONFIG": "", "KUBERNETES_SERVICE_HOST": ""],
            limit: .seconds(20))
        try #require(run.finished, "\(expectation.file): still running after 20 s; killed")
        #expect(run.status == expectation.exit, "\(expectation.file): \(run.stdout)\(run.stderr)")
        #expect(
            (run.stdout + run.stderr).contains(expectation.message),
            "\(expectation.file): expected '\(expectation.message)' in:\n\(run.stdout)\(run.stderr)")
        for marker in Self.crashMarkers {
            #expect(!run.stderr.contains(marker), "\(expectation.file): \(marker) on standard error")
        }
        // One clear message: a failure is reported once, not as a cascade.
        #expect(run.stderr.components(separatedBy: "error:").count <= 2, "\(expectation.file): \(run.stderr)")
    }
}

/// Runs the built binary, killing it when it outlives a time limit (a hang is a failure, not a
/// stuck test run). The limit bounds a wait for the process; the test never sleeps.
enum BoundedRun {
    struct Outcome {
        let finished: Bool
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// What the reader threads and the termination handler share; guarded by `lock`.
    private final class State: @unchecked Sendable {
        let exited = DispatchSemaphore(value: 0)
        let drained = DispatchSemaphore(value: 0)
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()

        func set(out data: Data) {
            lock.withLock { out = data }
            drained.signal()
        }

        func set(err data: Data) {
            lock.withLock { err = data }
            drained.signal()
        }

        var output: (Data, Data) { lock.withLock { (out, err) } }
    }

    static func run(_ arguments: [String], environment: [String: String], limit: Duration) throws -> Outcome {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLITests.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let state = State()
        process.terminationHandler = { _ in state.exited.signal() }
        try process.run()
        // Both pipes are drained on their own threads, so a large output cannot block the child and
        // a hung child cannot block the test.
        let outReader = Thread { state.set(out: out.fileHandleForReading.readDataToEndOfFile()) }
        let errReader = Thread { state.set(err: err.fileHandleForReading.readDataToEndOfFile()) }
        outReader.start()
        errReader.start()
        let finished = state.exited.wait(timeout: .now() + Double(limit.components.seconds)) == .success
        if !finished {
            kill(process.processIdentifier, SIGKILL)
            state.exited.wait()
        }
        // A grandchild (an exec plugin) could hold the pipes open after a kill; do not wait for it forever.
        _ = state.drained.wait(timeout: .now() + 5)
        _ = state.drained.wait(timeout: .now() + 5)
        let (outData, errData) = state.output
        return Outcome(
            finished: finished, status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}
