import Foundation
import Testing

@testable import KubeClient

/// Tokens, passwords and keys never appear in logs, errors, descriptions or dumps.
@Suite struct RedactionTests {
    private static let token = "tok-SECRET-6f1c2a"
    private static let password = "pw-SECRET-93be"

    @Test func secretsNeverReachLogsErrorsOrState() async throws {
        let temp = try TempDirectory()
        let keyPEM = String(decoding: try Fixtures.data("certs/client.key"), as: UTF8.self)
        let keyLine = keyPEM.split(separator: "\n")[1]  // a line of the key's base64 body
        let path = try temp.write(
            "config",
            """
            current-context: a
            clusters: [{name: c, cluster: {server: "https://localhost:1"}}]
            contexts: [{name: a, context: {cluster: c, user: u}}, {name: b, context: {cluster: c, user: p}}]
            users:
            - name: u
              user:
                token: \(Self.token)
                client-certificate-data: \(try Fixtures.base64("certs/client.crt"))
                client-key-data: \(try Fixtures.base64("certs/client.key"))
            - name: p
              user: {username: admin, password: \(Self.password)}
            """)
        let environment = LoaderEnvironment(variables: ["HOME": temp.path])
        let connection = try ConnectionLoader.load(
            options: ConnectionOptions(kubeconfig: path), environment: environment)
        let basic = try ConnectionLoader.load(
            options: ConnectionOptions(kubeconfig: path, context: "b"),
            environment: environment)

        let unauthorized: JSONValue = [
            "status": 401,
            "body": Bodies.status(
                401, reason: "Unauthorized",
                message: "Unauthorized"),
        ]
        let server = try await TestServer.start([unauthorized, ["drop": true]], default: unauthorized)
        let lines = LineCollector()
        var captured: [String] = []
        for (index, credentials) in [connection.credentials, basic.credentials].enumerated() {
            let client = makeClient(
                server: server.url, credentials: credentials, maxAttempts: 2,
                logger: { lines.append($0.description) })
            do {
                _ = try await client.get(.pod, namespace: "default", name: "p\(index)")
            } catch {
                captured.append(String(describing: error))
                captured.append(String(reflecting: error))
                captured.append(error.localizedDescription)
            }
        }
        // The server did receive the credentials, so the test is meaningful.
        let sent = try server.requests().compactMap { $0["headers"]?["authorization"]?.stringValue }
        #expect(sent.contains("Bearer \(Self.token)"))

        var dumped = ""
        dump(connection, to: &dumped)
        dump(basic, to: &dumped)
        dump(
            try Kubeconfig.parse(String(contentsOfFile: path, encoding: .utf8), path: path, directory: temp.path),
            to: &dumped)
        let request = HTTPRequest(method: "GET", url: "https://x", authorization: "Bearer \(Self.token)")
        dump(request, to: &dumped)
        captured +=
            lines.lines + [
                dumped, "\(connection)", String(reflecting: connection), "\(basic)",
                "\(request)", String(reflecting: request),
            ]
        #expect(lines.lines.count >= 2)
        for text in captured {
            #expect(!text.contains(Self.token), "token leaked: \(text)")
            #expect(!text.contains(Self.password), "password leaked: \(text)")
            #expect(!text.contains(keyLine), "key leaked: \(text)")
            #expect(!text.localizedCaseInsensitiveContains("authorization:"), "header leaked: \(text)")
        }
    }

    @Test func proxyCredentialsAreHiddenFromDescriptions() {
        let configuration = TransportConfiguration(proxyURL: "http://user:\(Self.password)@proxy:3128")
        #expect(!configuration.description.contains(Self.password))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains(Self.password))
    }

    @Test func userInfoInTheServerURLIsKeptOutOfLogs() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))])
        let lines = LineCollector()
        let client = makeClient(
            server: "http://admin:\(Self.password)@127.0.0.1:\(server.port)",
            logger: { lines.append($0.description) })
        _ = try await client.get(.pod, namespace: "default", name: "a")
        #expect(lines.lines.count == 1)
        #expect(!lines.lines[0].contains(Self.password))
    }
}
