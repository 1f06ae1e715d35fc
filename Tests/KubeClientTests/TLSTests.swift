import Foundation
import Testing

@testable import KubeClient

/// TLS against the loopback server: CA verification, mutual TLS with in-memory keys,
/// `tls-server-name` and `insecure-skip-tls-verify`.
@Suite struct TLSTests {
    private func transport(ca: String? = "certs/ca.crt", serverName: String? = nil, insecure: Bool = false) throws
        -> TransportConfiguration
    {
        TransportConfiguration(
            certificateAuthorityPEM: try ca.map(Fixtures.data), tlsServerName: serverName,
            insecureSkipTLSVerify: insecure, connectTimeout: .seconds(5))
    }

    private var clientCertificate: ClientCertificate {
        get throws {
            ClientCertificate(
                certificatePEM: try Fixtures.data("certs/client.crt"),
                keyPEM: try Fixtures.data("certs/client.key"))
        }
    }

    @Test func mutualTLSPresentsTheClientCertificateFromMemory() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .mutual)
        let client = makeClient(
            server: server.url, credentials: Credentials(clientCertificate: try clientCertificate),
            transport: try transport())
        let pod = try await client.get(.pod, namespace: "default", name: "a")
        #expect(pod.name == "a")
        #expect(try server.requests().first?["clientCN"] == "vtop-admin")
    }

    @Test func mutualTLSWithoutACertificateFailsWithATLSError() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .mutual)
        let client = makeClient(server: server.url, transport: try transport(), maxAttempts: 1)
        await #expect(throws: KubeError.self) { _ = try await client.get(.pod, namespace: "default", name: "a") }
    }

    @Test func anUnknownCAIsRejectedWithAnExplanation() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .serverOnly)
        let client = makeClient(server: server.url, transport: try transport(ca: "certs/other-ca.crt"))
        do {
            _ = try await client.get(.pod, namespace: "default", name: "a")
            Issue.record("expected a TLS error")
        } catch let KubeError.transport(error) {
            #expect(error.kind == .tls)
            #expect(error.description.hasPrefix("TLS error talking to \(server.url): "))
            #expect(error.description.contains("certificate"))
        }
        #expect(try server.requests().isEmpty)
    }

    @Test func tlsServerNameChangesTheNameThatIsVerified() async throws {
        // The server certificate names localhost and kube-apiserver.test, but not 127.0.0.1.
        let server = try await TestServer.start(
            [Bodies.ok(Bodies.pod("a"))], default: Bodies.ok(Bodies.pod("b")),
            tls: .serverOnly)
        let byIP = "https://127.0.0.1:\(server.port)"
        let plain = makeClient(server: byIP, transport: try transport())
        await #expect(throws: KubeError.self) { _ = try await plain.get(.pod, namespace: "default", name: "a") }

        let named = makeClient(server: byIP, transport: try transport(serverName: "kube-apiserver.test"))
        let pod = try await named.get(.pod, namespace: "default", name: "a")
        #expect(pod.name == "a")
        // The Host header still names the server from the kubeconfig.
        #expect(try server.requests().last?["headers"]?["host"] == .string("127.0.0.1:\(server.port)"))
    }

    @Test func insecureSkipVerifyConnectsWithoutACA() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .serverOnly)
        let client = makeClient(server: server.url, transport: try transport(ca: nil, insecure: true))
        #expect(try await client.get(.pod, namespace: "default", name: "a").name == "a")
    }

    @Test func verificationIsOnByDefault() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))], tls: .serverOnly)
        // No CA given: the system store does not know the test CA, so the connection must fail.
        let client = makeClient(server: server.url, transport: try transport(ca: nil))
        await #expect(throws: KubeError.self) { _ = try await client.get(.pod, namespace: "default", name: "a") }
    }
}
