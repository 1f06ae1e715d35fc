/// Why an inventory could not be built.
public enum InventoryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No VitessCluster of that name (in that namespace).
    case clusterNotFound(name: String, namespace: String?, available: [String])

    /// A message naming what exists instead.
    public var description: String {
        switch self {
        case .clusterNotFound(let name, let namespace, let available):
            let place = namespace.map { " in namespace '\($0)'" } ?? ""
            let others =
                available.isEmpty ? "no VitessCluster exists there" : "available: \(available.joined(separator: ", "))"
            return "VitessCluster '\(name)'\(place) not found (\(others))"
        }
    }
}

extension Inventory {
    /// Builds the inventory of one VitessCluster from raw objects. Objects of other clusters and
    /// namespaces are ignored, so a snapshot of a whole namespace works.
    public static func build(cluster name: String, namespace: String?, from objects: ClusterObjects)
        -> Result<Inventory, InventoryError>
    {
        func inNamespace(_ meta: ObjectMeta) -> Bool {
            namespace == nil || meta.namespace == nil || meta.namespace == namespace
        }
        func ours(_ meta: ObjectMeta) -> Bool { inNamespace(meta) && meta.label(OperatorLabel.cluster) == name }

        guard let vt = objects.clusters.first(where: { $0.metadata.name == name && inNamespace($0.metadata) }) else {
            let available = objects.clusters.filter { inNamespace($0.metadata) }.map(\.metadata.name).sorted()
            return .failure(.clusterNotFound(name: name, namespace: namespace, available: available))
        }
        let cluster = ClusterInfo(
            name: name, namespace: vt.metadata.namespace ?? namespace ?? "default", uid: vt.metadata.uid,
            updateStrategy: UpdateStrategy(vt.spec?.updateStrategy?.type),
            generation: GenerationState(
                generation: vt.metadata.generation,
                observedGeneration: vt.status?.observedGeneration),
            marks: RolloutMarks(vt.metadata))

        let cells = objects.cells.filter { ours($0.metadata) }.map { vtc in
            CellInfo(
                name: vtc.spec?.name ?? vtc.metadata.label(OperatorLabel.cell) ?? vtc.metadata.name,
                objectName: vtc.metadata.name, marks: RolloutMarks(vtc.metadata),
                generation: GenerationState(
                    generation: vtc.metadata.generation,
                    observedGeneration: vtc.status?.observedGeneration),
                gatewayAvailable: vtc.status?.gateway?.available.map { $0 == "True" })
        }.sorted { $0.name < $1.name }

        let tabletPods = objects.pods.filter {
            ours($0.metadata) && $0.metadata.label(OperatorLabel.component) == "vttablet"
        }
        var keyspaces: [String: KeyspaceInfo] = [:]
        for vtk in objects.keyspaces where ours(vtk.metadata) {
            let keyspace = vtk.spec?.name ?? vtk.metadata.label(OperatorLabel.keyspace) ?? vtk.metadata.name
            keyspaces[keyspace] = KeyspaceInfo(
                name: keyspace, objectName: vtk.metadata.name, marks: RolloutMarks(vtk.metadata),
                generation: GenerationState(
                    generation: vtk.metadata.generation,
                    observedGeneration: vtk.status?.observedGeneration),
                shards: [])
        }
        // Pods grouped once by keyspace and shard label, so each shard sees only its own.
        var podsByShard: [String: [PodObject]] = [:]
        for pod in tabletPods {
            let key =
                "\(pod.metadata.label(OperatorLabel.keyspace) ?? "")/\(pod.metadata.label(OperatorLabel.shard) ?? "")"
            podsByShard[key, default: []].append(pod)
        }
        for vts in objects.shards where ours(vts.metadata) {
            let shard = shardInfo(vts, podsByShard: podsByShard)
            if keyspaces[shard.keyspace] == nil {
                // A shard whose VitessKeyspace is missing from the listing still shows up, unowned.
                keyspaces[shard.keyspace] = KeyspaceInfo(
                    name: shard.keyspace, objectName: "", marks: RolloutMarks(), generation: GenerationState(),
                    shards: [])
            }
            keyspaces[shard.keyspace]?.shards.append(shard)
        }
        let sortedKeyspaces = keyspaces.values.map { keyspace -> KeyspaceInfo in
            var keyspace = keyspace
            keyspace.shards.sort { shardOrder($0, $1) }
            return keyspace
        }.sorted { $0.name < $1.name }

        let deployments = objects.deployments.filter { ours($0.metadata) }.compactMap { d -> DeploymentInfo? in
            guard let component = d.metadata.label(OperatorLabel.component) else { return nil }
            return DeploymentInfo(
                name: d.metadata.name, component: component, cell: d.metadata.label(OperatorLabel.cell),
                keyspace: d.metadata.label(OperatorLabel.keyspace), shardLabel: d.metadata.label(OperatorLabel.shard),
                marks: RolloutMarks(d.metadata), rolledOut: d.isRolledOut)
        }.sorted { $0.name < $1.name }

        let etcdMembers = objects.pods.filter { pod in
            guard inNamespace(pod.metadata), pod.metadata.label(OperatorLabel.component) == "etcd" else { return false }
            if let owner = pod.metadata.label(OperatorLabel.cluster) { return owner == name }
            return pod.metadata.label(OperatorLabel.etcdLockserver)?.hasPrefix("\(name)-") ?? false
        }.map { pod in
            EtcdMemberInfo(
                name: pod.metadata.name, lockserver: pod.metadata.label(OperatorLabel.etcdLockserver) ?? "",
                index: pod.metadata.label(OperatorLabel.etcdIndex).flatMap { Int($0) },
                cell: pod.metadata.label(OperatorLabel.cell), uid: pod.metadata.uid, ready: pod.isReady,
                marks: RolloutMarks(pod.metadata))
        }.sorted { ($0.lockserver, $0.index ?? 0, $0.name) < ($1.lockserver, $1.index ?? 0, $1.name) }

        var known = Set(
            [name] + cells.map(\.objectName) + sortedKeyspaces.map(\.objectName) + deployments.map(\.name)
                + etcdMembers.map(\.name))
        for keyspace in sortedKeyspaces {
            for shard in keyspace.shards {
                known.insert(shard.objectName)
                for tablet in shard.tablets { if let pod = tablet.podName { known.insert(pod) } }
            }
        }
        let warnings = objects.events.filter { event in
            event.type == "Warning" && inNamespace(event.metadata) && known.contains(event.involvedObject.name ?? "")
        }.sorted { ($0.lastTimestamp ?? "", $0.metadata.name) < ($1.lastTimestamp ?? "", $1.metadata.name) }

        return .success(
            Inventory(
                cluster: cluster, cells: cells, keyspaces: sortedKeyspaces, deployments: deployments,
                etcdMembers: etcdMembers, warnings: warnings))
    }

    /// Shards sort by key range start, so `-40` comes before `40-80`.
    static func shardOrder(_ a: ShardInfo, _ b: ShardInfo) -> Bool {
        switch (a.keyRange, b.keyRange) {
        case (let ra?, let rb?):
            return (ra.start, ra.end.isEmpty ? "~" : ra.end) < (rb.start, rb.end.isEmpty ? "~" : rb.end)
        default: return a.name < b.name
        }
    }

    static func shardInfo(_ vts: VitessShardObject, podsByShard: [String: [PodObject]]) -> ShardInfo {
        let keyspace = vts.metadata.label(OperatorLabel.keyspace) ?? ""
        let range = vts.spec?.keyRange.flatMap { KeyRange("\($0.start ?? "")-\($0.end ?? "")") }
        let name = vts.spec?.name ?? range?.description ?? vts.metadata.label(OperatorLabel.shard) ?? vts.metadata.name
        let keyRange = range ?? KeyRange(name)
        let safeName = keyRange?.safeName ?? vts.metadata.label(OperatorLabel.shard)
        let status = vts.status
        let primary = status?.masterAlias.flatMap { TabletAlias($0) }

        var byAlias: [TabletAlias: TabletInfo] = [:]
        for (key, tablet) in status?.tablets ?? [:] {
            guard let alias = TabletAlias(key) else { continue }
            byAlias[alias] = TabletInfo(
                alias: alias, keyspace: keyspace, shard: name, pool: tablet.poolType.flatMap(TabletPoolType.init),
                role: role(tablet.type, isPrimary: alias == primary), podName: nil, podUID: nil,
                ready: tablet.ready == "True", available: tablet.available == "True", marks: RolloutMarks(),
                drain: .none, waitingReason: nil)
        }
        for pod in podsByShard["\(keyspace)/\(safeName ?? "")"] ?? [] {
            guard let cell = pod.metadata.label(OperatorLabel.cell),
                let uid = pod.metadata.label(OperatorLabel.tabletUID).flatMap({ UInt32($0) })
            else { continue }
            let alias = TabletAlias(cell: cell, uid: uid)
            var tablet =
                byAlias[alias]
                ?? TabletInfo(
                    alias: alias, keyspace: keyspace, shard: name, pool: nil,
                    role: alias == primary ? .primary : .other, podName: nil, podUID: nil, ready: false,
                    available: false, marks: RolloutMarks(), drain: .none, waitingReason: nil)
            tablet.podName = pod.metadata.name
            tablet.podUID = pod.metadata.uid
            tablet.ready = pod.isReady
            tablet.marks = RolloutMarks(pod.metadata)
            tablet.drain = DrainState(pod.metadata)
            tablet.waitingReason = pod.waitingReason
            tablet.terminatingSince = pod.metadata.deletionTimestamp
            tablet.gracePeriodSeconds = pod.spec?.terminationGracePeriodSeconds
            if let vttablet = pod.spec?.containers?.first(where: { $0.name == "vttablet" }) {
                tablet.lagTracking = LagTracking(arguments: vttablet.args ?? [])
            }
            tablet.pool = pod.metadata.label(OperatorLabel.tabletType).flatMap(TabletPoolType.init) ?? tablet.pool
            byAlias[alias] = tablet
        }
        let eligible = (vts.spec?.tabletPools ?? []).filter {
            TabletPoolType(rawValue: $0.type)?.isMasterEligible ?? false
        }
        .reduce(0) { $0 + ($1.replicas ?? 0) }
        var shard = ShardInfo(
            keyspace: keyspace, name: name, keyRange: keyRange, objectName: vts.metadata.name,
            marks: RolloutMarks(vts.metadata),
            generation: GenerationState(
                generation: vts.metadata.generation,
                observedGeneration: status?.observedGeneration),
            lowestPodGeneration: status?.lowestPodGeneration, primary: primary,
            servingWrites: status?.servingWrites == "True", masterEligibleCount: eligible,
            tablets: byAlias.values.sorted { $0.alias < $1.alias })
        shard.topologyKnown = status?.hasMaster != "Unknown"
        return shard
    }

    /// Maps the topology type to a role; `master` is the pre-v14 word for primary.
    static func role(_ type: String?, isPrimary: Bool) -> TabletRole {
        switch type?.lowercased() {
        case "primary", "master": return .primary
        case "replica": return isPrimary ? .primary : .replica
        case "rdonly": return .rdonly
        case nil: return isPrimary ? .primary : .other
        default: return .other
        }
    }
}
