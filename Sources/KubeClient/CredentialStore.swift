import Foundation

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
