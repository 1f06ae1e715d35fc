import Foundation

/// Why a connection could not be configured. Each case says what to change; none includes a secret.
public enum KubeconfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No kubeconfig file exists and the process is not inside a cluster.
    case noConfiguration(tried: [String])
    /// A named kubeconfig file could not be read.
    case unreadable(path: String, reason: String)
    /// A kubeconfig file is not valid YAML of the expected shape.
    case unparsable(path: String, detail: String)
    /// No `--context` was given and no file sets `current-context`.
    case noCurrentContext(available: [String])
    /// The requested context does not exist.
    case contextNotFound(name: String, available: [String])
    /// The context names a cluster that does not exist.
    case clusterNotFound(name: String, context: String)
    /// The context names a user that does not exist.
    case userNotFound(name: String, context: String)
    /// The cluster has no `server`.
    case missingServer(cluster: String)
    /// A file named by the kubeconfig could not be read.
    case fileReference(field: String, owner: String, path: String, reason: String)
    /// A `*-data` field is not valid base64.
    case invalidBase64(field: String, owner: String)
    /// A client certificate with no matching key, or the reverse.
    case incompleteClientCertificate(user: String)
    /// The client certificate has expired.
    case certificateExpired(user: String, notAfter: Date)
    /// A removed `auth-provider` is configured.
    case legacyAuthProvider(user: String, provider: String)
    /// The exec plugin's command is not installed.
    case execNotFound(user: String, command: String, installHint: String?)
    /// The exec plugin failed.
    case execFailed(user: String, command: String, exitCode: Int32)
    /// The exec plugin printed something other than a valid ExecCredential.
    case execInvalidOutput(user: String, command: String, detail: String)
    /// The cluster asks both to skip verification and to verify with a CA, which kubectl refuses.
    case insecureWithCertificateAuthority(cluster: String)
    /// The exec plugin insists on a terminal (`interactiveMode: Always`), which plugins never get here.
    case execNeedsTerminal(user: String, command: String)
    /// In-cluster configuration is incomplete.
    case inClusterIncomplete(detail: String)

    /// A sentence for the user.
    public var description: String {
        switch self {
        case .noConfiguration(let tried):
            return "no kubeconfig found (looked at \(tried.joined(separator: ", "))) and not running inside a "
                + "cluster; pass --kubeconfig or set KUBECONFIG"
        case .unreadable(let path, let reason):
            return "cannot read kubeconfig \(path): \(reason)"
        case .unparsable(let path, let detail):
            return "kubeconfig \(path) is not valid: \(detail)"
        case .noCurrentContext(let available):
            return "no current-context is set in the kubeconfig; pass --context (available: \(Self.list(available)))"
        case .contextNotFound(let name, let available):
            return "context '\(name)' not found in kubeconfig (available: \(Self.list(available)))"
        case .clusterNotFound(let name, let context):
            return "context '\(context)' refers to cluster '\(name)', which is not in the kubeconfig"
        case .userNotFound(let name, let context):
            return "context '\(context)' refers to user '\(name)', which is not in the kubeconfig"
        case .missingServer(let cluster):
            return "cluster '\(cluster)' has no server URL in the kubeconfig"
        case .fileReference(let field, let owner, let path, let reason):
            return "\(field) for \(owner) names \(path), which cannot be read: \(reason)"
        case .invalidBase64(let field, let owner):
            return "\(field) for \(owner) is not valid base64"
        case .incompleteClientCertificate(let user):
            return "user '\(user)' has a client certificate without a key, or a key without a certificate"
        case .certificateExpired(let user, let notAfter):
            return "certificate for user '\(user)' expired on \(Self.day(notAfter)); get a new one from your "
                + "cluster administrator or identity provider"
        case .legacyAuthProvider(let user, let provider):
            return "user '\(user)' uses the removed auth-provider '\(provider)'; "
                + Self.authProviderHint(provider)
        case .execNotFound(let user, let command, let hint):
            return "exec plugin '\(command)' for user '\(user)' was not found"
                + (hint.map { ": \($0)" } ?? "; install it or fix the command in the kubeconfig")
        case .execFailed(let user, let command, let exitCode):
            return "exec plugin '\(command)' for user '\(user)' exited with status \(exitCode); its error output "
                + "is shown above"
        case .execInvalidOutput(let user, let command, let detail):
            return "exec plugin '\(command)' for user '\(user)' returned an invalid ExecCredential: \(detail)"
        case .insecureWithCertificateAuthority(let cluster):
            return "cluster '\(cluster)' sets both insecure-skip-tls-verify and a certificate authority, which "
                + "kubectl also refuses; remove insecure-skip-tls-verify to verify the server"
        case .execNeedsTerminal(let user, let command):
            return "exec plugin '\(command)' for user '\(user)' sets interactiveMode: Always, but vtop-rollout "
                + "never gives plugins a terminal; log in with kubectl first and set interactiveMode: IfAvailable"
        case .inClusterIncomplete(let detail):
            return "in-cluster configuration is incomplete: \(detail)"
        }
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.sorted().joined(separator: ", ")
    }

    private static func day(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }

    /// What to install instead of a removed auth provider.
    static func authProviderHint(_ provider: String) -> String {
        switch provider {
        case "gcp":
            return "install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin) and run "
                + "'gcloud container clusters get-credentials' to rewrite the entry as an exec plugin"
        case "azure":
            return "install kubelogin (https://github.com/Azure/kubelogin) and run 'kubelogin convert-kubeconfig' "
                + "to rewrite the entry as an exec plugin"
        case "oidc":
            return "use the kubelogin exec plugin (https://github.com/int128/kubelogin, 'kubectl oidc-login') "
                + "in an exec entry instead"
        default:
            return "replace it with the exec credential plugin your provider documents"
        }
    }
}
