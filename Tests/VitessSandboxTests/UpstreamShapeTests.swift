import Foundation
import Testing
import VitessModel
import Yams

@testable import VitessSandbox

/// Our fixtures with the shapes of vitess-operator's end-to-end manifests (`Fixtures/upstream-shapes/README.md`
/// says which manifest each reproduces and what the operator creates for it), plus one production-like layout
/// with a custom partitioning. Each must load as `sandbox --fixture` loads it and yield the objects the operator
/// would create, with nothing pending.
@Suite("Upstream manifest shapes load and yield the operator's objects")
struct UpstreamShapeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Fixtures")

    /// What the operator creates for one fixture (from the README's table, derived from the operator source).
    struct Expected: Sendable, CustomStringConvertible {
        var file: String
        var keyspaces: Int
        var shards: Set<String>
        var tabletPods: Int
        var vtorc: Int
        var vtctld: Int = 1
        var vtadmin: Int = 0
        var cells: Int = 1
        var etcdMembers: Int = 3
        var description: String { file }
    }

    static let expectations: [Expected] = [
        Expected(file: "upstream-shapes/101_initial_cluster.yaml", keyspaces: 1, shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(file: "upstream-shapes/cluster_upgrade.yaml", keyspaces: 1, shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(
            file: "upstream-shapes/201_customer_tablets.yaml", keyspaces: 2, shards: ["commerce/-", "customer/-"],
            tabletPods: 6, vtorc: 2),
        Expected(
            file: "upstream-shapes/302_new_shards.yaml", keyspaces: 2,
            shards: ["commerce/-", "customer/-", "customer/-8000", "customer/8000-"], tabletPods: 12, vtorc: 4),
        Expected(
            file: "upstream-shapes/306_down_shard_0.yaml", keyspaces: 2,
            shards: ["commerce/-", "customer/-8000", "customer/8000-"], tabletPods: 9, vtorc: 3),
        Expected(
            file: "upstream-shapes/401_scheduled_backups.yaml", keyspaces: 2,
            shards: ["commerce/-", "customer/-8000", "customer/8000-"], tabletPods: 9, vtorc: 3),
        Expected(file: "upstream-shapes/101_initial_cluster_backup.yaml", keyspaces: 1, shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(file: "upstream-shapes/102_keyspace_teardown.yaml", keyspaces: 0, shards: [], tabletPods: 0, vtorc: 0),
        Expected(file: "upstream-shapes/101_initial_cluster_autoscale.yaml", keyspaces: 1, shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(file: "upstream-shapes/cluster_autoscale.yaml", keyspaces: 1, shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(
            file: "upstream-shapes/101_initial_cluster_backup_schedule.yaml", keyspaces: 1, shards: ["commerce/-"],
            tabletPods: 3, vtorc: 1),
        Expected(
            file: "upstream-shapes/101_initial_cluster_unmanaged_tablet.yaml", keyspaces: 1, shards: ["commerce/-"],
            tabletPods: 1, vtorc: 0),
        Expected(
            file: "upstream-shapes/101_initial_cluster_vtorc_vtadmin.yaml", keyspaces: 1, shards: ["commerce/-"],
            tabletPods: 3, vtorc: 1, vtadmin: 1),
        Expected(
            file: "upstream-shapes/102_initial_cluster_keyspace_backup_schedule.yaml", keyspaces: 2,
            shards: ["commerce/-", "customer/-"], tabletPods: 6, vtorc: 2),
        Expected(
            file: "upstream-shapes/103_initial_cluster_vtctldclient_backup_schedule.yaml", keyspaces: 1,
            shards: ["commerce/-"], tabletPods: 3, vtorc: 1),
        Expected(
            file: "custom-partitioning.yaml", keyspaces: 1, shards: ["orders/-40", "orders/40-c0", "orders/c0-"],
            tabletPods: 9, vtorc: 4, vtctld: 1, vtadmin: 1, cells: 2, etcdMembers: 6),
    ]

    /// The file's documents as `sandbox --fixture` reads them.
    static func load(_ file: String) throws -> FixtureDocuments {
        let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
        let documents = try Yams.load_all(yaml: text).compactMap { value -> JSON? in
            guard !(value is NSNull) else { return nil }
            return try JSON.parse(JSONSerialization.data(withJSONObject: value))
        }
        return try FixtureDocuments(documents: documents)
    }

    @Test("Each fixture starts and yields the operator's objects, nothing pending", arguments: expectations)
    func loads(_ expected: Expected) throws {
        let documents = try Self.load(expected.file)
        let sandbox = try Sandbox(cluster: documents.cluster, clock: ManualClock(), objects: documents.objects)
        sandbox.operator.settle()
        let namespace = sandbox.namespace
        func count(_ type: ResourceType, component: String? = nil) -> Int {
            sandbox.store.list(type, namespace: namespace).items.filter {
                component == nil || $0[path: ["metadata", "labels", OperatorLabel.component]].string == component
            }.count
        }
        #expect(count(.vitessCell) == expected.cells)
        #expect(count(.vitessKeyspace) == expected.keyspaces)
        let shards = sandbox.store.list(.vitessShard, namespace: namespace).items.map {
            "\($0[path: ["metadata", "labels", OperatorLabel.keyspace]].string ?? "")/\($0[path: ["spec", "name"]].string ?? "")"
        }
        #expect(Set(shards) == expected.shards)
        #expect(count(.pod, component: "vttablet") == expected.tabletPods)
        #expect(count(.pod, component: "etcd") == expected.etcdMembers)
        #expect(count(.deployment, component: "vtgate") == expected.cells)
        #expect(count(.deployment, component: "vtctld") == expected.vtctld)
        #expect(count(.deployment, component: "vtadmin") == expected.vtadmin)
        #expect(count(.deployment, component: "vtorc") == expected.vtorc)
        for type in [ResourceType.vitessCell, .vitessKeyspace, .vitessShard, .pod, .deployment] {
            for object in sandbox.store.list(type, namespace: namespace).items {
                #expect(
                    object[path: ["metadata", "annotations", RolloutAnnotation.scheduled]].isNull,
                    "\(object[path: ["metadata", "name"]]) is pending on a freshly loaded tree")
            }
        }
        // Every shard with a master-eligible pool has its primary.
        for shard in sandbox.store.list(.vitessShard, namespace: namespace).items
        where !(shard[path: ["status", "tablets"]].object ?? [:]).isEmpty {
            #expect(!shard[path: ["status", "masterAlias"]].isNull)
        }
    }

    @Test("A multi-document file keeps its Secrets and names what it skips")
    func multiDocument() throws {
        let documents = try Self.load("custom-partitioning.yaml")
        #expect(documents.objects.map(\.type) == [.secret])
        #expect(documents.skipped == ["PersistentVolumeClaim/atlas-backups"])
        let sandbox = try Sandbox(cluster: documents.cluster, clock: ManualClock(), objects: documents.objects)
        #expect(sandbox.store.get(.secret, namespace: "vtop-custom", name: "atlas-config") != nil)
    }

    @Test("The custom partitioning's inline template, the keyspace image and extraVitessFlags reach the tablets")
    func customPartitioning() throws {
        let documents = try Self.load("custom-partitioning.yaml")
        let sandbox = try Sandbox(cluster: documents.cluster, clock: ManualClock(), objects: documents.objects)
        sandbox.operator.settle()
        let shard = try #require(
            sandbox.store.list(.vitessShard, namespace: "vtop-custom").items.first {
                $0[path: ["spec", "name"]] == "c0-"
            })
        #expect(shard[path: ["spec", "keyRange"]] == ["start": "c0", "end": ""])
        #expect(shard[path: ["metadata", "annotations", "example.com/owner"]] == "payments")
        #expect(shard[path: ["spec", "images", "vttablet"]] == "vitess/lite:v22.0.3-mysql80")
        let pod = try #require(
            sandbox.store.list(.pod, namespace: "vtop-custom", labels: Selector(parsing: "planetscale.com/shard=c0-x"))
                .items.first)
        let vttablet = try #require(pod[path: ["spec", "containers"]].array?.first)
        #expect(vttablet["image"] == "vitess/lite:v22.0.3-mysql80")
        let args = (vttablet["args"].array ?? []).compactMap(\.string)
        #expect(args.contains("--grpc_keepalive_time=30s"))
        #expect(args.contains("--queryserver-config-pool-size=48"))
        #expect(args.contains("--mysql_server_version=8.0.40-Vitess"))
        let cellLocal = OperatorNames.localEtcd(cluster: "atlas", cell: "zone2")
        #expect(sandbox.store.get(.etcdLockserver, namespace: "vtop-custom", name: cellLocal) != nil)
    }

    @Test("Pods deserialize with the Python kubernetes client's strict models", .enabled(if: pythonKubernetes))
    func pythonClient() throws {
        let documents = try Self.load("custom-partitioning.yaml")
        let sandbox = try Sandbox(cluster: documents.cluster, clock: ManualClock(), objects: documents.objects)
        sandbox.operator.settle()
        var pods = sandbox.store.list(.pod, namespace: "vtop-custom").items
        // One Terminating Pod too, as a kubelet reports it while it shuts down.
        let victim = pods[0][path: ["metadata", "name"]].string ?? ""
        _ = try sandbox.operator.deletePodThroughAPI(name: victim, uid: nil)
        pods = sandbox.store.list(.pod, namespace: "vtop-custom").items
        let deployments = sandbox.store.list(.deployment, namespace: "vtop-custom").items
        let list: JSON = [
            "pods": ["apiVersion": "v1", "kind": "PodList", "metadata": [:], "items": .array(pods)],
            "deployments": [
                "apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": [:], "items": .array(deployments),
            ],
        ]
        let script = """
            import inspect, json, sys
            from kubernetes import client
            api = client.ApiClient()
            class R:
                def __init__(self, data): self.data = data
            lists = json.load(sys.stdin)
            def load(value, kind):
                # kubernetes >= 35 takes the text and a content type; older clients a response object.
                if "content_type" in inspect.signature(api.deserialize).parameters:
                    return api.deserialize(json.dumps(value), kind, "application/json")
                return api.deserialize(R(json.dumps(value)), kind)
            pods = load(lists["pods"], "V1PodList")
            deployments = load(lists["deployments"], "V1DeploymentList")
            terminating = [p for p in pods.items if p.metadata.deletion_timestamp is not None]
            print(len(pods.items), len(deployments.items), len(terminating),
                  all(len(p.status.container_statuses) == len(p.spec.containers) for p in pods.items))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let input = Pipe()
        let output = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(list.data)
        try input.fileHandleForWriting.close()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(problems)")
        #expect(printed == "\(pods.count) \(deployments.count) 1 True\n")
    }
}

/// Whether `python3 -c "import kubernetes"` works (the Python client is an optional test dependency).
let pythonKubernetes: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import kubernetes"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do {
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus == 0
    } catch {
        return false
    }
}()
