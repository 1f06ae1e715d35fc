import Foundation
import NIOConcurrencyHelpers
import VitessModel

/// Timings of the emulated cluster, in emulated seconds (scaled by the clock).
public struct OperatorTimings: Sendable, Equatable, Codable {
    /// From a tablet Pod's recreation to Ready.
    public var tabletRestart: Double = 20
    /// Ready-to-`available` window (`tabletAvailableSeconds`, 30 in the operator).
    public var tabletAvailable: Double = 30
    /// Per replaced Deployment Pod during a rollout.
    public var deploymentPod: Double = 10
    /// From an etcd member's recreation to Ready.
    public var etcdRestart: Double = 10
    /// How often the drain controller requeues while blocked (events are repeated at this pace).
    public var drainRequeue: Double = 5

    /// Default, realistic timings.
    public init() {}
}

/// Rollout faults: things that go wrong on the emulated cluster rather than in the API.
public struct RolloutFaults: Sendable, Equatable, Codable {
    /// Recreated tablet Pods whose image contains one of these never become Ready (CrashLoop).
    public var neverReadyImages: [String] = []
    /// Recreated tablet Pods with one of these names never become Ready.
    public var neverReadyPods: [String] = []
    /// PlannedReparentShard fails (event `PlannedReparentFailed`) while set.
    public var failReparent: Bool = false
    /// Restart time multipliers per Pod name ("takes N times longer to restart").
    public var slowRestart: [String: Double] = [:]
    /// Replication lag in whole seconds per tablet alias (`zone1-0790125915`), as vttablet reports it through the
    /// Pod proxy (`/debug/vars` `replicationLagSec`). It follows the alias across Pod recreation and applies only
    /// while the tablet is not the primary.
    public var replicationLag: [String: Int] = [:]

    /// No faults.
    public init() {}

    /// Decodes a partial settings object; absent keys keep their defaults.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        neverReadyImages = try container.decodeIfPresent([String].self, forKey: .neverReadyImages) ?? []
        neverReadyPods = try container.decodeIfPresent([String].self, forKey: .neverReadyPods) ?? []
        failReparent = try container.decodeIfPresent(Bool.self, forKey: .failReparent) ?? false
        slowRestart = try container.decodeIfPresent([String: Double].self, forKey: .slowRestart) ?? [:]
        let lag = try container.decodeIfPresent([String: Int].self, forKey: .replicationLag) ?? [:]
        for (key, seconds) in lag {
            guard let alias = TabletAlias(key), seconds >= 0 else {
                throw DecodingError.dataCorruptedError(
                    forKey: .replicationLag, in: container,
                    debugDescription:
                        "replicationLag wants a tablet alias (cell-uid) and whole seconds >= 0, got \(key): \(seconds)")
            }
            replicationLag[alias.description] = seconds
        }
    }
}

/// One line of `/sandbox/v1/history`.
public struct HistoryRecord: Sendable, Codable, Equatable {
    /// Emulated seconds since start.
    public var time: Double
    /// What happened: `released`, `releaseIgnored`, `drainStarted`, `drained`, `reparented`, `reparentFailed`,
    /// `drainBlocked`, `drainAborted`, `deleted`, `created`, `ready`, `available`, `scheduled`, `applied`,
    /// `initShardPrimary`, `cascadeComplete`, `rolloutStarted`, `rolloutComplete`.
    public var action: String
    /// The object's kind.
    public var kind: String
    /// The object's name.
    public var name: String
    /// The shard (`keyspace/shard`) for tablet records, else empty.
    public var shard: String
    /// Details (`from zone1-… to zone1-…`, a new UID, …).
    public var detail: String
}

/// The emulated vitess-operator (reference §3–§5) plus the Deployment controller and kubelet readiness.
///
/// It is level-triggered like the real controllers: `reconcile()` compares what exists with what the parents
/// ask for and makes one round of changes. `settle()` repeats rounds until nothing changes.
public final class EmulatedOperator: Sendable {
    struct State {
        var readyAt: [String: Double] = [:]
        var readySince: [String: Double] = [:]
        var rollouts: [String: Double] = [:]
        var lastBlocked: [String: Double] = [:]
        var history: [HistoryRecord] = []
        var eventCounter = 0
        var timings = OperatorTimings()
        var faults = RolloutFaults()
        /// Event names by object, reason and message, to fold repeats.
        var eventNames: [String: String] = [:]
        /// The VitessCluster generation whose new cells, keyspaces and shards have been created.
        var createdForGeneration: Int?
    }

    private let store: ObjectStore
    private let namespace: String
    private let clock: any EmulationClock
    private let state = NIOLockedValueBox(State())
    private let reconcileLock = NIOLock()
    /// Tablet Pod names by shard (`indexTabletPods`), rebuilt every round.
    private let podIndex = NIOLockedValueBox<[String: Set<String>]>([:])
    /// Desired tablets by shard, with the shard generation they were computed for.
    private let desiredCache = NIOLockedValueBox<[String: (generation: Int, tablets: [Desired.Tablet])]>([:])

    /// Creates an operator over a store.
    public init(
        store: ObjectStore, namespace: String, clock: any EmulationClock, timings: OperatorTimings = OperatorTimings()
    ) {
        self.store = store
        self.namespace = namespace
        self.clock = clock
        state.withLockedValue { $0.timings = timings }
    }

    /// The ordered record of what happened.
    public var history: [HistoryRecord] { state.withLockedValue { $0.history } }

    /// Current rollout faults. Lifting a never-Ready fault lets the stuck Pods start, one emulated second later, as a
    /// CrashLoopBackOff ends once its cause is fixed.
    public var faults: RolloutFaults {
        get { state.withLockedValue { $0.faults } }
        set {
            let stuck = state.withLockedValue { state in
                state.faults = newValue
                return state.readyAt.filter { $0.value == .infinity }.map(\.key)
            }
            for podName in stuck {
                let image =
                    store.get(.pod, namespace: namespace, name: podName)?[path: ["spec", "containers"]].array?.first?[
                        "image"
                    ].string ?? ""
                let never =
                    newValue.neverReadyPods.contains(podName)
                    || newValue.neverReadyImages.contains { image.contains($0) }
                if !never { state.withLockedValue { $0.readyAt[podName] = now() + 1 } }
            }
        }
    }

    /// Current timings.
    public var timings: OperatorTimings {
        get { state.withLockedValue { $0.timings } }
        set { state.withLockedValue { $0.timings = newValue } }
    }

    /// Runs reconcile rounds until a round writes nothing (at most `limit` rounds); false when the
    /// last round still wrote something.
    @discardableResult
    public func settle(limit: Int = 50) -> Bool {
        for _ in 0..<limit {
            let before = store.revision
            reconcile()
            if store.revision == before { return true }
        }
        return false
    }

    /// The emulated time of the next timed transition: a Pod turning Ready, a tablet becoming `available`, a
    /// Deployment replacing its next Pod. Nil when nothing is timed.
    public func nextDue() -> Double? {
        state.withLockedValue { state in
            let ready = state.readyAt.values.filter(\.isFinite).min()
            let available = state.readySince.values.min().map { $0 + state.timings.tabletAvailable }
            let perPod = max(state.timings.deploymentPod, 0.000_001)
            let deployments = state.rollouts.values.map { start in
                start + perPod * ((now() - start) / perPod + 1).rounded(.down)
            }.min()
            return [ready, available, deployments].compactMap { $0 }.min()
        }
    }

    /// One round of every controller.
    public func reconcile() {
        reconcileLock.withLock {
            guard let vt = store.list(.vitessCluster, namespace: namespace).items.first else { return }
            createMissing(vt)
            indexTabletPods()
            reconcileCells(vt)
            reconcileKeyspaces(vt)
            reconcileClusterDeployments(vt)
            for vtk in store.list(.vitessKeyspace, namespace: namespace).items { reconcileShards(vt, vtk) }
            for vts in store.list(.vitessShard, namespace: namespace).items {
                reconcileTablets(vt, vts)
                reconcileDrain(vts)
                reconcileCascade(vts)
                reconcileShardStatus(vts)
                reconcileInitPrimary(vts)
            }
            reconcileEtcd(vt)
            reconcileDeploymentRollouts()
            reconcileKeyspaceStatus()
            reconcileClusterStatus(vt)
        }
    }

    // MARK: helpers

    private func now() -> Double { clock.now() }

    private func record(_ action: String, _ kind: String, _ name: String, shard: String = "", _ detail: String = "") {
        let entry = HistoryRecord(time: now(), action: action, kind: kind, name: name, shard: shard, detail: detail)
        state.withLockedValue { $0.history.append(entry) }
    }

    private func timestamp() -> String { Sandbox.timestamp(Date()) }

    private func name(_ object: JSON) -> String { object[path: ["metadata", "name"]].string ?? "" }

    private func annotations(_ object: JSON) -> [String: String] {
        object[path: ["metadata", "annotations"]].stringMap
    }

    /// Emits a Kubernetes Event on `object`, as the operator's recorder does.
    /// Records an Event. A repeat of one already recorded for the same object (same reason and message)
    /// bumps its `count` and `lastTimestamp`, as the Kubernetes event recorder folds repeats.
    private func event(_ object: JSON, _ type: String, _ reason: String, _ message: String) {
        let stamp = timestamp()
        let key = "\(object[path: ["metadata", "uid"]].string ?? name(object))|\(reason)|\(message)"
        if let existing = state.withLockedValue({ $0.eventNames[key] }),
            (try? store.mutate(.event, namespace: namespace, name: existing) { event in
                event["count"] = .int((event["count"].int ?? 1) + 1)
                event["lastTimestamp"] = .string(stamp)
            }) != nil
        {
            return
        }
        let counter = state.withLockedValue { state -> Int in
            state.eventCounter += 1
            return state.eventCounter
        }
        let eventName = "\(name(object)).\(String(counter, radix: 16))"
        state.withLockedValue { $0.eventNames[key] = eventName }
        _ = try? store.create(
            .event, namespace: namespace,
            object: [
                "metadata": ["name": .string(eventName)],
                "involvedObject": [
                    "kind": object["kind"], "name": object[path: ["metadata", "name"]], "namespace": .string(namespace),
                    "uid": object[path: ["metadata", "uid"]], "apiVersion": object["apiVersion"],
                ],
                "reason": .string(reason), "message": .string(message), "type": .string(type), "count": 1,
                "firstTimestamp": .string(stamp), "lastTimestamp": .string(stamp),
                "source": ["component": "vitess-operator"], "reportingComponent": "vitess-operator",
            ])
    }

    /// The generic `ReconcileObject` for a held object (reference §3.2): immediate fields always, the rest
    /// only when released, `scheduled` with a diff otherwise, and `released` always consumed.
    private func reconcileHeld(
        _ type: ResourceType, _ objectName: String, desired: JSON, immediate: [[String]], releaseAll: Bool,
        specPath: [String] = ["spec"]
    ) {
        var applied = false
        _ = try? store.mutate(type, namespace: namespace, name: objectName) { object in
            var spec = object[path: specPath]
            for path in immediate { spec[path: path] = desired[path: path] }
            let annotations = object[path: ["metadata", "annotations"]].stringMap
            let released = annotations[RolloutAnnotation.released] != nil
            if spec != desired && (released || releaseAll) {
                spec = desired
                applied = true
            }
            object[path: specPath] = spec
            var updated = annotations
            if spec == desired {
                updated[RolloutAnnotation.scheduled] = nil
                updated[RolloutAnnotation.released] = nil
            } else if let diff = YAMLDiff.describe(currentSpec: spec, desiredSpec: desired) {
                updated[RolloutAnnotation.scheduled] = diff
            }
            object[path: ["metadata", "annotations"]] = updated.isEmpty ? .null : .map(updated)
        }
        if applied { record("applied", type.kind, objectName) }
    }

    // MARK: VitessCluster controller

    /// Creation is never held (reference §4): a cell, keyspace or shard in the VitessCluster spec with
    /// no object yet is created at once with everything under it: a VitessCell with its vtgate and
    /// vtctld Deployments; a VitessKeyspace or VitessShard with its tablet Pods (not Ready until they
    /// start) and vtorc Deployments. Pods and Deployments of existing parents are left to their own
    /// controllers, where a larger tablet pool is held like any other change.
    private func createMissing(_ vt: JSON) {
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
            let labels = item.object[path: ["metadata", "labels"]].stringMap
            let cellObject = labels[OperatorLabel.cell].map { OperatorNames.cell(cluster: name(vt), cell: $0) }
            let wanted: Bool
            switch item.type {
            case .vitessCell, .vitessKeyspace, .vitessShard: wanted = true
            case .pod: wanted = labels[OperatorLabel.component] == "vttablet" && created.contains(owner)
            case .deployment:
                wanted =
                    created.contains(owner)
                    || (labels[OperatorLabel.component] == "vtctld" && cellObject.map(created.contains) == true)
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
            let image = object[path: ["spec", "containers"]].array?.first?["image"].string ?? ""
            if item.type == .pod {
                object["status"] = FixtureExpansion.podStatus(container: "vttablet", image: image, ready: false)
            }
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
            if item.type == .pod { scheduleReady(objectName, image: image, base: timings.tabletRestart) }
        }
    }

    /// The status of a shard created just now: no tablet is up yet, and no primary has been elected.
    private static func unelected(_ status: JSON) -> JSON {
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

    private func reconcileCells(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        for cell in vt[path: ["spec", "cells"]].array ?? [] {
            guard let cellName = cell["name"].string else { continue }
            let objectName = OperatorNames.cell(cluster: name(vt), cell: cellName)
            let desired = Desired.cellSpec(vt: vt, cell: cell)
            let autoscaled = !cell[path: ["gateway", "autoscaler"]].isNull
            reconcileHeld(
                .vitessCell, objectName, desired: desired,
                immediate: autoscaled ? [] : [["gateway", "replicas"]], releaseAll: immediate)
            // The VitessCell controller mirrors its spec into the vtgate Deployment at once (§4a).
            guard let vtc = store.get(.vitessCell, namespace: namespace, name: objectName) else { continue }
            let deployment = OperatorNames.vtgate(cluster: name(vt), cell: cellName)
            _ = try? store.mutate(.deployment, namespace: namespace, name: deployment) { object in
                // vtgate is gated on its cell; a `released` put on the Deployment is dropped.
                if object[path: ["metadata", "annotations", RolloutAnnotation.released]].string != nil {
                    object[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
                }
                object[path: ["spec", "replicas"]] = .int(vtc[path: ["spec", "gateway", "replicas"]].int ?? 1)
                var containers = object[path: ["spec", "template", "spec", "containers"]].array ?? []
                if !containers.isEmpty { containers[0]["image"] = vtc[path: ["spec", "images", "vtgate"]] }
                object[path: ["spec", "template", "spec", "containers"]] = .array(containers)
            }
            _ = try? store.mutate(.vitessCell, namespace: namespace, name: objectName) { object in
                object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
            }
        }
    }

    private func reconcileKeyspaces(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        for keyspace in vt[path: ["spec", "keyspaces"]].array ?? [] {
            guard let keyspaceName = keyspace["name"].string else { continue }
            let objectName = OperatorNames.keyspace(cluster: name(vt), keyspace: keyspaceName)
            let desired = Desired.keyspaceSpec(vt: vt, keyspace: keyspace)
            reconcileHeld(
                .vitessKeyspace, objectName, desired: desired,
                immediate: [["updateStrategy"], ["turndownPolicy"], ["annotations"]], releaseAll: immediate)
        }
    }

    private func reconcileClusterDeployments(_ vt: JSON) {
        let immediate = Desired.isImmediate(vt)
        for cell in vt[path: ["spec", "cells"]].array ?? [] {
            guard let cellName = cell["name"].string else { continue }
            let deployment = OperatorNames.vtctld(cluster: name(vt), cell: cellName)
            reconcileDeploymentImage(
                deployment, image: vt[path: ["spec", "images", "vtctld"]],
                replicas: vt[path: ["spec", "vitessDashboard", "replicas"]].int ?? 1, releaseAll: immediate)
        }
    }

    /// vtctld, vtadmin and vtorc: `replicas` at once, the pod template held on the Deployment itself (§4a).
    private func reconcileDeploymentImage(_ deployment: String, image: JSON, replicas: Int?, releaseAll: Bool) {
        guard let current = store.get(.deployment, namespace: namespace, name: deployment) else { return }
        var desired = current["spec"]
        if let replicas { desired["replicas"] = .int(replicas) }
        var containers = desired[path: ["template", "spec", "containers"]].array ?? []
        if !containers.isEmpty { containers[0]["image"] = image }
        desired[path: ["template", "spec", "containers"]] = .array(containers)
        reconcileHeld(.deployment, deployment, desired: desired, immediate: [["replicas"]], releaseAll: releaseAll)
    }

    // MARK: VitessKeyspace controller

    private func reconcileShards(_ vt: JSON, _ vtk: JSON) {
        let releaseAll = vtk[path: ["spec", "updateStrategy", "type"]].string == "Immediate"
        guard let keyspace = vtk[path: ["spec", "name"]].string else { return }
        for (range, template) in Desired.shards(keyspace: vtk["spec"]) {
            let objectName = OperatorNames.shard(cluster: name(vt), keyspace: keyspace, shard: range)
            let desired = Desired.shardSpec(vtk: vtk, shard: range, template: template)
            reconcileHeld(
                .vitessShard, objectName, desired: desired,
                immediate: [["updateStrategy"], ["annotations"]], releaseAll: releaseAll)
            // Immediate: cascade once every Pod has seen the shard generation and something is pending (§4d.2).
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
        _ = try? store.mutate(.vitessKeyspace, namespace: namespace, name: name(vtk)) { object in
            object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
        }
    }

    // MARK: VitessShard controller

    private func shardLabel(_ vts: JSON) -> String {
        "\(vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string ?? "")/\(vts[path: ["spec", "name"]].string ?? "")"
    }

    /// The index key of a shard's tablet Pods: cluster, keyspace and shard labels.
    private static func podGroup(_ labels: JSON) -> String {
        "\(labels[OperatorLabel.cluster].string ?? "")/\(labels[OperatorLabel.keyspace].string ?? "")/"
            + (labels[OperatorLabel.shard].string ?? "")
    }

    /// Indexes tablet Pod names by shard once per round, so each controller reads a shard's Pods by name
    /// (fresh from the store) instead of filtering every Pod of the cluster four times per shard.
    private func indexTabletPods() {
        let selector = Selector(requirements: [.oneOf(OperatorLabel.component, ["vttablet"])])
        var index: [String: Set<String>] = [:]
        for pod in store.list(.pod, namespace: namespace, labels: selector).items {
            index[Self.podGroup(pod["metadata"]["labels"]), default: []].insert(name(pod))
        }
        podIndex.withLockedValue { $0 = index }
    }

    /// `Desired.tablets`, computed once per shard generation (names hash; the spec only changes with it).
    private func desiredTablets(cluster: String, keyspace: String, vts: JSON) -> [Desired.Tablet] {
        let key = "\(cluster)/\(keyspace)/\(name(vts))/\(vts["metadata"]["uid"].string ?? "")"
        let generation = vts["metadata"]["generation"].int ?? 0
        if let cached = desiredCache.withLockedValue({ $0[key] }), cached.generation == generation {
            return cached.tablets
        }
        let tablets = Desired.tablets(cluster: cluster, keyspace: keyspace, vts: vts)
        desiredCache.withLockedValue { $0[key] = (generation, tablets) }
        return tablets
    }

    /// A Pod created this round joins the index at once.
    private func indexTabletPod(_ pod: JSON) {
        _ = podIndex.withLockedValue { $0[Self.podGroup(pod["metadata"]["labels"]), default: []].insert(name(pod)) }
    }

    /// The shard's tablet Pods as stored now, sorted by name (a Pod deleted this round is gone).
    private func tabletPods(_ vts: JSON) -> [JSON] {
        let names = podIndex.withLockedValue { $0[Self.podGroup(vts["metadata"]["labels"])] } ?? []
        return names.sorted().compactMap { store.get(.pod, namespace: namespace, name: $0) }
    }

    private func alias(of pod: JSON) -> TabletAlias? {
        let labels = pod[path: ["metadata", "labels"]].stringMap
        guard let cell = labels[OperatorLabel.cell], let uid = labels[OperatorLabel.tabletUID].flatMap({ UInt32($0) })
        else {
            return nil
        }
        return TabletAlias(cell: cell, uid: uid)
    }

    private func reconcileTablets(_ vt: JSON, _ vts: JSON) {
        guard let keyspace = vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string else { return }
        let generation = vts[path: ["metadata", "generation"]].int ?? 1
        let images = vts[path: ["spec", "images"]]
        let image = images["vttablet"].string ?? ""
        let owner: JSON = [
            [
                "apiVersion": "planetscale.com/v2", "kind": "VitessShard", "name": vts[path: ["metadata", "name"]],
                "uid": vts[path: ["metadata", "uid"]], "controller": true, "blockOwnerDeletion": true,
            ]
        ]
        let existing = Dictionary(tabletPods(vts).map { (name($0), $0) }, uniquingKeysWith: { first, _ in first })
        for tablet in desiredTablets(cluster: name(vt), keyspace: keyspace, vts: vts) {
            guard let pod = existing[tablet.podName] else {
                // Creation is never gated: a missing tablet Pod is created from the desired spec at once.
                var created = Desired.tabletPod(
                    tablet, images: images, shardGeneration: generation, owner: owner, ready: false)
                created[path: ["metadata", "namespace"]] = .string(namespace)
                if let stored = try? store.create(.pod, namespace: namespace, object: created, scope: .everything) {
                    indexTabletPod(stored)
                    record(
                        "created", "Pod", tablet.podName, shard: shardLabel(vts),
                        stored[path: ["metadata", "uid"]].string ?? "")
                    event(vts, "Normal", "Created", "created Pod \(tablet.podName)")
                    scheduleReady(tablet.podName, image: image, base: timings.tabletRestart)
                }
                continue
            }
            let current = pod[path: ["spec", "containers"]].array ?? []
            let desired = Desired.tabletContainers(images: images, pool: tablet.poolSpec).array ?? []
            let podAnnotations = annotations(pod)
            if current != desired && podAnnotations[RolloutAnnotation.released] != nil {
                if podAnnotations[DrainAnnotation.supported] != nil && podAnnotations[DrainAnnotation.finished] == nil {
                    if podAnnotations[DrainAnnotation.started] == nil {
                        _ = try? store.mutate(.pod, namespace: namespace, name: tablet.podName) {
                            $0[path: ["metadata", "annotations", DrainAnnotation.started]] = "rolling update"
                        }
                        record("released", "Pod", tablet.podName, shard: shardLabel(vts))
                        record("drainStarted", "Pod", tablet.podName, shard: shardLabel(vts))
                    }
                } else {
                    deleteTablet(pod, vts: vts, reason: "rolling update")
                }
                continue
            }
            if current == desired && podAnnotations[RolloutAnnotation.released] != nil {
                // A release of a Pod that has nothing to change is cleared without a restart. Recorded, so the
                // history shows a tool that releases a tablet twice, even when the second release does nothing.
                record("releaseIgnored", "Pod", tablet.podName, shard: shardLabel(vts), "nothing to change")
            }
            _ = try? store.mutate(.pod, namespace: namespace, name: tablet.podName) { object in
                object[path: ["metadata", "annotations", "planetscale.com/observed-shard-generation"]] = .string(
                    String(generation))
                if current == desired {
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .null
                    object[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
                } else {
                    // The scheduled text names the containers that change, as they will be.
                    let changed = desired.enumerated().filter { index, container in
                        index >= current.count || current[index] != container
                    }.map(\.element)
                    let diff = YAMLDiff.render(["spec": ["containers": .array(changed)]], indent: 0)
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .string(diff)
                }
            }
        }
        reconcileVtorc(vt, vts, keyspace: keyspace, owner: owner)
    }

    /// vtorc Deployments (`reconcile_vtorc.go`): one per cell with a `replica` pool while the shard's spec
    /// has `vitessOrchestrator`. A missing one is created at once; one no longer wanted (the field was
    /// removed, or its cell) is deleted; an image change is held on the Deployment itself (§4a).
    private func reconcileVtorc(_ vt: JSON, _ vts: JSON, keyspace: String, owner: JSON) {
        guard let range = KeyRange(vts[path: ["spec", "name"]].string ?? "-") else { return }
        let image = vts[path: ["spec", "images", "vtorc"]]
        let wanted = Desired.vtorcCells(shardSpec: vts["spec"]).map { cell in
            (cell, OperatorNames.vtorc(cluster: name(vt), keyspace: keyspace, shard: range, cell: cell))
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
            guard store.get(.deployment, namespace: namespace, name: deploymentName) == nil else {
                reconcileDeploymentImage(
                    deploymentName, image: image, replicas: nil,
                    releaseAll: vts[path: ["spec", "updateStrategy", "type"]].string == "Immediate")
                continue
            }
            var deployment = FixtureExpansion.deployment(
                name: deploymentName,
                labels: [
                    OperatorLabel.cluster: labels[OperatorLabel.cluster] ?? "", OperatorLabel.keyspace: keyspace,
                    OperatorLabel.shard: range.safeName, OperatorLabel.component: "vtorc", OperatorLabel.cell: cell,
                ], image: image.string ?? "", replicas: 1, owner: owner)
            deployment[path: ["metadata", "namespace"]] = .string(namespace)
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

    private func deleteTablet(_ pod: JSON, vts: JSON, reason: String) {
        let podName = name(pod)
        guard
            (try? store.delete(.pod, namespace: namespace, name: podName, uid: pod[path: ["metadata", "uid"]].string))
                != nil
        else { return }
        state.withLockedValue { state in
            state.readyAt[podName] = nil
            state.readySince[podName] = nil
        }
        record("deleted", "Pod", podName, shard: shardLabel(vts), reason)
        event(vts, "Normal", "Deleted", "deleted Pod \(podName)")
    }

    private func scheduleReady(_ podName: String, image: String, base: Double) {
        let faults = self.faults
        let never = faults.neverReadyPods.contains(podName) || faults.neverReadyImages.contains { image.contains($0) }
        let factor = faults.slowRestart[podName] ?? 1
        let at = never ? Double.infinity : now() + base * factor
        state.withLockedValue { $0.readyAt[podName] = at }
    }

    /// Readiness (kubelet) and the drain controller (`reconcileDrain`, reference §5.1.2).
    private func reconcileDrain(_ vts: JSON) {
        let pods = tabletPods(vts).sorted {
            (alias(of: $0) ?? TabletAlias(cell: "", uid: 0)) < (alias(of: $1) ?? TabletAlias(cell: "", uid: 0))
        }
        let time = now()
        // Readiness transitions first, so status below sees them.
        for pod in pods {
            let podName = name(pod)
            let readyAt = state.withLockedValue { $0.readyAt[podName] }
            if let readyAt, readyAt <= time {
                _ = try? store.mutate(.pod, namespace: namespace, name: podName, scope: .everything) { object in
                    let image = object[path: ["spec", "containers"]].array?.first?["image"].string ?? ""
                    object["status"] = FixtureExpansion.podStatus(container: "vttablet", image: image, ready: true)
                }
                state.withLockedValue { state in
                    state.readyAt[podName] = nil
                    state.readySince[podName] = time
                }
                record("ready", "Pod", podName, shard: shardLabel(vts))
            }
        }
        // An aborted drain (`started` removed): the controller clears its own marks and says so.
        for pod in pods {
            let marks = annotations(pod)
            guard marks[DrainAnnotation.started] == nil,
                marks[DrainAnnotation.acknowledged] != nil || marks[DrainAnnotation.finished] != nil
            else { continue }
            _ = try? store.mutate(.pod, namespace: namespace, name: name(pod)) {
                $0[path: ["metadata", "annotations", DrainAnnotation.acknowledged]] = .null
                $0[path: ["metadata", "annotations", DrainAnnotation.finished]] = .null
            }
            event(
                pod, "Warning", "AbortingDrain", "drain of \(name(pod)) was aborted: the started annotation was removed"
            )
            record("drainAborted", "Pod", name(pod), shard: shardLabel(vts))
        }
        guard vts[path: ["status", "observedGeneration"]] == vts[path: ["metadata", "generation"]] else { return }
        // Shard health comes first, drain or not (`isShardHealthy`); the real controller says so on every pass.
        let tablets = vts[path: ["status", "tablets"]].object ?? [:]
        if let sick = tablets.keys.sorted().first(where: { tablets[$0]?["available"].string != "True" }) {
            if due("\(name(vts))|NotReconcilingDrain", at: time) {
                event(
                    vts, "Warning", "NotReconcilingDrain",
                    "Shard is in an unhealthy state: tablet \(sick) is not Available")
            }
            return
        }
        guard tablets.count == pods.count else { return }
        let primary = vts[path: ["status", "masterAlias"]].string
        guard primary != nil else {
            if due("\(name(vts))|NotReconcilingDrain", at: time) {
                event(vts, "Warning", "NotReconcilingDrain", "Shard does not have a primary")
            }
            return
        }
        let draining = pods.filter { annotations($0)[DrainAnnotation.started] != nil }
        guard !draining.isEmpty else { return }
        let stamp = timestamp()
        let acknowledging = draining.filter { annotations($0)[DrainAnnotation.acknowledged] == nil }
        for pod in acknowledging {
            _ = try? store.mutate(.pod, namespace: namespace, name: name(pod)) {
                $0[path: ["metadata", "annotations", DrainAnnotation.acknowledged]] = .string(stamp)
            }
        }
        guard let next = draining.first(where: { annotations($0)[DrainAnnotation.finished] == nil }),
            annotations(next)[DrainAnnotation.acknowledged] != nil, let nextAlias = alias(of: next)
        else {
            if !acknowledging.isEmpty, due("\(name(vts))|NotReparentingPrimary|acknowledged", at: time) {
                event(vts, "Normal", "NotReparentingPrimary", "We have acknowledged a drain this loop")
            }
            return
        }
        if nextAlias.description != primary {
            _ = try? store.mutate(.pod, namespace: namespace, name: name(next)) {
                $0[path: ["metadata", "annotations", DrainAnnotation.finished]] = .string(stamp)
            }
            record("drained", "Pod", name(next), shard: shardLabel(vts))
            if due("\(name(vts))|NotReparentingPrimary|replica", at: time) {
                event(vts, "Normal", "NotReparentingPrimary", "We are not marking primary as finished")
            }
            return
        }
        // The primary is never marked finished: reparent first, to a Ready replica with no drain state.
        let candidate = pods.first { pod in
            let labels = pod[path: ["metadata", "labels"]].stringMap
            let podAnnotations = annotations(pod)
            guard let candidateAlias = alias(of: pod), candidateAlias != nextAlias,
                labels[OperatorLabel.tabletType] == TabletPoolType.replica.rawValue,
                podAnnotations[DrainAnnotation.started] == nil, isReady(pod)
            else { return false }
            return tablets[candidateAlias.description]?["type"].string == "replica"
        }
        guard let candidate, let candidateAlias = alias(of: candidate) else {
            if due(name(next), at: time) {
                event(
                    vts, "Warning", "DrainBlocked", "no other tablet is a suitable primary candidate for \(nextAlias)")
                record("drainBlocked", "Pod", name(next), shard: shardLabel(vts))
            }
            return
        }
        if faults.failReparent {
            if due(name(next), at: time) {
                event(
                    vts, "Warning", "PlannedReparentFailed",
                    "PlannedReparentShard from \(nextAlias) failed: injected fault")
                record("reparentFailed", "Pod", name(next), shard: shardLabel(vts))
            }
            return
        }
        _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(vts)) { object in
            object[path: ["status", "masterAlias"]] = .string(candidateAlias.description)
            object[path: ["status", "tablets", nextAlias.description, "type"]] = "replica"
            object[path: ["status", "tablets", candidateAlias.description, "type"]] = "primary"
        }
        event(vts, "Normal", "PlannedReparent", "planned reparent from \(nextAlias) to \(candidateAlias)")
        record("reparented", "VitessShard", name(vts), shard: shardLabel(vts), "from \(nextAlias) to \(candidateAlias)")
    }

    /// Whether a repeating condition keyed `key` may be reported again: once per `drainRequeue`, the pace at
    /// which the real controllers requeue (`replicationRequeueDelay`), so repeats fold instead of flooding.
    private func due(_ key: String, at time: Double) -> Bool {
        state.withLockedValue { state -> Bool in
            let last = state.lastBlocked[key] ?? -Double.infinity
            if time - last < state.timings.drainRequeue { return false }
            state.lastBlocked[key] = time
            return true
        }
    }

    private func isReady(_ pod: JSON) -> Bool {
        (pod[path: ["status", "conditions"]].array ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    /// `cascade` on a VitessShard (`reconcileRollout`, reference §4c).
    private func reconcileCascade(_ vts: JSON) {
        guard annotations(vts)[RolloutAnnotation.cascade] != nil else { return }
        let pods = tabletPods(vts)
        let tablets = vts[path: ["status", "tablets"]].object ?? [:]
        func paused(_ message: String) {
            if due("\(name(vts))|RolloutPaused", at: now()) { event(vts, "Normal", "RolloutPaused", message) }
        }
        if let waiting = tablets.keys.sorted().first(where: { tablets[$0]?["available"].string != "True" }) {
            return paused("Waiting for tablet \(waiting) to be Available.")
        }
        let present = Set(pods.compactMap { alias(of: $0)?.description })
        if let missing = tablets.keys.sorted().first(where: { !present.contains($0) }) {
            return paused("Waiting for desired tablet \(missing) to be created.")
        }
        guard tablets.count == pods.count else { return }
        if let releasing = pods.first(where: { annotations($0)[RolloutAnnotation.released] != nil }) {
            return paused(
                "Waiting for tablet \(alias(of: releasing)?.description ?? name(releasing)) to finish release.")
        }
        let scheduled = pods.filter { annotations($0)[RolloutAnnotation.scheduled] != nil }
            .sorted {
                (alias(of: $0) ?? TabletAlias(cell: "", uid: 0)) < (alias(of: $1) ?? TabletAlias(cell: "", uid: 0))
            }
        if scheduled.isEmpty {
            _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(vts)) {
                $0[path: ["metadata", "annotations", RolloutAnnotation.cascade]] = .null
            }
            event(vts, "Normal", "RollingRestartComplete", "Cascading rollout of tablets is complete.")
            record("cascadeComplete", "VitessShard", name(vts), shard: shardLabel(vts))
            return
        }
        let primary = vts[path: ["status", "masterAlias"]].string
        // Already drained first, then any replica (the operator's map order is random; sorted here so runs
        // repeat), the primary last.
        let pick =
            scheduled.first { annotations($0)[DrainAnnotation.finished] != nil }
            ?? scheduled.first { alias(of: $0)?.description != primary } ?? scheduled[0]
        let eligible = (vts[path: ["spec", "tabletPools"]].array ?? []).reduce(0) { sum, pool in
            let type = TabletPoolType(rawValue: pool["type"].string ?? "") ?? .rdonly
            return sum + (type.isMasterEligible ? (pool["replicas"].int ?? 0) : 0)
        }
        let poolType = TabletPoolType(
            rawValue: pick[path: ["metadata", "labels", OperatorLabel.tabletType]].string ?? "")
        if eligible < 2, let poolType, poolType.isMasterEligible {
            // Lone master: deleted directly, no drain, no reparent; the shard is down meanwhile.
            record("released", "Pod", name(pick), shard: shardLabel(vts), "cascade (lone primary)")
            deleteTablet(pick, vts: vts, reason: "cascade lone primary")
            return
        }
        _ = try? store.mutate(.pod, namespace: namespace, name: name(pick)) {
            $0[path: ["metadata", "annotations", RolloutAnnotation.released]] = ""
        }
    }

    private func reconcileShardStatus(_ vts: JSON) {
        guard let current = store.get(.vitessShard, namespace: namespace, name: name(vts)) else { return }
        let pods = tabletPods(current)
        let time = now()
        let window = timings.tabletAvailable
        let primary = current[path: ["status", "masterAlias"]].string
        var tablets: [String: JSON] = [:]
        var lowest = Int.max
        for pod in pods {
            guard let podAlias = alias(of: pod) else { continue }
            let labels = pod[path: ["metadata", "labels"]].stringMap
            let ready = isReady(pod)
            let since = state.withLockedValue { $0.readySince[name(pod)] }
            let available = ready && (since.map { time - $0 >= window } ?? true)
            if ready, let since, time - since >= window {
                state.withLockedValue { $0.readySince[name(pod)] = nil }
                record("available", "Pod", name(pod), shard: shardLabel(current))
                _ = since
            }
            let poolType = labels[OperatorLabel.tabletType] ?? "replica"
            let previousType = current[path: ["status", "tablets", podAlias.description, "type"]].string
            tablets[podAlias.description] = [
                "poolType": .string(poolType), "index": .int(Int(labels[OperatorLabel.tabletIndex] ?? "1") ?? 1),
                "running": "True", "ready": ready ? "True" : "False", "available": available ? "True" : "False",
                "dataVolumeBound": "True",
                "type": .string(
                    podAlias.description == primary
                        ? "primary"
                        : previousType == "primary"
                            ? "replica"
                            : (previousType ?? (poolType == "rdonly" ? "rdonly" : "replica"))),
                "pendingChanges": .string(annotations(pod)[RolloutAnnotation.scheduled] ?? ""),
            ]
            lowest = min(lowest, Int(annotations(pod)["planetscale.com/observed-shard-generation"] ?? "0") ?? 0)
        }
        _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(current)) { object in
            object[path: ["status", "observedGeneration"]] = object[path: ["metadata", "generation"]]
            object[path: ["status", "lowestPodGeneration"]] =
                lowest == Int.max ? object[path: ["metadata", "generation"]] : .int(lowest)
            object[path: ["status", "tablets"]] = .object(tablets)
            object[path: ["status", "hasMaster"]] = primary == nil ? "False" : "True"
        }
    }

    /// `initShardPrimary`: a shard with no primary (a new one) gets one once every desired tablet is Ready:
    /// the first `replica` tablet (the operator takes the first of a map; sorted here so runs repeat).
    private func reconcileInitPrimary(_ vts: JSON) {
        guard let current = store.get(.vitessShard, namespace: namespace, name: name(vts)),
            current[path: ["status", "masterAlias"]].isNull
        else { return }
        let tablets = current[path: ["status", "tablets"]].object ?? [:]
        let labels = current[path: ["metadata", "labels"]].stringMap
        let desired = Desired.tablets(
            cluster: labels[OperatorLabel.cluster] ?? "", keyspace: labels[OperatorLabel.keyspace] ?? "", vts: current)
        guard !tablets.isEmpty, tablets.count == desired.count, tablets.values.allSatisfy({ $0["ready"] == "True" })
        else { return }
        guard let candidate = tablets.keys.sorted().first(where: { tablets[$0]?["poolType"] == "replica" }) else {
            if due("\(name(vts))|InitShardBlocked", at: now()) {
                event(
                    current, "Warning", "InitShardBlocked",
                    "can't initialize shard: no primary-eligible tablets (type 'replica') deployed")
            }
            return
        }
        _ = try? store.mutate(.vitessShard, namespace: namespace, name: name(current)) { object in
            object[path: ["status", "masterAlias"]] = .string(candidate)
            object[path: ["status", "tablets", candidate, "type"]] = "primary"
            object[path: ["status", "hasMaster"]] = "True"
            object[path: ["status", "servingWrites"]] = "True"
        }
        event(current, "Normal", "InitShardPrimary", "initialized shard replication with primary tablet \(candidate)")
        record("initShardPrimary", "VitessShard", name(current), shard: shardLabel(current), candidate)
    }

    // MARK: etcd

    private func reconcileEtcd(_ vt: JSON) {
        let image = Desired.etcdImage(vt)
        let lockserver = OperatorNames.globalEtcd(cluster: name(vt))
        let selector = Selector(requirements: [.oneOf(OperatorLabel.etcdLockserver, [lockserver])])
        let time = now()
        for index in 1...3 {
            let podName = "\(lockserver)-\(index)"
            guard let pod = store.get(.pod, namespace: namespace, name: podName) else {
                let labels: [String: String] = [
                    OperatorLabel.component: "etcd", OperatorLabel.cluster: name(vt),
                    OperatorLabel.etcdLockserver: lockserver, OperatorLabel.etcdIndex: String(index),
                ]
                var pod = FixtureExpansion.pod(
                    name: podName, namespace: namespace, labels: labels, annotations: [:],
                    container: "etcd", image: image, owner: [])
                pod["status"] = FixtureExpansion.podStatus(container: "etcd", image: image, ready: false)
                if (try? store.create(.pod, namespace: namespace, object: pod, scope: .everything)) != nil {
                    record("created", "Pod", podName)
                    scheduleReady(podName, image: image, base: timings.etcdRestart)
                }
                continue
            }
            _ = selector
            if let readyAt = state.withLockedValue({ $0.readyAt[podName] }), readyAt <= time {
                _ = try? store.mutate(.pod, namespace: namespace, name: podName) {
                    $0["status"] = FixtureExpansion.podStatus(container: "etcd", image: image, ready: true)
                }
                state.withLockedValue { $0.readyAt[podName] = nil }
                record("ready", "Pod", podName)
            }
            let current = pod[path: ["spec", "containers"]].array?.first?["image"].string ?? ""
            if current != image && annotations(pod)[RolloutAnnotation.released] != nil {
                // No drain support: a released member is deleted at once and recreated.
                if (try? store.delete(.pod, namespace: namespace, name: podName)) != nil {
                    record("released", "Pod", podName)
                    record("deleted", "Pod", podName)
                }
                continue
            }
            _ = try? store.mutate(.pod, namespace: namespace, name: podName) { object in
                if current == image {
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .null
                    object[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
                } else {
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]] = .string(
                        YAMLDiff.render(
                            ["spec": ["containers": [["name": "etcd", "image": .string(image)]]]], indent: 0))
                }
            }
        }
    }

    // MARK: Deployment controller

    /// Emulates the Deployment controller: a template change replaces one Pod per `deploymentPod` seconds.
    private func reconcileDeploymentRollouts() {
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

    // MARK: status mirrors

    private func reconcileKeyspaceStatus() {
        let shards = store.list(.vitessShard, namespace: namespace).items
        for vtk in store.list(.vitessKeyspace, namespace: namespace).items {
            let keyspace = vtk[path: ["spec", "name"]].string ?? ""
            var entries: [String: JSON] = [:]
            for vts in shards where vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string == keyspace {
                let tablets = (vts[path: ["status", "tablets"]].object ?? [:]).values
                entries[vts[path: ["spec", "name"]].string ?? ""] = [
                    "hasMaster": vts[path: ["status", "hasMaster"]],
                    "servingWrites": vts[path: ["status", "hasMaster"]],
                    "desiredTablets": .int(tablets.count), "tablets": .int(tablets.count),
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

    private func reconcileClusterStatus(_ vt: JSON) {
        var status = Sandbox.clusterStatus(store: store, namespace: namespace)
        status["observedGeneration"] = vt[path: ["metadata", "generation"]]
        _ = try? store.mutate(.vitessCluster, namespace: namespace, name: name(vt)) { $0["status"] = status }
    }
}
