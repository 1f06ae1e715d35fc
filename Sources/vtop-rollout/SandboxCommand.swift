import ArgumentParser
import Foundation
import VitessSandbox
import Yams

/// `vtop-rollout sandbox`: serves an emulated Kubernetes API server and vitess-operator on loopback.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve an emulated cluster (Kubernetes API + vitess-operator) on 127.0.0.1.",
        discussion: "Runs until interrupted. See docs/sandbox.md."
    )

    @Option(help: "A VitessCluster manifest (YAML or JSON). Default: a built-in 2-cell, 5-shard cluster.")
    var fixture: String?

    @Option(help: "Port on 127.0.0.1; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Time scale of emulated durations (1 = realistic, 100 = a hundred times faster).")
    var speed: Double = 1

    @Option(help: "Where to write the kubeconfig (context 'sandbox').")
    var kubeconfigOut: String = "./sandbox.kubeconfig"

    @Flag(help: "Serve HTTPS with a throwaway CA; clients authenticate with a client certificate or a bearer token.")
    var tls = false

    @Option(
        name: .customLong("fault"),
        help: ArgumentHelp("A fault, repeatable: \(FaultSettings.usage). See docs/sandbox.md.", valueName: "fault"))
    var faults: [String] = []

    func validate() throws {
        // Checked before anything starts, so a typo in a fault is a usage error, not a half-started sandbox.
        do {
            _ = try FaultSettings(flags: faults)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        // Armed before anything starts: a script that sends SIGTERM as soon as it reads the ready
        // line must stop the sandbox, and a signal sent while the handlers are being set up is lost.
        let termination = await Self.terminationSignals()
        var cluster = BuiltinFixture.cluster
        var objects: [(type: ResourceType, object: JSON)] = []
        if let fixture {
            guard let data = FileManager.default.contents(atPath: fixture) else {
                let reason = FileManager.default.fileExists(atPath: fixture) ? "it cannot be read" : "it does not exist"
                throw CommandFailure(message: "cannot open fixture '\(fixture)': \(reason)", code: Exit.invalidInput)
            }
            let parsed: [JSON]
            do {
                parsed = try Self.decodeAll(String(decoding: data, as: UTF8.self))
            } catch {
                throw CommandFailure(
                    message: "fixture '\(fixture)' is not a VitessCluster manifest in YAML or JSON: \(error)",
                    code: Exit.invalidInput)
            }
            let documents: FixtureDocuments
            do {
                documents = try FixtureDocuments(documents: parsed)
            } catch {
                throw CommandFailure(message: "fixture '\(fixture)' cannot be served: \(error)", code: Exit.invalidInput)
            }
            cluster = documents.cluster
            objects = documents.objects
            if !documents.skipped.isEmpty {
                FileHandle.standardError.write(
                    Data(
                        ("fixture: skipped \(documents.skipped.count) document(s) of kinds the sandbox does not serve: "
                            + documents.skipped.joined(separator: ", ") + "\n").utf8))
            }
        }
        let settings = try FaultSettings(flags: faults)
        let sandbox = try Sandbox(cluster: cluster, clock: ScaledClock(speed: speed), objects: objects)
        sandbox.requestFaults = settings.request
        sandbox.operator.faults = settings.rollout
        let credentials = tls ? try SandboxCredentials.generate() : nil
        let server = try await sandbox.serve(port: port, credentials: credentials)
        let operatorLoop = Task { await sandbox.runOperator() }
        let url = "\(tls ? "https" : "http")://127.0.0.1:\(server.port)"
        // The kubeconfig holds the client key and token: readable by its owner only. Neither is ever printed.
        let kubeconfig = Sandbox.kubeconfig(server: url, namespace: sandbox.namespace, credentials: credentials)
        guard
            FileManager.default.createFile(
                atPath: kubeconfigOut, contents: Data(kubeconfig.utf8), attributes: [.posixPermissions: 0o600])
        else {
            operatorLoop.cancel()
            await server.shutdown()
            throw ValidationError("cannot write the kubeconfig to \(kubeconfigOut)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: kubeconfigOut)
        // Written unbuffered: scripts wait for this exact line before they talk to the server.
        FileHandle.standardOutput.write(Data("sandbox ready: server=\(url) kubeconfig=\(kubeconfigOut)\n".utf8))
        for await _ in termination.signals { break }
        withExtendedLifetime(termination.sources) {}
        operatorLoop.cancel()
        await server.shutdown()
    }

    /// A document of a manifest file that is a scalar, not an object.
    struct NotAMapping: Error, CustomStringConvertible {
        var index: Int
        var description: String { index == 0 ? "it holds no document" : "document \(index) is not a mapping" }
    }

    /// Parses every document of a manifest file: one JSON document, or a YAML stream (`---` separated); empty
    /// documents are dropped.
    static func decodeAll(_ text: String) throws -> [JSON] {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") { return [try JSON.parse(text)] }
        var documents: [JSON] = []
        for (index, value) in try Yams.load_all(yaml: text).enumerated() {
            if value is NSNull { continue }
            guard value is [String: Any] || value is [Any], JSONSerialization.isValidJSONObject(value) else {
                throw NotAMapping(index: index + 1)
            }
            documents.append(try JSON.parse(JSONSerialization.data(withJSONObject: value)))
        }
        if documents.isEmpty { throw NotAMapping(index: 0) }
        return documents
    }

    /// Suspends until SIGINT or SIGTERM (`demo --keep`, where a person presses Ctrl-C).
    static func waitForTermination() async {
        let termination = await terminationSignals()
        for await _ in termination.signals { break }
        withExtendedLifetime(termination.sources) {}
    }

    /// Catches SIGINT and SIGTERM; returns once both handlers are installed, so a signal sent after
    /// that is never lost. The stream yields once per signal. Keep the sources alive while waiting:
    /// they are cancelled on deallocation.
    static func terminationSignals() async -> (signals: AsyncStream<Void>, sources: [any DispatchSourceSignal]) {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let queue = DispatchQueue(label: "sandbox.signals")
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: queue) }
        // resume() only schedules the registration; until it is done, SIG_IGN drops the signal.
        await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
            let group = DispatchGroup()
            for source in sources {
                group.enter()
                source.setRegistrationHandler { group.leave() }
                source.setEventHandler { continuation.yield() }
                source.resume()
            }
            group.notify(queue: queue) { registered.resume() }
        }
        return (stream, sources)
    }
}
