import Foundation
import KubeClient
import RolloutEngine
import VitessModel

/// Performs one imperative release: check, patch `released` on annotations only, and wait until
/// the cluster shows it done, driven by watch events rather than a polling loop.
public struct Releaser: Sendable {
    /// The cluster.
    public let api: any ClusterAPI
    /// The VitessCluster's name.
    public let cluster: String
    /// Its namespace.
    public let namespace: String
    /// Progress lines for the user.
    public let report: @Sendable (String) -> Void
    /// Waits out the timeout; `Task.sleep` in production, injected in tests.
    public let sleep: @Sendable (Duration) async throws -> Void

    /// Creates a releaser.
    public init(
        api: any ClusterAPI, cluster: String, namespace: String,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        report: @escaping @Sendable (String) -> Void
    ) {
        self.api = api
        self.cluster = cluster
        self.namespace = namespace
        self.sleep = sleep
        self.report = report
    }

    /// How a release ended.
    public enum Outcome: Sendable, Equatable {
        /// The object had nothing pending: nothing was changed.
        case nothingPending
        /// Not patched: `--dry-run`.
        case dryRun
        /// Patched, not waited for.
        case released
        /// Patched and seen done.
        case done
        /// Patched, still not done when the timeout came, with what it waits for.
        case timedOut(String)
    }

    /// Releases one object, after its prerequisites (keyspace, then shard) when they still hold the
    /// change. Throws `ReleaseRefusal` when the cluster state makes it unsafe.
    public func release(
        _ request: ReleaseRequest, allowDowntime: Bool, dryRun: Bool, wait: Bool,
        timeout: Duration, actor: String = "unknown"
    ) async throws -> Outcome {
        var inventory = try await InventoryLoader.inventory(from: api, cluster: cluster, namespace: namespace)
        let prerequisites = ReleaseRules.prerequisites(of: request, in: inventory)
        for (index, prerequisite) in prerequisites.enumerated() {
            // A dry run releases nothing, so a later prerequisite (the shard after its keyspace) never
            // gets its change and cannot be checked: checking it would refuse what a real run does.
            if dryRun && index > 0 { break }
            report("prerequisite: \(prerequisite) still holds the change; releasing it first")
            // A prerequisite is always waited for: the request's own pending change appears only then.
            let outcome = try await single(
                prerequisite, inventory: inventory, allowDowntime: allowDowntime,
                dryRun: dryRun, wait: !dryRun, timeout: timeout, actor: actor)
            if case .timedOut = outcome { return outcome }
            if !dryRun {
                inventory = try await InventoryLoader.inventory(from: api, cluster: cluster, namespace: namespace)
            }
        }
        if dryRun && !prerequisites.isEmpty {
            let then = (prerequisites.dropFirst().map(\.description) + [request.description])
                .joined(separator: ", then ")
            report("dry run: then \(then), once the prerequisites have scheduled it")
            return .dryRun
        }
        return try await single(
            request, inventory: inventory, allowDowntime: allowDowntime, dryRun: dryRun, wait: wait,
            timeout: timeout, actor: actor)
    }

    private func single(
        _ request: ReleaseRequest, inventory: Inventory, allowDowntime: Bool, dryRun: Bool, wait: Bool,
        timeout: Duration, actor: String
    ) async throws -> Outcome {
        let target: ReleaseObject
        switch ReleaseRules.check(request, in: inventory, allowDowntime: allowDowntime) {
        case .success(let found): target = found
        case .failure(let refusal) where refusal.reason == "nothing-pending":
            report("nothing to release: \(refusal.message)")
            return .nothingPending
        case .failure(let refusal): throw refusal
        }
        if dryRun {
            report("dry run: would add \(RolloutAnnotation.released) to \(target.objectKind) \(target.objectName)")
            return .dryRun
        }
        if target.alreadyReleased {
            report("\(target.objectKind) \(target.objectName) is already released; waiting for it")
        } else {
            let patch = Patch.merge(
                .object(["metadata": .object(["annotations": .object([RolloutAnnotation.released: .string("")])])]))
            _ = try await api.patch(
                Self.kind(target.objectKind), namespace: namespace, name: target.objectName,
                patch: patch)
            report("released \(request) (\(target.objectKind) \(target.objectName))")
            await audit(target, clusterUID: inventory.cluster.uid, actor: actor)
        }
        guard wait else { return .released }
        return try await waitUntilDone(target, timeout: timeout)
    }

    /// Records the release as a Kubernetes Event on the VitessCluster. An audit failure is reported,
    /// never fatal: the release itself already happened.
    private func audit(_ target: ReleaseObject, clusterUID: String?, actor: String) async {
        let audit = Audit(api: api, cluster: cluster, namespace: namespace, clusterUID: clusterUID)
        if let error = await audit.record(
            reason: "VtopRolloutRelease",
            message: "\(actor) released \(target.request) (\(target.objectKind) \(target.objectName)) with vtop-rollout"
        ) {
            report("warning: could not record the audit Event: \(error)")
        }
    }

    /// Re-reads the cluster after every batch of watch events until the release is done.
    private func waitUntilDone(_ target: ReleaseObject, timeout: Duration) async throws -> Outcome {
        let changes = ClusterChanges(api: api, cluster: cluster, namespace: namespace)
        let (ticks, stop) = changes.start()
        let timer = Task { [sleep] in
            try await sleep(timeout)
            stop()
        }
        defer {
            stop()
            timer.cancel()
        }
        var last = ""
        var iterator = ticks.makeAsyncIterator()
        while true {
            let inventory = try await InventoryLoader.inventory(from: api, cluster: cluster, namespace: namespace)
            switch ReleaseRules.progress(of: target, in: inventory) {
            case .done:
                report("done: \(target.request)")
                return .done
            case .waiting(let reason):
                if reason != last { report("waiting for \(reason)") }
                last = reason
            }
            guard await iterator.next() != nil else { return .timedOut(last) }
        }
    }

    static func kind(_ objectKind: String) -> ResourceKind {
        switch objectKind {
        case "VitessCell": .vitessCell
        case "VitessKeyspace": .vitessKeyspace
        case "VitessShard": .vitessShard
        case "Deployment": .deployment
        default: .pod
        }
    }
}
