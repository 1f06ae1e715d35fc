import ArgumentParser
import Foundation
import RolloutEngine
import RolloutRuntime

/// Finds the state a gate command works on: `--state`, or the only state file here.
struct StateOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The run's checkpoint: a file or configmap:NAMESPACE/NAME (default: the only *.vtop-state.json here).",
            valueName: "state"))
    var state: String?

    @Option(help: "Who does this (default: the kubeconfig user, then $USER).")
    var actor: String?

    func store(_ cluster: ClusterOptions) throws -> any StateStore {
        if let state {
            let api = state.hasPrefix("configmap:") ? try cluster.connect() : nil
            do {
                return try StateLocation.store(state, planName: "", api: api)
            } catch let error as StateError {
                throw CommandFailure(message: error.description, code: Exit.invalidInput)
            }
        }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: ".")) ?? [])
            .filter { $0.hasSuffix(".vtop-state.json") }.sorted()
        guard files.count == 1 else {
            throw CommandFailure(
                message: files.isEmpty
                    ? "no *.vtop-state.json in this directory; give --state"
                    : "several state files here (\(files.joined(separator: ", "))); choose one with --state",
                code: Exit.invalidInput)
        }
        return FileStateStore(path: files[0])
    }

    func load(_ store: any StateStore) async throws -> RunState {
        do {
            guard let state = try await store.load() else {
                throw CommandFailure(message: "there is no run state at \(store.location)", code: Exit.invalidInput)
            }
            return state
        } catch let error as StateError {
            throw CommandFailure(message: error.description, code: Exit.invalidInput)
        }
    }

    /// Who does this: `--actor`, else the kubeconfig user, else `$USER`.
    func who(_ cluster: ClusterOptions) -> String {
        actor ?? (try? cluster.connect().connection.userName).flatMap { $0 } ?? ProcessInfo.processInfo
            .environment["USER"] ?? "unknown"
    }

    /// The command that continues `state`'s run.
    func resumeCommand(for state: RunState) -> String {
        let flag = self.state.map { " --state \($0)" } ?? ""
        if let path = state.plan.path, DefaultPlan.parse(path: path) != nil {
            return "vtop-rollout finish --resume\(flag)"
        }
        return "vtop-rollout plan apply \(state.plan.path ?? "PLAN") --resume\(flag)"
    }

    /// Runs `body` holding the VitessCluster's Lease, so that a change to the state never races a
    /// running `plan apply` (which would overwrite it at its next save). Without a reachable cluster
    /// (a state file read offline) it runs `body` alone, with a warning.
    func holdingLock(
        _ state: RunState, _ cluster: ClusterOptions, force: Bool, _ body: () async throws -> Void
    ) async throws {
        guard let client = try? cluster.connect(namespace: state.cluster.namespace) else {
            FileHandle.standardError.write(
                Data("warning: cannot reach the cluster to check that no plan apply is running\n".utf8))
            try await body()
            return
        }
        let lock = LeaseLock(
            api: client, namespace: state.cluster.namespace, cluster: state.cluster.name,
            holder: LeaseLock.defaultHolder(user: who(cluster)))
        do {
            try await lock.acquire(plan: state.plan.name, hash: state.plan.hash, force: force)
        } catch var held as LeaseLock.Held {
            held.advice = "a plan apply of this cluster is running: answer its prompt, or stop it (Ctrl-C) first"
            throw CommandFailure(message: held.description, code: Exit.locked)
        } catch {
            FileHandle.standardError.write(
                Data("warning: cannot check the Lease, so a running plan apply may overwrite this: \(error)\n".utf8))
            try await body()
            return
        }
        do {
            try await body()
        } catch {
            await lock.release()
            throw error
        }
        await lock.release()
    }
}

/// `vtop-rollout plan approve GATE`: record an approval in the run's state.
struct PlanApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a gate of a run waiting for approval; `plan apply --resume` then continues past it.",
        discussion: """
            The approval (gate, actor, time) is written into the run's state and recorded as an Event
            (VtopRolloutApproval) on the VitessCluster when the cluster can be reached. It takes the
            VitessCluster's Lease for the write, so it refuses (exit code 6) while a `plan apply` runs:
            answer that run's prompt instead, or let it exit at the gate first.
            """
    )

    @Argument(help: "The approval gate's stage name.")
    var gate: String

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        let store = try stateOptions.store(clusterOptions)
        var state = try await stateOptions.load(store)
        let gates = state.graph.steps.compactMap { step -> String? in
            if case .gate(.approval) = step.kind { return step.stage }
            return nil
        }
        guard gates.contains(gate) else {
            throw CommandFailure(
                message: "plan \(state.plan.name) has no approval gate '\(gate)' (its gates: "
                    + "\(gates.isEmpty ? "none" : gates.joined(separator: ", ")))", code: Exit.invalidInput)
        }
        if let approval = state.approval(for: gate) {
            Console.line(
                "gate \(gate) was already approved by \(approval.actor) at \(RunStateCoding.timestamp(approval.at))")
            return
        }
        if state.status == .aborted {
            throw CommandFailure(
                message: "the run was aborted; approving a gate cannot revive it", code: Exit.invalidInput)
        }
        let actor = stateOptions.who(clusterOptions)
        let now = Date()
        state.approvals.append(Approval(gate: gate, actor: actor, at: now))
        state.events.append(
            RunEvent(
                at: now, type: "approved", step: "gate/\(gate)",
                message: "gate \(gate) approved by \(actor)"))
        state.updatedAt = now
        try await stateOptions.holdingLock(state, clusterOptions, force: false) {
            do {
                try await store.save(state)
            } catch {
                throw CommandFailure(message: "cannot save \(store.location): \(error)", code: Exit.failed)
            }
        }
        Console.line(
            "approved gate \(gate) of plan \(state.plan.name); continue with: \(stateOptions.resumeCommand(for: state))"
        )
        if let client = try? clusterOptions.connect() {
            let audit = Audit(
                api: client, cluster: state.cluster.name, namespace: state.cluster.namespace,
                clusterUID: state.cluster.uid)
            if let error = await audit.record(
                reason: "VtopRolloutApproval",
                message: "\(actor) approved gate \(gate) of plan \(state.plan.name) "
                    + "(\(state.plan.hash.prefix(12))) with vtop-rollout")
            {
                FileHandle.standardError.write(Data("warning: could not record the approval Event: \(error)\n".utf8))
            }
        }
    }
}

/// `vtop-rollout plan abort`: mark a run aborted, for good.
struct PlanAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Mark a run aborted: `--resume` refuses it afterwards. Nothing in the cluster is reverted.",
        discussion: """
            Use it when a run must not continue, for example because the change is being rolled back by
            reverting the VitessCluster spec. It takes the VitessCluster's Lease for the write, so it
            refuses (exit code 6) while a `plan apply` runs: stop that first (SIGINT). To roll back,
            revert the spec and run a new plan.
            """
    )

    @Option(help: "Why (recorded in the event log).")
    var reason: String?

    @OptionGroup var stateOptions: StateOptions
    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        let store = try stateOptions.store(clusterOptions)
        var state = try await stateOptions.load(store)
        if state.status == .aborted {
            Console.line("the run of plan \(state.plan.name) is already aborted")
            return
        }
        let now = Date()
        state.status = .aborted
        state.events.append(
            RunEvent(
                at: now, type: "aborted", step: nil,
                message: "aborted by \(stateOptions.who(clusterOptions))" + (reason.map { ": \($0)" } ?? "")))
        state.updatedAt = now
        try await stateOptions.holdingLock(state, clusterOptions, force: false) {
            do {
                try await store.save(state)
            } catch {
                throw CommandFailure(message: "cannot save \(store.location): \(error)", code: Exit.failed)
            }
        }
        Console.line(
            "aborted the run of plan \(state.plan.name) (\(store.location)); nothing in the cluster was reverted")
    }
}
