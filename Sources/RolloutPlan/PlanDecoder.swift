import VitessModel

/// Turns a composed YAML document into a `Plan`, collecting every problem on the way.
struct PlanDecoder {
    private var reader = NodeReader()

    /// Decodes the root. The plan is nil when a required part could not be read; diagnostics always
    /// describe why.
    static func decode(_ root: YAMLNode) -> (Plan?, [Diagnostic]) {
        var decoder = PlanDecoder()
        let plan = decoder.document(root)
        return (plan, decoder.reader.diagnostics)
    }

    private mutating func document(_ root: YAMLNode) -> Plan? {
        guard let top = reader.fields(root, path: .root, context: "the plan", allowed: PlanKeys.document) else {
            return nil
        }
        if let api = reader.requiredString(top, "apiVersion", context: "the plan"), api.value != PlanAPI.version {
            reader.report(.unsupportedAPIVersion(api.value, at: api.position, path: FieldPath.root.key("apiVersion")))
        }
        if let kind = reader.requiredString(top, "kind", context: "the plan"), kind.value != PlanAPI.kind {
            reader.report(.wrongKind(kind.value, at: kind.position, path: FieldPath.root.key("kind")))
        }
        var name: String?
        var description: String?
        if let node = top["metadata"] {
            let path = FieldPath.root.key("metadata")
            if let meta = reader.fields(node, path: path, context: "metadata", allowed: PlanKeys.metadata) {
                if let value = reader.requiredString(meta, "name", context: "metadata") {
                    name = dnsLabel(value, what: "plan name", path: path.key("name"))
                }
                description = meta["description"].flatMap { reader.string($0, path: path.key("description"))?.value }
            }
        } else {
            reader.report(.missingKey("metadata", in: "the plan", at: root.position, path: .root))
        }
        guard let specNode = top["spec"] else {
            reader.report(.missingKey("spec", in: "the plan", at: root.position, path: .root))
            return nil
        }
        guard let spec = spec(specNode), let name else { return nil }
        var plan = spec
        plan.name = name
        plan.description = description
        return plan
    }

    private mutating func spec(_ node: YAMLNode) -> Plan? {
        let path = FieldPath.root.key("spec")
        guard let spec = reader.fields(node, path: path, context: "spec", allowed: PlanKeys.spec) else { return nil }
        let cluster = reader.requiredString(spec, "cluster", context: "spec").flatMap {
            dnsSubdomain($0, what: "cluster name", path: path.key("cluster"))
        }
        let namespace = spec["namespace"].flatMap { node in
            reader.string(node, path: path.key("namespace")).flatMap {
                dnsLabel($0, what: "namespace", path: path.key("namespace"))
            }
        }
        let requireFullCoverage =
            spec["requireFullCoverage"].flatMap {
                reader.bool($0, path: path.key("requireFullCoverage"))
            } ?? false
        let expectations = spec["expect"].map { self.expectations($0, path: path.key("expect")) } ?? []
        let defaults = spec["defaults"].map { self.defaults($0, path: path.key("defaults")) } ?? .standard
        let estimates = spec["estimates"].map { self.estimates($0, path: path.key("estimates")) } ?? .standard
        guard let stagesNode = spec["stages"] else {
            reader.report(.missingKey("stages", in: "spec", at: node.position, path: path))
            return nil
        }
        let stages = self.stages(stagesNode, path: path.key("stages"), defaults: defaults)
        guard let cluster else { return nil }
        var plan = Plan(
            name: "", description: nil, cluster: cluster, namespace: namespace,
            requireFullCoverage: requireFullCoverage, expectations: expectations, defaults: defaults,
            estimates: estimates, stages: stages, stagesPosition: stagesNode.position)
        plan.clusterPosition = spec["cluster"]?.position ?? node.position
        plan.namespacePosition = spec["namespace"]?.position
        plan.specPosition = spec.has("requireFullCoverage") ? spec.keyPosition("requireFullCoverage") : node.position
        return plan
    }

    // MARK: - Names

    private mutating func dnsLabel(_ value: Located<String>, what: String, path: FieldPath) -> String? {
        guard Self.isDNSLabel(value.value) else {
            reader.report(.invalidName(value.value, what: what, at: value.position, path: path))
            return nil
        }
        return value.value
    }

    private mutating func dnsSubdomain(_ value: Located<String>, what: String, path: FieldPath) -> String? {
        let parts = value.value.split(separator: ".", omittingEmptySubsequences: false)
        guard value.value.count <= 253, parts.allSatisfy({ Self.isDNSLabel(String($0)) }) else {
            reader.report(.invalidName(value.value, what: what, at: value.position, path: path))
            return nil
        }
        return value.value
    }

    static func isDNSLabel(_ text: String) -> Bool {
        guard !text.isEmpty, text.count <= 63, let first = text.first, let last = text.last else { return false }
        let allowed = text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        return allowed && first != "-" && last != "-"
    }

    // MARK: - Defaults and estimates

    private mutating func defaults(_ node: YAMLNode, path: FieldPath) -> StageDefaults {
        var result = StageDefaults.standard
        guard let fields = reader.fields(node, path: path, context: "defaults", allowed: PlanKeys.defaults) else {
            return result
        }
        if let t = fields["timeout"], let value = reader.duration(t, path: path.key("timeout"), positive: true) {
            result.timeout = value
        }
        if let f = fields["onFailure"],
            let value = reader.enumValue(
                f, path: path.key("onFailure"), what: "failure policy", FailurePolicy.self,
                hints: ["rollback": "pause", "revert": "pause", "stop": "abort"])
        {
            result.onFailure = value
        }
        if let checks = fields["healthChecks"] {
            result.healthChecks = healthChecks(checks, path: path.key("healthChecks"))
        }
        return result
    }

    private mutating func estimates(_ node: YAMLNode, path: FieldPath) -> StepEstimates {
        var result = StepEstimates.standard
        guard let fields = reader.fields(node, path: path, context: "estimates", allowed: PlanKeys.estimates) else {
            return result
        }
        let slots: [(String, WritableKeyPath<StepEstimates, PlanDuration>)] = [
            ("tabletRestart", \.tabletRestart), ("keyspaceRelease", \.keyspaceRelease),
            ("shardRelease", \.shardRelease), ("cellRollout", \.cellRollout),
            ("deploymentRollout", \.deploymentRollout), ("etcdMemberRestart", \.etcdMemberRestart),
        ]
        for (key, slot) in slots {
            if let n = fields[key], let value = reader.duration(n, path: path.key(key), positive: false) {
                result[keyPath: slot] = value
            }
        }
        return result
    }

    // MARK: - Expectations

    private mutating func expectations(_ node: YAMLNode, path: FieldPath) -> [Expectation] {
        guard let items = reader.sequence(node, path: path) else { return [] }
        var result: [Expectation] = []
        for (item, itemPath) in items {
            guard
                let fields = reader.fields(
                    item, path: itemPath, context: "an expect guard",
                    allowed: PlanKeys.expectation)
            else { continue }
            let target = fields["kind"].flatMap {
                reader.enumValue(
                    $0, path: itemPath.key("kind"), what: "expect kind", ReleaseTarget.self,
                    hints: Self.targetHints)
            }
            if !fields.has("kind") {
                reader.report(.missingKey("kind", in: "an expect guard", at: item.position, path: itemPath))
            }
            var selector = Selector()
            if let target, let s = fields["select"] {
                selector = self.selector(s, path: itemPath.key("select"), target: target)
            }
            var contains: [String] = []
            if let c = fields["contains"] {
                contains = reader.stringList(c, path: itemPath.key("contains"), what: "contains")?.map(\.value) ?? []
            }
            var matches: String?
            if let m = fields["matches"], let pattern = reader.string(m, path: itemPath.key("matches")) {
                matches = regex(pattern, path: itemPath.key("matches"))
            }
            if !fields.has("contains") && !fields.has("matches") {
                reader.report(
                    .missingKey(
                        "contains", in: "an expect guard", at: item.position, path: itemPath,
                        note: "give 'contains' (text the pending change must include), 'matches' "
                            + "(a regular expression), or both"))
            }
            if let target {
                result.append(
                    Expectation(
                        target: target, selector: selector, contains: contains, matches: matches,
                        position: item.position))
            }
        }
        return result
    }

    private mutating func regex(_ pattern: Located<String>, path: FieldPath) -> String? {
        do {
            _ = try Regex(pattern.value)
            return pattern.value
        } catch {
            reader.report(.invalidRegex(pattern.value, error: "\(error)", at: pattern.position, path: path))
            return nil
        }
    }

    // MARK: - Stages

    static let targetHints: [String: String] = [
        "VitessCell": "cells", "VitessKeyspace": "keyspaces", "VitessShard": "shards", "Pod": "tablets",
        "Deployment": "deployments", "EtcdLockserver": "etcdMembers", "vtgate": "cells", "cell": "cells",
        "keyspace": "keyspaces", "shard": "shards", "tablet": "tablets", "deployment": "deployments",
        "etcd": "etcdMembers", "vttablet": "tablets", "vttablets": "tablets", "vtgates": "cells",
    ]

    private mutating func stages(_ node: YAMLNode, path: FieldPath, defaults: StageDefaults) -> [Stage] {
        guard let items = reader.sequence(node, path: path) else { return [] }
        if items.isEmpty {
            reader.report(.emptyList("stages", at: node.position, path: path))
            return []
        }
        var stages: [Stage] = []
        var firstByName: [String: SourcePosition] = [:]
        for (item, itemPath) in items {
            guard let stage = stage(item, path: itemPath, defaults: defaults) else { continue }
            if let first = firstByName[stage.name] {
                reader.report(.duplicateStage(stage.name, at: stage.position, first: first, path: itemPath.key("name")))
                continue
            }
            firstByName[stage.name] = stage.position
            stages.append(stage)
        }
        checkDependencies(items.map { StageHeader($0.node, path: $0.path) }, path: path)
        return stages
    }

    /// A stage's name and dependencies, read leniently from any stage item, so dependency errors
    /// are reported even for stages whose other fields are broken. Type errors in these fields are
    /// reported by the full decode, not here.
    private struct StageHeader {
        let name: String?
        let dependsOn: [Located<String>]?
        let position: SourcePosition
        let path: FieldPath

        init(_ node: YAMLNode, path: FieldPath) {
            self.position = node.position
            self.path = path
            guard case .mapping(let pairs) = node.content else {
                name = nil
                dependsOn = nil
                return
            }
            name = pairs.first { $0.name == "name" }?.value.scalar?.text
            switch pairs.first(where: { $0.name == "dependsOn" })?.value {
            case nil: dependsOn = nil
            case let value?:
                if case .sequence(let items) = value.content {
                    dependsOn = items.compactMap { item in item.scalar.map { Located($0.text, at: item.position) } }
                } else {
                    dependsOn = value.scalar.map { [Located($0.text, at: value.position)] } ?? []
                }
            }
        }
    }

    private mutating func stage(_ node: YAMLNode, path: FieldPath, defaults: StageDefaults) -> Stage? {
        guard case .mapping(let pairs) = node.content else {
            reader.report(.wrongType(expected: "a stage mapping", found: node, path: path))
            return nil
        }
        let keys = Set(pairs.map(\.name))
        let isRelease = keys.contains("release")
        let isGate = keys.contains("gate")
        let allowed: [String]
        let context: String
        switch (isRelease, isGate) {
        case (true, true):
            let gateKey = pairs.first { $0.name == "gate" }!.key
            reader.report(.choiceConflict("a stage", keys: ["release", "gate"], at: gateKey.position, path: path))
            allowed = PlanKeys.stageCommon + PlanKeys.releaseStage + PlanKeys.gateStage
            context = "a stage"
        case (false, true):
            allowed = PlanKeys.stageCommon + PlanKeys.gateStage
            context = "a gate stage"
        case (true, false):
            allowed = PlanKeys.stageCommon + PlanKeys.releaseStage
            context = "a release stage"
        case (false, false):
            reader.report(.choiceMissing("a stage", choices: ["release", "gate"], at: node.position, path: path))
            allowed = PlanKeys.stageCommon + PlanKeys.releaseStage + PlanKeys.gateStage
            context = "a stage"
        }
        guard
            let fields = reader.fields(
                node, path: path, context: context, allowed: allowed,
                hints: [
                    "selector": "select", "checks": "healthChecks",
                    "concurrency": "maxConcurrent", "needs": "dependsOn",
                    "after": "dependsOn",
                ])
        else { return nil }
        let name = reader.requiredString(fields, "name", context: "a stage").flatMap {
            dnsLabel($0, what: "stage name", path: path.key("name"))
        }
        let description = fields["description"].flatMap { reader.string($0, path: path.key("description"))?.value }
        var dependsOn: [Located<String>]?
        if let d = fields["dependsOn"] {
            if case .sequence(let items) = d.content, items.isEmpty {
                dependsOn = []
            } else {
                dependsOn = reader.stringList(d, path: path.key("dependsOn"), what: "dependsOn") ?? []
            }
        }
        let body: Stage.Body?
        switch (isRelease, isGate) {
        case (true, false): body = release(fields, path: path, defaults: defaults).map(Stage.Body.release)
        case (false, true): body = fields["gate"].flatMap { gate($0, path: path.key("gate")) }.map(Stage.Body.gate)
        default: body = nil
        }
        guard let name, let body else { return nil }
        return Stage(name: name, description: description, body: body, dependsOn: dependsOn, position: node.position)
    }

    private mutating func release(_ fields: Fields, path: FieldPath, defaults: StageDefaults) -> ReleaseStage? {
        guard let targetNode = fields["release"],
            let target = reader.enumValue(
                targetNode, path: path.key("release"), what: "release target",
                ReleaseTarget.self, hints: Self.targetHints)
        else { return nil }
        var stage = ReleaseStage(
            target: target, selector: Selector(), maxConcurrent: .unlimited,
            tabletOrder: ReleaseStage.defaultTabletOrder, primarySwitchoverInterval: nil, soak: nil, timeout: nil,
            onFailure: nil, healthChecks: [], selectorPosition: fields.node.position)
        if let s = fields["select"] {
            stage.selector = selector(s, path: path.key("select"), target: target)
            stage.selectorPosition = s.position
        }
        if let m = fields["maxConcurrent"] {
            stage.maxConcurrent = concurrency(m, path: path.key("maxConcurrent"), target: target)
        }
        if let o = fields["tabletOrder"] {
            let orderPath = path.key("tabletOrder")
            if target != .tablets {
                reader.report(
                    .optionNotApplicable(
                        "tabletOrder", target: target, at: fields.keyPosition("tabletOrder"),
                        path: orderPath, reason: "it orders tablets inside a shard"))
            }
            if let order = tabletOrder(o, path: orderPath) { stage.tabletOrder = order }
        }
        if let p = fields["primarySwitchoverInterval"] {
            let intervalPath = path.key("primarySwitchoverInterval")
            if target != .tablets {
                reader.report(
                    .optionNotApplicable(
                        "primarySwitchoverInterval", target: target,
                        at: fields.keyPosition("primarySwitchoverInterval"),
                        path: intervalPath, reason: "only tablet releases reparent primaries"))
            }
            stage.primarySwitchoverInterval = reader.duration(p, path: intervalPath, positive: false)
        }
        if let s = fields["soak"] { stage.soak = reader.duration(s, path: path.key("soak"), positive: false) }
        if let t = fields["timeout"] { stage.timeout = reader.duration(t, path: path.key("timeout"), positive: true) }
        if let f = fields["onFailure"] {
            stage.onFailure = reader.enumValue(
                f, path: path.key("onFailure"), what: "failure policy",
                FailurePolicy.self,
                hints: ["rollback": "pause", "revert": "pause", "stop": "abort"])
        }
        if let c = fields["healthChecks"] {
            stage.healthChecks = healthChecks(c, path: path.key("healthChecks"))
            for (i, check) in stage.healthChecks.enumerated() {
                if let reason = Self.inapplicability(of: check.value, to: target) {
                    reader.report(
                        .optionNotApplicable(
                            check.value.key, target: target, at: check.position,
                            path: path.key("healthChecks").index(i), reason: reason))
                }
            }
        }
        if let soak = stage.soak, let soakNode = fields["soak"] {
            let timeout = stage.timeout ?? defaults.timeout
            if soak >= timeout {
                reader.report(
                    .soakExceedsTimeout(
                        soak: soak, timeout: timeout, at: soakNode.position,
                        path: path.key("soak")))
            }
        }
        return stage
    }

    /// Why a check makes no sense for a release target, or nil when it does.
    static func inapplicability(of check: HealthCheck, to target: ReleaseTarget) -> String? {
        guard !check.applies(to: target) else { return nil }
        switch check {
        case .podReady: return "it watches released Pods"
        case .tabletAvailable, .replicationLag: return "it watches released tablets"
        default: return "it watches the shards a stage touches"
        }
    }

    private mutating func tabletOrder(_ node: YAMLNode, path: FieldPath) -> [TabletRole]? {
        guard let items = reader.sequence(node, path: path) else { return nil }
        var order: [TabletRole] = []
        for (item, itemPath) in items {
            guard
                let role = reader.enumValue(
                    item, path: itemPath, what: "tablet role", TabletRole.self,
                    hints: ["master": "primary"])
            else { continue }
            if role == .primary {
                reader.report(.tabletOrder("tabletOrder must not list 'primary'", at: item.position, path: itemPath))
            } else if role == .other {
                reader.report(
                    .tabletOrder(
                        "tabletOrder orders 'rdonly' and 'replica'; 'other' tablets go with "
                            + "the last of them", at: item.position, path: itemPath))
            } else if order.contains(role) {
                reader.report(
                    .tabletOrder(
                        "tabletOrder lists '\(role.rawValue)' twice", at: item.position,
                        path: itemPath))
            } else {
                order.append(role)
            }
        }
        // Roles left out keep their default relative order after the listed ones.
        for role in ReleaseStage.defaultTabletOrder where !order.contains(role) { order.append(role) }
        return order
    }

    private mutating func concurrency(_ node: YAMLNode, path: FieldPath, target: ReleaseTarget) -> Concurrency {
        var result = Concurrency.unlimited
        if let scalar = node.scalar, case .int = scalar.resolved(tag: node.tag) {
            reader.report(
                .wrongType(
                    expected: "a mapping", found: node, path: path,
                    hint: "write maxConcurrent: {total: \(scalar.text)} or {shards: \(scalar.text)}"))
            return result
        }
        guard let fields = reader.fields(node, path: path, context: "maxConcurrent", allowed: PlanKeys.maxConcurrent)
        else { return result }
        for key in PlanKeys.maxConcurrent {
            guard let n = fields[key], let value = reader.int(n, path: path.key(key)) else { continue }
            if value < 1 {
                reader.report(.invalidConcurrency(value, at: n.position, path: path.key(key)))
                continue
            }
            if key == "shards" {
                if target != .tablets {
                    reader.report(
                        .optionNotApplicable(
                            "maxConcurrent.shards", target: target,
                            at: fields.keyPosition(key), path: path.key(key),
                            reason: "it limits shards with a tablet in flight"))
                }
                result.shards = value
            } else {
                if target == .etcdMembers && value > 1 {
                    reader.report(.etcdConcurrency(value, at: n.position, path: path.key(key)))
                    continue
                }
                result.total = value
            }
        }
        return result
    }

    // MARK: - Selectors

    private mutating func selector(_ node: YAMLNode, path: FieldPath, target: ReleaseTarget) -> Selector {
        var selector = Selector()
        guard
            let fields = reader.fields(
                node, path: path, context: "a selector", allowed: PlanKeys.selector,
                hints: [
                    "type": "pool", "tabletType": "pool", "alias": "tablet",
                    "range": "keyRange", "count": "limit",
                ])
        else {
            return selector
        }
        let applicable = PlanKeys.selectorKeys(for: target)
        for pair in fields.pairs.values.sorted(by: { $0.key.position < $1.key.position })
        where !applicable.contains(pair.name) {
            reader.report(
                .selectorNotApplicable(
                    pair.name, target: target, at: pair.key.position,
                    path: path.key(pair.name), applicable: applicable))
        }
        if let n = fields["keyspace"] {
            selector.keyspaces = reader.stringList(n, path: path.key("keyspace"), what: "keyspace") ?? []
        }
        if let n = fields["cell"] { selector.cells = reader.stringList(n, path: path.key("cell"), what: "cell") ?? [] }
        if let n = fields["name"] { selector.names = reader.stringList(n, path: path.key("name"), what: "name") ?? [] }
        if let n = fields["shard"] {
            let shardPath = path.key("shard")
            for (i, shard) in (reader.stringList(n, path: shardPath, what: "shard") ?? []).enumerated() {
                // A shard name is a key range, or a plain name such as "0" for unsharded keyspaces.
                if shard.value.contains("-") && KeyRange(shard.value) == nil {
                    reader.report(
                        .invalidKeyRange(
                            shard.value, at: shard.position,
                            path: n.scalar == nil ? shardPath.index(i) : shardPath))
                } else {
                    selector.shards.append(shard)
                }
            }
        }
        if let n = fields["keyRange"] {
            selector.keyRanges = parsedList(
                n, path: path.key("keyRange"), what: "keyRange", parse: KeyRange.init,
                invalid: Diagnostic.invalidKeyRange)
        }
        if let n = fields["pool"] {
            selector.pools =
                reader.enumList(
                    n, path: path.key("pool"), what: "pool type", TabletPoolType.self,
                    hints: ["primary": "replica", "master": "replica"]) ?? []
        }
        if let n = fields["role"] {
            selector.roles =
                reader.enumList(
                    n, path: path.key("role"), what: "tablet role", TabletRole.self,
                    hints: ["master": "primary"]) ?? []
        }
        if let n = fields["component"] {
            selector.components =
                reader.enumList(
                    n, path: path.key("component"), what: "deployment component",
                    DeploymentComponent.self) ?? []
            let values =
                n.scalar.map { [$0.text] }
                ?? {
                    if case .sequence(let items) = n.content { return items.compactMap { $0.scalar?.text } }
                    return []
                }()
            if values.contains("vtgate") {
                reader.report(
                    Diagnostic(
                        .planUnknownValue, .note,
                        "vtgate follows its VitessCell: release it with a 'release: cells' stage",
                        at: n.position, path: path.key("component")))
            }
        }
        if let n = fields["tablet"] {
            selector.tablets = parsedList(
                n, path: path.key("tablet"), what: "tablet", parse: TabletAlias.init,
                invalid: Diagnostic.invalidTabletAlias)
        }
        if let n = fields["limit"] { selector.limit = limit(n, path: path.key("limit")) }
        return selector
    }

    /// A string or list of strings, each parsed into a value; the ones that do not parse are reported.
    private mutating func parsedList<T: Hashable & Sendable>(
        _ node: YAMLNode, path: FieldPath, what: String, parse: (String) -> T?,
        invalid: (String, SourcePosition, FieldPath) -> Diagnostic
    ) -> [Located<T>] {
        var values: [Located<T>] = []
        for (i, text) in (reader.stringList(node, path: path, what: what) ?? []).enumerated() {
            if let value = parse(text.value) {
                values.append(Located(value, at: text.position))
            } else {
                reader.report(invalid(text.value, text.position, node.scalar == nil ? path.index(i) : path))
            }
        }
        return values
    }

    private mutating func limit(_ node: YAMLNode, path: FieldPath) -> Located<CountOrPercent>? {
        guard let scalar = node.scalar else {
            reader.report(.wrongType(expected: "a count or a percentage", found: node, path: path))
            return nil
        }
        switch scalar.resolved(tag: node.tag) {
        case .int(let n):
            guard n >= 1 else {
                reader.report(.invalidLimit(n, at: node.position, path: path))
                return nil
            }
            return Located(.count(n), at: node.position)
        case .string(let text):
            guard let p = CountOrPercent.parsePercent(text), (1...100).contains(p) else {
                reader.report(.invalidPercentage(text, at: node.position, path: path))
                return nil
            }
            return Located(.percent(p), at: node.position)
        default:
            reader.report(.wrongType(expected: "a count or a percentage", found: node, path: path))
            return nil
        }
    }

    // MARK: - Gates

    private mutating func gate(_ node: YAMLNode, path: FieldPath) -> Gate? {
        guard let fields = reader.fields(node, path: path, context: "a gate", allowed: PlanKeys.gate) else {
            return nil
        }
        let present = PlanKeys.gate.filter { fields.has($0) }
        guard present.count == 1, let key = present.first, let value = fields[key] else {
            if present.isEmpty {
                reader.report(.choiceMissing("a gate", choices: PlanKeys.gate, at: node.position, path: path))
            } else {
                reader.report(.choiceConflict("a gate", keys: present, at: fields.keyPosition(present[1]), path: path))
            }
            return nil
        }
        let valuePath = path.key(key)
        switch key {
        case "approval":
            if value.isNull { return .approval(message: nil) }
            guard let f = reader.fields(value, path: valuePath, context: "an approval gate", allowed: PlanKeys.approval)
            else { return nil }
            return .approval(message: f["message"].flatMap { reader.string($0, path: valuePath.key("message"))?.value })
        case "wait":
            guard let f = reader.fields(value, path: valuePath, context: "a wait gate", allowed: PlanKeys.wait) else {
                return nil
            }
            guard let d = f["duration"] else {
                reader.report(.missingKey("duration", in: "a wait gate", at: value.position, path: valuePath))
                return nil
            }
            return reader.duration(d, path: valuePath.key("duration"), positive: true).map(Gate.wait)
        default:
            guard let f = reader.fields(value, path: valuePath, context: "a window gate", allowed: PlanKeys.window)
            else { return nil }
            guard let allowedNode = f["allowed"] else {
                reader.report(.missingKey("allowed", in: "a window gate", at: value.position, path: valuePath))
                return nil
            }
            let allowedPath = valuePath.key("allowed")
            guard let items = reader.sequence(allowedNode, path: allowedPath) else { return nil }
            if items.isEmpty {
                reader.report(.emptyList("allowed", at: allowedNode.position, path: allowedPath))
                return nil
            }
            let windows = items.compactMap { timeWindow($0.node, path: $0.path) }
            return windows.count == items.count ? .window(windows) : nil
        }
    }

    private mutating func timeWindow(_ node: YAMLNode, path: FieldPath) -> TimeWindow? {
        guard let f = reader.fields(node, path: path, context: "a time range", allowed: PlanKeys.timeRange) else {
            return nil
        }
        var days: [Weekday] = []
        if let d = f["days"] {
            days =
                reader.enumList(
                    d, path: path.key("days"), what: "day", Weekday.self,
                    hints: [
                        "Monday": "Mon", "Tuesday": "Tue", "Wednesday": "Wed", "Thursday": "Thu",
                        "Friday": "Fri", "Saturday": "Sat", "Sunday": "Sun",
                    ])?.map(\.value) ?? []
        }
        let from = clock(f, "from", path: path, context: "a time range")
        let to = clock(f, "to", path: path, context: "a time range")
        guard let from, let to else { return nil }
        if from == to {
            reader.report(
                .invalidTimeWindow(
                    "the range is empty: 'from' and 'to' are the same time",
                    at: node.position, path: path))
            return nil
        }
        return TimeWindow(days: days, fromMinute: from, toMinute: to)
    }

    private mutating func clock(_ fields: Fields, _ key: String, path: FieldPath, context: String) -> Int? {
        guard let value = reader.requiredString(fields, key, context: context) else { return nil }
        let parts = value.value.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count == 2, parts[1].count == 2, let h = Int(parts[0]), let m = Int(parts[1]),
            (0...24).contains(h), (0...59).contains(m), h * 60 + m <= 24 * 60
        {
            return h * 60 + m
        }
        reader.report(
            .invalidTimeWindow(
                "'\(value.value)' is not a UTC time such as 09:00 or 17:30",
                at: value.position, path: path.key(key)))
        return nil
    }

    // MARK: - Health checks

    private mutating func healthChecks(_ node: YAMLNode, path: FieldPath) -> [Located<HealthCheck>] {
        guard let items = reader.sequence(node, path: path) else { return [] }
        return items.compactMap { item, itemPath in
            healthCheck(item, path: itemPath).map { Located($0, at: item.position) }
        }
    }

    private mutating func healthCheck(_ node: YAMLNode, path: FieldPath) -> HealthCheck? {
        if let scalar = node.scalar, PlanKeys.healthCheck.contains(scalar.text) {
            reader.report(
                .wrongType(
                    expected: "a mapping", found: node, path: path,
                    hint: "write {\(scalar.text): {}}"))
            return nil
        }
        guard let fields = reader.fields(node, path: path, context: "a health check", allowed: PlanKeys.healthCheck)
        else { return nil }
        let present = PlanKeys.healthCheck.filter { fields.has($0) }
        guard present.count == 1, let key = present.first, let value = fields[key] else {
            if present.isEmpty {
                reader.report(
                    .choiceMissing(
                        "a health check", choices: PlanKeys.healthCheck, at: node.position,
                        path: path))
            } else {
                reader.report(
                    .choiceConflict(
                        "a health check", keys: Array(present.prefix(2)),
                        at: fields.keyPosition(present[1]), path: path))
            }
            return nil
        }
        let valuePath = path.key(key)
        switch key {
        case "podReady", "tabletAvailable", "shardHealthy":
            if !value.isNull {
                guard reader.fields(value, path: valuePath, context: "'\(key)'", allowed: []) != nil else { return nil }
            }
            return key == "podReady" ? .podReady : key == "tabletAvailable" ? .tabletAvailable : .shardHealthy
        case "replicationLag":
            guard
                let f = reader.fields(
                    value, path: valuePath, context: "a replicationLag check",
                    allowed: PlanKeys.replicationLag)
            else { return nil }
            guard let m = f["max"] else {
                reader.report(.missingKey("max", in: "a replicationLag check", at: value.position, path: valuePath))
                return nil
            }
            return reader.duration(m, path: valuePath.key("max"), positive: false).map { .replicationLag(max: $0) }
        case "http":
            return httpCheck(value, path: valuePath).map(HealthCheck.http)
        default:
            return commandCheck(value, path: valuePath)
        }
    }

    private mutating func httpCheck(_ node: YAMLNode, path: FieldPath) -> HTTPCheck? {
        guard let f = reader.fields(node, path: path, context: "an http check", allowed: PlanKeys.http) else {
            return nil
        }
        var ok = true
        var url: String?
        if let u = reader.requiredString(f, "url", context: "an http check") {
            if let problem = Self.urlProblem(u.value) {
                reader.report(.invalidURL(u.value, reason: problem, at: u.position, path: path.key("url")))
                ok = false
            } else {
                url = u.value
            }
        }
        var status = 200
        if let s = f["expectStatus"], let value = reader.int(s, path: path.key("expectStatus")) {
            if (100...599).contains(value) {
                status = value
            } else {
                reader.report(.invalidStatus(value, at: s.position, path: path.key("expectStatus")))
                ok = false
            }
        }
        var body: String?
        if let b = f["bodyMatches"] {
            if let pattern = reader.string(b, path: path.key("bodyMatches")) {
                body = regex(pattern, path: path.key("bodyMatches"))
                ok = ok && body != nil
            } else {
                ok = false
            }
        }
        var timeout = PlanDuration.seconds(10)
        if let t = f["timeout"] {
            if let value = reader.duration(t, path: path.key("timeout"), positive: true) {
                timeout = value
            } else {
                ok = false
            }
        }
        guard ok, let url else { return nil }
        return HTTPCheck(url: url, expectStatus: status, bodyMatches: body, timeout: timeout)
    }

    /// Why a check URL is unusable, or nil. Placeholders must be known ones.
    static func urlProblem(_ url: String) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            return "it must start with http:// or https://"
        }
        let afterScheme = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        if afterScheme.count < 3 || afterScheme[2].isEmpty { return "it names no host" }
        var rest = Substring(url)
        var literal = ""
        while let open = rest.firstRange(of: "{{") {
            literal += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else {
                return "a '{{' placeholder is not closed"
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces
            if !PlanKeys.urlPlaceholders.contains(name) {
                let suggestion = Suggestions.closest(to: name, in: PlanKeys.urlPlaceholders)
                return "unknown placeholder '{{\(name)}}'"
                    + (suggestion.map { " (did you mean '{{\($0)}}'?)" } ?? "")
                    + "; known: \(PlanKeys.urlPlaceholders.joined(separator: ", "))"
            }
            rest = rest[close.upperBound...]
        }
        literal += rest
        if literal.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) { return "it contains white space" }
        return nil
    }

    private mutating func commandCheck(_ node: YAMLNode, path: FieldPath) -> HealthCheck? {
        if case .sequence = node.content {
            reader.report(
                .wrongType(
                    expected: "a mapping", found: node, path: path,
                    hint: "write command: {argv: [...], timeout: 30s}"))
            return nil
        }
        guard let f = reader.fields(node, path: path, context: "a command check", allowed: PlanKeys.command) else {
            return nil
        }
        guard let argvNode = f["argv"] else {
            reader.report(.missingKey("argv", in: "a command check", at: node.position, path: path))
            return nil
        }
        let argvPath = path.key("argv")
        if argvNode.scalar != nil {
            reader.report(
                .wrongType(
                    expected: "a list of arguments", found: argvNode, path: argvPath,
                    hint: "commands run without a shell: split the command into a list"))
            return nil
        }
        guard let items = reader.sequence(argvNode, path: argvPath) else { return nil }
        var argv: [String] = []
        for (item, itemPath) in items {
            guard let s = reader.string(item, path: itemPath) else { return nil }
            argv.append(s.value)
        }
        guard let program = argv.first, !program.isEmpty else {
            reader.report(.emptyCommand(at: argvNode.position, path: argvPath))
            return nil
        }
        var timeout = PlanDuration.seconds(60)
        if let t = f["timeout"] {
            guard let value = reader.duration(t, path: path.key("timeout"), positive: true) else { return nil }
            timeout = value
        }
        return .command(argv: argv, timeout: timeout)
    }

    // MARK: - Dependencies

    private mutating func checkDependencies(_ headers: [StageHeader], path: FieldPath) {
        var index: [String: Int] = [:]
        for (i, header) in headers.enumerated() {
            if let name = header.name, index[name] == nil { index[name] = i }
        }
        let known = index.keys.sorted()
        var edges: [[Int]] = Array(repeating: [], count: headers.count)
        for (i, header) in headers.enumerated() {
            guard let deps = header.dependsOn else {
                if i > 0 { edges[i] = [i - 1] }
                continue
            }
            for dep in deps {
                if let j = index[dep.value] {
                    edges[i].append(j)
                } else {
                    reader.report(
                        .unknownDependency(
                            dep.value, at: dep.position, path: header.path.key("dependsOn"),
                            stages: known))
                }
            }
        }
        // Iterative three-colour DFS; each cycle is reported once, at its earliest stage.
        var colour = Array(repeating: 0, count: headers.count)
        var reported = Set<Int>()
        for start in headers.indices where colour[start] == 0 {
            var stack: [(node: Int, next: Int)] = [(start, 0)]
            colour[start] = 1
            while let top = stack.last {
                guard top.next < edges[top.node].count else {
                    colour[top.node] = 2
                    stack.removeLast()
                    continue
                }
                stack[stack.count - 1].next += 1
                let target = edges[top.node][top.next]
                if colour[target] == 0 {
                    colour[target] = 1
                    stack.append((target, 0))
                } else if colour[target] == 1 {
                    // The stack from `target` up is the cycle, in "depends on" order.
                    let members = Array(stack.map(\.node).drop { $0 != target })
                    guard reported.isDisjoint(with: members), let first = members.min(),
                        let k = members.firstIndex(of: first)
                    else { continue }
                    reported.formUnion(members)
                    let cycle = (Array(members[k...]) + Array(members[..<k]) + [first]).map { headers[$0].name ?? "?" }
                    reader.report(
                        .dependencyCycle(
                            cycle, at: headers[first].position,
                            path: headers[first].path.key("dependsOn")))
                }
            }
        }
    }
}

extension Substring {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
