import Foundation
import Testing

@testable import VitessSandbox

@Suite("Object store semantics")
struct ObjectStoreTests {
    func makeStore(logLimit: Int = 100) -> ObjectStore {
        ObjectStore(logLimit: logLimit, timestamp: { "2026-01-01T00:00:00Z" })
    }

    func shard(_ name: String, image: String = "v1") -> JSON {
        [
            "metadata": ["name": .string(name), "labels": ["planetscale.com/keyspace": "commerce"]],
            "spec": ["image": .string(image)],
        ]
    }

    @Test("Create stamps identity; resourceVersion is monotonic; no-op writes keep it")
    func createAndVersions() throws {
        let store = makeStore()
        let first = try store.create(.vitessShard, namespace: "ns", object: shard("a"))
        let second = try store.create(.vitessShard, namespace: "ns", object: shard("b"))
        #expect(first[path: ["metadata", "generation"]] == 1)
        #expect(first[path: ["metadata", "uid"]].string != nil)
        #expect(first["apiVersion"] == "planetscale.com/v2")
        #expect(
            (second[path: ["metadata", "resourceVersion"]].int ?? 0)
                > (first[path: ["metadata", "resourceVersion"]].int ?? 0))
        let same = try store.update(.vitessShard, namespace: "ns", name: "a", object: first)
        #expect(same[path: ["metadata", "resourceVersion"]] == first[path: ["metadata", "resourceVersion"]])
        #expect(throws: APIError.self) { try store.create(.vitessShard, namespace: "ns", object: shard("a")) }
    }

    @Test("Spec changes bump generation; metadata and status changes do not")
    func generation() throws {
        let store = makeStore()
        try store.create(.vitessShard, namespace: "ns", object: shard("a"))
        let annotated = try store.mutate(.vitessShard, namespace: "ns", name: "a") {
            $0[path: ["metadata", "annotations", "x"]] = "y"
            $0[path: ["status", "observedGeneration"]] = 1
        }
        #expect(annotated[path: ["metadata", "generation"]] == 1)
        let edited = try store.mutate(.vitessShard, namespace: "ns", name: "a") { $0[path: ["spec", "image"]] = "v2" }
        #expect(edited[path: ["metadata", "generation"]] == 2)
    }

    @Test("Stale resourceVersion gives 409 Conflict; the main endpoint ignores status")
    func conflictsAndStatus() throws {
        let store = makeStore()
        let created = try store.create(.vitessShard, namespace: "ns", object: shard("a"))
        var stale = created
        stale[path: ["metadata", "resourceVersion"]] = "1"
        #expect(
            throws: APIError.conflict(
                .vitessShard, "a",
                "the object has been modified; please apply your changes to the latest version and try again")
        ) {
            try store.update(.vitessShard, namespace: "ns", name: "a", object: stale)
        }
        var withStatus = created
        withStatus["status"] = ["idle": "True"]
        let main = try store.update(.vitessShard, namespace: "ns", name: "a", object: withStatus)
        #expect(main["status"].isNull)
        let status = try store.update(.vitessShard, namespace: "ns", name: "a", object: withStatus, scope: .status)
        #expect(status[path: ["status", "idle"]] == "True")
    }

    @Test("Delete preconditions on uid")
    func deletePreconditions() throws {
        let store = makeStore()
        try store.create(.pod, namespace: "ns", object: shard("p"))
        #expect(throws: APIError.self) { try store.delete(.pod, namespace: "ns", name: "p", uid: "other") }
        try store.delete(.pod, namespace: "ns", name: "p")
        #expect(store.get(.pod, namespace: "ns", name: "p") == nil)
    }

    @Test("Label and field selectors")
    func selectors() throws {
        let store = makeStore()
        try store.create(.vitessShard, namespace: "ns", object: shard("a"))
        var other = shard("b")
        other[path: ["metadata", "labels", "planetscale.com/keyspace"]] = "customer"
        try store.create(.vitessShard, namespace: "ns", object: other)
        let byLabel = store.list(
            .vitessShard, namespace: "ns", labels: try Selector(parsing: "planetscale.com/keyspace=customer"))
        #expect(byLabel.items.map { $0[path: ["metadata", "name"]] } == ["b"])
        let byIn = store.list(
            .vitessShard, namespace: nil, labels: try Selector(parsing: "planetscale.com/keyspace in (commerce, x)"))
        #expect(byIn.items.count == 1)
        let byField = store.list(.vitessShard, namespace: "ns", fields: try Selector(parsing: "metadata.name=a"))
        #expect(byField.items.count == 1)
        let notEqual = store.list(
            .vitessShard, namespace: "ns", labels: try Selector(parsing: "planetscale.com/keyspace!=commerce"))
        #expect(notEqual.items.count == 1)
    }

    @Test("Watches replay from a version and fail with 410 once it is compacted")
    func watchAndGone() throws {
        let store = makeStore(logLimit: 3)
        let start = store.revision
        for index in 0..<5 { try store.create(.pod, namespace: "ns", object: shard("p\(index)")) }
        #expect(throws: APIError.gone(start)) {
            _ = try store.watch(.pod, namespace: "ns", since: start) { _ in }
        }
        let recent = store.revision - 1
        let seen = Box()
        let id = try store.watch(.pod, namespace: "ns", since: recent) { seen.append($0.type) }
        try store.delete(.pod, namespace: "ns", name: "p0")
        store.stopWatch(id)
        #expect(seen.values == ["ADDED", "DELETED"])
    }
}

/// Collects values from `@Sendable` callbacks in tests.
final class Box: @unchecked Sendable {
    private let lock = NSLockish()
    private var storage: [String] = []
    func append(_ value: String) { lock.with { storage.append(value) } }
    var values: [String] { lock.with { storage } }
}

/// A lock wrapper usable from Swift 6 code on Linux.
final class NSLockish: @unchecked Sendable {
    private let lock = NSLock()
    func with<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
