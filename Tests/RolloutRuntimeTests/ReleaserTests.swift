import Foundation
import KubeClient
import RolloutEngine
import RolloutRuntime
import Testing

@testable import VitessModel

/// Collects progress lines.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    var all: [String] { lock.withLock { stored } }
    func add(_ line: String) { lock.withLock { stored.append(line) } }
}

@Suite struct ReleaserTests {
    static func releaser(_ cluster: FakeCluster, _ lines: Lines) -> Releaser {
        Releaser(api: cluster, cluster: "example", namespace: "example", sleep: { _ in }, report: { lines.add($0) })
    }

    @Test func releasesAKeyspaceAndWaitsUntilTheOperatorAppliedIt() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        cluster.onPatch = { cluster, kind, name in
            // The operator: apply the change, remove both annotations.
            cluster.edit(VitessKeyspaceObject.self, kind.plural, name) { $0.metadata.annotations = [:] }
        }
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .keyspace("customer"), allowDowntime: false, dryRun: false, wait: true, timeout: .seconds(60))
        #expect(outcome == .done)
        #expect(cluster.calls.filter { $0.hasPrefix("patch") } == ["patch vitesskeyspaces example-customer-8b6e3b93"])
        #expect(
            lines.all == [
                "released keyspace customer (VitessKeyspace example-customer-8b6e3b93)", "done: keyspace customer",
            ])
    }

    @Test func dryRunPatchesNothing() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .cell("zone1"), allowDowntime: false, dryRun: true, wait: true, timeout: .seconds(60))
        #expect(outcome == .dryRun)
        #expect(!cluster.calls.contains { $0.hasPrefix("patch") })
        #expect(
            lines.all == ["dry run: would add rollout.planetscale.com/released to VitessCell example-zone1-5abb61ae"])
    }

    /// The shard gets its change only once the keyspace is released, which a dry run never does: it
    /// must not check the shard (that refused with `prerequisite-pending`), only name it.
    @Test func dryRunOfATabletBehindAPendingKeyspaceNamesEveryStep() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .tablet(TabletAlias("zone1-1111111112")!), allowDowntime: false, dryRun: true, wait: true,
            timeout: .seconds(60))
        #expect(outcome == .dryRun)
        #expect(!cluster.calls.contains { $0.hasPrefix("patch") })
        #expect(cluster.created.isEmpty)
        #expect(
            lines.all == [
                "prerequisite: keyspace customer still holds the change; releasing it first",
                "dry run: would add rollout.planetscale.com/released to VitessKeyspace example-customer-8b6e3b93",
                "dry run: then shard customer/-80, then tablet zone1-1111111112, once the prerequisites have scheduled it",
            ])
    }

    @Test func refusalsPatchNothing() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        await #expect(throws: ReleaseRefusal.self) {
            try await Self.releaser(cluster, Lines()).release(
                .tablet(TabletAlias("zone1-2469782763")!), allowDowntime: false, dryRun: false, wait: true,
                timeout: .seconds(60))
        }
        #expect(!cluster.calls.contains { $0.hasPrefix("patch") })
    }

    @Test func aReleaseThatNeverFinishesTimesOutSayingWhy() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .cell("zone1"), allowDowntime: false, dryRun: false, wait: true, timeout: .seconds(1))
        #expect(outcome == .timedOut("the operator to apply the cell's change"))
        #expect(lines.all.last == "waiting for the operator to apply the cell's change")
    }

    @Test func nothingPendingChangesNothing() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .keyspace("commerce"), allowDowntime: false, dryRun: false, wait: true, timeout: .seconds(60))
        #expect(outcome == .nothingPending)
        #expect(!cluster.calls.contains { $0.hasPrefix("patch") })
        #expect(lines.all.first?.hasPrefix("nothing to release: keyspace commerce has no pending change") == true)
    }

    @Test func aTabletsKeyspaceAndShardAreReleasedFirstAndAudited() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        let scheduled = "spec:\n  containers:\n  - image: vitess/lite:v18.0.0\n"
        cluster.onPatch = { cluster, kind, name in
            // A small operator: each release applies its level and schedules the next one.
            switch kind.plural {
            case "vitesskeyspaces":
                cluster.edit(VitessKeyspaceObject.self, "vitesskeyspaces", name) { $0.metadata.annotations = [:] }
                cluster.edit(VitessShardObject.self, "vitessshards", "example-customer-x-80-9a2d1c4e") {
                    $0.metadata.annotations = [RolloutAnnotation.scheduled: "spec: {}"]
                }
            case "vitessshards":
                cluster.edit(VitessShardObject.self, "vitessshards", name) { $0.metadata.annotations = [:] }
                for uid in ["1111111111", "1111111112"] {
                    let pod = "example-vttablet-zone1-\(uid)-" + (uid == "1111111111" ? "ad6b3d97" : "4ba2b748")
                    cluster.edit(PodObject.self, "pods", pod) {
                        $0.metadata.annotations?[RolloutAnnotation.scheduled] = scheduled
                    }
                }
            default:
                cluster.edit(PodObject.self, "pods", name) {
                    $0.metadata.uid = "recreated"
                    $0.metadata.annotations = [:]
                }
                cluster.edit(VitessShardObject.self, "vitessshards", "example-customer-x-80-9a2d1c4e") {
                    var tablets = $0.status?.tablets ?? [:]
                    tablets["zone1-1111111112"] = .init(
                        poolType: "rdonly", index: 1, running: "True", ready: "True",
                        available: "True", type: "rdonly", pendingChanges: "")
                    tablets["zone1-1111111111"] = .init(
                        poolType: "replica", index: 1, running: "True", ready: "True",
                        available: "True", type: "primary", pendingChanges: scheduled)
                    $0.status?.tablets = tablets
                }
            }
        }
        // The rdonly tablet must be available before the shard lets it drain: make the shard healthy.
        cluster.edit(VitessShardObject.self, "vitessshards", "example-customer-x-80-9a2d1c4e") {
            $0.status?.tablets = [
                "zone1-1111111111": .init(
                    poolType: "replica", index: 1, running: "True", ready: "True", available: "True",
                    type: "primary", pendingChanges: ""),
                "zone1-1111111112": .init(
                    poolType: "rdonly", index: 1, running: "True", ready: "True", available: "True",
                    type: "rdonly", pendingChanges: ""),
            ]
        }
        let lines = Lines()
        let outcome = try await Self.releaser(cluster, lines).release(
            .tablet(TabletAlias("zone1-1111111112")!), allowDowntime: false, dryRun: false, wait: true,
            timeout: .seconds(60), actor: "alice")
        #expect(outcome == .done)
        #expect(
            cluster.calls.filter { $0.hasPrefix("patch") } == [
                "patch vitesskeyspaces example-customer-8b6e3b93", "patch vitessshards example-customer-x-80-9a2d1c4e",
                "patch pods example-vttablet-zone1-1111111112-4ba2b748",
            ])
        #expect(lines.all.first == "prerequisite: keyspace customer still holds the change; releasing it first")
        #expect(lines.all.contains("prerequisite: shard customer/-80 still holds the change; releasing it first"))
        #expect(lines.all.last == "done: tablet zone1-1111111112")
        #expect(cluster.created.count == 3)
        let event = try #require(cluster.created.last)
        #expect(event.json["reason"]?.stringValue == "VtopRolloutRelease")
        #expect(event.json["involvedObject"]?["kind"]?.stringValue == "VitessCluster")
        #expect(event.json["message"]?.stringValue?.hasPrefix("alice released tablet zone1-1111111112") == true)
    }
}
