/// Where a kind of resource lives in the Kubernetes REST API. The client is generic over this value
/// instead of having one hand-written type per kind.
public struct ResourceKind: Sendable, Hashable, CustomStringConvertible {
    /// The API group; empty for the core group (Pods, Events, ConfigMaps).
    public var group: String
    /// The API version within the group, such as `v1` or `v2`.
    public var version: String
    /// The kind as it appears in `kind:` fields, such as `VitessShard`.
    public var kind: String
    /// The lower-case plural used in URLs, such as `vitessshards`.
    public var plural: String
    /// Whether objects of this kind live in a namespace.
    public var namespaced: Bool

    /// Describes a resource kind.
    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
    }

    /// `apiVersion` as written in objects: `v1` for core, `group/version` otherwise.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The resource name RBAC uses, such as `vitessshards.planetscale.com` or `pods`.
    public var resourceName: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The resource name, for messages.
    public var description: String { resourceName }

    /// The collection path, such as `/apis/planetscale.com/v2/namespaces/ns/vitessshards`.
    /// A nil namespace on a namespaced kind addresses all namespaces.
    public func collectionPath(namespace: String?) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace {
            path += "/namespaces/\(Self.escape(namespace))"
        }
        return path + "/\(plural)"
    }

    /// The path of one named object.
    public func objectPath(namespace: String?, name: String) -> String {
        collectionPath(namespace: namespace) + "/\(Self.escape(name))"
    }

    private static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/")))
            ?? segment
    }
}

extension ResourceKind {
    /// planetscale.com/v2 VitessCluster.
    public static let vitessCluster = ResourceKind(
        group: "planetscale.com", version: "v2", kind: "VitessCluster", plural: "vitessclusters")
    /// planetscale.com/v2 VitessCell.
    public static let vitessCell = ResourceKind(
        group: "planetscale.com", version: "v2", kind: "VitessCell", plural: "vitesscells")
    /// planetscale.com/v2 VitessKeyspace.
    public static let vitessKeyspace = ResourceKind(
        group: "planetscale.com", version: "v2", kind: "VitessKeyspace", plural: "vitesskeyspaces")
    /// planetscale.com/v2 VitessShard.
    public static let vitessShard = ResourceKind(
        group: "planetscale.com", version: "v2", kind: "VitessShard", plural: "vitessshards")
    /// core/v1 Pod.
    public static let pod = ResourceKind(group: "", version: "v1", kind: "Pod", plural: "pods")
    /// core/v1 Event.
    public static let event = ResourceKind(group: "", version: "v1", kind: "Event", plural: "events")
    /// core/v1 ConfigMap.
    public static let configMap = ResourceKind(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps")
    /// apps/v1 Deployment.
    public static let deployment = ResourceKind(
        group: "apps", version: "v1", kind: "Deployment", plural: "deployments")
    /// coordination.k8s.io/v1 Lease.
    public static let lease = ResourceKind(
        group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases")
}
