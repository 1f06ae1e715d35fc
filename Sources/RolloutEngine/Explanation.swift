import VitessModel

/// Finds what blocks in-flight objects (`status --explain`), each with a command to inspect or fix it.
///
/// Pure: it reads an inventory. The cases follow the operator's behaviour (shared reference §4c,
/// §5): the drain controller waits for every tablet of a shard to be available, a primary with no
/// candidate never drains, and `cascade` is read only on VitessShards.
public enum Explanation {
    /// Every blocker, in a stable order: cluster, cells, keyspaces, shards, tablets, deployments.
    public static func blockers(in inventory: Inventory) -> [StatusReport.Blocker] {
        let ns = inventory.cluster.namespace
        var found: [StatusReport.Blocker] = []
        func add(_ reason: String, _ object: String, _ message: String, _ command: String) {
            found.append(.init(reason: reason, object: object, message: message, command: command))
        }

        let c = inventory.cluster
        if c.updateStrategy != .external {
            add(
                "not-external", "VitessCluster/\(c.name)",
                "updateStrategy is \(c.updateStrategy): the operator rolls changes itself and ignores released",
                "kubectl -n \(ns) get vt \(c.name) -o jsonpath='{.spec.updateStrategy}'")
        }
        if c.generation.isLagging {
            add(
                "cluster-not-observed", "VitessCluster/\(c.name)",
                "the operator has not observed generation \(c.generation.generation ?? 0) yet (observed "
                    + "\(c.generation.observedGeneration ?? 0)); pending changes may still be incomplete",
                "kubectl -n \(ns) get vt \(c.name) -o jsonpath='{.metadata.generation} {.status.observedGeneration}'")
        }
        if c.marks.released || c.marks.cascade {
            let keys = [
                c.marks.released ? RolloutAnnotation.released : nil, c.marks.cascade ? RolloutAnnotation.cascade : nil,
            ].compactMap { $0 }
            add(
                "ignored-annotation", "VitessCluster/\(c.name)",
                "\(keys.joined(separator: " and ")) has no effect on the VitessCluster and is never removed by the "
                    + "operator; release cells and keyspaces instead",
                "kubectl -n \(ns) annotate vt \(c.name) " + keys.map { "\($0)-" }.joined(separator: " "))
        }
        for cell in inventory.cells {
            lag(cell.generation, "VitessCell", cell.objectName, cell.marks, ns, add)
            if cell.marks.cascade { ignoredCascade("VitessCell", "vtc", cell.objectName, ns, add) }
        }
        for keyspace in inventory.keyspaces {
            if !keyspace.objectName.isEmpty {
                lag(keyspace.generation, "VitessKeyspace", keyspace.objectName, keyspace.marks, ns, add)
                if keyspace.marks.cascade { ignoredCascade("VitessKeyspace", "vtk", keyspace.objectName, ns, add) }
            }
            for shard in keyspace.shards { shardBlockers(shard, cluster: c.name, namespace: ns, inventory, add) }
        }
        for deployment in inventory.deployments where deployment.marks.cascade {
            ignoredCascade("Deployment", "deployment", deployment.name, ns, add)
        }
        for deployment in inventory.deployments where deployment.marks.released && !deployment.rolledOut {
            add(
                "deployment-rolling", "Deployment/\(deployment.name)",
                "released; the Deployment has not finished rolling out",
                "kubectl -n \(ns) rollout status deployment/\(deployment.name)")
        }
        for member in inventory.etcdMembers where !member.ready {
            add(
                "etcd-not-ready", "Pod/\(member.name)", "etcd member is not Ready; release no other member until it is",
                "kubectl -n \(ns) describe pod \(member.name)")
        }
        return found
    }

    private typealias Add = (String, String, String, String) -> Void

    private static func lag(
        _ generation: GenerationState, _ kind: String, _ name: String, _ marks: RolloutMarks,
        _ ns: String, _ add: Add
    ) {
        if generation.isLagging {
            add(
                "not-observed", "\(kind)/\(name)",
                "the operator has not observed generation \(generation.generation ?? 0) yet (observed "
                    + "\(generation.observedGeneration ?? 0))",
                "kubectl -n \(ns) get \(kind.lowercased()) \(name) -o yaml")
        } else if marks.released && marks.isPending {
            add(
                "release-not-consumed", "\(kind)/\(name)",
                "released, but the operator has not applied it yet; if this lasts, check that the operator is running",
                "kubectl get pods -A -l app=vitess-operator")
        }
    }

    private static func ignoredCascade(_ kind: String, _ short: String, _ name: String, _ ns: String, _ add: Add) {
        add(
            "ignored-cascade", "\(kind)/\(name)",
            "cascade has no effect on a \(kind) and is never removed by the operator",
            "kubectl -n \(ns) annotate \(short) \(name) \(RolloutAnnotation.cascade)-")
    }

    private static func shardBlockers(
        _ shard: ShardInfo, cluster: String, namespace ns: String,
        _ inventory: Inventory, _ add: Add
    ) {
        let object = "VitessShard/\(shard.objectName)"
        lag(shard.generation, "VitessShard", shard.objectName, shard.marks, ns, add)
        if let lowest = shard.lowestPodGeneration, let generation = shard.generation.generation, lowest < generation {
            let selector =
                "\(OperatorLabel.component)=vttablet,\(OperatorLabel.cluster)=\(cluster),"
                + "\(OperatorLabel.keyspace)=\(shard.keyspace),\(OperatorLabel.shard)=\(shard.keyRange?.safeName ?? shard.name)"
            add(
                "pods-not-observed", object,
                "tablet Pods have not all observed shard generation \(generation) (lowest \(lowest)); the tablets' "
                    + "pending changes are not final yet",
                "kubectl -n \(ns) get pods -l '\(selector)' -o custom-columns='POD:.metadata.name,"
                    + "GENERATION:.metadata.annotations.planetscale\\.com/observed-shard-generation'")
        }
        let pendingTablets = shard.tablets.filter(\.marks.isPending)
        if shard.marks.cascade && pendingTablets.isEmpty && !shard.marks.isPending {
            add(
                "stale-cascade", object,
                "cascade is set but no tablet has a pending change; the operator removes it once every tablet is "
                    + "available",
                "kubectl -n \(ns) annotate vts \(shard.objectName) \(RolloutAnnotation.cascade)-")
        }
        for tablet in shard.tablets {
            let pod = tablet.podName.map { "Pod/\($0)" } ?? "tablet/\(tablet.alias)"
            guard let podName = tablet.podName else {
                add(
                    "tablet-missing", pod, "the desired tablet has no Pod; the operator is (re)creating it",
                    "kubectl -n \(ns) get events --field-selector involvedObject.name=\(shard.objectName)")
                continue
            }
            if !tablet.ready {
                let why = tablet.waitingReason.map { " (\($0))" } ?? ""
                let command =
                    tablet.waitingReason == "CrashLoopBackOff"
                    ? "kubectl -n \(ns) logs \(podName) -c vttablet --previous"
                    : "kubectl -n \(ns) describe pod \(podName)"
                add(
                    "tablet-not-ready", pod,
                    "not Ready\(why); the operator drains nothing in shard \(shard.id) until every tablet is available",
                    command)
            } else if !tablet.available {
                add(
                    "tablet-not-available", pod,
                    "Ready but not yet available (Ready for the operator's availability window); drains in shard "
                        + "\(shard.id) wait for it",
                    "kubectl -n \(ns) get vts \(shard.objectName) -o jsonpath=\"{.status.tablets['\(tablet.alias)'].available}\""
                )
            }
            if tablet.marks.released && tablet.isPrimary {
                let candidates = shard.tablets.filter {
                    $0.alias != tablet.alias && $0.role == .replica && $0.ready && $0.drain == .none
                        && ($0.pool?.isMasterEligible ?? false)
                }
                let drainBlocked = inventory.warnings.contains {
                    $0.reason == "DrainBlocked" && $0.involvedObject.name == shard.objectName
                }
                if candidates.isEmpty || shard.masterEligibleCount < 2 || drainBlocked {
                    add(
                        "drain-blocked", pod,
                        "the released primary has no suitable candidate for PlannedReparentShard, so it never drains; "
                            + "back out the release (or add replicas)",
                        "kubectl -n \(ns) annotate pod \(podName) \(RolloutAnnotation.released)- \(DrainAnnotation.started)-"
                    )
                }
            }
            if tablet.marks.cascade { ignoredCascade("Pod", "pod", podName, ns, add) }
            if !tablet.marks.isPending && tablet.drain != .none && !tablet.marks.released {
                add(
                    "leftover-drain", pod,
                    "drain annotations remain on a tablet with nothing pending; the operator will finish no other drain "
                        + "in shard \(shard.id)",
                    "kubectl -n \(ns) annotate pod \(podName) \(DrainAnnotation.started)-")
            }
        }
    }
}
