import Foundation
import KubeClient
import VitessModel

/// A watch-fed copy of the objects an inventory reads, like a client-go informer.
///
/// Each kind is listed once (the watch's first `.relisted`) and then kept current from watch events,
/// decoding only the object that changed. `inventory()` builds from the copy without any request,
/// so a long rollout costs its watches plus its own writes, not a re-list per change. A 410 Gone
/// relists that kind and replaces its copy.
public actor ClusterMirror {
    /// The cluster.
    public nonisolated let api: any ClusterAPI
    /// The VitessCluster's name.
    public nonisolated let cluster: String
    /// The namespace.
    public nonisolated let namespace: String

    private var copies: [Int: [String: Decoded]] = [:]
    private var synced: Set<Int> = []
    private var watchers: [Task<Void, Never>] = []
    private var failure: (any Error)?
    private var signal: AsyncStream<Void>.Continuation?

    private enum Decoded: Sendable {
        case cluster(VitessClusterObject)
        case cell(VitessCellObject)
        case keyspace(VitessKeyspaceObject)
        case shard(VitessShardObject)
        case pod(PodObject)
        case deployment(DeploymentObject)
        case event(EventObject)
    }

    private static let kinds: [(ResourceKind, label: String?, field: String?)] = [
        (.vitessCluster, nil, nil), (.vitessCell, nil, nil), (.vitessKeyspace, nil, nil), (.vitessShard, nil, nil),
        (.pod, InventoryLoader.podSelector, nil), (.deployment, nil, nil), (.event, nil, "type=Warning"),
    ]

    /// Whether Warning Events are watched (for `inventory().warnings`).
    public nonisolated let watchesEvents: Bool

    /// Creates a mirror; nothing is read until `start`. Without `watchesEvents` the inventory has no
    /// warnings, and an Event (the operator repeats some every few seconds) wakes nobody.
    public init(api: any ClusterAPI, cluster: String, namespace: String, watchesEvents: Bool = true) {
        self.api = api
        self.cluster = cluster
        self.namespace = namespace
        self.watchesEvents = watchesEvents
    }

    private var kinds: [(ResourceKind, label: String?, field: String?)] {
        watchesEvents ? Self.kinds : Self.kinds.filter { $0.0 != .event }
    }

    /// Starts the watches. The stream ticks (coalesced) whenever the copy changed, first once every
    /// kind has been listed. It finishes when a watch fails for good; `inventory()` then throws.
    public func start() -> AsyncStream<Void> {
        let (ticks, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        self.signal = signal
        for (index, entry) in Self.kinds.enumerated() where watchesEvents || entry.0 != .event {
            let options = WatchOptions(labelSelector: entry.label, fieldSelector: entry.field)
            let stream = api.watch(entry.0, namespace: namespace, options: options)
            watchers.append(
                Task { [weak self] in
                    do {
                        for try await event in stream {
                            guard let self else { return }
                            await self.apply(event, kind: index)
                        }
                    } catch {
                        await self?.fail(error)
                    }
                })
        }
        return ticks
    }

    /// Stops every watch.
    public func stop() {
        watchers.forEach { $0.cancel() }
        watchers = []
        signal?.finish()
    }

    /// The inventory of the copy as it is now.
    public func inventory() throws -> Inventory {
        if let failure { throw failure }
        var objects = ClusterObjects()
        for copy in copies.values {
            for object in copy.values {
                switch object {
                case .cluster(let o): objects.clusters.append(o)
                case .cell(let o): objects.cells.append(o)
                case .keyspace(let o): objects.keyspaces.append(o)
                case .shard(let o): objects.shards.append(o)
                case .pod(let o): objects.pods.append(o)
                case .deployment(let o): objects.deployments.append(o)
                case .event(let o): objects.events.append(o)
                }
            }
        }
        return try Inventory.build(cluster: cluster, namespace: namespace, from: objects).get()
    }

    private func fail(_ error: any Error) {
        if error is CancellationError { return }
        failure = failure ?? error
        signal?.yield()
        signal?.finish()
    }

    private func apply(_ event: WatchEvent, kind: Int) {
        switch event {
        case .bookmark:
            return
        case .relisted(let items, _):
            var copy: [String: Decoded] = [:]
            for item in items { if let decoded = decode(item, kind: kind) { copy[item.name] = decoded } }
            copies[kind] = copy
            synced.insert(kind)
        case .added(let object), .modified(let object):
            if let decoded = decode(object, kind: kind) { copies[kind, default: [:]][object.name] = decoded }
        case .deleted(let object):
            copies[kind]?[object.name] = nil
        }
        if synced.count == kinds.count { signal?.yield() }
    }

    private func decode(_ object: KubeObject, kind: Int) -> Decoded? {
        let decoder = JSONDecoder()
        do {
            let data = try object.json.encoded()
            switch kind {
            case 0: return .cluster(try decoder.decode(VitessClusterObject.self, from: data))
            case 1: return .cell(try decoder.decode(VitessCellObject.self, from: data))
            case 2: return .keyspace(try decoder.decode(VitessKeyspaceObject.self, from: data))
            case 3: return .shard(try decoder.decode(VitessShardObject.self, from: data))
            case 4: return .pod(try decoder.decode(PodObject.self, from: data))
            case 5: return .deployment(try decoder.decode(DeploymentObject.self, from: data))
            default: return .event(try decoder.decode(EventObject.self, from: data))
            }
        } catch {
            failure =
                failure
                ?? InventoryLoadError(
                    description: "\(Self.kinds[kind].0.kind) '\(object.name)' does not decode: \(error)")
            return nil
        }
    }
}
