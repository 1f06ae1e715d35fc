import Foundation
import KubeClient
import Testing
import VitessModel

@testable import VitessSandbox

/// vtop-rollout's own client (libcurl) against a served sandbox, as users will run it: the generated kubeconfig
/// over TLS, and paged lists.
@Suite("KubeClient against the sandbox", .serialized)
struct KubeClientCompatibilityTests {
    /// A client for `kubeconfig`, written to a private temporary file; `body` runs with it, then the file goes.
    static func withClient<T>(
        _ kubeconfig: String, context: String? = nil, _ body: (KubeClient) async throws -> T
    ) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kubeclient-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("kubeconfig").path
        try kubeconfig.write(toFile: path, atomically: true, encoding: .utf8)
        // Only HOME: no proxy variables from the machine may reroute loopback traffic.
        let connection = try ConnectionLoader.load(
            options: ConnectionOptions(kubeconfig: path, context: context, requestTimeout: .seconds(30)),
            environment: LoaderEnvironment(variables: ["HOME": directory.path]))
        return try await body(KubeClient(connection: connection, warn: { _ in }))
    }

    /// A kubeconfig for `server` that trusts `ca` and names `user`.
    static func kubeconfig(server: String, ca: String, user: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: sandbox
          cluster:
            server: \(server)
            certificate-authority-data: \(Data(ca.utf8).base64EncodedString())
        users:
        - name: someone
          user: \(user)
        contexts:
        - name: sandbox
          context: {cluster: sandbox, user: someone, namespace: example}
        current-context: sandbox

        """
    }

    static let tablets = ListOptions(labelSelector: "planetscale.com/component=vttablet")

    @Test("Over TLS: client certificate and bearer token are accepted; none, a wrong token or a foreign cert are not")
    func tls() async throws {
        let credentials = try SandboxCredentials.generate()
        let stranger = try SandboxCredentials.generate()
        try await ServedSandbox.with(credentials: credentials) { served in
            #expect(served.url.hasPrefix("https://127.0.0.1:"))
            let generated = Sandbox.kubeconfig(server: served.url, namespace: "example", credentials: credentials)
            try await Self.withClient(generated) { client in
                let pods = try await client.list(.pod, namespace: nil, options: Self.tablets)
                #expect(pods.items.count == 3)
                #expect(client.defaultNamespace == "example")
            }
            try await Self.withClient(generated, context: "sandbox-token") { client in
                let shard = try await client.get(.vitessShard, namespace: "example", name: vts)
                #expect(shard.name == vts)
            }
            let ca = credentials.certificateAuthorityPEM
            for user in ["{}", "{token: wrong}"] {
                try await Self.withClient(Self.kubeconfig(server: served.url, ca: ca, user: user)) { client in
                    await #expect {
                        _ = try await client.list(.pod, namespace: "example", options: ListOptions())
                    } throws: { error in
                        guard case .unauthorized(_, let message) = error as? KubeError else { return false }
                        return message == "Unauthorized"
                    }
                }
            }
            // A certificate from another CA fails the TLS handshake: it never reaches a handler.
            let foreign = """
                {client-certificate-data: \(Data(stranger.clientCertificatePEM.utf8).base64EncodedString()), \
                client-key-data: \(Data(stranger.clientKeyPEM.utf8).base64EncodedString())}
                """
            try await Self.withClient(Self.kubeconfig(server: served.url, ca: ca, user: foreign)) { client in
                await #expect(throws: (any Error).self) {
                    _ = try await client.list(.pod, namespace: "example", options: ListOptions())
                }
            }
        }
    }

    @Test("listAll follows the server's continue tokens to the last page")
    func pagedList() async throws {
        try await ServedSandbox.with { served in
            for index in 0..<7 {
                try served.sandbox.store.create(
                    .configMap, namespace: "example", object: ["metadata": ["name": .string("page-\(index)")]])
            }
            let expected = served.sandbox.store.list(.pod, namespace: "example").items.count
            try await Self.withClient(Sandbox.kubeconfig(server: served.url, namespace: "example")) { client in
                let first = try await client.list(.configMap, namespace: "example", options: ListOptions(limit: 3))
                #expect(first.items.map(\.name) == ["page-0", "page-1", "page-2"])
                #expect(first.continueToken != nil)
                let all = try await client.listAll(.configMap, namespace: "example", options: ListOptions(limit: 3))
                #expect(all.items.map(\.name) == (0..<7).map { "page-\($0)" })
                #expect(all.continueToken == nil)
                let pods = try await client.listAll(.pod, namespace: "example", options: ListOptions(limit: 2))
                #expect(pods.items.count == expected)
                #expect(Set(pods.items.map(\.name)).count == expected)
            }
        }
    }
}
