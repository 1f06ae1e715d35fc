/// The raw objects an inventory is built from: the result of a handful of LIST calls, or of a
/// snapshot file.
public struct ClusterObjects: Sendable, Hashable {
    /// VitessClusters.
    public var clusters: [VitessClusterObject] = []
    /// VitessCells.
    public var cells: [VitessCellObject] = []
    /// VitessKeyspaces.
    public var keyspaces: [VitessKeyspaceObject] = []
    /// VitessShards.
    public var shards: [VitessShardObject] = []
    /// Pods: vttablets and etcd members (others are ignored).
    public var pods: [PodObject] = []
    /// Deployments.
    public var deployments: [DeploymentObject] = []
    /// Events.
    public var events: [EventObject] = []

    /// Empty.
    public init() {}

    /// The total number of objects.
    public var count: Int {
        clusters.count + cells.count + keyspaces.count + shards.count + pods.count + deployments.count + events.count
    }
}
