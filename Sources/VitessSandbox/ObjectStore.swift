import Foundation
import NIOConcurrencyHelpers

/// A change as a watch reports it.
public struct WatchEvent: Sendable {
    /// `ADDED`, `MODIFIED` or `DELETED`.
    public var type: String
    /// The kind of the object.
    public var resource: ResourceType
    /// The object after the change (before it, for a deletion, with the deletion's resourceVersion).
    public var object: JSON
    /// The store revision of the change.
    public var revision: Int
}

/// How a write may touch an object, mirroring the API server's endpoints.
public enum WriteScope: Sendable {
    /// The main endpoint: for kinds with a status subresource, status changes are dropped.
    case main
    /// The `status` subresource: only status changes are kept.
    case status
    /// In-process writers (the emulated operator and fixture loader) may change everything at once.
    case everything
}

/// The in-memory object database behind the emulated API server.
///
/// It keeps the semantics clients rely on: a monotonic `resourceVersion` shared by all kinds, `generation`
/// bumped only by changes outside `metadata` and `status`, optimistic concurrency, and a bounded change log
/// that watches replay from, with 410 Gone once a version is compacted away.
public final class ObjectStore: Sendable {
    /// A registered watch callback and its filter.
    struct Watcher {
        var resource: ResourceType?
        var namespace: String?
        var labels: Selector
        var fields: Selector
        var deliver: @Sendable (WatchEvent) -> Void
    }

    struct State {
        var objects: [String: [String: JSON]] = [:]
        var revision = 1
        var log: [WatchEvent] = []
        var compacted = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var uidCounter = 0
        /// Tasks suspended in `waitForChange`, resumed by the next write.
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())
    private let logLimit: Int
    private let timestamp: @Sendable () -> String

    /// Creates a store. `timestamp` gives RFC 3339 times for `creationTimestamp` and friends.
    public init(logLimit: Int = 5000, timestamp: @escaping @Sendable () -> String) {
        self.logLimit = logLimit
        self.timestamp = timestamp
    }

    /// Runs `body` under the lock, keeping its typed error.
    private func locked<T>(_ body: (inout State) throws(APIError) -> T) throws(APIError) -> T {
        let result: Result<T, APIError> = state.withLockedValue { state in
            do throws(APIError) {
                return .success(try body(&state))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func objectKey(_ namespace: String, _ name: String) -> String { "\(namespace)/\(name)" }

    /// The current revision, which a list reports as its `resourceVersion`.
    public var revision: Int { state.withLockedValue { $0.revision } }

    /// The oldest revision a watch can still start from.
    public var compactedRevision: Int { state.withLockedValue { $0.compacted } }

    /// Forgets the change log up to now, so watches from older versions get 410 Gone.
    public func compact() {
        state.withLockedValue { state in
            state.log.removeAll()
            state.compacted = state.revision
        }
    }

    /// One object, or nil.
    public func get(_ type: ResourceType, namespace: String, name: String) -> JSON? {
        state.withLockedValue { $0.objects[type.key]?[Self.objectKey(namespace, name)] }
    }

    /// Objects of a kind, sorted by namespace and name, with the revision they were read at.
    public func list(
        _ type: ResourceType, namespace: String?, labels: Selector = .everything, fields: Selector = .everything
    ) -> (items: [JSON], revision: Int) {
        state.withLockedValue { state in
            // Filtered before sorting: most lists (a shard's Pods) keep a few of many objects.
            let items = (state.objects[type.key] ?? [:]).filter { _, object in
                (namespace == nil || object["metadata"]["namespace"].string == namespace)
                    && labels.matchesLabels(of: object) && fields.matchesFields(of: object)
            }.sorted { $0.key < $1.key }.map(\.value)
            return (items, state.revision)
        }
    }

    /// Creates an object; it gets a UID, timestamps, `generation` 1 and a new `resourceVersion`.
    @discardableResult
    public func create(_ type: ResourceType, namespace: String, object: JSON, scope: WriteScope = .main)
        throws(APIError) -> JSON
    {
        var object = object
        if object[path: ["metadata", "name"]].string == nil,
            let prefix = object[path: ["metadata", "generateName"]].string
        {
            object[path: ["metadata", "name"]] = .string(prefix + String(UUID().uuidString.prefix(5).lowercased()))
        }
        guard let name = object[path: ["metadata", "name"]].string, !name.isEmpty else {
            throw APIError.invalid("\(type.kind).\(type.group) is invalid: metadata.name: Required value")
        }
        let stamp = timestamp()
        return try locked { state throws(APIError) in
            let key = Self.objectKey(namespace, name)
            if state.objects[type.key]?[key] != nil { throw APIError.alreadyExists(type, name) }
            state.revision += 1
            state.uidCounter += 1
            object["apiVersion"] = .string(type.groupVersion)
            object["kind"] = .string(type.kind)
            object[path: ["metadata", "namespace"]] = .string(namespace)
            object[path: ["metadata", "uid"]] = .string(UUID().uuidString.lowercased())
            object[path: ["metadata", "creationTimestamp"]] = .string(stamp)
            object[path: ["metadata", "generation"]] = .int(1)
            object[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
            if type.hasStatus && scope == .main { object["status"] = .null }
            state.objects[type.key, default: [:]][key] = object
            record(&state, WatchEvent(type: "ADDED", resource: type, object: object, revision: state.revision))
            return object
        }
    }

    /// Replaces an object (PUT). A `resourceVersion` in the new object is a precondition.
    @discardableResult
    public func update(_ type: ResourceType, namespace: String, name: String, object: JSON, scope: WriteScope = .main)
        throws(APIError) -> JSON
    {
        try locked { state throws(APIError) in
            let key = Self.objectKey(namespace, name)
            guard let current = state.objects[type.key]?[key] else { throw APIError.notFound(type, name) }
            if let expected = object[path: ["metadata", "resourceVersion"]].string, !expected.isEmpty,
                expected != current[path: ["metadata", "resourceVersion"]].string
            {
                throw APIError.conflict(
                    type, name,
                    "the object has been modified; please apply your changes to the latest version and try again")
            }
            return try write(&state, type, key: key, current: current, proposed: object, scope: scope)
        }
    }

    /// Reads, changes and writes an object atomically; no `resourceVersion` race is possible.
    ///
    /// The closure returns false to skip the write (no-op changes never bump `resourceVersion`).
    @discardableResult
    public func mutate(
        _ type: ResourceType, namespace: String, name: String, scope: WriteScope = .everything,
        _ change: (inout JSON) throws(APIError) -> Void
    ) throws(APIError) -> JSON {
        try locked { state throws(APIError) in
            let key = Self.objectKey(namespace, name)
            guard let current = state.objects[type.key]?[key] else { throw APIError.notFound(type, name) }
            var proposed = current
            try change(&proposed)
            if proposed == current { return current }
            return try write(&state, type, key: key, current: current, proposed: proposed, scope: scope)
        }
    }

    /// Deletes an object; `uid` and `resourceVersion` are optional preconditions.
    @discardableResult
    public func delete(
        _ type: ResourceType, namespace: String, name: String, uid: String? = nil, resourceVersion: String? = nil
    ) throws(APIError) -> JSON {
        try locked { state throws(APIError) in
            let key = Self.objectKey(namespace, name)
            guard var current = state.objects[type.key]?[key] else { throw APIError.notFound(type, name) }
            if let uid, uid != current[path: ["metadata", "uid"]].string {
                throw APIError.conflict(type, name, "Precondition failed: UID in precondition: \(uid)")
            }
            if let resourceVersion, resourceVersion != current[path: ["metadata", "resourceVersion"]].string {
                throw APIError.conflict(
                    type, name, "Precondition failed: ResourceVersion in precondition: \(resourceVersion)")
            }
            state.objects[type.key]?[key] = nil
            state.revision += 1
            current[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
            record(&state, WatchEvent(type: "DELETED", resource: type, object: current, revision: state.revision))
            return current
        }
    }

    /// Starts a watch. Events after `since` are replayed first; with `since == nil` every current object is
    /// sent as `ADDED`, as the API server does for a watch without a version. Returns an id for `stopWatch`.
    public func watch(
        _ type: ResourceType?, namespace: String?, labels: Selector = .everything, fields: Selector = .everything,
        since: Int?, deliver: @escaping @Sendable (WatchEvent) -> Void
    ) throws(APIError) -> Int {
        try locked { state throws(APIError) in
            let watcher = Watcher(
                resource: type, namespace: namespace, labels: labels, fields: fields, deliver: deliver)
            if let since {
                if since < state.compacted { throw APIError.gone(since) }
                for event in state.log where event.revision > since && Self.accepts(watcher, event) {
                    deliver(event)
                }
            } else if let type {
                for object in (state.objects[type.key] ?? [:]).sorted(by: { $0.key < $1.key }).map(\.value) {
                    let event = WatchEvent(
                        type: "ADDED", resource: type, object: object,
                        revision: object[path: ["metadata", "resourceVersion"]].int ?? 0)
                    if Self.accepts(watcher, event) { deliver(event) }
                }
            }
            state.nextWatcher += 1
            state.watchers[state.nextWatcher] = watcher
            return state.nextWatcher
        }
    }

    /// Suspends until a write takes the store past `revision`, or `timeout` seconds of real time pass
    /// (the operator's loop: it reacts to a change at once, as controllers do to watch events).
    public func waitForChange(after revision: Int, timeout: Double) async {
        let id = state.withLockedValue { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let changed = state.withLockedValue { state -> Bool in
                if state.revision > revision { return true }
                state.waiters[id] = continuation
                return false
            }
            if changed { return continuation.resume() }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1_000_000_000))
                self.state.withLockedValue { $0.waiters.removeValue(forKey: id) }?.resume()
            }
        }
    }

    /// Ends a watch.
    public func stopWatch(_ id: Int) {
        _ = state.withLockedValue { $0.watchers.removeValue(forKey: id) }
    }

    private static func accepts(_ watcher: Watcher, _ event: WatchEvent) -> Bool {
        if let resource = watcher.resource, resource != event.resource { return false }
        if let namespace = watcher.namespace, event.object[path: ["metadata", "namespace"]].string != namespace {
            return false
        }
        return watcher.labels.matchesLabels(of: event.object) && watcher.fields.matchesFields(of: event.object)
    }

    private func write(
        _ state: inout State, _ type: ResourceType, key: String, current: JSON, proposed: JSON, scope: WriteScope
    ) throws(APIError) -> JSON {
        var next = proposed
        // Identity and bookkeeping fields always come from the stored object.
        for field in ["uid", "creationTimestamp", "namespace", "name", "generation"] {
            next[path: ["metadata", field]] = current[path: ["metadata", field]]
        }
        next["apiVersion"] = current["apiVersion"]
        next["kind"] = current["kind"]
        switch scope {
        case .main where type.hasStatus:
            next["status"] = current["status"]
        case .status:
            var onlyStatus = current
            onlyStatus["status"] = proposed["status"]
            next = onlyStatus
        default:
            break
        }
        var currentBody = current
        var nextBody = next
        for field in ["metadata", "status"] {
            currentBody[field] = .null
            nextBody[field] = .null
        }
        if currentBody != nextBody {
            next[path: ["metadata", "generation"]] = .int((current[path: ["metadata", "generation"]].int ?? 0) + 1)
        }
        var comparable = next
        comparable[path: ["metadata", "resourceVersion"]] = current[path: ["metadata", "resourceVersion"]]
        // A write that changes nothing keeps its resourceVersion and sends no event, as the API server does.
        if comparable == current { return current }
        state.revision += 1
        next[path: ["metadata", "resourceVersion"]] = .string(String(state.revision))
        state.objects[type.key]?[key] = next
        record(&state, WatchEvent(type: "MODIFIED", resource: type, object: next, revision: state.revision))
        return next
    }

    private func record(_ state: inout State, _ event: WatchEvent) {
        state.log.append(event)
        if state.log.count > logLimit {
            let dropped = state.log.count - logLimit
            state.compacted = state.log[dropped - 1].revision
            state.log.removeFirst(dropped)
        }
        // Deliveries only enqueue work (onto an event loop or the operator's queue), so calling them under
        // the lock keeps every watcher's view in revision order without re-entrancy.
        for watcher in state.watchers.values where Self.accepts(watcher, event) {
            watcher.deliver(event)
        }
        if !state.waiters.isEmpty {
            for waiter in state.waiters.values { waiter.resume() }
            state.waiters = [:]
        }
    }
}
