import VitessModel

/// A rollout plan: ordered stages that release pending operator changes, with gates and checks.
///
/// Every element keeps the position it was read from, so later live validation can point at the
/// line that selected nothing.
public struct Plan: Hashable, Sendable {
    /// `metadata.name`: a DNS label; it names the state file and the lock holder.
    public var name: String
    /// `metadata.description`: free text shown in `plan show` and in audit events.
    public var description: String?
    /// `spec.cluster`: the VitessCluster's name.
    public var cluster: String
    /// `spec.namespace`; nil means the kubeconfig context's namespace.
    public var namespace: String?
    /// `spec.requireFullCoverage`: pending changes no stage covers are errors, not warnings.
    public var requireFullCoverage: Bool
    /// `spec.expect`: guards on the pending `scheduled` text.
    public var expectations: [Expectation]
    /// `spec.defaults`: stage settings used where a stage sets none.
    public var defaults: StageDefaults
    /// `spec.estimates`: step durations for the critical-path estimate.
    public var estimates: StepEstimates
    /// `spec.stages`, in document order.
    public var stages: [Stage]
    /// Where `spec.stages` starts.
    public var stagesPosition: SourcePosition
    /// Where `spec.cluster`'s value is written.
    public var clusterPosition: SourcePosition = .start
    /// Where `spec.namespace`'s value is written, if it is.
    public var namespacePosition: SourcePosition?
    /// Where `spec.requireFullCoverage` (or, without it, `spec`) is written.
    public var specPosition: SourcePosition = .start
}

/// Settings every stage inherits unless it sets its own.
public struct StageDefaults: Hashable, Sendable {
    /// How long a stage may run before it counts as failed.
    public var timeout: PlanDuration
    /// What a failed check or a timeout does.
    public var onFailure: FailurePolicy
    /// Checks added to every release stage.
    public var healthChecks: [Located<HealthCheck>]

    /// The defaults of a plan that states none: 30m, pause, no extra checks.
    public static let standard = StageDefaults(timeout: .minutes(30), onFailure: .pause, healthChecks: [])
}

/// Per-step duration estimates for the critical-path lower bound (`plan show`).
public struct StepEstimates: Hashable, Sendable {
    /// Releasing a tablet: drain, delete, recreate, Ready and available.
    public var tabletRestart: PlanDuration
    /// Releasing a VitessKeyspace until its shards show their pending changes.
    public var keyspaceRelease: PlanDuration
    /// Releasing a VitessShard until its tablets show their pending changes.
    public var shardRelease: PlanDuration
    /// Releasing a VitessCell until its vtgate Deployment has rolled.
    public var cellRollout: PlanDuration
    /// Releasing a vtctld, vtadmin or vtorc Deployment until it has rolled.
    public var deploymentRollout: PlanDuration
    /// Releasing one etcd member until it is Ready again.
    public var etcdMemberRestart: PlanDuration

    /// Documented defaults, from the operator's timings: a tablet restart is dominated by mysqld start-up
    /// and the 30s availability window.
    public static let standard = StepEstimates(
        tabletRestart: .minutes(2), keyspaceRelease: .seconds(10), shardRelease: .seconds(10),
        cellRollout: .minutes(1), deploymentRollout: .minutes(1), etcdMemberRestart: .seconds(45))
}

/// What happens when a check fails or a stage times out. Nothing is ever reverted.
public enum FailurePolicy: String, Hashable, Sendable, CaseIterable {
    /// Stop releasing, save state, exit with the "paused" code; `--resume` continues.
    case pause
    /// Stop releasing, save state and mark the run aborted.
    case abort
}

/// A value together with the position it was read from.
public struct Located<Value: Hashable & Sendable>: Hashable, Sendable {
    /// The value.
    public var value: Value
    /// Where it was written.
    public var position: SourcePosition

    /// Pairs a value with its position.
    public init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }
}

/// One stage: a release of selected components, or a gate.
public struct Stage: Hashable, Sendable {
    /// The unique stage name; step ids and `plan approve` use it.
    public var name: String
    /// Free text for `plan show` and progress output.
    public var description: String?
    /// What the stage does.
    public var body: Body
    /// The stages this one waits for. nil means "the previous stage"; `[]` means none.
    public var dependsOn: [Located<String>]?
    /// Where the stage's mapping starts.
    public var position: SourcePosition

    /// What a stage does: exactly one of a release or a gate.
    public enum Body: Hashable, Sendable {
        /// Release selected components.
        case release(ReleaseStage)
        /// Wait for an approval, a duration or a time window.
        case gate(Gate)
    }
}

/// What a release stage releases. The raw values are the plan's words.
public enum ReleaseTarget: String, Hashable, Sendable, CaseIterable {
    /// VitessCells; each release rolls that cell's vtgate Deployment.
    case cells
    /// VitessKeyspaces.
    case keyspaces
    /// VitessShards.
    case shards
    /// vttablet Pods, one per shard at a time, the primary last.
    case tablets
    /// vtctld, vtadmin and vtorc Deployments.
    case deployments
    /// etcd lockserver member Pods, one at a time.
    case etcdMembers

    /// The component kind the released objects belong to.
    public var component: ComponentKind {
        switch self {
        case .cells: .cell
        case .keyspaces: .keyspace
        case .shards: .shard
        case .tablets: .tablet
        case .deployments: .deployment
        case .etcdMembers: .etcd
        }
    }
}

/// A release stage's settings. Unset optionals fall back to `spec.defaults`.
public struct ReleaseStage: Hashable, Sendable {
    /// What the stage releases.
    public var target: ReleaseTarget
    /// Which objects it releases.
    public var selector: Selector
    /// Concurrency limits, applied at run time.
    public var maxConcurrent: Concurrency
    /// The order of non-primary roles inside a shard; the primary is always last.
    public var tabletOrder: [TabletRole]
    /// The least time between two primary releases in one keyspace (vtgate buffering needs a pause).
    public var primarySwitchoverInterval: PlanDuration?
    /// How long every check must keep passing after the last release before the stage is done.
    public var soak: PlanDuration?
    /// Overrides `spec.defaults.timeout`.
    public var timeout: PlanDuration?
    /// Overrides `spec.defaults.onFailure`.
    public var onFailure: FailurePolicy?
    /// Checks for this stage, added to the defaults.
    public var healthChecks: [Located<HealthCheck>]
    /// Where `select` was written, for "selector matches nothing" findings.
    public var selectorPosition: SourcePosition

    /// The default tablet order: rdonly first (least traffic), then replicas, then the primary.
    public static let defaultTabletOrder: [TabletRole] = [.rdonly, .replica]
}

/// Concurrency limits for a release stage. nil means unlimited (bounded only by the hard rules).
public struct Concurrency: Hashable, Sendable {
    /// How many shards may have a tablet in flight at once (tablets stages only).
    public var shards: Int?
    /// How many steps of the stage may be in flight at once.
    public var total: Int?

    /// No stage-level limits.
    public static let unlimited = Concurrency(shards: nil, total: nil)
}

/// Which objects a release stage or an `expect` guard applies to. Empty lists match everything.
public struct Selector: Hashable, Sendable {
    /// Keyspace names.
    public var keyspaces: [Located<String>] = []
    /// Exact shard names (`-80`, `0`).
    public var shards: [Located<String>] = []
    /// Key ranges; a shard matches when its range lies inside one of them.
    public var keyRanges: [Located<KeyRange>] = []
    /// Cell names.
    public var cells: [Located<String>] = []
    /// Tablet pool types (`planetscale.com/tablet-type`).
    public var pools: [Located<TabletPoolType>] = []
    /// Current tablet roles, from shard status.
    public var roles: [Located<TabletRole>] = []
    /// Explicit tablet aliases (`zone1-2548885007`).
    public var tablets: [Located<TabletAlias>] = []
    /// Deployment components (`vtctld`, `vtadmin`, `vtorc`).
    public var components: [Located<DeploymentComponent>] = []
    /// Explicit object names (Deployments, etcd Pods).
    public var names: [Located<String>] = []
    /// At most this many of the matching objects.
    public var limit: Located<CountOrPercent>?

    /// Matches everything.
    public init() {}
}

/// A gate stage: nothing is released until it opens.
public enum Gate: Hashable, Sendable {
    /// Waits until someone runs `plan approve` (or answers the prompt on a TTY).
    case approval(message: String?)
    /// Waits for a fixed time.
    case wait(PlanDuration)
    /// Waits until the current UTC time is inside one of the ranges.
    case window([TimeWindow])
}

/// An allowed UTC time range on some days of the week. `from` after `to` spans midnight.
public struct TimeWindow: Hashable, Sendable {
    /// Days the window applies to (the day the range starts on); empty means every day.
    public var days: [Weekday]
    /// Start, minutes after 00:00 UTC.
    public var fromMinute: Int
    /// End, minutes after 00:00 UTC (exclusive).
    public var toMinute: Int

    /// Creates a window.
    public init(days: [Weekday], fromMinute: Int, toMinute: Int) {
        self.days = days
        self.fromMinute = fromMinute
        self.toMinute = toMinute
    }
}

/// A day of the week, as the plan writes it.
public enum Weekday: String, Hashable, Sendable, CaseIterable {
    /// Monday.
    case mon = "Mon"
    /// Tuesday.
    case tue = "Tue"
    /// Wednesday.
    case wed = "Wed"
    /// Thursday.
    case thu = "Thu"
    /// Friday.
    case fri = "Fri"
    /// Saturday.
    case sat = "Sat"
    /// Sunday.
    case sun = "Sun"
}

/// A health check. Each decodes from exactly one key.
public enum HealthCheck: Hashable, Sendable {
    /// The released Pods are Ready.
    case podReady
    /// The released tablets are `available` in shard status (Ready for the availability window).
    case tabletAvailable
    /// Each touched shard has exactly one primary, every desired tablet Ready, and serves writes.
    case shardHealthy
    /// Replication lag of the released tablets, read through the Pod proxy, is at most `max`.
    case replicationLag(max: PlanDuration)
    /// An HTTP GET must answer `expectStatus` (and match `bodyMatches`) within `timeout`.
    case http(HTTPCheck)
    /// A program, run as argv without a shell, must exit 0 within `timeout`.
    case command(argv: [String], timeout: PlanDuration)

    /// The plan key the check is written with.
    public var key: String {
        switch self {
        case .podReady: "podReady"
        case .tabletAvailable: "tabletAvailable"
        case .shardHealthy: "shardHealthy"
        case .replicationLag: "replicationLag"
        case .http: "http"
        case .command: "command"
        }
    }
}

extension HealthCheck {
    /// Whether the check makes sense for a stage releasing `target`. A default check is added only
    /// to stages it applies to; a stage-level check that does not apply is a warning.
    public func applies(to target: ReleaseTarget) -> Bool {
        switch self {
        case .podReady: [.tablets, .etcdMembers].contains(target)
        case .tabletAvailable, .replicationLag: target == .tablets
        case .shardHealthy: [.tablets, .shards, .keyspaces].contains(target)
        case .http, .command: true
        }
    }
}

/// An HTTP health check. The URL may use `{{tablet.alias}}`, `{{pod.name}}` and the other step
/// placeholders listed in docs/plan-reference.md.
public struct HTTPCheck: Hashable, Sendable {
    /// The URL, with placeholders.
    public var url: String
    /// The status the check expects.
    public var expectStatus: Int
    /// A regular expression the body must match, if any.
    public var bodyMatches: String?
    /// How long one request may take.
    public var timeout: PlanDuration

    /// Creates a check.
    public init(url: String, expectStatus: Int, bodyMatches: String?, timeout: PlanDuration) {
        self.url = url
        self.expectStatus = expectStatus
        self.bodyMatches = bodyMatches
        self.timeout = timeout
    }
}

/// A guard on pending changes: what the `scheduled` text must contain or match.
public struct Expectation: Hashable, Sendable {
    /// The kind of object the guard looks at.
    public var target: ReleaseTarget
    /// Which objects of that kind.
    public var selector: Selector
    /// Substrings the `scheduled` text must contain.
    public var contains: [String]
    /// A regular expression the `scheduled` text must match.
    public var matches: String?
    /// Where the guard was written.
    public var position: SourcePosition
}
