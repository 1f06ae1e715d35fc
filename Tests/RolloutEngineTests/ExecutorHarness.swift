import Foundation
import RolloutPlan
import Testing
import VitessSandbox

@testable import RolloutEngine
@testable import VitessModel

/// Drives the pure executor against the emulated operator with a manual clock: each round the
/// executor handles what happened, its patches land in the sandbox's store, and emulated time moves
/// one step. No HTTP and no real time: a 30-minute rollout runs in milliseconds.
final class ExecutorHarness {
    let sandbox: Sandbox
    let clock = ManualClock()
    let epoch = Date(timeIntervalSince1970: 1_800_000_000)
    let graph: StepGraph
    let initial: Inventory
    var executor: Executor
    var options: ExecutorOptions
    /// Answers `runCheck` actions.
    var checkResult: (HealthCheck, CheckContext) -> CheckResult = { _, _ in CheckResult(passed: true, detail: "ok") }
    /// Approve every gate as soon as it is asked.
    var autoApprove = false
    /// Every release patch, in order, with the emulated time.
    private(set) var releases: [(step: String, at: Double)] = []
    private(set) var events: [RunEvent] = []
    private(set) var outcome: RunOutcome?
    /// The last state the driver would have written: what survives a crash.
    private(set) var saved: RunState
    private(set) var askedGates: [String] = []
    private(set) var runChecks = 0
    private(set) var releasesAtInterrupt: Int?

    var now: Date { epoch.addingTimeInterval(clock.now()) }

    /// One cell; `commerce` unsharded with three replicas and an rdonly, `customer` in two shards of
    /// two replicas and an rdonly: 10 tablets, small enough that a whole rollout emulates in a blink.
    static var smallCluster: JSON {
        var cluster = BuiltinFixture.cluster
        func pools(_ replicas: Int) -> JSON {
            [
                ["cell": "zone1", "type": "replica", "replicas": .int(replicas)],
                ["cell": "zone1", "type": "rdonly", "replicas": 1],
            ]
        }
        cluster[path: ["spec", "cells"]] = [["name": "zone1", "gateway": ["replicas": 2]]]
        cluster[path: ["spec", "vitessDashboard"]] = ["cells": ["zone1"], "replicas": 1]
        cluster[path: ["spec", "keyspaces"]] = [
            [
                "name": "commerce", "turndownPolicy": "Immediate",
                "partitionings": [["equal": ["parts": 1, "shardTemplate": ["tabletPools": pools(3)]]]],
            ],
            [
                "name": "customer", "turndownPolicy": "Immediate",
                "partitionings": [["equal": ["parts": 2, "shardTemplate": ["tabletPools": pools(2)]]]],
            ],
        ]
        return cluster
    }

    /// A sandbox of `cluster`, an edit to the VitessCluster, and the plan compiled against the result.
    init(
        cluster: JSON = ExecutorHarness.smallCluster, plan text: String, options: ExecutorOptions = .init(),
        edit: (inout JSON) -> Void = { $0[path: ["spec", "images", "vttablet"]] = "vitess/lite:v18.0.0" }
    ) throws {
        let clock = self.clock
        sandbox = try Sandbox(cluster: cluster, clock: clock)
        sandbox.operator.settle()
        _ = try sandbox.store.mutate(.vitessCluster, namespace: "example", name: "example") { json in edit(&json) }
        sandbox.operator.settle()
        self.options = options
        let inventory = try Self.observe(sandbox)
        initial = inventory
        let parsed = PlanParser.parse(text)
        let plan = try #require(parsed.plan, "\(parsed.diagnostics.map(\.message))")
        let compiled = Planner.compile(
            plan, against: inventory, options: PlannerOptions(allowDowntime: options.allowDowntime))
        graph = try #require(compiled.graph, "\(compiled.diagnostics.map(\.message))")
        let state = RunState(
            plan: PlanIdentity(name: plan.name, hash: SHA256.hex(text), path: nil),
            cluster: ClusterIdentity(
                server: "sandbox", namespace: "example", name: "example", uid: inventory.cluster.uid),
            graph: graph, inventory: inventory, now: epoch)
        saved = state
        executor = Executor(graph: graph, state: state, options: options)
    }

    /// The cluster as the inventory loader would read it.
    static func observe(_ sandbox: Sandbox) throws -> Inventory {
        func decode<T: Decodable>(_ type: ResourceType, as: T.Type) throws -> [T] {
            try sandbox.store.list(type, namespace: "example").items.map {
                try JSONDecoder().decode(T.self, from: $0.data)
            }
        }
        var objects = ClusterObjects()
        objects.clusters = try decode(.vitessCluster, as: VitessClusterObject.self)
        objects.cells = try decode(.vitessCell, as: VitessCellObject.self)
        objects.keyspaces = try decode(.vitessKeyspace, as: VitessKeyspaceObject.self)
        objects.shards = try decode(.vitessShard, as: VitessShardObject.self)
        objects.pods = try decode(.pod, as: PodObject.self)
        objects.deployments = try decode(.deployment, as: DeploymentObject.self)
        objects.events = try decode(.event, as: EventObject.self).filter { $0.type == "Warning" }
        return try Inventory.build(cluster: "example", namespace: "example", from: objects).get()
    }

    /// Runs rounds until the executor finishes, `stopAfterReleases` patches have been sent (a crash
    /// point), or `limit` emulated seconds pass.
    @discardableResult
    func run(
        limit: Int = 20_000, step: Double = 2, stopAfterReleases: Int? = nil, interruptAt: Int? = nil,
        stopWhen: (ExecutorHarness) -> Bool = { _ in false }
    ) throws -> RunOutcome? {
        outcome = nil
        var queue: [ExecutorEvent] = [.observed(try Self.observe(sandbox))]
        var interrupted = false
        var seen = sandbox.store.revision
        for _ in 0..<limit {
            while !queue.isEmpty {
                let event = queue.removeFirst()
                perform(executor.handle(event, now: now), into: &queue)
                if outcome != nil { return outcome }
                if let stopAfterReleases, releases.count >= stopAfterReleases { return nil }
                if let interruptAt, releases.count >= interruptAt, !interrupted {
                    interrupted = true
                    releasesAtInterrupt = releases.count
                    queue.append(.interrupted)
                }
            }
            if stopWhen(self) { return nil }
            clock.advance(by: step)
            sandbox.operator.settle()
            // Like a watch: a new observation only when something changed; otherwise a timer tick.
            let revision = sandbox.store.revision
            queue.append(revision == seen ? .tick : .observed(try Self.observe(sandbox)))
            seen = revision
        }
        return outcome
    }

    /// A new process picks up the last saved state: what `plan apply --resume` does after a crash.
    func crashAndResume(editState: (inout RunState) -> Void = { _ in }) {
        var state = saved
        editState(&state)
        executor = Executor(graph: graph, state: state, options: options)
    }

    private func perform(_ actions: [ExecutorAction], into queue: inout [ExecutorEvent]) {
        for action in actions {
            switch action {
            case .save:
                saved = executor.state
            case .checkpoint:
                // The worst case a driver may give: a checkpoint that never reaches the disk before a crash.
                break
            case .release(let step, let target):
                let type: ResourceType =
                    switch target.objectKind {
                    case "VitessCell": .vitessCell
                    case "VitessKeyspace": .vitessKeyspace
                    case "VitessShard": .vitessShard
                    case "Deployment": .deployment
                    default: .pod
                    }
                _ = try? sandbox.store.mutate(type, namespace: "example", name: target.objectName) {
                    $0[path: ["metadata", "annotations", RolloutAnnotation.released]] = ""
                }
                releases.append((step, clock.now()))
                queue.append(.patched(step: step, error: nil))
            case .runCheck(let step, let index, let check, let context):
                runChecks += 1
                queue.append(.checked(step: step, index: index, result: checkResult(check, context)))
            case .wake:
                break
            case .askApproval(let gate, _):
                askedGates.append(gate)
                if autoApprove { queue.append(.approved(gate: gate, actor: "tester")) }
            case .emit(let event):
                events.append(event)
            case .finish(let outcome):
                self.outcome = outcome
            }
        }
    }

    // MARK: - Invariants from the sandbox history

    var history: [HistoryRecord] { sandbox.operator.history }

    /// Per shard, at most one tablet Pod down (deleted and not yet Ready) at any time.
    func maxTabletsDownPerShard() -> Int {
        var down: [String: Set<String>] = [:]
        var worst = 0
        for record in history where record.kind == "Pod" && !record.shard.isEmpty {
            switch record.action {
            case "deleted": down[record.shard, default: []].insert(record.name)
            case "ready": down[record.shard]?.remove(record.name)
            default: continue
            }
            worst = max(worst, down[record.shard]?.count ?? 0)
        }
        return worst
    }

    /// How many times each tablet Pod was deleted.
    func deletions() -> [String: Int] {
        var counts: [String: Int] = [:]
        for record in history where record.kind == "Pod" && record.action == "deleted" && !record.shard.isEmpty {
            counts[record.name, default: 0] += 1
        }
        return counts
    }

    /// Per shard, whether the Pod that was primary at the start was the last one deleted.
    func primariesLast() -> Bool {
        for shard in initial.shards {
            guard let primary = shard.tablets.first(where: \.isPrimary)?.podName else { continue }
            let deleted = history.filter { $0.kind == "Pod" && $0.action == "deleted" && $0.shard == shard.id }
            if let last = deleted.last, last.name != primary { return false }
        }
        return true
    }

    /// The tablet Pods of the starting cluster that the graph releases.
    func selectedPods() -> Set<String> {
        var pods: Set<String> = []
        for step in graph.steps {
            if case .releaseTablet(let alias, _, _, _, _) = step.kind,
                let pod = initial.tablets.first(where: { $0.alias == alias })?.podName
            {
                pods.insert(pod)
            }
        }
        return pods
    }
}
