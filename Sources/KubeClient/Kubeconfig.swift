import Foundation
import Yams

/// A kubeconfig document, or several merged with kubectl's rules. Only the fields vtop-rollout
/// honours are modelled; unknown fields are ignored, as kubectl ignores them.
public struct Kubeconfig: Sendable, Equatable {
    /// Clusters by name.
    public var clusters: [String: Cluster] = [:]
    /// Contexts by name.
    public var contexts: [String: Context] = [:]
    /// Users (auth infos) by name.
    public var users: [String: User] = [:]
    /// The `current-context`, if any file set one.
    public var currentContext: String?

    /// Builds an empty configuration.
    public init() {}

    /// A `clusters[].cluster` entry.
    public struct Cluster: Sendable, Equatable, Codable {
        /// The API server URL.
        public var server: String?
        /// A CA bundle path, absolute once loaded.
        public var certificateAuthority: String?
        /// A base64 CA bundle.
        public var certificateAuthorityData: String?
        /// Skips server certificate verification.
        public var insecureSkipTLSVerify: Bool?
        /// The name to verify the server certificate against.
        public var tlsServerName: String?
        /// The proxy for this cluster.
        public var proxyURL: String?

        /// The kubeconfig field names.
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case tlsServerName = "tls-server-name"
            case proxyURL = "proxy-url"
        }
    }

    /// A `contexts[].context` entry.
    public struct Context: Sendable, Equatable, Codable {
        /// The cluster name.
        public var cluster: String?
        /// The user name.
        public var user: String?
        /// The default namespace.
        public var namespace: String?
    }

    /// A `users[].user` entry. Its description never shows secrets.
    public struct User: Sendable, Equatable, Codable, CustomStringConvertible {
        /// A client certificate path.
        public var clientCertificate: String?
        /// A base64 client certificate.
        public var clientCertificateData: String?
        /// A client key path.
        public var clientKey: String?
        /// A base64 client key.
        public var clientKeyData: String?
        /// A bearer token.
        public var token: String?
        /// A file holding a bearer token, re-read when it changes.
        public var tokenFile: String?
        /// Basic-auth user name.
        public var username: String?
        /// Basic-auth password.
        public var password: String?
        /// An exec credential plugin.
        public var exec: ExecConfig?
        /// A legacy, removed auth provider (gcp, azure, oidc).
        public var authProvider: AuthProvider?
        /// `as`: the user to impersonate.
        public var impersonate: String?
        /// `as-uid`: the UID to impersonate.
        public var impersonateUID: String?
        /// `as-groups`: the groups to impersonate.
        public var impersonateGroups: [String]?
        /// `as-user-extra`: extra fields to impersonate.
        public var impersonateUserExtra: [String: [String]]?

        /// The kubeconfig field names.
        enum CodingKeys: String, CodingKey {
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case token, tokenFile, username, password, exec
            case authProvider = "auth-provider"
            case impersonate = "as"
            case impersonateUID = "as-uid"
            case impersonateGroups = "as-groups"
            case impersonateUserExtra = "as-user-extra"
        }

        /// Names the auth methods present, never their values.
        public var description: String {
            var methods: [String] = []
            if clientCertificate != nil || clientCertificateData != nil { methods.append("client-certificate") }
            if token != nil { methods.append("token") }
            if tokenFile != nil { methods.append("tokenFile") }
            if username != nil { methods.append("basic") }
            if exec != nil { methods.append("exec") }
            if authProvider != nil { methods.append("auth-provider") }
            if let impersonate { methods.append("as \(impersonate)") }
            return "User(\(methods.joined(separator: ", ")))"
        }
    }

    /// An exec credential plugin configuration.
    public struct ExecConfig: Sendable, Equatable, Codable {
        /// `client.authentication.k8s.io/v1` or `v1beta1`.
        public var apiVersion: String?
        /// The program to run: a name looked up on PATH, or a path (relative ones resolve against the
        /// kubeconfig's directory).
        public var command: String
        /// Arguments.
        public var args: [String]?
        /// Extra environment variables.
        public var env: [EnvVar]?
        /// Passes the cluster's connection details in `KUBERNETES_EXEC_INFO`.
        public var provideClusterInfo: Bool?
        /// Shown when the command is not installed.
        public var installHint: String?
        /// `Never`, `IfAvailable` or `Always`; vtop-rollout never gives plugins a terminal.
        public var interactiveMode: String?

        /// One `env` entry.
        public struct EnvVar: Sendable, Equatable, Codable {
            /// The variable name.
            public var name: String
            /// The value.
            public var value: String
        }
    }

    /// A legacy `auth-provider` entry; only its name is used, to point at the replacement plugin.
    public struct AuthProvider: Sendable, Equatable, Codable {
        /// `gcp`, `azure`, `oidc` or another provider name.
        public var name: String
    }
}

extension Kubeconfig {
    private struct FileModel: Decodable {
        struct NamedCluster: Decodable {
            var name: String
            var cluster: Cluster?
        }
        struct NamedContext: Decodable {
            var name: String
            var context: Context?
        }
        struct NamedUser: Decodable {
            var name: String
            var user: User?
        }
        var clusters: [NamedCluster]?
        var contexts: [NamedContext]?
        var users: [NamedUser]?
        var currentContext: String?
        var apiVersion: String?
        var kind: String?

        enum CodingKeys: String, CodingKey {
            case clusters, contexts, users, apiVersion, kind
            case currentContext = "current-context"
        }
    }

    /// Parses one kubeconfig file. Relative file references are resolved against `directory`, as
    /// kubectl does, so the result can be merged with files from other directories.
    public static func parse(_ text: String, path: String, directory: String) throws -> Kubeconfig {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return Kubeconfig() }
        let model: FileModel
        do {
            model = try YAMLDecoder().decode(FileModel.self, from: text)
        } catch {
            throw KubeconfigError.unparsable(path: path, detail: Self.describe(error))
        }
        // kubectl refuses another format version or another kind, rather than guessing at its fields.
        if let version = model.apiVersion, !version.isEmpty, version != "v1" {
            throw KubeconfigError.unparsable(
                path: path, detail: "its apiVersion is '\(version)'; a kubeconfig is apiVersion v1, kind Config")
        }
        if let kind = model.kind, !kind.isEmpty, kind != "Config" {
            throw KubeconfigError.unparsable(
                path: path, detail: "its kind is '\(kind)'; a kubeconfig is apiVersion v1, kind Config")
        }
        var config = Kubeconfig()
        config.currentContext = model.currentContext.flatMap { $0.isEmpty ? nil : $0 }
        // Within one file, kubectl also keeps the first entry of a repeated name.
        for entry in model.clusters ?? [] where config.clusters[entry.name] == nil {
            var cluster = entry.cluster ?? Cluster()
            cluster.certificateAuthority = resolve(cluster.certificateAuthority, in: directory)
            config.clusters[entry.name] = cluster
        }
        for entry in model.contexts ?? [] where config.contexts[entry.name] == nil {
            config.contexts[entry.name] = entry.context ?? Context()
        }
        for entry in model.users ?? [] where config.users[entry.name] == nil {
            var user = entry.user ?? User()
            user.clientCertificate = resolve(user.clientCertificate, in: directory)
            user.clientKey = resolve(user.clientKey, in: directory)
            user.tokenFile = resolve(user.tokenFile, in: directory)
            if let command = user.exec?.command, command.contains("/") {
                user.exec?.command = resolve(command, in: directory) ?? command
            }
            config.users[entry.name] = user
        }
        return config
    }

    /// Merges files in order with kubectl's rules: the first file to define a cluster, context or user
    /// name wins that whole entry, and `current-context` comes from the first file that sets one.
    public static func merge(_ files: [Kubeconfig]) -> Kubeconfig {
        var merged = Kubeconfig()
        for file in files {
            merged.clusters.merge(file.clusters) { first, _ in first }
            merged.contexts.merge(file.contexts) { first, _ in first }
            merged.users.merge(file.users) { first, _ in first }
            if merged.currentContext == nil { merged.currentContext = file.currentContext }
        }
        return merged
    }

    private static func resolve(_ path: String?, in directory: String) -> String? {
        guard let path, !path.isEmpty else { return nil }
        var expanded = path
        if expanded.hasPrefix("~/"), let home = ProcessInfo.processInfo.environment["HOME"] {
            expanded = home + expanded.dropFirst(1)
        }
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: directory).appendingPathComponent(expanded).standardizedFileURL.path
    }

    private static func describe(_ error: any Error) -> String {
        if case .dataCorrupted(let context)? = error as? DecodingError,
            let yaml = context.underlyingError as? YamlError, let located = describe(yaml)
        {
            return located
        }
        if let error = error as? DecodingError {
            switch error {
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
                .dataCorrupted(let context):
                let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
                return "\(path.isEmpty ? "" : "\(path): ")\(context.debugDescription)"
            @unknown default:
                return "\(error)"
            }
        }
        return "\(error)"
    }

    /// A YAML syntax error with its line and column ("The given data was not valid YAML." alone
    /// does not say where to look).
    private static func describe(_ error: YamlError) -> String? {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " \($0.text) (which starts at line \($0.mark.line), column \($0.mark.column))" }
            return "line \(mark.line), column \(mark.column): \(problem)\(during ?? "")"
        default:
            return nil
        }
    }
}
