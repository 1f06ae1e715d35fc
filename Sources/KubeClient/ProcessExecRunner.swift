import Foundation

/// Decodes an ExecCredential printed by a plugin.
enum ExecCredentialOutput {
    /// Validates the plugin output and returns the token or certificate with its expiry.
    static func parse(_ output: Data, plugin: ExecPlugin) throws
        -> (token: String?, certificate: ClientCertificate?, expiry: Date?)
    {
        func invalid(_ detail: String) -> KubeconfigError {
            .execInvalidOutput(user: plugin.user, command: plugin.command, detail: detail)
        }
        guard let json = try? JSONValue(data: output) else { throw invalid("output is not JSON") }
        guard json["kind"]?.stringValue == "ExecCredential" else { throw invalid("kind is not ExecCredential") }
        if let version = json["apiVersion"]?.stringValue, version != plugin.apiVersion {
            throw invalid("apiVersion is \(version), the kubeconfig asked for \(plugin.apiVersion)")
        }
        let status = json["status"]
        let token = status?["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        var certificate: ClientCertificate?
        if let cert = status?["clientCertificateData"]?.stringValue, let key = status?["clientKeyData"]?.stringValue {
            certificate = ClientCertificate(certificatePEM: Data(cert.utf8), keyPEM: Data(key.utf8))
        }
        if token == nil && certificate == nil {
            throw invalid("status has neither a token nor a client certificate and key")
        }
        var expiry: Date?
        if let text = status?["expirationTimestamp"]?.stringValue {
            expiry = RFC3339.parse(text)
            if expiry == nil { throw invalid("expirationTimestamp '\(text)' is not RFC 3339") }
        }
        return (token, certificate, expiry)
    }
}

/// RFC 3339 timestamps as Kubernetes writes them.
enum RFC3339 {
    /// Parses an RFC 3339 timestamp, with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}

/// Short reasons for file errors.
enum FileText {
    /// A lower-case reason such as "no such file or directory".
    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let text = strerror(Int32(underlying.code))
        {
            return String(cString: text).lowercased()
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoSuchFileError {
            return "no such file or directory"
        }
        if nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return nsError.localizedDescription
    }
}

/// Runs exec plugins as argv with `Process`, on a dedicated thread (it blocks), never through a shell.
public enum ProcessExecRunner {
    /// Runs the plugin with the inherited environment plus `env` and `KUBERNETES_EXEC_INFO`. Its
    /// standard error goes to ours, as kubectl does, so login prompts and failures stay visible.
    public static func make(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ExecRunner {
        { plugin in
            guard let executable = locate(plugin.command, path: environment["PATH"] ?? "/usr/bin:/bin") else {
                throw KubeconfigError.execNotFound(
                    user: plugin.user, command: plugin.command, installHint: plugin.installHint)
            }
            var env = environment
            for (name, value) in plugin.env { env[name] = value }
            env["KUBERNETES_EXEC_INFO"] = String(decoding: plugin.execInfo, as: UTF8.self)
            let finalEnv = env
            return try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    continuation.resume(
                        with: Result {
                            try runBlocking(executable: executable, plugin: plugin, environment: finalEnv)
                        })
                }
                thread.name = "vtop-exec-plugin"
                thread.start()
            }
        }
    }

    private static func runBlocking(executable: String, plugin: ExecPlugin, environment: [String: String]) throws
        -> Data
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = plugin.args
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw KubeconfigError.execNotFound(
                user: plugin.user, command: plugin.command, installHint: plugin.installHint)
        }
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KubeconfigError.execFailed(
                user: plugin.user, command: plugin.command,
                exitCode: process.terminationStatus)
        }
        return output
    }

    private static func locate(_ command: String, path: String) -> String? {
        let fileManager = FileManager.default
        if command.contains("/") {
            return fileManager.isExecutableFile(atPath: command) ? command : nil
        }
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(command)"
            if fileManager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
