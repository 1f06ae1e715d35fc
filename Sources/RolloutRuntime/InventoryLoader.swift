import Foundation
import KubeClient
import VitessModel

/// Loads what an inventory needs from the API server with a handful of LIST calls, never one GET
/// per object: VitessClusters, VitessCells, VitessKeyspaces, VitessShards, Deployments, the tablet
/// and etcd Pods, and Warning Events.
public enum InventoryLoader {
    /// The label selector for the Pods an inventory reads.
    public static let podSelector = "\(OperatorLabel.component) in (vttablet,etcd)"

    /// Lists every kind and decodes the objects. Each kind is one LIST (paged by the client).
    public static func objects(from api: any ClusterAPI, namespace: String) async throws -> ClusterObjects {
        async let clusters = decode(VitessClusterObject.self, api, .vitessCluster, namespace)
        async let cells = decode(VitessCellObject.self, api, .vitessCell, namespace)
        async let keyspaces = decode(VitessKeyspaceObject.self, api, .vitessKeyspace, namespace)
        async let shards = decode(VitessShardObject.self, api, .vitessShard, namespace)
        async let pods = decode(PodObject.self, api, .pod, namespace, ListOptions(labelSelector: podSelector))
        async let deployments = decode(DeploymentObject.self, api, .deployment, namespace)
        async let events = decode(EventObject.self, api, .event, namespace, ListOptions(fieldSelector: "type=Warning"))
        var objects = ClusterObjects()
        objects.clusters = try await clusters
        objects.cells = try await cells
        objects.keyspaces = try await keyspaces
        objects.shards = try await shards
        objects.pods = try await pods
        objects.deployments = try await deployments
        objects.events = try await events
        return objects
    }

    /// Lists and builds the inventory of one VitessCluster.
    public static func inventory(from api: any ClusterAPI, cluster: String, namespace: String) async throws -> Inventory
    {
        try Inventory.build(
            cluster: cluster, namespace: namespace, from: try await objects(from: api, namespace: namespace)
        )
        .get()
    }

    private static func decode<T: Decodable>(
        _ type: T.Type, _ api: any ClusterAPI, _ kind: ResourceKind,
        _ namespace: String, _ options: ListOptions = ListOptions(limit: 500)
    )
        async throws -> [T]
    {
        var options = options
        if options.limit == nil { options.limit = 500 }
        let list = try await api.listAll(kind, namespace: namespace, options: options)
        let decoder = JSONDecoder()
        return try list.items.map { item in
            do {
                return try decoder.decode(T.self, from: item.json.encoded())
            } catch {
                throw InventoryLoadError(description: "\(kind.kind) '\(item.name)' does not decode: \(error)")
            }
        }
    }
}

/// An object from the API server that does not have the shape the operator gives it.
public struct InventoryLoadError: Error, CustomStringConvertible {
    /// What did not decode.
    public let description: String
}
