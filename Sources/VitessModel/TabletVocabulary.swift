/// The pool a tablet was declared in (`planetscale.com/tablet-type`). This is not its current role.
public enum TabletPoolType: String, CaseIterable, Sendable, Codable, Hashable {
    /// A master-eligible replica pool.
    case replica
    /// A read-only analytics pool; never master-eligible.
    case rdonly
    /// A pool fronting an external primary database; master-eligible.
    case externalmaster
    /// A pool fronting an external replica.
    case externalreplica
    /// A pool fronting an external read-only replica.
    case externalrdonly

    /// Whether the operator counts this pool in `MasterEligibleTabletCount`.
    public var isMasterEligible: Bool { self == .replica || self == .externalmaster }
}

/// A tablet's current role as Vitess topology reports it (`VitessShard.status.tablets[*].type`).
public enum TabletRole: String, CaseIterable, Sendable, Codable, Hashable {
    /// The shard's primary; it is always released last in its shard.
    case primary
    /// A serving replica.
    case replica
    /// A serving read-only tablet.
    case rdonly
    /// Any other topology type (spare, backup, restore, drained, experimental).
    case other
}

/// The kinds of component whose rollout vtop-rollout releases.
public enum ComponentKind: String, CaseIterable, Sendable, Codable, Hashable {
    /// A VitessCell; releasing it rolls the cell's vtgate Deployment.
    case cell
    /// A VitessKeyspace.
    case keyspace
    /// A VitessShard.
    case shard
    /// A vttablet Pod.
    case tablet
    /// A vtctld, vtadmin or vtorc Deployment.
    case deployment
    /// An etcd lockserver member Pod.
    case etcd

    /// The Kubernetes kind of the object that carries the rollout annotations.
    public var objectKind: String {
        switch self {
        case .cell: "VitessCell"
        case .keyspace: "VitessKeyspace"
        case .shard: "VitessShard"
        case .tablet, .etcd: "Pod"
        case .deployment: "Deployment"
        }
    }
}

/// The Deployment components that carry their own `scheduled` annotation under External.
/// vtgate is not one of them: it is gated on its VitessCell.
public enum DeploymentComponent: String, CaseIterable, Sendable, Codable, Hashable {
    /// The vtctld control-plane Deployment, one per cell.
    case vtctld
    /// The vtadmin Deployment, one per cell.
    case vtadmin
    /// The vtorc Deployment, one per keyspace, shard and cell.
    case vtorc
}
