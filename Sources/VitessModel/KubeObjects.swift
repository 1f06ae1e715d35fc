/// The parts of Kubernetes objects that vtop-rollout reads, decoded with `Codable` from the API's
/// JSON or from a `kubectl get -o yaml` snapshot. Unknown fields are ignored, so newer operator
/// versions that add fields still decode.

/// `metadata` of any object.
public struct ObjectMeta: Codable, Sendable, Hashable {
    /// The object's name.
    public var name: String
    /// Its namespace.
    public var namespace: String?
    /// The server-assigned UID; a recreated Pod has a new one.
    public var uid: String?
    /// The opaque version used for watches and optimistic concurrency.
    public var resourceVersion: String?
    /// Bumped by the API server on every spec change.
    public var generation: Int64?
    /// Labels.
    public var labels: [String: String]?
    /// Annotations.
    public var annotations: [String: String]?
    /// Set while the object is being deleted.
    public var deletionTimestamp: String?

    /// Creates metadata with a name and optional labels and annotations.
    public init(
        name: String, namespace: String? = nil, uid: String? = nil, generation: Int64? = nil,
        labels: [String: String]? = nil, annotations: [String: String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.generation = generation
        self.labels = labels
        self.annotations = annotations
    }

    /// A label's value.
    public func label(_ key: String) -> String? { labels?[key] }

    /// Whether an annotation key is present (the rollout annotations are checked by presence only).
    public func has(_ annotation: String) -> Bool { annotations?[annotation] != nil }
}

/// A VitessCluster (`planetscale.com/v2`, `vt`).
public struct VitessClusterObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// The fields of the spec that matter to rollouts.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`.
    public struct Spec: Codable, Sendable, Hashable {
        /// `updateStrategy`; absent means External (the operator defaults it in memory).
        public var updateStrategy: UpdateStrategy?
    }

    /// `spec.updateStrategy`.
    public struct UpdateStrategy: Codable, Sendable, Hashable {
        /// `External` or `Immediate`.
        public var type: String?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// The generation the operator last reconciled.
        public var observedGeneration: Int64?
    }
}

/// A VitessCell (`vtc`).
public struct VitessCellObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// Spec.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`.
    public struct Spec: Codable, Sendable, Hashable {
        /// The cell name.
        public var name: String?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// The generation the operator last reconciled.
        public var observedGeneration: Int64?
        /// The vtgate summary.
        public var gateway: Gateway?
    }

    /// `status.gateway`.
    public struct Gateway: Codable, Sendable, Hashable {
        /// `True` when the vtgate Service has endpoints.
        public var available: String?
    }
}

/// A VitessKeyspace (`vtk`).
public struct VitessKeyspaceObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// Spec.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`.
    public struct Spec: Codable, Sendable, Hashable {
        /// The keyspace name.
        public var name: String?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// The generation the operator last reconciled.
        public var observedGeneration: Int64?
    }
}

/// A VitessShard (`vts`).
public struct VitessShardObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// Spec.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`.
    public struct Spec: Codable, Sendable, Hashable {
        /// The shard name, the key range as Vitess writes it (`-80`).
        public var name: String?
        /// The key range.
        public var keyRange: KeyRangeSpec?
        /// The tablet pools.
        public var tabletPools: [TabletPool]?
    }

    /// `spec.keyRange`.
    public struct KeyRangeSpec: Codable, Sendable, Hashable {
        /// Lower-case hex start; absent or empty is unbounded.
        public var start: String?
        /// Lower-case hex end; absent or empty is unbounded.
        public var end: String?
    }

    /// `spec.tabletPools[]`.
    public struct TabletPool: Codable, Sendable, Hashable {
        /// The cell.
        public var cell: String
        /// The pool type (`replica`, `rdonly`, ...).
        public var type: String
        /// The number of tablets.
        public var replicas: Int?
        /// The pool name (external datastores only).
        public var name: String?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// The generation the operator last reconciled.
        public var observedGeneration: Int64?
        /// The lowest `planetscale.com/observed-shard-generation` over the shard's tablet Pods.
        public var lowestPodGeneration: Int64?
        /// The primary's alias from the topology, such as `zone1-2548885007`.
        public var masterAlias: String?
        /// `True`, `False` or `Unknown`.
        public var hasMaster: String?
        /// `True`, `False` or `Unknown`.
        public var servingWrites: String?
        /// Per-tablet status by alias (`cell-<10-digit uid>`).
        public var tablets: [String: TabletStatus]?
    }

    /// `status.tablets[alias]`.
    public struct TabletStatus: Codable, Sendable, Hashable {
        /// The pool type.
        public var poolType: String?
        /// The 1-based index in the pool.
        public var index: Int?
        /// `True` when the Pod is running.
        public var running: String?
        /// `True` when the Pod is Ready.
        public var ready: String?
        /// `True` when the Pod has been Ready for the availability window.
        public var available: String?
        /// The topology type, lower-cased (`primary`, `replica`, `rdonly`, ...).
        public var type: String?
        /// The Pod's pending changes (its `scheduled` text), empty when none.
        public var pendingChanges: String?
    }
}

/// A Pod: a vttablet or an etcd member.
public struct PodObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// The parts of the spec the tool reads.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`: the grace period and each container's name and arguments.
    public struct Spec: Codable, Sendable, Hashable {
        /// How long the kubelet waits for the containers to stop once the Pod is deleted.
        public var terminationGracePeriodSeconds: Int?
        /// The containers.
        public var containers: [Container]?
    }

    /// `spec.containers[]`.
    public struct Container: Codable, Sendable, Hashable {
        /// The container name (`vttablet`).
        public var name: String
        /// Its arguments (vttablet's flags).
        public var args: [String]?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`.
        public var phase: String?
        /// Conditions, including `Ready`.
        public var conditions: [Condition]?
        /// Container states, for CrashLoopBackOff reasons.
        public var containerStatuses: [ContainerStatus]?
    }

    /// `status.conditions[]`.
    public struct Condition: Codable, Sendable, Hashable {
        /// The condition type.
        public var type: String
        /// `True`, `False` or `Unknown`.
        public var status: String
    }

    /// `status.containerStatuses[]`.
    public struct ContainerStatus: Codable, Sendable, Hashable {
        /// The container name.
        public var name: String
        /// Whether the container is ready.
        public var ready: Bool?
        /// How often it restarted.
        public var restartCount: Int?
        /// The current state.
        public var state: State?
    }

    /// `state`: only the waiting reason matters here.
    public struct State: Codable, Sendable, Hashable {
        /// Present while the container waits.
        public var waiting: Waiting?
    }

    /// `state.waiting`.
    public struct Waiting: Codable, Sendable, Hashable {
        /// Such as `CrashLoopBackOff` or `ImagePullBackOff`.
        public var reason: String?
    }

    /// Whether the `Ready` condition is `True`.
    public var isReady: Bool { status?.conditions?.contains { $0.type == "Ready" && $0.status == "True" } ?? false }

    /// The first waiting reason of a container, such as `CrashLoopBackOff`.
    public var waitingReason: String? { status?.containerStatuses?.lazy.compactMap { $0.state?.waiting?.reason }.first }
}

/// An apps/v1 Deployment.
public struct DeploymentObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// Spec.
    public var spec: Spec?
    /// Status.
    public var status: Status?

    /// `spec`.
    public struct Spec: Codable, Sendable, Hashable {
        /// Desired replicas; absent means 1.
        public var replicas: Int?
    }

    /// `status`.
    public struct Status: Codable, Sendable, Hashable {
        /// The generation the Deployment controller last saw.
        public var observedGeneration: Int64?
        /// Pods of any template.
        public var replicas: Int?
        /// Pods of the current template.
        public var updatedReplicas: Int?
        /// Available Pods.
        public var availableReplicas: Int?
    }

    /// The test `kubectl rollout status` uses: observed, and every replica updated and available.
    public var isRolledOut: Bool {
        let desired = spec?.replicas ?? 1
        guard let status, let observed = status.observedGeneration, let generation = metadata.generation else {
            return false
        }
        return observed >= generation && (status.updatedReplicas ?? 0) >= desired
            && (status.replicas ?? 0) <= (status.updatedReplicas ?? 0)
            && (status.availableReplicas ?? 0) >= (status.updatedReplicas ?? 0)
    }
}

/// A core/v1 Event, for blocked-reason explanations (`DrainBlocked`, `PlannedReparentFailed`).
public struct EventObject: Codable, Sendable, Hashable {
    /// Metadata.
    public var metadata: ObjectMeta
    /// The object the event is about.
    public var involvedObject: InvolvedObject
    /// A PascalCase reason such as `DrainBlocked`.
    public var reason: String?
    /// The human-readable message.
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    /// When it last happened (RFC 3339).
    public var lastTimestamp: String?
    /// How often it happened.
    public var count: Int?

    /// `involvedObject`.
    public struct InvolvedObject: Codable, Sendable, Hashable {
        /// The kind, such as `VitessShard`.
        public var kind: String?
        /// The object's name.
        public var name: String?
    }
}
