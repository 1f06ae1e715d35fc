import Foundation
import RolloutPlan
import VitessModel

/// Settings of one execution.
public struct ExecutorOptions: Sendable, Hashable {
    /// Release primaries that have no reparent candidate (the shard goes down).
    public var allowDowntime: Bool
    /// How often a failing or soaking `http`, `command` or `replicationLag` check runs again.
    public var checkInterval: PlanDuration
    /// Plan durations (timeouts, soaks, wait gates, pacing, the check interval) pass this many
    /// times faster: for rehearsals on a sandbox running at `--speed`.
    public var timeScale: Double
    /// Someone can answer an approval prompt, so an unapproved gate never ends the run.
    public var approvalsByPrompt: Bool
    /// How many times a failing release patch is retried before the step fails.
    public var patchAttempts: Int
    /// How long an object must keep showing nothing pending before the executor believes it (skips a
    /// tablet, or adopts a keyspace as already applied). Watches of different kinds arrive in any
    /// order: right after a shard's release, its Pods may not show their `scheduled` yet. Real time,
    /// not scaled.
    public var settleDelay: TimeInterval
    /// The command that continues this run, named in the messages of a run that stops.
    public var resumeCommand: String

    /// Creates options.
    public init(
        allowDowntime: Bool = false, checkInterval: PlanDuration = .seconds(5), timeScale: Double = 1,
        approvalsByPrompt: Bool = false, patchAttempts: Int = 5, settleDelay: TimeInterval = 2,
        resumeCommand: String = "plan apply --resume"
    ) {
        self.settleDelay = settleDelay
        self.resumeCommand = resumeCommand
        self.allowDowntime = allowDowntime
        self.checkInterval = checkInterval
        self.timeScale = timeScale
        self.approvalsByPrompt = approvalsByPrompt
        self.patchAttempts = patchAttempts
    }
}

/// What the driver tells the executor.
public enum ExecutorEvent: Sendable {
    /// The cluster as it is now (after a batch of watch events).
    case observed(Inventory)
    /// A release patch returned; `error` when it failed after the client's own retries.
    case patched(step: String, error: String?)
    /// A health check finished.
    case checked(step: String, index: Int, result: CheckResult)
    /// A timer the executor asked for fired.
    case tick
    /// Someone approved a gate at the prompt.
    case approved(gate: String, actor: String)
    /// Someone answered no at the prompt: the run ends waiting for approval.
    case declined(gate: String)
    /// SIGINT or SIGTERM: release nothing more, and stop once in-flight calls return.
    case interrupted
}

/// What the executor asks the driver to do, in order.
public enum ExecutorAction: Sendable, Equatable {
    /// Write the checkpoint now, before any later action.
    case save
    /// The state changed in a way a crash may lose (the cluster shows it again on resume): write it soon.
    /// The driver may batch these, but writes before any later `.save` and before the run ends.
    case checkpoint
    /// Add `rollout.planetscale.com/released` to the target, then answer with `.patched`.
    case release(step: String, target: ReleaseObject)
    /// Run a health check that needs I/O, then answer with `.checked`.
    case runCheck(step: String, index: Int, check: HealthCheck, context: CheckContext)
    /// Send `.tick` at this time (the earliest wanted; a later `wake` replaces an earlier one).
    case wake(at: Date)
    /// A gate waits for approval: prompt if someone can answer.
    case askApproval(gate: String, message: String?)
    /// Report progress (also appended to the state's event log).
    case emit(RunEvent)
    /// The run is over, for now or for good.
    case finish(RunOutcome)
}

/// The result of a health check.
public struct CheckResult: Sendable, Hashable {
    /// Whether it passed.
    public var passed: Bool
    /// What was seen (`lag 3s`, `HTTP 503`, `exit code 1`).
    public var detail: String

    /// Creates a result.
    public init(passed: Bool, detail: String) {
        self.passed = passed
        self.detail = detail
    }
}

/// How a run ended. Each has its exit code (README, "Exit codes").
public enum RunOutcome: Sendable, Equatable {
    /// Every step done or skipped.
    case done
    /// A check failed or a step timed out under `onFailure: pause`.
    case paused(step: String, reason: String)
    /// The same under `onFailure: abort`.
    case aborted(step: String, reason: String)
    /// Waiting at approval gates.
    case waitingApproval([String])
    /// SIGINT or SIGTERM.
    case interrupted

    /// The process exit code (design §6).
    public var exitCode: Int32 {
        switch self {
        case .done: 0
        case .aborted: 1
        case .waitingApproval: 3
        case .paused: 4
        case .interrupted: 5
        }
    }

    /// The run status it leaves in the state file.
    public var status: RunStatus {
        switch self {
        case .done: .done
        case .paused: .paused
        case .aborted: .aborted
        case .waitingApproval: .waitingApproval
        case .interrupted: .interrupted
        }
    }
}

/// The executor: a pure state machine over a compiled `StepGraph` (design §6).
///
/// `handle(event, now)` updates the run and returns what to do; it never performs I/O, so every
/// rule is tested with plain values and a hand-set clock. The hard rules hold whatever the plan
/// says: one tablet in flight per shard (a `shard:` resource, and the live `shard-busy` check), the
/// primary last and never without a candidate (re-checked against the live cluster right before
/// each release), `maxConcurrent` and `primarySwitchoverInterval`. A step is done only when the
/// cluster shows it done (`ReleaseRules.progress`) and its checks pass.
public struct Executor: Sendable {
    /// The graph being executed.
    public let graph: StepGraph
    /// The checkpoint: persisted after every change.
    public private(set) var state: RunState
    /// The settings.
    public let options: ExecutorOptions

    private var inventory: Inventory?
    private var patching: Set<String> = []
    private var patchFailures: [String: Int] = [:]
    private var retryAt: [String: Date] = [:]
    private var checkSlots: [String: [CheckSlot]] = [:]
    private var lastWaiting: [String: String] = [:]
    private var asked: Set<String> = []
    private var checksSince: [String: Date] = [:]
    private var quietSince: [String: Date] = [:]
    private var promptAvailable: Bool
    private var stop: Stop?
    private var finished = false
    private var dirty = false
    /// The change must be written now (`.save`), not batched (`.checkpoint`).
    private var urgent = false
    private var actions: [ExecutorAction] = []
    private var wakeAt: Date?
    /// The first `now` this executor saw: a resumed run's timeouts count from here at the earliest.
    private var runStart: Date?

    private enum Stop: Equatable {
        case failure(FailurePolicy, step: String, reason: String)
        case interrupt
    }

    private struct CheckSlot: Sendable {
        var running = false
        var result: CheckResult?
        var at: Date?
    }

    /// Starts or resumes a run. A resumed run's phases are hints: steps caught mid-release go back to
    /// being re-derived from the cluster, and failed steps get another chance (a resume after a
    /// pause is the user saying "carry on").
    public init(graph: StepGraph, state: RunState, options: ExecutorOptions) {
        self.graph = graph
        self.options = options
        promptAvailable = options.approvalsByPrompt
        var state = state
        for (id, record) in state.steps {
            var record = record
            switch record.phase {
            case .intent:
                // The patch may or may not have reached the server; the live check sees `released`.
                record.phase = .pending
            case .failed:
                record.reason = nil
                record.finishedAt = nil
                record.startedAt = nil
                if graph.step(id)?.kind.restartsAfterFailure == true {
                    // A failed soak starts over: its time and its checks count again.
                    record.releasedAt = nil
                }
                record.phase = record.releasedAt == nil ? .pending : .released
            default: break
            }
            state.steps[id] = record
        }
        if state.status != .done { state.status = .running }
        self.state = state
    }

    /// Handles one event at `now` and returns the actions, in order.
    public mutating func handle(_ event: ExecutorEvent, now: Date) -> [ExecutorAction] {
        actions = []
        wakeAt = nil
        if runStart == nil { runStart = now }
        guard !finished else { return [] }
        switch event {
        case .observed(let observed):
            inventory = observed
        case .patched(let id, let error):
            patching.remove(id)
            if let error {
                patchFailed(id, error, now)
            } else if var record = state.steps[id], record.phase == .intent {
                patchFailures[id] = nil
                record.phase = .released
                record.releasedAt = now
                state.steps[id] = record
                log(now, "released", id, "released \(describe(id))")
            }
        case .checked(let id, let index, let result):
            if var slots = checkSlots[id], slots.indices.contains(index) {
                slots[index] = CheckSlot(running: false, result: result, at: now)
                checkSlots[id] = slots
                if !result.passed, let step = graph.step(id) {
                    log(now, "check-failed", id, "\(step.checks[index].key) failed: \(result.detail)")
                }
            }
        case .tick:
            break
        case .approved(let gate, let actor):
            approve(gate, actor: actor, now)
        case .declined(let gate):
            promptAvailable = false
            log(now, "gate-declined", "gate/\(gate)", "gate \(gate) not approved at the prompt")
        case .interrupted:
            if stop == nil || stop == .interrupt {
                stop = .interrupt
                log(now, "interrupted", nil, "interrupted: releasing nothing more; saving the state")
            }
        }
        advance(now)
        if dirty {
            state.updatedAt = now
            // An approval is somebody's decision: it is on disk before anything else happens.
            actions.append(urgent ? .save : .checkpoint)
            dirty = false
        }
        urgent = false
        if let wakeAt, !finished { actions.append(.wake(at: wakeAt)) }
        return actions
    }

    /// Records an approval (from the prompt, or `plan approve` through the state file).
    private mutating func approve(_ gate: String, actor: String, _ now: Date) {
        guard state.approval(for: gate) == nil else { return }
        state.approvals.append(Approval(gate: gate, actor: actor, at: now))
        urgent = true
        log(now, "approved", "gate/\(gate)", "gate \(gate) approved by \(actor)")
    }

    // MARK: - The scheduling pass

    private mutating func advance(_ now: Date) {
        guard let inventory else { return }
        // Later steps only depend on earlier ones (topological order), so one pass settles chains;
        // a second lets a step reuse a resource freed further down the order.
        for _ in 0..<2 {
            for step in graph.steps {
                guard let record = state.steps[step.id] else { continue }
                switch record.phase {
                case .done, .skipped, .failed, .intent: continue
                case .pending:
                    guard stop == nil, dependenciesSettled(step) else { continue }
                    start(step, inventory, now)
                case .released:
                    follow(step, inventory, now)
                }
            }
        }
        concludeIfOver(now)
    }

    private func dependenciesSettled(_ step: Step) -> Bool {
        step.dependsOn.allSatisfy { state.steps[$0]?.phase.isSettled ?? true }
    }

    private mutating func start(_ step: Step, _ inventory: Inventory, _ now: Date) {
        switch step.kind {
        case .stageDone:
            settle(step.id, .done, now, message: "stage \(step.stage) done")
        case .gate(.approval(let message)):
            if let approval = state.approval(for: step.stage) {
                settle(step.id, .done, now, message: "gate \(step.stage) passed (approved by \(approval.actor))")
            } else if !asked.contains(step.id) {
                asked.insert(step.id)
                log(
                    now, "gate-waiting", step.id,
                    "gate \(step.stage) waits for approval: vtop-rollout plan approve \(step.stage)"
                        + (message.map { " (\($0))" } ?? ""))
                actions.append(.askApproval(gate: step.stage, message: message))
            }
        case .gate(.wait), .soak:
            update(step.id) {
                $0.phase = .released
                $0.releasedAt = now
            }
            log(now, "started", step.id, "\(step.kind.describe) started")
            follow(step, inventory, now)
        case .gate(.window(let windows)):
            if windows.contains(where: { $0.contains(now) }) {
                settle(step.id, .done, now, message: "gate \(step.stage): inside the allowed window")
            } else if let next = windows.compactMap({ $0.nextOpening(after: now) }).min() {
                waiting(step.id, now, "the next allowed window, at \(RunStateCoding.timestamp(next))")
                wake(next)
            }
        default:
            tryRelease(step, inventory, now)
        }
    }

    // MARK: - Releasing

    private mutating func tryRelease(_ step: Step, _ inventory: Inventory, _ now: Date) {
        guard !patching.contains(step.id) else { return }
        if let retry = retryAt[step.id], retry > now {
            wake(retry)
            return
        }
        for resource in step.resources {
            let capacity = graph.capacities[resource] ?? Int.max
            let held = graph.steps.filter {
                $0.id != step.id && $0.resources.contains(resource) && isInFlight($0.id)
            }.count
            if held >= capacity { return }
        }
        if let key = step.pacingKey, let interval = graph.pacing[key], let last = state.pacing[key] {
            let next = last.addingTimeInterval(scaled(interval))
            if next > now {
                waiting(
                    step.id, now,
                    "primarySwitchoverInterval: the next primary may go at \(RunStateCoding.timestamp(next))")
                wake(next)
                return
            }
        }
        if state.steps[step.id]?.startedAt == nil { update(step.id) { $0.startedAt = now } }
        guard let request = Self.request(for: step) else { return }
        let verdict = ReleaseRules.check(request, in: inventory, allowDowntime: options.allowDowntime)
        if case .failure(let refusal) = verdict, refusal.reason == "nothing-pending" {
        } else {
            quietSince[step.id] = nil
        }
        switch verdict {
        case .success(let target):
            update(step.id) {
                $0.releasedUID = target.podUID
                $0.wasPrimary = target.request.isTablet ? target.wasPrimary : nil
                $0.primaryBefore = target.primaryBefore?.description
            }
            if target.alreadyReleased {
                update(step.id) {
                    $0.phase = .released
                    $0.releasedAt = now
                }
                log(now, "adopted", step.id, "\(describe(step.id)) was already released; waiting for it")
            } else {
                update(step.id) {
                    $0.phase = .intent
                    $0.intentAt = now
                }
                if let key = step.pacingKey { state.pacing[key] = now }
                patching.insert(step.id)
                log(now, "intent", step.id, "releasing \(describe(step.id))")
                // The intent is on disk before the patch leaves.
                actions.append(.save)
                dirty = false
                state.updatedAt = now
                actions.append(.release(step: step.id, target: target))
            }
        case .failure(let refusal) where refusal.reason == "nothing-pending":
            let since = quietSince[step.id] ?? now
            quietSince[step.id] = since
            let sure = since.addingTimeInterval(options.settleDelay)
            if now >= sure {
                nothingPending(step, inventory, now)
            } else {
                waiting(step.id, now, "the cluster to show its pending change")
                wake(sure)
            }
        case .failure(let refusal):
            waiting(step.id, now, refusal.message)
            checkTimeout(step, now)
        }
    }

    /// The object has no pending change: it rolled already (a crash after the release, or someone
    /// else released it), or the change was withdrawn. A rolled Pod is never released again.
    private mutating func nothingPending(_ step: Step, _ inventory: Inventory, _ now: Date) {
        let record = state.steps[step.id] ?? StepRecord(phase: .pending)
        switch step.kind {
        case .releaseTablet(let alias, _, _, _, let primary):
            let current = inventory.tablets.first { $0.alias == alias }?.podUID
            if let baseline = record.baselineUID, current != baseline {
                adopt(step, now, uid: baseline, wasPrimary: primary)
            } else {
                settle(step.id, .skipped, now, message: "\(describe(step.id)) has no pending change any more; skipped")
            }
        case .releaseEtcdMember(let name):
            let current = inventory.etcdMembers.first { $0.name == name }?.uid
            if let baseline = record.baselineUID, current != baseline {
                adopt(step, now, uid: baseline, wasPrimary: false)
            } else {
                settle(step.id, .skipped, now, message: "\(describe(step.id)) has no pending change any more; skipped")
            }
        default:
            // A keyspace, shard, cell or Deployment without `scheduled`: its change was applied; the
            // progress test confirms the operator has finished with it.
            adopt(step, now, uid: nil, wasPrimary: false)
        }
    }

    private mutating func adopt(_ step: Step, _ now: Date, uid: String?, wasPrimary: Bool) {
        update(step.id) {
            $0.phase = .released
            $0.releasedAt = $0.releasedAt ?? now
            if uid != nil { $0.releasedUID = uid }
            if step.kind.isTablet { $0.wasPrimary = $0.wasPrimary ?? wasPrimary }
        }
        log(now, "adopted", step.id, "\(describe(step.id)) shows nothing pending (already applied); confirming it")
    }

    private mutating func patchFailed(_ id: String, _ error: String, _ now: Date) {
        let failures = (patchFailures[id] ?? 0) + 1
        patchFailures[id] = failures
        update(id) {
            $0.phase = .pending
            $0.intentAt = nil
        }
        if failures >= options.patchAttempts {
            fail(id, now, "the release patch failed \(failures) times: \(error)")
        } else {
            let delay = min(30, pow(2, Double(failures - 1)))
            retryAt[id] = now.addingTimeInterval(delay / options.timeScale)
            log(now, "patch-failed", id, "the release patch failed (\(error)); retrying")
        }
    }

    // MARK: - Following in-flight steps

    private mutating func follow(_ step: Step, _ inventory: Inventory, _ now: Date) {
        guard let record = state.steps[step.id], let since = record.releasedAt else { return }
        switch step.kind {
        case .gate(.wait(let duration)):
            let end = since.addingTimeInterval(scaled(duration))
            if now >= end {
                settle(step.id, .done, now, message: "gate \(step.stage): waited \(duration)")
            } else {
                waiting(step.id, now, "the wait gate to end at \(RunStateCoding.timestamp(end))")
                wake(end)
            }
        case .soak(let duration):
            let end = since.addingTimeInterval(scaled(duration))
            let outcome = evaluateChecks(step, inventory, now, since: since)
            if let failure = outcome.failure {
                fail(step.id, now, "during the soak: \(failure)")
                return
            }
            if now >= end && outcome.allPassed {
                settle(step.id, .done, now, message: "soak of stage \(step.stage) passed (\(duration))")
            } else {
                waiting(step.id, now, "the soak to end at \(RunStateCoding.timestamp(end))")
                wake(max(end, now.addingTimeInterval(0.001)))
            }
        default:
            guard let target = target(for: step, record) else { return }
            switch ReleaseRules.progress(of: target, in: inventory) {
            case .waiting(let reason):
                waiting(step.id, now, reason)
                checkTimeout(step, now)
            case .done:
                if step.checks.isEmpty {
                    settle(step.id, .done, now, message: "\(describe(step.id)) done")
                    return
                }
                // Checks count from the moment the cluster shows the step done, not from the release:
                // a check that ran while the Pod was down says nothing about the new one.
                let checksSince = self.checksSince[step.id] ?? now
                self.checksSince[step.id] = checksSince
                let outcome = evaluateChecks(step, inventory, now, since: checksSince)
                if outcome.allPassed {
                    settle(step.id, .done, now, message: "\(describe(step.id)) done; checks passed")
                } else {
                    waiting(step.id, now, "health checks: \(outcome.failure ?? "running")")
                    checkTimeout(step, now)
                }
            }
        }
    }

    /// Fails the step once its timeout has passed; otherwise asks to be woken then. The timeout counts
    /// from the release (or the first attempt), and after a resume from the resume at the earliest:
    /// a resume is the user saying "carry on", so a step that timed out, or was stuck while the run
    /// was stopped, gets its full timeout again.
    private mutating func checkTimeout(_ step: Step, _ now: Date) {
        guard step.timeout < .maximum, let record = state.steps[step.id],
            let since = record.releasedAt ?? record.startedAt
        else { return }
        let basis = max(since, runStart ?? since)
        let deadline = basis.addingTimeInterval(scaled(step.timeout))
        if now >= deadline {
            fail(step.id, now, "timed out after \(step.timeout): waiting for \(lastWaiting[step.id] ?? "the cluster")")
        } else {
            wake(deadline)
        }
    }

    // MARK: - Health checks

    private struct ChecksOutcome {
        var allPassed: Bool
        var failure: String?
    }

    /// Evaluates the step's checks: cluster checks from the inventory at once, the others through
    /// `runCheck` actions, re-run every `checkInterval` while they fail or while a soak lasts.
    private mutating func evaluateChecks(_ step: Step, _ inventory: Inventory, _ now: Date, since: Date)
        -> ChecksOutcome
    {
        var slots = checkSlots[step.id] ?? Array(repeating: CheckSlot(), count: step.checks.count)
        var allPassed = true
        var failure: String?
        let soaking = { if case .soak = step.kind { return true } else { return false } }()
        let interval = scaled(options.checkInterval)
        for (index, check) in step.checks.enumerated() {
            if let result = Self.clusterCheck(check, step: step, graph: graph, inventory: inventory) {
                slots[index] = CheckSlot(running: false, result: result, at: now)
                if !result.passed {
                    allPassed = false
                    failure = failure ?? "\(check.key): \(result.detail)"
                }
                continue
            }
            var slot = slots[index]
            let fresh = slot.at.map { $0 >= since } ?? false
            if let result = slot.result, fresh, !result.passed {
                allPassed = false
                failure = failure ?? "\(check.key): \(result.detail)"
            } else if slot.result == nil || !fresh {
                allPassed = false
            }
            let due = slot.at.map { now >= $0.addingTimeInterval(interval) } ?? true
            let needsRun = !fresh || (slot.result?.passed == false) || soaking
            if !slot.running && (needsRun && (due || !fresh)) {
                slot.running = true
                slots[index] = slot
                actions.append(
                    .runCheck(step: step.id, index: index, check: check, context: context(for: step, inventory)))
            } else if !slot.running, let at = slot.at, needsRun {
                wake(at.addingTimeInterval(interval))
            }
        }
        checkSlots[step.id] = slots
        // A soak fails on the first failing check; a release step keeps retrying until its timeout.
        return ChecksOutcome(allPassed: allPassed, failure: soaking ? failure : (allPassed ? nil : failure))
    }

    /// The checks answered from the cluster itself; nil for those that need I/O.
    static func clusterCheck(_ check: HealthCheck, step: Step, graph: StepGraph, inventory: Inventory)
        -> CheckResult?
    {
        switch check {
        case .podReady:
            let pods = podsTouched(by: step, graph: graph, inventory: inventory)
            let notReady = pods.filter { !$0.ready }.map(\.name)
            return CheckResult(
                passed: notReady.isEmpty,
                detail: notReady.isEmpty
                    ? "\(pods.count) Pod(s) Ready" : "not Ready: \(notReady.joined(separator: ", "))")
        case .tabletAvailable:
            let tablets = tabletsTouched(by: step, graph: graph, inventory: inventory)
            let down = tablets.filter { !$0.available }.map(\.alias.description)
            return CheckResult(
                passed: down.isEmpty,
                detail: down.isEmpty
                    ? "\(tablets.count) tablet(s) available" : "not available: \(down.joined(separator: ", "))")
        case .shardHealthy:
            let shards = shardsTouched(by: step, graph: graph, inventory: inventory)
            for shard in shards {
                let primaries = shard.tablets.filter(\.isPrimary).count
                if primaries != 1 {
                    return CheckResult(passed: false, detail: "shard \(shard.id) has \(primaries) primaries")
                }
                if let down = shard.tablets.first(where: { !$0.ready }) {
                    return CheckResult(passed: false, detail: "shard \(shard.id): tablet \(down.alias) is not Ready")
                }
                if !shard.servingWrites {
                    return CheckResult(passed: false, detail: "shard \(shard.id) is not serving writes")
                }
            }
            return CheckResult(passed: true, detail: "\(shards.count) shard(s) healthy")
        case .replicationLag, .http, .command:
            return nil
        }
    }

    /// The steps a soak or a stage covers: its own for a release step, the stage's for a soak.
    private static func releaseSteps(for step: Step, graph: StepGraph) -> [Step] {
        if case .soak = step.kind { return graph.steps.filter { $0.stage == step.stage && $0.kind.isRelease } }
        return [step]
    }

    static func tabletsTouched(by step: Step, graph: StepGraph, inventory: Inventory) -> [TabletInfo] {
        let aliases = releaseSteps(for: step, graph: graph).compactMap { s -> TabletAlias? in
            if case .releaseTablet(let alias, _, _, _, _) = s.kind { return alias }
            return nil
        }
        return aliases.compactMap { alias in inventory.tablets.first { $0.alias == alias } }
    }

    private struct PodView {
        var name: String
        var ready: Bool
    }

    private static func podsTouched(by step: Step, graph: StepGraph, inventory: Inventory) -> [PodView] {
        var pods = tabletsTouched(by: step, graph: graph, inventory: inventory).map {
            PodView(name: $0.podName ?? $0.alias.description, ready: $0.ready)
        }
        for s in releaseSteps(for: step, graph: graph) {
            if case .releaseEtcdMember(let name) = s.kind,
                let member = inventory.etcdMembers.first(where: { $0.name == name })
            {
                pods.append(PodView(name: name, ready: member.ready))
            }
        }
        return pods
    }

    static func shardsTouched(by step: Step, graph: StepGraph, inventory: Inventory) -> [ShardInfo] {
        var ids: [String] = []
        for s in releaseSteps(for: step, graph: graph) {
            switch s.kind {
            case .releaseTablet(_, let keyspace, let shard, _, _), .releaseShard(let keyspace, let shard, _):
                ids.append("\(keyspace)/\(shard)")
            case .releaseKeyspace(let keyspace, _):
                ids += inventory.shards.filter { $0.keyspace == keyspace }.map(\.id)
            default: break
            }
        }
        let wanted = Set(ids)
        return inventory.shards.filter { wanted.contains($0.id) }
    }

    /// The values `http` URLs and `command` environments may use.
    func context(for step: Step, _ inventory: Inventory) -> CheckContext {
        var values: [String: String] = [
            "cluster": state.cluster.name, "namespace": state.cluster.namespace, "stage": step.stage,
            "step": step.id, "plan": state.plan.name,
        ]
        values.merge(contextValues(of: step, inventory), uniquingKeysWith: { first, _ in first })
        let tablets = Self.tabletsTouched(by: step, graph: graph, inventory: inventory)
        return CheckContext(
            values: values,
            tablets: tablets.compactMap { t in
                t.podName.map { CheckContext.TabletTarget(alias: t.alias.description, pod: $0, primary: t.isPrimary) }
            })
    }

    /// The keyspace, shard, cell, tablet and Pod a release step concerns. For a soak, the values its
    /// stage's release steps all share: a one-tablet canary's soak knows `tablet.alias`, a soak over
    /// one shard knows the keyspace and shard, a soak over many tablets only what they have in common.
    private func contextValues(of step: Step, _ inventory: Inventory) -> [String: String] {
        if case .soak = step.kind {
            // The keyspace and shard releases a stage starts with are prerequisites of its tablets.
            let steps = Self.releaseSteps(for: step, graph: graph)
            let tablets = steps.filter(\.kind.isTablet)
            let each = (tablets.isEmpty ? steps : tablets).map { Self.objectValues(of: $0, inventory) }
            guard var common = each.first else { return [:] }
            for values in each.dropFirst() { common = common.filter { values[$0.key] == $0.value } }
            return common
        }
        return Self.objectValues(of: step, inventory)
    }

    private static func objectValues(of step: Step, _ inventory: Inventory) -> [String: String] {
        var values: [String: String] = [:]
        switch step.kind {
        case .releaseTablet(let alias, let keyspace, let shard, let pod, _):
            values["keyspace"] = keyspace
            values["shard"] = shard
            values["cell"] = alias.cell
            values["tablet.alias"] = alias.description
            values["tablet.uid"] = TabletUID.string(alias.uid)
            values["pod.name"] = inventory.tablets.first { $0.alias == alias }?.podName ?? pod
        case .releaseShard(let keyspace, let shard, _):
            values["keyspace"] = keyspace
            values["shard"] = shard
        case .releaseKeyspace(let keyspace, _):
            values["keyspace"] = keyspace
        case .releaseCell(let cell, _):
            values["cell"] = cell
        case .releaseEtcdMember(let name):
            values["pod.name"] = name
        default: break
        }
        return values
    }

    // MARK: - Ending

    private mutating func concludeIfOver(_ now: Date) {
        let phases = graph.steps.map { state.steps[$0.id]?.phase ?? .pending }
        let inFlight = !patching.isEmpty
        if phases.allSatisfy(\.isSettled) {
            finish(.done, now, "all \(graph.steps.count) steps done")
            return
        }
        switch stop {
        case .interrupt?:
            if !inFlight { finish(.interrupted, now, "interrupted; resume with \(options.resumeCommand)") }
            return
        case .failure(let policy, let step, let reason)?:
            if !inFlight {
                finish(
                    policy == .abort ? .aborted(step: step, reason: reason) : .paused(step: step, reason: reason), now,
                    policy == .abort
                        ? "aborted at \(step): \(reason)"
                        : "paused at \(step): \(reason); fix it, then \(options.resumeCommand)")
            }
            return
        case nil:
            break
        }
        guard !promptAvailable, !inFlight else { return }
        // Only approvals left to wait for: nothing in flight, nothing else ready to start.
        var gates: [String] = []
        for step in graph.steps {
            let phase = state.steps[step.id]?.phase ?? .pending
            if phase == .released { return }
            guard phase == .pending, dependenciesSettled(step) else { continue }
            if case .gate(.approval) = step.kind { gates.append(step.stage) } else { return }
        }
        if !gates.isEmpty {
            finish(
                .waitingApproval(gates), now,
                "waiting for approval of \(gates.joined(separator: ", ")): vtop-rollout plan approve GATE, "
                    + "then \(options.resumeCommand)")
        }
    }

    private mutating func finish(_ outcome: RunOutcome, _ now: Date, _ message: String) {
        finished = true
        state.status = outcome.status
        log(now, "finished", nil, message)
        state.updatedAt = now
        actions.append(.save)
        dirty = false
        actions.append(.finish(outcome))
    }

    // MARK: - Records

    private mutating func settle(_ id: String, _ phase: StepPhase, _ now: Date, message: String) {
        update(id) {
            $0.phase = phase
            $0.finishedAt = now
            if phase == .skipped { $0.reason = message }
        }
        lastWaiting[id] = nil
        log(now, phase == .done ? "done" : "skipped", id, message)
    }

    private mutating func fail(_ id: String, _ now: Date, _ reason: String) {
        update(id) {
            $0.phase = .failed
            $0.finishedAt = now
            $0.reason = reason
        }
        log(now, "failed", id, "\(describe(id)) failed: \(reason)")
        if stop == nil, let step = graph.step(id) {
            stop = .failure(step.onFailure, step: id, reason: reason)
        }
    }

    private mutating func waiting(_ id: String, _ now: Date, _ reason: String) {
        guard lastWaiting[id] != reason else { return }
        lastWaiting[id] = reason
        log(now, "waiting", id, "\(describe(id)): waiting for \(reason)")
    }

    private mutating func update(_ id: String, _ change: (inout StepRecord) -> Void) {
        var record = state.steps[id] ?? StepRecord(phase: .pending)
        change(&record)
        state.steps[id] = record
        dirty = true
    }

    private mutating func log(_ now: Date, _ type: String, _ step: String?, _ message: String) {
        let event = RunEvent(at: now, type: type, step: step, message: message)
        state.events.append(event)
        dirty = true
        actions.append(.emit(event))
    }

    private mutating func wake(_ date: Date) {
        wakeAt = min(wakeAt ?? date, date)
    }

    private func isInFlight(_ id: String) -> Bool {
        let phase = state.steps[id]?.phase
        return phase == .intent || phase == .released
    }

    private func scaled(_ duration: PlanDuration) -> TimeInterval {
        duration.seconds / max(options.timeScale, 0.000_001)
    }

    private func describe(_ id: String) -> String {
        guard let step = graph.step(id), let request = Self.request(for: step) else { return id }
        return request.description
    }

    /// The imperative request a release step makes.
    public static func request(for step: Step) -> ReleaseRequest? {
        switch step.kind {
        case .releaseCell(let cell, _): .cell(cell)
        case .releaseKeyspace(let keyspace, _): .keyspace(keyspace)
        case .releaseShard(let keyspace, let shard, _): .shard(keyspace: keyspace, shard: shard)
        case .releaseTablet(let alias, _, _, _, _): .tablet(alias)
        case .releaseDeployment(let name, _): .deployment(name)
        case .releaseEtcdMember(let name): .etcd(name)
        case .gate, .soak, .stageDone: nil
        }
    }

    /// The released object as recorded, for the completion test.
    private func target(for step: Step, _ record: StepRecord) -> ReleaseObject? {
        guard let request = Self.request(for: step) else { return nil }
        let (kind, name): (String, String) =
            switch step.kind {
            case .releaseCell(_, let object): ("VitessCell", object)
            case .releaseKeyspace(_, let object): ("VitessKeyspace", object)
            case .releaseShard(_, _, let object): ("VitessShard", object)
            case .releaseTablet(let alias, _, _, let pod, _): ("Pod", pod ?? alias.description)
            case .releaseDeployment(let name, _): ("Deployment", name)
            case .releaseEtcdMember(let name): ("Pod", name)
            default: ("", "")
            }
        return ReleaseObject(
            request: request, objectKind: kind, objectName: name, podUID: record.releasedUID ?? record.baselineUID,
            wasPrimary: record.wasPrimary ?? false, primaryBefore: record.primaryBefore.flatMap(TabletAlias.init),
            alreadyReleased: true)
    }
}

/// What a health check that needs I/O is told about its step.
public struct CheckContext: Sendable, Hashable {
    /// Placeholder values: `cluster`, `namespace`, `stage`, `step`, `plan`, and where they apply
    /// `keyspace`, `shard`, `cell`, `tablet.alias`, `tablet.uid`, `pod.name`.
    public var values: [String: String]
    /// The tablets the check looks at (`replicationLag`).
    public var tablets: [TabletTarget]

    /// A tablet and its Pod.
    public struct TabletTarget: Sendable, Hashable {
        /// The alias.
        public var alias: String
        /// The Pod's name.
        public var pod: String
        /// Whether it is the primary (whose lag is zero by definition).
        public var primary: Bool
    }

    /// `VTOP_CLUSTER`, `VTOP_TABLET_ALIAS`, ...: the environment a `command` check gets.
    public var environment: [String: String] {
        Dictionary(
            uniqueKeysWithValues: values.map { key, value in
                ("VTOP_" + key.uppercased().replacingOccurrences(of: ".", with: "_"), value)
            })
    }

    /// Fills `{{name}}` placeholders, percent-encoding values for use in a URL.
    public func fill(_ template: String) -> String {
        var text = template
        for (key, value) in values {
            let encoded =
                value.addingPercentEncoding(
                    withAllowedCharacters: .urlQueryAllowed.subtracting(.init(charactersIn: "&=+#?"))) ?? value
            text = text.replacingOccurrences(of: "{{\(key)}}", with: encoded)
        }
        return text
    }
}

extension Step.Kind {
    /// Whether the step releases an object.
    public var isRelease: Bool {
        switch self {
        case .gate, .soak, .stageDone: false
        default: true
        }
    }

    var isTablet: Bool {
        if case .releaseTablet = self { return true }
        return false
    }

    /// A soak that failed starts over on a resume, rather than carrying on from its first start.
    var restartsAfterFailure: Bool {
        if case .soak = self { return true }
        return false
    }
}

extension ReleaseRequest {
    var isTablet: Bool {
        if case .tablet = self { return true }
        return false
    }
}

extension TimeWindow {
    /// Whether `date` (UTC) is inside the window.
    public func contains(_ date: Date) -> Bool {
        let (weekday, minute) = Self.utc(date)
        // Today's range, and yesterday's when it spans midnight.
        if dayAllowed(weekday) {
            if fromMinute < toMinute ? (minute >= fromMinute && minute < toMinute) : minute >= fromMinute {
                return true
            }
        }
        if fromMinute >= toMinute, dayAllowed((weekday + 6) % 7), minute < toMinute { return true }
        return false
    }

    /// The next time at or after `date` when the window opens, within a week.
    public func nextOpening(after date: Date) -> Date? {
        let (_, minute) = Self.utc(date)
        let startOfDay = date.addingTimeInterval(
            -Double(minute) * 60 - date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        for offset in 0...7 {
            let day = startOfDay.addingTimeInterval(Double(offset) * 86_400)
            let opening = day.addingTimeInterval(Double(fromMinute) * 60)
            if opening > date, dayAllowed(Self.utc(day).weekday) { return opening }
        }
        return nil
    }

    private func dayAllowed(_ weekday: Int) -> Bool {
        days.isEmpty || days.contains { Weekday.allCases.firstIndex(of: $0) == weekday }
    }

    /// Monday = 0, and minutes after 00:00 UTC.
    private static func utc(_ date: Date) -> (weekday: Int, minute: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        let weekday = ((days % 7) + 7 + 3) % 7
        let minute = (seconds - days * 86_400) / 60
        return (weekday, minute)
    }
}
