import RolloutPlan
import Testing

@testable import RolloutEngine
@testable import VitessModel

/// Random inventories and plans: whatever compiles is a DAG in topological order, releases every
/// selected pending tablet exactly once, and never lets two tablets of a shard run at once.
@Suite struct PlannerPropertyTests {
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D1_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let cells = ["zone1", "zone2", "zone3"]
    static let ranges = ["-", "-80", "80-", "-40", "40-80", "80-c0", "c0-"]

    static func inventory(_ rng: inout SplitMix64) -> Inventory {
        var uid: UInt32 = 1
        var keyspaces: [KeyspaceInfo] = []
        for k in 0..<Int.random(in: 1...3, using: &rng) {
            let name = "ks\(k)"
            let keyspacePending = Bool.random(using: &rng)
            let shardNames = Bool.random(using: &rng) ? ["-"] : ["-80", "80-"]
            var shards: [ShardInfo] = []
            for shardName in shardNames {
                var tablets: [TabletInfo] = []
                let count = Int.random(in: 1...5, using: &rng)
                for t in 0..<count {
                    let pool: TabletPoolType = t == 0 || Bool.random(using: &rng) ? .replica : .rdonly
                    tablets.append(
                        TabletInfo(
                            alias: TabletAlias(cell: cells.randomElement(using: &rng)!, uid: uid), keyspace: name,
                            shard: shardName, pool: pool,
                            role: t == 0 ? .primary : (pool == .replica ? .replica : .rdonly),
                            podName: "pod-\(uid)", podUID: "u\(uid)", ready: true, available: true,
                            marks: RolloutMarks(scheduled: Bool.random(using: &rng) ? "x" : nil), drain: .none,
                            waitingReason: nil))
                    uid += 1
                }
                let eligible = tablets.filter { $0.pool == .replica }.count
                shards.append(
                    ShardInfo(
                        keyspace: name, name: shardName, keyRange: KeyRange(shardName),
                        objectName: "\(name)-\(shardName)",
                        marks: RolloutMarks(scheduled: Bool.random(using: &rng) ? "x" : nil),
                        generation: GenerationState(),
                        lowestPodGeneration: nil, primary: tablets.first?.alias, servingWrites: true,
                        masterEligibleCount: max(2, eligible), tablets: tablets))
            }
            keyspaces.append(
                KeyspaceInfo(
                    name: name, objectName: "obj-\(name)", marks: RolloutMarks(scheduled: keyspacePending ? "x" : nil),
                    generation: GenerationState(), shards: shards))
        }
        return Inventory(
            cluster: ClusterInfo(
                name: "example", namespace: "example", uid: "u", updateStrategy: .external,
                generation: GenerationState()),
            cells: [], keyspaces: keyspaces, deployments: [], etcdMembers: [], warnings: [])
    }

    static func plan(_ rng: inout SplitMix64) -> String {
        var text =
            "apiVersion: vtop-rollout/v1\nkind: RolloutPlan\nmetadata: {name: p}\nspec:\n  cluster: example\n  stages:\n"
        for s in 0..<Int.random(in: 1...4, using: &rng) {
            var select: [String] = []
            if Bool.random(using: &rng) { select.append("cell: \(cells.randomElement(using: &rng)!)") }
            if Bool.random(using: &rng) { select.append("keyspace: ks\(Int.random(in: 0...2, using: &rng))") }
            if Int.random(in: 0..<4, using: &rng) == 0 { select.append("role: [rdonly, replica]") }
            if Int.random(in: 0..<4, using: &rng) == 0 {
                select.append("limit: \(Int.random(in: 1...60, using: &rng))%")
            }
            if Int.random(in: 0..<5, using: &rng) == 0 {
                select.append("keyRange: \"\(ranges.randomElement(using: &rng)!)\"")
            }
            let depends = s > 0 && Bool.random(using: &rng) ? ", dependsOn: []" : ""
            let shards =
                Bool.random(using: &rng) ? ", maxConcurrent: {shards: \(Int.random(in: 1...3, using: &rng))}" : ""
            text +=
                "    - {name: s\(s), release: tablets, select: {\(select.joined(separator: ", "))}\(depends)\(shards)}\n"
        }
        return text
    }

    @Test func compiledGraphsKeepTheInvariants() throws {
        var rng = SplitMix64(state: 0xDA6_0001)
        var compiled = 0
        for round in 0..<600 {
            let inventory = Self.inventory(&rng)
            let text = Self.plan(&rng)
            let parsed = PlanParser.parse(text)
            let plan = try #require(parsed.plan, "round \(round): \(parsed.diagnostics.map(\.message))\n\(text)")
            let result = Planner.compile(plan, against: inventory)
            guard let graph = result.graph else {
                // Only the documented refusals may stop a plan here.
                let ids = Set(result.diagnostics.filter { $0.severity == .error }.map(\.id))
                #expect(
                    ids.isSubset(of: [.livePrimaryNotLast, .liveUnknownCell, .liveUnknownKeyspace]),
                    "round \(round): \(ids)")
                continue
            }
            compiled += 1
            var seen = Set<String>()
            var reach: [String: Set<String>] = [:]
            for step in graph.steps {
                for dep in step.dependsOn { #expect(seen.contains(dep), "round \(round): \(step.id) before \(dep)") }
                reach[step.id] = step.dependsOn.reduce(into: Set(step.dependsOn)) { $0.formUnion(reach[$1] ?? []) }
                seen.insert(step.id)
            }
            let tabletSteps = graph.steps.filter {
                if case .releaseTablet = $0.kind { return true }; return false
            }
            #expect(Set(tabletSteps.map(\.id)).count == tabletSteps.count, "round \(round): a tablet twice")
            for step in tabletSteps {
                guard case .releaseTablet(let alias, let keyspace, let shardName, _, let primary) = step.kind else {
                    continue
                }
                let shard = try #require(inventory.shards.first { $0.keyspace == keyspace && $0.name == shardName })
                let tablet = try #require(shard.tablets.first { $0.alias == alias })
                let willBePending =
                    tablet.marks.isPending || shard.marks.isPending
                    || inventory.keyspaces.first { $0.name == keyspace }!.marks.isPending
                #expect(willBePending, "round \(round): \(alias) has nothing pending")
                #expect(graph.capacities["shard:\(keyspace)/\(shardName)"] == 1)
                #expect(step.resources.contains("shard:\(keyspace)/\(shardName)"))
                if primary {
                    // Every other selected tablet of the shard comes before the primary.
                    for other in tabletSteps where other.id != step.id {
                        guard case .releaseTablet(_, let k, let s, _, _) = other.kind, k == keyspace, s == shardName
                        else { continue }
                        #expect(
                            reach[step.id]?.contains(other.id) == true,
                            "round \(round): \(other.id) not before primary \(step.id)")
                    }
                }
            }
        }
        #expect(compiled >= 100, "too few plans compiled to exercise the invariants: \(compiled)")
    }
}
