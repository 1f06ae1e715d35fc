import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The HTTP(S) listener of the emulated API server, on 127.0.0.1 only.
///
/// It reads whole requests, hands them to a `respond` closure (router, faults, control API), and streams
/// watches from the store as newline-delimited JSON, the way kube-apiserver does.
public final class APIServer: Sendable {
    /// Per-request hooks the sandbox adds around the router.
    public struct Hooks: Sendable {
        /// Answers a request.
        public var respond: @Sendable (APIRequest) -> APIResponse
        /// Extra delay before a response is written (slow-response fault), in seconds of real time.
        public var delay: @Sendable () -> Double = { 0 }
        /// Whether a watch stream should be cut now (dropped-watch fault); asked on every bookmark tick.
        public var dropWatch: @Sendable () -> Bool = { false }

        /// Creates hooks.
        public init(respond: @escaping @Sendable (APIRequest) -> APIResponse) { self.respond = respond }
    }

    private let store: ObjectStore
    private let hooks: Hooks
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    /// The port bound, useful with port 0.
    public let port: Int
    /// The bookmark period of watches, in seconds of real time.
    public let bookmarkInterval: Double

    /// Binds and starts serving. With `credentials` it serves HTTPS and answers 401 to any request that has
    /// neither a client certificate signed by their CA nor their bearer token; without, plain HTTP and no
    /// authentication.
    public init(
        store: ObjectStore, hooks: Hooks, port: Int = 0, credentials: SandboxCredentials? = nil,
        bookmarkInterval: Double = 1
    ) async throws {
        self.store = store
        self.hooks = hooks
        self.bookmarkInterval = bookmarkInterval
        let tls = try credentials?.serverContext()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        self.group = group
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPHandler(
                            store: store, hooks: hooks, credentials: credentials, bookmarkInterval: bookmarkInterval))
                }
            }
        do {
            channel = try await bootstrap.bind(host: "127.0.0.1", port: port).get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        self.port = channel.localAddress?.port ?? port
    }

    /// Stops listening and closes every connection.
    public func shutdown() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

/// One connection's request handling.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let store: ObjectStore
    private let hooks: APIServer.Hooks
    private let credentials: SandboxCredentials?
    private let bookmarkInterval: Double
    private var head: HTTPRequestHead?
    private var body = Data()
    private var watchID: Int?
    private var ticker: RepeatedTask?
    /// Whether this connection's TLS handshake verified a client certificate; asked once per connection.
    private var clientCertificate: Bool?

    init(store: ObjectStore, hooks: APIServer.Hooks, credentials: SandboxCredentials?, bookmarkInterval: Double) {
        self.store = store
        self.hooks = hooks
        self.credentials = credentials
        self.bookmarkInterval = bookmarkInterval
    }

    /// Whether the request may proceed: always over plain HTTP; over TLS with a verified client certificate (the
    /// handshake rejects one the CA did not sign) or the bearer token, as kube-apiserver's authenticators do.
    private func authenticated(_ request: APIRequest, context: ChannelHandlerContext) -> Bool {
        guard let credentials else { return true }
        if clientCertificate == nil {
            let tls = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            clientCertificate = tls?.peerCertificate != nil
        }
        return clientCertificate == true || credentials.accepts(authorization: request.headers["authorization"])
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(var buffer):
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
        case .end:
            guard let head else { return }
            self.head = nil
            var headers: [String: String] = [:]
            for (name, value) in head.headers { headers[name.lowercased()] = value }
            let request = APIRequest(method: head.method.rawValue, uri: head.uri, headers: headers, body: body)
            let response =
                authenticated(request, context: context)
                ? hooks.respond(request) : .error(APIError(code: 401, reason: "Unauthorized", message: "Unauthorized"))
            let delay = hooks.delay()
            let keepAlive = head.isKeepAlive
            let version = head.version
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            if delay > 0 {
                context.eventLoop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) {
                    let (handler, context) = loopBound.value
                    handler.send(response, version: version, keepAlive: keepAlive, context: context)
                }
            } else {
                send(response, version: version, keepAlive: keepAlive, context: context)
            }
        }
    }

    private func send(_ response: APIResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
        switch response {
        case .full(let status, let extra, let body):
            var headers = HTTPHeaders(extra)
            headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
            headers.replaceOrAdd(name: "Connection", value: keepAlive ? "keep-alive" : "close")
            let head = HTTPResponseHead(
                version: version, status: HTTPResponseStatus(statusCode: status), headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        case .watch(let watch):
            startWatch(watch, version: version, context: context)
        }
    }

    private func startWatch(_ watch: WatchRequest, version: HTTPVersion, context: ChannelHandlerContext) {
        let channel = context.channel
        let headers = HTTPHeaders([("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")])
        let head = HTTPResponseHead(version: version, status: .ok, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        let write: @Sendable (JSON) -> Void = { event in
            var line = event.data
            line.append(0x0a)
            var buffer = channel.allocator.buffer(capacity: line.count)
            buffer.writeBytes(line)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)), promise: nil)
        }
        do {
            watchID = try store.watch(
                watch.resource, namespace: watch.namespace, labels: watch.labels, fields: watch.fields,
                since: watch.since
            ) { event in
                write(["type": .string(event.type), "object": event.object])
            }
        } catch {
            // The API server reports an expired version inside the stream, with HTTP 200.
            write(["type": "ERROR", "object": error.status])
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        let store = self.store
        let hooks = self.hooks
        let resource = watch.resource
        let bookmarks = watch.bookmarks
        ticker = context.eventLoop.scheduleRepeatedTask(
            initialDelay: .milliseconds(Int64(bookmarkInterval * 1000)),
            delay: .milliseconds(Int64(bookmarkInterval * 1000))
        ) { _ in
            if hooks.dropWatch() {
                channel.close(promise: nil)
                return
            }
            if bookmarks {
                write([
                    "type": "BOOKMARK",
                    "object": [
                        "kind": .string(resource.kind), "apiVersion": .string(resource.groupVersion),
                        "metadata": ["resourceVersion": .string(String(store.revision))],
                    ],
                ])
            }
        }
        if let seconds = watch.timeoutSeconds, seconds > 0 {
            context.eventLoop.scheduleTask(in: .seconds(Int64(seconds))) {
                channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let watchID { store.stopWatch(watchID) }
        watchID = nil
        ticker?.cancel()
        ticker = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
