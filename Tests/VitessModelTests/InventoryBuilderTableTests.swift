import Testing
import VitessModel

/// Table tests for `Inventory.build`: each case is a small set of fixture objects, in the shape
/// `kubectl get -o yaml` prints them, and the one fact the builder must derive from them.
@Suite struct InventoryBuilderTableTests {
    /// One shard `customer/-80` with three tablets in zone1, plus its keyspace and cluster. Every
    /// field a case varies is a parameter; the rest is what a settled External cluster looks like.
    struct Fixture: Sendable {
        var clusterGeneration = "generation: 2"
        var clusterStatus = "status: {observedGeneration: 2}"
        var keyspaceAnnotations = "{}"
        var keyspaceGeneration = "generation: 1"
        var keyspaceStatus = "status: {observedGeneration: 1}"
        var shardAnnotations = "{}"
        var shardGeneration = "generation: 3"
        var shardStatusHead = "observedGeneration: 3\n    lowestPodGeneration: 3"
        var masterAlias = "zone1-0000000101"
        /// `status.tablets` types by UID (101, 102, 103); nil leaves the tablet out of shard status.
        var statusTypes: [String?] = ["primary", "replica", "rdonly"]
        /// `planetscale.com/tablet-type` labels by UID: the pool, which is not the role.
        var poolLabels = ["replica", "replica", "rdonly"]
        /// Pod annotations by UID, as a YAML flow mapping.
        var podAnnotations = ["{}", "{}", "{}"]

        var yaml: String {
            var items = [
                """
                - apiVersion: planetscale.com/v2
                  kind: VitessCluster
                  metadata: {name: example, namespace: example, uid: vt-uid, \(clusterGeneration)}
                  spec: {updateStrategy: {type: External}}
                  \(clusterStatus)
                """,
                """
                - apiVersion: planetscale.com/v2
                  kind: VitessKeyspace
                  metadata:
                    name: example-customer-8b6e3b93
                    namespace: example
                    \(keyspaceGeneration)
                    labels: {planetscale.com/cluster: example, planetscale.com/keyspace: customer}
                    annotations: \(keyspaceAnnotations)
                  spec: {name: customer}
                  \(keyspaceStatus)
                """,
            ]
            let uids = [101, 102, 103]
            let tablets = zip(uids, statusTypes).compactMap { uid, type in
                type.map {
                    "      zone1-0000000\(uid): {poolType: replica, ready: 'True', available: 'True', type: \($0)}"
                }
            }
            items.append(
                """
                - apiVersion: planetscale.com/v2
                  kind: VitessShard
                  metadata:
                    name: example-customer-x-80-2c6a1b4f
                    namespace: example
                    \(shardGeneration)
                    labels: {planetscale.com/cluster: example, planetscale.com/keyspace: customer, planetscale.com/shard: x-80}
                    annotations: \(shardAnnotations)
                  spec:
                    name: "-80"
                    keyRange: {end: "80"}
                    tabletPools: [{cell: zone1, type: replica, replicas: 2}, {cell: zone1, type: rdonly, replicas: 1}]
                  status:
                    \(shardStatusHead)
                    masterAlias: \(masterAlias)
                    servingWrites: 'True'
                    tablets:
                \(tablets.isEmpty ? "      {}" : tablets.joined(separator: "\n"))
                """)
            for (index, uid) in uids.enumerated() {
                items.append(
                    """
                    - apiVersion: v1
                      kind: Pod
                      metadata:
                        name: example-vttablet-zone1-0000000\(uid)-abcdef0\(index)
                        namespace: example
                        uid: pod-\(uid)
                        labels:
                          planetscale.com/cluster: example
                          planetscale.com/component: vttablet
                          planetscale.com/cell: zone1
                          planetscale.com/keyspace: customer
                          planetscale.com/shard: x-80
                          planetscale.com/tablet-uid: "\(uid)"
                          planetscale.com/tablet-type: \(poolLabels[index])
                        annotations: \(podAnnotations[index])
                      status: {conditions: [{type: Ready, status: 'True'}]}
                    """)
            }
            return "apiVersion: v1\nkind: List\nitems:\n" + items.joined(separator: "\n") + "\n"
        }

        func inventory() throws -> Inventory {
            try Inventory.build(cluster: "example", namespace: "example", from: ClusterSnapshot.parse(yaml)).get()
        }
    }

    /// A named case: the fixture and the expected value of one derived fact.
    struct Case<Value: Sendable & Equatable>: Sendable, CustomTestStringConvertible {
        let name: String
        let fixture: Fixture
        let expected: Value
        var testDescription: String { name }

        init(_ name: String, _ expected: Value, _ edit: (inout Fixture) -> Void = { _ in }) {
            self.name = name
            self.expected = expected
            var fixture = Fixture()
            edit(&fixture)
            self.fixture = fixture
        }
    }

    static let roleCases: [Case<[TabletRole]>] = [
        Case("masterAlias makes a replica-pool tablet the primary", [TabletRole.primary, .replica, .rdonly]),
        Case("after a reparent the label still says replica; status decides", [.replica, .primary, .rdonly]) {
            $0.masterAlias = "zone1-0000000102"
            $0.statusTypes = ["replica", "primary", "rdonly"]
        },
        Case("masterAlias wins over a stale 'replica' type in tablet status", [.replica, .primary, .rdonly]) {
            $0.masterAlias = "zone1-0000000102"
            $0.statusTypes = ["replica", "replica", "rdonly"]
        },
        Case("the pre-v14 word 'master' is the primary", [.primary, .replica, .rdonly]) {
            $0.statusTypes = ["master", "replica", "rdonly"]
        },
        Case("a Pod labelled rdonly serving as replica is a replica", [.primary, .replica, .replica]) {
            $0.statusTypes = ["primary", "replica", "replica"]
        },
        Case("a tablet missing from shard status has no known role", [.primary, .replica, .other]) {
            $0.statusTypes = ["primary", "replica", nil]
        },
        Case("a topology type the tool does not know (drained) is other", [.primary, .other, .rdonly]) {
            $0.statusTypes = ["primary", "drained", "rdonly"]
        },
    ]

    @Test(arguments: roleCases)
    func roleComesFromShardStatusNotLabels(_ test: Case<[TabletRole]>) throws {
        let inventory = try test.fixture.inventory()
        #expect(inventory.tablets.map(\.role) == test.expected)
        // The pool stays what the label says, whatever the role.
        #expect(inventory.tablets.map(\.pool?.rawValue) == test.fixture.poolLabels)
    }

    static let drainCases: [Case<DrainState>] = [
        Case("no drain annotations", DrainState.none),
        Case("started only", .started) {
            $0.podAnnotations[1] = "{drain.planetscale.com/started: rolling update}"
        },
        Case("acknowledged", .acknowledged) {
            $0.podAnnotations[1] =
                "{drain.planetscale.com/started: rolling update, drain.planetscale.com/acknowledged: '2025-01-01T00:00:00Z'}"
        },
        Case("finished", .finished) {
            $0.podAnnotations[1] =
                "{drain.planetscale.com/started: x, drain.planetscale.com/acknowledged: t, drain.planetscale.com/finished: t}"
        },
        Case("finished wins even without acknowledged", .finished) {
            $0.podAnnotations[1] = "{drain.planetscale.com/finished: t}"
        },
        Case("supported alone is not a drain", .none) {
            $0.podAnnotations[1] = "{drain.planetscale.com/supported: ensure that the tablet is drained}"
        },
    ]

    @Test(arguments: drainCases)
    func drainState(_ test: Case<DrainState>) throws {
        let tablets = try test.fixture.inventory().tablets
        #expect(tablets[1].drain == test.expected)
        #expect(tablets[0].drain == .none && tablets[2].drain == .none)
    }

    /// Markers of the keyspace, the shard and the second tablet, in that order.
    static let markerCases: [Case<[RolloutMarks]>] = [
        Case("nothing anywhere", [RolloutMarks(), RolloutMarks(), RolloutMarks()]),
        Case(
            "scheduled with an empty diff is still pending",
            [RolloutMarks(scheduled: ""), RolloutMarks(), RolloutMarks()]
        ) {
            $0.keyspaceAnnotations = "{rollout.planetscale.com/scheduled: ''}"
        },
        Case(
            "scheduled and released on the keyspace",
            [RolloutMarks(scheduled: "spec:\n  x: 1\n", released: true), RolloutMarks(), RolloutMarks()]
        ) {
            $0.keyspaceAnnotations =
                "{rollout.planetscale.com/scheduled: \"spec:\\n  x: 1\\n\", rollout.planetscale.com/released: ''}"
        },
        Case("cascade on the shard", [RolloutMarks(), RolloutMarks(cascade: true), RolloutMarks()]) {
            $0.shardAnnotations = "{rollout.planetscale.com/cascade: 'true'}"
        },
        Case(
            "released is read by presence, whatever its value",
            [RolloutMarks(), RolloutMarks(), RolloutMarks(released: true)]
        ) {
            $0.podAnnotations[1] = "{rollout.planetscale.com/released: 'false'}"
        },
        Case(
            "a tablet scheduled and released, the shard cascading",
            [RolloutMarks(), RolloutMarks(cascade: true), RolloutMarks(scheduled: "image", released: true)]
        ) {
            $0.shardAnnotations = "{rollout.planetscale.com/cascade: ''}"
            $0.podAnnotations[1] = "{rollout.planetscale.com/scheduled: image, rollout.planetscale.com/released: ''}"
        },
    ]

    @Test(arguments: markerCases)
    func releasedAndCascadeMarkers(_ test: Case<[RolloutMarks]>) throws {
        let inventory = try test.fixture.inventory()
        let keyspace = try #require(inventory.keyspaces.first)
        let shard = try #require(keyspace.shards.first)
        #expect([keyspace.marks, shard.marks, shard.tablets[1].marks] == test.expected)
    }

    /// Lag of the cluster, the keyspace and the shard, and the shard's lowest Pod generation.
    struct Lag: Sendable, Equatable {
        var cluster = false
        var keyspace = false
        var shard = false
        var lowestPodGeneration: Int64? = 3
    }

    static let lagCases: [Case<Lag>] = [
        Case("everything observed", Lag()),
        Case("the operator has not seen the VitessCluster edit", Lag(cluster: true)) {
            $0.clusterGeneration = "generation: 3"
        },
        Case("a VitessCluster with no status yet lags", Lag(cluster: true)) {
            $0.clusterStatus = ""
        },
        Case("a keyspace just released: generation bumped, not observed", Lag(keyspace: true)) {
            $0.keyspaceGeneration = "generation: 2"
        },
        Case("no generation at all is not lag", Lag()) {
            $0.keyspaceGeneration = ""
            $0.keyspaceStatus = ""
        },
        Case("a shard observed but its Pods not yet", Lag(lowestPodGeneration: 2)) {
            $0.shardStatusHead = "observedGeneration: 3\n    lowestPodGeneration: 2"
        },
        Case("a shard not observed", Lag(shard: true, lowestPodGeneration: 2)) {
            $0.shardGeneration = "generation: 4"
            $0.shardStatusHead = "observedGeneration: 3\n    lowestPodGeneration: 2"
        },
    ]

    @Test(arguments: lagCases)
    func generationLag(_ test: Case<Lag>) throws {
        let inventory = try test.fixture.inventory()
        let keyspace = try #require(inventory.keyspaces.first)
        let shard = try #require(keyspace.shards.first)
        let lag = Lag(
            cluster: inventory.cluster.generation.isLagging, keyspace: keyspace.generation.isLagging,
            shard: shard.generation.isLagging, lowestPodGeneration: shard.lowestPodGeneration)
        #expect(lag == test.expected)
    }
}
