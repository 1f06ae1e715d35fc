import Foundation
import VitessModel

/// The VitessCluster controller (cells, keyspaces, vtctld, vtadmin), the VitessCell controller (vtgate) and the
/// Deployment controller: `vitesscluster/reconcile_*.go`, `vitesscell/reconcile_vtgate.go`.
extension EmulatedOperator {
    /// Creation is never held (`ReconcileObject` `New`): a cell, keyspace, shard, lockserver or Deployment the
    /// VitessCluster asks for with no object yet is created at once, with everything under it. Pods and Deployments
    /// of existing parents are left to their own controllers.
    func createMissing(_ vt: JSON) {
        // Only a spec change can ask for new objects: expand the tree once per generation.
        let generation = vt[path: ["metadata", "generation"]].int ?? 1
        guard state.withLockedValue({ $0.createdForGeneration }) != generation else { return }
        state.withLockedValue { $0.createdForGeneration = generation }
        let expansion = FixtureExpansion(
            cluster: vt, namespace: namespace, clusterUID: vt[path: ["metadata", "uid"]].string ?? "")
        var created: Set<String> = []
        var uids: [String: String] = [:]
        var shards: [String: String] = [:]
        for item in expansion.items(uid: { UUID().uuidString.lowercased() }) {
            let objectName = name(item.object)
            guard store.get(item.type, namespace: namespace, name: objectName) == nil else { continue }
            let owner = item.object[path: ["metadata", "ownerReferences"]].array?.first?["name"].string ?? ""
            let component = item.object[path: ["metadata", "labels", OperatorLabel.component]].string
            let wanted: Bool
            switch item.type {
            case .vitessCell, .vitessKeyspace, .vitessShard, .etcdLockserver: wanted = true
            case .pod: wanted = created.contains(owner)
            case .deployment: wanted = created.contains(owner) || component == "vtctld" || component == "vtadmin"
            default: wanted = false
            }
            guard wanted else { continue }
            var object = item.object
            object[path: ["metadata", "namespace"]] = .string(namespace)
            if var owners = object[path: ["metadata", "ownerReferences"]].array {
                for index in owners.indices {
                    if let planned = owners[index]["uid"].string, let real = uids[planned] {
                        owners[index]["uid"] = .string(real)
                    }
                }
                object[path: ["metadata", "ownerReferences"]] = .array(owners)
            }
            if item.type == .pod { object = starting(object) }
            if item.type == .vitessShard { object["status"] = Self.unelected(object["status"]) }
            guard let stored = try? store.create(item.type, namespace: namespace, object: object, scope: .everything)
            else { continue }
            created.insert(objectName)
            if let planned = item.object[path: ["metadata", "uid"]].string {
                uids[planned] = stored[path: ["metadata", "uid"]].string
            }
            if item.type == .vitessShard { shards[objectName] = shardLabel(stored) }
            let shard = item.type == .vitessShard ? shards[objectName] : shards[owner]
            record(
                "created", item.type.kind, objectName, shard: shard ?? "",
                stored[path: ["metadata", "uid"]].string ?? "")
            if item.type == .pod {
                let etcd = component == "etcd"
                scheduleReady(
                    objectName, image: Self.firstImage(stored), base: etcd ? timings.etcdRestart : timings.tabletRestart)
            }
        }
    }

    /// A Pod just created: scheduled on a node, containers starting, not Ready.
    func starting(_ pod: JSON) -> JSON {
        var pod = pod
        let podName = name(pod)
        let started = timestamp()
        state.withLockedValue { $0.startedAt[podName] = started }
        pod[path: ["spec", "nodeName"]] = .string(Kubelet.nodeName(podName))
        pod["status"] = Kubelet.status(for: pod, phase: .starting, now: started, since: started, started: started)
        return pod
    }

    static func firstImage(_ pod: JSON) -> String {
        pod[path: ["spec", "containers"]].array?.first?["image"].string ?? ""
    }

    /// The status of a shard created just now: no tablet is up yet, and no primary has been elected.
    static func unelected(_ status: JSON) -> JSON {
        var status = status
        status["masterAlias"] = .null
        status["hasMaster"] = "False"
        status["servingWrites"] = "False"
        var tablets = status["tablets"].object ?? [:]
        for (alias, tablet) in tablets {
            var tablet = tablet
            tablet["running"] = "False"
            tablet["ready"] = "False"
            tablet["available"] = "False"
            tablet["type"] = tablet["poolType"] == "rdonly" ? "rdonly" : "replica"
            tablets[alias] = tablet
        }
        status["tablets"] = .object(tablets)
        return status
    }

    /// VitessCells (`reconcile_cells.go`): labels and, without an autoscaler, `gateway.replicas` in place; the
    /// rest of the cell spec held. Then the VitessCell controller's vtgate Deployment, in place from the cell spec
    /// and the first VitessShard's mysqld image (`vitesscell_controller.go`, `reconcile_vtgate.go`).
    func reconcileCells(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        let firstShard = store.list(.vitessShard, namespace: namespace).items.min { name($0) < name($1) }
        let mysqldImage = firstShard.map { Desired.mysqldImage($0[path: ["spec", "images"]]) } ?? ""
        for cell in vt[path: ["spec", "cells"]].array ?? [] {
            guard let cellName = cell["name"].string else { continue }
            let objectName = OperatorNames.cell(cluster: name(vt), cell: cellName)
            let desired = Desired.cellSpec(vt: vt, cell: cell, namespace: namespace)
            let autoscaled = !cell[path: ["gateway", "autoscaler"]].isNull
            reconcileHeld(.vitessCell, objectName, desired: desired, releaseAll: immediate) { spec, desired in
                if !autoscaled { spec[path: ["gateway", "replicas"]] = desired[path: ["gateway", "replicas"]] }
            }
            guard let vtc = store.get(.vitessCell, namespace: namespace, name: objectName) else { continue }
            reconcileComponentDeployment(
                .vtgate(cellSpec: vtc["spec"], mysqldImage: mysqldImage),
                name: OperatorNames.vtgate(cluster: name(vt), cell: cellName), releaseAll: true)
            _ = try? store.mutate(.vitessCell, namespace: namespace, name: objectName) { object in
                object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
            }
        }
    }

    /// VitessKeyspaces (`reconcile_keyspaces.go` `updateVitessKeyspaceInPlace`): `updateStrategy`, `turndownPolicy`,
    /// annotations, whole partitionings added or removed (`update.PartitioningSet`) and, when allowed, storage, in
    /// place; everything else held.
    func reconcileKeyspaces(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        for keyspace in vt[path: ["spec", "keyspaces"]].array ?? [] {
            guard let keyspaceName = keyspace["name"].string else { continue }
            let objectName = OperatorNames.keyspace(cluster: name(vt), keyspace: keyspaceName)
            let desired = Desired.keyspaceSpec(vt: vt, keyspace: keyspace, namespace: namespace)
            reconcileHeld(.vitessKeyspace, objectName, desired: desired, releaseAll: immediate) { spec, desired in
                spec["updateStrategy"] = desired["updateStrategy"]
                spec["turndownPolicy"] = desired["turndownPolicy"]
                spec["annotations"] = desired["annotations"]
                spec["partitionings"] = Desired.partitioningSet(
                    current: spec["partitionings"], desired: desired["partitionings"])
                if Desired.storageChangesAllowed(desired["updateStrategy"]) {
                    Self.copyStorage(into: &spec, from: desired)
                }
            }
        }
    }

    /// `update.KeyspaceDiskSize` / `ShardDiskSize`: each pool's `dataVolumeClaimTemplate` storage request.
    static func copyStorage(into spec: inout JSON, from desired: JSON) {
        func pools(_ json: inout JSON, _ source: JSON) {
            guard var list = json["tabletPools"].array, let wanted = source["tabletPools"].array else { return }
            for index in list.indices {
                guard let match = wanted.first(where: { $0["cell"] == list[index]["cell"] && $0["type"] == list[index]["type"] })
                else { continue }
                let path = ["dataVolumeClaimTemplate", "resources", "requests", "storage"]
                list[index][path: path] = match[path: path]
            }
            json["tabletPools"] = .array(list)
        }
        pools(&spec, desired)
        guard var partitionings = spec["partitionings"].array, let wanted = desired["partitionings"].array else {
            return
        }
        for index in partitionings.indices where index < wanted.count {
            if !partitionings[index][path: ["equal", "shardTemplate"]].isNull {
                var template = partitionings[index][path: ["equal", "shardTemplate"]]
                pools(&template, wanted[index][path: ["equal", "shardTemplate"]])
                partitionings[index][path: ["equal", "shardTemplate"]] = template
            }
        }
        spec["partitionings"] = .array(partitionings)
    }

    /// vtctld (`reconcile_vtctld.go`) and vtadmin (`reconcile_vtadmin.go`): one Deployment per listed cell, created
    /// at once, deleted when no longer listed, `replicas` in place and the template held on the Deployment itself.
    func reconcileClusterDeployments(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        let cluster = name(vt)
        for (component, cells, deploymentName) in [
            ("vtctld", Desired.vtctldCells(vt), OperatorNames.vtctld),
            ("vtadmin", Desired.vtadminCells(vt), OperatorNames.vtadmin),
        ] {
            let wanted = Set(cells.map { deploymentName(cluster, $0) })
            let selector = Selector(requirements: [
                .oneOf(OperatorLabel.component, [component]), .oneOf(OperatorLabel.cluster, [cluster]),
            ])
            for deployment in store.list(.deployment, namespace: namespace, labels: selector).items
            where !wanted.contains(name(deployment)) {
                guard (try? store.delete(.deployment, namespace: namespace, name: name(deployment))) != nil else {
                    continue
                }
                record("deleted", "Deployment", name(deployment))
                event(vt, "Normal", "Deleted", "deleted Deployment \(name(deployment))")
            }
            for cell in cells {
                let spec: Desired.Component = component == "vtctld" ? .vtctld(vt: vt, cell: cell) : .vtadmin(vt: vt, cell: cell)
                let objectName = deploymentName(cluster, cell)
                guard store.get(.deployment, namespace: namespace, name: objectName) != nil else {
                    let created = Desired.deployment(
                        spec, name: objectName, namespace: namespace,
                        labels: [OperatorLabel.cluster: cluster, OperatorLabel.cell: cell, OperatorLabel.component: component],
                        owner: FixtureExpansion.owner("VitessCluster", cluster, vt[path: ["metadata", "uid"]].string ?? ""))
                    if (try? store.create(.deployment, namespace: namespace, object: created, scope: .everything)) != nil {
                        record("created", "Deployment", objectName)
                        event(vt, "Normal", "Created", "created Deployment \(objectName)")
                    }
                    continue
                }
                reconcileComponentDeployment(spec, name: objectName, releaseAll: immediate)
            }
        }
    }

    /// A component Deployment: `replicas` in place; the pod template held (vtctld, vtadmin, vtorc) or in place
    /// (`releaseAll`, vtgate and the Immediate strategy).
    func reconcileComponentDeployment(_ component: Desired.Component, name deploymentName: String, releaseAll: Bool) {
        guard let current = store.get(.deployment, namespace: namespace, name: deploymentName) else { return }
        var desired = current["spec"]
        desired["replicas"] = .int(Desired.replicas(component))
        desired["template"] = Desired.podTemplate(
            component, labels: current[path: ["spec", "template", "metadata", "labels"]].stringMap)
        reconcileHeld(.deployment, deploymentName, desired: desired, releaseAll: releaseAll) { spec, desired in
            spec["replicas"] = desired["replicas"]
        }
    }

    /// Emulates the Deployment controller: a template change replaces one Pod per `deploymentPod` seconds.
    func reconcileDeploymentRollouts() {
        let time = now()
        let perPod = timings.deploymentPod
        for deployment in store.list(.deployment, namespace: namespace).items {
            let deploymentName = name(deployment)
            let generation = deployment[path: ["metadata", "generation"]].int ?? 1
            let replicas = deployment[path: ["spec", "replicas"]].int ?? 1
            let observed = deployment[path: ["status", "observedGeneration"]].int ?? 0
            var start = state.withLockedValue { $0.rollouts[deploymentName] }
            if observed != generation {
                start = time
                state.withLockedValue { $0.rollouts[deploymentName] = time }
                record("rolloutStarted", "Deployment", deploymentName)
            }
            guard let started = start else { continue }
            let updated = min(replicas, Int((time - started) / max(perPod, 0.000_001)))
            let done = updated >= replicas
            _ = try? store.mutate(.deployment, namespace: namespace, name: deploymentName) { object in
                object[path: ["status", "observedGeneration"]] = .int(generation)
                object[path: ["status", "replicas"]] = .int(replicas)
                object[path: ["status", "updatedReplicas"]] = .int(updated)
                object[path: ["status", "readyReplicas"]] = .int(done ? replicas : max(0, replicas - 1))
                object[path: ["status", "availableReplicas"]] = .int(done ? replicas : max(0, replicas - 1))
                object[path: ["status", "unavailableReplicas"]] = done ? .null : 1
            }
            if done {
                state.withLockedValue { $0.rollouts[deploymentName] = nil }
                record("rolloutComplete", "Deployment", deploymentName)
            }
        }
    }

    func reconcileClusterStatus(_ vt: JSON) {
        var status = Sandbox.clusterStatus(store: store, namespace: namespace)
        status["observedGeneration"] = vt[path: ["metadata", "generation"]]
        _ = try? store.mutate(.vitessCluster, namespace: namespace, name: name(vt)) { $0["status"] = status }
    }
}
