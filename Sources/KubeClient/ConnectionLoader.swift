import Foundation

/// Resolves a `ClusterConnection` exactly as kubectl would for the same flags and environment.
public enum ConnectionLoader {
    /// The kubeconfig files kubectl would read, in precedence order, and whether an explicit choice
    /// was made (explicit files must exist).
    public static func kubeconfigFiles(options: ConnectionOptions, environment: LoaderEnvironment)
        -> (files: [String], explicit: Bool)
    {
        if let path = options.kubeconfig, !path.isEmpty { return ([path], true) }
        if let list = environment.variables["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
            return (files, false)
        }
        let home = environment.variables["HOME"] ?? NSHomeDirectory()
        return (["\(home)/.kube/config"], false)
    }

    /// Loads and merges the kubeconfig files that apply.
    public static func loadKubeconfig(options: ConnectionOptions, environment: LoaderEnvironment) throws
        -> (config: Kubeconfig, filesRead: [String], tried: [String])
    {
        let (files, explicit) = kubeconfigFiles(options: options, environment: environment)
        var parsed: [Kubeconfig] = []
        var read: [String] = []
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                // kubectl skips missing KUBECONFIG entries, but a --kubeconfig file must exist.
                if !explicit && !FileManager.default.fileExists(atPath: file) { continue }
                throw KubeconfigError.unreadable(path: file, reason: FileText.reason(error))
            }
            // Foundation's own message for this ("The file isn't in the correct format") names no cause.
            guard let text = String(data: data, encoding: .utf8) else {
                throw KubeconfigError.unparsable(path: file, detail: "it is not UTF-8 text (is it a binary file?)")
            }
            let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
            parsed.append(try Kubeconfig.parse(text, path: file, directory: directory))
            read.append(file)
        }
        return (Kubeconfig.merge(parsed), read, files)
    }

    /// Resolves the connection: kubeconfig when one exists, otherwise in-cluster configuration when
    /// the process runs in a Pod.
    public static func load(
        options: ConnectionOptions = ConnectionOptions(),
        environment: LoaderEnvironment = .process
    ) throws -> ClusterConnection {
        let (config, read, tried) = try loadKubeconfig(options: options, environment: environment)
        if read.isEmpty {
            if environment.variables["KUBERNETES_SERVICE_HOST"] != nil {
                return try inCluster(options: options, environment: environment)
            }
            throw KubeconfigError.noConfiguration(tried: tried)
        }
        return try resolve(config, options: options, environment: environment)
    }

    /// Picks the context, cluster and user from a merged kubeconfig and turns them into a connection.
    public static func resolve(
        _ config: Kubeconfig, options: ConnectionOptions,
        environment: LoaderEnvironment
    ) throws -> ClusterConnection {
        let available = Array(config.contexts.keys)
        guard let contextName = options.context ?? config.currentContext else {
            throw KubeconfigError.noCurrentContext(available: available)
        }
        guard let context = config.contexts[contextName] else {
            throw KubeconfigError.contextNotFound(name: contextName, available: available)
        }
        let clusterName = context.cluster ?? ""
        guard let cluster = config.clusters[clusterName] else {
            throw KubeconfigError.clusterNotFound(name: clusterName, context: contextName)
        }
        guard let server = cluster.server, !server.isEmpty else {
            throw KubeconfigError.missingServer(cluster: clusterName)
        }
        let userName = context.user ?? ""
        // kubectl allows a context without a user (anonymous); a named but missing user is an error.
        let user: Kubeconfig.User
        if userName.isEmpty {
            user = Kubeconfig.User()
        } else if let found = config.users[userName] {
            user = found
        } else {
            throw KubeconfigError.userNotFound(name: userName, context: contextName)
        }

        let clusterOwner = "cluster '\(clusterName)'"
        let userOwner = "user '\(userName)'"
        let ca = try material(
            data: cluster.certificateAuthorityData, file: cluster.certificateAuthority,
            field: "certificate-authority", owner: clusterOwner)
        var warnings: [String] = []
        let insecure = cluster.insecureSkipTLSVerify ?? false
        if insecure && ca != nil {
            throw KubeconfigError.insecureWithCertificateAuthority(cluster: clusterName)
        }
        if insecure {
            warnings.append(
                "warning: cluster '\(clusterName)' sets insecure-skip-tls-verify: the server's "
                    + "certificate is not verified, so this connection can be intercepted")
        }
        let (proxy, noProxy) = proxySettings(
            server: server, kubeconfigProxy: cluster.proxyURL,
            variables: environment.variables)
        let transport = TransportConfiguration(
            certificateAuthorityPEM: insecure ? nil : ca, tlsServerName: cluster.tlsServerName,
            insecureSkipTLSVerify: insecure, proxyURL: proxy, noProxy: noProxy,
            connectTimeout: options.connectTimeout, requestTimeout: options.requestTimeout)

        let credentials = try credentials(
            for: user, userName: userName, owner: userOwner, cluster: cluster, server: server, ca: ca,
            environment: environment)
        let namespace =
            options.namespace.flatMap { $0.isEmpty ? nil : $0 }
            ?? context.namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return ClusterConnection(
            server: server, contextName: contextName, clusterName: clusterName, userName: userName,
            namespace: namespace, transport: transport, credentials: credentials, warnings: warnings)
    }

    private static func credentials(
        for user: Kubeconfig.User, userName: String, owner: String, cluster: Kubeconfig.Cluster, server: String,
        ca: Data?, environment: LoaderEnvironment
    ) throws -> Credentials {
        if let provider = user.authProvider {
            throw KubeconfigError.legacyAuthProvider(user: userName, provider: provider.name)
        }
        var credentials = Credentials()
        let certificate = try material(
            data: user.clientCertificateData, file: user.clientCertificate,
            field: "client-certificate", owner: owner)
        let key = try material(data: user.clientKeyData, file: user.clientKey, field: "client-key", owner: owner)
        switch (certificate, key) {
        case (let certificate?, let key?):
            if let notAfter = X509Validity.notAfter(pem: certificate), notAfter < environment.now {
                throw KubeconfigError.certificateExpired(user: userName, notAfter: notAfter)
            }
            credentials.clientCertificate = ClientCertificate(certificatePEM: certificate, keyPEM: key)
        case (nil, nil):
            break
        default:
            throw KubeconfigError.incompleteClientCertificate(user: userName)
        }
        if let token = user.token, !token.isEmpty {
            credentials.bearer = .token(token)
        } else if let file = user.tokenFile {
            credentials.bearer = .tokenFile(path: file)
        }
        if let username = user.username, !username.isEmpty {
            credentials.basic = (username, user.password ?? "")
        }
        if let name = user.impersonate, !name.isEmpty {
            credentials.impersonation = Impersonation(
                user: name, uid: user.impersonateUID, groups: user.impersonateGroups ?? [],
                extra: user.impersonateUserExtra ?? [:])
        }
        if let exec = user.exec {
            let apiVersion = exec.apiVersion ?? "client.authentication.k8s.io/v1"
            guard
                apiVersion == "client.authentication.k8s.io/v1" || apiVersion == "client.authentication.k8s.io/v1beta1"
            else {
                throw KubeconfigError.execInvalidOutput(
                    user: userName, command: exec.command,
                    detail: "the kubeconfig asks for apiVersion \(apiVersion); only client.authentication.k8s.io/v1 "
                        + "and v1beta1 are supported")
            }
            if exec.interactiveMode == "Always" {
                throw KubeconfigError.execNeedsTerminal(user: userName, command: exec.command)
            }
            var spec: [String: JSONValue] = ["interactive": false]
            if exec.provideClusterInfo ?? false {
                var info: [String: JSONValue] = ["server": .string(server)]
                if let ca { info["certificate-authority-data"] = .string(ca.base64EncodedString()) }
                if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
                if let insecure = cluster.insecureSkipTLSVerify { info["insecure-skip-tls-verify"] = .bool(insecure) }
                if let proxy = cluster.proxyURL { info["proxy-url"] = .string(proxy) }
                spec["cluster"] = .object(info)
            }
            let execInfo: JSONValue = [
                "apiVersion": .string(apiVersion), "kind": "ExecCredential", "spec": .object(spec),
            ]
            var env: [String: String] = [:]
            for variable in exec.env ?? [] { env[variable.name] = variable.value }
            credentials.bearer = .exec(
                ExecPlugin(
                    user: userName, command: exec.command, args: exec.args ?? [], env: env, apiVersion: apiVersion,
                    execInfo: execInfo.encoded(), installHint: exec.installHint))
        }
        return credentials
    }

    /// In-cluster configuration: the API server from `KUBERNETES_SERVICE_HOST`/`PORT`, the
    /// service-account token (re-read as it rotates), CA and namespace.
    public static func inCluster(options: ConnectionOptions, environment: LoaderEnvironment) throws
        -> ClusterConnection
    {
        guard let host = environment.variables["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment.variables["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubeconfigError.inClusterIncomplete(
                detail: "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set")
        }
        let directory = environment.serviceAccountDirectory
        let tokenPath = "\(directory)/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubeconfigError.inClusterIncomplete(detail: "cannot read the service-account token at \(tokenPath)")
        }
        let ca = try material(
            data: nil, file: "\(directory)/ca.crt", field: "service-account CA",
            owner: "in-cluster configuration")
        let fileNamespace = (try? String(contentsOfFile: "\(directory)/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let namespace =
            options.namespace.flatMap { $0.isEmpty ? nil : $0 }
            ?? fileNamespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let server = "https://\(hostPart):\(port)"
        let (proxy, noProxy) = proxySettings(server: server, kubeconfigProxy: nil, variables: environment.variables)
        return ClusterConnection(
            server: server, namespace: namespace,
            transport: TransportConfiguration(
                certificateAuthorityPEM: ca, proxyURL: proxy, noProxy: noProxy,
                connectTimeout: options.connectTimeout, requestTimeout: options.requestTimeout),
            credentials: Credentials(bearer: .tokenFile(path: tokenPath)))
    }

    /// The proxy the way client-go picks it: the kubeconfig's `proxy-url` if set, else `HTTPS_PROXY`
    /// (https servers) or `HTTP_PROXY` (http servers), upper or lower case, with `NO_PROXY`.
    static func proxySettings(server: String, kubeconfigProxy: String?, variables: [String: String])
        -> (proxy: String?, noProxy: String?)
    {
        if let proxy = kubeconfigProxy, !proxy.isEmpty { return (proxy, nil) }
        func variable(_ name: String) -> String? {
            let value = variables[name] ?? variables[name.lowercased()]
            return value?.isEmpty == false ? value : nil
        }
        let isHTTPS = server.lowercased().hasPrefix("https://")
        let proxy = isHTTPS ? variable("HTTPS_PROXY") : variable("HTTP_PROXY")
        return (proxy, proxy == nil ? nil : variable("NO_PROXY"))
    }

    /// Inline base64 data wins over a file, as in kubectl.
    private static func material(data: String?, file: String?, field: String, owner: String) throws -> Data? {
        if let data, !data.isEmpty {
            guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw KubeconfigError.invalidBase64(field: "\(field)-data", owner: owner)
            }
            return decoded
        }
        if let file, !file.isEmpty {
            do {
                return try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw KubeconfigError.fileReference(
                    field: field, owner: owner, path: file,
                    reason: FileText.reason(error))
            }
        }
        return nil
    }
}
