import ArgumentParser
import Foundation
import KubeClient
import RolloutEngine
import RolloutPlan
import RolloutRuntime
import VitessModel
import VitessSandbox

/// `vtop-rollout demo`: the zero-setup tour, in one process, on the built-in sandbox.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A tour on the built-in sandbox: change the images, see status, apply a plan, read the history.",
        discussion: """
            Starts the emulated cluster in this process at a high --speed, changes the vttablet and vtgate
            images as `kubectl patch vt` would, shows `status`, validates and applies the shipped plan
            plans/demo-upgrade.yaml (its approval gate is approved automatically, with a note), and sums up
            what happened from the sandbox's history. Nothing is left running, unless --keep.
            """
    )

    @Option(help: "How much faster than real time the sandbox and the plan's durations run.")
    var speed: Double = 300

    @Flag(help: "Leave the sandbox running afterwards, with its kubeconfig in ./sandbox.kubeconfig.")
    var keep = false

    @Flag(help: .hidden) var printPlan = false

    func run() async throws {
        if printPlan {
            print(DemoPlan.text)
            return
        }
        let started = Date()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-demo-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if !keep { try? FileManager.default.removeItem(at: directory) } }

        section("1. the sandbox: an emulated API server and vitess-operator, \(Int(speed))x faster than real time")
        let sandbox = try Sandbox(cluster: BuiltinFixture.cluster, clock: ScaledClock(speed: speed))
        let server = try await sandbox.serve(port: 0)
        let operatorLoop = Task { await sandbox.runOperator() }
        let url = "http://127.0.0.1:\(server.port)"
        let kubeconfig = keep ? "sandbox.kubeconfig" : directory.appendingPathComponent("sandbox.kubeconfig").path
        try Sandbox.kubeconfig(server: url, namespace: sandbox.namespace)
            .write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        Console.line(
            "VitessCluster example: 2 cells, commerce (1 shard) and customer (4 shards), 30 tablets, at \(url)")
        let client = try KubeClient.connect(options: ConnectionOptions(kubeconfig: kubeconfig))

        section("2. an SRE upgrades Vitess, as with kubectl patch vt example --type merge -p ...")
        let image = "vitess/lite:v22.0.0"
        _ = try await client.patch(
            .vitessCluster, namespace: "example", name: "example",
            patch: .merge(
                .object(["spec": .object(["images": .object(["vttablet": .string(image), "vtgate": .string(image)])])]))
        )
        Console.line("spec.images.vttablet and spec.images.vtgate: \(image); the operator holds both back (External)")
        // The operator schedules the change on its own clock; wait for the keyspaces to show it.
        var inventory = try await InventoryLoader.inventory(from: client, cluster: "example", namespace: "example")
        let changes = ClusterChanges(api: client, cluster: "example", namespace: "example")
        let (ticks, stop) = changes.start()
        var iterator = ticks.makeAsyncIterator()
        while !inventory.keyspaces.allSatisfy(\.marks.isPending) || !inventory.cells.allSatisfy(\.marks.isPending) {
            guard await iterator.next() != nil else { break }
            inventory = try await InventoryLoader.inventory(from: client, cluster: "example", namespace: "example")
        }
        stop()

        section("3. vtop-rollout status")
        let status = StatusRenderer(color: false, diff: false, explain: false).render(StatusReport(inventory))
        let lines = status.split(separator: "\n", omittingEmptySubsequences: false)
        Console.write(lines.prefix(14).joined(separator: "\n") + "\n  ...\n")

        section("4. vtop-rollout plan validate plans/demo-upgrade.yaml, then plan apply")
        let parsed = PlanParser.parse(Array(DemoPlan.text.utf8))
        guard let plan = parsed.plan else {
            throw CommandFailure(message: "the demo plan is invalid", code: Exit.failed)
        }
        let compiled = Planner.compile(plan, against: inventory)
        guard let graph = compiled.graph, !compiled.diagnostics.hasErrors else {
            let text = DiagnosticRenderer(color: false).render(
                compiled.diagnostics, file: "demo-upgrade.yaml", source: DemoPlan.text)
            throw CommandFailure(message: "the demo plan does not fit the sandbox:\n\(text)", code: Exit.failed)
        }
        let estimate = CriticalPath(graph)
        Console.line(
            "plans/demo-upgrade.yaml: valid; \(graph.steps.count) steps, at least \(estimate.lowerBound) in real time "
                + "(here \(Int(speed))x faster)")
        let store = FileStateStore(path: directory.appendingPathComponent("demo.vtop-state.json").path)
        let state = RunState(
            plan: PlanIdentity(
                name: plan.name, hash: SHA256.hex(Array(DemoPlan.text.utf8)), path: "plans/demo-upgrade.yaml"),
            cluster: ClusterIdentity(server: url, namespace: "example", name: "example", uid: inventory.cluster.uid),
            graph: graph, inventory: inventory, now: Date())
        let executor = Executor(
            graph: graph, state: state,
            options: ExecutorOptions(checkInterval: .seconds(5), timeScale: speed, approvalsByPrompt: true))
        let printer = RunPrinter(format: .text, color: false)
        let lock = LeaseLock(api: client, namespace: "example", cluster: "example", holder: "demo")
        try await lock.acquire(plan: plan.name, hash: state.plan.hash, force: true)
        let runner = PlanRunner(
            api: client, store: store, actor: "demo", lock: lock,
            prompt: { gate, _ in
                Console.line(
                    "         demo: approving gate \(gate) automatically; on a real run a person answers the prompt, "
                        + "or runs `vtop-rollout plan approve \(gate)`")
                return true
            }, output: { printer.print($0) })
        let outcome = try await runner.run(executor, interrupts: await Signals.interrupts())

        section("5. what happened, from the sandbox's history (/sandbox/v1/history)")
        summarize(sandbox.operator.history, outcome: outcome, started: started)
        if keep {
            Console.line(
                "\nthe sandbox keeps running: export KUBECONFIG=\(kubeconfig); kubectl get vt,vts,pods -n example; "
                    + "vtop-rollout status. Stop it with Ctrl-C.")
            await SandboxCommand.waitForTermination()
        }
        operatorLoop.cancel()
        await server.shutdown()
        if outcome != .done { throw ExitCode(outcome.exitCode) }
    }

    private func section(_ title: String) {
        Console.line("\n== \(title)")
    }

    private func summarize(_ history: [HistoryRecord], outcome: RunOutcome, started: Date) {
        let facts = RolloutFacts(history)
        var lastTabletReady = 0.0
        var vtgateRolls = 0
        var firstVtgate = Double.infinity
        for record in history {
            if record.kind == "Pod", !record.shard.isEmpty, record.action == "ready" {
                lastTabletReady = max(lastTabletReady, record.time)
            }
            if record.kind == "Deployment", record.name.contains("vtgate"), record.action == "rolloutStarted" {
                vtgateRolls += 1
                firstVtgate = min(firstVtgate, record.time)
            }
        }
        Console.line("outcome: \(outcome == .done ? "done" : "\(outcome)")")
        Console.line(
            "tablets recreated: \(facts.deletions.count), each exactly once: "
                + "\(facts.deletions.values.allSatisfy { $0 == 1 } ? "yes" : "NO")"
        )
        Console.line("most tablets down at once in one shard: \(facts.maxDown)")
        Console.line("primaries moved by PlannedReparentShard: \(facts.reparents)")
        Console.line(
            "vtgate Deployments rolled: \(vtgateRolls), all after the last tablet was Ready: "
                + "\(firstVtgate >= lastTabletReady ? "yes" : "NO")")
        Console.line(
            "emulated time \(Int((history.last?.time ?? 0) / 60)) min; real time \(String(format: "%.1f", Date().timeIntervalSince(started))) s"
        )
    }
}
