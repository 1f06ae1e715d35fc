import RolloutPlan
import VitessModel

/// The compiled form of a plan against one cluster: a DAG of steps with stable ids.
///
/// Steps are in a topological order (every step after the steps it depends on). Concurrency limits
/// are not edges: they are resources the executor enforces at run time, so the graph stays small
/// and parallelism is decided by what actually finishes first.
public struct StepGraph: Sendable, Hashable {
    /// The plan's name.
    public var plan: String
    /// The steps, in topological order.
    public var steps: [Step]
    /// Capacity of each counted resource (`shard:...` is 1, `stage:NAME` is maxConcurrent.total, ...).
    public var capacities: [String: Int]
    /// Minimum spacing between steps holding the same pacing key (`primaries:KEYSPACE`).
    public var pacing: [String: PlanDuration]

    /// A step by id.
    public func step(_ id: String) -> Step? { steps.first { $0.id == id } }

    /// A content hash over everything that affects execution: checkpoints pin it, so a resumed run
    /// refuses a graph that changed.
    public var hash: String {
        var text = "plan \(plan)\n"
        for step in steps {
            text +=
                "step \(step.id) \(step.kind.describe) stage=\(step.stage) after=\(step.dependsOn.joined(separator: ","))"
            text += " uses=\(step.resources.joined(separator: ",")) pace=\(step.pacingKey ?? "-")"
            text +=
                " checks=\(step.checks.map(\.key).joined(separator: ",")) timeout=\(step.timeout) on=\(step.onFailure.rawValue)\n"
        }
        for (key, value) in capacities.sorted(by: { $0.key < $1.key }) { text += "capacity \(key)=\(value)\n" }
        for (key, value) in pacing.sorted(by: { $0.key < $1.key }) { text += "pacing \(key)=\(value)\n" }
        return SHA256.hex(text)
    }
}

/// One unit of work the executor performs and then waits for the cluster to confirm.
public struct Step: Sendable, Hashable, Identifiable {
    /// A stable, readable id: `keyspace/commerce`, `shard/commerce/-80`, `tablet/zone1-0790125915`,
    /// `cell/zone1`, `deployment/NAME`, `etcd/NAME`, `gate/STAGE`, `soak/STAGE` or `stage/STAGE`.
    public var id: String
    /// What the step does.
    public var kind: Kind
    /// The stage the step belongs to (a shared prerequisite belongs to the first stage that needs it).
    public var stage: String
    /// Steps that must be done first.
    public var dependsOn: [String]
    /// Counted resources held while the step is in flight.
    public var resources: [String]
    /// A pacing key; steps sharing it start at least the key's interval apart.
    public var pacingKey: String?
    /// The estimate used by the critical path.
    public var estimate: PlanDuration
    /// Health checks that must pass after the step, and keep passing during the stage's soak.
    public var checks: [HealthCheck]
    /// How long the step may take.
    public var timeout: PlanDuration
    /// What a failure does.
    public var onFailure: FailurePolicy

    /// The kinds of step.
    public enum Kind: Sendable, Hashable {
        /// Release a VitessCell (rolls its vtgate).
        case releaseCell(cell: String, object: String)
        /// Release a VitessKeyspace.
        case releaseKeyspace(keyspace: String, object: String)
        /// Release a VitessShard.
        case releaseShard(keyspace: String, shard: String, object: String)
        /// Release a tablet Pod. `primary` is the role at compile time; the executor re-checks it.
        case releaseTablet(alias: TabletAlias, keyspace: String, shard: String, pod: String?, primary: Bool)
        /// Release a vtctld, vtadmin or vtorc Deployment.
        case releaseDeployment(name: String, component: String)
        /// Release one etcd member Pod.
        case releaseEtcdMember(name: String)
        /// Wait at a gate.
        case gate(Gate)
        /// Keep the stage's checks passing for a duration.
        case soak(PlanDuration)
        /// The stage is complete; later stages depend on this marker.
        case stageDone

        /// A one-line description, also the input of the graph hash.
        public var describe: String {
            switch self {
            case .releaseCell(let cell, let object): "releaseCell \(cell) (\(object))"
            case .releaseKeyspace(let keyspace, let object): "releaseKeyspace \(keyspace) (\(object))"
            case .releaseShard(let keyspace, let shard, let object): "releaseShard \(keyspace)/\(shard) (\(object))"
            case .releaseTablet(let alias, let keyspace, let shard, _, let primary):
                "releaseTablet \(alias) \(keyspace)/\(shard)\(primary ? " primary" : "")"
            case .releaseDeployment(let name, let component): "releaseDeployment \(component) \(name)"
            case .releaseEtcdMember(let name): "releaseEtcdMember \(name)"
            case .gate(.approval): "gate approval"
            case .gate(.wait(let d)): "gate wait \(d)"
            case .gate(.window(let w)): "gate window \(w.count) range(s)"
            case .soak(let d): "soak \(d)"
            case .stageDone: "stage done"
            }
        }

        /// The JSON/DOT word for the kind.
        public var name: String {
            switch self {
            case .releaseCell: "releaseCell"
            case .releaseKeyspace: "releaseKeyspace"
            case .releaseShard: "releaseShard"
            case .releaseTablet: "releaseTablet"
            case .releaseDeployment: "releaseDeployment"
            case .releaseEtcdMember: "releaseEtcdMember"
            case .gate: "gate"
            case .soak: "soak"
            case .stageDone: "stageDone"
            }
        }
    }
}
