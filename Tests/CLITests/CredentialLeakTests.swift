import Foundation
import Testing

/// No credential from the kubeconfig ever reaches the output, even at the highest verbosity (`-v`
/// logs every request). The sandbox runs with `--tls`, so the kubeconfig holds a client key and
/// certificate and, in a second context, a bearer token.
@Suite(.serialized) struct CredentialLeakTests {
    /// The kubeconfig's secrets in every form that could leak: as written (base64), decoded, and each
    /// line of a decoded PEM's body.
    static func secrets(in kubeconfig: String) throws -> [String] {
        var found: [String] = []
        for line in kubeconfig.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for key in ["client-key-data: ", "client-certificate-data: ", "token: "] where trimmed.hasPrefix(key) {
                let value = String(trimmed.dropFirst(key.count))
                found.append(value)
                if key != "token: ", let decoded = Data(base64Encoded: value) {
                    let pem = String(decoding: decoded, as: UTF8.self)
                    found.append(pem)
                    found += pem.split(separator: "\n").map(String.init).filter {
                        !$0.hasPrefix("-----") && $0.count >= 16
                    }
                } else {
                    found.append(Data(value.utf8).base64EncodedString())
                }
            }
        }
        return found
    }

    @Test func verboseOutputCarriesNoCredential() throws {
        let sandbox = try SandboxProcess.start(arguments: ["--tls"])
        defer { sandbox.stop() }
        let kubeconfig = try String(contentsOfFile: sandbox.kubeconfig, encoding: .utf8)
        let secrets = try Self.secrets(in: kubeconfig)
        // A token, a key and a certificate, each with its decoded forms.
        try #require(secrets.count >= 8, "the TLS sandbox's kubeconfig lacks the expected credentials")
        let runs: [(String, [String])] = [
            ("status -v with a client certificate", ["status", "-v"]),
            ("status -v with a bearer token", ["status", "-v", "--context", "sandbox-token"]),
            ("plan apply --dry-run -v", ["plan", "apply", "plans/demo-upgrade.yaml", "--dry-run", "-v"]),
            (
                "plan apply --dry-run -v with a bearer token",
                ["plan", "apply", "plans/demo-upgrade.yaml", "--dry-run", "-v", "--context", "sandbox-token"]
            ),
        ]
        for (name, arguments) in runs {
            let run = try sandbox.vtop(arguments)
            #expect(run.status == 0, "\(name): \(run.stdout)\(run.stderr)")
            // -v really logged requests: otherwise the check below would prove nothing.
            #expect(run.stderr.contains("GET "), "\(name): no request log on standard error")
            for secret in secrets {
                #expect(!run.stdout.contains(secret), "\(name): a credential is on standard output")
                #expect(!run.stderr.contains(secret), "\(name): a credential is on standard error")
            }
        }
    }
}
