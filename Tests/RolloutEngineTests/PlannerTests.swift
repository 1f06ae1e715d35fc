import Foundation
import RolloutPlan
import Testing

@testable import RolloutEngine
@testable import VitessModel

/// Compiles plans against the upgrade snapshot (Fixtures/upgrade-snapshot.yaml): a 2-cell cluster
/// with commerce (unsharded) and customer (4 shards), 4 tablets per shard, just after a v17 -> v18
/// image change (both keyspaces, both cells and vtctld pending).
enum Upgrade {
    static func objects() throws -> ClusterObjects {
        let url = Snapshot.root.appendingPathComponent("Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml")
        return try ClusterSnapshot.parse(try String(contentsOf: url, encoding: .utf8))
    }

    static func inventory(_ edit: (inout ClusterObjects) -> Void = { _ in }) throws -> Inventory {
        var objects = try objects()
        edit(&objects)
        return try Inventory.build(cluster: "example", namespace: "example", from: objects).get()
    }

    static func plan(_ text: String) throws -> Plan {
        let parsed = PlanParser.parse(text)
        return try #require(parsed.plan, "\(parsed.diagnostics.map(\.message))")
    }

    static func examplePlan(_ name: String) throws -> Plan {
        try plan(try String(contentsOf: Snapshot.root.appendingPathComponent("plans/\(name)"), encoding: .utf8))
    }

    static let header = """
        apiVersion: vtop-rollout/v1
        kind: RolloutPlan
        metadata: {name: t}
        spec:
          cluster: example
          namespace: example

        """
}

@Suite struct PlannerTests {
    @Test(arguments: [
        ("upgrade-vttablet-canary.yaml", [String]()),
        ("vtgate-after-tablets.yaml", []),
        ("per-cell-waves.yaml", ["live.uncovered-change"]),
        ("control-plane-deployments.yaml", ["live.uncovered-change"]),
        ("customer-config-change.yaml", ["live.expect-failed", "live.uncovered-change"]),
        (
            "etcd-one-at-a-time.yaml",
            ["live.expect-matches-nothing", "live.selector-matches-nothing", "live.uncovered-change"]
        ),
    ])
    func examplePlansCompileWithTheExpectedFindings(name: String, ids: [String]) throws {
        let result = Planner.compile(try Upgrade.examplePlan(name), against: try Upgrade.inventory())
        #expect(Set(result.diagnostics.map(\.id.rawValue)) == Set(ids))
        #expect((result.graph == nil) == result.diagnostics.hasErrors)
        if let graph = result.graph { Self.checkInvariants(graph) }
    }

    /// Structural rules every compiled graph obeys.
    static func checkInvariants(_ graph: StepGraph) {
        var seen = Set<String>()
        for step in graph.steps {
            #expect(!seen.contains(step.id), "duplicate step \(step.id)")
            for dep in step.dependsOn { #expect(seen.contains(dep), "\(step.id) depends on later step \(dep)") }
            seen.insert(step.id)
        }
        // Within a stage, each shard's tablets form one chain that ends with the primary.
        var lastInShard: [String: (id: String, primary: Bool)] = [:]
        for step in graph.steps {
            guard case .releaseTablet(_, let keyspace, let shard, _, let primary) = step.kind else { continue }
            let key = "\(step.stage) \(keyspace)/\(shard)"
            if let previous = lastInShard[key] {
                #expect(step.dependsOn == [previous.id], "\(step.id) is not chained after \(previous.id)")
                #expect(!previous.primary, "the primary \(previous.id) is not last in \(key)")
            }
            lastInShard[key] = (step.id, primary)
            #expect(step.resources.contains("shard:\(keyspace)/\(shard)"))
            #expect(graph.capacities["shard:\(keyspace)/\(shard)"] == 1)
        }
    }

    @Test func canaryTakesOneRdonlyTabletAndLaterStagesSkipIt() throws {
        let graph = try #require(
            Planner.compile(
                try Upgrade.examplePlan("upgrade-vttablet-canary.yaml"),
                against: try Upgrade.inventory()
            ).graph)
        let canary = graph.steps.filter { $0.stage == "canary" }.map(\.id)
        #expect(
            canary == [
                "keyspace/customer", "shard/customer/-40", "tablet/zone1-0000000107", "soak/canary", "stage/canary",
            ])
        #expect(graph.steps.filter { $0.id == "tablet/zone1-0000000107" }.count == 1)
        let tablets = graph.steps.filter {
            if case .releaseTablet = $0.kind { return true }; return false
        }
        #expect(tablets.count == 20)
    }

    @Test func prerequisitesAreSharedAndWaitForTheStagesEntry() throws {
        let graph = try #require(
            Planner.compile(
                try Upgrade.examplePlan("upgrade-vttablet-canary.yaml"),
                against: try Upgrade.inventory()
            ).graph)
        #expect(graph.steps.filter { $0.id == "keyspace/customer" }.count == 1)
        let shard = try #require(graph.step("shard/customer/40-80"))
        #expect(shard.stage == "all-tablets")
        #expect(Set(shard.dependsOn) == ["stage/approve-canary", "keyspace/customer"])
    }

    @Test func theCriticalPathIsTheLongestChainOfEstimates() throws {
        let result = Planner.compile(
            try Upgrade.examplePlan("upgrade-vttablet-canary.yaml"), against: try Upgrade.inventory())
        let estimate = try #require(result.estimate)
        // Dependencies alone: canary 10s + 10s + 2m + soak 10m; four tablets of a shard at 2m; vtorc 1m;
        // vtgate 1m. The limits add to that: customer's primaries 2m apart (the first at 16m20s, so the
        // stage ends no earlier than 24m20s), seven Deployments two at a time (3m30s), two cells one
        // at a time (2m).
        #expect(estimate.longestChain.description == "22m40s")
        #expect(estimate.lowerBound.description == "29m50s")
        #expect(estimate.binding == "pacing:primaries:customer, resource:stage:control-plane, resource:stage:vtgate")
        #expect(estimate.chain.first == "keyspace/customer")
    }

    @Test func aStageConcurrencyLimitCanSetTheBound() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: tablets, release: tablets, maxConcurrent: {total: 1}}
                """)
        let estimate = try #require(Planner.compile(plan, against: try Upgrade.inventory()).estimate)
        #expect(estimate.binding == "resource:stage:tablets")
        #expect(estimate.lowerBound.description == "40m20s")  // 10s + 10s, then 20 tablets x 2m, one at a time
    }

    @Test func primarySwitchoverPacingCanSetTheBound() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: replicas, release: tablets, select: {keyspace: customer, role: [rdonly, replica]}}
                    - {name: primaries, release: tablets, select: {keyspace: customer, role: primary}, primarySwitchoverInterval: 30m}
                """)
        let result = Planner.compile(plan, against: try Upgrade.inventory())
        let estimate = try #require(result.estimate)
        #expect(estimate.binding == "pacing:primaries:customer")
        // 10s + 10s, three non-primary tablets per shard (6m), then 3 x 30m + 2m between primaries.
        #expect(estimate.lowerBound.description == "1h38m20s")
    }

    @Test func aPrimaryOnlySelectorErrors() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + "  stages: [{name: primaries, release: tablets, select: {role: primary}}]\n")
        let result = Planner.compile(plan, against: try Upgrade.inventory())
        #expect(result.graph == nil)
        let errors = result.diagnostics.filter { $0.id == .livePrimaryNotLast }
        #expect(errors.count == 5)
        #expect(errors.first?.message.contains("has a pending change that no stage releases") == true)
    }

    @Test func primaryBeforeAnotherStagesReplicasIsRejected() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: zone1, release: tablets, select: {cell: zone1}}
                    - {name: zone2, release: tablets, select: {cell: zone2}}
                """)
        let result = Planner.compile(plan, against: try Upgrade.inventory())
        #expect(result.graph == nil)
        let errors = result.diagnostics.filter { $0.id == .livePrimaryNotLast }
        #expect(errors.count == 5)
        #expect(errors.first?.position == SourcePosition(line: 8, column: 47))
    }

    @Test func parallelStagesCannotSplitAShardAroundItsPrimary() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: primaries, release: tablets, select: {keyspace: commerce, role: primary}}
                    - {name: replicas, dependsOn: [], release: tablets, select: {keyspace: commerce}}
                """)
        let ids = Planner.compile(plan, against: try Upgrade.inventory()).diagnostics.map(\.id)
        #expect(ids.contains(.livePrimaryNotLast))
    }

    @Test func aPrimaryWithoutCandidateNeedsAllowDowntime() throws {
        let inventory = try Upgrade.inventory { objects in
            let i = objects.shards.firstIndex { $0.metadata.label(OperatorLabel.keyspace) == "commerce" }!
            objects.shards[i].spec?.tabletPools = [
                .init(cell: "zone1", type: "replica", replicas: 1),
                .init(cell: "zone1", type: "rdonly", replicas: 3),
            ]
        }
        let plan = try Upgrade.plan(
            Upgrade.header + "  stages: [{name: commerce, release: tablets, select: {keyspace: commerce}}]\n")
        let refused = Planner.compile(plan, against: inventory)
        #expect(refused.graph == nil)
        #expect(refused.diagnostics.map(\.id).contains(.livePrimaryWithoutCandidate))
        let allowed = Planner.compile(plan, against: inventory, options: PlannerOptions(allowDowntime: true))
        #expect(allowed.graph != nil)
        #expect(allowed.diagnostics.first { $0.id == .livePrimaryWithoutCandidate }?.severity == .warning)
    }

    @Test func unknownNamesAreLocatedWithSuggestions() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: a, release: tablets, select: {keyspace: comerce, shard: "-50", cell: zone3, tablet: zone1-0000000999}}
                """)
        let result = Planner.compile(plan, against: try Upgrade.inventory())
        let keyspace = try #require(result.diagnostics.first { $0.id == .liveUnknownKeyspace })
        #expect(keyspace.suggestion == "commerce")
        #expect(keyspace.position == SourcePosition(line: 8, column: 54))
        #expect(result.diagnostics.contains { $0.id == .liveUnknownShard })
        #expect(result.diagnostics.contains { $0.id == .liveUnknownCell && $0.suggestion == "zone1" })
        #expect(result.diagnostics.contains { $0.id == .liveUnknownTablet })
    }

    @Test func theClusterMustBeExternal() throws {
        let inventory = try Upgrade.inventory { $0.clusters[0].spec = .init(updateStrategy: .init(type: "Immediate")) }
        let plan = try Upgrade.plan(Upgrade.header + "  stages: [{name: a, release: cells}]\n")
        let result = Planner.compile(plan, against: inventory)
        let error = try #require(result.diagnostics.first { $0.id == .liveNotExternal })
        #expect(error.position == SourcePosition(line: 5, column: 12))
        #expect(result.graph == nil)
    }

    @Test func etcdMembersAreChainedOneAtATime() throws {
        let inventory = try Upgrade.inventory { objects in
            for i in objects.pods.indices where objects.pods[i].metadata.name.hasPrefix("example-etcd") {
                objects.pods[i].metadata.annotations = [
                    RolloutAnnotation.scheduled: "spec:\n  containers:\n  - image: etcd:v3.5.17\n"
                ]
            }
        }
        let graph = try #require(
            Planner.compile(try Upgrade.examplePlan("etcd-one-at-a-time.yaml"), against: inventory).graph)
        let etcd = graph.steps.filter {
            if case .releaseEtcdMember = $0.kind { return true }; return false
        }
        #expect(etcd.map(\.id) == (1...3).map { "etcd/example-etcd-faf13de3-\($0)" })
        #expect(etcd[1].dependsOn == [etcd[0].id] && etcd[2].dependsOn == [etcd[1].id])
        #expect(graph.capacities["etcd"] == 1)
    }

    @Test func shardsStageReleasesShardsThatWillBePending() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + "  stages: [{name: s, release: shards, select: {keyspace: customer, keyRange: \"-80\"}}]\n"
        )
        let graph = try #require(Planner.compile(plan, against: try Upgrade.inventory()).graph)
        #expect(
            graph.steps.map(\.id) == ["keyspace/customer", "shard/customer/-40", "shard/customer/40-80", "stage/s"])
    }

    @Test func theHashIsDeterministicAndFollowsThePlan() throws {
        let inventory = try Upgrade.inventory()
        let plan = try Upgrade.examplePlan("upgrade-vttablet-canary.yaml")
        let a = try #require(Planner.compile(plan, against: inventory).graph)
        let b = try #require(Planner.compile(plan, against: inventory).graph)
        #expect(a.hash == b.hash)
        var faster = plan
        if case .release(var release) = faster.stages[2].body {
            release.maxConcurrent.shards = 2
            faster.stages[2].body = .release(release)
        }
        #expect(try #require(Planner.compile(faster, against: inventory).graph).hash != a.hash)
    }

    @Test func renderingsMatchTheGoldenFiles() throws {
        let result = Planner.compile(
            try Upgrade.examplePlan("vtgate-after-tablets.yaml"), against: try Upgrade.inventory())
        let graph = try #require(result.graph)
        let estimate = try #require(result.estimate)
        #expect(
            try Snapshot.matchesGolden(GraphRenderer.text(graph, estimate: estimate), "show-vtgate-after-tablets.txt"))
        #expect(try Snapshot.matchesGolden(GraphRenderer.dot(graph), "show-vtgate-after-tablets.dot"))
        #expect(try Snapshot.matchesGolden(GraphRenderer.mermaid(graph), "show-vtgate-after-tablets.mmd"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(GraphReport(graph, estimate: estimate)), as: UTF8.self) + "\n"
        #expect(try Snapshot.matchesGolden(json, "show-vtgate-after-tablets.json"))
    }

    @Test func mermaidCollapsesEachShardChainWhenThePlanIsLarge() throws {
        let result = Planner.compile(
            try Upgrade.examplePlan("upgrade-vttablet-canary.yaml"), against: try Upgrade.inventory())
        let graph = try #require(result.graph)
        let full = GraphRenderer.mermaid(graph)
        let collapsed = GraphRenderer.mermaid(graph, collapseAbove: 5)
        #expect(full.contains("zone1-0000000105 (primary)"))
        #expect(collapsed.contains("[\"customer/-40: 3 tablets, primary last\"]"))
        #expect(!collapsed.contains("zone1-0000000105"))
        let nodes = { (text: String) in text.split(separator: "\n").filter { $0.hasPrefix("    n") }.count }
        #expect(nodes(collapsed) == nodes(full) - 20 + 6)  // 20 tablets become 6 stage-and-shard groups
        // No edge loops back to its own group.
        for line in collapsed.split(separator: "\n") where line.contains("-->") {
            let parts = line.split(separator: " ").filter { $0 != "-->" }
            #expect(parts.count == 2 && parts[0] != parts[1])
        }
    }

    @Test(arguments: [("10%", 2), ("25%", 5), ("100%", 20), ("1%", 1), ("3", 3)])
    func limitPercentagesRoundUpOverTheSelectedTablets(limit: String, tablets: Int) throws {
        let plan = try Upgrade.plan(
            Upgrade.header + "  stages: [{name: some, release: tablets, select: {limit: \(limit)}}]\n")
        // The stage leaves the rest pending, which is only a warning here.
        let graph = try #require(Planner.compile(plan, against: try Upgrade.inventory()).graph)
        #expect(graph.steps.filter(\.isTablet).count == tablets)
    }

    @Test func aMultiKeyspacePlanSharesNothingBetweenKeyspaces() throws {
        let plan = try Upgrade.plan(
            Upgrade.header + """
                  stages:
                    - {name: commerce, release: tablets, select: {keyspace: commerce}}
                    - {name: customer, release: tablets, select: {keyspace: customer}, maxConcurrent: {shards: 2}}
                """)
        let graph = try #require(Planner.compile(plan, against: try Upgrade.inventory()).graph)
        #expect(graph.steps.filter { $0.stage == "commerce" && $0.isTablet }.count == 4)
        #expect(graph.steps.filter { $0.stage == "customer" && $0.isTablet }.count == 16)
        #expect(graph.step("keyspace/customer")?.stage == "customer")
        #expect(graph.step("keyspace/customer")?.dependsOn == ["stage/commerce"])
        #expect(graph.capacities["stage-shards:customer"] == 2)
    }
}
