import Foundation
import VitessModel

/// Status as the controllers rebuild it on every reconcile: the VitessShard's (`vitessshard_controller.go` resets
/// it, `reconcile_tablets.go` and `reconcile_topo.go` refill it) and the VitessKeyspace's copy of its shards.
extension EmulatedOperator {
    /// Rebuilds a VitessShard's status. `tablets` is keyed by the desired tablets (a missing Pod is listed as not
    /// running); an existing Pod that is not Ready leaves `ready`/`available` Unknown; `available` needs the
    /// availability window of Ready and is False once the Pod has a `deletionTimestamp`. `masterAlias`,
    /// `hasMaster`, `servingWrites` and each tablet's `type` come from the topology and are blank (Unknown) when
    /// it cannot be read.
    func reconcileShardStatus(_ vts: JSON) {
        guard let current = store.get(.vitessShard, namespace: namespace, name: name(vts)) else { return }
        let labels = current[path: ["metadata", "labels"]].stringMap
        let desired = desiredTablets(
            cluster: labels[OperatorLabel.cluster] ?? "", keyspace: labels[OperatorLabel.keyspace] ?? "",
            vts: current)
        let pods = Dictionary(tabletPods(current).map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        let outage = faults.topologyOutage
        let record = outage ? nil : topo(current)
        let time = now()
        let window = timings.tabletAvailable
        var tablets: [String: JSON] = [:]
        var lowest = Int.max
        var cells: [String] = []
        for tablet in desired {
            let aliasText = tablet.alias.description
            if !cells.contains(tablet.alias.cell) { cells.append(tablet.alias.cell) }
            var entry: JSON = [
                "poolType": .string(tablet.pool.rawValue), "index": .int(tablet.index), "dataVolumeBound": "True",
                "running": "False", "ready": "False", "available": "False",
            ]
            if !outage { entry["type"] = .string(topoType(record, alias: aliasText, pool: tablet.pool)) }
            if let pod = pods[tablet.podName] {
                entry["running"] = "True"
                entry["ready"] = "Unknown"
                entry["available"] = "Unknown"
                if isReady(pod) {
                    let podName = tablet.podName
                    let since = state.withLockedValue { $0.readySince[podName] }
                    let available = !isTerminating(pod) && (since.map { time - $0 >= window } ?? true)
                    if let since, time - since >= window {
                        state.withLockedValue { $0.readySince[podName] = nil }
                        self.record("available", "Pod", podName, shard: shardLabel(current))
                    }
                    entry["ready"] = "True"
                    entry["available"] = available ? "True" : "False"
                } else if isTerminating(pod) {
                    entry["available"] = "False"
                }
                entry["pendingChanges"] = .string(annotations(pod)[RolloutAnnotation.scheduled] ?? "")
                lowest = min(lowest, Int(annotations(pod)["planetscale.com/observed-shard-generation"] ?? "0") ?? 0)
            }
            tablets[aliasText] = entry
        }
        var orphaned: [String: JSON] = [:]
        let desiredNames = Set(desired.map(\.podName))
        for (podName, pod) in pods where !desiredNames.contains(podName) {
            guard let orphan = alias(of: pod) else { continue }
            orphaned[orphan.description] = [
                "reason": "Draining", "message": "waiting for the tablet to be drained before turn-down",
            ]
        }
        let primary = record?.primary
        let hasMaster: JSON = outage ? "Unknown" : (primary == nil ? "False" : "True")
        _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(current)) { object in
            object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
            object[path: ["status", "lowestPodGeneration"]] =
                lowest == Int.max ? object[path: ["metadata", "generation"]] : .int(lowest)
            object[path: ["status", "tablets"]] = .object(tablets)
            object[path: ["status", "orphanedTablets"]] = .object(orphaned)
            object[path: ["status", "cells"]] = .array(cells.map { .string($0) })
            object[path: ["status", "masterAlias"]] = primary.map { .string($0) } ?? .null
            object[path: ["status", "hasMaster"]] = hasMaster
            object[path: ["status", "servingWrites"]] = hasMaster
        }
    }

    /// The VitessKeyspace's `status.shards`, copied from its shards (`vitesskeyspace/reconcile_shards.go`).
    func reconcileKeyspaceStatus() {
        let shards = store.list(.vitessShard, namespace: namespace).items
        for vtk in store.list(.vitessKeyspace, namespace: namespace).items {
            let keyspace = vtk[path: ["spec", "name"]].string ?? ""
            var entries: [String: JSON] = [:]
            for vts in shards where vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string == keyspace {
                let tablets = (vts[path: ["status", "tablets"]].object ?? [:]).values
                entries[vts[path: ["spec", "name"]].string ?? ""] = [
                    "hasMaster": vts[path: ["status", "hasMaster"]],
                    "servingWrites": vts[path: ["status", "servingWrites"]],
                    "desiredTablets": .int(tablets.count), "tablets": .int(tablets.filter { $0["running"] == "True" }.count),
                    "readyTablets": .int(tablets.filter { $0["ready"] == "True" }.count),
                    "updatedTablets": .int(tablets.filter { ($0["pendingChanges"].string ?? "").isEmpty }.count),
                    "pendingChanges": .string(annotations(vts)[RolloutAnnotation.scheduled] ?? ""),
                    "cells": vts[path: ["status", "cells"]],
                ]
            }
            _ = try? store.mutate(.vitessKeyspace, namespace: namespace, name: name(vtk)) {
                $0[path: ["status", "shards"]] = .object(entries)
            }
        }
    }
}
