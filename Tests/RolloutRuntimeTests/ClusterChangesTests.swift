import KubeClient
import RolloutRuntime
import Testing

@Suite struct ClusterChangesTests {
    @Test func burstsOfEventsCoalesceIntoTicksAndStopEndsThem() async throws {
        let cluster = try FakeCluster(try InventoryLoaderTests.snapshot())
        cluster.eventsPerWatch = 50
        let (ticks, stop) = ClusterChanges(api: cluster, cluster: "example", namespace: "example").start()
        var iterator = ticks.makeAsyncIterator()
        #expect(await iterator.next() != nil)  // 300 events are pending; at least one tick
        stop()
        var after = 0
        while await iterator.next() != nil { after += 1 }
        #expect(after <= 1, "the buffer holds at most one tick")
        let watches = cluster.calls.filter { $0.hasPrefix("watch ") }.sorted()
        #expect(watches.count == 6)
        #expect(watches.contains("watch pods planetscale.com/cluster=example"))
    }
}
