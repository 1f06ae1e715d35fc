import Foundation

/// Everything needed to talk to one cluster, resolved from a kubeconfig or from in-cluster files.
public struct ClusterConnection: Sendable, CustomStringConvertible {
    /// The API server URL, such as `https://10.0.0.1:6443`.
    public var server: String
    /// The kubeconfig context used, or nil in-cluster.
    public var contextName: String?
    /// The kubeconfig cluster name, or nil in-cluster.
    public var clusterName: String?
    /// The kubeconfig user name, or nil in-cluster.
    public var userName: String?
    /// The namespace: `--namespace`, else the context's, else `default`.
    public var namespace: String
    /// TLS, proxy and timeout settings.
    public var transport: TransportConfiguration
    /// How requests authenticate.
    public var credentials: Credentials
    /// Warnings to show the user (insecure TLS, for instance).
    public var warnings: [String]

    /// Builds a connection by hand (tests, the sandbox).
    public init(
        server: String, contextName: String? = nil, clusterName: String? = nil, userName: String? = nil,
        namespace: String = "default", transport: TransportConfiguration = TransportConfiguration(),
        credentials: Credentials = Credentials(), warnings: [String] = []
    ) {
        self.server = server
        self.contextName = contextName
        self.clusterName = clusterName
        self.userName = userName
        self.namespace = namespace
        self.transport = transport
        self.credentials = credentials
        self.warnings = warnings
    }

    /// Server, context, namespace and auth method names; never secrets.
    public var description: String {
        "ClusterConnection(server: \(URLText.withoutUserInfo(server)), context: \(contextName ?? "in-cluster"), "
            + "namespace: \(namespace), \(credentials), \(transport))"
    }
}

/// Command-line choices that select the connection, as kubectl's flags do.
public struct ConnectionOptions: Sendable, Hashable {
    /// `--kubeconfig`: one file, used alone.
    public var kubeconfig: String?
    /// `--context`.
    public var context: String?
    /// `--namespace`.
    public var namespace: String?
    /// How long a connect may take.
    public var connectTimeout: Duration
    /// How long one request may take (kubectl's `--request-timeout`); watches are exempt.
    public var requestTimeout: Duration

    /// Builds options.
    public init(
        kubeconfig: String? = nil, context: String? = nil, namespace: String? = nil,
        connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(60)
    ) {
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespace = namespace
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
    }
}

/// The process facts the loader reads, passed in so tests control them.
public struct LoaderEnvironment: Sendable {
    /// Environment variables (KUBECONFIG, HOME, HTTPS_PROXY, NO_PROXY, KUBERNETES_SERVICE_HOST, ...).
    public var variables: [String: String]
    /// Where in-cluster service-account files live.
    public var serviceAccountDirectory: String
    /// The current time, for certificate expiry.
    public var now: Date

    /// Builds an environment.
    public init(
        variables: [String: String],
        serviceAccountDirectory: String = "/var/run/secrets/kubernetes.io/serviceaccount",
        now: Date = Date()
    ) {
        self.variables = variables
        self.serviceAccountDirectory = serviceAccountDirectory
        self.now = now
    }

    /// The real process environment.
    public static var process: LoaderEnvironment {
        LoaderEnvironment(variables: ProcessInfo.processInfo.environment)
    }
}
