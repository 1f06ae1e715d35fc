import Foundation
import VitessModel

/// The kubelet's readiness, the topology server, the drain controller and reparent
/// (`vitessshardreplication/reconcile_drain.go`, `pkg/operator/drain/drain.go`), `cascade`
/// (`vitessshard/reconcile_rollout.go`) and the initial primary (`init_shard_primary.go`).
extension EmulatedOperator {
    /// PlannedReparentShard's tolerable replication lag (`tolerableReplicationLag`, 15 s).
    static let tolerableReplicationLag = 15

    /// The topology server's record of a shard. A shard never seen before adopts what its status says (a loaded
    /// fixture); tablets not in the record have their pool's initial type.
    func topo(_ vts: JSON) -> TopoShard? {
        let key = name(vts)
        if let known = state.withLockedValue({ $0.topo[key] }) { return known }
        let status = vts["status"]
        var record = TopoShard(primary: status["masterAlias"].string)
        for (alias, tablet) in status["tablets"].object ?? [:] {
            if let type = tablet["type"].string, !type.isEmpty { record.types[alias] = type }
        }
        state.withLockedValue { $0.topo[key] = record }
        return record
    }

    /// A tablet's type in the topology: `primary` for the primary, else what the record holds, else its pool's
    /// initial type.
    func topoType(_ record: TopoShard?, alias: String, pool: TabletPoolType) -> String {
        if record?.primary == alias { return "primary" }
        return record?.types[alias] ?? Desired.initTabletType(pool)
    }

    func updateTopo(_ vts: JSON, _ change: (inout TopoShard) -> Void) {
        var record = topo(vts) ?? TopoShard()
        change(&record)
        state.withLockedValue { $0.topo[name(vts)] = record }
    }

    /// The kubelet: a started Pod turns Ready when its start-up time is over.
    func reconcileReadiness(_ vts: JSON) {
        let time = now()
        for pod in tabletPods(vts) where !isTerminating(pod) {
            let podName = name(pod)
            guard let readyAt = state.withLockedValue({ $0.readyAt[podName] }), readyAt <= time else { continue }
            let stamp = timestamp()
            let started = state.withLockedValue { $0.startedAt[podName] } ?? stamp
            _ = try? store.mutate(.pod, namespace: namespace, name: podName, scope: .everything) { object in
                object["status"] = Kubelet.status(for: object, phase: .ready, now: stamp, since: stamp, started: started)
            }
            state.withLockedValue { state in
                state.readyAt[podName] = nil
                state.readySince[podName] = time
            }
            record("ready", "Pod", podName, shard: shardLabel(vts))
        }
    }

    /// The drain controller, one pass (`ReconcileVitessShard.reconcileDrain`).
    func reconcileDrain(_ vts: JSON) {
        guard let current = store.get(.vitessShard, namespace: namespace, name: name(vts)) else { return }
        let pods = tabletPods(current).filter { !isTerminating($0) }.sorted {
            (alias(of: $0)?.description ?? "") < (alias(of: $1)?.description ?? "")
        }
        let time = now()
        guard current[path: ["status", "observedGeneration"]] == current[path: ["metadata", "generation"]] else {
            return
        }
        if faults.topologyOutage {
            if due("\(name(vts))|TopoGetFailed", at: time) {
                event(
                    current, "Warning", "TopoGetFailed",
                    "failed to get shard record: Code: UNAVAILABLE\nunable to read topology: context deadline exceeded")
            }
            return
        }
        let tablets = current[path: ["status", "tablets"]].object ?? [:]
        if let sick = tablets.keys.sorted().first(where: { tablets[$0]?["available"].string != "True" }) {
            if due("\(name(vts))|NotReconcilingDrain", at: time) {
                event(
                    current, "Warning", "NotReconcilingDrain",
                    "Shard is in an unhealthy state: tablet \(sick) is not Available")
            }
            return
        }
        let record = topo(current)
        guard let primary = record?.primary else {
            if due("\(name(vts))|NotReconcilingDrain", at: time) {
                event(current, "Warning", "NotReconcilingDrain", "Shard does not have a primary")
            }
            return
        }
        // Pods without a drain request lose stale marks; any such Pod aborts this pass.
        var aborting = false
        for pod in pods where annotations(pod)[DrainAnnotation.started] == nil {
            let marks = annotations(pod)
            guard marks[DrainAnnotation.acknowledged] != nil || marks[DrainAnnotation.finished] != nil else { continue }
            aborting = true
            event(
                current, "Warning", "AbortingDrain",
                "found a partially drained Pod that does not have a drain request: \(name(pod))")
            _ = try? store.mutate(.pod, namespace: namespace, name: name(pod)) {
                $0[path: ["metadata", "annotations", DrainAnnotation.acknowledged]] = .null
                $0[path: ["metadata", "annotations", DrainAnnotation.finished]] = .null
            }
            self.record("drainAborted", "Pod", name(pod), shard: shardLabel(current))
        }
        let draining = pods.filter { annotations($0)[DrainAnnotation.started] != nil }
        guard !draining.isEmpty else { return }
        if aborting {
            event(current, "Warning", "AbortingDrain", "detected that we are aborting drain")
            return
        }
        // `drain.StateTransitions`: acknowledge every new request; if none was new and none is finished, finish the
        // first acknowledged Pod in alias order, except the primary, which is reparented instead.
        let stamp = drainTimestamp()
        var acknowledged = false
        var primaryFinishing = false
        let newRequests = draining.filter { annotations($0)[DrainAnnotation.acknowledged] == nil }
        for pod in newRequests {
            acknowledged = true
            _ = try? store.mutate(.pod, namespace: namespace, name: name(pod)) {
                $0[path: ["metadata", "annotations", DrainAnnotation.acknowledged]] = .string(stamp)
            }
        }
        let anyFinished = draining.contains { annotations($0)[DrainAnnotation.finished] != nil }
        if newRequests.isEmpty && !anyFinished,
            let next = draining.first(where: { annotations($0)[DrainAnnotation.acknowledged] != nil })
        {
            if alias(of: next)?.description == primary {
                primaryFinishing = true
            } else {
                _ = try? store.mutate(.pod, namespace: namespace, name: name(next)) {
                    $0[path: ["metadata", "annotations", DrainAnnotation.finished]] = .string(stamp)
                }
                self.record("drained", "Pod", name(next), shard: shardLabel(current))
            }
        }
        guard prepareSafeUpgrade(current, pods: pods) else { return }
        let primaryFinished = draining.contains {
            alias(of: $0)?.description == primary && annotations($0)[DrainAnnotation.finished] != nil
        }
        if acknowledged && !primaryFinished {
            if due("\(name(vts))|NotReparentingPrimary|acknowledged", at: time) {
                event(current, "Normal", "NotReparentingPrimary", "We have acknowledged a drain this loop")
            }
            return
        }
        if !primaryFinished && !primaryFinishing {
            if due("\(name(vts))|NotReparentingPrimary|replica", at: time) {
                event(current, "Normal", "NotReparentingPrimary", "We are not marking primary as finished")
            }
            return
        }
        guard primaryFinishing else { return }
        reparent(current, primary: primary, pods: pods, record: record)
    }

    /// `disableFastShutdown`: before any drain proceeds, every tablet whose mysqld image moves to the shard's new
    /// one gets `innodb_fast_shutdown = 0` when `mysql.DockerImageSafeUpgrade` says so (`MySQL_Upgrade` on the Pod);
    /// a downgrade it refuses stops the pass with `MysqldSafeUpgradeFailed`. False when the pass stops.
    private func prepareSafeUpgrade(_ vts: JSON, pods: [JSON]) -> Bool {
        let desired = Desired.mysqldImage(vts[path: ["spec", "images"]])
        for pod in pods {
            guard
                let current = (pod[path: ["spec", "containers"]].array ?? []).first(where: { $0["name"] == "mysqld" })?[
                    "image"
                ].string
            else { continue }
            switch Desired.safeUpgrade(current: current, desired: desired) {
            case .failure(let refusal):
                if due("\(name(vts))|MysqldSafeUpgradeFailed", at: now()) {
                    event(
                        vts, "Warning", "MysqldSafeUpgradeFailed",
                        "failed to disable fast shutdown: \(refusal.message)")
                    record("safeUpgradeFailed", "Pod", name(pod), shard: shardLabel(vts), refusal.message)
                }
                return false
            case .success(true):
                let done = state.withLockedValue { $0.fastShutdown[name(pod)] == desired }
                guard !done else { continue }
                state.withLockedValue { $0.fastShutdown[name(pod)] = desired }
                event(pod, "Normal", "MySQL_Upgrade", "innodb_fast_shutdown = 0 to prepare MySQL upgrade")
                record("safeUpgrade", "Pod", name(pod), shard: shardLabel(vts), "\(current) -> \(desired)")
            case .success(false):
                continue
            }
        }
        return true
    }

    /// `candidatePrimary` and PlannedReparentShard, or for an external datastore `TabletExternallyReparented` and
    /// the old primary set to SPARE.
    private func reparent(_ vts: JSON, primary: String, pods: [JSON], record: TopoShard?) {
        let time = now()
        let external = (vts[path: ["spec", "tabletPools"]].array ?? []).contains { !$0["externalDatastore"].isNull }
        let candidate = pods.first { pod in
            let labels = pod[path: ["metadata", "labels"]].stringMap
            let marks = annotations(pod)
            guard let candidateAlias = alias(of: pod)?.description, candidateAlias != primary,
                let pool = TabletPoolType(rawValue: labels[OperatorLabel.tabletType] ?? "")
            else { return false }
            let type = topoType(record, alias: candidateAlias, pool: pool)
            if external {
                guard pool == .externalmaster, type == "spare" || type == "primary" else { return false }
            } else {
                guard type == "replica" else { return false }
            }
            return isReady(pod) && marks[DrainAnnotation.started] == nil && marks[DrainAnnotation.acknowledged] == nil
                && marks[DrainAnnotation.finished] == nil
        }
        let primaryPod = pods.first { alias(of: $0)?.description == primary }
        guard let candidate, let candidateAlias = alias(of: candidate)?.description else {
            if due("\(name(vts))|DrainBlocked", at: time) {
                event(
                    vts, "Warning", "DrainBlocked",
                    "unable to drain primary tablet \(primary): no other tablet is a suitable primary candidate")
                self.record("drainBlocked", "Pod", primaryPod.map(name) ?? primary, shard: shardLabel(vts))
            }
            return
        }
        let lag = faults.replicationLag[candidateAlias] ?? 0
        var failure: String?
        if faults.failReparent {
            failure = "injected fault"
        } else if !external && lag > Self.tolerableReplicationLag {
            failure =
                "primary-elect tablet \(candidateAlias) has replication lag \(lag)s, more than the tolerable "
                + "\(Self.tolerableReplicationLag)s"
        }
        if let failure {
            if due("\(name(vts))|PlannedReparentFailed", at: time) {
                event(
                    vts, "Warning", "PlannedReparentFailed",
                    "planned reparent from current primary \(primary) to candidate primary \(candidateAlias) failed: \(failure)")
                self.record("reparentFailed", "Pod", primaryPod.map(name) ?? primary, shard: shardLabel(vts), failure)
            }
            return
        }
        updateTopo(vts) { topo in
            topo.primary = candidateAlias
            topo.types[candidateAlias] = "primary"
            topo.types[primary] = external ? "spare" : "replica"
        }
        event(
            vts, "Normal", "PlannedReparent",
            "planned reparent from old primary \(primary) to new primary \(candidateAlias) succeeded")
        self.record("reparented", "VitessShard", name(vts), shard: shardLabel(vts), "from \(primary) to \(candidateAlias)")
        // The status is rebuilt from the topology at once, as the next VitessShard reconcile does.
        reconcileShardStatus(vts)
    }

    /// `cascade` on a VitessShard (`reconcileRollout`).
    func reconcileCascade(_ vts: JSON) {
        guard let current = store.get(.vitessShard, namespace: namespace, name: name(vts)),
            annotations(current)[RolloutAnnotation.cascade] != nil
        else { return }
        let pods = tabletPods(current)
        let tablets = current[path: ["status", "tablets"]].object ?? [:]
        func paused(_ message: String) {
            if due("\(name(vts))|RolloutPaused", at: now()) { event(current, "Normal", "RolloutPaused", message) }
        }
        if let waiting = tablets.keys.sorted().first(where: { tablets[$0]?["available"].string != "True" }) {
            return paused("Waiting for tablet \(waiting) to be Available.")
        }
        let present = Set(pods.compactMap { alias(of: $0)?.description })
        if let missing = tablets.keys.sorted().first(where: { !present.contains($0) }) {
            return paused("Waiting for desired tablet \(missing) to be created.")
        }
        if let releasing = pods.first(where: { annotations($0)[RolloutAnnotation.released] != nil }) {
            return paused(
                "Waiting for tablet \(alias(of: releasing)?.description ?? name(releasing)) to finish release.")
        }
        let scheduled = pods.filter { annotations($0)[RolloutAnnotation.scheduled] != nil }
            .sorted { (alias(of: $0)?.description ?? "") < (alias(of: $1)?.description ?? "") }
        if scheduled.isEmpty {
            _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(current)) {
                $0[path: ["metadata", "annotations", RolloutAnnotation.cascade]] = .null
            }
            event(current, "Normal", "RollingRestartComplete", "Cascading rollout of tablets is complete.")
            record("cascadeComplete", "VitessShard", name(current), shard: shardLabel(current))
            return
        }
        guard let primary = current[path: ["status", "masterAlias"]].string else {
            if due("\(name(vts))|RolloutBlocked", at: now()) {
                event(current, "Warning", "RolloutBlocked", "Could not get TabletAlias for the Primary.")
            }
            return
        }
        // Already drained first, then any replica (the operator's map order is random; sorted here so runs
        // repeat), the primary last.
        let pick =
            scheduled.first { annotations($0)[DrainAnnotation.finished] != nil }
            ?? scheduled.first { alias(of: $0)?.description != primary } ?? scheduled[0]
        let eligible = (current[path: ["spec", "tabletPools"]].array ?? []).reduce(0) { sum, pool in
            let type = TabletPoolType(rawValue: pool["type"].string ?? "") ?? .rdonly
            return sum + (type.isMasterEligible ? (pool["replicas"].int ?? 0) : 0)
        }
        let poolType = TabletPoolType(
            rawValue: pick[path: ["metadata", "labels", OperatorLabel.tabletType]].string ?? "")
        if eligible < 2, let poolType, poolType.isMasterEligible {
            // Lone master: deleted directly, no drain, no reparent; the shard is down meanwhile.
            record("released", "Pod", name(pick), shard: shardLabel(current), "cascade (lone primary)")
            beginTermination(pick, owner: current, reason: "cascade lone primary")
            return
        }
        _ = try? store.mutate(.pod, namespace: namespace, name: name(pick)) {
            $0[path: ["metadata", "annotations", RolloutAnnotation.released]] = ""
        }
    }

    /// `initShardPrimary`: a shard with no primary (a new one) gets one once every desired tablet is Ready: the
    /// first `replica` tablet (the operator takes the first of a map; sorted here so runs repeat).
    func reconcileInitPrimary(_ vts: JSON) {
        guard !faults.topologyOutage, let current = store.get(.vitessShard, namespace: namespace, name: name(vts)),
            topo(current)?.primary == nil
        else { return }
        let tablets = current[path: ["status", "tablets"]].object ?? [:]
        guard !tablets.isEmpty, tablets.values.allSatisfy({ $0["ready"] == "True" }) else { return }
        guard let candidate = tablets.keys.sorted().first(where: { tablets[$0]?["poolType"] == "replica" }) else {
            if due("\(name(vts))|InitShardBlocked", at: now()) {
                event(
                    current, "Warning", "InitShardBlocked",
                    "can't initialize shard: no primary-eligible tablets (type 'replica') deployed")
            }
            return
        }
        updateTopo(current) { topo in
            topo.primary = candidate
            topo.types[candidate] = "primary"
        }
        reconcileShardStatus(current)
        event(current, "Normal", "InitShardPrimary", "initialized shard replication with primary tablet \(candidate)")
        record("initShardPrimary", "VitessShard", name(current), shard: shardLabel(current), candidate)
    }
}
