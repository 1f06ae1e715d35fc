import Foundation
import VitessModel

/// The Kubernetes API client vtop-rollout uses for every cluster call: typed operations over generic
/// objects, authenticated the way the kubeconfig says, retried within bounds, and logged without
/// secrets.
public final class KubeClient: ClusterAPI {
    /// `vtop-rollout/VERSION`, sent on every request.
    public static let userAgent = "vtop-rollout/\(ToolVersion.current)"

    /// The resolved connection (server, namespace, TLS settings, auth method).
    public let connection: ClusterConnection
    /// The namespace the user selected.
    public var defaultNamespace: String { connection.namespace }

    private let transport: any HTTPTransport
    private let credentials: CredentialStore
    private let retry: RetryPolicy
    private let logger: (@Sendable (RequestLogEntry) -> Void)?

    /// Builds a client.
    /// - Parameters:
    ///   - connection: from `ConnectionLoader.load`.
    ///   - transport: nil uses libcurl with the connection's TLS and proxy settings.
    ///   - retry: backoff, sleeping and jitter.
    ///   - execRunner: how exec credential plugins run.
    ///   - now: the clock for exec credential expiry.
    ///   - logger: receives one entry per HTTP attempt (`-v`); entries never hold credentials.
    ///   - warn: receives the connection's warnings once, such as insecure TLS.
    public init(
        connection: ClusterConnection, transport: (any HTTPTransport)? = nil,
        retry: RetryPolicy = RetryPolicy(), execRunner: @escaping ExecRunner = ProcessExecRunner.make(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: (@Sendable (RequestLogEntry) -> Void)? = nil,
        warn: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    ) {
        self.connection = connection
        self.transport = transport ?? CurlTransport(configuration: connection.transport)
        self.credentials = CredentialStore(credentials: connection.credentials, runExec: execRunner, now: now)
        self.retry = retry
        self.logger = logger
        for warning in connection.warnings { warn(warning) }
    }

    /// Loads the kubeconfig (or in-cluster configuration) the way kubectl would and builds a client:
    /// the one call the CLI makes. With `verbose`, each request is logged on standard error.
    public static func connect(
        options: ConnectionOptions, verbose: Bool = false, environment: LoaderEnvironment = .process
    ) throws -> KubeClient {
        let connection = try ConnectionLoader.load(options: options, environment: environment)
        return KubeClient(connection: connection, logger: verbose ? RequestLogEntry.standardError : nil)
    }

    // MARK: - ClusterAPI

    /// Reads one object.
    public func get(_ kind: ResourceKind, namespace: String?, name: String) async throws -> KubeObject {
        let namespace = scope(kind, namespace)
        let context = context("get", kind, namespace, name)
        let body = try await call(context, method: "GET", path: kind.objectPath(namespace: namespace, name: name))
        return KubeObject(try decode(body))
    }

    /// Reads one page of objects; a nil namespace on a namespaced kind lists all namespaces.
    public func list(_ kind: ResourceKind, namespace: String?, options: ListOptions) async throws -> KubeList {
        var query: [(String, String)] = []
        if let selector = options.labelSelector { query.append(("labelSelector", selector)) }
        if let selector = options.fieldSelector { query.append(("fieldSelector", selector)) }
        if let limit = options.limit { query.append(("limit", String(limit))) }
        if let token = options.continueToken { query.append(("continue", token)) }
        let context = context("list", kind, namespace, nil)
        let body = try await call(context, method: "GET", path: kind.collectionPath(namespace: namespace), query: query)
        return KubeList(json: try decode(body))
    }

    /// Patches one object with a JSON merge patch or a JSON patch.
    public func patch(_ kind: ResourceKind, namespace: String?, name: String, patch: Patch) async throws
        -> KubeObject
    {
        let namespace = scope(kind, namespace)
        let context = context("patch", kind, namespace, name)
        let body = try await call(
            context, method: "PATCH", path: kind.objectPath(namespace: namespace, name: name),
            body: patch.body, contentType: patch.contentType)
        return KubeObject(try decode(body))
    }

    /// Creates an object in `namespace` (or the object's own, or the default).
    public func create(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject {
        let namespace = scope(kind, namespace ?? object.namespace)
        let context = context("create", kind, namespace, object.name)
        let body = try await call(
            context, method: "POST", path: kind.collectionPath(namespace: namespace),
            body: object.json.encoded(), contentType: "application/json")
        return KubeObject(try decode(body))
    }

    /// Replaces an object; the server rejects it with `conflict` if `resourceVersion` is stale.
    public func update(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject {
        let namespace = scope(kind, namespace ?? object.namespace)
        let context = context("update", kind, namespace, object.name)
        let body = try await call(
            context, method: "PUT",
            path: kind.objectPath(namespace: namespace, name: object.name),
            body: object.json.encoded(), contentType: "application/json")
        return KubeObject(try decode(body))
    }

    /// GETs a path from a Pod through the API server's Pod proxy (the `proxy` subresource of Pods).
    public func proxyGet(namespace: String?, pod: String, port: Int, path: String) async throws -> Data {
        let namespace = scope(.pod, namespace)
        let context = context("get", .pod, namespace, "\(pod)/proxy")
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        return try await call(
            context, method: "GET",
            path: ResourceKind.pod.objectPath(namespace: namespace, name: "\(pod):\(port)") + "/proxy/\(trimmed)")
    }

    /// Deletes an object.
    public func delete(_ kind: ResourceKind, namespace: String?, name: String) async throws {
        let namespace = scope(kind, namespace)
        let context = context("delete", kind, namespace, name)
        _ = try await call(context, method: "DELETE", path: kind.objectPath(namespace: namespace, name: name))
    }

    /// Watches objects. Without a starting `resourceVersion` it lists first and yields `.relisted`
    /// with the current state. It reconnects when the server ends a watch, and relists on 410 Gone.
    public func watch(_ kind: ResourceKind, namespace: String?, options: WatchOptions)
        -> AsyncThrowingStream<WatchEvent, any Error>
    {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await self.runWatch(kind, namespace: namespace, options: options, continuation: continuation)
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: - Watch

    private func runWatch(
        _ kind: ResourceKind, namespace: String?, options: WatchOptions,
        continuation: AsyncThrowingStream<WatchEvent, any Error>.Continuation
    ) async throws {
        let listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector)
        func relist() async throws -> String {
            let list = try await listAll(kind, namespace: namespace, options: listOptions)
            continuation.yield(.relisted(items: list.items, resourceVersion: list.resourceVersion))
            return list.resourceVersion
        }
        var resourceVersion: String
        if let start = options.resourceVersion {
            resourceVersion = start
        } else {
            resourceVersion = try await relist()
        }
        var quietReconnects = 0
        while !Task.isCancelled {
            var query: [(String, String)] = [
                ("watch", "1"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(options.timeoutSeconds)),
            ]
            if !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
            if let selector = options.labelSelector { query.append(("labelSelector", selector)) }
            if let selector = options.fieldSelector { query.append(("fieldSelector", selector)) }
            let context = context("watch", kind, namespace, nil)
            var sawEvent = false
            do {
                let response = try await start(
                    context, method: "GET", path: kind.collectionPath(namespace: namespace), query: query,
                    timeout: nil, idleTimeout: .seconds(options.timeoutSeconds + 60))
                var lines = LineSplitter()
                for try await chunk in response.body {
                    for line in lines.append(chunk) {
                        sawEvent = true
                        switch try WatchEventDecoding.decode(line) {
                        case .event(let event, let version):
                            if let version { resourceVersion = version }
                            continuation.yield(event)
                        case .expired:
                            resourceVersion = try await relist()
                        case .failure(let status, let body):
                            throw KubeError.from(status: status, body: body, context: context, retryAfter: nil)
                        }
                    }
                }
            } catch KubeError.gone {
                resourceVersion = try await relist()
                sawEvent = true
            } catch let error as TransportError where error.kind == .connectionLost || error.kind == .timeout {
                // The stream broke or went silent mid-watch: reconnect from the last version seen,
                // with backoff below.
            } catch let error as KubeError {
                if case .transport(let transport) = error, transport.kind == .connectionLost {
                    // Same as above, surfaced after the start-up retries.
                } else {
                    throw error
                }
            }
            // A server ends watches after timeoutSeconds; reconnect at once after real traffic, and
            // back off when streams keep ending with nothing in them.
            if sawEvent {
                quietReconnects = 0
            } else {
                quietReconnects += 1
                try await retry.sleep(retry.delay(forRetry: min(quietReconnects, 8), retryAfterSeconds: nil))
            }
        }
    }

    // MARK: - Requests

    private func scope(_ kind: ResourceKind, _ namespace: String?) -> String? {
        kind.namespaced ? (namespace ?? connection.namespace) : nil
    }

    private func context(_ verb: String, _ kind: ResourceKind, _ namespace: String?, _ name: String?)
        -> RequestContext
    {
        RequestContext(
            verb: verb, kind: kind, namespace: kind.namespaced ? namespace : nil, name: name,
            server: URLText.origin(connection.server))
    }

    private func decode(_ body: Data) throws -> JSONValue {
        do {
            return try JSONValue(data: body)
        } catch {
            throw KubeError.malformedResponse("the body is not JSON (\(body.count) bytes)")
        }
    }

    private func call(
        _ context: RequestContext, method: String, path: String, query: [(String, String)] = [],
        body: Data? = nil, contentType: String? = nil
    ) async throws -> Data {
        let response = try await start(
            context, method: method, path: path, query: query, body: body,
            contentType: contentType, timeout: connection.transport.requestTimeout)
        var data = Data()
        do {
            for try await chunk in response.body { data.append(chunk) }
        } catch let error as TransportError {
            throw KubeError.transport(error)
        }
        // A cancelled consumer ends the body early; report the cancellation, not a truncated body.
        try Task.checkCancellation()
        return data
    }

    /// Sends one logical request: applies credentials, retries within the policy, refreshes
    /// credentials once after a 401, and returns a successful response whose body is still streaming.
    private func start(
        _ context: RequestContext, method: String, path: String, query: [(String, String)],
        body: Data? = nil, contentType: String? = nil, timeout: Duration?, idleTimeout: Duration? = nil
    ) async throws
        -> HTTPStreamingResponse
    {
        let url = Self.url(server: connection.server, path: path, query: query)
        let loggedURL = URLText.withoutUserInfo(url)
        var headers = [HTTPHeader("Accept", "application/json")]
        if let contentType { headers.append(HTTPHeader("Content-Type", contentType)) }
        headers += connection.credentials.impersonation?.headers ?? []
        var attempt = 0
        var waited = Duration.zero
        var refreshed = false
        let clock = ContinuousClock()
        while true {
            attempt += 1
            let applied = try await credentials.current()
            let request = HTTPRequest(
                method: method, url: url, headers: headers, body: body,
                authorization: applied.authorization,
                clientCertificate: applied.clientCertificate, timeout: timeout, idleTimeout: idleTimeout)
            let started = clock.now
            let response: HTTPStreamingResponse
            do {
                response = try await transport.execute(request)
            } catch let error as TransportError {
                logger?(
                    RequestLogEntry(
                        method: method, url: loggedURL, status: nil, latency: clock.now - started,
                        attempt: attempt, failure: error.description))
                if error.kind != .cancelled, RetryPolicy.isRetryable(error, method: method),
                    let delay = nextDelay(attempt: attempt, waited: waited, retryAfter: nil)
                {
                    waited += delay
                    try await retry.sleep(delay)
                    continue
                }
                throw KubeError.transport(error)
            }
            let status = response.head.status
            logger?(
                RequestLogEntry(
                    method: method, url: loggedURL, status: status, latency: clock.now - started,
                    attempt: attempt))
            if (200..<300).contains(status) { return response }

            var errorBody = Data()
            do {
                for try await chunk in response.body { errorBody.append(chunk) }
            } catch {
                // The error body is only used for its message; a broken one still leaves the status.
            }
            if status == 401, !refreshed, await credentials.canRefresh {
                // Exec tokens and rotated token files can be stale: fetch once more, then give up.
                refreshed = true
                await credentials.invalidate()
                continue
            }
            let retryAfter = response.head.retryAfterSeconds
            let error = KubeError.from(status: status, body: errorBody, context: context, retryAfter: retryAfter)
            if RetryPolicy.isRetryable(status: status),
                let delay = nextDelay(attempt: attempt, waited: waited, retryAfter: retryAfter)
            {
                waited += delay
                try await retry.sleep(delay)
                continue
            }
            throw error
        }
    }

    private func nextDelay(attempt: Int, waited: Duration, retryAfter: Int?) -> Duration? {
        guard attempt < retry.maxAttempts else { return nil }
        let delay = retry.delay(forRetry: attempt, retryAfterSeconds: retryAfter)
        guard waited + delay <= retry.maxTotalDelay else { return nil }
        return delay
    }

    /// Joins the server URL (which may carry a path prefix), the API path and a percent-encoded query.
    static func url(server: String, path: String, query: [(String, String)]) -> String {
        var base = server
        while base.hasSuffix("/") { base.removeLast() }
        guard !query.isEmpty else { return base + path }
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        let encoded = query.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }
        return base + path + "?" + encoded.joined(separator: "&")
    }
}
