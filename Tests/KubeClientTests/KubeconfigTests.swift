import Foundation
import Testing

@testable import KubeClient

/// kubeconfig selection, merging and resolution, checked against kubectl where it is installed.
@Suite struct KubeconfigTests {
    /// Three kubeconfigs in different directories, overlapping on purpose, with relative file paths.
    private func threeFiles(in temp: TempDirectory) throws -> String {
        let ca = String(decoding: try Fixtures.data("certs/ca.crt"), as: UTF8.self)
        try temp.write("a/certs/ca.crt", ca)
        try temp.write("b/client.crt", String(decoding: try Fixtures.data("certs/client.crt"), as: UTF8.self))
        try temp.write("b/client.key", String(decoding: try Fixtures.data("certs/client.key"), as: UTF8.self))
        try temp.write(
            "a/config",
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: prod
              cluster:
                server: https://prod-a.example:6443
                certificate-authority: certs/ca.crt
            contexts:
            - name: prod
              context: {cluster: prod, user: admin, namespace: vt}
            users:
            - name: admin
              user:
                token: token-from-a
            """)
        try temp.write(
            "b/config",
            """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: prod
              cluster:
                server: https://prod-b.example:6443
            - name: staging
              cluster:
                server: https://staging.example:6443
                insecure-skip-tls-verify: true
            contexts:
            - name: prod
              context: {cluster: staging, user: ops, namespace: wrong}
            - name: staging
              context: {cluster: staging, user: ops}
            users:
            - name: admin
              user:
                token: token-from-b
            - name: ops
              user:
                client-certificate: client.crt
                client-key: ./client.key
                as: deployer
                as-groups: [rollout-operators]
            """)
        try temp.write(
            "c/config",
            """
            apiVersion: v1
            kind: Config
            current-context: staging
            contexts:
            - name: dev
              context: {cluster: staging, user: admin, namespace: dev}
            """)
        return ["a/config", "missing/config", "b/config", "c/config"].map { "\(temp.path)/\($0)" }
            .joined(separator: ":")
    }

    private static let kubectl: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/kubectl" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    private func kubectlView(kubeconfig: String, home: String, context: String?) throws -> JSONValue {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.kubectl))
        process.arguments =
            ["config", "view", "--minify", "--flatten", "-o", "json"]
            + (context.map { ["--context", $0] } ?? [])
        process.environment = ["KUBECONFIG": kubeconfig, "HOME": home, "PATH": "/usr/bin:/bin"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONValue(data: data)
    }

    @Test(
        .enabled(if: KubeconfigTests.kubectl != nil, "kubectl is not installed"),
        arguments: [nil, "staging", "dev"] as [String?])
    func mergingMatchesKubectl(context: String?) throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let environment = LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path])
        let connection = try ConnectionLoader.load(
            options: ConnectionOptions(context: context), environment: environment)
        let view = try kubectlView(kubeconfig: list, home: temp.path, context: context)

        #expect(connection.contextName == view["current-context"]?.stringValue)
        let cluster = try #require(view["clusters"]?.arrayValue?.first)
        let user = try #require(view["users"]?.arrayValue?.first)
        let kubectlContext = try #require(view["contexts"]?.arrayValue?.first)
        #expect(connection.clusterName == cluster["name"]?.stringValue)
        #expect(connection.server == cluster["cluster"]?["server"]?.stringValue)
        #expect(connection.userName == user["name"]?.stringValue)
        #expect(connection.namespace == (kubectlContext["context"]?["namespace"]?.stringValue ?? "default"))
        #expect(
            connection.transport.insecureSkipTLSVerify
                == (cluster["cluster"]?["insecure-skip-tls-verify"]?.boolValue ?? false))
        #expect(
            connection.transport.certificateAuthorityPEM?.base64EncodedString()
                == cluster["cluster"]?["certificate-authority-data"]?.stringValue)
        if case .token(let token)? = connection.credentials.bearer {
            #expect(token == user["user"]?["token"]?.stringValue)
        } else {
            #expect(user["user"]?["token"] == nil)
        }
        #expect(
            connection.credentials.clientCertificate?.certificatePEM.base64EncodedString()
                == user["user"]?["client-certificate-data"]?.stringValue)
        #expect(connection.credentials.impersonation?.user == user["user"]?["as"]?.stringValue)
        #expect(
            connection.credentials.clientCertificate?.keyPEM.base64EncodedString()
                == user["user"]?["client-key-data"]?.stringValue)
    }

    @Test func mergeRulesFirstFileWinsAndFirstCurrentContextWins() throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let environment = LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path])
        let connection = try ConnectionLoader.load(environment: environment)
        #expect(connection.contextName == "prod")  // from b; c's staging comes later
        #expect(connection.server == "https://prod-a.example:6443")  // a defines prod first
        #expect(connection.namespace == "vt")
        #expect(connection.credentials.bearer == .token("token-from-a"))
    }

    @Test func explicitKubeconfigIsUsedAloneAndNamespaceDefaults() throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let environment = LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path])
        let options = ConnectionOptions(kubeconfig: "\(temp.path)/b/config", context: "staging")
        let connection = try ConnectionLoader.load(options: options, environment: environment)
        #expect(connection.server == "https://staging.example:6443")
        #expect(connection.namespace == "default")
        let overridden = try ConnectionLoader.load(
            options: ConnectionOptions(kubeconfig: "\(temp.path)/b/config", namespace: "override"),
            environment: environment)
        #expect(overridden.namespace == "override")
    }

    @Test func homeKubeconfigIsTheFallback() throws {
        let temp = try TempDirectory()
        try temp.write(
            ".kube/config",
            """
            current-context: home
            clusters: [{name: c, cluster: {server: "https://home.example"}}]
            contexts: [{name: home, context: {cluster: c}}]
            """)
        let connection = try ConnectionLoader.load(environment: LoaderEnvironment(variables: ["HOME": temp.path]))
        #expect(connection.server == "https://home.example")
        #expect(connection.credentials == Credentials())
    }

    @Test func missingContextListsTheAvailableOnes() throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let environment = LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path])
        do {
            _ = try ConnectionLoader.load(options: ConnectionOptions(context: "qa"), environment: environment)
            Issue.record("expected an error")
        } catch let error as KubeconfigError {
            #expect(error.description == "context 'qa' not found in kubeconfig (available: dev, prod, staging)")
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        ErrorCase(
            name: "no current context", yaml: "contexts: [{name: a, context: {cluster: c}}]",
            expected: "no current-context is set in the kubeconfig; pass --context (available: a)"),
        ErrorCase(
            name: "missing cluster", yaml: "current-context: a\ncontexts: [{name: a, context: {cluster: c}}]",
            expected: "context 'a' refers to cluster 'c', which is not in the kubeconfig"),
        ErrorCase(
            name: "missing user",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x"}}]
                contexts: [{name: a, context: {cluster: c, user: u}}]
                """, expected: "context 'a' refers to user 'u', which is not in the kubeconfig"),
        ErrorCase(
            name: "gcp auth provider",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x"}}]
                contexts: [{name: a, context: {cluster: c, user: u}}]
                users: [{name: u, user: {auth-provider: {name: gcp, config: {access-token: abc}}}}]
                """, expected: "user 'u' uses the removed auth-provider 'gcp'; install gke-gcloud-auth-plugin"),
        ErrorCase(
            name: "missing certificate file",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x", certificate-authority: nope/ca.crt}}]
                contexts: [{name: a, context: {cluster: c}}]
                """,
            expected: "certificate-authority for cluster 'c' names DIR/nope/ca.crt, which cannot be read: "
                + "no such file or directory"),
        ErrorCase(
            name: "bad base64",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x", certificate-authority-data: "%%%"}}]
                contexts: [{name: a, context: {cluster: c}}]
                """, expected: "certificate-authority-data for cluster 'c' is not valid base64"),
        ErrorCase(
            name: "interactive exec plugin",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x"}}]
                contexts: [{name: a, context: {cluster: c, user: u}}]
                users: [{name: u, user: {exec: {command: login, interactiveMode: Always}}}]
                """,
            expected: "exec plugin 'login' for user 'u' sets interactiveMode: Always"),
        ErrorCase(
            name: "insecure with a CA",
            yaml: """
                current-context: a
                clusters: [{name: c, cluster: {server: "https://x", insecure-skip-tls-verify: true,
                            certificate-authority-data: "Y2E="}}]
                contexts: [{name: a, context: {cluster: c}}]
                """,
            expected: "cluster 'c' sets both insecure-skip-tls-verify and a certificate authority"),
        ErrorCase(name: "not yaml", yaml: "clusters: {", expected: "kubeconfig DIR/config is not valid"),
        ErrorCase(
            name: "another apiVersion", yaml: "apiVersion: v2\nkind: Config\ncurrent-context: a",
            expected: "kubeconfig DIR/config is not valid: its apiVersion is 'v2'; a kubeconfig is apiVersion v1"),
        ErrorCase(
            name: "another kind", yaml: "apiVersion: v1\nkind: Pod\ncurrent-context: a",
            expected: "kubeconfig DIR/config is not valid: its kind is 'Pod'; a kubeconfig is apiVersion v1"),
    ])
    func configurationErrorsAreActionable(_ testCase: ErrorCase) throws {
        let temp = try TempDirectory()
        let path = try temp.write("config", testCase.yaml)
        do {
            _ = try ConnectionLoader.load(
                options: ConnectionOptions(kubeconfig: path),
                environment: LoaderEnvironment(variables: ["HOME": temp.path]))
            Issue.record("expected an error")
        } catch let error as KubeconfigError {
            let expected = testCase.expected.replacingOccurrences(of: "DIR", with: temp.path)
            #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test func missingFilesAreReported() throws {
        let temp = try TempDirectory()
        #expect(throws: KubeconfigError.unreadable(path: "\(temp.path)/nope", reason: "no such file or directory")) {
            try ConnectionLoader.load(
                options: ConnectionOptions(kubeconfig: "\(temp.path)/nope"),
                environment: LoaderEnvironment(variables: ["HOME": temp.path]))
        }
        #expect(throws: KubeconfigError.noConfiguration(tried: ["\(temp.path)/.kube/config"])) {
            try ConnectionLoader.load(environment: LoaderEnvironment(variables: ["HOME": temp.path]))
        }
    }

    @Test func anExpiredClientCertificateIsReportedWithItsDate() throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let notAfter = try #require(X509Validity.notAfter(pem: try Fixtures.data("certs/client.crt")))
        #expect(notAfter > Date(timeIntervalSinceNow: 50 * 365 * 86400))  // the fixture lasts a century
        let later = notAfter.addingTimeInterval(86400)
        let environment = LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path], now: later)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        #expect(throws: KubeconfigError.certificateExpired(user: "ops", notAfter: notAfter)) {
            try ConnectionLoader.load(options: ConnectionOptions(context: "staging"), environment: environment)
        }
        let message = KubeconfigError.certificateExpired(user: "ops", notAfter: notAfter).description
        #expect(message.hasPrefix("certificate for user 'ops' expired on \(formatter.string(from: notAfter))"))
    }

    @Test func insecureSkipTLSVerifyWarns() throws {
        let temp = try TempDirectory()
        let list = try threeFiles(in: temp)
        let connection = try ConnectionLoader.load(
            options: ConnectionOptions(context: "staging"),
            environment: LoaderEnvironment(variables: ["KUBECONFIG": list, "HOME": temp.path]))
        #expect(connection.transport.insecureSkipTLSVerify)
        #expect(connection.warnings.count == 1)
        #expect(connection.warnings.first?.contains("insecure-skip-tls-verify") == true)
        let warnings = LineCollector()
        _ = KubeClient(connection: connection, warn: { warnings.append($0) })
        #expect(warnings.lines == connection.warnings)
    }

    @Test func execEntriesResolveTheirCommandAndProvideClusterInfo() throws {
        let temp = try TempDirectory()
        let path = try temp.write(
            "kube/config",
            """
            current-context: eks
            clusters: [{name: c, cluster: {server: "https://eks.example", certificate-authority-data: "Y2E=",
                        tls-server-name: api.internal}}]
            contexts: [{name: eks, context: {cluster: c, user: u}}]
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1beta1
                  command: ./bin/get-token
                  args: [eks, get-token]
                  env: [{name: AWS_PROFILE, value: prod}]
                  provideClusterInfo: true
            """)
        let connection = try ConnectionLoader.load(
            options: ConnectionOptions(kubeconfig: path),
            environment: LoaderEnvironment(variables: ["HOME": temp.path]))
        guard case .exec(let plugin)? = connection.credentials.bearer else {
            Issue.record("expected an exec plugin")
            return
        }
        #expect(plugin.command == "\(temp.path)/kube/bin/get-token")
        #expect(plugin.args == ["eks", "get-token"])
        #expect(plugin.env == ["AWS_PROFILE": "prod"])
        let info = try JSONValue(data: plugin.execInfo)
        #expect(info["apiVersion"] == "client.authentication.k8s.io/v1beta1")
        #expect(info["spec"]?["interactive"] == false)
        #expect(info["spec"]?["cluster"]?["server"] == "https://eks.example")
        #expect(info["spec"]?["cluster"]?["certificate-authority-data"] == "Y2E=")
        #expect(info["spec"]?["cluster"]?["tls-server-name"] == "api.internal")
    }

    struct ProxyCase: Sendable, CustomTestStringConvertible {
        var name: String
        var server: String
        var kubeconfigProxy: String?
        var variables: [String: String]
        var proxy: String?
        var noProxy: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        ProxyCase(
            name: "HTTPS_PROXY with NO_PROXY", server: "https://k8s", kubeconfigProxy: nil,
            variables: ["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "10.0.0.0/8,.internal"],
            proxy: "http://proxy:3128", noProxy: "10.0.0.0/8,.internal"),
        ProxyCase(
            name: "lower-case variables", server: "https://k8s", kubeconfigProxy: nil,
            variables: ["https_proxy": "http://p:1", "no_proxy": "localhost"], proxy: "http://p:1",
            noProxy: "localhost"),
        ProxyCase(
            name: "kubeconfig proxy-url wins", server: "https://k8s", kubeconfigProxy: "socks5://s:1080",
            variables: ["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "k8s"], proxy: "socks5://s:1080",
            noProxy: nil),
        ProxyCase(
            name: "http server uses HTTP_PROXY", server: "http://k8s", kubeconfigProxy: nil,
            variables: ["HTTPS_PROXY": "http://tls-proxy:1", "HTTP_PROXY": "http://plain-proxy:1"],
            proxy: "http://plain-proxy:1", noProxy: nil),
        ProxyCase(
            name: "no proxy", server: "https://k8s", kubeconfigProxy: nil, variables: [:], proxy: nil,
            noProxy: nil),
    ])
    func proxySelectionFollowsClientGo(_ testCase: ProxyCase) {
        let (proxy, noProxy) = ConnectionLoader.proxySettings(
            server: testCase.server, kubeconfigProxy: testCase.kubeconfigProxy, variables: testCase.variables)
        #expect(proxy == testCase.proxy)
        #expect(noProxy == testCase.noProxy)
    }
}
