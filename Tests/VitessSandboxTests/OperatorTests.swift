import Testing
import VitessModel

@testable import VitessSandbox

/// The reference's §9 example: one cell, unsharded `commerce` with three replicas, External.
func referenceCluster(replicas: Int = 3, strategy: String = "External") -> JSON {
    [
        "apiVersion": "planetscale.com/v2", "kind": "VitessCluster",
        "metadata": ["name": "example", "namespace": "example"],
        "spec": [
            "images": [
                "vtctld": "vitess/lite:v1", "vtgate": "vitess/lite:v1", "vttablet": "vitess/lite:v1",
                "vtorc": "vitess/lite:v1",
            ],
            "cells": [["name": "zone1", "gateway": ["replicas": 2]]],
            "vitessDashboard": ["cells": ["zone1"], "replicas": 1],
            "keyspaces": [
                [
                    "name": "commerce", "turndownPolicy": "Immediate",
                    "vitessOrchestrator": ["resources": ["requests": ["cpu": "100m"]]],
                    "partitionings": [
                        [
                            "equal": [
                                "parts": 1,
                                "shardTemplate": [
                                    "tabletPools": [["cell": "zone1", "type": "replica", "replicas": .int(replicas)]]
                                ],
                            ]
                        ]
                    ],
                ]
            ],
            "updateStrategy": ["type": .string(strategy)],
        ],
    ]
}

let vtk = "example-commerce-fb9b866a"
let vts = "example-commerce-x-x-0f5afee6"
let vtc = "example-zone1-5abb61ae"
let primaryPod = "example-vttablet-zone1-2548885007-46a852d0"

/// Drives a sandbox with a manual clock.
struct Harness {
    let sandbox: Sandbox
    let clock = ManualClock()
    var store: ObjectStore { sandbox.store }

    init(_ cluster: JSON = referenceCluster()) throws {
        let clock = self.clock
        sandbox = try Sandbox(cluster: cluster, clock: clock)
        sandbox.operator.settle()
    }

    func get(_ type: ResourceType, _ name: String) -> JSON {
        store.get(type, namespace: "example", name: name) ?? .null
    }

    func annotate(_ type: ResourceType, _ name: String, _ key: String, _ value: JSON = "") throws {
        try store.mutate(type, namespace: "example", name: name, scope: .main) {
            $0[path: ["metadata", "annotations", key]] = value
        }
        sandbox.operator.settle()
    }

    func setImage(_ image: String) throws {
        try store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) {
            $0[path: ["spec", "images", "vttablet"]] = .string(image)
        }
        sandbox.operator.settle()
    }

    /// Advances emulated time in steps until `done` holds; fails after `limit` steps.
    func run(step: Double = 1, limit: Int = 2000, until done: () -> Bool) -> Bool {
        for _ in 0..<limit {
            if done() { return true }
            clock.advance(by: step)
            sandbox.operator.settle()
        }
        return done()
    }

    func annotations(_ type: ResourceType, _ name: String) -> [String: String] {
        get(type, name)[path: ["metadata", "annotations"]].stringMap
    }
}

@Suite("Emulated operator under External (manual clock)")
struct OperatorTests {
    @Test("A freshly loaded tree has nothing pending, a primary per shard and the reference names")
    func settledFixture() throws {
        let harness = try Harness()
        for type in [ResourceType.vitessCell, .vitessKeyspace, .vitessShard, .pod, .deployment] {
            for object in harness.store.list(type, namespace: "example").items {
                #expect(
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].isNull,
                    "\(object[path: ["metadata", "name"]])")
            }
        }
        let shard = harness.get(.vitessShard, vts)
        #expect(shard[path: ["metadata", "generation"]] == 1, "settling must not rewrite a fresh spec")
        #expect(harness.get(.vitessKeyspace, vtk)[path: ["metadata", "generation"]] == 1)
        #expect(harness.get(.vitessCell, vtc)[path: ["metadata", "generation"]] == 1)
        #expect(shard[path: ["status", "masterAlias"]] == "zone1-2548885007")
        #expect(shard[path: ["status", "tablets", "zone1-0790125915", "available"]] == "True")
        #expect(harness.get(.vitessCell, vtc)["kind"] == "VitessCell")
        #expect(harness.get(.deployment, "example-commerce-x-x-zone1-vtorc-c13ef6ff")["kind"] == "Deployment")
        #expect(harness.get(.pod, "example-etcd-faf13de3-1")["kind"] == "Pod")
        #expect(harness.sandbox.operator.history.isEmpty)
    }

    @Test("vt edit schedules on the vtk; release walks vtk, vts and the tablets; cascade rolls primary last")
    func externalChain() throws {
        let harness = try Harness()
        try harness.setImage("vitess/lite:v2")
        let scheduled = harness.annotations(.vitessKeyspace, vtk)[RolloutAnnotation.scheduled]
        #expect(scheduled == "spec:\n  images:\n    vttablet: vitess/lite:v2\n")
        #expect(
            harness.get(.vitessCluster, "example")[path: ["status", "keyspaces", "commerce", "pendingChanges"]].string
                == scheduled)
        #expect(harness.annotations(.vitessShard, vts)[RolloutAnnotation.scheduled] == nil)

        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        #expect(harness.annotations(.vitessKeyspace, vtk).isEmpty)
        #expect(harness.annotations(.vitessShard, vts)[RolloutAnnotation.scheduled] != nil)
        #expect(
            harness.get(.vitessKeyspace, vtk)[path: ["status", "shards", "-", "pendingChanges"]].string?.isEmpty
                == false)

        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        let shard = harness.get(.vitessShard, vts)
        #expect(shard[path: ["status", "lowestPodGeneration"]] == shard[path: ["metadata", "generation"]])
        #expect(shard[path: ["status", "observedGeneration"]] == shard[path: ["metadata", "generation"]])
        #expect(harness.annotations(.vitessShard, vts)[RolloutAnnotation.scheduled] == nil)
        let pending = (shard[path: ["status", "tablets"]].object ?? [:]).values.filter {
            !($0["pendingChanges"].string ?? "").isEmpty
        }
        #expect(pending.count == 3)
        let oldUID = harness.get(.pod, primaryPod)[path: ["metadata", "uid"]]

        try harness.annotate(.vitessShard, vts, RolloutAnnotation.cascade)
        let finished = harness.run { harness.annotations(.vitessShard, vts)[RolloutAnnotation.cascade] == nil }
        #expect(finished)

        let history = harness.sandbox.operator.history
        let deletions = history.filter { $0.action == "deleted" }.map(\.name)
        #expect(deletions.count == 3)
        #expect(deletions.last == primaryPod, "the primary goes last")
        #expect(history.contains { $0.action == "reparented" && $0.detail.hasPrefix("from zone1-2548885007") })
        #expect(harness.get(.pod, primaryPod)[path: ["metadata", "uid"]] != oldUID)
        #expect(harness.get(.pod, primaryPod)[path: ["spec", "containers"]].array?.first?["image"] == "vitess/lite:v2")
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]] != "zone1-2548885007")
        #expect(harness.store.list(.event, namespace: "example").items.contains { $0["reason"] == "PlannedReparent" })

        // At most one tablet of the shard is down at any time.
        var down = Set<String>()
        for record in history where record.shard == "commerce/-" {
            if record.action == "deleted" { down.insert(record.name) }
            if record.action == "ready" { down.remove(record.name) }
            #expect(down.count <= 1)
        }
        // Recreated Pods carry no rollout or drain state.
        for pod in harness.store.list(
            .pod, namespace: "example", labels: try Selector(parsing: "planetscale.com/component=vttablet")
        ).items {
            let keys = pod[path: ["metadata", "annotations"]].stringMap.keys
            #expect(!keys.contains(RolloutAnnotation.scheduled) && !keys.contains(DrainAnnotation.started))
        }
    }

    @Test(
        "A tablet pool's vttablet flags, resources or mysqld image change schedules its tablet Pods like an image change",
        arguments: [
            (
                "vttablet flags", ["shardTemplate", "tabletPools", "0", "vttablet"],
                JSON.object(["extraFlags": ["queryserver-config-query-timeout": "60s"]]),
                "--queryserver-config-query-timeout=60s"
            ),
            (
                "mysqld resources", ["shardTemplate", "tabletPools", "0", "mysqld"],
                JSON.object(["resources": ["limits": ["memory": "2Gi"]]]), "memory: 2Gi"
            ),
        ] as [(String, [String], JSON, String)])
    func poolChangesScheduleTablets(_ name: String, _ path: [String], _ value: JSON, _ expected: String) throws {
        let harness = try Harness()
        try harness.store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) { vt in
            var keyspace = vt[path: ["spec", "keyspaces"]].array?[0] ?? .null
            var equal = keyspace[path: ["partitionings"]].array?[0]["equal"] ?? .null
            var pools = equal[path: ["shardTemplate", "tabletPools"]].array ?? []
            pools[0][path: [path[3]]] = value
            equal[path: ["shardTemplate", "tabletPools"]] = .array(pools)
            keyspace["partitionings"] = [["equal": equal]]
            vt[path: ["spec", "keyspaces"]] = [keyspace]
        }
        harness.sandbox.operator.settle()
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        let tabletPods = harness.store.list(
            .pod, namespace: "example", labels: try Selector(parsing: "planetscale.com/component=vttablet")
        ).items
        #expect(tabletPods.count == 3)
        for pod in tabletPods {
            let scheduled = pod[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].string ?? ""
            #expect(scheduled.contains(expected), "\(name): \(scheduled)")
        }
        let replica = try #require(
            tabletPods.first { $0[path: ["metadata", "labels", "planetscale.com/tablet-uid"]] == "0790125915" }?[
                path: ["metadata", "name"]
            ].string)
        try harness.annotate(.pod, replica, RolloutAnnotation.released)
        #expect(
            harness.run { harness.sandbox.operator.history.contains { $0.action == "ready" && $0.name == replica } })
        let recreated = harness.get(.pod, replica)
        #expect(recreated[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].isNull, "\(name)")
        #expect(harness.annotations(.pod, primaryPod)[RolloutAnnotation.scheduled] != nil, "the others still wait")
    }

    @Test("A new keyspace or cell is created at once with everything under it; a larger tablet pool is held")
    func creationIsNotHeld() throws {
        let harness = try Harness()
        try harness.store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) { vt in
            var keyspaces = vt[path: ["spec", "keyspaces"]].array ?? []
            // The existing keyspace's pool grows from 3 to 4 replicas: held until released.
            keyspaces[0][path: ["partitionings"]] = [
                [
                    "equal": [
                        "parts": 1,
                        "shardTemplate": ["tabletPools": [["cell": "zone1", "type": "replica", "replicas": 4]]],
                    ]
                ]
            ]
            keyspaces.append([
                "name": "extra", "vitessOrchestrator": ["resources": ["requests": ["cpu": "100m"]]],
                "partitionings": [
                    [
                        "equal": [
                            "parts": 2,
                            "shardTemplate": ["tabletPools": [["cell": "zone1", "type": "replica", "replicas": 2]]],
                        ]
                    ]
                ],
            ])
            vt[path: ["spec", "keyspaces"]] = .array(keyspaces)
            var cells = vt[path: ["spec", "cells"]].array ?? []
            cells.append(["name": "zone2", "gateway": ["replicas": 1]])
            vt[path: ["spec", "cells"]] = .array(cells)
        }
        harness.sandbox.operator.settle()
        let tablets = { (keyspace: String) in
            harness.store.list(
                .pod, namespace: "example",
                labels: try Selector(parsing: "planetscale.com/component=vttablet,planetscale.com/keyspace=\(keyspace)")
            ).items
        }
        #expect(try tablets("extra").count == 4)
        #expect(try tablets("commerce").count == 3, "a larger pool is a held change")
        #expect(harness.annotations(.vitessKeyspace, vtk)[RolloutAnnotation.scheduled] != nil)
        let shards = harness.store.list(.vitessShard, namespace: "example").items.filter {
            $0[path: ["metadata", "labels", "planetscale.com/keyspace"]] == "extra"
        }
        #expect(shards.count == 2)
        #expect(
            shards.allSatisfy {
                $0[path: ["status", "masterAlias"]].isNull && $0[path: ["status", "hasMaster"]] == "False"
            })
        #expect(harness.store.list(.vitessCell, namespace: "example").items.count == 2)
        let deployments = harness.store.list(.deployment, namespace: "example").items.compactMap {
            $0[path: ["metadata", "name"]].string
        }
        #expect(deployments.contains { $0.hasPrefix("example-zone2-vtgate-") })
        // vtctld runs only in `vitessDashboard.cells` (zone1 here), so the new cell gets none (reconcile_vtctld.go).
        #expect(!deployments.contains { $0.hasPrefix("example-zone2-vtctld-") })
        #expect(deployments.filter { $0.hasPrefix("example-extra-") && $0.contains("-vtorc-") }.count == 2)
        // New Pods start, then become Ready; nothing that existed was deleted.
        #expect(
            try tablets("extra").allSatisfy { pod in
                (pod[path: ["status", "conditions"]].array ?? []).contains {
                    $0["type"] == "Ready" && $0["status"] == "False"
                }
            })
        #expect(
            harness.run {
                (try? tablets("extra"))?.allSatisfy { pod in
                    (pod[path: ["status", "conditions"]].array ?? []).contains {
                        $0["type"] == "Ready" && $0["status"] == "True"
                    }
                } == true
            })
        // A new shard has no primary until its tablets are up; then InitShardPrimary elects the first replica.
        let history = harness.sandbox.operator.history
        let elected = history.filter { $0.action == "initShardPrimary" }
        #expect(elected.count == 2)
        for election in elected {
            let firstReady = history.filter { $0.action == "ready" && $0.shard == election.shard }.map(\.time).max()
            #expect(firstReady != nil && firstReady! <= election.time, "elected before every tablet was Ready")
            let shard = harness.get(.vitessShard, election.name)
            #expect(shard[path: ["status", "masterAlias"]].string == election.detail)
            #expect(shard[path: ["status", "hasMaster"]] == "True")
            #expect(shard[path: ["status", "tablets", election.detail, "type"]] == "primary")
        }
        #expect(
            harness.store.list(.event, namespace: "example").items.filter { $0["reason"] == "InitShardPrimary" }.count
                == 2)
        #expect(history.filter { $0.action == "created" && $0.kind == "Pod" }.count == 4)
        #expect(
            history.filter { $0.action == "created" && $0.kind == "Pod" }.allSatisfy { $0.shard.hasPrefix("extra/") })
        #expect(!history.contains { $0.action == "deleted" })
        // Owner references point at the stored parents.
        for shard in shards {
            let owner = shard[path: ["metadata", "ownerReferences"]].array?.first?["uid"]
            let keyspace = harness.store.list(.vitessKeyspace, namespace: "example").items.first {
                $0[path: ["metadata", "labels", "planetscale.com/keyspace"]] == "extra"
            }
            #expect(owner != nil && owner == keyspace?[path: ["metadata", "uid"]])
        }
    }

    @Test("Released primary with no candidate is DrainBlocked and never deleted")
    func drainBlocked() throws {
        let harness = try Harness(referenceCluster(replicas: 1))
        try harness.setImage("vitess/lite:v2")
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        try harness.annotate(.pod, primaryPod, RolloutAnnotation.released)
        _ = harness.run(step: 5, limit: 20) { false }
        #expect(harness.annotations(.pod, primaryPod)[DrainAnnotation.started] == "rolling update")
        #expect(!harness.sandbox.operator.history.contains { $0.action == "deleted" })
        let blocked = harness.store.list(.event, namespace: "example").items.filter { $0["reason"] == "DrainBlocked" }
        #expect(blocked.count == 1, "repeats fold into one Event")
        #expect((blocked.first?["count"].int ?? 0) > 5, "tried every 5 s for 100 s")

        // Backing out: the drain controller clears its own marks and says so.
        #expect(harness.annotations(.pod, primaryPod)[DrainAnnotation.acknowledged] != nil)
        try harness.store.mutate(.pod, namespace: "example", name: primaryPod, scope: .main) {
            $0[path: ["metadata", "annotations", RolloutAnnotation.released]] = .null
            $0[path: ["metadata", "annotations", DrainAnnotation.started]] = .null
        }
        harness.sandbox.operator.settle()
        let marks = harness.annotations(.pod, primaryPod)
        #expect(marks[DrainAnnotation.acknowledged] == nil && marks[DrainAnnotation.finished] == nil, "\(marks)")
        #expect(marks[RolloutAnnotation.scheduled] != nil, "the change is still pending")
        #expect(harness.store.list(.event, namespace: "example").items.contains { $0["reason"] == "AbortingDrain" })
    }

    @Test("cascade on a lone primary deletes it directly, without a reparent")
    func lonePrimaryCascade() throws {
        let harness = try Harness(referenceCluster(replicas: 1))
        try harness.setImage("vitess/lite:v2")
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.cascade)
        #expect(harness.run { harness.annotations(.vitessShard, vts)[RolloutAnnotation.cascade] == nil })
        let history = harness.sandbox.operator.history
        #expect(history.contains { $0.action == "deleted" && $0.name == primaryPod })
        #expect(!history.contains { $0.action == "reparented" || $0.action == "drainStarted" })
    }

    @Test("Releasing the vtc rolls the vtgate Deployment; vtctld carries its own scheduled")
    func deployments() throws {
        let harness = try Harness()
        try harness.store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) {
            $0[path: ["spec", "images", "vtgate"]] = "vitess/lite:v2"
            $0[path: ["spec", "images", "vtctld"]] = "vitess/lite:v2"
        }
        harness.sandbox.operator.settle()
        let vtctld = "example-zone1-vtctld-1d4dcad0"
        let vtgate = "example-zone1-vtgate-bc6cde92"
        #expect(harness.annotations(.vitessCell, vtc)[RolloutAnnotation.scheduled] != nil)
        #expect(harness.annotations(.deployment, vtctld)[RolloutAnnotation.scheduled] != nil)
        try harness.annotate(.vitessCell, vtc, RolloutAnnotation.released)
        let deployment = harness.get(.deployment, vtgate)
        #expect(
            deployment[path: ["spec", "template", "spec", "containers"]].array?.first?["image"] == "vitess/lite:v2")
        #expect(deployment[path: ["status", "updatedReplicas"]] == 0)
        #expect(
            harness.run {
                let status = harness.get(.deployment, vtgate)["status"]
                return status["updatedReplicas"] == 2 && status["availableReplicas"] == 2
            })
        try harness.annotate(.deployment, vtctld, RolloutAnnotation.released)
        #expect(harness.annotations(.deployment, vtctld).isEmpty)
        // vtgate is gated on its cell: a `released` on its Deployment is dropped.
        try harness.annotate(.deployment, vtgate, RolloutAnnotation.released)
        #expect(harness.annotations(.deployment, vtgate)[RolloutAnnotation.released] == nil)
    }

    @Test("A tablet that never becomes Ready keeps cascade waiting")
    func neverReady() throws {
        let harness = try Harness()
        var faults = RolloutFaults()
        faults.neverReadyImages = ["crash"]
        harness.sandbox.operator.faults = faults
        try harness.setImage("vitess/lite:crash")
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.cascade)
        _ = harness.run(step: 10, limit: 50) { false }
        #expect(harness.annotations(.vitessShard, vts)[RolloutAnnotation.cascade] != nil)
        #expect(harness.sandbox.operator.history.filter { $0.action == "deleted" }.count == 1)
    }
}
