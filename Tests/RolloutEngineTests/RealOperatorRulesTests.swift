import Foundation
import RolloutEngine
import Testing

@testable import VitessModel

/// Release rules and done checks that hold on a real operator, where the sandbox used to be simpler: `cascade`
/// set by someone else, a topology the operator cannot read, and Pods that stay Terminating
/// (docs/operator-reference.md; issue real-operator-correctness).
@Suite struct RealOperatorRulesTests {
    /// The example snapshot with commerce/- healthy: every tablet Ready and available, only the primary
    /// (zone1-2469782763) and one replica (zone1-2548885007) pending.
    static func healthy(_ objects: inout ClusterObjects) {
        for i in objects.pods.indices where objects.pods[i].metadata.label(OperatorLabel.keyspace) == "commerce" {
            let name = objects.pods[i].metadata.name
            objects.pods[i].metadata.annotations =
                name.contains("2469782763") || name.contains("2548885007")
                ? [RolloutAnnotation.scheduled: "spec: {}"] : [:]
            objects.pods[i].status = .init(phase: "Running", conditions: [.init(type: "Ready", status: "True")])
        }
        let s = commerce(objects)
        for key in objects.shards[s].status!.tablets!.keys {
            objects.shards[s].status!.tablets![key]!.available = "True"
            objects.shards[s].status!.tablets![key]!.ready = "True"
        }
    }

    static func commerce(_ objects: ClusterObjects) -> Int {
        objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
    }

    static let replica = ReleaseRequest.tablet(TabletAlias("zone1-2548885007")!)

    static func refusal(_ edit: (inout ClusterObjects) -> Void) throws -> String? {
        let inventory = try Snapshot.inventory { objects in
            healthy(&objects)
            edit(&objects)
        }
        if case .failure(let refusal) = ReleaseRules.check(replica, in: inventory, allowDowntime: false) {
            return refusal.reason
        }
        return nil
    }

    @Test("A replica of a healthy shard is releasable (the baseline of the cases below)")
    func baseline() throws {
        #expect(try Self.refusal { _ in } == nil)
    }

    @Test("A shard carrying cascade is busy: the operator releases its tablets itself")
    func cascadeIsBusy() throws {
        let reason = try Self.refusal { objects in
            let s = Self.commerce(objects)
            objects.shards[s].metadata.annotations = [RolloutAnnotation.cascade: ""]
        }
        #expect(reason == "shard-busy")
    }

    @Test("While the topology cannot be read (hasMaster Unknown), no tablet is released")
    func topologyUnknown() throws {
        let reason = try Self.refusal { objects in
            let s = Self.commerce(objects)
            objects.shards[s].status!.hasMaster = "Unknown"
            objects.shards[s].status!.masterAlias = nil
            for key in objects.shards[s].status!.tablets!.keys { objects.shards[s].status!.tablets![key]!.type = "" }
        }
        #expect(reason == "topology-unknown")
    }

    @Test("A released tablet whose old Pod is Terminating waits for it, and says so")
    func terminating() throws {
        let before = try Snapshot.inventory(Self.healthy)
        let target = try ReleaseRules.check(Self.replica, in: before, allowDowntime: false).get()
        let during = try Snapshot.inventory { objects in
            Self.healthy(&objects)
            let i = objects.pods.firstIndex { $0.metadata.name.contains("2548885007") }!
            objects.pods[i].metadata.deletionTimestamp = "2026-12-03T20:00:00Z"
            objects.pods[i].spec = .init(terminationGracePeriodSeconds: 1800, containers: [])
        }
        #expect(
            ReleaseRules.progress(of: target, in: during)
                == .waiting("the old Pod to terminate (Terminating since 2026-12-03T20:00:00Z; grace period 1800s)"))
    }

    @Test("A released primary is done only when a readable topology shows another primary")
    func primaryMovedNeedsTheTopology() throws {
        let primary = ReleaseRequest.tablet(TabletAlias("zone1-2469782763")!)
        let onlyPrimaryPending = try Snapshot.inventory { objects in
            Self.healthy(&objects)
            let i = objects.pods.firstIndex { $0.metadata.name.contains("2548885007") }!
            objects.pods[i].metadata.annotations = [:]
        }
        var target = try ReleaseRules.check(primary, in: onlyPrimaryPending, allowDowntime: true).get()
        target.podUID = "an older Pod"
        let outage = try Snapshot.inventory { objects in
            Self.healthy(&objects)
            for i in objects.pods.indices { objects.pods[i].metadata.annotations = [:] }
            let s = Self.commerce(objects)
            objects.shards[s].status!.hasMaster = "Unknown"
            objects.shards[s].status!.masterAlias = nil
        }
        #expect(
            ReleaseRules.progress(of: target, in: outage)
                == .waiting("the operator to read the topology again, to see the primary moved"))
    }

    @Test(
        "vttablet's flags choose how it tracks lag",
        arguments: [
            (["--enable_replication_reporter=true"], LagTracking.polling),
            (["--heartbeat_enable", "--enable_replication_reporter=true"], .heartbeat),
            (["-heartbeat-enable=true"], .heartbeat), (["--enable_replication_reporter=false"], .disabled),
            ([], .disabled),
        ])
    func lagTracking(arguments: [String], mode: LagTracking) {
        #expect(LagTracking(arguments: arguments) == mode)
    }
}
