import Foundation
import Testing

@testable import VitessSandbox

let kubectlPath = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// Runs the real kubectl against a served sandbox.
@Suite(
    "Real kubectl against the sandbox", .serialized,
    .enabled(if: kubectlPath != nil, "kubectl is not installed; skipping the compatibility checks"))
struct KubectlCompatibilityTests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func kubectl(_ kubeconfig: String, _ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kubectlPath!)
        process.arguments = ["--kubeconfig", kubeconfig] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("get, -l, -o yaml, describe, annotate, patch merge/json, apply, delete, rollout status, api-resources")
    func compatibility() async throws {
        try await ServedSandbox.with { served in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sandbox-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("kubeconfig").path
            try Sandbox.kubeconfig(server: "http://127.0.0.1:\(served.server.port)", namespace: "example")
                .write(toFile: config, atomically: true, encoding: .utf8)
            let run = { (arguments: [String]) throws -> Output in try Self.kubectl(config, arguments) }

            let resources = try run(["api-resources"])
            #expect(resources.status == 0, "\(resources.stderr)")
            #expect(resources.stdout.contains("vitessshards") && resources.stdout.contains("vts"))

            let shards = try run(["get", "vts"])
            #expect(shards.stdout.contains(vts), "\(shards.stderr)")
            let pods = try run(["get", "pods", "-l", "planetscale.com/component=vttablet", "-o", "name"])
            #expect(pods.stdout.split(separator: "\n").count == 3, "\(pods.stderr)")
            let yaml = try run(["get", "vtk", vtk, "-o", "yaml"])
            #expect(yaml.stdout.contains("kind: VitessKeyspace"))

            let annotate = try run(["annotate", "vts", vts, "rollout.planetscale.com/cascade="])
            #expect(annotate.status == 0, "\(annotate.stderr)")
            let merge = try run([
                "patch", "vtk", vtk, "--type", "merge", "-p", #"{"metadata":{"annotations":{"a":"b"}}}"#,
            ])
            #expect(merge.status == 0, "\(merge.stderr)")
            let json = try run([
                "patch", "vtk", vtk, "--type", "json", "-p", #"[{"op":"remove","path":"/metadata/annotations/a"}]"#,
            ])
            #expect(json.status == 0, "\(json.stderr)")
            let describe = try run(["describe", "vts", vts])
            #expect(describe.stdout.contains("Name:         \(vts)"), "\(describe.stderr)")

            let manifest = directory.appendingPathComponent("cm.yaml")
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: demo\ndata:\n  a: \"1\"\n"
                .write(to: manifest, atomically: true, encoding: .utf8)
            #expect(try run(["apply", "--validate=false", "-f", manifest.path]).status == 0)
            #expect(try run(["get", "cm", "demo", "-o", "jsonpath={.data.a}"]).stdout == "1")
            #expect(try run(["delete", "cm", "demo"]).status == 0)
            #expect(try run(["get", "cm", "demo"]).status != 0)

            let rollout = try run(["rollout", "status", "deployment", "example-zone1-vtgate-bc6cde92", "--timeout=20s"])
            #expect(rollout.stdout.contains("successfully rolled out"), "\(rollout.stderr)")
        }
    }

    @Test("Over TLS: the generated kubeconfig's client certificate, its token context, and 401 without either")
    func tls() async throws {
        let credentials = try SandboxCredentials.generate()
        try await ServedSandbox.with(credentials: credentials) { served in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sandbox-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("kubeconfig").path
            try Sandbox.kubeconfig(server: served.url, namespace: "example", credentials: credentials)
                .write(toFile: config, atomically: true, encoding: .utf8)

            let pods = try Self.kubectl(
                config, ["get", "pods", "-l", "planetscale.com/component=vttablet", "-o", "name"])
            #expect(pods.status == 0, "\(pods.stderr)")
            #expect(pods.stdout.split(separator: "\n").count == 3)
            let vars = try Self.kubectl(
                config, ["get", "--raw", "/api/v1/namespaces/example/pods/\(primaryPod):15000/proxy/debug/vars"])
            #expect(vars.status == 0, "\(vars.stderr)")
            #expect(vars.stdout.contains("\"replicationLagSec\":0"))
            let token = try Self.kubectl(config, ["--context", "sandbox-token", "get", "vts", "-o", "name"])
            #expect(token.status == 0, "\(token.stderr)")
            #expect(token.stdout.contains(vts))

            // The same cluster and CA with a token the server did not issue: it must refuse. (A user with no
            // credentials at all makes kubectl prompt for a password instead of asking the server.)
            let anonymous = directory.appendingPathComponent("anonymous").path
            try """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sandbox
              cluster:
                server: \(served.url)
                certificate-authority-data: \(Data(credentials.certificateAuthorityPEM.utf8).base64EncodedString())
            users:
            - name: nobody
              user: {token: not-the-token}
            contexts:
            - name: sandbox
              context: {cluster: sandbox, user: nobody, namespace: example}
            current-context: sandbox

            """.write(toFile: anonymous, atomically: true, encoding: .utf8)
            let refused = try Self.kubectl(anonymous, ["get", "pods"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("Unauthorized"), "\(refused.stderr)")
        }
    }
}
