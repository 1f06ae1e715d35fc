import Foundation
import VitessModel

/// EtcdLockserver members (`etcdlockserver/reconcile_members.go`): the global lockserver's (unless
/// `globalLockserver.external`), and each cell-local one, whose image comes from its VitessCell's spec and so
/// changes only once that cell is released. Labels in place; the whole Pod held as a rolling recreate, released
/// one member at a time by someone else in either update strategy; no drain support, so a released member is
/// deleted at once.
extension EmulatedOperator {
    func reconcileEtcd(_ vt: JSON) {
        let cluster = name(vt)
        var lockservers: [(name: String, image: String)] = []
        if Desired.hasGlobalEtcd(vt) { lockservers.append((OperatorNames.globalEtcd(cluster: cluster), Desired.etcdImage(vt))) }
        for cell in store.list(.vitessCell, namespace: namespace).items {
            guard let cellName = cell[path: ["spec", "name"]].string,
                !cell[path: ["spec", "lockserver", "etcd"]].isNull
            else { continue }
            lockservers.append(
                (
                    OperatorNames.localEtcd(cluster: cluster, cell: cellName),
                    cell[path: ["spec", "lockserver", "etcd", "image"]].string ?? "quay.io/coreos/etcd:v3.5.17"
                ))
        }
        let time = now()
        for (lockserver, image) in lockservers {
            guard let owner = store.get(.etcdLockserver, namespace: namespace, name: lockserver) else { continue }
            for index in 1...3 {
                let podName = "\(lockserver)-\(index)"
                guard let pod = store.get(.pod, namespace: namespace, name: podName) else {
                    let member = starting(
                        FixtureExpansion.etcdMember(
                            lockserver: lockserver, index: index, cluster: cluster, image: image, namespace: namespace,
                            owner: FixtureExpansion.owner(
                                "EtcdLockserver", lockserver, owner[path: ["metadata", "uid"]].string ?? "")))
                    if (try? store.create(.pod, namespace: namespace, object: member, scope: .everything)) != nil {
                        record("created", "Pod", podName)
                        scheduleReady(podName, image: image, base: timings.etcdRestart)
                    }
                    continue
                }
                if isTerminating(pod) { continue }
                if let readyAt = state.withLockedValue({ $0.readyAt[podName] }), readyAt <= time {
                    let stamp = timestamp()
                    let started = state.withLockedValue { $0.startedAt[podName] } ?? stamp
                    _ = try? store.mutate(.pod, namespace: namespace, name: podName) {
                        $0["status"] = Kubelet.status(for: $0, phase: .ready, now: stamp, since: stamp, started: started)
                    }
                    state.withLockedValue { $0.readyAt[podName] = nil }
                    record("ready", "Pod", podName)
                }
                let current = Self.firstImage(pod)
                if current != image && annotations(pod)[RolloutAnnotation.released] != nil {
                    record("released", "Pod", podName)
                    beginTermination(pod, owner: owner, reason: "rolling update")
                    continue
                }
                _ = try? store.mutate(.pod, namespace: namespace, name: podName) { object in
                    if current == image {
                        object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .null
                        object[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
                    } else {
                        object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .string(
                            ScheduledText.render(["spec": ["containers": [["image": .string(image), "name": "etcd"]]]]))
                    }
                }
            }
        }
    }
}
