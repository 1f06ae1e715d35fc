/// One kind the emulated API server serves, with what discovery says about it.
public struct ResourceType: Sendable, Hashable {
    /// API group; empty for the core group.
    public var group: String
    /// API version.
    public var version: String
    /// The kind (`VitessShard`).
    public var kind: String
    /// The REST plural (`vitessshards`).
    public var plural: String
    /// Short names, as kubectl's `api-resources` lists them.
    public var shortNames: [String]
    /// Whether the kind has a `status` subresource; then the main endpoint ignores status changes.
    public var hasStatus: Bool

    /// `group/version`, or just `version` for the core group.
    public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// The singular resource name.
    public var singular: String { kind.lowercased() }
    /// The key the store files objects under.
    public var key: String { "\(group)/\(plural)" }

    /// The planetscale.com/v2 VitessCluster.
    public static let vitessCluster = ResourceType(
        group: "planetscale.com", version: "v2", kind: "VitessCluster", plural: "vitessclusters",
        shortNames: ["vt"], hasStatus: true)
    /// The planetscale.com/v2 VitessCell.
    public static let vitessCell = ResourceType(
        group: "planetscale.com", version: "v2", kind: "VitessCell", plural: "vitesscells",
        shortNames: ["vtc"], hasStatus: true)
    /// The planetscale.com/v2 VitessKeyspace.
    public static let vitessKeyspace = ResourceType(
        group: "planetscale.com", version: "v2", kind: "VitessKeyspace", plural: "vitesskeyspaces",
        shortNames: ["vtk"], hasStatus: true)
    /// The planetscale.com/v2 VitessShard.
    public static let vitessShard = ResourceType(
        group: "planetscale.com", version: "v2", kind: "VitessShard", plural: "vitessshards",
        shortNames: ["vts"], hasStatus: true)
    /// The planetscale.com/v2 EtcdLockserver.
    public static let etcdLockserver = ResourceType(
        group: "planetscale.com", version: "v2", kind: "EtcdLockserver", plural: "etcdlockservers",
        shortNames: ["etcdls"], hasStatus: true)
    /// Core Pods.
    public static let pod = ResourceType(
        group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"], hasStatus: true)
    /// Core Events.
    public static let event = ResourceType(
        group: "", version: "v1", kind: "Event", plural: "events", shortNames: ["ev"], hasStatus: false)
    /// Core ConfigMaps.
    public static let configMap = ResourceType(
        group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"], hasStatus: false)
    /// Core Secrets (fixtures carry them beside the VitessCluster; the sandbox only stores them).
    public static let secret = ResourceType(
        group: "", version: "v1", kind: "Secret", plural: "secrets", shortNames: [], hasStatus: false)
    /// apps/v1 Deployments.
    public static let deployment = ResourceType(
        group: "apps", version: "v1", kind: "Deployment", plural: "deployments", shortNames: ["deploy"],
        hasStatus: true)
    /// coordination.k8s.io/v1 Leases.
    public static let lease = ResourceType(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", shortNames: [],
        hasStatus: false)

    /// Every kind the sandbox serves.
    public static let all: [ResourceType] = [
        .vitessCluster, .vitessCell, .vitessKeyspace, .vitessShard, .etcdLockserver, .pod, .event, .configMap,
        .secret, .deployment, .lease,
    ]

    /// Looks a kind up by group and plural.
    public static func find(group: String, plural: String) -> ResourceType? {
        all.first { $0.group == group && $0.plural == plural }
    }
}
