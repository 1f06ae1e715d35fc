import ArgumentParser
import Foundation
import KubeClient
import RolloutEngine
import RolloutRuntime
import VitessModel

/// `vtop-rollout release`: release one cell, keyspace, shard, tablet, Deployment or etcd member.
struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Release one pending change, wait until the cluster shows it done, and refuse what is unsafe.",
        discussion: """
            Examples:
              vtop-rollout release keyspace commerce
              vtop-rollout release shard customer/-80
              vtop-rollout release tablet zone1-2548885007
              vtop-rollout release cell zone1              # rolls that cell's vtgate
              vtop-rollout release deployment example-zone1-vtctld-1d4dcad0
              vtop-rollout release etcd example-etcd-faf13de3-1

            Only the rollout.planetscale.com/released annotation is written (JSON merge patch); specs are
            never edited. A tablet or shard whose keyspace or shard still holds the change gets those
            released first, announced. Each release is recorded as an Event (VtopRolloutRelease) on the
            VitessCluster.

            Exit codes: 0 done, or released with --wait=false, or nothing pending; 1 failed or timed out;
            2 invalid input; 10 a primary without a reparent candidate (override: --allow-downtime);
            11 another tablet of the shard is in flight; 12 the cluster's updateStrategy is not External;
            13 the primary before its shard's other pending tablets; 14 a tablet of the shard, or another
            etcd member, is not available, or the shard's topology cannot be read; 6 a plan run holds the
            VitessCluster's Lease (override: --force, recorded in the audit Event); 64 bad flags.
            """
    )

    @Argument(help: "What to release: cell, keyspace, shard, tablet, deployment or etcd.")
    var kind: ReleaseKind

    @Argument(help: "Its name: CELL, KEYSPACE, KEYSPACE/SHARD, CELL-UID, a Deployment name or an etcd Pod name.")
    var name: String

    @Option(help: "The VitessCluster's name (default: the only one in the namespace).")
    var cluster: String?

    @Option(help: "Wait until the cluster shows the change applied (--wait=false returns once released).")
    var wait: Bool = true

    @Option(help: "How long to wait, such as 30m or 90s.")
    var timeout: String = "30m"

    @Flag(help: "Accept releasing a primary that has no reparent candidate (the shard goes down).")
    var allowDowntime = false

    @Flag(help: "Check and say what would be released, without releasing it.")
    var dryRun = false

    @Flag(help: "Release even while a plan run holds the VitessCluster's Lease; recorded in the audit Event.")
    var force = false

    @OptionGroup var clusterOptions: ClusterOptions

    func run() async throws {
        guard let request = kind.request(name) else {
            throw CommandFailure(
                message: "'\(name)' is not a valid \(kind.rawValue) name\(kind.hint)", code: Exit.invalidInput)
        }
        guard let limit = Self.duration(timeout) else {
            throw CommandFailure(
                message: "--timeout '\(timeout)' is not a duration such as 30m or 90s", code: Exit.badFlags)
        }
        let client = try clusterOptions.connect()
        let namespace = client.defaultNamespace
        let name: String
        if let cluster {
            name = cluster
        } else {
            let (objects, _) = try await clusterOptions.objects()
            guard objects.clusters.count == 1, let only = objects.clusters.first else {
                throw CommandFailure(
                    message:
                        "namespace '\(namespace)' holds \(objects.clusters.count) VitessClusters; choose one with --cluster",
                    code: Exit.invalidInput)
            }
            name = only.metadata.name
        }
        let releaser = Releaser(api: client, cluster: name, namespace: namespace) { line in print(line) }
        var actor = client.connection.userName ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        // A running plan (or one stopped at a gate) owns the order of releases: a release beside it would race it.
        let lock = LeaseLock(
            api: client, namespace: namespace, cluster: name, holder: LeaseLock.defaultHolder(user: actor))
        if !dryRun, let held = try await lock.liveHolder() {
            guard force else {
                var refused = held
                refused.advice = "let that run finish or stop it, or pass --force to release anyway"
                throw CommandFailure(message: "refused (plan-running): \(refused)", code: Exit.locked)
            }
            print("warning: releasing beside the run of \(held.holder) (--force); the audit Event says so")
            actor += " (with --force, beside the run of \(held.holder))"
        }
        do {
            switch try await releaser.release(
                request, allowDowntime: allowDowntime, dryRun: dryRun, wait: wait, timeout: limit, actor: actor)
            {
            case .nothingPending, .dryRun, .released, .done: return
            case .timedOut(let reason):
                throw CommandFailure(message: "timed out after \(timeout) waiting for \(reason)", code: Exit.failed)
            }
        } catch let refusal as ReleaseRefusal {
            throw CommandFailure(message: refusal.description, code: Exit.refusal(refusal.reason))
        } catch let error as InventoryError {
            throw CommandFailure(message: error.description, code: Exit.invalidInput)
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(message: "\(error)", code: Exit.failed)
        }
    }

    static func duration(_ text: String) -> Duration? {
        var total = 0
        var number = ""
        for character in text {
            if character.isNumber {
                number.append(character)
            } else if let n = Int(number), let unit = ["h": 3600, "m": 60, "s": 1][String(character)] {
                total += n * unit
                number = ""
            } else {
                return nil
            }
        }
        return number.isEmpty && total > 0 ? .seconds(total) : nil
    }
}

/// The kinds `release` takes.
enum ReleaseKind: String, ExpressibleByArgument, CaseIterable {
    case cell, keyspace, shard, tablet, deployment, etcd

    func request(_ name: String) -> ReleaseRequest? {
        switch self {
        case .cell: return .cell(name)
        case .keyspace: return .keyspace(name)
        case .shard:
            guard let slash = name.firstIndex(of: "/") else { return nil }
            return .shard(keyspace: String(name[..<slash]), shard: String(name[name.index(after: slash)...]))
        case .tablet: return TabletAlias(name).map(ReleaseRequest.tablet)
        case .deployment: return .deployment(name)
        case .etcd: return .etcd(name)
        }
    }

    var hint: String {
        switch self {
        case .shard: " (write KEYSPACE/SHARD, such as customer/-80)"
        case .tablet: " (write CELL-UID, such as zone1-2548885007)"
        default: ""
        }
    }
}
