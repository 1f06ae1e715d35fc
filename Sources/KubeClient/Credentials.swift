import Foundation

/// How requests authenticate, as resolved from the kubeconfig. Secrets are held here and handed only
/// to the transport; the description never shows them.
public enum BearerSource: Sendable, Equatable, CustomStringConvertible {
    /// A fixed token from the kubeconfig.
    case token(String)
    /// A token file, re-read whenever it changes (service-account tokens rotate).
    case tokenFile(path: String)
    /// An exec credential plugin.
    case exec(ExecPlugin)

    /// Names the method only.
    public var description: String {
        switch self {
        case .token: return "token(<redacted>)"
        case .tokenFile(let path): return "tokenFile(\(path))"
        case .exec(let plugin): return "exec(\(plugin.command))"
        }
    }
}

/// An exec plugin invocation, ready to run.
public struct ExecPlugin: Sendable, Equatable {
    /// The user name in the kubeconfig, for messages.
    public var user: String
    /// The command: a path, or a name to look up on PATH.
    public var command: String
    /// Arguments, passed as argv (no shell).
    public var args: [String]
    /// Variables added to the inherited environment.
    public var env: [String: String]
    /// `client.authentication.k8s.io/v1` or `v1beta1`.
    public var apiVersion: String
    /// The JSON for `KUBERNETES_EXEC_INFO`.
    public var execInfo: Data
    /// Shown when the command is missing.
    public var installHint: String?
}

/// The credentials resolved for a connection.
public struct Credentials: Sendable, Equatable, CustomStringConvertible {
    /// A static client certificate from the kubeconfig.
    public var clientCertificate: ClientCertificate?
    /// A bearer token source.
    public var bearer: BearerSource?
    /// Basic-auth user and password.
    public var basic: (username: String, password: String)? {
        get { basicPair.map { ($0.username, $0.password) } }
        set { basicPair = newValue.map { BasicPair($0.username, $0.password) } }
    }
    private var basicPair: BasicPair?

    private struct BasicPair: Sendable, Equatable {
        var username: String
        var password: String
        /// Pairs a user name with its password.
        init(_ username: String, _ password: String) {
            self.username = username
            self.password = password
        }
    }

    /// Who to act as (`as`, `as-groups`, ...), sent as `Impersonate-*` headers. Not a secret.
    public var impersonation: Impersonation?

    /// Builds credentials.
    public init(
        clientCertificate: ClientCertificate? = nil, bearer: BearerSource? = nil,
        basic: (username: String, password: String)? = nil, impersonation: Impersonation? = nil
    ) {
        self.clientCertificate = clientCertificate
        self.bearer = bearer
        self.basic = basic
        self.impersonation = impersonation
    }

    /// Names the methods only.
    public var description: String {
        var parts: [String] = []
        if clientCertificate != nil { parts.append("clientCertificate") }
        if let bearer { parts.append(bearer.description) }
        if basicPair != nil { parts.append("basic(<redacted>)") }
        if let impersonation { parts.append("as(\(impersonation.user))") }
        return "Credentials(\(parts.isEmpty ? "anonymous" : parts.joined(separator: ", ")))"
    }
}

/// Kubernetes user impersonation from the kubeconfig's `as` fields.
public struct Impersonation: Sendable, Equatable {
    /// The user name to act as.
    public var user: String
    /// The UID to act as.
    public var uid: String?
    /// The groups to act as.
    public var groups: [String]
    /// Extra user fields.
    public var extra: [String: [String]]

    /// Builds an impersonation.
    public init(user: String, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
        self.user = user
        self.uid = uid
        self.groups = groups
        self.extra = extra
    }

    /// The `Impersonate-*` headers, in a stable order.
    var headers: [HTTPHeader] {
        var headers = [HTTPHeader("Impersonate-User", user)]
        if let uid { headers.append(HTTPHeader("Impersonate-Uid", uid)) }
        headers += groups.map { HTTPHeader("Impersonate-Group", $0) }
        for key in extra.keys.sorted() {
            let name = key.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? key
            headers += (extra[key] ?? []).map { HTTPHeader("Impersonate-Extra-\(name)", $0) }
        }
        return headers
    }
}

/// What one request carries: the header value and an optional client certificate.
struct AppliedCredentials: Sendable {
    /// The `Authorization` header value, if any.
    var authorization: String?
    /// The client certificate to present, if any.
    var clientCertificate: ClientCertificate?
}

/// Runs an exec plugin and returns its stdout. Injectable so tests and the engine can replace it.
public typealias ExecRunner = @Sendable (ExecPlugin) async throws -> Data

/// Supplies credentials for each request: caches exec tokens until they expire, re-reads token files
/// when they change, and refreshes once after a 401.
actor CredentialStore {
    private let credentials: Credentials
    private let runExec: ExecRunner
    private let now: @Sendable () -> Date
    private var cachedExec: (token: String?, certificate: ClientCertificate?, expiry: Date?)?
    private var execInFlight: Task<(token: String?, certificate: ClientCertificate?, expiry: Date?), any Error>?
    private var cachedFile: (token: String, modified: Date?, size: Int)?

    /// Builds a store over resolved credentials; `now` decides whether an exec token has expired.
    init(credentials: Credentials, runExec: @escaping ExecRunner, now: @escaping @Sendable () -> Date) {
        self.credentials = credentials
        self.runExec = runExec
        self.now = now
    }

    /// Whether a 401 might be fixed by fetching the credentials again.
    var canRefresh: Bool {
        switch credentials.bearer {
        case .exec, .tokenFile: return true
        default: return false
        }
    }

    /// Drops cached credentials so the next request fetches new ones.
    func invalidate() {
        cachedExec = nil
        execInFlight = nil
        cachedFile = nil
    }

    /// The credentials for the next request, running the exec plugin or re-reading the token file when needed.
    func current() async throws -> AppliedCredentials {
        var applied = AppliedCredentials(authorization: nil, clientCertificate: credentials.clientCertificate)
        if let basic = credentials.basic {
            applied.authorization = "Basic " + Data("\(basic.username):\(basic.password)".utf8).base64EncodedString()
        }
        switch credentials.bearer {
        case .token(let token):
            applied.authorization = "Bearer \(token)"
        case .tokenFile(let path):
            applied.authorization = "Bearer \(try readTokenFile(path))"
        case .exec(let plugin):
            let (token, certificate) = try await execCredentials(plugin)
            if let token { applied.authorization = "Bearer \(token)" }
            if let certificate { applied.clientCertificate = certificate }
        case nil:
            break
        }
        return applied
    }

    private func readTokenFile(_ path: String) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let modified = attributes?[.modificationDate] as? Date
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
        if let cached = cachedFile, cached.modified == modified, cached.size == size {
            return cached.token
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw KubeconfigError.fileReference(
                field: "tokenFile", owner: "the current user", path: path, reason: FileText.reason(error))
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        cachedFile = (token, modified, size)
        return token
    }

    private func execCredentials(_ plugin: ExecPlugin) async throws -> (String?, ClientCertificate?) {
        if let cached = cachedExec, cached.expiry.map({ $0 > now() }) ?? true {
            return (cached.token, cached.certificate)
        }
        // Requests that arrive while the plugin runs wait for that run instead of starting another:
        // an actor is re-entrant across `await`, and a login prompt twice over would be a bug.
        let task: Task<(token: String?, certificate: ClientCertificate?, expiry: Date?), any Error>
        if let running = execInFlight {
            task = running
        } else {
            let runExec = self.runExec
            task = Task { try ExecCredentialOutput.parse(try await runExec(plugin), plugin: plugin) }
            execInFlight = task
        }
        defer { execInFlight = nil }
        let parsed = try await task.value
        cachedExec = parsed
        return (parsed.token, parsed.certificate)
    }
}

/// Decodes an ExecCredential printed by a plugin.
enum ExecCredentialOutput {
    /// Validates the plugin output and returns the token or certificate with its expiry.
    static func parse(_ output: Data, plugin: ExecPlugin) throws
        -> (token: String?, certificate: ClientCertificate?, expiry: Date?)
    {
        func invalid(_ detail: String) -> KubeconfigError {
            .execInvalidOutput(user: plugin.user, command: plugin.command, detail: detail)
        }
        guard let json = try? JSONValue(data: output) else { throw invalid("output is not JSON") }
        guard json["kind"]?.stringValue == "ExecCredential" else { throw invalid("kind is not ExecCredential") }
        if let version = json["apiVersion"]?.stringValue, version != plugin.apiVersion {
            throw invalid("apiVersion is \(version), the kubeconfig asked for \(plugin.apiVersion)")
        }
        let status = json["status"]
        let token = status?["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var certificate: ClientCertificate?
        if let cert = status?["clientCertificateData"]?.stringValue, let key = status?["clientKeyData"]?.stringValue {
            certificate = ClientCertificate(certificatePEM: Data(cert.utf8), keyPEM: Data(key.utf8))
        }
        if token == nil && certificate == nil {
            throw invalid("status has neither a token nor a client certificate and key")
        }
        var expiry: Date?
        if let text = status?["expirationTimestamp"]?.stringValue {
            expiry = RFC3339.parse(text)
            if expiry == nil { throw invalid("expirationTimestamp '\(text)' is not RFC 3339") }
        }
        return (token, certificate, expiry)
    }
}

/// RFC 3339 timestamps as Kubernetes writes them.
enum RFC3339 {
    /// Parses an RFC 3339 timestamp, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Short reasons for file errors.
enum FileText {
    /// A lower-case reason such as "no such file or directory".
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let text = strerror(Int32(underlying.code))
        {
            return String(cString: text).lowercased()
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError {
            return "no such file or directory"
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return nsError.localizedDescription
    }
}

/// Runs exec plugins as argv with `Process`, on a dedicated thread (it blocks), never through a shell.
public enum ProcessExecRunner {
    /// Runs the plugin with the inherited environment plus `env` and `KUBERNETES_EXEC_INFO`. Its
    /// standard error goes to ours, as kubectl does, so login prompts and failures stay visible.
    public static func make(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ExecRunner {
        { plugin in
            guard let executable = locate(plugin.command, path: environment["PATH"] ?? "/usr/bin:/bin") else {
                throw KubeconfigError.execNotFound(
                    user: plugin.user, command: plugin.command, installHint: plugin.installHint)
            }
            var env = environment
            for (name, value) in plugin.env { env[name] = value }
            env["KUBERNETES_EXEC_INFO"] = String(decoding: plugin.execInfo, as: UTF8.self)
            let finalEnv = env
            return try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    continuation.resume(
                        with: Result {
                            try runBlocking(executable: executable, plugin: plugin, environment: finalEnv)
                        })
                }
                thread.name = "vtop-exec-plugin"
                thread.start()
            }
        }
    }

    private static func runBlocking(executable: String, plugin: ExecPlugin, environment: [String: String]) throws
        -> Data
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = plugin.args
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw KubeconfigError.execNotFound(
                user: plugin.user, command: plugin.command, installHint: plugin.installHint)
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KubeconfigError.execFailed(
                user: plugin.user, command: plugin.command,
                exitCode: process.terminationStatus)
        }
        return output
    }

    private static func locate(_ command: String, path: String) -> String? {
        let fileManager = FileManager.default
        if command.contains("/") {
            return fileManager.isExecutableFile(atPath: command) ? command : nil
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command)"
            if fileManager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
