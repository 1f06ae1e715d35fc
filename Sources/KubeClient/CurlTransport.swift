import CCurl
import Foundation

/// Connection settings shared by every request to one API server.
public struct TransportConfiguration: Sendable, CustomStringConvertible {
    /// PEM CA bundle to verify the server with; nil uses the system trust store.
    public var certificateAuthorityPEM: Data?
    /// The name to verify the server certificate against (kubeconfig `tls-server-name`).
    public var tlsServerName: String?
    /// Skips server verification. Only set when the kubeconfig asks for it.
    public var insecureSkipTLSVerify: Bool
    /// The proxy URL, or nil for a direct connection.
    public var proxyURL: String?
    /// Hosts that bypass the proxy, in `NO_PROXY` syntax.
    public var noProxy: String?
    /// How long a TCP + TLS connect may take.
    public var connectTimeout: Duration
    /// How long one non-watch request may take in total.
    public var requestTimeout: Duration
    /// The `User-Agent` header.
    public var userAgent: String

    /// Builds transport settings.
    public init(
        certificateAuthorityPEM: Data? = nil, tlsServerName: String? = nil,
        insecureSkipTLSVerify: Bool = false, proxyURL: String? = nil, noProxy: String? = nil,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60),
        userAgent: String = KubeClient.userAgent
    ) {
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.tlsServerName = tlsServerName
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.proxyURL = proxyURL
        self.noProxy = noProxy
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.userAgent = userAgent
    }

    /// A summary without the proxy's credentials, if its URL has any.
    public var description: String {
        "TransportConfiguration(ca: \(certificateAuthorityPEM == nil ? "system" : "inline"), "
            + "tlsServerName: \(tlsServerName ?? "-"), insecure: \(insecureSkipTLSVerify), "
            + "proxy: \(proxyURL.map(URLText.withoutUserInfo) ?? "none"))"
    }
}

/// `HTTPTransport` over libcurl easy handles. Each transfer runs `curl_easy_perform` on its own
/// thread, because it blocks, and the Swift concurrency pool must never be blocked.
public struct CurlTransport: HTTPTransport {
    /// The settings every request uses.
    public let configuration: TransportConfiguration
    private let pool = CurlHandlePool()

    /// Builds a transport.
    public init(configuration: TransportConfiguration) {
        CurlGlobal.initialize()
        self.configuration = configuration
    }

    /// Starts the transfer on a dedicated thread and returns when the response head has arrived.
    public func execute(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        let (body, bodyContinuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        let transfer = CurlTransfer(
            request: request, configuration: configuration, pool: pool, body: bodyContinuation)
        bodyContinuation.onTermination = { termination in
            if case .cancelled = termination { transfer.cancel() }
        }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<HTTPResponseHead, any Error>) in
                transfer.start(head: continuation)
            }
        } onCancel: {
            transfer.cancel()
        }
        return HTTPStreamingResponse(head: head, body: body)
    }
}

/// Idle libcurl multi handles. Each owns a connection cache, so a later request to the same server
/// reuses an open TCP and TLS connection instead of handshaking again.
final class CurlHandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []
    private let capacity = 8

    /// An idle handle, or a new one.
    func take() -> UnsafeMutableRawPointer? {
        lock.withLock { idle.popLast() } ?? curl_multi_init()
    }

    /// Returns a handle for reuse, or cleans it up when it should not be reused or the pool is full.
    func giveBack(_ multi: UnsafeMutableRawPointer, reusable: Bool) {
        let kept =
            reusable
            && lock.withLock {
                guard idle.count < capacity else { return false }
                idle.append(multi)
                return true
            }
        if !kept { _ = curl_multi_cleanup(multi) }
    }

    deinit {
        for multi in idle { _ = curl_multi_cleanup(multi) }
    }
}

/// Initializes libcurl once per process, before any thread uses it.
enum CurlGlobal {
    // A lazily initialized global is thread-safe in Swift; curl_global_init must run exactly once.
    private static let done: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    /// Runs `curl_global_init` if it has not run yet.
    static func initialize() {
        _ = done
    }
}

/// One libcurl transfer: its thread, callbacks and hand-off to async code. Mutable state is guarded
/// by `lock`, because callbacks run on the transfer thread and cancellation on any thread.
final class CurlTransfer: @unchecked Sendable {
    private let request: HTTPRequest
    private let configuration: TransportConfiguration
    private let pool: CurlHandlePool
    private let body: AsyncThrowingStream<Data, any Error>.Continuation
    private let lock = NSLock()
    private var headContinuation: CheckedContinuation<HTTPResponseHead, any Error>?
    private var cancelled = false
    private var multi: UnsafeMutableRawPointer?
    private var status = 0
    private var headers: [String: String] = [:]

    /// Prepares a transfer; nothing happens until `start`.
    init(
        request: HTTPRequest, configuration: TransportConfiguration, pool: CurlHandlePool,
        body: AsyncThrowingStream<Data, any Error>.Continuation
    ) {
        self.request = request
        self.configuration = configuration
        self.pool = pool
        self.body = body
    }

    /// Starts the transfer thread; `head` is resumed once with the response head or an error.
    func start(head: CheckedContinuation<HTTPResponseHead, any Error>) {
        lock.withLock { headContinuation = head }
        let thread = Thread { [self] in run() }
        thread.name = "vtop-curl"
        thread.start()
    }

    /// Marks the transfer cancelled and wakes its poll loop, so it stops at once rather than at
    /// libcurl's next once-a-second progress callback.
    func cancel() {
        lock.withLock {
            cancelled = true
            // Under the lock: `run` clears `multi` under the same lock before cleaning it up.
            if let multi { _ = curl_multi_wakeup(multi) }
        }
    }

    /// Whether `cancel` was called.
    var isCancelled: Bool { lock.withLock { cancelled } }

    // MARK: - Callbacks (transfer thread)

    fileprivate func receiveHeader(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        lock.withLock {
            if trimmed.hasPrefix("HTTP/") {
                // A new status line starts a new header block (1xx, proxy CONNECT, redirects).
                let parts = trimmed.split(separator: " ", maxSplits: 2)
                status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
                headers = [:]
            } else if let colon = trimmed.firstIndex(of: ":") {
                let name = trimmed[..<colon].lowercased()
                let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                headers[name] = value
            }
        }
    }

    fileprivate func receiveBody(_ data: Data) -> Bool {
        if isCancelled { return false }
        deliverHead()
        body.yield(data)
        return true
    }

    /// Resumes the caller with the head once; later calls do nothing.
    private func deliverHead() {
        let pending: (CheckedContinuation<HTTPResponseHead, any Error>, HTTPResponseHead)? = lock.withLock {
            guard let continuation = headContinuation else { return nil }
            headContinuation = nil
            return (continuation, HTTPResponseHead(status: status, headers: headers))
        }
        if let (continuation, head) = pending { continuation.resume(returning: head) }
    }

    private func fail(_ error: TransportError) {
        let continuation: CheckedContinuation<HTTPResponseHead, any Error>? = lock.withLock {
            defer { headContinuation = nil }
            return headContinuation
        }
        if let continuation {
            continuation.resume(throwing: error)
            body.finish()
        } else {
            body.finish(throwing: error)
        }
    }

    // MARK: - Transfer

    private func run() {
        guard let handle = curl_easy_init() else {
            fail(
                TransportError(
                    kind: .other, url: URLText.withoutUserInfo(request.url),
                    reason: "libcurl could not create a handle", curlCode: -1))
            return
        }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        var headerList: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_easy_cleanup(handle)
            curl_slist_free_all(headerList)
            curl_slist_free_all(connectTo)
            errorBuffer.deallocate()
        }

        let unmanaged = Unmanaged.passRetained(self)
        defer { unmanaged.release() }
        let context = unmanaged.toOpaque()

        var url = request.url
        var extraHeaders = request.headers
        if let serverName = configuration.tlsServerName, !serverName.isEmpty,
            let rewritten = URLText.redirectingTLSName(url: url, serverName: serverName)
        {
            // libcurl has no separate SNI/verify-name option: ask for the TLS name in the URL and
            // use CONNECT_TO to reach the real address, keeping the original Host header.
            url = rewritten.url
            connectTo = curl_slist_append(connectTo, rewritten.connectTo)
            extraHeaders.append(HTTPHeader("Host", rewritten.hostHeader))
        }

        _ = vtop_curl_setopt_string(handle, CURLOPT_URL, url)
        _ = vtop_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = vtop_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = vtop_curl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        _ = vtop_curl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = vtop_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = vtop_curl_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent)
        _ = vtop_curl_setopt_long(
            handle, CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout.milliseconds))
        if let timeout = request.timeout {
            _ = vtop_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds))
        }
        if let idle = request.idleTimeout {
            // "Slower than 1 byte per second for this long" is libcurl's idle timeout.
            _ = vtop_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = vtop_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(idle.milliseconds / 1000)))
        }
        if let connectTo {
            _ = vtop_curl_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)
        }

        // Proxy: always explicit, so libcurl never reads the environment behind our back; the
        // environment was already consulted, the way kubectl does, when the configuration was built.
        _ = vtop_curl_setopt_string(handle, CURLOPT_PROXY, configuration.proxyURL ?? "")
        if let noProxy = configuration.noProxy, !noProxy.isEmpty {
            _ = vtop_curl_setopt_string(handle, CURLOPT_NOPROXY, noProxy)
        }

        // TLS: CA, certificate and key go in as in-memory blobs (copied by libcurl).
        if configuration.insecureSkipTLSVerify {
            _ = vtop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            _ = vtop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        } else {
            _ = vtop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
            _ = vtop_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
            if let ca = configuration.certificateAuthorityPEM {
                Self.setBlob(handle, CURLOPT_CAINFO_BLOB, ca)
            }
        }
        if let certificate = request.clientCertificate {
            _ = vtop_curl_setopt_string(handle, CURLOPT_SSLCERTTYPE, "PEM")
            Self.setBlob(handle, CURLOPT_SSLCERT_BLOB, certificate.certificatePEM)
            _ = vtop_curl_setopt_string(handle, CURLOPT_SSLKEYTYPE, "PEM")
            Self.setBlob(handle, CURLOPT_SSLKEY_BLOB, certificate.keyPEM)
        }

        // Headers. "Expect:" stops libcurl from waiting for 100-continue on larger bodies.
        var lines = extraHeaders.map { "\($0.name): \($0.value)" }
        lines.append("Expect:")
        if let authorization = request.authorization {
            lines.append("Authorization: \(authorization)")
        }
        for line in lines {
            // A stray newline in a token or header value must not start a second header.
            let safe = line.filter { $0 != "\r" && $0 != "\n" }
            headerList = curl_slist_append(headerList, safe)
        }
        _ = vtop_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)

        // Method and body.
        switch request.method {
        case "GET":
            _ = vtop_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        default:
            _ = vtop_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        }
        if let body = request.body {
            _ = vtop_curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this call.
                _ = vtop_curl_setopt_pointer(
                    handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
            }
        }

        // Callbacks.
        _ = vtop_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = vtop_curl_setopt_write_function(handle) { buffer, size, count, userdata in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard let buffer, length > 0 else { return length }
            let data = Data(bytes: buffer, count: length)
            return transfer.receiveBody(data) ? length : 0
        }
        _ = vtop_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = vtop_curl_setopt_header_function(handle) { buffer, size, count, userdata in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            if let buffer, length > 0 {
                let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
                transfer.receiveHeader(line)
            }
            return length
        }
        _ = vtop_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = vtop_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
        _ = vtop_curl_setopt_xferinfo_function(handle) { userdata, _, _, _, _ in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
            return transfer.isCancelled ? 1 : 0
        }

        let code = perform(handle)
        if code == CURLE_OK {
            deliverHead()
            body.finish()
            return
        }
        var osErrno = 0
        _ = vtop_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
        let detail = String(cString: errorBuffer)
        fail(Self.error(code: code, osErrno: osErrno, detail: detail, url: request.url, cancelled: isCancelled))
    }

    /// Runs the transfer on a private multi handle: the same blocking loop as `curl_easy_perform`,
    /// but `curl_multi_wakeup` can interrupt its wait from another thread when the task is cancelled.
    private func perform(_ handle: UnsafeMutableRawPointer) -> CURLcode {
        guard let multiHandle = pool.take() else { return curl_easy_perform(handle) }
        _ = curl_multi_add_handle(multiHandle, handle)
        lock.withLock { multi = multiHandle }
        defer {
            lock.withLock { multi = nil }
            _ = curl_multi_remove_handle(multiHandle, handle)
            // A cancelled transfer may leave a half-used connection behind: drop it with its cache.
            pool.giveBack(multiHandle, reusable: !isCancelled)
        }
        var running: Int32 = 1
        while running > 0 {
            if isCancelled { return CURLE_ABORTED_BY_CALLBACK }
            guard curl_multi_perform(multiHandle, &running) == CURLM_OK else { return CURLE_FAILED_INIT }
            if running > 0 {
                _ = curl_multi_poll(multiHandle, nil, 0, 1000, nil)
            }
        }
        var remaining: Int32 = 0
        var result = CURLE_OK
        while let message = curl_multi_info_read(multiHandle, &remaining) {
            if message.pointee.msg == CURLMSG_DONE { result = message.pointee.data.result }
        }
        return isCancelled && result != CURLE_OK ? CURLE_ABORTED_BY_CALLBACK : result
    }

    private static func setBlob(_ handle: UnsafeMutableRawPointer, _ option: CURLoption, _ data: Data) {
        data.withUnsafeBytes { bytes in
            _ = vtop_curl_setopt_blob(handle, option, bytes.baseAddress, bytes.count)
        }
    }

    /// Maps a libcurl failure to a `TransportError` with a sentence a user can act on.
    static func error(code: CURLcode, osErrno: Int, detail: String, url: String, cancelled: Bool) -> TransportError {
        let shownURL = URLText.origin(url)
        let curlText = String(cString: curl_easy_strerror(code))
        let raw = Int(code.rawValue)
        var reason = detail.isEmpty ? curlText : detail
        let kind: TransportError.Kind
        switch code {
        case CURLE_ABORTED_BY_CALLBACK where cancelled, CURLE_WRITE_ERROR where cancelled:
            kind = .cancelled
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .resolve
            reason = "could not resolve host (\(reason))"
        case CURLE_COULDNT_CONNECT:
            kind = .connect
            if osErrno != 0, let text = strerror(Int32(osErrno)) {
                reason = String(cString: text).lowercased()
            }
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE, CURLE_HTTP2,
            CURLE_HTTP2_STREAM:
            kind = .connectionLost
            if code == CURLE_GOT_NOTHING { reason = "the server closed the connection without a response" }
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE:
            kind = .tls
        default:
            kind = .other
        }
        return TransportError(kind: kind, url: shownURL, reason: reason, curlCode: raw)
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Seconds as a floating-point value.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

/// URL helpers that keep credentials out of messages.
enum URLText {
    /// The URL without any `user:password@` part.
    static func withoutUserInfo(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        if components.user == nil && components.password == nil { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }

    /// `scheme://host:port`, the part of a URL a connection error is about.
    static func origin(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme,
            let host = components.percentEncodedHost
        else { return withoutUserInfo(url) }
        let port = components.port.map { ":\($0)" } ?? ""
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost)\(port)"
    }

    /// For `tls-server-name`: the URL with the TLS name as host, the CONNECT_TO entry that routes
    /// that name to the real host, and the original Host header.
    static func redirectingTLSName(url: String, serverName: String)
        -> (url: String, connectTo: String, hostHeader: String)?
    {
        guard var components = URLComponents(string: url), let host = components.host else { return nil }
        let port = components.port ?? (components.scheme == "http" ? 80 : 443)
        let bracketed = host.contains(":") ? "[\(host)]" : host
        let hostHeader = components.port == nil ? bracketed : "\(bracketed):\(port)"
        components.host = serverName
        guard let rewritten = components.string else { return nil }
        return (rewritten, "\(serverName):\(port):\(bracketed):\(port)", hostHeader)
    }
}
