import Foundation
import KubeClient
import RolloutEngine
import RolloutPlan

/// Runs the health checks that need I/O: `replicationLag` through the API server's Pod proxy,
/// `http` with libcurl, and `command` as an argv without a shell.
public struct HealthCheckRunner: Sendable {
    /// The cluster (for the Pod proxy).
    public let api: any ClusterAPI
    /// The namespace of the tablets.
    public let namespace: String
    /// vttablet's web port, where `/debug/vars` is served.
    public static let vttabletWebPort = 15000

    /// Creates a runner.
    public init(api: any ClusterAPI, namespace: String) {
        self.api = api
        self.namespace = namespace
    }

    /// Runs one check; failures to run it are failed checks, with the reason.
    public func run(_ check: HealthCheck, context: CheckContext) async -> CheckResult {
        switch check {
        case .replicationLag(let max): return await replicationLag(max: max, context: context)
        case .http(let http): return await Self.http(http, url: context.fill(http.url))
        case .command(let argv, let timeout):
            return await Self.command(argv, environment: context.environment, timeout: timeout)
        case .podReady, .tabletAvailable, .shardHealthy:
            return CheckResult(passed: true, detail: "answered from the cluster")
        }
    }

    // MARK: - replicationLag

    /// Reads vttablet's `/debug/vars` (Go expvar JSON) through the Pod proxy: `replicationLagSec`
    /// is the lag the tablet's replication tracker measured (vitess
    /// go/vt/vttablet/tabletserver/repltracker); `HeartbeatCurrentLagNs` is used when the tablet runs
    /// the heartbeat tracker instead. A primary has no lag.
    func replicationLag(max: PlanDuration, context: CheckContext) async -> CheckResult {
        var worst: (alias: String, seconds: Double)?
        for tablet in context.tablets where !tablet.primary {
            let data: Data
            do {
                data = try await api.proxyGet(
                    namespace: namespace, pod: tablet.pod, port: Self.vttabletWebPort, path: "/debug/vars")
            } catch {
                return CheckResult(passed: false, detail: "\(tablet.alias): cannot read /debug/vars: \(error)")
            }
            guard let seconds = Self.lagSeconds(fromVars: data) else {
                return CheckResult(
                    passed: false,
                    detail: "\(tablet.alias): /debug/vars has no replicationLagSec or HeartbeatCurrentLagNs")
            }
            if seconds > worst?.seconds ?? -1 { worst = (tablet.alias, seconds) }
        }
        guard let worst else { return CheckResult(passed: true, detail: "no replica to measure") }
        let detail = "\(worst.alias) lags \(Self.format(worst.seconds)) (max \(max))"
        return CheckResult(passed: worst.seconds <= max.seconds, detail: detail)
    }

    /// The lag in seconds from a `/debug/vars` body.
    static func lagSeconds(fromVars data: Data) -> Double? {
        guard let vars = try? JSONValue(data: data) else { return nil }
        if let seconds = vars["replicationLagSec"]?.integerValue { return Double(seconds) }
        if case .number(let seconds)? = vars["replicationLagSec"] { return seconds }
        if let nanoseconds = vars["HeartbeatCurrentLagNs"]?.integerValue { return Double(nanoseconds) / 1e9 }
        return nil
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds)
    }

    // MARK: - http

    /// GETs the URL within the check's timeout and compares the status and the body. Like curl, it
    /// goes through the proxy the environment names (`http_proxy`, `https_proxy`, `all_proxy`, and
    /// `no_proxy` for the exceptions): dashboards are often reachable only that way.
    static func http(
        _ check: HTTPCheck, url: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> CheckResult {
        let timeout = Duration.milliseconds(check.timeout.milliseconds)
        let proxy = proxySettings(for: url, environment: environment)
        let transport = CurlTransport(
            configuration: TransportConfiguration(
                proxyURL: proxy.url, noProxy: proxy.noProxy, connectTimeout: timeout, requestTimeout: timeout))
        let request = HTTPRequest(method: "GET", url: url, headers: [], timeout: timeout)
        do {
            let response = try await transport.execute(request)
            var body = Data()
            for try await chunk in response.body {
                body.append(chunk)
                if body.count > 1 << 20 { break }
            }
            let status = response.head.status
            guard status == check.expectStatus else {
                return CheckResult(passed: false, detail: "GET \(url): HTTP \(status), expected \(check.expectStatus)")
            }
            if let pattern = check.bodyMatches {
                let text = String(decoding: body, as: UTF8.self)
                guard let regex = try? NSRegularExpression(pattern: pattern) else {
                    return CheckResult(passed: false, detail: "bodyMatches is not a valid regular expression")
                }
                if regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                    return CheckResult(passed: false, detail: "GET \(url): HTTP \(status), but the body does not match")
                }
            }
            return CheckResult(passed: true, detail: "GET \(url): HTTP \(status)")
        } catch {
            return CheckResult(passed: false, detail: "GET \(url): \(error)")
        }
    }

    /// The proxy for `url` from curl's environment variables: `http_proxy` (lower case only, as curl
    /// reads it) for http, `https_proxy` or `HTTPS_PROXY` for https, else `all_proxy`/`ALL_PROXY`;
    /// `no_proxy`/`NO_PROXY` lists the hosts that bypass it.
    static func proxySettings(for url: String, environment: [String: String]) -> (url: String?, noProxy: String?) {
        func first(_ names: [String]) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        let scheme = URLComponents(string: url)?.scheme?.lowercased()
        let specific =
            scheme == "https" ? first(["https_proxy", "HTTPS_PROXY"]) : scheme == "http" ? first(["http_proxy"]) : nil
        let proxy = specific ?? first(["all_proxy", "ALL_PROXY"])
        return (proxy, proxy == nil ? nil : first(["no_proxy", "NO_PROXY"]))
    }

    // MARK: - command

    /// Runs `argv` directly (no shell: plan values are arguments, never code), with the step context
    /// in `VTOP_*` variables, killed after `timeout`. Exit 0 passes.
    static func command(_ argv: [String], environment: [String: String], timeout: PlanDuration) async -> CheckResult {
        guard let program = argv.first, let executable = resolve(program) else {
            return CheckResult(passed: false, detail: "\(argv.first ?? "?"): no such program on PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished.continuation.yield($0.terminationStatus) }
        do {
            try process.run()
        } catch {
            return CheckResult(passed: false, detail: "\(program): cannot start: \(error.localizedDescription)")
        }
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        let killer = Task.detached {
            try await Task.sleep(for: .milliseconds(timeout.milliseconds))
            process.terminate()
            try await Task.sleep(for: .seconds(2))
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        var iterator = finished.stream.makeAsyncIterator()
        let status = await iterator.next() ?? -1
        let timedOut = killer.isCancelled == false && process.terminationReason == .uncaughtSignal
        killer.cancel()
        let text = String(decoding: await reader.value, as: UTF8.self)
        let last = text.split(separator: "\n").last.map(String.init) ?? ""
        if timedOut { return CheckResult(passed: false, detail: "\(program): killed after \(timeout)") }
        return CheckResult(
            passed: status == 0,
            detail: "\(program): exit code \(status)" + (last.isEmpty ? "" : ": \(last.prefix(200))"))
    }

    /// An absolute or relative path as is; a bare name searched on PATH.
    static func resolve(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
