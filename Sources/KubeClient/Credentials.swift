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
