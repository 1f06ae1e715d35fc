import ArgumentParser
import Foundation
import RolloutEngine
import RolloutPlan
import RolloutRuntime
import VitessModel

/// `vtop-rollout plan apply`: execute a plan, with a checkpoint, a lock, gates and health checks.
struct PlanApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Execute a plan against the cluster, resumably: checkpoint, lock, gates and health checks.",
        discussion: """
            The plan is validated and compiled against the live cluster, then executed: each release adds
            rollout.planetscale.com/released and waits until the cluster shows the step done. One run per
            VitessCluster holds a Lease (vtop-rollout-CLUSTER). The checkpoint (docs/state-file.md) is
            written before every release, so after any crash `plan apply PLAN --resume` continues; the
            cluster is the truth, and a tablet that already rolled is never released again.

            On a terminal, apply shows the steps and asks before the first release (--yes skips that),
            and asks at approval gates (--no-prompt exits with code 3 instead; approve with
            `vtop-rollout plan approve GATE`, then --resume).

            Exit codes: 0 done; 1 failed; 2 invalid plan, state or input; 3 waiting at an approval gate;
            4 paused after a failed check or a timeout; 5 interrupted (SIGINT/SIGTERM); 6 another run
            holds the lock; 64 bad flags.
            """
    )

    @Argument(help: "The plan file.", completion: .file(extensions: ["yaml", "yml"]))
    var plan: String

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var color: ColorOptions
    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        let bytes: [UInt8]
        switch PlanFile.read(plan) {
        case .success(let read): bytes = read
        case .failure(let problem): throw CommandFailure(message: problem.message, code: Exit.invalidInput)
        }
        try await ApplyFlow(options: apply, cluster: clusterOptions, color: color).run(planBytes: bytes, path: plan)
    }
}

/// `vtop-rollout finish`: release everything still pending through the built-in plan.
struct FinishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finish",
        abstract: "Release everything still pending, in the safe default order, with the plan engine.",
        discussion: """
            Runs the built-in plan (print it with `vtop-rollout plan show --default`): keyspaces and
            shards; then tablets, one per shard, primary last, --max-shards shards at a time; then the
            vtorc, vtctld and vtadmin Deployments; then cells, so vtgate rolls after the tablets; then etcd
            members, one at a time. Stages with nothing pending are left out. It takes every flag of
            `plan apply`, with the same checkpoint, lock and exit codes.
            """
    )

    @Option(help: "The VitessCluster's name (default: the only one in the namespace).")
    var cluster: String?

    @Option(help: "How many shards roll at once.")
    var maxShards: Int = DefaultPlan.defaultShards

    @OptionGroup var apply: ApplyOptions
    @OptionGroup var color: ColorOptions
    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        if maxShards < 1 { throw ValidationError("--max-shards must be at least 1") }
    }

    func run() async throws {
        let (objects, namespace) = try await clusterOptions.objects()
        let name: String
        if let cluster {
            name = cluster
        } else {
            guard objects.clusters.count == 1, let only = objects.clusters.first else {
                throw CommandFailure(
                    message:
                        "namespace '\(namespace)' holds \(objects.clusters.count) VitessClusters; choose one with --cluster",
                    code: Exit.invalidInput)
            }
            name = only.metadata.name
        }
        let stages: [String]
        var shards = maxShards
        if apply.resume {
            // The resumed run's plan is the one it started with, whatever is pending now, and with
            // the --max-shards it started with.
            let store = try StateLocation.store(
                apply.state, planName: "finish-\(name)", api: try clusterOptions.connect())
            guard let state = try? await store.load(), let path = state.plan.path,
                let recorded = DefaultPlan.parse(path: path)
            else {
                throw CommandFailure(
                    message: "there is no `finish` run to resume at \(store.location)", code: Exit.invalidInput)
            }
            stages = recorded.stages
            shards = recorded.shards ?? maxShards
        } else {
            guard case .success(let inventory) = Inventory.build(cluster: name, namespace: namespace, from: objects)
            else {
                throw CommandFailure(
                    message: "VitessCluster '\(name)' not found in namespace '\(namespace)'", code: Exit.invalidInput)
            }
            stages = DefaultPlan.stages(for: inventory)
            if stages.isEmpty {
                Console.line("nothing is pending on VitessCluster \(namespace)/\(name)")
                return
            }
        }
        let text = DefaultPlan.text(cluster: name, namespace: namespace, shards: shards, only: stages)
        try await ApplyFlow(options: apply, cluster: clusterOptions, color: color).run(
            planBytes: Array(text.utf8), path: DefaultPlan.path(stages: stages, shards: shards))
    }
}
