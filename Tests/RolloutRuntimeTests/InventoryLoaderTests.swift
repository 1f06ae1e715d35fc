import Foundation
import KubeClient
import RolloutRuntime
import Testing
import VitessModel

/// An in-memory ClusterAPI serving fixed lists and recording every call.
final class FakeCluster: ClusterAPI, @unchecked Sendable {
    // All mutable state is guarded by `lock`.
    let defaultNamespace = "example"
    private let lock = NSLock()
    private var objects: [String: [KubeObject]] = [:]
    private(set) var calls: [String] = []

    init(_ source: ClusterObjects) throws {
        let encoder = JSONEncoder()
        func add<T: Encodable>(_ plural: String, _ items: [T]) throws {
            objects[plural] = try items.map { KubeObject(try JSONValue(data: try encoder.encode($0))) }
        }
        try add("vitessclusters", source.clusters)
        try add("vitesscells", source.cells)
        try add("vitesskeyspaces", source.keyspaces)
        try add("vitessshards", source.shards)
        try add("pods", source.pods)
        try add("deployments", source.deployments)
        try add("events", source.events)
    }

    func list(_ kind: ResourceKind, namespace: String?, options: ListOptions) async throws -> KubeList {
        lock.withLock {
            calls.append("list \(kind.plural) \(options.labelSelector ?? "") \(options.fieldSelector ?? "")")
            return KubeList(items: objects[kind.plural] ?? [], resourceVersion: "1", continueToken: nil)
        }
    }

    func get(_ kind: ResourceKind, namespace: String?, name: String) async throws -> KubeObject {
        lock.withLock { calls.append("get \(kind.plural) \(name)") }
        throw KubeError.notFound(resource: kind.resourceName, name: name, namespace: namespace, message: "not found")
    }

    /// Events each watch yields before it ends (for ClusterChanges); none by default.
    var eventsPerWatch = 0

    func watch(_ kind: ResourceKind, namespace: String?, options: WatchOptions)
        -> AsyncThrowingStream<WatchEvent, any Error>
    {
        let count = eventsPerWatch
        lock.withLock { calls.append("watch \(kind.plural) \(options.labelSelector ?? "")") }
        return AsyncThrowingStream { continuation in
            for _ in 0..<count {
                continuation.yield(.modified(KubeObject(["metadata": ["name": "x"]])))
            }
            continuation.finish()
        }
    }

    /// Called on each patch, to play the operator: it may rewrite the stored objects.
    var onPatch: (@Sendable (FakeCluster, ResourceKind, String) -> Void)?

    func patch(_ kind: ResourceKind, namespace: String?, name: String, patch: Patch) async throws -> KubeObject {
        lock.withLock { calls.append("patch \(kind.plural) \(name)") }
        onPatch?(self, kind, name)
        return KubeObject(["metadata": ["name": .string(name)]])
    }

    /// Rewrites one stored object through its Codable model.
    func edit<T: Codable>(_ type: T.Type, _ plural: String, _ name: String, _ change: (inout T) -> Void) {
        lock.withLock {
            guard let index = objects[plural]?.firstIndex(where: { $0.name == name }),
                var value = try? JSONDecoder().decode(T.self, from: objects[plural]![index].json.encoded())
            else { return }
            change(&value)
            if let data = try? JSONEncoder().encode(value), let json = try? JSONValue(data: data) {
                objects[plural]![index] = KubeObject(json)
            }
        }
    }

    /// Objects created, such as audit Events.
    private(set) var created: [KubeObject] = []

    func create(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject {
        lock.withLock { created.append(object) }
        return object
    }
    func update(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject { object }
    func delete(_ kind: ResourceKind, namespace: String?, name: String) async throws {}
}

@Suite struct InventoryLoaderTests {
    static func snapshot() throws -> ClusterObjects {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("VitessModelTests/Fixtures/example-snapshot.yaml")
        return try ClusterSnapshot.parse(try String(contentsOf: url, encoding: .utf8))
    }

    @Test func aHandfulOfListCallsAndNoGets() async throws {
        let cluster = try FakeCluster(try Self.snapshot())
        let inventory = try await InventoryLoader.inventory(from: cluster, cluster: "example", namespace: "example")
        #expect(inventory.tablets.count == 7)
        #expect(inventory.etcdMembers.count == 3)
        #expect(cluster.calls.count == 7)
        #expect(cluster.calls.allSatisfy { $0.hasPrefix("list ") })
        #expect(cluster.calls.contains("list pods planetscale.com/component in (vttablet,etcd) "))
        #expect(cluster.calls.contains("list events  type=Warning"))
    }

    @Test func theSameInventoryAsFromTheSnapshotFile() async throws {
        let source = try Self.snapshot()
        let direct = try Inventory.build(cluster: "example", namespace: "example", from: source).get()
        let loaded = try await InventoryLoader.inventory(
            from: try FakeCluster(source), cluster: "example",
            namespace: "example")
        #expect(loaded == direct)
    }
}
