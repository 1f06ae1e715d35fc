import RolloutPlan
import VitessModel

extension DiagnosticID {
    /// The VitessCluster named by the plan does not exist.
    public static let liveClusterNotFound = DiagnosticID(rawValue: "live.cluster-not-found")
    /// The cluster's updateStrategy is not External, so releases mean nothing.
    public static let liveNotExternal = DiagnosticID(rawValue: "live.not-external")
    /// The operator has not observed the VitessCluster's latest spec.
    public static let liveClusterNotObserved = DiagnosticID(rawValue: "live.cluster-not-observed")
    /// A selector names a keyspace that does not exist.
    public static let liveUnknownKeyspace = DiagnosticID(rawValue: "live.unknown-keyspace")
    /// A selector names a shard that does not exist.
    public static let liveUnknownShard = DiagnosticID(rawValue: "live.unknown-shard")
    /// A selector names a cell that does not exist.
    public static let liveUnknownCell = DiagnosticID(rawValue: "live.unknown-cell")
    /// A selector names a tablet that does not exist.
    public static let liveUnknownTablet = DiagnosticID(rawValue: "live.unknown-tablet")
    /// A selector names a Deployment or etcd Pod that does not exist.
    public static let liveUnknownObject = DiagnosticID(rawValue: "live.unknown-object")
    /// A stage's selector matches nothing that is or will be pending.
    public static let liveSelectorMatchesNothing = DiagnosticID(rawValue: "live.selector-matches-nothing")
    /// A stage's limit leaves it nothing to release.
    public static let liveLimitResolvesToZero = DiagnosticID(rawValue: "live.limit-resolves-to-zero")
    /// Pending changes that no stage releases.
    public static let liveUncoveredChange = DiagnosticID(rawValue: "live.uncovered-change")
    /// An expect guard's pending text does not satisfy it.
    public static let liveExpectFailed = DiagnosticID(rawValue: "live.expect-failed")
    /// An expect guard selects no pending object.
    public static let liveExpectMatchesNothing = DiagnosticID(rawValue: "live.expect-matches-nothing")
    /// A stage would release a primary of a shard with fewer than two master-eligible tablets.
    public static let livePrimaryWithoutCandidate = DiagnosticID(rawValue: "live.primary-without-candidate")
    /// A primary would be released before (or alongside) other tablets of its shard.
    public static let livePrimaryNotLast = DiagnosticID(rawValue: "live.primary-not-last")

    /// Every live-validation id, in documentation order.
    public static let live: [DiagnosticID] = [
        .liveClusterNotFound, .liveNotExternal, .liveClusterNotObserved, .liveUnknownKeyspace, .liveUnknownShard,
        .liveUnknownCell, .liveUnknownTablet, .liveUnknownObject, .liveSelectorMatchesNothing,
        .liveLimitResolvesToZero, .liveUncoveredChange, .liveExpectFailed, .liveExpectMatchesNothing,
        .livePrimaryWithoutCandidate, .livePrimaryNotLast,
    ]
}

extension Diagnostic {
    /// `live.cluster-not-found`, raised by the shell when the inventory cannot be built.
    public static func clusterNotFound(_ plan: Plan, available: [String]) -> Diagnostic {
        let suggestion = Suggestions.closest(to: plan.cluster, in: available)
        return Diagnostic(
            .liveClusterNotFound, .error,
            "VitessCluster '\(plan.cluster)' does not exist" + (plan.namespace.map { " in namespace '\($0)'" } ?? ""),
            at: plan.clusterPosition, path: FieldPath(components: ["spec", "cluster"]), suggestion: suggestion,
            notes: available.isEmpty
                ? ["no VitessCluster exists there"] : ["available: \(available.joined(separator: ", "))"])
    }

    static func notExternal(_ plan: Plan, strategy: UpdateStrategy) -> Diagnostic {
        Diagnostic(
            .liveNotExternal, .error,
            "VitessCluster '\(plan.cluster)' has updateStrategy \(strategy): the operator rolls changes itself and "
                + "ignores released", at: plan.clusterPosition, path: FieldPath(components: ["spec", "cluster"]),
            notes: ["set spec.updateStrategy.type: External on the VitessCluster to hold changes for this plan"])
    }

    static func clusterNotObserved(_ plan: Plan, _ generation: GenerationState) -> Diagnostic {
        Diagnostic(
            .liveClusterNotObserved, .warning,
            "the operator has not observed VitessCluster generation \(generation.generation ?? 0) yet (observed "
                + "\(generation.observedGeneration ?? 0)); pending changes may still grow",
            at: plan.clusterPosition, path: FieldPath(components: ["spec", "cluster"]))
    }

    static func unknown(
        _ id: DiagnosticID, what: String, _ value: Located<String>, path: FieldPath,
        known: [String]
    ) -> Diagnostic {
        Diagnostic(
            id, .error, "\(what) '\(value.value)' does not exist in the cluster", at: value.position,
            path: path, suggestion: Suggestions.closest(to: value.value, in: known),
            notes: known.isEmpty
                ? [] : ["known: \(known.prefix(12).joined(separator: ", "))\(known.count > 12 ? ", ..." : "")"])
    }

    static func matchesNothing(stage: Stage, at position: SourcePosition, path: FieldPath, claimed: Int) -> Diagnostic {
        let why =
            claimed > 0
            ? "everything it selects (\(claimed)) is released by earlier stages"
            : "it selects nothing that is or will be pending"
        return Diagnostic(
            .liveSelectorMatchesNothing, .warning, "stage '\(stage.name)' releases nothing: \(why)",
            at: position, path: path)
    }

    static func limitZero(stage: Stage, limit: Located<CountOrPercent>, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .liveLimitResolvesToZero, .warning,
            "stage '\(stage.name)': limit \(limit.value) resolves to zero objects, because nothing it selects is "
                + "left to release", at: limit.position, path: path)
    }

    static func uncovered(kind: String, objects: [String], required: Bool, at position: SourcePosition) -> Diagnostic {
        let shown =
            objects.prefix(8).joined(separator: ", ") + (objects.count > 8 ? ", ... (\(objects.count) in all)" : "")
        let noun = objects.count == 1 ? kind : kind + "s"
        return Diagnostic(
            .liveUncoveredChange, required ? .error : .warning,
            "\(objects.count) pending \(noun) \(objects.count == 1 ? "is" : "are") released by no stage: \(shown)",
            at: position, path: FieldPath(components: ["spec", "stages"]),
            notes: required ? ["requireFullCoverage is true"] : ["set requireFullCoverage: true to make this an error"])
    }

    static func expectFailed(
        object: String, condition: String, actual: String, at position: SourcePosition,
        path: FieldPath
    ) -> Diagnostic {
        let text = actual.isEmpty ? "(empty)" : actual
        return Diagnostic(
            .liveExpectFailed, .error, "the pending change of \(object) does not \(condition)",
            at: position, path: path, notes: ["its scheduled text is:\n" + text])
    }

    static func expectMatchesNothing(at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .liveExpectMatchesNothing, .warning, "this expect guard selects no pending object, so it checks nothing",
            at: position, path: path)
    }

    static func primaryWithoutCandidate(
        stage: Stage, shard: ShardInfo, at position: SourcePosition, path: FieldPath,
        allowDowntime: Bool
    ) -> Diagnostic {
        Diagnostic(
            .livePrimaryWithoutCandidate, allowDowntime ? .warning : .error,
            "stage '\(stage.name)' releases the primary of \(shard.id), which has \(shard.masterEligibleCount) "
                + "master-eligible tablet\(shard.masterEligibleCount == 1 ? "" : "s"): there is no candidate to reparent "
                + "to, so the shard would go down",
            at: position, path: path,
            notes: [
                allowDowntime
                    ? "allowed by --allow-downtime"
                    : "add a replica, or run with --allow-downtime to accept the downtime"
            ])
    }

    static func primaryNotLast(
        stage: Stage, primary: TabletAlias, shard: String, other: String, otherStage: String?,
        at position: SourcePosition, path: FieldPath
    ) -> Diagnostic {
        guard let otherStage else {
            return Diagnostic(
                .livePrimaryNotLast, .error,
                "stage '\(stage.name)' releases primary \(primary) of \(shard), but \(other) of the same shard has a "
                    + "pending change that no stage releases; the primary must be released last",
                at: position, path: path,
                notes: ["select the shard's other tablets too, in this stage or an earlier one"])
        }
        return Diagnostic(
            .livePrimaryNotLast, .error,
            "stage '\(stage.name)' releases primary \(primary) of \(shard), but stage '\(otherStage)' releases \(other) "
                + "of the same shard and does not run before it; the primary must be released last",
            at: position, path: path,
            notes: ["select the primary in a later stage, or make '\(stage.name)' depend on '\(otherStage)'"])
    }
}
