import Foundation
import RolloutEngine
import Testing

@testable import VitessModel

/// The safety rules of `release`, on the example snapshot (Tests/VitessModelTests/Fixtures): shard
/// commerce/- has tablet 2548885007 released and draining, 0790125915 crash-looping, and primary
/// 2469782763; customer's keyspace is pending.
@Suite struct ReleaseRulesTests {
    static func refusal(
        _ request: ReleaseRequest, allowDowntime: Bool = false,
        _ edit: (inout ClusterObjects) -> Void = { _ in }
    ) throws -> String? {
        let inventory = try Snapshot.inventory(edit)
        if case .failure(let refusal) = ReleaseRules.check(request, in: inventory, allowDowntime: allowDowntime) {
            return refusal.reason
        }
        return nil
    }

    static func alias(_ text: String) -> TabletAlias { TabletAlias(text)! }

    @Test(arguments: [
        (ReleaseRequest.cell("zone9"), "not-found"),
        (.keyspace("commerce"), "nothing-pending"),
        (.shard(keyspace: "customer", shard: "-80"), "prerequisite-pending"),
        (.tablet(alias("zone1-1111111111")), "prerequisite-pending"),
        (.tablet(alias("zone1-2469782763")), "shard-busy"),
        (.deployment("example-zone1-vtgate-bc6cde92"), "nothing-pending"),
        (.tablet(alias("zone1-0790125915")), "nothing-pending"),
    ])
    func refusals(request: ReleaseRequest, reason: String) throws {
        #expect(try Self.refusal(request) == reason)
    }

    @Test func pendingObjectsAreReleasable() throws {
        let inventory = try Snapshot.inventory()
        let cell = try ReleaseRules.check(.cell("zone1"), in: inventory, allowDowntime: false).get()
        #expect(cell.objectKind == "VitessCell" && cell.objectName == "example-zone1-5abb61ae")
        let keyspace = try ReleaseRules.check(.keyspace("customer"), in: inventory, allowDowntime: false).get()
        #expect(keyspace.objectName == "example-customer-8b6e3b93")
        let vtctld = try ReleaseRules.check(
            .deployment("example-zone1-vtctld-1d4dcad0"), in: inventory, allowDowntime: false)
        #expect((try? vtctld.get()) != nil)
        // A released tablet is in flight: checking it again is fine (the patch is a no-op).
        let inFlight = try ReleaseRules.check(
            .tablet(Self.alias("zone1-2548885007")), in: inventory, allowDowntime: false
        ).get()
        #expect(inFlight.alreadyReleased && inFlight.podUID == "pod-2548885007")
    }

    @Test func anUnavailableTabletBlocksItsShard() throws {
        // Finish the in-flight release, so only the crash-looping tablet stands in the way.
        let reason = try Self.refusal(.tablet(Self.alias("zone1-2469782763"))) { objects in
            let i = objects.pods.firstIndex { $0.metadata.name.contains("2548885007") }!
            objects.pods[i].metadata.annotations = [:]
        }
        #expect(reason == "not-ready")
    }

    @Test func thePrimaryGoesLastAndNeedsACandidate() throws {
        func healthy(_ objects: inout ClusterObjects) {
            for i in objects.pods.indices where objects.pods[i].metadata.label(OperatorLabel.keyspace) == "commerce" {
                objects.pods[i].metadata.annotations =
                    objects.pods[i].metadata.name.contains("2469782763")
                    ? [RolloutAnnotation.scheduled: "spec: {}"] : [:]
                objects.pods[i].status = .init(phase: "Running", conditions: [.init(type: "Ready", status: "True")])
            }
            let s = objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
            for key in objects.shards[s].status!.tablets!.keys {
                objects.shards[s].status!.tablets![key]!.available = "True"
                objects.shards[s].status!.tablets![key]!.ready = "True"
            }
        }
        #expect(try Self.refusal(.tablet(Self.alias("zone1-2469782763")), healthy) == nil)
        let lone = try Self.refusal(.tablet(Self.alias("zone1-2469782763"))) { objects in
            healthy(&objects)
            let s = objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
            objects.shards[s].spec?.tabletPools = [.init(cell: "zone1", type: "replica", replicas: 1)]
        }
        #expect(lone == "primary-without-candidate")
        let allowed = try Self.refusal(.tablet(Self.alias("zone1-2469782763")), allowDowntime: true) { objects in
            healthy(&objects)
            let s = objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
            objects.shards[s].spec?.tabletPools = [.init(cell: "zone1", type: "replica", replicas: 1)]
        }
        #expect(allowed == nil)
        let notLast = try Self.refusal(.tablet(Self.alias("zone1-2469782763"))) { objects in
            healthy(&objects)
            let i = objects.pods.firstIndex { $0.metadata.name.contains("2548885007") }!
            objects.pods[i].metadata.annotations = [RolloutAnnotation.scheduled: "spec: {}"]
        }
        #expect(notLast == "primary-not-last")
    }

    @Test func etcdMembersOneAtATime() throws {
        let inventory = try Snapshot.inventory { objects in
            let i = objects.pods.firstIndex { $0.metadata.name == "example-etcd-faf13de3-3" }!
            objects.pods[i].metadata.annotations?[RolloutAnnotation.released] = ""
        }
        let result = ReleaseRules.check(.etcd("example-etcd-faf13de3-1"), in: inventory, allowDowntime: false)
        guard case .failure(let refusal) = result else { Issue.record("expected a refusal"); return }
        #expect(refusal.reason == "not-ready")
    }

    @Test func aTabletIsDoneOnlyWhenItsPodWasRecreatedAndIsAvailable() throws {
        let before = try Snapshot.inventory()
        let target = try ReleaseRules.check(.tablet(Self.alias("zone1-2548885007")), in: before, allowDowntime: false)
            .get()
        #expect(ReleaseRules.progress(of: target, in: before) == .waiting("the drain to finish"))
        func recreated(ready: Bool, available: Bool) throws -> Inventory {
            try Snapshot.inventory { objects in
                let i = objects.pods.firstIndex { $0.metadata.name.contains("2548885007") }!
                objects.pods[i].metadata.uid = "pod-2548885007-new"
                objects.pods[i].metadata.annotations = [:]
                objects.pods[i].status = .init(
                    phase: "Running", conditions: [.init(type: "Ready", status: ready ? "True" : "False")])
                let s = objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
                objects.shards[s].status!.tablets!["zone1-2548885007"]!.available = available ? "True" : "False"
            }
        }
        #expect(
            ReleaseRules.progress(of: target, in: try recreated(ready: false, available: false))
                == .waiting("the new Pod to become Ready"))
        #expect(
            ReleaseRules.progress(of: target, in: try recreated(ready: true, available: false))
                == .waiting("the tablet to become available (Ready for the availability window)"))
        #expect(ReleaseRules.progress(of: target, in: try recreated(ready: true, available: true)) == .done)
    }

    @Test func aCellIsDoneWhenItsVtgateHasRolledOut() throws {
        let before = try Snapshot.inventory()
        let target = try ReleaseRules.check(.cell("zone1"), in: before, allowDowntime: false).get()
        let applied = try Snapshot.inventory { objects in
            objects.cells[0].metadata.annotations = [:]
        }
        #expect(
            ReleaseRules.progress(of: target, in: applied)
                == .waiting("Deployment example-zone1-vtgate-bc6cde92 to roll out"))
        let rolled = try Snapshot.inventory { objects in
            objects.cells[0].metadata.annotations = [:]
            let d = objects.deployments.firstIndex { $0.metadata.name == "example-zone1-vtgate-bc6cde92" }!
            objects.deployments[d].status?.updatedReplicas = 2
        }
        #expect(ReleaseRules.progress(of: target, in: rolled) == .done)
    }
}
