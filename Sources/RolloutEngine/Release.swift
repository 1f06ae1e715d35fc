import VitessModel

/// One imperative release: what `vtop-rollout release` was asked to release.
public enum ReleaseRequest: Sendable, Hashable, CustomStringConvertible {
    /// A VitessCell (rolls its vtgate).
    case cell(String)
    /// A VitessKeyspace.
    case keyspace(String)
    /// A VitessShard, as `keyspace/shard`.
    case shard(keyspace: String, shard: String)
    /// A tablet Pod.
    case tablet(TabletAlias)
    /// A vtctld, vtadmin or vtorc Deployment.
    case deployment(String)
    /// An etcd member Pod.
    case etcd(String)

    /// `cell zone1`, `tablet zone1-0790125915`, ...
    public var description: String {
        switch self {
        case .cell(let name): "cell \(name)"
        case .keyspace(let name): "keyspace \(name)"
        case .shard(let keyspace, let shard): "shard \(keyspace)/\(shard)"
        case .tablet(let alias): "tablet \(alias)"
        case .deployment(let name): "deployment \(name)"
        case .etcd(let name): "etcd member \(name)"
        }
    }
}

/// The object to annotate and what it looked like before, so completion can be recognised.
public struct ReleaseObject: Sendable, Hashable {
    /// The request.
    public var request: ReleaseRequest
    /// `VitessCell`, `VitessKeyspace`, `VitessShard`, `Pod` or `Deployment`.
    public var objectKind: String
    /// The object's name.
    public var objectName: String
    /// For Pods: the UID before the release; a recreated Pod has another.
    public var podUID: String?
    /// For tablets: whether it was the primary, and the shard's primary then.
    public var wasPrimary: Bool
    /// For tablets: the shard's primary before the release.
    public var primaryBefore: TabletAlias?
    /// Whether `released` is already set (a release in flight; the patch is then a no-op).
    public var alreadyReleased: Bool
}

/// Why a release is refused. Every reason names the way forward.
public struct ReleaseRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable id: `not-found`, `nothing-pending`, `not-external`, `shard-busy`,
    /// `primary-without-candidate`, `primary-not-last`, `prerequisite-pending`, `not-ready`.
    public var reason: String
    /// The explanation.
    public var message: String

    /// `refused (reason): message`.
    public var description: String { "refused (\(reason)): \(message)" }
}

extension ReleaseRules {
    /// The releases that must come first, announced and performed automatically by `release`: a
    /// tablet's keyspace then shard, or a shard's keyspace, when they still hold the change.
    public static func prerequisites(of request: ReleaseRequest, in inventory: Inventory) -> [ReleaseRequest] {
        let shard: ShardInfo?
        switch request {
        case .tablet(let alias): shard = inventory.shards.first { $0.tablets.contains { $0.alias == alias } }
        case .shard(let keyspace, let name):
            shard = inventory.shards.first { $0.keyspace == keyspace && $0.name == name }
        default: return []
        }
        guard let shard else { return [] }
        var result: [ReleaseRequest] = []
        let keyspacePending = inventory.keyspaces.contains { $0.name == shard.keyspace && $0.marks.isPending }
        if keyspacePending { result.append(.keyspace(shard.keyspace)) }
        if case .tablet = request, keyspacePending || shard.marks.isPending {
            result.append(.shard(keyspace: shard.keyspace, shard: shard.name))
        }
        return result
    }
}

/// Whether a released object is done, and if not, what it waits for.
public enum ReleaseProgress: Sendable, Hashable {
    /// The cluster shows the change applied.
    case done
    /// Still in progress, with what it waits for (as `status --explain` would say it).
    case waiting(String)
}

/// The safety rules and completion tests of a single release, as pure functions of the inventory.
///
/// The same rules the planner and executor enforce (design §4, §5): one tablet in flight per shard,
/// the primary last, never a primary without a reparent candidate unless downtime is accepted.
public enum ReleaseRules {
    /// Checks a request against the cluster and returns the object to annotate.
    public static func check(_ request: ReleaseRequest, in inventory: Inventory, allowDowntime: Bool)
        -> Result<ReleaseObject, ReleaseRefusal>
    {
        if inventory.cluster.updateStrategy != .external {
            return .failure(
                .init(
                    reason: "not-external",
                    message: "VitessCluster '\(inventory.cluster.name)' has updateStrategy "
                        + "\(inventory.cluster.updateStrategy): the operator rolls changes itself"))
        }
        func pending(_ marks: RolloutMarks, _ what: String) -> ReleaseRefusal? {
            marks.isPending || marks.released
                ? nil
                : .init(
                    reason: "nothing-pending",
                    message: "\(what) has no pending change (no \(RolloutAnnotation.scheduled))")
        }
        switch request {
        case .cell(let name):
            guard let cell = inventory.cells.first(where: { $0.name == name }) else {
                return .failure(notFound("cell", name, inventory.cells.map(\.name)))
            }
            if let refusal = pending(cell.marks, "cell \(name)") { return .failure(refusal) }
            return .success(target(request, "VitessCell", cell.objectName, marks: cell.marks))
        case .keyspace(let name):
            guard let keyspace = inventory.keyspaces.first(where: { $0.name == name }), !keyspace.objectName.isEmpty
            else {
                return .failure(notFound("keyspace", name, inventory.keyspaces.map(\.name)))
            }
            if let refusal = pending(keyspace.marks, "keyspace \(name)") { return .failure(refusal) }
            return .success(target(request, "VitessKeyspace", keyspace.objectName, marks: keyspace.marks))
        case .shard(let keyspaceName, let shardName):
            guard let shard = inventory.shards.first(where: { $0.keyspace == keyspaceName && $0.name == shardName })
            else {
                return .failure(notFound("shard", "\(keyspaceName)/\(shardName)", inventory.shards.map(\.id)))
            }
            if let keyspace = inventory.keyspaces.first(where: { $0.name == keyspaceName }), keyspace.marks.isPending {
                return .failure(
                    .init(
                        reason: "prerequisite-pending",
                        message: "keyspace \(keyspaceName) still holds its change; release it first "
                            + "(vtop-rollout release keyspace \(keyspaceName))"))
            }
            if let refusal = pending(shard.marks, "shard \(shard.id)") { return .failure(refusal) }
            return .success(target(request, "VitessShard", shard.objectName, marks: shard.marks))
        case .tablet(let alias):
            return tablet(alias, request, inventory, allowDowntime)
        case .deployment(let name):
            guard let deployment = inventory.deployments.first(where: { $0.name == name }) else {
                return .failure(notFound("Deployment", name, inventory.deployments.map(\.name)))
            }
            if deployment.component == "vtgate" {
                return .failure(
                    .init(
                        reason: "nothing-pending",
                        message: "vtgate follows its VitessCell; release the cell instead "
                            + "(vtop-rollout release cell \(deployment.cell ?? "CELL"))"))
            }
            if let refusal = pending(deployment.marks, "Deployment \(name)") { return .failure(refusal) }
            return .success(target(request, "Deployment", name, marks: deployment.marks))
        case .etcd(let name):
            guard let member = inventory.etcdMembers.first(where: { $0.name == name }) else {
                return .failure(notFound("etcd member", name, inventory.etcdMembers.map(\.name)))
            }
            if let refusal = pending(member.marks, "etcd member \(name)") { return .failure(refusal) }
            let others = inventory.etcdMembers.filter { $0.lockserver == member.lockserver && $0.name != name }
            if let busy = others.first(where: { $0.marks.released || !$0.ready }) {
                return .failure(
                    .init(
                        reason: "not-ready",
                        message: "etcd member \(busy.name) is \(busy.marks.released ? "being released" : "not Ready"); "
                            + "release one member at a time, each Ready before the next"))
            }
            var result = target(request, "Pod", name, marks: member.marks)
            result.podUID = member.uid
            return .success(result)
        }
    }

    private static func tablet(
        _ alias: TabletAlias, _ request: ReleaseRequest, _ inventory: Inventory,
        _ allowDowntime: Bool
    ) -> Result<ReleaseObject, ReleaseRefusal> {
        guard let shard = inventory.shards.first(where: { $0.tablets.contains { $0.alias == alias } }),
            let tablet = shard.tablets.first(where: { $0.alias == alias })
        else {
            return .failure(notFound("tablet", alias.description, inventory.tablets.map(\.alias.description)))
        }
        guard let pod = tablet.podName else {
            return .failure(.init(reason: "not-ready", message: "tablet \(alias) has no Pod right now"))
        }
        if !tablet.marks.isPending && !tablet.marks.released {
            if shard.marks.isPending
                || inventory.keyspaces.contains(where: { $0.name == shard.keyspace && $0.marks.isPending })
            {
                return .failure(
                    .init(
                        reason: "prerequisite-pending",
                        message: "tablet \(alias) gets its change only after shard \(shard.id) is released; "
                            + "release the keyspace and the shard first"))
            }
            return .failure(.init(reason: "nothing-pending", message: "tablet \(alias) has no pending change"))
        }
        if !tablet.marks.released {
            if shard.marks.cascade {
                return .failure(
                    .init(
                        reason: "shard-busy",
                        message: "shard \(shard.id) carries rollout.planetscale.com/cascade: the operator is releasing "
                            + "its tablets itself (Immediate mode, a storage resize, or a person); wait until it "
                            + "removes the annotation"))
            }
            if !shard.topologyKnown {
                return .failure(
                    .init(
                        reason: "topology-unknown",
                        message: "the operator cannot read the topology of shard \(shard.id) right now (hasMaster "
                            + "Unknown, no primary or tablet types in its status); no tablet is released while "
                            + "roles are unknown"))
            }
            if let busy = shard.tablets.first(where: { $0.alias != alias && ($0.marks.released || $0.drain != .none) })
            {
                return .failure(
                    .init(
                        reason: "shard-busy",
                        message: "tablet \(busy.alias) of shard \(shard.id) is already being released; "
                            + "one tablet per shard at a time"))
            }
            if let down = shard.tablets.first(where: { $0.alias != alias && (!$0.ready || !$0.available) }) {
                return .failure(
                    .init(
                        reason: "not-ready",
                        message: "tablet \(down.alias) of shard \(shard.id) is not available; the operator "
                            + "drains nothing in the shard until every tablet is (see status --explain)"))
            }
            if tablet.isPrimary {
                let others = shard.tablets.filter { $0.alias != alias && $0.marks.isPending }
                if let other = others.first {
                    return .failure(
                        .init(
                            reason: "primary-not-last",
                            message: "tablet \(alias) is the primary of \(shard.id) and \(other.alias) still has a "
                                + "pending change; release the primary last"))
                }
                let candidates = shard.tablets.filter {
                    $0.alias != alias && $0.role == .replica && $0.ready && ($0.pool?.isMasterEligible ?? false)
                }
                if (shard.masterEligibleCount < 2 || candidates.isEmpty) && !allowDowntime {
                    return .failure(
                        .init(
                            reason: "primary-without-candidate",
                            message: "tablet \(alias) is the primary of \(shard.id), which has no other Ready "
                                + "master-eligible replica to reparent to; the shard would go down. Add a "
                                + "replica, or pass --allow-downtime"))
                }
            }
        }
        var result = target(request, "Pod", pod, marks: tablet.marks)
        result.podUID = tablet.podUID
        result.wasPrimary = tablet.isPrimary
        result.primaryBefore = shard.primary
        return .success(result)
    }

    private static func target(_ request: ReleaseRequest, _ kind: String, _ name: String, marks: RolloutMarks)
        -> ReleaseObject
    {
        ReleaseObject(
            request: request, objectKind: kind, objectName: name, podUID: nil, wasPrimary: false,
            primaryBefore: nil, alreadyReleased: marks.released)
    }

    private static func notFound(_ what: String, _ name: String, _ known: [String]) -> ReleaseRefusal {
        let list = known.prefix(10).joined(separator: ", ")
        return .init(
            reason: "not-found", message: "\(what) '\(name)' does not exist (known: \(list.isEmpty ? "none" : list))")
    }

    /// Whether a released object is done, as design §5 defines it: never when the patch returns,
    /// only when the cluster shows the change applied.
    public static func progress(of target: ReleaseObject, in inventory: Inventory) -> ReleaseProgress {
        switch target.request {
        case .cell(let name):
            guard let cell = inventory.cells.first(where: { $0.name == name }) else {
                return .waiting("VitessCell is gone")
            }
            if cell.marks.isPending || cell.marks.released {
                return .waiting("the operator to apply the cell's change")
            }
            if cell.generation.isLagging { return .waiting("the operator to observe the VitessCell") }
            let vtgate = inventory.deployments.first { $0.component == "vtgate" && $0.cell == name }
            if let vtgate, !vtgate.rolledOut { return .waiting("Deployment \(vtgate.name) to roll out") }
            return .done
        case .keyspace(let name):
            guard let keyspace = inventory.keyspaces.first(where: { $0.name == name }) else {
                return .waiting("VitessKeyspace is gone")
            }
            if keyspace.marks.isPending || keyspace.marks.released {
                return .waiting("the operator to apply the keyspace's change")
            }
            if keyspace.generation.isLagging { return .waiting("the operator to observe the VitessKeyspace") }
            return .done
        case .shard(let keyspaceName, let shardName):
            guard let shard = inventory.shards.first(where: { $0.keyspace == keyspaceName && $0.name == shardName })
            else {
                return .waiting("VitessShard is gone")
            }
            if shard.marks.isPending || shard.marks.released {
                return .waiting("the operator to apply the shard's change")
            }
            if shard.generation.isLagging { return .waiting("the operator to observe the VitessShard") }
            if let lowest = shard.lowestPodGeneration, let generation = shard.generation.generation, lowest < generation
            {
                return .waiting("tablet Pods to observe shard generation \(generation) (lowest \(lowest))")
            }
            return .done
        case .tablet(let alias):
            guard let shard = inventory.shards.first(where: { $0.tablets.contains { $0.alias == alias } }),
                let tablet = shard.tablets.first(where: { $0.alias == alias })
            else { return .waiting("tablet \(alias) to reappear in its shard") }
            guard let uid = tablet.podUID, tablet.podName != nil else { return .waiting("the Pod to be recreated") }
            if uid == target.podUID {
                if let since = tablet.terminatingSince {
                    let grace = tablet.gracePeriodSeconds.map { "; grace period \($0)s" } ?? ""
                    return .waiting("the old Pod to terminate (Terminating since \(since)\(grace))")
                }
                switch tablet.drain {
                case .none: return .waiting("the operator to start draining the tablet")
                case .started, .acknowledged:
                    return .waiting(
                        target.wasPrimary ? "PlannedReparentShard and the drain to finish" : "the drain to finish")
                case .finished: return .waiting("the operator to delete the Pod")
                }
            }
            if !tablet.ready {
                return .waiting("the new Pod to become Ready" + (tablet.waitingReason.map { " (\($0))" } ?? ""))
            }
            if tablet.marks.isPending { return .waiting("the new Pod to lose its scheduled change") }
            if !tablet.available {
                return .waiting("the tablet to become available (Ready for the availability window)")
            }
            if target.wasPrimary {
                // Only a known topology proves the move: during an outage the status has no primary at all.
                if !shard.topologyKnown {
                    return .waiting("the operator to read the topology again, to see the primary moved")
                }
                if shard.primary == nil || shard.primary == target.primaryBefore {
                    return .waiting("the primary to move away")
                }
            }
            return .done
        case .deployment(let name):
            guard let deployment = inventory.deployments.first(where: { $0.name == name }) else {
                return .waiting("Deployment is gone")
            }
            if deployment.marks.isPending || deployment.marks.released {
                return .waiting("the operator to apply the change")
            }
            return deployment.rolledOut ? .done : .waiting("Deployment \(name) to roll out")
        case .etcd(let name):
            guard let member = inventory.etcdMembers.first(where: { $0.name == name }) else {
                return .waiting("the etcd Pod to be recreated")
            }
            if member.uid == target.podUID { return .waiting("the operator to delete and recreate the etcd Pod") }
            if !member.ready { return .waiting("the new etcd Pod to become Ready") }
            if member.marks.isPending { return .waiting("the new etcd Pod to lose its scheduled change") }
            return .done
        }
    }
}
