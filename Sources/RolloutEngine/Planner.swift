import RolloutPlan
import VitessModel

/// Options that change what the planner accepts.
public struct PlannerOptions: Sendable, Hashable {
    /// Accept releasing a primary that has no reparent candidate (the shard goes down).
    public var allowDowntime: Bool

    /// Creates options.
    public init(allowDowntime: Bool = false) { self.allowDowntime = allowDowntime }
}

/// The result of compiling a plan against a cluster.
public struct CompileResult: Sendable {
    /// The graph; nil when live validation found errors.
    public var graph: StepGraph?
    /// Live findings, each located in the plan.
    public var diagnostics: [Diagnostic]
    /// The critical-path estimate of the graph.
    public var estimate: CriticalPath?
}

/// Compiles `Plan × Inventory → StepGraph`, validating the plan against the live pending state.
///
/// Pure and deterministic: the same plan and inventory give the same graph and hash.
///
/// **What counts as pending.** Pending state moves as levels are released, so selectors match what
/// *will* be pending: a shard counts as pending when it or its keyspace carries `scheduled`, and a
/// tablet (or a vtorc Deployment) when it, its shard or its keyspace does. Releasing the keyspace and
/// the shard first (the planner inserts those steps) makes the operator schedule them.
///
/// **Who releases what.** Stages are visited in a topological order that keeps document order where
/// dependencies allow; each object is released by the first stage that selects it.
public enum Planner {
    /// Compiles and validates.
    public static func compile(_ plan: Plan, against inventory: Inventory, options: PlannerOptions = .init())
        -> CompileResult
    {
        var compiler = Compiler(plan: plan, inventory: inventory, options: options)
        compiler.run()
        let diagnostics = compiler.diagnostics.sortedByPosition()
        guard !diagnostics.hasErrors else { return CompileResult(graph: nil, diagnostics: diagnostics, estimate: nil) }
        let graph = StepGraph(
            plan: plan.name, steps: compiler.steps, capacities: compiler.capacities,
            pacing: compiler.pacing)
        return CompileResult(graph: graph, diagnostics: diagnostics, estimate: CriticalPath(graph))
    }

    /// Stage indices in execution order: topological over stage dependencies, earliest document
    /// position first among the ready ones. Static validation has already rejected cycles.
    public static func stageOrder(_ plan: Plan) -> [Int] {
        let index = Dictionary(plan.stages.enumerated().map { ($0.element.name, $0.offset) }) { a, _ in a }
        let deps: [[Int]] = plan.stages.enumerated().map { i, stage in
            guard let explicit = stage.dependsOn else { return i > 0 ? [i - 1] : [] }
            return explicit.compactMap { index[$0.value] }
        }
        var done = Set<Int>()
        var order: [Int] = []
        while order.count < plan.stages.count {
            guard
                let next = plan.stages.indices.first(where: { !done.contains($0) && deps[$0].allSatisfy(done.contains) }
                )
            else { break }
            done.insert(next)
            order.append(next)
        }
        return order
    }

    /// The stages each stage waits for, directly (explicit `dependsOn`, or the previous stage).
    static func stageDependencies(_ plan: Plan) -> [[String]] {
        plan.stages.enumerated().map { i, stage in
            stage.dependsOn.map { $0.map(\.value) } ?? (i > 0 ? [plan.stages[i - 1].name] : [])
        }
    }
}

/// The mutable work of one compilation.
private struct Compiler {
    let plan: Plan
    let inventory: Inventory
    let options: PlannerOptions
    var diagnostics: [Diagnostic] = []
    var steps: [Step] = []
    var capacities: [String: Int] = [:]
    var pacing: [String: PlanDuration] = [:]
    private var stepIndex: [String: Int] = [:]
    private var claimed: Set<String> = []
    /// For primary-last: per shard, the stages releasing its primary and its other tablets.
    private var tabletStages:
        [String: (primary: [(Int, TabletAlias, SourcePosition, FieldPath)], others: [(Int, String)])] = [:]

    /// Every shard, computed once (`Inventory.shards` flattens on each call).
    private let shards: [ShardInfo]
    private let shardsByID: [String: ShardInfo]
    private let shardsByLabel: [String: ShardInfo]
    private let pendingKeyspaces: Set<String>
    /// The last tablet step of each stage-and-shard chain.
    private var lastInChain: [String: String] = [:]

    init(plan: Plan, inventory: Inventory, options: PlannerOptions) {
        self.plan = plan
        self.inventory = inventory
        self.options = options
        shards = inventory.shards
        shardsByID = Dictionary(shards.map { ($0.id, $0) }) { a, _ in a }
        shardsByLabel = Dictionary(shards.map { ("\($0.keyspace)/\($0.keyRange?.safeName ?? $0.name)", $0) }) { a, _ in
            a
        }
        pendingKeyspaces = Set(inventory.keyspaces.filter(\.marks.isPending).map(\.name))
    }

    // MARK: - Pending state

    func keyspacePending(_ keyspace: String) -> Bool {
        pendingKeyspaces.contains(keyspace)
    }

    func shardWillBePending(_ shard: ShardInfo) -> Bool { shard.marks.isPending || keyspacePending(shard.keyspace) }

    func tabletWillBePending(_ tablet: TabletInfo, in shard: ShardInfo) -> Bool {
        tablet.marks.isPending || shardWillBePending(shard)
    }

    func shard(forDeployment d: DeploymentInfo) -> ShardInfo? {
        guard d.component == "vtorc", let keyspace = d.keyspace, let label = d.shardLabel else { return nil }
        return shardsByLabel["\(keyspace)/\(label)"]
    }

    func deploymentWillBePending(_ d: DeploymentInfo) -> Bool {
        guard d.component != "vtgate" else { return false }
        if d.marks.isPending { return true }
        return shard(forDeployment: d).map(shardWillBePending) ?? false
    }

    // MARK: - Driver

    mutating func run() {
        let cluster = inventory.cluster
        if cluster.updateStrategy != .external {
            diagnostics.append(.notExternal(plan, strategy: cluster.updateStrategy))
        }
        if cluster.generation.isLagging { diagnostics.append(.clusterNotObserved(plan, cluster.generation)) }
        checkExpectations()

        let dependencies = Planner.stageDependencies(plan)
        for i in Planner.stageOrder(plan) {
            let stage = plan.stages[i]
            let entry = dependencies[i].map { "stage/\($0)" }
            var members: [String] = []
            switch stage.body {
            case .gate(let gate):
                members.append(
                    add(
                        Step(
                            id: "gate/\(stage.name)", kind: .gate(gate), stage: stage.name, dependsOn: entry,
                            resources: [],
                            pacingKey: nil, estimate: gateEstimate(gate), checks: [], timeout: .maximum,
                            onFailure: plan.defaults.onFailure)))
            case .release(let release):
                members = compileRelease(stage, index: i, release, entry: entry)
                if let soak = release.soak, soak.milliseconds > 0, !members.isEmpty {
                    members = [
                        add(
                            Step(
                                id: "soak/\(stage.name)", kind: .soak(soak), stage: stage.name, dependsOn: members,
                                resources: [],
                                pacingKey: nil, estimate: soak, checks: checks(for: release),
                                timeout: soak + (release.timeout ?? plan.defaults.timeout),
                                onFailure: release.onFailure ?? plan.defaults.onFailure))
                    ]
                }
            }
            add(
                Step(
                    id: "stage/\(stage.name)", kind: .stageDone, stage: stage.name,
                    dependsOn: members.isEmpty ? entry : members, resources: [], pacingKey: nil,
                    estimate: PlanDuration(milliseconds: 0), checks: [], timeout: PlanDuration.maximum,
                    onFailure: plan.defaults.onFailure))
        }
        checkPrimaryLast(dependencies)
        checkCoverage()
    }

    @discardableResult
    private mutating func add(_ step: Step) -> String {
        if let existing = stepIndex[step.id] { return steps[existing].id }
        stepIndex[step.id] = steps.count
        steps.append(step)
        return step.id
    }

    private func gateEstimate(_ gate: Gate) -> PlanDuration {
        if case .wait(let d) = gate { return d }
        return PlanDuration(milliseconds: 0)
    }

    private func checks(for release: ReleaseStage) -> [HealthCheck] {
        let defaults = plan.defaults.healthChecks.map(\.value).filter { $0.applies(to: release.target) }
        var all = defaults
        for check in release.healthChecks.map(\.value) where !all.contains(check) { all.append(check) }
        return all
    }

    // MARK: - Release stages

    private mutating func compileRelease(_ stage: Stage, index: Int, _ release: ReleaseStage, entry: [String])
        -> [String]
    {
        let path = FieldPath(components: ["spec", "stages[\(index)]", "select"])
        checkNames(release.selector, target: release.target, path: path)
        let timeout = release.timeout ?? plan.defaults.timeout
        let onFailure = release.onFailure ?? plan.defaults.onFailure
        let checks = checks(for: release)
        var stageResources: [String] = []
        if let total = release.maxConcurrent.total {
            capacities["stage:\(stage.name)"] = total
            stageResources.append("stage:\(stage.name)")
        }
        let step = {
            (
                id: String, kind: Step.Kind, after: [String], resources: [String], pacing: String?,
                estimate: PlanDuration
            ) -> Step in
            Step(
                id: id, kind: kind, stage: stage.name, dependsOn: after, resources: stageResources + resources,
                pacingKey: pacing, estimate: estimate, checks: checks, timeout: timeout, onFailure: onFailure)
        }

        // Candidates in release order, then the limit, then claiming.
        let selector = release.selector
        var candidates: [Candidate] = []
        switch release.target {
        case .cells:
            candidates = inventory.cells.filter { $0.marks.isPending && matches(selector.cells, $0.name) }.map(
                Candidate.cell)
        case .keyspaces:
            candidates = inventory.keyspaces.filter { $0.marks.isPending && matches(selector.keyspaces, $0.name) }
                .map(Candidate.keyspace)
        case .shards:
            candidates = shards.filter { shardWillBePending($0) && shardMatches(selector, $0) }.map(
                Candidate.shard)
        case .tablets:
            let order = release.tabletOrder
            for shard in shards where shardMatches(selector, shard) {
                let ordered = shard.tablets.filter { tabletWillBePending($0, in: shard) && tabletMatches(selector, $0) }
                    .sorted { (rank($0, order), $0.alias) < (rank($1, order), $1.alias) }
                candidates += ordered.map { Candidate.tablet($0, shard) }
            }
        case .deployments:
            candidates = inventory.deployments.filter { deploymentWillBePending($0) && deploymentMatches(selector, $0) }
                .map(Candidate.deployment)
        case .etcdMembers:
            capacities["etcd"] = 1
            candidates = inventory.etcdMembers.filter { $0.marks.isPending && etcdMatches(selector, $0) }.map(
                Candidate.etcd)
        }

        let unclaimed = candidates.filter { !claimed.contains($0.id) }
        var selected = unclaimed
        if let limit = selector.limit {
            selected = Array(unclaimed.prefix(limit.value.resolve(total: unclaimed.count)))
            if selected.isEmpty && !candidates.isEmpty {
                diagnostics.append(.limitZero(stage: stage, limit: limit, path: path.key("limit")))
            }
        }
        if selected.isEmpty && (selector.limit == nil || candidates.isEmpty) {
            diagnostics.append(
                .matchesNothing(
                    stage: stage, at: release.selectorPosition, path: path,
                    claimed: candidates.count - unclaimed.count))
        }
        if release.target == .tablets, let shards = release.maxConcurrent.shards {
            capacities["stage-shards:\(stage.name)"] = shards
        }

        var members: [String] = []
        for candidate in selected {
            claimed.insert(candidate.id)
            switch candidate {
            case .cell(let cell):
                members.append(
                    add(
                        step(
                            candidate.id, .releaseCell(cell: cell.name, object: cell.objectName), entry, [], nil,
                            plan.estimates.cellRollout)))
            case .keyspace(let keyspace):
                if let id = prerequisiteKeyspace(keyspace.name, stage: stage.name, entry: entry) { members.append(id) }
            case .shard(let shard):
                if let id = prerequisiteShard(shard, stage: stage.name, entry: entry) { members.append(id) }
            case .tablet(let tablet, let shard):
                tabletStep(
                    tablet, shard: shard, stage: stage, index: index, release: release, entry: entry, path: path,
                    make: step, members: &members)
            case .deployment(let d):
                var after = entry
                if let shard = shard(forDeployment: d),
                    let prerequisite = prerequisiteShard(shard, stage: stage.name, entry: entry)
                {
                    after.append(prerequisite)
                }
                members.append(
                    add(
                        step(
                            candidate.id, .releaseDeployment(name: d.name, component: d.component), after, [],
                            nil, plan.estimates.deploymentRollout)))
            case .etcd(let member):
                // One member at a time, in index order: each waits for the previous.
                let previous = members.last.map { [$0] } ?? entry
                members.append(
                    add(
                        step(
                            candidate.id, .releaseEtcdMember(name: member.name), previous, ["etcd"], nil,
                            plan.estimates.etcdMemberRestart)))
            }
        }
        return members
    }

    /// Something a release stage could release, in release order.
    private enum Candidate {
        case cell(CellInfo)
        case keyspace(KeyspaceInfo)
        case shard(ShardInfo)
        case tablet(TabletInfo, ShardInfo)
        case deployment(DeploymentInfo)
        case etcd(EtcdMemberInfo)

        /// The step id the candidate becomes.
        var id: String {
            switch self {
            case .cell(let c): "cell/\(c.name)"
            case .keyspace(let k): "keyspace/\(k.name)"
            case .shard(let s): "shard/\(s.id)"
            case .tablet(let t, _): "tablet/\(t.alias)"
            case .deployment(let d): "deployment/\(d.name)"
            case .etcd(let m): "etcd/\(m.name)"
            }
        }
    }

    private mutating func tabletStep(
        _ tablet: TabletInfo, shard: ShardInfo, stage: Stage, index: Int, release: ReleaseStage, entry: [String],
        path: FieldPath, make: (String, Step.Kind, [String], [String], String?, PlanDuration) -> Step,
        members: inout [String]
    ) {
        var after = entry
        if shardWillBePending(shard), let prerequisite = prerequisiteShard(shard, stage: stage.name, entry: entry) {
            after.append(prerequisite)
        }
        // Chain within the shard: the previous tablet of this shard in this stage.
        let chain = "\(stage.name) \(shard.id)"
        if let previous = lastInChain[chain] { after = [previous] }
        capacities["shard:\(shard.id)"] = 1
        var resources = ["shard:\(shard.id)"]
        if release.maxConcurrent.shards != nil { resources.append("stage-shards:\(stage.name)") }
        var pacingKey: String?
        if tablet.isPrimary {
            if shard.masterEligibleCount < 2 {
                diagnostics.append(
                    .primaryWithoutCandidate(
                        stage: stage, shard: shard, at: release.selectorPosition,
                        path: path, allowDowntime: options.allowDowntime))
            }
            if let interval = release.primarySwitchoverInterval, interval.milliseconds > 0 {
                pacingKey = "primaries:\(shard.keyspace)"
                pacing[pacingKey!] = max(pacing[pacingKey!] ?? interval, interval)
            }
            tabletStages[shard.id, default: ([], [])].primary.append(
                (index, tablet.alias, release.selectorPosition, path))
        } else {
            tabletStages[shard.id, default: ([], [])].others.append((index, tablet.alias.description))
        }
        let kind = Step.Kind.releaseTablet(
            alias: tablet.alias, keyspace: shard.keyspace, shard: shard.name,
            pod: tablet.podName, primary: tablet.isPrimary)
        let id = add(make("tablet/\(tablet.alias)", kind, after, resources, pacingKey, plan.estimates.tabletRestart))
        lastInChain[chain] = id
        members.append(id)
    }

    /// The shared `keyspace/K` step, created by the first stage that needs it; nil when not pending.
    private mutating func prerequisiteKeyspace(_ keyspace: String, stage: String, entry: [String]) -> String? {
        guard let info = inventory.keyspaces.first(where: { $0.name == keyspace }), info.marks.isPending else {
            return nil
        }
        return add(
            Step(
                id: "keyspace/\(keyspace)", kind: .releaseKeyspace(keyspace: keyspace, object: info.objectName),
                stage: stage,
                dependsOn: entry, resources: [], pacingKey: nil, estimate: plan.estimates.keyspaceRelease, checks: [],
                timeout: plan.defaults.timeout, onFailure: plan.defaults.onFailure))
    }

    /// The shared `shard/K/S` step after its keyspace's; nil when the shard will not be pending.
    private mutating func prerequisiteShard(_ shard: ShardInfo, stage: String, entry: [String]) -> String? {
        guard shardWillBePending(shard) else { return nil }
        // The stage's entry too: a shard shared with an earlier stage's keyspace still waits for
        // everything before this stage (an approval gate, say).
        var after = entry
        if let keyspace = prerequisiteKeyspace(shard.keyspace, stage: stage, entry: entry), !after.contains(keyspace) {
            after.append(keyspace)
        }
        return add(
            Step(
                id: "shard/\(shard.id)",
                kind: .releaseShard(keyspace: shard.keyspace, shard: shard.name, object: shard.objectName),
                stage: stage, dependsOn: after, resources: [], pacingKey: nil, estimate: plan.estimates.shardRelease,
                checks: [],
                timeout: plan.defaults.timeout, onFailure: plan.defaults.onFailure))
    }

    /// Position in a shard's release order: the stage's role order, then `other`, the primary last.
    private func rank(_ tablet: TabletInfo, _ order: [TabletRole]) -> Int {
        if tablet.isPrimary { return 100 }
        return order.firstIndex(of: tablet.role) ?? order.count
    }

    // MARK: - Matching

    private func matches(_ wanted: [Located<String>], _ value: String) -> Bool {
        wanted.isEmpty || wanted.contains { $0.value == value }
    }

    private func shardMatches(_ s: Selector, _ shard: ShardInfo) -> Bool {
        guard matches(s.keyspaces, shard.keyspace), matches(s.shards, shard.name) else { return false }
        guard !s.keyRanges.isEmpty else { return true }
        guard let range = shard.keyRange else { return false }
        return s.keyRanges.contains { $0.value.contains(range) }
    }

    private func tabletMatches(_ s: Selector, _ t: TabletInfo) -> Bool {
        matches(s.cells, t.alias.cell)
            && (s.pools.isEmpty || s.pools.contains { $0.value == t.pool })
            && (s.roles.isEmpty || s.roles.contains { $0.value == t.role })
            && (s.tablets.isEmpty || s.tablets.contains { $0.value == t.alias })
    }

    private func deploymentMatches(_ s: Selector, _ d: DeploymentInfo) -> Bool {
        guard s.components.isEmpty || s.components.contains(where: { $0.value.rawValue == d.component }),
            matches(s.names, d.name), s.cells.isEmpty || s.cells.contains(where: { $0.value == d.cell })
        else { return false }
        if s.keyspaces.isEmpty && s.shards.isEmpty && s.keyRanges.isEmpty { return true }
        guard let shard = shard(forDeployment: d) else { return false }
        return shardMatches(s, shard)
    }

    private func etcdMatches(_ s: Selector, _ m: EtcdMemberInfo) -> Bool {
        matches(s.names, m.name) && (s.cells.isEmpty || s.cells.contains { $0.value == m.cell })
    }

    // MARK: - Checks

    private mutating func checkNames(_ s: Selector, target: ReleaseTarget, path: FieldPath) {
        let keyspaces = inventory.keyspaces.map(\.name)
        for k in s.keyspaces where !keyspaces.contains(k.value) {
            diagnostics.append(
                .unknown(.liveUnknownKeyspace, what: "keyspace", k, path: path.key("keyspace"), known: keyspaces))
        }
        let relevantShards = inventory.shards.filter { matches(s.keyspaces, $0.keyspace) }
        let shardNames = Array(Set(relevantShards.map(\.name))).sorted()
        for shard in s.shards where !shardNames.contains(shard.value) {
            diagnostics.append(
                .unknown(.liveUnknownShard, what: "shard", shard, path: path.key("shard"), known: shardNames))
        }
        let cells = Array(Set(inventory.cells.map(\.name) + inventory.tablets.map(\.alias.cell))).sorted()
        for cell in s.cells where !cells.contains(cell.value) {
            diagnostics.append(.unknown(.liveUnknownCell, what: "cell", cell, path: path.key("cell"), known: cells))
        }
        let aliases = inventory.tablets.map(\.alias)
        for alias in s.tablets where !aliases.contains(alias.value) {
            diagnostics.append(
                .unknown(
                    .liveUnknownTablet, what: "tablet", Located(alias.value.description, at: alias.position),
                    path: path.key("tablet"), known: aliases.map(\.description)))
        }
        let names = target == .etcdMembers ? inventory.etcdMembers.map(\.name) : inventory.deployments.map(\.name)
        for name in s.names where !names.contains(name.value) {
            diagnostics.append(
                .unknown(
                    .liveUnknownObject, what: target == .etcdMembers ? "etcd member" : "Deployment",
                    name, path: path.key("name"), known: names))
        }
    }

    private mutating func checkExpectations() {
        for (i, expectation) in plan.expectations.enumerated() {
            let path = FieldPath(components: ["spec", "expect[\(i)]"])
            let objects = pendingTexts(for: expectation)
            if objects.isEmpty {
                diagnostics.append(.expectMatchesNothing(at: expectation.position, path: path))
                continue
            }
            for (object, text) in objects {
                for needle in expectation.contains where !text.contains(needle) {
                    diagnostics.append(
                        .expectFailed(
                            object: object, condition: "contain '\(needle)'", actual: text,
                            at: expectation.position, path: path.key("contains")))
                }
                if let pattern = expectation.matches, let regex = try? Regex(pattern),
                    (try? regex.firstMatch(in: text)) == nil
                {
                    diagnostics.append(
                        .expectFailed(
                            object: object, condition: "match /\(pattern)/", actual: text,
                            at: expectation.position, path: path.key("matches")))
                }
            }
        }
    }

    /// The `scheduled` text of each pending object an expectation selects (only objects pending now:
    /// a guard checks what was reviewed, not what a release will produce).
    private func pendingTexts(for e: Expectation) -> [(String, String)] {
        let s = e.selector
        switch e.target {
        case .cells:
            return inventory.cells.filter { $0.marks.isPending && matches(s.cells, $0.name) }
                .map { ("VitessCell \($0.name)", $0.marks.scheduled ?? "") }
        case .keyspaces:
            return inventory.keyspaces.filter { $0.marks.isPending && matches(s.keyspaces, $0.name) }
                .map { ("VitessKeyspace \($0.name)", $0.marks.scheduled ?? "") }
        case .shards:
            return inventory.shards.filter { $0.marks.isPending && shardMatches(s, $0) }
                .map { ("VitessShard \($0.id)", $0.marks.scheduled ?? "") }
        case .tablets:
            return inventory.shards.filter { shardMatches(s, $0) }.flatMap { shard in
                shard.tablets.filter { $0.marks.isPending && tabletMatches(s, $0) }
                    .map { ("tablet \($0.alias)", $0.marks.scheduled ?? "") }
            }
        case .deployments:
            return inventory.deployments.filter { $0.marks.isPending && deploymentMatches(s, $0) }
                .map { ("Deployment \($0.name)", $0.marks.scheduled ?? "") }
        case .etcdMembers:
            return inventory.etcdMembers.filter { $0.marks.isPending && etcdMatches(s, $0) }
                .map { ("etcd member \($0.name)", $0.marks.scheduled ?? "") }
        }
    }

    /// A primary must not be released by a stage that does not run after every stage releasing
    /// other tablets of its shard.
    private mutating func checkPrimaryLast(_ dependencies: [[String]]) {
        let index = Dictionary(plan.stages.enumerated().map { ($0.element.name, $0.offset) }) { a, _ in a }
        var after: [Set<Int>] = Array(repeating: [], count: plan.stages.count)  // transitive predecessors
        for i in Planner.stageOrder(plan) {
            for dep in dependencies[i] {
                guard let j = index[dep] else { continue }
                after[i].insert(j)
                after[i].formUnion(after[j])
            }
        }
        let released = Set(steps.map(\.id))
        for (shardID, stages) in tabletStages.sorted(by: { $0.key < $1.key }) {
            for (primaryStage, alias, position, path) in stages.primary {
                if let (otherStage, other) = stages.others.first(where: {
                    $0.0 != primaryStage && !after[primaryStage].contains($0.0)
                }) {
                    diagnostics.append(
                        .primaryNotLast(
                            stage: plan.stages[primaryStage], primary: alias, shard: shardID, other: other,
                            otherStage: plan.stages[otherStage].name, at: position, path: path))
                    continue
                }
                // A primary-only selection: the shard's other pending tablets would stay behind.
                guard let shard = shardsByID[shardID],
                    let left = shard.tablets.first(where: {
                        $0.alias != alias && tabletWillBePending($0, in: shard)
                            && !released.contains("tablet/\($0.alias)")
                    })
                else { continue }
                diagnostics.append(
                    .primaryNotLast(
                        stage: plan.stages[primaryStage], primary: alias, shard: shardID, other: left.alias.description,
                        otherStage: nil, at: position, path: path))
            }
        }
    }

    private mutating func checkCoverage() {
        let required = plan.requireFullCoverage
        let position = plan.specPosition
        func report(_ kind: String, _ ids: [String]) {
            if !ids.isEmpty {
                diagnostics.append(.uncovered(kind: kind, objects: ids, required: required, at: position))
            }
        }
        let released = Set(steps.map(\.id))
        report(
            "cell", inventory.cells.filter { $0.marks.isPending && !released.contains("cell/\($0.name)") }.map(\.name))
        report(
            "keyspace",
            inventory.keyspaces.filter { $0.marks.isPending && !released.contains("keyspace/\($0.name)") }
                .map(\.name))
        report(
            "shard",
            shards.filter { shardWillBePending($0) && !released.contains("shard/\($0.id)") }.map(\.id))
        report(
            "tablet",
            shards.flatMap { shard in
                shard.tablets.filter { tabletWillBePending($0, in: shard) && !released.contains("tablet/\($0.alias)") }
                    .map(\.alias.description)
            })
        // Only Deployments pending now: whether a vtorc changes is known only after its shard's release.
        report(
            "deployment",
            inventory.deployments.filter {
                $0.marks.isPending && !released.contains("deployment/\($0.name)")
            }.map(\.name))
        report(
            "etcd member",
            inventory.etcdMembers.filter { $0.marks.isPending && !released.contains("etcd/\($0.name)") }
                .map(\.name))
    }
}
