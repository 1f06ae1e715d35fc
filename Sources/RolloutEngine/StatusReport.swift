import VitessModel

/// The machine-readable form of `vtop-rollout status` (`-o json` and `-o yaml`).
///
/// A stable, documented schema (docs/status.md): fields are only ever added. Every collection is
/// sorted, so two runs over the same cluster print the same bytes.
public struct StatusReport: Codable, Sendable, Equatable {
    /// Always `vtop-rollout/v1`.
    public var apiVersion = "vtop-rollout/v1"
    /// Always `Status`.
    public var kind = "Status"
    /// The VitessCluster.
    public var cluster: Cluster
    /// Counts of objects with a pending change, and of those already released.
    public var summary: Summary
    /// VitessCells.
    public var cells: [Object]
    /// VitessKeyspaces with their shards and tablets.
    public var keyspaces: [Keyspace]
    /// Deployments the operator manages.
    public var deployments: [Deployment]
    /// etcd member Pods.
    public var etcdMembers: [Object]
    /// What blocks in-flight objects (`--explain`); empty when nothing is blocked.
    public var blockers: [Blocker]
    /// Recent Warning events on the cluster's objects.
    public var warnings: [Warning]

    /// The VitessCluster.
    public struct Cluster: Codable, Sendable, Equatable {
        /// Name.
        public var name: String
        /// Namespace.
        public var namespace: String
        /// UID.
        public var uid: String?
        /// `External`, `Immediate` or another value.
        public var updateStrategy: String
        /// `metadata.generation`.
        public var generation: Int64?
        /// `status.observedGeneration`.
        public var observedGeneration: Int64?
    }

    /// Pending and released counts per level.
    public struct Summary: Codable, Sendable, Equatable {
        /// Objects with `scheduled`, per level.
        public var pending: Counts
        /// Objects with `released` still present (in flight), per level.
        public var released: Counts
    }

    /// One count per level.
    public struct Counts: Codable, Sendable, Equatable {
        /// VitessCells.
        public var cells = 0
        /// VitessKeyspaces.
        public var keyspaces = 0
        /// VitessShards.
        public var shards = 0
        /// Tablet Pods.
        public var tablets = 0
        /// Deployments.
        public var deployments = 0
        /// etcd member Pods.
        public var etcdMembers = 0
    }

    /// A cell or an etcd member: an object with rollout markers.
    public struct Object: Codable, Sendable, Equatable {
        /// The cell name, or the etcd Pod name.
        public var name: String
        /// The Kubernetes object name.
        public var object: String
        /// Whether `scheduled` is present.
        public var pending: Bool
        /// The `scheduled` text (a human-readable diff), when present.
        public var scheduled: String?
        /// Whether `released` is present.
        public var released: Bool
        /// Ready (etcd members) or vtgate available (cells), when known.
        public var ready: Bool?
    }

    /// A keyspace.
    public struct Keyspace: Codable, Sendable, Equatable {
        /// Name.
        public var name: String
        /// The VitessKeyspace object name.
        public var object: String
        /// Whether `scheduled` is present.
        public var pending: Bool
        /// The `scheduled` text.
        public var scheduled: String?
        /// Whether `released` is present.
        public var released: Bool
        /// How many of its tablets have a pending change.
        public var pendingTablets: Int
        /// How many tablets it has.
        public var tablets: Int
        /// Shards, by key range.
        public var shards: [Shard]
    }

    /// A shard.
    public struct Shard: Codable, Sendable, Equatable {
        /// The shard name (`-80`).
        public var name: String
        /// The VitessShard object name.
        public var object: String
        /// Whether `scheduled` is present.
        public var pending: Bool
        /// The `scheduled` text.
        public var scheduled: String?
        /// Whether `released` is present.
        public var released: Bool
        /// Whether `cascade` is present.
        public var cascade: Bool
        /// The primary's alias.
        public var primary: String?
        /// `status.servingWrites == True`.
        public var servingWrites: Bool
        /// Master-eligible tablets, as the operator counts them.
        public var masterEligible: Int
        /// `metadata.generation`.
        public var generation: Int64?
        /// `status.observedGeneration`.
        public var observedGeneration: Int64?
        /// `status.lowestPodGeneration`.
        public var lowestPodGeneration: Int64?
        /// Tablets, by alias.
        public var tablets: [Tablet]
    }

    /// A tablet.
    public struct Tablet: Codable, Sendable, Equatable {
        /// `cell-uid`.
        public var alias: String
        /// The Pod name, when the Pod exists.
        public var pod: String?
        /// The Pod UID.
        public var podUID: String?
        /// The pool type.
        public var pool: String?
        /// The current role: `primary`, `replica`, `rdonly` or `other`.
        public var role: String
        /// Pod Ready.
        public var ready: Bool
        /// Shard status `available`.
        public var available: Bool
        /// Whether `scheduled` is present.
        public var pending: Bool
        /// The `scheduled` text.
        public var scheduled: String?
        /// Whether `released` is present.
        public var released: Bool
        /// `none`, `started`, `acknowledged` or `finished`.
        public var drain: String
        /// A container waiting reason such as `CrashLoopBackOff`.
        public var waitingReason: String?
    }

    /// A Deployment.
    public struct Deployment: Codable, Sendable, Equatable {
        /// The object name.
        public var name: String
        /// `vtctld`, `vtadmin`, `vtorc` or `vtgate`.
        public var component: String
        /// The cell, if any.
        public var cell: String?
        /// The keyspace (vtorc).
        public var keyspace: String?
        /// Whether `scheduled` is present (never for vtgate).
        public var pending: Bool
        /// The `scheduled` text.
        public var scheduled: String?
        /// Whether `released` is present.
        public var released: Bool
        /// Whether the rollout is complete.
        public var rolledOut: Bool
    }

    /// Something that blocks an in-flight object, with the command to look at or fix it.
    public struct Blocker: Codable, Sendable, Equatable {
        /// A stable id for the case, such as `tablet-not-ready`.
        public var reason: String
        /// `Kind/name` of the object that is stuck.
        public var object: String
        /// What is wrong, in a sentence.
        public var message: String
        /// A command to inspect or fix it.
        public var command: String
    }

    /// A Warning event.
    public struct Warning: Codable, Sendable, Equatable {
        /// The event reason (`DrainBlocked`).
        public var reason: String
        /// `Kind/name` of the object.
        public var object: String
        /// The message.
        public var message: String
        /// How often it happened.
        public var count: Int?
        /// When it last happened.
        public var lastTimestamp: String?
    }
}

extension StatusReport {
    /// Projects an inventory into the report, with the blockers `Explanation.blockers` finds.
    public init(_ inventory: Inventory) {
        var pending = Counts()
        var released = Counts()
        func count(_ marks: RolloutMarks, _ slot: WritableKeyPath<Counts, Int>) {
            if marks.isPending { pending[keyPath: slot] += 1 }
            if marks.released { released[keyPath: slot] += 1 }
        }
        inventory.cells.forEach { count($0.marks, \.cells) }
        inventory.keyspaces.forEach { count($0.marks, \.keyspaces) }
        inventory.shards.forEach { count($0.marks, \.shards) }
        inventory.tablets.forEach { count($0.marks, \.tablets) }
        inventory.deployments.forEach { count($0.marks, \.deployments) }
        inventory.etcdMembers.forEach { count($0.marks, \.etcdMembers) }

        let c = inventory.cluster
        self.cluster = Cluster(
            name: c.name, namespace: c.namespace, uid: c.uid, updateStrategy: c.updateStrategy.description,
            generation: c.generation.generation, observedGeneration: c.generation.observedGeneration)
        self.summary = Summary(pending: pending, released: released)
        self.cells = inventory.cells.map {
            Object(
                name: $0.name, object: $0.objectName, pending: $0.marks.isPending, scheduled: $0.marks.scheduled,
                released: $0.marks.released, ready: $0.gatewayAvailable)
        }
        self.keyspaces = inventory.keyspaces.map { keyspace in
            let tablets = keyspace.shards.flatMap(\.tablets)
            return Keyspace(
                name: keyspace.name, object: keyspace.objectName, pending: keyspace.marks.isPending,
                scheduled: keyspace.marks.scheduled, released: keyspace.marks.released,
                pendingTablets: tablets.filter(\.marks.isPending).count, tablets: tablets.count,
                shards: keyspace.shards.map { shard in
                    Shard(
                        name: shard.name, object: shard.objectName, pending: shard.marks.isPending,
                        scheduled: shard.marks.scheduled, released: shard.marks.released, cascade: shard.marks.cascade,
                        primary: shard.primary?.description, servingWrites: shard.servingWrites,
                        masterEligible: shard.masterEligibleCount, generation: shard.generation.generation,
                        observedGeneration: shard.generation.observedGeneration,
                        lowestPodGeneration: shard.lowestPodGeneration,
                        tablets: shard.tablets.map { t in
                            Tablet(
                                alias: t.alias.description, pod: t.podName, podUID: t.podUID, pool: t.pool?.rawValue,
                                role: t.role.rawValue, ready: t.ready, available: t.available,
                                pending: t.marks.isPending, scheduled: t.marks.scheduled, released: t.marks.released,
                                drain: t.drain.rawValue, waitingReason: t.waitingReason)
                        })
                })
        }
        self.deployments = inventory.deployments.map {
            Deployment(
                name: $0.name, component: $0.component, cell: $0.cell, keyspace: $0.keyspace,
                pending: $0.marks.isPending, scheduled: $0.marks.scheduled, released: $0.marks.released,
                rolledOut: $0.rolledOut)
        }
        self.etcdMembers = inventory.etcdMembers.map {
            Object(
                name: $0.name, object: $0.name, pending: $0.marks.isPending, scheduled: $0.marks.scheduled,
                released: $0.marks.released, ready: $0.ready)
        }
        self.blockers = Explanation.blockers(in: inventory)
        self.warnings = inventory.warnings.map {
            Warning(
                reason: $0.reason ?? "", object: "\($0.involvedObject.kind ?? "?")/\($0.involvedObject.name ?? "?")",
                message: $0.message ?? "", count: $0.count, lastTimestamp: $0.lastTimestamp)
        }
    }
}
