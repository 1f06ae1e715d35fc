import Foundation
import Testing

@testable import KubeClient

/// Token files, exec credential plugins and in-cluster configuration, end to end.
@Suite struct AuthTests {
    private func plugin(
        state: String, env: [String: String] = [:], apiVersion: String = "client.authentication.k8s.io/v1",
        execInfo: JSONValue = ["kind": "ExecCredential"]
    ) -> ExecPlugin {
        var env = env
        env["PLUGIN_STATE"] = state
        return ExecPlugin(
            user: "eks-user", command: Fixtures.path("exec-plugin.py"), args: ["token", "--cluster", "c"],
            env: env, apiVersion: apiVersion, execInfo: execInfo.encoded(), installHint: nil)
    }

    @Test func execTokenIsCachedUntilItExpires() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")))
        let client = makeClient(
            server: server.url,
            credentials: Credentials(
                bearer: .exec(plugin(state: state, env: ["PLUGIN_EXPIRY": "2999-01-01T00:00:00Z"]))))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let headers = try server.requests().map { $0["headers"]?["authorization"]?.stringValue }
        #expect(headers == ["Bearer exec-token-1", "Bearer exec-token-1"])
        let info = try JSONValue(data: Fixtures.dataAt(state + ".info"))
        #expect(info["argv"] == ["token", "--cluster", "c"])
        #expect(info["execInfo"] == #"{"kind":"ExecCredential"}"#)
    }

    @Test func concurrentRequestsShareOneExecPluginRun() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")))
        let client = makeClient(server: server.url, credentials: Credentials(bearer: .exec(plugin(state: state))))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask { _ = try await client.get(.pod, namespace: "default", name: "a") }
            }
            try await group.waitForAll()
        }
        let headers = Set(try server.requests().compactMap { $0["headers"]?["authorization"]?.stringValue })
        #expect(headers == ["Bearer exec-token-1"])
    }

    @Test func execPluginsCanReturnAClientCertificate() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .mutual)
        let env = [
            "PLUGIN_CERT_FILE": Fixtures.path("certs/client.crt"), "PLUGIN_KEY_FILE": Fixtures.path("certs/client.key"),
        ]
        let client = makeClient(
            server: server.url, credentials: Credentials(bearer: .exec(plugin(state: state, env: env))),
            transport: TransportConfiguration(certificateAuthorityPEM: try Fixtures.data("certs/ca.crt")))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let request = try #require(try server.requests().first)
        #expect(request["clientCN"] == "vtop-admin")
        #expect(request["headers"]?["authorization"] == nil)
    }

    @Test func anExpiredExecTokenIsFetchedAgain() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")))
        let client = makeClient(
            server: server.url,
            credentials: Credentials(
                bearer: .exec(plugin(state: state, env: ["PLUGIN_EXPIRY": "2001-01-01T00:00:00Z"]))))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let headers = try server.requests().map { $0["headers"]?["authorization"]?.stringValue }
        #expect(headers == ["Bearer exec-token-1", "Bearer exec-token-2"])
    }

    @Test func a401RefreshesExecCredentialsExactlyOnce() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let unauthorized: JSONValue = [
            "status": 401, "body": Bodies.status(401, reason: "Unauthorized", message: "expired"),
        ]
        let server = try await TestServer.start([unauthorized, Bodies.ok(Bodies.pod("a")), unauthorized, unauthorized])
        let client = makeClient(server: server.url, credentials: Credentials(bearer: .exec(plugin(state: state))))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        await #expect(throws: KubeError.self) { _ = try await client.get(.pod, namespace: "default", name: "a") }
        let headers = try server.requests().map { $0["headers"]?["authorization"]?.stringValue ?? "" }
        #expect(
            headers == ["Bearer exec-token-1", "Bearer exec-token-2", "Bearer exec-token-2", "Bearer exec-token-3"])
    }

    @Test func execPluginFailuresAndBadOutputAreExplained() async throws {
        let temp = try TempDirectory()
        let state = temp.url.appendingPathComponent("count").path
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")))
        let failing = makeClient(
            server: server.url,
            credentials: Credentials(bearer: .exec(plugin(state: state, env: ["PLUGIN_FAIL": "1"]))))
        await #expect(
            throws: KubeconfigError.execFailed(
                user: "eks-user", command: Fixtures.path("exec-plugin.py"),
                exitCode: 3)
        ) {
            _ = try await failing.get(.pod, namespace: "default", name: "a")
        }
        let mismatched = makeClient(
            server: server.url,
            credentials: Credentials(
                bearer: .exec(plugin(state: state, env: ["PLUGIN_API_VERSION": "client.authentication.k8s.io/v1beta1"]))
            ))
        do {
            _ = try await mismatched.get(.pod, namespace: "default", name: "a")
            Issue.record("expected an error")
        } catch let error as KubeconfigError {
            #expect(error.description.contains("apiVersion is client.authentication.k8s.io/v1beta1"))
        }
        var missing = plugin(state: state)
        missing.command = "aws-iam-authenticator-not-installed"
        missing.installHint = "install aws-iam-authenticator"
        let absent = makeClient(server: server.url, credentials: Credentials(bearer: .exec(missing)))
        do {
            _ = try await absent.get(.pod, namespace: "default", name: "a")
            Issue.record("expected an error")
        } catch let error as KubeconfigError {
            #expect(
                error.description == "exec plugin 'aws-iam-authenticator-not-installed' for user 'eks-user' was "
                    + "not found: install aws-iam-authenticator")
        }
        #expect(try server.requests().isEmpty)
    }

    @Test func tokenFileIsReReadWhenItChanges() async throws {
        let temp = try TempDirectory()
        let tokenPath = try temp.write("token", "first-token\n")
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")))
        let client = makeClient(server: server.url, credentials: Credentials(bearer: .tokenFile(path: tokenPath)))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        try temp.write("token", "second-token-rotated\n")
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let headers = try server.requests().map { $0["headers"]?["authorization"]?.stringValue }
        #expect(headers == ["Bearer first-token", "Bearer second-token-rotated"])
    }

    @Test func inClusterConfigurationReadsTheServiceAccountAndFollowsRotation() async throws {
        let temp = try TempDirectory()
        try temp.write("sa/token", "sa-token-1")
        try temp.write("sa/namespace", "vitess\n")
        try temp.write("sa/ca.crt", String(decoding: try Fixtures.data("certs/ca.crt"), as: UTF8.self))
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")), tls: .serverOnly)
        let environment = LoaderEnvironment(
            variables: [
                "KUBERNETES_SERVICE_HOST": "localhost", "KUBERNETES_SERVICE_PORT": String(server.port),
                "HOME": temp.path,
            ],
            serviceAccountDirectory: temp.url.appendingPathComponent("sa").path)
        let connection = try ConnectionLoader.load(options: ConnectionOptions(), environment: environment)
        #expect(connection.server == "https://localhost:\(server.port)")
        #expect(connection.namespace == "vitess")
        let client = KubeClient(connection: connection, retry: SleepRecorder().policy, warn: { _ in })
        _ = try await client.get(.pod, namespace: nil, name: "a")
        try temp.write("sa/token", "sa-token-2-rotated")
        _ = try await client.get(.pod, namespace: nil, name: "a")
        let requests = try server.requests()
        #expect(
            requests.map { $0["headers"]?["authorization"]?.stringValue } == [
                "Bearer sa-token-1",
                "Bearer sa-token-2-rotated",
            ])
        #expect(requests.first?["path"] == "/api/v1/namespaces/vitess/pods/a")

        let overridden = try ConnectionLoader.load(
            options: ConnectionOptions(namespace: "other"), environment: environment)
        #expect(overridden.namespace == "other")
    }

    @Test func inClusterWithoutATokenSaysWhatIsMissing() throws {
        let temp = try TempDirectory()
        let environment = LoaderEnvironment(
            variables: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": temp.path],
            serviceAccountDirectory: temp.path + "/missing")
        #expect(
            throws: KubeconfigError.inClusterIncomplete(
                detail: "cannot read the service-account token at \(temp.path)/missing/token")
        ) {
            try ConnectionLoader.load(environment: environment)
        }
    }
}

extension Fixtures {
    static func dataAt(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }
}
