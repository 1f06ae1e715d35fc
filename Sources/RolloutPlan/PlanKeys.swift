import VitessModel

/// The keys each object of the plan language allows, in documentation order.
///
/// The decoder rejects any other key, and a test checks that the JSON Schema's `properties`
/// match these tables exactly, so the two can never drift apart.
public enum PlanKeys {
    /// The document root.
    public static let document = ["apiVersion", "kind", "metadata", "spec"]
    /// `metadata`.
    public static let metadata = ["name", "description"]
    /// `spec`.
    public static let spec = [
        "cluster", "namespace", "requireFullCoverage", "expect", "defaults", "estimates", "stages",
    ]
    /// `spec.defaults`.
    public static let defaults = ["timeout", "onFailure", "healthChecks"]
    /// `spec.estimates`.
    public static let estimates = [
        "tabletRestart", "keyspaceRelease", "shardRelease", "cellRollout", "deploymentRollout", "etcdMemberRestart",
    ]
    /// `spec.expect[]`.
    public static let expectation = ["kind", "select", "contains", "matches"]
    /// Keys every stage may have.
    public static let stageCommon = ["name", "description", "dependsOn"]
    /// A release stage (with `stageCommon`).
    public static let releaseStage = [
        "release", "select", "maxConcurrent", "tabletOrder", "primarySwitchoverInterval", "soak", "timeout",
        "onFailure", "healthChecks",
    ]
    /// A gate stage (with `stageCommon`).
    public static let gateStage = ["gate"]
    /// `gate`: exactly one.
    public static let gate = ["approval", "wait", "window"]
    /// `gate.approval`.
    public static let approval = ["message"]
    /// `gate.wait`.
    public static let wait = ["duration"]
    /// `gate.window`.
    public static let window = ["allowed"]
    /// `gate.window.allowed[]`.
    public static let timeRange = ["days", "from", "to"]
    /// `select`.
    public static let selector = [
        "keyspace", "shard", "keyRange", "cell", "pool", "role", "tablet", "component",
        "name", "limit",
    ]
    /// `maxConcurrent`.
    public static let maxConcurrent = ["shards", "total"]
    /// A health check: exactly one.
    public static let healthCheck = [
        "podReady", "tabletAvailable", "shardHealthy", "replicationLag", "http",
        "command",
    ]
    /// `replicationLag`.
    public static let replicationLag = ["max"]
    /// `http`.
    public static let http = ["url", "expectStatus", "bodyMatches", "timeout"]
    /// `command`.
    public static let command = ["argv", "timeout"]

    /// Each table by the name of its JSON Schema definition (`$defs`), for the lockstep test.
    public static let bySchemaDefinition: [String: [String]] = [
        "#": document, "metadata": metadata, "spec": spec, "defaults": defaults, "estimates": estimates,
        "expectation": expectation, "releaseStage": stageCommon + releaseStage, "gateStage": stageCommon + gateStage,
        "gate": gate, "approvalGate": approval, "waitGate": wait, "windowGate": window, "timeRange": timeRange,
        "selector": selector, "maxConcurrent": maxConcurrent, "healthCheck": healthCheck,
        "replicationLagCheck": replicationLag, "httpCheck": http, "commandCheck": command, "emptyCheck": [],
    ]

    /// Which selector keys apply to each release target.
    public static func selectorKeys(for target: ReleaseTarget) -> [String] {
        switch target {
        case .cells: ["cell", "limit"]
        case .keyspaces: ["keyspace", "limit"]
        case .shards: ["keyspace", "shard", "keyRange", "limit"]
        case .tablets: ["keyspace", "shard", "keyRange", "cell", "pool", "role", "tablet", "limit"]
        case .deployments: ["component", "keyspace", "shard", "keyRange", "cell", "name", "limit"]
        case .etcdMembers: ["cell", "name", "limit"]
        }
    }

    /// The placeholders an `http` check URL may use; the executor fills them per step.
    public static let urlPlaceholders = [
        "cluster", "namespace", "stage", "keyspace", "shard", "cell", "tablet.alias", "tablet.uid", "pod.name",
    ]
}
