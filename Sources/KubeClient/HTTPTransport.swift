import Foundation

/// One HTTP header.
public struct HTTPHeader: Sendable, Hashable {
    /// The header name.
    public var name: String
    /// The header value.
    public var value: String

    /// Builds a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// In-memory client credentials for mutual TLS: PEM bytes, handed to libcurl as blobs and never
/// written to disk.
public struct ClientCertificate: Sendable, Hashable, CustomStringConvertible {
    /// The PEM certificate (chain).
    public var certificatePEM: Data
    /// The PEM private key.
    public var keyPEM: Data

    /// Builds client credentials.
    public init(certificatePEM: Data, keyPEM: Data) {
        self.certificatePEM = certificatePEM
        self.keyPEM = keyPEM
    }

    /// Never shows the key.
    public var description: String { "ClientCertificate(<redacted>)" }
}

/// An HTTP request as the transport sees it.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Headers, excluding `Authorization` (see `authorization`).
    public var headers: [HTTPHeader]
    /// The body, if any.
    public var body: Data?
    /// The `Authorization` header value. Kept apart so it can never be logged by accident.
    public var authorization: String?
    /// Client certificate and key for this request, if the user authenticates with one.
    public var clientCertificate: ClientCertificate?
    /// The total time allowed; nil for streaming watches, which the server ends itself.
    public var timeout: Duration?
    /// Gives up when no byte arrives for this long: how a watch notices a connection that died
    /// silently. Nil waits forever.
    public var idleTimeout: Duration?

    /// Builds a request.
    public init(
        method: String, url: String, headers: [HTTPHeader] = [], body: Data? = nil,
        authorization: String? = nil, clientCertificate: ClientCertificate? = nil,
        timeout: Duration? = .seconds(60), idleTimeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.authorization = authorization
        self.clientCertificate = clientCertificate
        self.timeout = timeout
        self.idleTimeout = idleTimeout
    }

    /// Method and URL only: the description never includes credentials.
    public var description: String { "\(method) \(url)" }
}

/// The status line and headers of a response.
public struct HTTPResponseHead: Sendable, Hashable {
    /// The HTTP status code.
    public var status: Int
    /// Headers by lower-case name; a repeated header keeps its last value.
    public var headers: [String: String]

    /// Builds a response head.
    public init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }

    /// `Retry-After` in whole seconds, when the server sent the delta-seconds form.
    public var retryAfterSeconds: Int? {
        headers["retry-after"].flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// A response whose body arrives as it is received, for watches.
public struct HTTPStreamingResponse: Sendable {
    /// Status and headers.
    public var head: HTTPResponseHead
    /// Body chunks in order, as the network delivered them. Dropping the stream cancels the transfer.
    public var body: AsyncThrowingStream<Data, any Error>

    /// Builds a streaming response.
    public init(head: HTTPResponseHead, body: AsyncThrowingStream<Data, any Error>) {
        self.head = head
        self.body = body
    }
}

/// Sends HTTP requests. The client depends on this protocol, so the engine above it can be tested
/// without any network, and the libcurl implementation can be swapped.
public protocol HTTPTransport: Sendable {
    /// Starts a request and returns as soon as the response head is known. Errors below HTTP are
    /// thrown as `TransportError`.
    func execute(_ request: HTTPRequest) async throws -> HTTPStreamingResponse
}

extension HTTPTransport {
    /// Sends a request and collects the whole body.
    public func send(_ request: HTTPRequest) async throws -> (head: HTTPResponseHead, body: Data) {
        let response = try await execute(request)
        var body = Data()
        for try await chunk in response.body {
            body.append(chunk)
        }
        return (response.head, body)
    }
}
