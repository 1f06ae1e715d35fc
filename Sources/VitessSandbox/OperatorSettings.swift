/// The emulated operator's knobs: timings, rollout faults, and the history record it keeps.
import Foundation
import NIOConcurrencyHelpers
import VitessModel

/// Timings of the emulated cluster, in emulated seconds (scaled by the clock).
public struct OperatorTimings: Sendable, Equatable, Codable {
    /// From a tablet Pod's recreation to Ready.
    public var tabletRestart: Double = 20
    /// Ready-to-`available` window (`tabletAvailableSeconds`, 30 in the operator).
    public var tabletAvailable: Double = 30
    /// Per replaced Deployment Pod during a rollout.
    public var deploymentPod: Double = 10
    /// From an etcd member's recreation to Ready.
    public var etcdRestart: Double = 10
    /// How often the drain controller requeues while blocked (events are repeated at this pace).
    public var drainRequeue: Double = 5
    /// How long a deleted tablet Pod stays Terminating (vttablet and mysqld shutting down) before it is gone. The
    /// operator's grace period is 1800 s (`vttablet/constants.go`); a clean shutdown takes much less.
    public var tabletTermination: Double = 30
    /// How long a deleted etcd member Pod stays Terminating.
    public var etcdTermination: Double = 2

    /// Default, realistic timings.
    public init() {}
}

/// Rollout faults: things that go wrong on the emulated cluster rather than in the API.
public struct RolloutFaults: Sendable, Equatable, Codable {
    /// Recreated tablet Pods whose image contains one of these never become Ready (CrashLoop).
    public var neverReadyImages: [String] = []
    /// Recreated tablet Pods with one of these names never become Ready.
    public var neverReadyPods: [String] = []
    /// PlannedReparentShard fails (event `PlannedReparentFailed`) while set.
    public var failReparent: Bool = false
    /// Restart time multipliers per Pod name ("takes N times longer to restart").
    public var slowRestart: [String: Double] = [:]
    /// Replication lag in whole seconds per tablet alias (`zone1-0790125915`), as vttablet reports it through the
    /// Pod proxy (`/debug/vars` `replicationLagSec`). It follows the alias across Pod recreation and applies only
    /// while the tablet is not the primary.
    public var replicationLag: [String: Int] = [:]
    /// The topology server cannot be read: the VitessShard controller rebuilds status without `masterAlias`, with
    /// `hasMaster`/`servingWrites` Unknown and every tablet `type` empty; the drain controller reports
    /// `TopoGetFailed` and does nothing (`vitessshard/reconcile_topo.go`, `reconcile_drain.go`).
    public var topologyOutage: Bool = false
    /// After a VitessKeyspace spec change, the keyspace controller's writes to its VitessShards fail for this many
    /// reconciles while its `observedGeneration` still advances (`vitesskeyspace_controller.go` updates status in
    /// a `defer`, even when `reconcileShards` failed).
    public var slowChildren: Int = 0

    /// No faults.
    public init() {}

    /// Decodes a partial settings object; absent keys keep their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        neverReadyImages = try container.decodeIfPresent([String].self, forKey: .neverReadyImages) ?? []
        neverReadyPods = try container.decodeIfPresent([String].self, forKey: .neverReadyPods) ?? []
        failReparent = try container.decodeIfPresent(Bool.self, forKey: .failReparent) ?? false
        slowRestart = try container.decodeIfPresent([String: Double].self, forKey: .slowRestart) ?? [:]
        topologyOutage = try container.decodeIfPresent(Bool.self, forKey: .topologyOutage) ?? false
        slowChildren = try container.decodeIfPresent(Int.self, forKey: .slowChildren) ?? 0
        let lag = try container.decodeIfPresent([String: Int].self, forKey: .replicationLag) ?? [:]
        for (key, seconds) in lag {
            guard let alias = TabletAlias(key), seconds >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .replicationLag, in: container,
                    debugDescription:
                        "replicationLag wants a tablet alias (cell-uid) and whole seconds >= 0, got \(key): \(seconds)")
            }
            replicationLag[alias.description] = seconds
        }
    }
}

/// One line of `/sandbox/v1/history`.
public struct HistoryRecord: Sendable, Codable, Equatable {
    /// Emulated seconds since start.
    public var time: Double
    /// What happened: `released`, `releaseIgnored`, `drainStarted`, `drained`, `reparented`, `reparentFailed`,
    /// `drainBlocked`, `drainAborted`, `terminating`, `deleted`, `created`, `ready`, `available`, `scheduled`,
    /// `applied`, `initShardPrimary`, `cascadeComplete`, `rolloutStarted`, `rolloutComplete`, `turndown`,
    /// `safeUpgrade`, `safeUpgradeFailed`.
    public var action: String
    /// The object's kind.
    public var kind: String
    /// The object's name.
    public var name: String
    /// The shard (`keyspace/shard`) for tablet records, else empty.
    public var shard: String
    /// Details (`from zone1-… to zone1-…`, a new UID, …).
    public var detail: String
}

