import Testing
import VitessModel

@testable import VitessSandbox

/// vtorc runs for every shard with a replica pool (its spec is defaulted), and the controllers say why they wait
/// with the operator's own Event reasons.
@Suite("Emulated operator: vtorc and waiting Events (manual clock)")
struct OperatorEventsTests {
    static let vtorc = "example-commerce-x-x-zone1-vtorc-c13ef6ff"

    /// The cluster with its first keyspace edited.
    static func editKeyspace(_ cluster: JSON, _ edit: (inout JSON) -> Void) -> JSON {
        var cluster = cluster
        var keyspaces = cluster[path: ["spec", "keyspaces"]].array ?? []
        edit(&keyspaces[0])
        cluster[path: ["spec", "keyspaces"]] = .array(keyspaces)
        return cluster
    }

    func events(_ harness: Harness, _ reason: String) -> [JSON] {
        harness.store.list(.event, namespace: "example").items.filter { $0["reason"].string == reason }
    }

    @Test("Without vitessOrchestrator vtorc still runs: the keyspace controller defaults it (vtorc is mandatory)")
    func noOrchestrator() throws {
        let harness = try Harness(Self.editKeyspace(referenceCluster()) { $0["vitessOrchestrator"] = .null })
        #expect(harness.get(.deployment, Self.vtorc)["kind"] == "Deployment")
        #expect(harness.get(.vitessShard, vts)[path: ["status", "vitessOrchestrator", "available"]] == "True")
        #expect(
            harness.get(.vitessShard, vts)[path: ["spec", "vitessOrchestrator", "resources", "requests", "memory"]]
                == "128Mi")
    }

    @Test("Removing vitessOrchestrator is held on the vtk and vts; the shard's vtorc then takes the defaults")
    func orchestratorRemoved() throws {
        let harness = try Harness()
        #expect(harness.get(.deployment, Self.vtorc)["kind"] == "Deployment")
        try harness.store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) {
            $0 = Self.editKeyspace($0) { $0["vitessOrchestrator"] = .null }
        }
        harness.sandbox.operator.settle()
        #expect(
            harness.annotations(.vitessKeyspace, vtk)[RolloutAnnotation.scheduled]?.contains("vitessOrchestrator")
                == true)
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        #expect(harness.annotations(.vitessShard, vts)[RolloutAnnotation.scheduled]?.contains("vitessOrchestrator") == true)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        // The defaulted resources differ from the explicit ones: the vtorc template change is held on the Deployment.
        #expect(harness.get(.deployment, Self.vtorc)["kind"] == "Deployment")
        #expect(harness.annotations(.deployment, Self.vtorc)[RolloutAnnotation.scheduled]?.contains("memory") == true)
    }

    @Test("A tablet down: NotReconcilingDrain; a replica finished: NotReparentingPrimary; cascade: RolloutPaused")
    func waitingEvents() throws {
        let harness = try Harness()
        try harness.setImage("vitess/lite:v2")
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        #expect(events(harness, "NotReconcilingDrain").isEmpty, "a healthy shard says nothing")
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.cascade)
        #expect(harness.run { harness.annotations(.vitessShard, vts)[RolloutAnnotation.cascade] == nil })

        let unhealthy = events(harness, "NotReconcilingDrain")
        #expect(!unhealthy.isEmpty)
        #expect(
            unhealthy.allSatisfy {
                $0["type"] == "Warning"
                    && ($0["message"].string ?? "").hasPrefix("Shard is in an unhealthy state: tablet ")
            })
        let notReparenting = events(harness, "NotReparentingPrimary")
        #expect(notReparenting.contains { $0["message"] == "We are not marking primary as finished" })
        #expect(notReparenting.allSatisfy { $0["type"] == "Normal" })
        let paused = events(harness, "RolloutPaused").compactMap { $0["message"].string }
        #expect(paused.contains { $0.hasPrefix("Waiting for tablet zone1-") && $0.hasSuffix(" to be Available.") })
        #expect(paused.contains { $0.hasSuffix(" to finish release.") })
        // Repeats fold into one Event with a count, at the controllers' requeue pace, not one per reconcile.
        let total = (unhealthy + events(harness, "RolloutPaused")).reduce(0) { $0 + ($1["count"].int ?? 1) }
        let elapsed = harness.clock.now()
        #expect(total <= Int(elapsed / 5) * 2 + 10, "\(total) events in \(elapsed) emulated seconds")
    }

    @Test("A shard with no replica pool gets no primary (InitShardBlocked), and its drains wait (NotReconcilingDrain)")
    func drainWithoutPrimary() throws {
        let cluster = Self.editKeyspace(referenceCluster()) { keyspace in
            keyspace["partitionings"] = [
                [
                    "equal": [
                        "parts": 1,
                        "shardTemplate": ["tabletPools": [["cell": "zone1", "type": "rdonly", "replicas": 2]]],
                    ]
                ]
            ]
        }
        let harness = try Harness(cluster)
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]].isNull)
        #expect(harness.run { !events(harness, "InitShardBlocked").isEmpty })
        let pod = harness.store.list(
            .pod, namespace: "example", labels: try Selector(parsing: "planetscale.com/component=vttablet")
        ).items[0]
        let podName = pod[path: ["metadata", "name"]].string ?? ""
        try harness.annotate(.pod, podName, DrainAnnotation.started, "rolling update")
        #expect(
            harness.run {
                events(harness, "NotReconcilingDrain").contains { $0["message"] == "Shard does not have a primary" }
            })
        #expect(harness.annotations(.pod, podName)[DrainAnnotation.acknowledged] == nil)
        #expect(harness.annotations(.pod, podName)[DrainAnnotation.finished] == nil)
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]].isNull)
    }
}
