import Foundation
import NIOConcurrencyHelpers
import VitessModel

/// The emulated vitess-operator plus the Deployment controller and the kubelet, as docs/operator-reference.md
/// describes them, each claim with its source path.
///
/// It is level-triggered like the real controllers: `reconcile()` compares what exists with what the parents
/// ask for and makes one round of changes. `settle()` repeats rounds until nothing changes. The controllers live in
/// extensions by object: `+Cluster` (VitessCluster and VitessCell), `+Shard` (VitessKeyspace and VitessShard),
/// `+Drain` (drain, reparent, cascade, initial primary), `+Etcd`, `+Status`.
public final class EmulatedOperator: Sendable {
    /// What the topology server holds for one shard: its primary and each tablet's type.
    struct TopoShard: Sendable, Equatable {
        /// The primary's alias, nil before the first election.
        var primary: String?
        /// Tablet types by alias (`primary`, `replica`, `rdonly`, `spare`).
        var types: [String: String] = [:]
    }

    struct State {
        var readyAt: [String: Double] = [:]
        var readySince: [String: Double] = [:]
        /// When each Pod's containers started (an RFC 3339 time), for kubelet statuses.
        var startedAt: [String: String] = [:]
        /// Pods on their way down, by name: when the kubelet finishes stopping them.
        var terminatingUntil: [String: Double] = [:]
        /// The shard (`keyspace/shard`) of each Terminating tablet Pod, for the history.
        var terminatingShard: [String: String] = [:]
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
        /// The topology server, by VitessShard name.
        var topo: [String: TopoShard] = [:]
        /// VitessKeyspaces whose shard writes fail for this many more reconciles (`slowChildren`), with the
        /// keyspace generation that started it.
        var heldShardWrites: [String: (generation: Int, rounds: Int)] = [:]
        /// Tablet Pods the drain controller set `innodb_fast_shutdown=0` on, with the mysqld image it was for.
        var fastShutdown: [String: String] = [:]
        /// The store revision and emulated time of the last round that wrote nothing: until something is written,
        /// a timed transition is due or the controllers' requeue delay passes, another round would do nothing.
        var lastQuiet: (revision: Int, time: Double)?
    }

    let store: ObjectStore
    let namespace: String
    let clock: any EmulationClock
    let state = NIOLockedValueBox(State())
    private let reconcileLock = NIOLock()
    /// Tablet Pod names by shard (`indexTabletPods`), rebuilt every round.
    let podIndex = NIOLockedValueBox<[String: Set<String>]>([:])
    /// Desired tablets by shard, with the shard generation they were computed for.
    let desiredCache = NIOLockedValueBox<[String: (generation: Int, tablets: [Desired.Tablet])]>([:])
    /// vtorc Deployment names (cell, name) by VitessShard, per shard generation: names cost an MD5 each.
    let vtorcNames = NIOLockedValueBox<[String: (key: String, names: [(String, String)])]>([:])
    /// Desired tablet Pod shapes by Pod name, with the shard generation (and UID) they were built for: building one
    /// is the costliest step of a round, and it changes only with the shard's spec.
    let shapeCache = NIOLockedValueBox<[String: (shard: String, shape: Desired.TabletPodShape)]>([:])
    /// Per tablet Pod, the last comparison: the Pod's resourceVersion and shard key it was made for, and the
    /// `scheduled` text it gave (nil when nothing is pending).
    let comparisonCache = NIOLockedValueBox<[String: (version: String, shard: String, diff: String?)]>([:])

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
                state.lastQuiet = nil
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
        set {
            state.withLockedValue { state in
                state.timings = newValue
                state.lastQuiet = nil
            }
        }
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
    /// Terminating Pod disappearing, a Deployment replacing its next Pod. Nil when nothing is timed.
    public func nextDue() -> Double? {
        state.withLockedValue { state in
            let ready = state.readyAt.values.filter(\.isFinite).min()
            let available = state.readySince.values.min().map { $0 + state.timings.tabletAvailable }
            let gone = state.terminatingUntil.values.min()
            let perPod = max(state.timings.deploymentPod, 0.000_001)
            let deployments = state.rollouts.values.map { start in
                start + perPod * ((now() - start) / perPod + 1).rounded(.down)
            }.min()
            return [ready, available, gone, deployments].compactMap { $0 }.min()
        }
    }

    /// One round of every controller.
    public func reconcile() {
        reconcileLock.withLock {
            let revision = store.revision
            let time = now()
            let quiet = state.withLockedValue { state in
                guard let last = state.lastQuiet, last.revision == revision else { return false }
                return time - last.time < state.timings.drainRequeue
            }
            if quiet, nextDue().map({ $0 > time }) ?? true { return }
            defer {
                if store.revision == revision { state.withLockedValue { $0.lastQuiet = (revision, time) } }
            }
            guard let vt = store.list(.vitessCluster, namespace: namespace).items.first else { return }
            createMissing(vt)
            indexTabletPods()
            reconcileTermination()
            reconcileCells(vt)
            reconcileKeyspaces(vt)
            reconcileClusterDeployments(vt)
            for vtk in store.list(.vitessKeyspace, namespace: namespace).items { reconcileShards(vt, vtk) }
            for vts in store.list(.vitessShard, namespace: namespace).items {
                reconcileReadiness(vts)
                reconcileTablets(vt, vts)
                reconcileShardStatus(vts)
                reconcileDrain(vts)
                reconcileCascade(vts)
                reconcileInitPrimary(vts)
            }
            reconcileEtcd(vt)
            reconcileDeploymentRollouts()
            reconcileKeyspaceStatus()
            reconcileClusterStatus(vt)
        }
    }

    /// Starts a Pod's graceful termination for a client's `DELETE`, between reconcile rounds.
    func reconcileLockedTermination(_ pod: JSON, owner: JSON?) {
        reconcileLock.withLock { beginTermination(pod, owner: owner, reason: "deleted through the API") }
    }

    // MARK: helpers

    func now() -> Double { clock.now() }

    func record(_ action: String, _ kind: String, _ name: String, shard: String = "", _ detail: String = "") {
        let entry = HistoryRecord(time: now(), action: action, kind: kind, name: name, shard: shard, detail: detail)
        state.withLockedValue { $0.history.append(entry) }
    }

    func timestamp() -> String { Sandbox.timestamp(Date()) }

    /// The value the drain controller writes into `drain.planetscale.com/acknowledged` and `finished`: Go's
    /// `time.Now().UTC().String()` (`pkg/operator/drain/drain.go`), e.g. `2026-11-22 19:23:47.123456789 +0000 UTC`.
    func drainTimestamp() -> String {
        let now = Date()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: now)
        func pad(_ value: Int?, _ width: Int) -> String {
            let text = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2)) \(pad(parts.hour, 2)):"
            + "\(pad(parts.minute, 2)):\(pad(parts.second, 2)).\(pad(parts.nanosecond, 9)) +0000 UTC"
    }

    func name(_ object: JSON) -> String { object[path: ["metadata", "name"]].string ?? "" }

    func annotations(_ object: JSON) -> [String: String] {
        object[path: ["metadata", "annotations"]].stringMap
    }

    func isTerminating(_ object: JSON) -> Bool { !object[path: ["metadata", "deletionTimestamp"]].isNull }

    /// Records an Event on `object`, as the operator's recorder does. A repeat of one already recorded for the same
    /// object (same reason and message) bumps its `count` and `lastTimestamp`, as the event recorder folds repeats.
    func event(_ object: JSON, _ type: String, _ reason: String, _ message: String) {
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

    /// The generic `ReconcileObject` for a held object (`pkg/operator/reconciler/object.go`): the in-place changes
    /// always (`inPlace` edits the current spec towards `desired`), the rest only when released (or `releaseAll`,
    /// the Immediate strategy), `scheduled` with the strategic-merge-patch text otherwise, and `released`
    /// consumed. An object on its way down is left alone. Returns whether the held changes were applied.
    @discardableResult
    func reconcileHeld(
        _ type: ResourceType, _ objectName: String, desired: JSON, releaseAll: Bool, specPath: [String] = ["spec"],
        inPlace: (inout JSON, JSON) -> Void
    ) -> Bool {
        var applied = false
        var updatedInPlace = false
        let owner = store.get(type, namespace: namespace, name: objectName)
        _ = try? store.mutate(type, namespace: namespace, name: objectName) { object in
            guard object[path: ["metadata", "deletionTimestamp"]].isNull else { return }
            let before = object[path: specPath]
            var spec = before
            inPlace(&spec, desired)
            let annotations = object[path: ["metadata", "annotations"]].stringMap
            let released = annotations[RolloutAnnotation.released] != nil
            if spec != desired && (released || releaseAll) {
                spec = desired
                applied = true
            }
            updatedInPlace = !applied && spec != before
            object[path: specPath] = spec
            var updated = annotations
            if spec == desired {
                updated[RolloutAnnotation.scheduled] = nil
                updated[RolloutAnnotation.released] = nil
            } else if let diff = ScheduledText.patch(from: spec, to: desired) {
                var wrapped: JSON = [:]
                wrapped[path: specPath] = diff
                updated[RolloutAnnotation.scheduled] = ScheduledText.render(wrapped)
            }
            object[path: ["metadata", "annotations"]] = updated.isEmpty ? .null : .map(updated)
        }
        if applied { record("applied", type.kind, objectName) }
        if applied || updatedInPlace, let owner { updatedEvent(type, owner) }
        return applied
    }

    /// `Updated` on the owner after an in-place write (`reconciler/object.go` `updateInPlace`).
    func updatedEvent(_ type: ResourceType, _ object: JSON) {
        let ownerReference = object[path: ["metadata", "ownerReferences"]].array?.first
        guard let ownerKind = ownerReference?["kind"].string, let ownerName = ownerReference?["name"].string,
            let ownerType = ResourceType.all.first(where: { $0.kind == ownerKind }),
            let owner = store.get(ownerType, namespace: namespace, name: ownerName)
        else { return }
        event(owner, "Normal", "Updated", "updated \(type.kind) \(name(object))")
    }

    /// Whether a repeating condition keyed `key` may be reported again: once per `drainRequeue`, the pace at
    /// which the real controllers requeue (`replicationRequeueDelay`), so repeats fold instead of flooding.
    func due(_ key: String, at time: Double) -> Bool {
        state.withLockedValue { state -> Bool in
            let last = state.lastBlocked[key] ?? -Double.infinity
            if time - last < state.timings.drainRequeue { return false }
            state.lastBlocked[key] = time
            return true
        }
    }

    func isReady(_ pod: JSON) -> Bool {
        (pod[path: ["status", "conditions"]].array ?? []).contains { $0["type"] == "Ready" && $0["status"] == "True" }
    }

    func shardLabel(_ vts: JSON) -> String {
        "\(vts[path: ["metadata", "labels", OperatorLabel.keyspace]].string ?? "")/\(vts[path: ["spec", "name"]].string ?? "")"
    }

    func alias(of pod: JSON) -> TabletAlias? {
        let labels = pod[path: ["metadata", "labels"]].stringMap
        guard let cell = labels[OperatorLabel.cell], let uid = labels[OperatorLabel.tabletUID].flatMap({ UInt32($0) })
        else {
            return nil
        }
        return TabletAlias(cell: cell, uid: uid)
    }

    /// The index key of a shard's tablet Pods: cluster, keyspace and shard labels.
    static func podGroup(_ labels: JSON) -> String {
        "\(labels[OperatorLabel.cluster].string ?? "")/\(labels[OperatorLabel.keyspace].string ?? "")/"
            + (labels[OperatorLabel.shard].string ?? "")
    }

    /// Indexes tablet Pod names by shard once per round, so each controller reads a shard's Pods by name
    /// (fresh from the store) instead of filtering every Pod of the cluster four times per shard.
    func indexTabletPods() {
        let selector = Selector(requirements: [.oneOf(OperatorLabel.component, ["vttablet"])])
        var index: [String: Set<String>] = [:]
        for pod in store.list(.pod, namespace: namespace, labels: selector).items {
            index[Self.podGroup(pod["metadata"]["labels"]), default: []].insert(name(pod))
        }
        podIndex.withLockedValue { $0 = index }
    }

    /// A Pod created this round joins the index at once.
    func indexTabletPod(_ pod: JSON) {
        _ = podIndex.withLockedValue { $0[Self.podGroup(pod["metadata"]["labels"]), default: []].insert(name(pod)) }
    }

    /// The shard's tablet Pods as stored now, sorted by name (a Pod deleted this round is gone).
    func tabletPods(_ vts: JSON) -> [JSON] {
        let names = podIndex.withLockedValue { $0[Self.podGroup(vts["metadata"]["labels"])] } ?? []
        return names.sorted().compactMap { store.get(.pod, namespace: namespace, name: $0) }
    }

    /// The desired shape of a tablet Pod, built once per shard generation.
    func desiredShape(_ tablet: Desired.Tablet, keyspace: String, vts: JSON) -> Desired.TabletPodShape {
        let key = "\(vts["metadata"]["uid"].string ?? "")/\(vts["metadata"]["generation"].int ?? 0)"
        if let cached = shapeCache.withLockedValue({ $0[tablet.podName] }), cached.shard == key { return cached.shape }
        let shape = Desired.tabletPodShape(tablet, keyspace: keyspace, shardSpec: vts["spec"])
        shapeCache.withLockedValue { $0[tablet.podName] = (key, shape) }
        return shape
    }

    /// Whether a tablet Pod differs from its desired shape, and the `scheduled` text if it does; remembered per Pod
    /// version and shard generation, so an unchanged Pod is not compared again.
    func pendingChange(_ pod: JSON, _ tablet: Desired.Tablet, keyspace: String, vts: JSON) -> String? {
        let version = pod[path: ["metadata", "resourceVersion"]].string ?? ""
        let shard = "\(vts["metadata"]["uid"].string ?? "")/\(vts["metadata"]["generation"].int ?? 0)"
        if let cached = comparisonCache.withLockedValue({ $0[tablet.podName] }), cached.version == version,
            cached.shard == shard
        {
            return cached.diff
        }
        let shape = desiredShape(tablet, keyspace: keyspace, vts: vts)
        let current = shape.current(in: pod)
        let diff =
            current == shape
            ? nil
            : ScheduledText.patch(from: current.document, to: shape.document, mergeKeys: ScheduledText.podMergeKeys)
                .map(ScheduledText.render)
        comparisonCache.withLockedValue { $0[tablet.podName] = (version, shard, diff) }
        return diff
    }

    /// `Desired.tablets`, computed once per shard generation (names hash; the spec only changes with it).
    func desiredTablets(cluster: String, keyspace: String, vts: JSON) -> [Desired.Tablet] {
        let key = "\(cluster)/\(keyspace)/\(name(vts))/\(vts["metadata"]["uid"].string ?? "")"
        let generation = vts["metadata"]["generation"].int ?? 0
        if let cached = desiredCache.withLockedValue({ $0[key] }), cached.generation == generation {
            return cached.tablets
        }
        let tablets = Desired.tablets(cluster: cluster, keyspace: keyspace, vts: vts)
        desiredCache.withLockedValue { $0[key] = (generation, tablets) }
        return tablets
    }
}
