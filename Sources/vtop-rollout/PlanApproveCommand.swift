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

    var who: String { actor ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown" }
}

/// `vtop-rollout plan approve GATE`: record an approval in the run's state.
struct PlanApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a gate of a run waiting for approval; `plan apply --resume` then continues past it.",
        discussion: """
            The approval (gate, actor, time) is written into the run's state and recorded as an Event
            (VtopRolloutApproval) on the VitessCluster when the cluster can be reached.
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
        let actor = (try? clusterOptions.connect().connection.userName).flatMap { $0 } ?? stateOptions.who
        let now = Date()
        state.approvals.append(Approval(gate: gate, actor: stateOptions.actor ?? actor, at: now))
        state.events.append(
            RunEvent(
                at: now, type: "approved", step: "gate/\(gate)",
                message: "gate \(gate) approved by \(stateOptions.actor ?? actor)"))
        state.updatedAt = now
        do {
            try await store.save(state)
        } catch {
            throw CommandFailure(message: "cannot save \(store.location): \(error)", code: Exit.failed)
        }
        Console.line(
            "approved gate \(gate) of plan \(state.plan.name); continue with: vtop-rollout plan apply PLAN --resume")
        if let client = try? clusterOptions.connect() {
            let audit = Audit(
                api: client, cluster: state.cluster.name, namespace: state.cluster.namespace,
                clusterUID: state.cluster.uid)
            if let error = await audit.record(
                reason: "VtopRolloutApproval",
                message: "\(stateOptions.actor ?? actor) approved gate \(gate) of plan \(state.plan.name) "
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
            reverting the VitessCluster spec. A running `plan apply` notices nothing; stop it first
            (SIGINT). To roll back, revert the spec and run a new plan.
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
                message: "aborted by \(stateOptions.who)" + (reason.map { ": \($0)" } ?? "")))
        state.updatedAt = now
        do {
            try await store.save(state)
        } catch {
            throw CommandFailure(message: "cannot save \(store.location): \(error)", code: Exit.failed)
        }
        Console.line(
            "aborted the run of plan \(state.plan.name) (\(store.location)); nothing in the cluster was reverted")
    }
}
