import Foundation
import Testing
import VitessModel

@testable import VitessSandbox

/// Which objects get `scheduled` for a given edit, and what the emulated operator does next, each checked against
/// what the operator's source says (docs/operator-reference.md gives the path for every claim).
@Suite("Operator conformance: what an edit schedules, as the operator's source says")
struct OperatorConformanceTests {
    /// Two cells, two keyspaces (one with a per-keyspace image override slot), vtctld in both cells.
    static func twoKeyspaceCluster() -> JSON {
        func pools(_ replicas: Int) -> JSON {
            [
                ["cell": "zone1", "type": "replica", "replicas": .int(replicas)],
                ["cell": "zone2", "type": "rdonly", "replicas": 1],
            ]
        }
        var vt = referenceCluster()
        vt[path: ["spec", "cells"]] = [
            ["name": "zone1", "gateway": ["replicas": 1]], ["name": "zone2", "gateway": ["replicas": 1]],
        ]
        vt[path: ["spec", "vitessDashboard"]] = ["cells": [], "replicas": 1]
        vt[path: ["spec", "images", "mysqld"]] = ["mysql80Compatible": "mysql:8.0.40"]
        vt[path: ["spec", "keyspaces"]] = [
            [
                "name": "commerce", "turndownPolicy": "Immediate",
                "partitionings": [["equal": ["parts": 1, "shardTemplate": ["tabletPools": pools(2)]]]],
            ],
            [
                "name": "customer", "turndownPolicy": "Immediate",
                "partitionings": [["equal": ["parts": 2, "shardTemplate": ["tabletPools": pools(2)]]]],
            ],
        ]
        return vt
    }

    /// Kind and name of every object carrying `scheduled`, sorted.
    static func scheduled(_ harness: Harness) -> [String] {
        var found: [String] = []
        for type in [ResourceType.vitessCell, .vitessKeyspace, .vitessShard, .pod, .deployment] {
            for object in harness.store.list(type, namespace: "example").items
            where !object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].isNull {
                let labels = object[path: ["metadata", "labels"]].stringMap
                let what = [labels[OperatorLabel.component], labels[OperatorLabel.keyspace]].compactMap { $0 }
                found.append("\(type.kind) \(what.joined(separator: "/"))".trimmingCharacters(in: .whitespaces))
            }
        }
        return found.sorted()
    }

    static func edit(_ harness: Harness, _ change: (inout JSON) -> Void) throws {
        try harness.store.mutate(.vitessCluster, namespace: "example", name: "example", scope: .main) { vt in
            change(&vt)
        }
        harness.sandbox.operator.settle()
    }

    /// Releases every object of `type` that carries `scheduled`, then settles.
    static func releaseAll(_ harness: Harness, _ type: ResourceType) throws {
        for object in harness.store.list(type, namespace: "example").items
        where !object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].isNull {
            try harness.store.mutate(type, namespace: "example", name: object[path: ["metadata", "name"]].string ?? "")
            {
                $0[path: ["metadata", "annotations", RolloutAnnotation.released]] = ""
            }
        }
        harness.sandbox.operator.settle()
    }

    @Test("A vttablet image change schedules each keyspace; its shards and their tablets follow each release")
    func vttabletImage() throws {
        let harness = try Harness(Self.twoKeyspaceCluster())
        try Self.edit(harness) { $0[path: ["spec", "images", "vttablet"]] = "vitess/lite:v2" }
        #expect(Self.scheduled(harness) == ["VitessKeyspace commerce", "VitessKeyspace customer"])
        let text = harness.annotations(.vitessKeyspace, "example-commerce-fb9b866a")[RolloutAnnotation.scheduled]
        #expect(text == "spec:\n  images:\n    vttablet: vitess/lite:v2\n")
        try Self.releaseAll(harness, .vitessKeyspace)
        #expect(Self.scheduled(harness) == ["VitessShard commerce", "VitessShard customer", "VitessShard customer"])
        try Self.releaseAll(harness, .vitessShard)
        let pods = Self.scheduled(harness)
        #expect(pods.count == 9 && pods.allSatisfy { $0.hasPrefix("Pod vttablet/") })
        // The Pod's text is the strategic merge patch of the whole Pod: the vttablet container and both init
        // containers that run the vttablet image.
        let pod = harness.store.list(
            .pod, namespace: "example", labels: try Selector(parsing: "planetscale.com/keyspace=commerce")
        ).items[0]
        #expect(
            pod[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].string == """
                spec:
                  containers:
                  - image: vitess/lite:v2
                    name: vttablet
                  initContainers:
                  - image: vitess/lite:v2
                    name: init-vt-root
                  - image: vitess/lite:v2
                    name: init-mysql-socket

                """)
    }

    @Test("A vtgate-only image change schedules only the VitessCells")
    func vtgateOnly() throws {
        let harness = try Harness(Self.twoKeyspaceCluster())
        try Self.edit(harness) { $0[path: ["spec", "images", "vtgate"]] = "vitess/lite:v2" }
        #expect(Self.scheduled(harness) == ["VitessCell", "VitessCell"])
    }

    @Test("A per-keyspace vttablet override schedules that keyspace, its shards and its tablets, and nothing else")
    func perKeyspaceOverride() throws {
        let harness = try Harness(Self.twoKeyspaceCluster())
        try Self.edit(harness) { vt in
            var keyspaces = vt[path: ["spec", "keyspaces"]].array ?? []
            keyspaces[1]["images"] = ["vttablet": "vitess/lite:canary"]
            vt[path: ["spec", "keyspaces"]] = .array(keyspaces)
        }
        #expect(Self.scheduled(harness) == ["VitessKeyspace customer"])
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        let pending = Self.scheduled(harness)
        #expect(pending.count == 6 && pending.allSatisfy { $0 == "Pod vttablet/customer" })
    }

    @Test("An extraVitessFlags change schedules cells, keyspaces and vtctld; shards, tablets and vtorc follow")
    func extraVitessFlags() throws {
        var cluster = Self.twoKeyspaceCluster()
        var keyspaces = cluster[path: ["spec", "keyspaces"]].array ?? []
        keyspaces[0]["vitessOrchestrator"] = ["resources": [:]]
        cluster[path: ["spec", "keyspaces"]] = .array(keyspaces)
        let harness = try Harness(cluster)
        try Self.edit(harness) { $0[path: ["spec", "extraVitessFlags"]] = ["grpc_max_message_size": "134217728"] }
        #expect(
            Self.scheduled(harness) == [
                "Deployment vtctld", "Deployment vtctld", "VitessCell", "VitessCell", "VitessKeyspace commerce",
                "VitessKeyspace customer",
            ])
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        let pending = Self.scheduled(harness)
        #expect(pending.filter { $0.hasPrefix("Pod vttablet/") }.count == 9)
        #expect(pending.contains("Deployment vtorc/commerce"))
    }

    @Test("Adding a whole partitioning is applied in place: nothing scheduled, the new shards created")
    func partitioningAdded() throws {
        let harness = try Harness(Self.twoKeyspaceCluster())
        try Self.edit(harness) { vt in
            var keyspaces = vt[path: ["spec", "keyspaces"]].array ?? []
            var partitionings = keyspaces[1]["partitionings"].array ?? []
            partitionings.append([
                "equal": ["parts": 4, "shardTemplate": ["tabletPools": [["cell": "zone1", "type": "replica", "replicas": 2]]]]
            ])
            keyspaces[1]["partitionings"] = .array(partitionings)
            vt[path: ["spec", "keyspaces"]] = .array(keyspaces)
        }
        #expect(Self.scheduled(harness).isEmpty)
        let shards = harness.store.list(.vitessShard, namespace: "example").items.compactMap {
            $0[path: ["spec", "name"]].string
        }
        #expect(Set(shards) == ["-", "-80", "80-", "-40", "40-80", "80-c0", "c0-"])
    }

    @Test("Scaling a pool down turns the surplus tablet down after the shard release: drained, then deleted")
    func poolScaledDown() throws {
        let harness = try Harness(referenceCluster(replicas: 3))
        try Self.edit(harness) { vt in
            var keyspaces = vt[path: ["spec", "keyspaces"]].array ?? []
            keyspaces[0][path: ["partitionings"]] = [
                ["equal": ["parts": 1, "shardTemplate": ["tabletPools": [["cell": "zone1", "type": "replica", "replicas": 2]]]]]
            ]
            vt[path: ["spec", "keyspaces"]] = .array(keyspaces)
        }
        // A partitioning edit that keeps the shard set is held at the keyspace, then at the shard.
        try Self.releaseAll(harness, .vitessKeyspace)
        #expect(Self.scheduled(harness) == ["VitessShard commerce"])
        try Self.releaseAll(harness, .vitessShard)
        let third = TabletAlias(
            cell: "zone1", uid: TabletUID.uid(cell: "zone1", keyspace: "commerce", shard: KeyRange("-")!, pool: .replica, index: 3))
        let surplus = OperatorNames.tabletPod(cluster: "example", alias: third)
        #expect(harness.annotations(.pod, surplus)[DrainAnnotation.started] == "turning down unwanted tablet")
        #expect(harness.annotations(.pod, surplus)[RolloutAnnotation.released] == nil)
        #expect(harness.run { harness.get(.pod, surplus).isNull })
        #expect(harness.sandbox.operator.history.contains { $0.action == "terminating" && $0.name == surplus })
    }

    @Test("A deleted tablet Pod stays Terminating, unavailable, and is recreated only once it is gone")
    func termination() throws {
        let harness = try Harness(referenceCluster(replicas: 3))
        let replica = "example-vttablet-zone1-0790125915-4e37d9d5"
        try harness.setImage("vitess/lite:v2")
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        try harness.annotate(.pod, replica, RolloutAnnotation.released)
        #expect(harness.run { !harness.get(.pod, replica)[path: ["metadata", "deletionTimestamp"]].isNull })
        let terminating = harness.get(.pod, replica)
        #expect(terminating[path: ["metadata", "deletionGracePeriodSeconds"]] == 1800)
        let uid = terminating[path: ["metadata", "uid"]]
        #expect(
            harness.get(.vitessShard, vts)[path: ["status", "tablets", "zone1-0790125915", "available"]] == "False")
        harness.clock.advance(by: harness.sandbox.operator.timings.tabletTermination / 2)
        harness.sandbox.operator.settle()
        #expect(harness.get(.pod, replica)[path: ["metadata", "uid"]] == uid, "not recreated while Terminating")
        #expect(harness.run { harness.get(.pod, replica)[path: ["metadata", "uid"]] != uid })
        #expect(harness.get(.pod, primaryPod)[path: ["metadata", "deletionTimestamp"]].isNull)
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]] == "zone1-2548885007")
    }

    @Test("A client's DELETE of a tablet Pod is graceful too")
    func deleteThroughAPI() throws {
        let harness = try Harness()
        let replica = "example-vttablet-zone1-0790125915-4e37d9d5"
        let answer = try harness.sandbox.operator.deletePodThroughAPI(name: replica, uid: nil)
        #expect(!answer[path: ["metadata", "deletionTimestamp"]].isNull)
        #expect(!harness.get(.pod, replica).isNull)
        #expect(harness.run { harness.sandbox.operator.history.contains { $0.action == "created" && $0.name == replica } })
    }

    @Test("A topology outage blanks the primary and the tablet types and makes hasMaster Unknown")
    func topologyOutage() throws {
        let harness = try Harness()
        harness.sandbox.operator.faults.topologyOutage = true
        harness.sandbox.operator.settle()
        let status = harness.get(.vitessShard, vts)["status"]
        #expect(status["masterAlias"].isNull)
        #expect(status["hasMaster"] == "Unknown" && status["servingWrites"] == "Unknown")
        #expect((status["tablets"].object ?? [:]).values.allSatisfy { $0["type"].isNull })
        harness.sandbox.operator.faults.topologyOutage = false
        harness.sandbox.operator.settle()
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]] == "zone1-2548885007")
    }

    @Test("slow-children: the keyspace's observedGeneration advances before its shards are written")
    func slowChildren() throws {
        let harness = try Harness()
        harness.sandbox.operator.faults.slowChildren = 3
        try harness.setImage("vitess/lite:v2")
        try Self.releaseAll(harness, .vitessKeyspace)
        let keyspace = harness.get(.vitessKeyspace, vtk)
        // settle() runs until nothing is written; the shard writes were held for three rounds.
        #expect(keyspace[path: ["status", "observedGeneration"]] == keyspace[path: ["metadata", "generation"]])
        #expect(harness.sandbox.operator.history.contains { $0.action == "applied" && $0.kind == "VitessKeyspace" })
        let events = harness.store.list(.event, namespace: "example").items.filter { $0["reason"] == "UpdateFailed" }
        #expect(!events.isEmpty)
    }

    @Test("vtctld runs in vitessDashboard.cells only; an external global lockserver means no etcd Pods")
    func componentsWhereAsked() throws {
        var cluster = Self.twoKeyspaceCluster()
        cluster[path: ["spec", "vitessDashboard", "cells"]] = ["zone2"]
        cluster[path: ["spec", "globalLockserver"]] = [
            "external": ["implementation": "etcd2", "address": "etcd.example:2379", "rootPath": "/vitess/global"]
        ]
        cluster[path: ["spec", "vtadmin"]] = ["cells": ["zone1"], "apiAddresses": ["http://vtadmin"]]
        let harness = try Harness(cluster)
        let deployments = harness.store.list(.deployment, namespace: "example").items.compactMap {
            $0[path: ["metadata", "name"]].string
        }
        #expect(deployments.filter { $0.contains("-vtctld-") } == [OperatorNames.vtctld(cluster: "example", cell: "zone2")])
        #expect(deployments.filter { $0.contains("-vtadmin-") } == [OperatorNames.vtadmin(cluster: "example", cell: "zone1")])
        let etcd = try harness.store.list(
            .pod, namespace: "example", labels: Selector(parsing: "planetscale.com/component=etcd")
        ).items
        #expect(etcd.isEmpty)
        #expect(
            harness.get(.vitessKeyspace, "example-commerce-fb9b866a")[path: ["spec", "globalLockserver", "address"]]
                == "etcd.example:2379")
    }

    @Test("vtgate embeds mysql_server_version from the first shard's mysqld image and rolls without a cell release")
    func vtgateFollowsShards() throws {
        let harness = try Harness(Self.twoKeyspaceCluster())
        let vtgate = OperatorNames.vtgate(cluster: "example", cell: "zone1")
        let args = {
            harness.get(.deployment, vtgate)[path: ["spec", "template", "spec", "containers"]].array?.first?["args"]
                ?? .null
        }
        #expect(args().array?.contains("--mysql_server_version=8.0.40-Vitess") == true)
        let generation = harness.get(.deployment, vtgate)[path: ["metadata", "generation"]].int ?? 0
        try Self.edit(harness) { $0[path: ["spec", "images", "mysqld", "mysql80Compatible"]] = "mysql:8.0.41" }
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        #expect(args().array?.contains("--mysql_server_version=8.0.41-Vitess") == true)
        #expect((harness.get(.deployment, vtgate)[path: ["metadata", "generation"]].int ?? 0) > generation)
        #expect(!Self.scheduled(harness).contains("VitessCell"))
    }

    @Test("PlannedReparentShard fails while the candidate lags more than 15 s")
    func reparentRefusesLag() throws {
        let harness = try Harness(referenceCluster(replicas: 2))
        harness.sandbox.operator.faults.replicationLag = ["zone1-2469782763": 20]
        try harness.setImage("vitess/lite:v2")
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        try harness.annotate(.pod, primaryPod, RolloutAnnotation.released)
        _ = harness.run(limit: 40) { false }
        let failures = harness.store.list(.event, namespace: "example").items.filter {
            $0["reason"] == "PlannedReparentFailed"
        }
        #expect(failures.first?["message"].string?.contains("to candidate primary zone1-2469782763 failed") == true)
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]] == "zone1-2548885007")
    }

    @Test("A mysqld downgrade the operator refuses raises MysqldSafeUpgradeFailed and the primary is not reparented")
    func mysqldDowngrade() throws {
        var cluster = referenceCluster(replicas: 2)
        cluster[path: ["spec", "images", "mysqld"]] = ["mysql80Compatible": "mysql:8.0.30"]
        let harness = try Harness(cluster)
        try Self.edit(harness) { $0[path: ["spec", "images", "mysqld", "mysql80Compatible"]] = "mysql:8.0.29" }
        try Self.releaseAll(harness, .vitessKeyspace)
        try Self.releaseAll(harness, .vitessShard)
        try harness.annotate(.pod, primaryPod, RolloutAnnotation.released)
        _ = harness.run(limit: 20) { false }
        let events = harness.store.list(.event, namespace: "example").items.filter {
            $0["reason"] == "MysqldSafeUpgradeFailed"
        }
        #expect(
            events.first?["message"]
                == "failed to disable fast shutdown: cannot downgrade patch version from 8.0.30 to 8.0.29")
        #expect(harness.get(.pod, primaryPod)[path: ["metadata", "deletionTimestamp"]].isNull)
        #expect(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]] == "zone1-2548885007")
    }

    @Test(
        "mysql.DockerImageSafeUpgrade, case by case (pkg/operator/mysql/mysql_test.go)",
        arguments: [
            ("", "", "no"), ("", "docker.io/vitess/mysql:8.0.23", "no"), ("docker.io/vitess/mysql:8.0.23", "", "no"),
            ("docker.io/vitess/mysql:8.0.23", "docker.io/vitess/mysql:8.0.23", "no"),
            ("docker.io/vitess/mysql:latest", "docker.io/vitess/mysql:8.9.23", "yes"),
            ("docker.io/vitess/mysql:8.0.23", "docker.io/vitess/mysql:latest", "yes"),
            ("docker.io/vitess/mysql:8.0.23", "docker.io/vitess/mysql:8.0.22", "error"),
            ("docker.io/vitess/mysql:8.0.23", "docker.io/vitess/mysql:8.0.24", "yes"),
            ("docker.io/vitess/mysql:8.0.33", "docker.io/vitess/mysql:8.0.34", "yes"),
            ("docker.io/vitess/mysql:8.0.34", "docker.io/vitess/mysql:8.0.33", "error"),
            ("docker.io/vitess/mysql:8.0.33", "docker.io/vitess/mysql:8.0.35", "yes"),
            ("docker.io/vitess/mysql:8.0.35", "docker.io/vitess/mysql:8.0.33", "error"),
            ("docker.io/vitess/mysql:8.0.34", "docker.io/vitess/mysql:8.0.35", "no"),
            ("docker.io/vitess/mysql:8.0.35", "docker.io/vitess/mysql:8.0.34", "no"),
            ("docker.io/vitess/mysql:5.7.35", "docker.io/vitess/mysql:8.0.34", "yes"),
            ("docker.io/vitess/mysql:8.2.35", "docker.io/vitess/mysql:9.0.21", "yes"),
            ("docker.io/vitess/mysql:8.2.25", "docker.io/vitess/mysql:8.4.12", "yes"),
        ])
    func safeUpgradeTable(_ example: (current: String, desired: String, expected: String)) {
        let outcome: String
        switch Desired.safeUpgrade(current: example.current, desired: example.desired) {
        case .success(let needed): outcome = needed ? "yes" : "no"
        case .failure: outcome = "error"
        }
        #expect(outcome == example.expected)
    }

    @Test(
        "mysql_server_version comes from a mysqld image tag that starts like a MySQL version",
        arguments: [
            ("mysql:8.0.40", "8.0.40-Vitess"), ("docker.io/vitess/mysql:8.0.23", "8.0.23-Vitess"),
            ("vitess/lite:v22.0.0-mysql80", nil), ("mysql:latest", nil), ("mysql", nil), ("mysql:8.0", "8.0-Vitess"),
        ] as [(String, String?)])
    func serverVersion(_ example: (image: String, version: String?)) {
        #expect(Desired.mysqlServerVersion(mysqldImage: example.image) == example.version)
    }

    @Test("Pods carry what a kubelet reports: every container's status, timed conditions, a node, distinct IPs")
    func kubeletStatus() throws {
        let harness = try Harness()
        let pods = harness.store.list(.pod, namespace: "example").items
        var addresses: Set<String> = []
        for pod in pods {
            let containers = pod[path: ["spec", "containers"]].array ?? []
            let statuses = pod[path: ["status", "containerStatuses"]].array ?? []
            #expect(Set(containers.compactMap { $0["name"].string }) == Set(statuses.compactMap { $0["name"].string }))
            for status in statuses {
                #expect(status["imageID"].string?.contains("@sha256:") == true)
                #expect(status["containerID"].string?.hasPrefix("containerd://") == true)
                #expect(status["restartCount"] == 0 && status["started"] == true && !status["state"].isNull)
            }
            let conditions = (pod[path: ["status", "conditions"]].array ?? []).compactMap { $0["type"].string }
            #expect(conditions == ["PodScheduled", "Initialized", "ContainersReady", "Ready"])
            #expect(pod[path: ["spec", "nodeName"]].string?.hasPrefix("sandbox-node-") == true)
            addresses.insert(pod[path: ["status", "podIP"]].string ?? "")
        }
        #expect(addresses.count == pods.count)
        let tablet = harness.get(.pod, primaryPod)
        #expect(tablet[path: ["spec", "terminationGracePeriodSeconds"]] == 1800)
        #expect((tablet[path: ["status", "initContainerStatuses"]].array ?? []).count == 2)
    }
}
