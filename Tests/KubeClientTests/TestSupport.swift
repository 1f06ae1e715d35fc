import Foundation
import Testing

@testable import KubeClient

/// Paths to committed fixtures.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }
    static func base64(_ name: String) throws -> String { try data(name).base64EncodedString() }
}

/// A fresh temporary directory, removed when the value is released.
final class TempDirectory: @unchecked Sendable {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("kubeclient-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: file)
        return file.path
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The scripted loopback API server (`Fixtures/test_apiserver.py`) on port 0. It exits when this
/// object is released, because its stdin closes.
final class TestServer: @unchecked Sendable {
    enum TLS {
        case none
        case serverOnly
        case mutual
    }

    let port: Int
    private let process: Process
    private let input: Pipe
    private let temp: TempDirectory
    private let logPath: String
    let tls: TLS

    /// `http://127.0.0.1:PORT` or `https://localhost:PORT` (the test certificate names localhost).
    var url: String { tls == .none ? "http://127.0.0.1:\(port)" : "https://localhost:\(port)" }

    init(_ responses: [JSONValue], default fallback: JSONValue? = nil, tls: TLS = .none) throws {
        temp = try TempDirectory()
        var script: JSONValue = ["responses": .array(responses)]
        if let fallback { script["default"] = fallback }
        let scriptPath = try temp.write("script.json", String(decoding: script.encoded(), as: UTF8.self))
        logPath = temp.url.appendingPathComponent("requests.jsonl").path
        self.tls = tls
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", Fixtures.path("test_apiserver.py"), scriptPath, logPath]
        if tls != .none {
            arguments += ["--tls", Fixtures.path("certs/server.crt"), Fixtures.path("certs/server.key")]
        }
        if tls == .mutual { arguments += ["--client-ca", Fixtures.path("certs/ca.crt")] }
        process.arguments = arguments
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first, line.hasPrefix("PORT "), let port = Int(line.dropFirst(5))
        else {
            throw TestFailure("test server did not start: \(text)")
        }
        self.port = port
    }

    /// Returns once the server has logged a request: a signal, not a timed sleep.
    func waitForFirstRequest() async throws {
        while try requests().isEmpty {
            try Task.checkCancellation()
            await Task.yield()
        }
    }

    /// The requests the server received, in order.
    func requests() throws -> [JSONValue] {
        guard let data = FileManager.default.contents(atPath: logPath) else { return [] }
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
            try JSONValue(data: Data($0.utf8))
        }
    }

    /// Starts a server on a dedicated thread: waiting for python to print its port blocks, and
    /// blocking the cooperative pool would stall every other test running in parallel.
    static func start(_ responses: [JSONValue], default fallback: JSONValue? = nil, tls: TLS = .none) async throws
        -> TestServer
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(with: Result { try TestServer(responses, default: fallback, tls: tls) })
            }.start()
        }
    }

    deinit {
        // Closing stdin makes the server exit on its own; no need to wait for it here.
        try? input.fileHandleForWriting.close()
        process.terminate()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Records the delays a client asked for instead of sleeping.
final class SleepRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [Duration] = []

    var delays: [Duration] { lock.withLock { recorded } }

    var policy: RetryPolicy { policy() }

    func policy(maxAttempts: Int = 5) -> RetryPolicy {
        RetryPolicy(
            maxAttempts: maxAttempts,
            sleep: { [self] delay in
                lock.withLock { recorded.append(delay) }
                try Task.checkCancellation()
            }, random: { 0.5 })
    }
}

/// Collects log lines and warnings.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var lines: [String] { lock.withLock { stored } }
    func append(_ line: String) { lock.withLock { stored.append(line) } }
}

/// Common JSON bodies.
enum Bodies {
    static func pod(_ name: String, resourceVersion: String = "1") -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": "default", "resourceVersion": .string(resourceVersion),
                "uid": .string("uid-\(name)"),
            ],
        ]
    }

    static func status(_ code: Int64, reason: String, message: String, details: JSONValue? = nil) -> JSONValue {
        var value: JSONValue = [
            "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": .integer(code),
            "reason": .string(reason), "message": .string(message),
        ]
        if let details { value["details"] = details }
        return value
    }

    static func list(_ items: [JSONValue], resourceVersion: String, continueToken: String? = nil) -> JSONValue {
        var metadata: JSONValue = ["resourceVersion": .string(resourceVersion)]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        return ["kind": "PodList", "apiVersion": "v1", "metadata": metadata, "items": .array(items)]
    }

    static func ok(_ body: JSONValue) -> JSONValue { ["status": 200, "body": body] }

    static func event(_ type: String, _ object: JSONValue) -> String {
        String(decoding: (["type": .string(type), "object": object] as JSONValue).encoded(), as: UTF8.self) + "\n"
    }
}

/// A client for a plain connection to `server` with a recording sleeper.
func makeClient(
    server: String, credentials: Credentials = Credentials(), transport: TransportConfiguration? = nil,
    sleeper: SleepRecorder = SleepRecorder(), maxAttempts: Int = 5,
    logger: (@Sendable (RequestLogEntry) -> Void)? = nil,
    execRunner: @escaping ExecRunner = ProcessExecRunner.make()
) -> KubeClient {
    let connection = ClusterConnection(
        server: server, namespace: "default",
        transport: transport ?? TransportConfiguration(connectTimeout: .seconds(5)), credentials: credentials)
    return KubeClient(
        connection: connection, retry: sleeper.policy(maxAttempts: maxAttempts),
        execRunner: execRunner, logger: logger, warn: { _ in })
}

/// A loopback port nothing listens on: bound to port 0, then closed without listening.
func unusedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw TestFailure("bind failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
