import Foundation
import Testing
import VitessModel

@Suite struct InventoryTests {
    static let snapshotURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/example-snapshot.yaml")

    static func inventory() throws -> Inventory {
        let objects = try ClusterSnapshot.parse(try String(contentsOf: snapshotURL, encoding: .utf8))
        return try Inventory.build(cluster: "example", namespace: "example", from: objects).get()
    }

    @Test func snapshotDecodesEverySupportedKindAndSkipsTheRest() throws {
        let objects = try ClusterSnapshot.parse(try String(contentsOf: Self.snapshotURL, encoding: .utf8))
        #expect(objects.clusters.count == 2)
        #expect(objects.cells.count == 1)
        #expect(objects.keyspaces.count == 2)
        #expect(objects.shards.count == 3)
        #expect(objects.pods.count == 11)
        #expect(objects.deployments.count == 3)
        #expect(objects.events.count == 1)
    }

    @Test func clusterLevelFacts() throws {
        let inventory = try Self.inventory()
        #expect(inventory.cluster.updateStrategy == .external)
        #expect(inventory.cluster.uid == "3f1c0a2e-0000-4000-8000-00000000c1a5")
        #expect(!inventory.cluster.generation.isLagging)
        #expect(inventory.cells.map(\.name) == ["zone1"])
        #expect(inventory.cells.first?.marks.scheduled?.contains("vitess/lite:v18.0.0") == true)
        #expect(inventory.keyspaces.map(\.name) == ["commerce", "customer"])
        #expect(inventory.keyspaces.map(\.marks.isPending) == [false, true])
    }

    @Test func shardsSortByKeyRangeAndCountMasterEligibleTablets() throws {
        let inventory = try Self.inventory()
        let customer = try #require(inventory.keyspaces.first { $0.name == "customer" })
        #expect(customer.shards.map(\.name) == ["-80", "80-"])
        let commerce = try #require(inventory.keyspaces.first { $0.name == "commerce" }?.shards.first)
        #expect(commerce.name == "-")
        #expect(commerce.id == "commerce/-")
        #expect(commerce.masterEligibleCount == 3)
        #expect(customer.shards.first?.masterEligibleCount == 3)
        #expect(commerce.servingWrites)
        #expect(commerce.lowestPodGeneration == 5)
    }

    @Test func tabletRolesComeFromShardStatusNotLabels() throws {
        let inventory = try Self.inventory()
        let shard = try #require(inventory.shards.first { $0.keyspace == "commerce" })
        #expect(shard.primary?.description == "zone1-2469782763")
        let roles = Dictionary(uniqueKeysWithValues: shard.tablets.map { ($0.alias.description, $0.role) })
        #expect(roles == ["zone1-2548885007": .replica, "zone1-2469782763": .primary, "zone1-0790125915": .replica])
    }

    @Test func podsJoinStatusEvenWhenTheUIDLabelIsNotPadded() throws {
        let inventory = try Self.inventory()
        let shard = try #require(inventory.shards.first { $0.keyspace == "commerce" })
        let unpadded = try #require(shard.tablets.first { $0.alias.uid == 790_125_915 })
        #expect(
            unpadded.podName
                == "example-vttablet-zone1-0790125915-\(String(790_125_915 &* 2_654_435_761 % (1 << 32), radix: 16).leftPadded(8))"
        )
        #expect(!unpadded.ready)
        #expect(unpadded.waitingReason == "CrashLoopBackOff")
        #expect(!unpadded.marks.isPending)
    }

    @Test func rolloutMarksAndDrainState() throws {
        let inventory = try Self.inventory()
        let shard = try #require(inventory.shards.first { $0.keyspace == "commerce" })
        let draining = try #require(shard.tablets.first { $0.alias.uid == 2_548_885_007 })
        #expect(draining.marks.isPending && draining.marks.released)
        #expect(draining.drain == .acknowledged)
        #expect(draining.podUID == "pod-2548885007")
        #expect(draining.available)
        let primary = try #require(shard.tablets.first { $0.isPrimary })
        #expect(primary.marks.isPending && !primary.marks.released && primary.drain == .none)
    }

    @Test func deploymentsAndEtcdMembers() throws {
        let inventory = try Self.inventory()
        let byComponent = Dictionary(grouping: inventory.deployments, by: \.component)
        #expect(byComponent["vtctld"]?.first?.marks.isPending == true)
        #expect(byComponent["vtgate"]?.first?.rolledOut == false)  // 1 of 2 replicas updated
        #expect(byComponent["vtorc"]?.first?.rolledOut == true)
        #expect(byComponent["vtorc"]?.first?.shardLabel == "x-x")
        #expect(inventory.etcdMembers.map(\.index) == [1, 2, 3])
        #expect(inventory.etcdMembers.map(\.marks.isPending) == [true, false, true])
    }

    @Test func warningsAreKeptForTheClustersObjects() throws {
        let inventory = try Self.inventory()
        #expect(inventory.warnings.map(\.reason) == ["DrainBlocked"])
    }

    @Test func unknownClusterNamesWhatExists() throws {
        let objects = try ClusterSnapshot.parse(try String(contentsOf: Self.snapshotURL, encoding: .utf8))
        let result = Inventory.build(cluster: "exampel", namespace: "example", from: objects)
        #expect(
            throws: InventoryError.clusterNotFound(
                name: "exampel", namespace: "example", available: ["example", "other"])
        ) {
            try result.get()
        }
        #expect(
            InventoryError.clusterNotFound(name: "x", namespace: "ns", available: []).description
                == "VitessCluster 'x' in namespace 'ns' not found (no VitessCluster exists there)")
    }

    @Test(arguments: [
        ("not: [valid", "not valid YAML"),
        ("kind: Pod\nmetadata: {labels: {}}\n", "missing 'metadata.name'"),
        ("kind: List\nitems:\n- kind: VitessShard\n  metadata: {name: s, generation: lots}\n", "'metadata.generation'"),
    ])
    func badSnapshotsSayWhatIsWrong(text: String, fragment: String) {
        do {
            _ = try ClusterSnapshot.parse(text)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }

    @Test func updateStrategyDefaultsToExternal() {
        #expect(UpdateStrategy(nil) == .external)
        #expect(UpdateStrategy("Immediate") == .immediate)
        #expect(UpdateStrategy("Weird") == .other("Weird"))
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
