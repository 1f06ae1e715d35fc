/// Annotation keys that planetscale/vitess-operator reads and writes during an External rollout.
///
/// All three rollout annotations are checked by presence only; the value is irrelevant.
public enum RolloutAnnotation {
    /// Set by the operator on an object whose controller has held-back changes. Its value is a
    /// human-readable YAML patch from the current to the desired object, never a spec to parse.
    public static let scheduled = "rollout.planetscale.com/scheduled"
    /// Set by a rollout tool to let the operator apply the pending changes; the operator removes it.
    public static let released = "rollout.planetscale.com/released"
    /// Read only on VitessShards: the operator releases the shard's tablet Pods one at a time.
    public static let cascade = "rollout.planetscale.com/cascade"
}

/// Annotation keys of the operator's tablet drain protocol.
public enum DrainAnnotation {
    /// Present on every tablet Pod from creation.
    public static let supported = "drain.planetscale.com/supported"
    /// The drain request; its value says why (`rolling update`).
    public static let started = "drain.planetscale.com/started"
    /// Timestamp written by the operator once it saw the request.
    public static let acknowledged = "drain.planetscale.com/acknowledged"
    /// Timestamp written by the operator once the tablet may be deleted.
    public static let finished = "drain.planetscale.com/finished"
}

/// Label keys the operator puts on the objects it owns.
public enum OperatorLabel {
    /// The VitessCluster name.
    public static let cluster = "planetscale.com/cluster"
    /// The cell name.
    public static let cell = "planetscale.com/cell"
    /// The keyspace name.
    public static let keyspace = "planetscale.com/keyspace"
    /// The shard's safe name (`x-80` for shard `-80`).
    public static let shard = "planetscale.com/shard"
    /// The component (`vttablet`, `vtgate`, `vtctld`, `vtorc`, `vtadmin`, `etcd`, ...).
    public static let component = "planetscale.com/component"
    /// The tablet UID; zero-padded on newer operators, so parse it as an integer.
    public static let tabletUID = "planetscale.com/tablet-uid"
    /// The tablet pool type, not the tablet's current role.
    public static let tabletType = "planetscale.com/tablet-type"
    /// The 1-based index of the tablet within its pool.
    public static let tabletIndex = "planetscale.com/tablet-index"
    /// The etcd lockserver a member Pod belongs to.
    public static let etcdLockserver = "etcd.planetscale.com/lockserver"
    /// The 1-based index of an etcd member.
    public static let etcdIndex = "etcd.planetscale.com/index"
}
