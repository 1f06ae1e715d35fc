import Foundation
import KubeClient
import RolloutEngine
import RolloutPlan
import VitessModel

/// The thin driver around the pure `Executor` (design §6): it turns watch events, timers, patch
/// results and check results into executor events, and performs the actions it gets back, in order.
/// It never decides anything itself.
public struct PlanRunner: Sendable {
    /// The cluster.
    public let api: any ClusterAPI
    /// Where the checkpoint goes.
    public let store: any StateStore
    /// Who runs this (kube user or `$USER`), for audit Events and approvals.
    public let actor: String
    /// The Lease, when the run holds one.
    public let lock: LeaseLock?
    /// How often the Lease is renewed.
    public let renewEvery: Duration
    /// Asks a person to approve a gate (a TTY); nil when nobody can answer.
    public let prompt: (@Sendable (_ gate: String, _ message: String?) async -> Bool)?
    /// Receives every run event (progress output).
    public let output: @Sendable (RunEvent) -> Void
    /// Receives the run's state after every change (a live view).
    public let progress: (@Sendable (RunState) -> Void)?
    /// How long a `.checkpoint` may wait to be written, so a burst of changes costs one write.
    public let checkpointEvery: Duration

    /// Creates a runner.
    public init(
        api: any ClusterAPI, store: any StateStore, actor: String, lock: LeaseLock?,
        renewEvery: Duration = .seconds(20),
        prompt: (@Sendable (String, String?) async -> Bool)?, output: @escaping @Sendable (RunEvent) -> Void,
        progress: (@Sendable (RunState) -> Void)? = nil, checkpointEvery: Duration = .milliseconds(250)
    ) {
        self.progress = progress
        self.checkpointEvery = checkpointEvery
        self.api = api
        self.store = store
        self.actor = actor
        self.lock = lock
        self.renewEvery = renewEvery
        self.prompt = prompt
        self.output = output
    }

    /// Why a run stopped without an outcome of its own.
    public enum Stop: Error, CustomStringConvertible {
        /// Someone took the Lease over.
        case lockLost(LeaseLock.Held)
        /// The watches failed for good.
        case clusterUnreadable(any Error)

        /// The message.
        public var description: String {
            switch self {
            case .lockLost(let held): "the lock was taken over: \(held)"
            case .clusterUnreadable(let error): "the cluster can no longer be read: \(error)"
            }
        }
    }

    /// Runs until the executor finishes. `interrupts` yields once per SIGINT or SIGTERM.
    public func run(_ initial: Executor, interrupts: AsyncStream<Void>) async throws -> RunOutcome {
        var executor = initial
        let cluster = executor.state.cluster
        let audit = Audit(api: api, cluster: cluster.name, namespace: cluster.namespace, clusterUID: cluster.uid)
        let checks = HealthCheckRunner(api: api, namespace: cluster.namespace)
        let (inbox, post) = AsyncStream<ExecutorEvent>.makeStream()
        let stop = StopBox()
        // The executor decides from objects alone; Events only explain (`status --explain`), so the run
        // does not watch them.
        let mirror = ClusterMirror(
            api: api, cluster: cluster.name, namespace: cluster.namespace, watchesEvents: false)
        let ticks = await mirror.start()
        var background: [Task<Void, Never>] = []
        background.append(
            Task {
                for await _ in ticks {
                    do {
                        post.yield(.observed(try await mirror.inventory()))
                    } catch {
                        stop.set(.clusterUnreadable(error))
                        post.yield(.interrupted)
                        return
                    }
                }
            })
        background.append(Task { for await _ in interrupts { post.yield(.interrupted) } })
        if let lock {
            background.append(
                Task { [renewEvery] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: renewEvery)
                        if Task.isCancelled { return }
                        do {
                            try await lock.renew()
                        } catch let held as LeaseLock.Held {
                            stop.set(.lockLost(held))
                            post.yield(.interrupted)
                            return
                        } catch {
                            // A failed renewal is retried on the next beat; the Lease outlives two misses.
                        }
                    }
                })
        }
        var timer: Task<Void, Never>?
        // Patches and audit writes are awaited before the run ends; checks and prompts are not.
        var calls: [Task<Void, Never>] = []
        var work: [Task<Void, Never>] = []
        defer {
            timer?.cancel()
            background.forEach { $0.cancel() }
            work.forEach { $0.cancel() }
        }
        try await store.save(executor.state)
        var outcome: RunOutcome?
        let plan = executor.state.plan
        let shortHash = String(plan.hash.prefix(12))
        // Checkpoints are written at most once per `checkpointEvery`; one not yet written waits for a
        // flush tick, a `.save`, or the end of the run.
        let clock = ContinuousClock()
        var lastWrite = clock.now
        var unwritten = false
        var flush: Task<Void, Never>?
        func write() async throws {
            try await store.save(executor.state)
            lastWrite = clock.now
            unwritten = false
            flush?.cancel()
            flush = nil
        }
        defer { flush?.cancel() }
        for await event in inbox {
            for action in executor.handle(event, now: Date()) {
                switch action {
                case .save:
                    try await write()
                case .checkpoint:
                    unwritten = true
                case .release(let step, let target):
                    calls.append(
                        Task { [api, actor] in
                            let patch = Patch.merge(
                                .object([
                                    "metadata": .object([
                                        "annotations": .object([RolloutAnnotation.released: .string("")])
                                    ])
                                ]))
                            do {
                                _ = try await api.patch(
                                    Releaser.kind(target.objectKind), namespace: cluster.namespace,
                                    name: target.objectName, patch: patch)
                                post.yield(.patched(step: step, error: nil))
                                await audit.record(
                                    reason: "VtopRolloutRelease",
                                    message: "\(actor) released \(target.request) (\(target.objectKind) "
                                        + "\(target.objectName)) with vtop-rollout: plan \(plan.name) "
                                        + "(\(shortHash)), step \(step)")
                            } catch {
                                post.yield(.patched(step: step, error: "\(error)"))
                            }
                        })
                case .runCheck(let step, let index, let check, let context):
                    work.append(
                        Task {
                            let result = await checks.run(check, context: context)
                            post.yield(.checked(step: step, index: index, result: result))
                        })
                case .wake(let date):
                    timer?.cancel()
                    timer = Task {
                        let delay = max(0, date.timeIntervalSinceNow)
                        try? await Task.sleep(for: .milliseconds(Int64(delay * 1000) + 1))
                        if !Task.isCancelled { post.yield(.tick) }
                    }
                case .askApproval(let gate, let message):
                    if let prompt {
                        work.append(
                            Task { [actor] in
                                let approved = await prompt(gate, message)
                                post.yield(approved ? .approved(gate: gate, actor: actor) : .declined(gate: gate))
                            })
                    }
                case .emit(let event):
                    output(event)
                    if event.type == "approved" {
                        calls.append(
                            Task {
                                await audit.record(
                                    reason: "VtopRolloutApproval",
                                    message: "\(event.message) (vtop-rollout plan \(plan.name) (\(shortHash)), step "
                                        + "\(event.step ?? "-"))")
                            })
                    }
                case .finish(let finished):
                    outcome = finished
                }
            }
            if unwritten {
                let due = lastWrite.advanced(by: checkpointEvery)
                if clock.now >= due {
                    try await write()
                } else {
                    flush?.cancel()
                    flush = Task {
                        try? await clock.sleep(until: due)
                        if !Task.isCancelled { post.yield(.tick) }
                    }
                }
            }
            progress?(executor.state)
            if outcome != nil { break }
        }
        if unwritten { try await write() }
        post.finish()
        // In-flight API calls have returned (the executor waits for patches before finishing);
        // audit writes get a moment to land.
        for task in calls { await task.value }
        await mirror.stop()
        if let lock { await lock.release() }
        if let reason = stop.value { throw reason }
        guard let outcome else { throw CancellationError() }
        return outcome
    }
}

/// The first reason a run had to stop, set from background tasks.
private final class StopBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: PlanRunner.Stop?

    func set(_ stop: PlanRunner.Stop) {
        lock.lock()
        defer { lock.unlock() }
        if stored == nil { stored = stop }
    }

    var value: PlanRunner.Stop? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
