/// Everything vtop-rollout knows about one VitessCluster at one moment: the topology, every pending
/// change at every level, the rollout markers, drain state and generation lag.
///
/// An immutable value built from a handful of LIST results (or a snapshot file) by
/// `Inventory.build`. Collections are sorted, so rendering never depends on the order the API
/// returned objects in.
public struct Inventory: Sendable, Hashable {
    /// The VitessCluster.
    public var cluster: ClusterInfo
    /// VitessCells, by name.
    public var cells: [CellInfo]
    /// VitessKeyspaces, by name, each with its shards.
    public var keyspaces: [KeyspaceInfo]
    /// vtctld, vtadmin, vtorc and vtgate Deployments, by name.
    public var deployments: [DeploymentInfo]
    /// etcd lockserver member Pods, by name.
    public var etcdMembers: [EtcdMemberInfo]
    /// Warning events about the cluster's objects (DrainBlocked, PlannedReparentFailed, ...), newest last.
    public var warnings: [EventObject]

    /// Every shard of every keyspace.
    public var shards: [ShardInfo] { keyspaces.flatMap(\.shards) }
    /// Every tablet of every shard.
    public var tablets: [TabletInfo] { shards.flatMap(\.tablets) }
}

/// The rollout annotations on one object. Presence is what counts; the operator ignores values.
public struct RolloutMarks: Sendable, Hashable {
    /// The `scheduled` text when the annotation is present (it may be empty), else nil.
    public var scheduled: String?
    /// Whether `released` is present.
    public var released: Bool
    /// Whether `cascade` is present (meaningful on VitessShards only).
    public var cascade: Bool

    /// Reads the markers from an object's metadata.
    public init(_ meta: ObjectMeta) {
        scheduled = meta.annotations?[RolloutAnnotation.scheduled]
        released = meta.has(RolloutAnnotation.released)
        cascade = meta.has(RolloutAnnotation.cascade)
    }

    /// Creates markers directly.
    public init(scheduled: String? = nil, released: Bool = false, cascade: Bool = false) {
        self.scheduled = scheduled
        self.released = released
        self.cascade = cascade
    }

    /// Whether a change is held back on this object.
    public var isPending: Bool { scheduled != nil }
}

/// `metadata.generation` against `status.observedGeneration`.
public struct GenerationState: Sendable, Hashable {
    /// The spec generation.
    public var generation: Int64?
    /// What the controller last reconciled.
    public var observedGeneration: Int64?

    /// Whether the controller has not yet seen the latest spec.
    public var isLagging: Bool {
        guard let generation else { return false }
        return (observedGeneration ?? 0) < generation
    }
}

/// The operator's update strategy for the cluster.
public enum UpdateStrategy: Sendable, Hashable, CustomStringConvertible {
    /// Changes wait for `released` (the default when unset).
    case external
    /// The operator rolls changes itself.
    case immediate
    /// A value this build does not know.
    case other(String)

    /// Reads `spec.updateStrategy.type`; absent means External, as the operator defaults it.
    public init(_ type: String?) {
        switch type {
        case nil, "", "External": self = .external
        case "Immediate": self = .immediate
        case let value?: self = .other(value)
        }
    }

    /// The operator's word for it.
    public var description: String {
        switch self {
        case .external: "External"
        case .immediate: "Immediate"
        case .other(let value): value
        }
    }
}

/// The VitessCluster.
public struct ClusterInfo: Sendable, Hashable {
    /// Its name.
    public var name: String
    /// Its namespace.
    public var namespace: String
    /// Its UID, which pins checkpoints to this very cluster.
    public var uid: String?
    /// The update strategy.
    public var updateStrategy: UpdateStrategy
    /// Generation lag: plan only when the operator has observed the latest spec.
    public var generation: GenerationState
    /// Rollout annotations on the VitessCluster itself, which the operator ignores (never consumes).
    public var marks = RolloutMarks()
}

/// A VitessCell.
public struct CellInfo: Sendable, Hashable {
    /// The cell name.
    public var name: String
    /// The VitessCell object's name.
    public var objectName: String
    /// Rollout markers.
    public var marks: RolloutMarks
    /// Generation lag.
    public var generation: GenerationState
    /// Whether the cell's vtgate Service has endpoints, when reported.
    public var gatewayAvailable: Bool?
}

/// A VitessKeyspace with its shards.
public struct KeyspaceInfo: Sendable, Hashable {
    /// The keyspace name.
    public var name: String
    /// The VitessKeyspace object's name.
    public var objectName: String
    /// Rollout markers.
    public var marks: RolloutMarks
    /// Generation lag.
    public var generation: GenerationState
    /// Shards, by key range.
    public var shards: [ShardInfo]
}

/// A VitessShard with its tablets.
public struct ShardInfo: Sendable, Hashable {
    /// The keyspace name.
    public var keyspace: String
    /// The shard name (`-80`).
    public var name: String
    /// The key range, when the name is one.
    public var keyRange: KeyRange?
    /// The VitessShard object's name.
    public var objectName: String
    /// Rollout markers (`cascade` included).
    public var marks: RolloutMarks
    /// Generation lag.
    public var generation: GenerationState
    /// The lowest observed shard generation over the tablet Pods; pending tablet changes are
    /// trustworthy only once it equals the generation.
    public var lowestPodGeneration: Int64?
    /// The primary, from `status.masterAlias`.
    public var primary: TabletAlias?
    /// `status.servingWrites == True`.
    public var servingWrites: Bool
    /// The sum of `replicas` of the replica and externalmaster pools, as the operator counts it.
    public var masterEligibleCount: Int
    /// Tablets, by alias.
    public var tablets: [TabletInfo]
    /// False while the operator cannot read the topology: it then rebuilds the status with `hasMaster: Unknown`,
    /// no `masterAlias` and no tablet types, so nobody knows which tablet is the primary
    /// (`vitessshard/reconcile_topo.go`; docs/operator-reference.md).
    public var topologyKnown: Bool = true

    /// `keyspace/shard`, the step-id form.
    public var id: String { "\(keyspace)/\(name)" }
}

/// The drain protocol's progress on a tablet Pod.
public enum DrainState: String, Sendable, Hashable, Codable {
    /// No drain annotations.
    case none
    /// `drain.planetscale.com/started` only.
    case started
    /// The operator acknowledged the drain.
    case acknowledged
    /// The operator finished the drain; the Pod may be deleted.
    case finished

    /// Reads the drain annotations.
    public init(_ meta: ObjectMeta) {
        if meta.has(DrainAnnotation.finished) {
            self = .finished
        } else if meta.has(DrainAnnotation.acknowledged) {
            self = .acknowledged
        } else if meta.has(DrainAnnotation.started) {
            self = .started
        } else {
            self = .none
        }
    }
}

/// A vttablet.
public struct TabletInfo: Sendable, Hashable {
    /// Its alias.
    public var alias: TabletAlias
    /// The keyspace.
    public var keyspace: String
    /// The shard name.
    public var shard: String
    /// The pool type, from the Pod label or shard status.
    public var pool: TabletPoolType?
    /// The current role from shard status (the topology), never from labels.
    public var role: TabletRole
    /// The Pod's name; nil when the desired tablet has no Pod right now.
    public var podName: String?
    /// The Pod's UID; it changes when the Pod is recreated.
    public var podUID: String?
    /// The Pod's Ready condition.
    public var ready: Bool
    /// `available` in shard status: Ready for the availability window.
    public var available: Bool
    /// Rollout markers on the Pod.
    public var marks: RolloutMarks
    /// Drain progress on the Pod.
    public var drain: DrainState
    /// A container waiting reason such as `CrashLoopBackOff`.
    public var waitingReason: String?
    /// When the Pod's deletion was requested (`metadata.deletionTimestamp`); the Pod is Terminating until gone.
    public var terminatingSince: String?
    /// The Pod's `terminationGracePeriodSeconds` (the operator's default for vttablet is 1800).
    public var gracePeriodSeconds: Int?
    /// How vttablet tracks replication lag, from the vttablet container's flags; nil when unknown (no Pod).
    public var lagTracking: LagTracking?

    /// Whether this tablet is the shard's primary.
    public var isPrimary: Bool { role == .primary }
}

/// How vttablet measures replication lag (vitess `go/vt/vttablet/tabletserver/repltracker`), chosen by its flags.
public enum LagTracking: String, Sendable, Hashable, Codable {
    /// `--heartbeat_enable`: the heartbeat reader's `HeartbeatCurrentLagNs` is the real lag.
    case heartbeat
    /// `--enable_replication_reporter` (the operator sets it for local MySQL): `replicationLagSec` polls it.
    case polling
    /// Neither flag (the operator's external-datastore tablets): vttablet reports 0 whatever the lag.
    case disabled

    /// The mode a vttablet container's arguments select (`--flag`, `--flag=true`, `-flag`; heartbeat wins).
    public init(arguments: [String]) {
        func enabled(_ name: String) -> Bool {
            var on = false
            for argument in arguments {
                let flag = argument.drop(while: { $0 == "-" })
                let parts = flag.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.first?.replacingOccurrences(of: "-", with: "_") == name else { continue }
                on = parts.count == 1 || ["true", "1", "t", "yes"].contains(parts[1].lowercased())
            }
            return on
        }
        if enabled("heartbeat_enable") {
            self = .heartbeat
        } else if enabled("enable_replication_reporter") {
            self = .polling
        } else {
            self = .disabled
        }
    }
}

/// A Deployment the operator manages.
public struct DeploymentInfo: Sendable, Hashable {
    /// The object name.
    public var name: String
    /// `vtctld`, `vtadmin`, `vtorc` or `vtgate` (the `planetscale.com/component` label).
    public var component: String
    /// The cell label, if any.
    public var cell: String?
    /// The keyspace label (vtorc).
    public var keyspace: String?
    /// The shard safe-name label (vtorc), as the label writes it (`x-80`).
    public var shardLabel: String?
    /// Rollout markers (vtgate never carries them: it follows its VitessCell).
    public var marks: RolloutMarks
    /// Whether the rollout is complete, as `kubectl rollout status` decides.
    public var rolledOut: Bool
}

/// An etcd lockserver member Pod.
public struct EtcdMemberInfo: Sendable, Hashable {
    /// The Pod name.
    public var name: String
    /// The lockserver (`etcd.planetscale.com/lockserver`).
    public var lockserver: String
    /// The 1-based member index.
    public var index: Int?
    /// The cell, for cell-local lockservers.
    public var cell: String?
    /// The Pod UID.
    public var uid: String?
    /// The Pod's Ready condition.
    public var ready: Bool
    /// Rollout markers.
    public var marks: RolloutMarks
}
