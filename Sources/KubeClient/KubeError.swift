import Foundation

/// What went wrong talking to the API server, as a value a caller can switch on. Every case renders
/// a sentence a user can act on; none carries a token, key or `Authorization` header.
public enum KubeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object does not exist (HTTP 404, reason `NotFound`).
    case notFound(resource: String, name: String?, namespace: String?, message: String)
    /// A create found an object with the same name (HTTP 409, reason `AlreadyExists`).
    case alreadyExists(resource: String, name: String?, message: String)
    /// The object changed since it was read (HTTP 409, reason `Conflict`): re-read and retry.
    case conflict(resource: String, name: String?, message: String)
    /// RBAC denied `verb` on `resource` (HTTP 403).
    case forbidden(verb: String, resource: String, namespace: String?, message: String)
    /// The credentials were rejected (HTTP 401), after any refresh the auth method allows.
    case unauthorized(server: String, message: String)
    /// The server rejected the object or patch (HTTP 422, reason `Invalid`), with per-field causes.
    case invalid(resource: String, name: String?, message: String, causes: [String])
    /// The server kept throttling (HTTP 429) after the retry budget ran out.
    case tooManyRequests(retryAfterSeconds: Int?, message: String)
    /// The requested resource version is too old (HTTP 410, reason `Expired`/`Gone`).
    case gone(message: String)
    /// Any other HTTP error status.
    case server(status: Int, reason: String?, message: String)
    /// The request never got an HTTP answer.
    case transport(TransportError)
    /// The response was not the JSON the API promises.
    case malformedResponse(String)

    /// A one-line message for the user.
    public var description: String {
        switch self {
        case .notFound(let resource, let name, let namespace, _):
            let scope = namespace.map { " in namespace '\($0)'" } ?? ""
            return "\(resource) '\(name ?? "")' not found\(scope)"
        case .alreadyExists(let resource, let name, _):
            return "\(resource) '\(name ?? "")' already exists"
        case .conflict(let resource, let name, let message):
            return "conflict updating \(resource) '\(name ?? "")': it changed since it was read (\(message))"
        case .forbidden(let verb, let resource, let namespace, let message):
            let scope = namespace.map { " in namespace '\($0)'" } ?? " at cluster scope"
            return "forbidden: your credentials may not '\(verb)' \(resource)\(scope); "
                + "grant that verb in a Role or ClusterRole (server said: \(message))"
        case .unauthorized(let server, let message):
            return "unauthorized: \(server) rejected the credentials (\(message)); "
                + "check the user in your kubeconfig or log in again"
        case .invalid(let resource, let name, let message, let causes):
            let detail = causes.isEmpty ? "" : ": " + causes.joined(separator: "; ")
            return "invalid \(resource) '\(name ?? "")': \(message)\(detail)"
        case .tooManyRequests(let retryAfter, let message):
            let hint = retryAfter.map { " (server asked to retry after \($0)s)" } ?? ""
            return "the API server is throttling requests\(hint): \(message)"
        case .gone(let message):
            return "resource version expired: \(message)"
        case .server(let status, let reason, let message):
            return "API server error \(status)\(reason.map { " \($0)" } ?? ""): \(message)"
        case .transport(let error):
            return error.description
        case .malformedResponse(let detail):
            return "unexpected response from the API server: \(detail)"
        }
    }
}

/// A failure below HTTP: connecting, TLS, timeouts, cancellation.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The broad class of failure, used for retry decisions.
    public enum Kind: Sendable, Equatable {
        /// DNS failed.
        case resolve
        /// TCP connect failed (refused, unreachable).
        case connect
        /// The connection dropped or the server sent nothing.
        case connectionLost
        /// A connect or request timeout elapsed.
        case timeout
        /// TLS handshake or verification failed.
        case tls
        /// The task was cancelled.
        case cancelled
        /// Anything else libcurl reports.
        case other
    }

    /// The class of failure.
    public var kind: Kind
    /// The URL the client tried (without credentials).
    public var url: String
    /// A human reason such as "connection refused".
    public var reason: String
    /// The libcurl code, kept for debugging; never shown alone.
    public var curlCode: Int

    /// Builds a transport error.
    public init(kind: Kind, url: String, reason: String, curlCode: Int) {
        self.kind = kind
        self.url = url
        self.reason = reason
        self.curlCode = curlCode
    }

    /// "cannot reach URL: reason".
    public var description: String {
        switch kind {
        case .tls: return "TLS error talking to \(url): \(reason)"
        case .timeout: return "timed out talking to \(url): \(reason)"
        case .cancelled: return "request to \(url) was cancelled"
        default: return "cannot reach \(url): \(reason)"
        }
    }
}

extension KubeError {
    /// Builds the typed error for a non-2xx response, decoding a `metav1.Status` body when there is one.
    static func from(status: Int, body: Data, context: RequestContext, retryAfter: Int?) -> KubeError {
        let json = try? JSONValue(data: body)
        let isStatus = json?["kind"]?.stringValue == "Status"
        let message =
            (isStatus ? json?["message"]?.stringValue : nil)
            ?? Self.shortText(body) ?? "HTTP \(status)"
        let reason = isStatus ? json?["reason"]?.stringValue : nil
        let details = json?["details"]
        let name = details?["name"]?.stringValue ?? context.name
        let resource = context.kind.resourceName
        switch status {
        case 401:
            return .unauthorized(server: context.server, message: message)
        case 403:
            return .forbidden(verb: context.verb, resource: resource, namespace: context.namespace, message: message)
        case 404:
            return .notFound(resource: resource, name: name, namespace: context.namespace, message: message)
        case 409 where reason == "AlreadyExists":
            return .alreadyExists(resource: resource, name: name, message: message)
        case 409:
            return .conflict(resource: resource, name: name, message: message)
        case 410:
            return .gone(message: message)
        case 422:
            let causes = (details?["causes"]?.arrayValue ?? []).map { cause -> String in
                let field = cause["field"]?.stringValue ?? ""
                let text = cause["message"]?.stringValue ?? ""
                return field.isEmpty ? text : "\(field): \(text)"
            }
            return .invalid(resource: resource, name: name, message: message, causes: causes)
        case 429:
            return .tooManyRequests(retryAfterSeconds: retryAfter, message: message)
        default:
            return .server(status: status, reason: reason, message: message)
        }
    }

    private static func shortText(_ body: Data) -> String? {
        guard
            let text = String(data: body.prefix(300), encoding: .utf8)?
                .trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty
        else { return nil }
        return text
    }
}

/// What a request was about, so errors can say which verb on which resource failed.
struct RequestContext: Sendable {
    /// The Kubernetes verb: get, list, watch, create, update, patch or delete.
    var verb: String
    /// The resource kind addressed.
    var kind: ResourceKind
    /// The namespace addressed, or nil at cluster scope.
    var namespace: String?
    /// The object name, when there is one.
    var name: String?
    /// The server origin, for messages.
    var server: String
}
