import Foundation
import VitessModel

/// The VitessKeyspace controller's shards (`vitesskeyspace/reconcile_shards.go`), the VitessShard controller's
/// tablet Pods and vtorc Deployments (`vitessshard/reconcile_tablets.go`, `reconcile_vtorc.go`), and Pod
/// termination (`reconciler/object.go` `delete`, the kubelet's graceful shutdown).
extension EmulatedOperator {
    /// VitessShards of one keyspace: `updateStrategy`, annotations and (when allowed) storage in place, the rest
    /// held. Under Immediate, `cascade` once every Pod has seen the shard generation and something is pending.
    /// `observedGeneration` is written whether or not the shard writes went through (the deferred status update of
    /// `vitesskeyspace_controller.go`), which the `slowChildren` fault makes visible.
    func reconcileShards(_ vt: JSON, _ vtk: JSON) {
        let releaseAll = vtk[path: ["spec", "updateStrategy", "type"]].string == "Immediate"
        guard let keyspace = vtk[path: ["spec", "name"]].string else { return }
        defer {
            _ = try? store.mutate(.vitessKeyspace, namespace: namespace, name: name(vtk)) { object in
                object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
            }
        }
        if shardWritesHeld(vtk) {
            if due("\(name(vtk))|UpdateFailed", at: now()) {
                event(
                    vtk, "Warning", "UpdateFailed",
                    "failed to update VitessShard objects: Operation cannot be fulfilled: the object has been modified")
            }
            return
        }
        for (range, template) in Desired.shards(keyspace: vtk["spec"]) {
            let objectName = OperatorNames.shard(cluster: name(vt), keyspace: keyspace, shard: range)
            let desired = Desired.shardSpec(vtk: vtk, shard: range, template: template)
            reconcileHeld(.vitessShard, objectName, desired: desired, releaseAll: releaseAll) { spec, desired in
                spec["updateStrategy"] = desired["updateStrategy"]
                spec["annotations"] = desired["annotations"]
                if Desired.storageChangesAllowed(desired["updateStrategy"]) {
                    Self.copyStorage(into: &spec, from: desired)
                }
            }
            if releaseAll, let vts = store.get(.vitessShard, namespace: namespace, name: objectName),
                vts[path: ["status", "lowestPodGeneration"]] == vts[path: ["metadata", "generation"]],
                (vts[path: ["status", "tablets"]].object ?? [:]).values.contains(where: {
                    !($0["pendingChanges"].string ?? "").isEmpty
                }),
                annotations(vts)[RolloutAnnotation.cascade] == nil
            {
                _ = try? store.mutate(.vitessShard, namespace: namespace, name: objectName) {
                    $0[path: ["metadata", "annotations", RolloutAnnotation.cascade]] = ""
                }
            }
        }
    }

    /// Whether the `slowChildren` fault holds this keyspace's shard writes this round.
    private func shardWritesHeld(_ vtk: JSON) -> Bool {
        let generation = vtk[path: ["metadata", "generation"]].int ?? 1
        let rounds = faults.slowChildren
        return state.withLockedValue { state in
            let key = name(vtk)
            if state.heldShardWrites[key]?.generation != generation {
                // The first generation seen is the loaded one: nothing to hold for it.
                let first = state.heldShardWrites[key] == nil && generation == 1
                state.heldShardWrites[key] = (generation, first ? 0 : rounds)
            }
            guard let held = state.heldShardWrites[key], held.rounds > 0 else { return false }
            state.heldShardWrites[key] = (generation, held.rounds - 1)
            return true
        }
    }

    /// The owner reference tablet Pods and vtorc Deployments of a shard carry.
    func shardOwner(_ vts: JSON) -> JSON {
        [
            [
                "apiVersion": "planetscale.com/v2", "kind": "VitessShard", "name": vts[path: ["metadata", "name"]],
                "uid": vts[path: ["metadata", "uid"]], "controller": true, "blockOwnerDeletion": true,
            ]
        ]
    }

    /// Tablet Pods (`ReconcileObjectSet` with `UpdateRollingRecreate`): a missing Pod is created at once (only once
    /// the old object is gone); labels and the observed-generation stamp are applied in place; any other
    /// difference is held as `scheduled` (the strategic merge patch of the whole Pod) until `released`, when a
    /// drain-supported Pod is drained first and then deleted. A Pod no longer desired (a pool scaled down) is
    /// drained with `turning down unwanted tablet` and deleted, without `released`.
    func reconcileTablets(_ vt: JSON, _ vts: JSON) {
        guard let keyspace = vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string, !isTerminating(vts)
        else { return }
        let generation = vts[path: ["metadata", "generation"]].int ?? 1
        let owner = shardOwner(vts)
        let pods = tabletPods(vts)
        let existing = Dictionary(pods.map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let desired = desiredTablets(cluster: name(vt), keyspace: keyspace, vts: vts)
        for tablet in desired {
            guard let pod = existing[tablet.podName] else {
                let created = starting(
                    Desired.tabletPod(
                        tablet, keyspace: keyspace, shardSpec: vts["spec"], shardGeneration: generation,
                        namespace: namespace, owner: owner))
                if let stored = try? store.create(.pod, namespace: namespace, object: created, scope: .everything) {
                    indexTabletPod(stored)
                    record(
                        "created", "Pod", tablet.podName, shard: shardLabel(vts),
                        stored[path: ["metadata", "uid"]].string ?? "")
                    event(vts, "Normal", "Created", "created Pod \(tablet.podName)")
                    scheduleReady(tablet.podName, image: Self.firstImage(stored), base: timings.tabletRestart)
                }
                continue
            }
            // The object is on its way down: nothing is updated until it is gone.
            if isTerminating(pod) { continue }
            let diff = pendingChange(pod, tablet, keyspace: keyspace, vts: vts)
            let pending = diff != nil
            let podAnnotations = annotations(pod)
            if pending && podAnnotations[RolloutAnnotation.released] != nil {
                if podAnnotations[DrainAnnotation.supported] != nil && podAnnotations[DrainAnnotation.finished] == nil {
                    if podAnnotations[DrainAnnotation.started] == nil {
                        _ = try? store.mutate(.pod, namespace: namespace, name: tablet.podName) {
                            $0[path: ["metadata", "annotations", DrainAnnotation.started]] = "rolling update"
                            $0[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = diff.map { .string($0) } ?? .null
                        }
                        record("released", "Pod", tablet.podName, shard: shardLabel(vts))
                        record("drainStarted", "Pod", tablet.podName, shard: shardLabel(vts))
                    }
                } else {
                    beginTermination(pod, owner: vts, reason: "rolling update")
                }
                continue
            }
            if !pending && podAnnotations[RolloutAnnotation.released] != nil {
                // A release of a Pod that has nothing to change is cleared without a restart. Recorded, so the
                // history shows a tool that releases a tablet twice, even when the second release does nothing.
                record("releaseIgnored", "Pod", tablet.podName, shard: shardLabel(vts), "nothing to change")
            }
            let podLabels = pod[path: ["metadata", "labels"]].stringMap
            let stamp = String(generation)
            let settled =
                tablet.labels.allSatisfy { podLabels[$0.key] == $0.value }
                && podAnnotations["planetscale.com/observed-shard-generation"] == stamp
                && podAnnotations[RolloutAnnotation.scheduled] == diff
                && (diff != nil || podAnnotations[RolloutAnnotation.released] == nil)
            if settled { continue }
            _ = try? store.mutate(.pod, namespace: namespace, name: tablet.podName) { object in
                var labels = object[path: ["metadata", "labels"]].stringMap
                labels.merge(tablet.labels) { _, wanted in wanted }
                object[path: ["metadata", "labels"]] = .map(labels)
                object[path: ["metadata", "annotations", "planetscale.com/observed-shard-generation"]] = .string(
                    String(generation))
                if let diff {
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .string(diff)
                } else {
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .null
                    object[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
                }
            }
        }
        turnDownUnwanted(pods: pods, desired: Set(desired.map(\.podName)), vts: vts)
        reconcileVtorc(vt, vts, keyspace: keyspace, owner: owner)
    }

    /// `PrepareForTurndown` for tablet Pods no longer desired: drain first (`drain.started: turning down unwanted
    /// tablet`), then delete once finished; a primary is never turned down (`TurndownBlocked`).
    private func turnDownUnwanted(pods: [JSON], desired: Set<String>, vts: JSON) {
        let primary = topo(vts)?.primary
        for pod in pods where !desired.contains(name(pod)) && !isTerminating(pod) {
            let marks = annotations(pod)
            if marks[DrainAnnotation.finished] == nil {
                if marks[DrainAnnotation.started] == nil {
                    _ = try? store.mutate(.pod, namespace: namespace, name: name(pod)) {
                        $0[path: ["metadata", "annotations", DrainAnnotation.started]] = "turning down unwanted tablet"
                    }
                    record("turndown", "Pod", name(pod), shard: shardLabel(vts), "drain started")
                }
                continue
            }
            if alias(of: pod)?.description == primary {
                if due("\(name(pod))|TurndownBlocked", at: now()) {
                    event(vts, "Warning", "TurndownBlocked", "can't turn down tablet \(name(pod)): it is the primary")
                }
                continue
            }
            beginTermination(pod, owner: vts, reason: "turning down unwanted tablet")
        }
    }

    /// vtorc Deployments (`reconcile_vtorc.go`): one per cell with a `replica` pool while the shard's spec has
    /// `vitessOrchestrator`. A missing one is created at once; one no longer wanted is deleted; a template change
    /// is held on the Deployment itself.
    func reconcileVtorc(_ vt: JSON, _ vts: JSON, keyspace: String, owner: JSON) {
        guard let range = KeyRange(vts[path: ["spec", "name"]].string ?? "-") else { return }
        let cacheKey = "\(vts["metadata"]["uid"].string ?? "")/\(vts["metadata"]["generation"].int ?? 0)"
        let wanted: [(String, String)]
        if let cached = vtorcNames.withLockedValue({ $0[name(vts)] }), cached.key == cacheKey {
            wanted = cached.names
        } else {
            wanted = Desired.vtorcCells(shardSpec: vts["spec"]).map { cell in
                (cell, OperatorNames.vtorc(cluster: name(vt), keyspace: keyspace, shard: range, cell: cell))
            }
            vtorcNames.withLockedValue { $0[name(vts)] = (cacheKey, wanted) }
        }
        let labels = vts[path: ["metadata", "labels"]].stringMap
        let selector = Selector(requirements: [
            .oneOf(OperatorLabel.component, ["vtorc"]),
            .oneOf(OperatorLabel.cluster, [labels[OperatorLabel.cluster] ?? ""]),
            .oneOf(OperatorLabel.keyspace, [keyspace]), .oneOf(OperatorLabel.shard, [range.safeName]),
        ])
        for deployment in store.list(.deployment, namespace: namespace, labels: selector).items
        where !wanted.contains(where: { $0.1 == name(deployment) }) {
            guard (try? store.delete(.deployment, namespace: namespace, name: name(deployment))) != nil else {
                continue
            }
            record("deleted", "Deployment", name(deployment), shard: shardLabel(vts))
            event(vts, "Normal", "Deleted", "deleted Deployment \(name(deployment))")
        }
        for (cell, deploymentName) in wanted {
            let component = Desired.Component.vtorc(shardSpec: vts["spec"], cell: cell)
            guard store.get(.deployment, namespace: namespace, name: deploymentName) == nil else {
                reconcileComponentDeployment(
                    component, name: deploymentName,
                    releaseAll: vts[path: ["spec", "updateStrategy", "type"]].string == "Immediate")
                continue
            }
            let deployment = Desired.deployment(
                component, name: deploymentName, namespace: namespace,
                labels: [
                    OperatorLabel.cluster: labels[OperatorLabel.cluster] ?? "", OperatorLabel.keyspace: keyspace,
                    OperatorLabel.shard: range.safeName, OperatorLabel.component: "vtorc", OperatorLabel.cell: cell,
                ], owner: owner)
            if (try? store.create(.deployment, namespace: namespace, object: deployment, scope: .everything)) != nil {
                record("created", "Deployment", deploymentName, shard: shardLabel(vts))
                event(vts, "Normal", "Created", "created Deployment \(deploymentName)")
            }
        }
        let available: JSON = wanted.isEmpty ? "Unknown" : "True"
        if vts[path: ["status", "vitessOrchestrator", "available"]] != available {
            _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(vts)) {
                $0[path: ["status", "vitessOrchestrator", "available"]] = available
            }
        }
    }

    // MARK: termination

    /// The operator's delete (UID precondition, background propagation) and the kubelet's graceful shutdown: the
    /// Pod gets `deletionTimestamp` and `deletionGracePeriodSeconds`, stops being Ready, and stays Terminating for
    /// `tabletTermination` (or `etcdTermination`) emulated seconds before it is gone.
    func beginTermination(_ pod: JSON, owner: JSON?, reason: String) {
        let podName = name(pod)
        let etcd = pod[path: ["metadata", "labels", OperatorLabel.component]].string == "etcd"
        let grace = pod[path: ["spec", "terminationGracePeriodSeconds"]].int ?? 30
        let stamp = timestamp()
        let started = state.withLockedValue { $0.startedAt[podName] } ?? stamp
        guard
            (try? store.mutate(.pod, namespace: namespace, name: podName) { (object: inout JSON) throws(APIError) in
                guard object[path: ["metadata", "uid"]] == pod[path: ["metadata", "uid"]] else {
                    throw APIError.conflict(.pod, podName, "Precondition failed: UID")
                }
                object[path: ["metadata", "deletionTimestamp"]] = .string(stamp)
                object[path: ["metadata", "deletionGracePeriodSeconds"]] = .int(grace)
                object["status"] = Kubelet.status(for: object, phase: .terminating, now: stamp, since: stamp, started: started)
            }) != nil
        else { return }
        let factor = faults.slowRestart[podName] ?? 1
        let duration = (etcd ? timings.etcdTermination : timings.tabletTermination) * factor
        state.withLockedValue { state in
            state.readyAt[podName] = nil
            state.readySince[podName] = nil
            state.terminatingUntil[podName] = now() + min(duration, Double(grace))
            state.terminatingShard[podName] = etcd ? "" : owner.map(shardLabel) ?? ""
        }
        let shard = owner.map(shardLabel) ?? ""
        record("terminating", "Pod", podName, shard: etcd ? "" : shard, reason)
        if let owner { event(owner, "Normal", "Deleted", "deleted Pod \(podName)") }
    }

    /// `DELETE` of a Pod through the API: graceful, as for any running Pod. A Pod already Terminating is returned
    /// as it is.
    func deletePodThroughAPI(name podName: String, uid: String?) throws(APIError) -> JSON {
        guard let pod = store.get(.pod, namespace: namespace, name: podName) else {
            throw APIError.notFound(.pod, podName)
        }
        if let uid, uid != pod[path: ["metadata", "uid"]].string {
            throw APIError.conflict(.pod, podName, "Precondition failed: UID in precondition: \(uid)")
        }
        if !isTerminating(pod) {
            let labels = pod[path: ["metadata", "labels"]].stringMap
            let owner = store.list(.vitessShard, namespace: namespace).items.first {
                Self.podGroup($0["metadata"]["labels"]) == Self.podGroup(pod["metadata"]["labels"])
            }
            reconcileLockedTermination(pod, owner: labels[OperatorLabel.component] == "vttablet" ? owner : nil)
        }
        return store.get(.pod, namespace: namespace, name: podName) ?? pod
    }

    /// Terminating Pods whose shutdown is over disappear (the API server's final delete after the kubelet).
    func reconcileTermination() {
        let time = now()
        let due = state.withLockedValue { state in state.terminatingUntil.filter { $0.value <= time }.map(\.key) }
        for podName in due.sorted() {
            let shard = state.withLockedValue { state in
                state.terminatingUntil[podName] = nil
                state.startedAt[podName] = nil
                return state.terminatingShard.removeValue(forKey: podName) ?? ""
            }
            guard (try? store.delete(.pod, namespace: namespace, name: podName)) != nil else { continue }
            _ = podIndex.withLockedValue { index in
                for key in index.keys { index[key]?.remove(podName) }
            }
            record("deleted", "Pod", podName, shard: shard)
        }
    }

    /// Schedules a Pod's Ready transition after `base` emulated seconds, unless a fault holds it.
    func scheduleReady(_ podName: String, image: String, base: Double) {
        let faults = self.faults
        let never = faults.neverReadyPods.contains(podName) || faults.neverReadyImages.contains { image.contains($0) }
        let factor = faults.slowRestart[podName] ?? 1
        let at = never ? Double.infinity : now() + base * factor
        state.withLockedValue { $0.readyAt[podName] = at }
    }
}
