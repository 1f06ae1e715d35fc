import Foundation
import KubeClient
import RolloutEngine
import RolloutRuntime
import Testing
import VitessModel

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
}
