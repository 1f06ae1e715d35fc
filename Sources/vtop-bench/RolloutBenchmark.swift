import Foundation
import KubeClient
import RolloutEngine
import RolloutPlan
import RolloutRuntime
import VitessModel
import VitessSandbox

/// `vtop-bench rollout`: a whole `plan apply` against the sandbox over HTTP, as a user runs it, measured from the
/// sandbox's side (its history and its request counter), next to the same upgrade done by hand with kubectl.
///
///   swift run -c release vtop-bench rollout              # 4 keyspaces x 8 shards x 3 tablets = 96 tablets
///   swift run -c release vtop-bench rollout --quick      # 1 x 2 x 3, as CI runs it so it cannot rot
///
/// Nothing is asserted: the targets are printed next to the numbers, and docs/performance.md keeps the results.
enum RolloutBenchmark {
    /// What the command line asked for.
    struct Settings {
        var quick = false
        var runs: Int?
        var speed = 100.0
        var baseline = true
        /// Where to write the sandbox history of the last vtop-rollout run (JSON), to see where time goes; the
        /// run's state file goes next to it as FILE.state.json.
        var history: String?
        var script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("benchmarks/kubectl-loop.sh").path

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            while let argument = rest.popFirst() {
                switch argument {
                case "--quick": quick = true
                case "--no-baseline": baseline = false
                case "--runs": runs = rest.popFirst().flatMap(Int.init)
                case "--speed": speed = rest.popFirst().flatMap(Double.init) ?? speed
                case "--script": script = rest.popFirst() ?? script
                case "--history": history = rest.popFirst()
                default:
                    throw Failure(
                        "unknown argument '\(argument)'; usage: vtop-bench rollout [--quick] "
                            + "[--runs N] [--speed X] [--no-baseline] [--script FILE] [--history FILE]")
                }
            }
            guard (runs ?? 1) >= 1, speed > 0 else { throw Failure("--runs wants N >= 1 and --speed X > 0") }
        }

        var shape: (keyspaces: Int, shards: Int) { quick ? (1, 2) : (4, 8) }
        var runCount: Int { runs ?? (quick ? 1 : 3) }
    }

    /// A failure with a one-line message.
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// What one run measured.
    struct Measurement {
        var outcome: String
        var tablets: Int
        /// Reaction latencies in real milliseconds.
        var reactions: [Double]
        /// Emulated seconds from the first release to the end of the run.
        var makespan: Double
        var requests: Int
    }

    static let newImage = "vitess/lite:v22.0.0"

    /// Runs the benchmark and prints its report; blocks the calling (main) thread until done.
    static func main(_ arguments: [String]) -> Int32 {
        blocking("vtop-bench rollout") {
            try await run(try Settings(arguments))
            return 0
        }
    }

    static func run(_ settings: Settings) async throws {
        let (keyspaces, shards) = settings.shape
        var ours: [Measurement] = []
        var bound = 0.0
        for _ in 0..<settings.runCount {
            let (measurement, lowerBound) = try await measureTool(settings)
            ours.append(measurement)
            bound = lowerBound
        }
        var theirs: Measurement?
        if settings.baseline, which("kubectl") != nil, FileManager.default.fileExists(atPath: settings.script) {
            theirs = try await measureKubectlLoop(settings)
        }
        let startup = cliStartup()

        let tablets = keyspaces * shards * 3
        print(
            "vtop-bench rollout\(settings.quick ? " --quick" : "") (\(tablets) tablets: \(keyspaces) keyspaces x "
                + "\(shards) shards x 3; speed \(Int(settings.speed))x); median of \(ours.count) run"
                + "\(ours.count == 1 ? "" : "s")")
        print("outcome: \(ours.map(\.outcome).joined(separator: ", ")); tablets released: \(ours[0].tablets)")
        let p50 = median(ours.map { percentile($0.reactions, 0.5) })
        let p99 = median(ours.map { percentile($0.reactions, 0.99) })
        let makespan = median(ours.map(\.makespan))
        let perTablet = median(ours.map { Double($0.requests) / Double(max($0.tablets, 1)) })
        print("| metric | vtop-rollout | kubectl loop | ratio | target |")
        print("|---|---|---|---|---|")
        func row(_ name: String, _ value: Double, _ other: Double?, _ unit: String, _ target: String) {
            let base = other.map { fmt($0) + unit } ?? "-"
            let ratio = other.map { value > 0 ? String(format: "%.1fx", $0 / value) : "-" } ?? "-"
            print("| \(name) | \(fmt(value))\(unit) | \(base) | \(ratio) | \(target) |")
        }
        row(
            "reaction latency median", p50, theirs.map { percentile($0.reactions, 0.5) }, " ms", "<= 50 ms")
        row("reaction latency p99", p99, theirs.map { percentile($0.reactions, 0.99) }, " ms", "<= 250 ms")
        row("makespan (emulated)", makespan, theirs.map(\.makespan), " s", "")
        print(
            "| makespan / critical-path bound | \(String(format: "%.3f", makespan / bound)) "
                + "(bound \(fmt(bound)) s) | \(theirs.map { String(format: "%.3f", $0.makespan / bound) } ?? "-") | "
                + "- | <= 1.05 |")
        row(
            "API requests per released tablet", perTablet,
            theirs.map { Double($0.requests) / Double(max($0.tablets, 1)) }, "", "<= 3")
        let version = startup.tool.map { fmt($0) + " ms" } ?? "- (vtop-rollout not built next to vtop-bench)"
        let kubectl = startup.kubectl.map { fmt($0) + " ms" } ?? "-"
        var ratio = "-"
        if let tool = startup.tool, let other = startup.kubectl { ratio = String(format: "%.1fx", other / tool) }
        print(
            "| CLI start-up: vtop-rollout --version, kubectl version --client | \(version) | \(kubectl) | \(ratio) | |")
        if let theirs { print("kubectl loop: outcome \(theirs.outcome), \(theirs.tablets) tablets released") }
    }

    // MARK: the cluster and the plan

    /// A VitessCluster like BuiltinFixture.cluster, one cell, `shards` shards per keyspace of 2 replicas and an rdonly.
    static func cluster(keyspaces: Int, shards: Int) -> JSON {
        let image = "vitess/lite:v21.0.0-mysql80"
        let pools: JSON = [
            ["cell": "zone1", "type": "replica", "replicas": 2],
            ["cell": "zone1", "type": "rdonly", "replicas": 1],
        ]
        let keyspaceList: [JSON] = (0..<keyspaces).map { index in
            [
                "name": .string("ks\(index)"), "durabilityPolicy": "semi_sync", "turndownPolicy": "Immediate",
                "partitionings": [["equal": ["parts": .int(shards), "shardTemplate": ["tabletPools": pools]]]],
            ]
        }
        return [
            "apiVersion": "planetscale.com/v2", "kind": "VitessCluster",
            "metadata": ["name": "bench", "namespace": "bench"],
            "spec": [
                "images": [
                    "vtctld": .string(image), "vtgate": .string(image), "vttablet": .string(image),
                    "vtorc": .string(image), "vtbackup": .string(image),
                    "mysqld": ["mysql80Compatible": .string(image)],
                    "mysqldExporter": "prom/mysqld-exporter:v0.18.0",
                ],
                "cells": [["name": "zone1", "gateway": ["replicas": 1]]],
                "vitessDashboard": ["cells": ["zone1"], "replicas": 1],
                "keyspaces": .array(keyspaceList),
                "updateStrategy": ["type": "External"],
            ],
        ]
    }

    /// Every tablet, 8 shards at a time (quick: all at once). The estimates match the sandbox's OperatorTimings:
    /// a tablet is 20 s to Ready plus the 30 s availability window, and the keyspace and shard cascades are
    /// immediate there, so the bound is the one the sandbox could reach with an instant tool.
    static func plan(quick: Bool) -> String { plan(name: "bench-rollout", shards: quick ? nil : 8) }

    /// The plan "every tablet, `shards` shards at a time" (nil: all at once), named `name`.
    static func plan(name: String, shards: Int?) -> String {
        let timings = OperatorTimings()
        let restart = Int(timings.tabletRestart + timings.tabletAvailable)
        return """
            apiVersion: vtop-rollout/v1
            kind: RolloutPlan
            metadata: {name: \(name)}
            spec:
              cluster: bench
              namespace: bench
              estimates: {tabletRestart: \(restart)s, keyspaceRelease: 0s, shardRelease: 0s}
              defaults: {healthChecks: [{tabletAvailable: {}}]}
              stages:
                - {name: tablets, release: tablets\(shards.map { ", maxConcurrent: {shards: \($0)}" } ?? "")}

            """
    }

    /// A started sandbox with the vttablet image changed and the change pending on every keyspace.
    struct Started {
        var sandbox: Sandbox
        var server: APIServer
        var operatorLoop: Task<Void, Never>
        var client: KubeClient
        var kubeconfig: String
        var url: String
        var directory: URL

        func stop() async {
            operatorLoop.cancel()
            await server.shutdown()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func start(_ settings: Settings) async throws -> Started {
        let (keyspaces, shards) = settings.shape
        return try await start(keyspaces: keyspaces, shards: shards, speed: settings.speed)
    }

    /// A sandbox of `keyspaces` x `shards` x 3 tablets in its own directory, served on a free port, with the
    /// vttablet image changed to `image` and the change pending on every keyspace.
    static func start(
        keyspaces: Int, shards: Int, speed: Double, faultSeed: UInt64? = nil, image: String = newImage
    ) async throws -> Started {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtop-bench-\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sandbox = try Sandbox(
            cluster: cluster(keyspaces: keyspaces, shards: shards), clock: ScaledClock(speed: speed),
            faultSeed: faultSeed)
        let server = try await sandbox.serve(port: 0)
        let operatorLoop = Task { await sandbox.runOperator() }
        let url = "http://127.0.0.1:\(server.port)"
        let kubeconfig = directory.appendingPathComponent("sandbox.kubeconfig").path
        try Sandbox.kubeconfig(server: url, namespace: sandbox.namespace)
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let client = try KubeClient.connect(options: ConnectionOptions(kubeconfig: kubeconfig))
        let started = Started(
            sandbox: sandbox, server: server, operatorLoop: operatorLoop, client: client, kubeconfig: kubeconfig,
            url: url, directory: directory)
        try await changeImage(to: image, client: client)
        return started
    }

    /// Sets the vttablet image, as `kubectl patch vt` would, and waits until every keyspace shows the change
    /// pending: the operator schedules it on its own clock.
    static func changeImage(to image: String, client: KubeClient) async throws {
        _ = try await client.patch(
            .vitessCluster, namespace: "bench", name: "bench",
            patch: .merge(.object(["spec": .object(["images": .object(["vttablet": .string(image)])])])))
        var inventory = try await InventoryLoader.inventory(from: client, cluster: "bench", namespace: "bench")
        let changes = ClusterChanges(api: client, cluster: "bench", namespace: "bench")
        let (ticks, stop) = changes.start()
        var iterator = ticks.makeAsyncIterator()
        while !inventory.keyspaces.allSatisfy(\.marks.isPending) {
            guard await iterator.next() != nil else { break }
            inventory = try await InventoryLoader.inventory(from: client, cluster: "bench", namespace: "bench")
        }
        stop()
    }

    // MARK: the two runs

    /// `plan apply` in process: inventory, compile, Lease, PlanRunner over the real KubeClient.
    static func measureTool(_ settings: Settings) async throws -> (Measurement, lowerBound: Double) {
        let started = try await start(settings)
        let sandbox = started.sandbox
        let client = started.client
        let before = sandbox.requestCount
        let inventory = try await InventoryLoader.inventory(from: client, cluster: "bench", namespace: "bench")
        let text = plan(quick: settings.quick)
        guard let parsed = PlanParser.parse(Array(text.utf8)).plan else { throw Failure("the plan does not parse") }
        let compiled = Planner.compile(parsed, against: inventory)
        guard let graph = compiled.graph, !compiled.diagnostics.hasErrors else {
            throw Failure("the plan does not compile: \(compiled.diagnostics.map(\.message))")
        }
        let bound = CriticalPath(graph).lowerBound.seconds
        let store = FileStateStore(path: started.directory.appendingPathComponent("bench.vtop-state.json").path)
        let state = RunState(
            plan: PlanIdentity(name: parsed.name, hash: SHA256.hex(Array(text.utf8)), path: "bench.yaml"),
            cluster: ClusterIdentity(
                server: started.url, namespace: "bench", name: "bench", uid: inventory.cluster.uid),
            graph: graph, inventory: inventory, now: Date())
        let executor = Executor(
            graph: graph, state: state, options: ExecutorOptions(timeScale: settings.speed))
        let lock = LeaseLock(api: client, namespace: "bench", cluster: "bench", holder: "vtop-bench")
        try await lock.acquire(plan: parsed.name, hash: state.plan.hash, force: true)
        let runner = PlanRunner(
            api: client, store: store, actor: "vtop-bench", lock: lock, prompt: nil, output: { _ in })
        // Nobody interrupts a benchmark; the continuation is kept so the stream stays open for the run.
        let (interrupts, never) = AsyncStream<Void>.makeStream()
        defer { never.finish() }
        let begin = sandbox.clock.now()
        let outcome = try await runner.run(executor, interrupts: interrupts)
        let end = sandbox.clock.now()
        let requests = sandbox.requestCount - before
        let history = sandbox.operator.history
        if let path = settings.history {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(history).write(to: URL(fileURLWithPath: path))
            // The run's own record (its event log), next to the sandbox's.
            try? FileManager.default.removeItem(atPath: path + ".state.json")
            try FileManager.default.copyItem(atPath: store.path, toPath: path + ".state.json")
        }
        await started.stop()
        var measurement = analyse(history, speed: settings.speed)
        measurement.outcome = outcome == .done ? "done" : "\(outcome)"
        measurement.makespan = end - begin
        measurement.requests = requests
        return (measurement, bound)
    }

    /// The baseline: benchmarks/kubectl-loop.sh, what a user does today, against the same kind of sandbox.
    static func measureKubectlLoop(_ settings: Settings) async throws -> Measurement {
        let started = try await start(settings)
        let sandbox = started.sandbox
        let before = sandbox.requestCount
        let begin = sandbox.clock.now()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [settings.script]
        var environment = ProcessInfo.processInfo.environment
        environment["KUBECONFIG"] = started.kubeconfig
        environment["NAMESPACE"] = "bench"
        environment["CLUSTER"] = "bench"
        environment["IMAGE"] = newImage
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        let status = try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let end = sandbox.clock.now()
        let requests = sandbox.requestCount - before
        let history = sandbox.operator.history
        await started.stop()
        var measurement = analyse(history, speed: settings.speed)
        measurement.outcome = status == 0 ? "done" : "exit \(status)"
        measurement.makespan = end - begin
        measurement.requests = requests
        return measurement
    }

    /// Reaction latencies from the history: in each shard, from a tablet's `available` to the shard's next
    /// `released`, in real milliseconds. The operator records `released` when it sees the annotation, on its own
    /// 20 ms loop, so the sandbox's reaction is inside every number.
    static func analyse(_ history: [HistoryRecord], speed: Double) -> Measurement {
        var lastAvailable: [String: Double] = [:]
        var releasedBefore: Set<String> = []
        var reactions: [Double] = []
        var tablets = 0
        for record in history where record.kind == "Pod" && !record.shard.isEmpty {
            switch record.action {
            case "available":
                lastAvailable[record.shard] = record.time
            case "released":
                tablets += 1
                if releasedBefore.contains(record.shard), let previous = lastAvailable[record.shard] {
                    reactions.append((record.time - previous) / speed * 1000)
                }
                releasedBefore.insert(record.shard)
            default: break
            }
        }
        return Measurement(outcome: "", tablets: tablets, reactions: reactions, makespan: 0, requests: 0)
    }

    // MARK: start-up

    /// Median wall time of 10 runs each of `vtop-rollout --version` (next to this binary) and
    /// `kubectl version --client`, in milliseconds; nil when the binary is missing.
    static func cliStartup() -> (tool: Double?, kubectl: Double?) {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let tool = here.appendingPathComponent("vtop-rollout").path
        let ours = FileManager.default.isExecutableFile(atPath: tool) ? timeRuns(tool, ["--version"]) : nil
        let kubectl = which("kubectl").flatMap { timeRuns($0, ["version", "--client"]) }
        return (ours, kubectl)
    }

    static func timeRuns(_ path: String, _ arguments: [String]) -> Double? {
        var times: [Double] = []
        for _ in 0..<10 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            let start = Date()
            guard (try? process.run()) != nil else { return nil }
            process.waitUntilExit()
            times.append(Date().timeIntervalSince(start) * 1000)
        }
        return median(times)
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    // MARK: statistics

    static func median(_ values: [Double]) -> Double { percentile(values, 0.5) }

    /// The nearest-rank percentile; 0 for no values.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    static func fmt(_ value: Double) -> String { String(format: value >= 100 ? "%.0f" : "%.1f", value) }
}

/// Runs `body` off the main thread and blocks the main thread until it returns its exit status; a thrown error
/// is printed after `name` and is exit status 1.
func blocking(_ name: String, _ body: @escaping @Sendable () async throws -> Int32) -> Int32 {
    let status = LockedStatus()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        do {
            status.set(try await body())
        } catch {
            FileHandle.standardError.write(Data("\(name): \(error)\n".utf8))
            status.set(1)
        }
        done.signal()
    }
    done.wait()
    return status.get()
}

/// The exit status, set from the benchmark's task and read on the main thread.
final class LockedStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Int32 = 0
    func set(_ new: Int32) { lock.withLock { value = new } }
    func get() -> Int32 { lock.withLock { value } }
}
