import RolloutPlan
import VitessModel

/// The graph as the state file stores it: every field the executor and the hash read, so a decoded
/// graph has the same hash as the compiled one.
extension StepGraph: Codable {
    private enum Keys: String, CodingKey { case plan, steps, capacities, pacing }

    /// Decodes a stored graph.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let pacing = try container.decode([String: String].self, forKey: .pacing)
        self.init(
            plan: try container.decode(String.self, forKey: .plan),
            steps: try container.decode([StoredStep].self, forKey: .steps).map { try $0.step() },
            capacities: try container.decode([String: Int].self, forKey: .capacities),
            pacing: try pacing.mapValues { try StoredStep.duration($0) })
    }

    /// Encodes the graph.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(plan, forKey: .plan)
        try container.encode(steps.map(StoredStep.init), forKey: .steps)
        try container.encode(capacities, forKey: .capacities)
        try container.encode(pacing.mapValues(\.description), forKey: .pacing)
    }
}

/// One step, flattened: `kind` names the case and the optional fields carry its values.
private struct StoredStep: Codable {
    var id: String
    var kind: String
    var stage: String
    var dependsOn: [String]
    var resources: [String]
    var pacingKey: String?
    var estimate: String
    var timeout: String
    var onFailure: String
    var checks: [StoredCheck]
    var object: String?
    var cell: String?
    var keyspace: String?
    var shard: String?
    var tablet: String?
    var pod: String?
    var primary: Bool?
    var component: String?
    var gate: String?
    var duration: String?
    var message: String?
    var windows: [StoredWindow]?

    init(_ step: Step) {
        id = step.id
        kind = step.kind.name
        stage = step.stage
        dependsOn = step.dependsOn
        resources = step.resources
        pacingKey = step.pacingKey
        estimate = step.estimate.description
        timeout = step.timeout.description
        onFailure = step.onFailure.rawValue
        checks = step.checks.map(StoredCheck.init)
        switch step.kind {
        case .releaseCell(let cell, let object):
            self.cell = cell
            self.object = object
        case .releaseKeyspace(let keyspace, let object):
            self.keyspace = keyspace
            self.object = object
        case .releaseShard(let keyspace, let shard, let object):
            self.keyspace = keyspace
            self.shard = shard
            self.object = object
        case .releaseTablet(let alias, let keyspace, let shard, let pod, let primary):
            tablet = alias.description
            self.keyspace = keyspace
            self.shard = shard
            self.pod = pod
            self.primary = primary
        case .releaseDeployment(let name, let component):
            object = name
            self.component = component
        case .releaseEtcdMember(let name):
            object = name
        case .gate(.approval(let message)):
            gate = "approval"
            self.message = message
        case .gate(.wait(let d)):
            gate = "wait"
            duration = d.description
        case .gate(.window(let windows)):
            gate = "window"
            self.windows = windows.map(StoredWindow.init)
        case .soak(let d):
            duration = d.description
        case .stageDone:
            break
        }
    }

    func step() throws -> Step {
        func need<T>(_ value: T?, _ field: String) throws -> T {
            guard let value else { throw StateError("graph step \(id) (\(kind)) has no \(field)") }
            return value
        }
        let stepKind: Step.Kind
        switch kind {
        case "releaseCell": stepKind = .releaseCell(cell: try need(cell, "cell"), object: try need(object, "object"))
        case "releaseKeyspace":
            stepKind = .releaseKeyspace(keyspace: try need(keyspace, "keyspace"), object: try need(object, "object"))
        case "releaseShard":
            stepKind = .releaseShard(
                keyspace: try need(keyspace, "keyspace"), shard: try need(shard, "shard"),
                object: try need(object, "object"))
        case "releaseTablet":
            guard let alias = TabletAlias(try need(tablet, "tablet")) else {
                throw StateError("graph step \(id) has an invalid tablet alias")
            }
            stepKind = .releaseTablet(
                alias: alias, keyspace: try need(keyspace, "keyspace"), shard: try need(shard, "shard"), pod: pod,
                primary: primary ?? false)
        case "releaseDeployment":
            stepKind = .releaseDeployment(name: try need(object, "object"), component: try need(component, "component"))
        case "releaseEtcdMember": stepKind = .releaseEtcdMember(name: try need(object, "object"))
        case "gate":
            switch try need(gate, "gate") {
            case "approval": stepKind = .gate(.approval(message: message))
            case "wait": stepKind = .gate(.wait(try Self.duration(try need(duration, "duration"))))
            case "window": stepKind = .gate(.window(try need(windows, "windows").map { try $0.window() }))
            case let other: throw StateError("graph step \(id) has an unknown gate '\(other)'")
            }
        case "soak": stepKind = .soak(try Self.duration(try need(duration, "duration")))
        case "stageDone": stepKind = .stageDone
        default: throw StateError("graph step \(id) has an unknown kind '\(kind)'")
        }
        guard let policy = FailurePolicy(rawValue: onFailure) else {
            throw StateError("graph step \(id) has an unknown onFailure '\(onFailure)'")
        }
        return Step(
            id: id, kind: stepKind, stage: stage, dependsOn: dependsOn, resources: resources, pacingKey: pacingKey,
            estimate: try Self.duration(estimate), checks: try checks.map { try $0.check() },
            timeout: try Self.duration(timeout), onFailure: policy)
    }

    static func duration(_ text: String) throws -> PlanDuration {
        guard let d = PlanDuration(parsing: text) else { throw StateError("'\(text)' is not a duration") }
        return d
    }
}

private struct StoredWindow: Codable {
    var days: [String]
    var from: Int
    var to: Int

    init(_ window: TimeWindow) {
        days = window.days.map(\.rawValue)
        from = window.fromMinute
        to = window.toMinute
    }

    func window() throws -> TimeWindow {
        TimeWindow(
            days: try days.map {
                guard let day = Weekday(rawValue: $0) else { throw StateError("'\($0)' is not a weekday") }
                return day
            }, fromMinute: from, toMinute: to)
    }
}

private struct StoredCheck: Codable {
    var type: String
    var max: String?
    var url: String?
    var expectStatus: Int?
    var bodyMatches: String?
    var argv: [String]?
    var timeout: String?

    init(_ check: HealthCheck) {
        type = check.key
        switch check {
        case .podReady, .tabletAvailable, .shardHealthy: break
        case .replicationLag(let max): self.max = max.description
        case .http(let http):
            url = http.url
            expectStatus = http.expectStatus
            bodyMatches = http.bodyMatches
            timeout = http.timeout.description
        case .command(let argv, let timeout):
            self.argv = argv
            self.timeout = timeout.description
        }
    }

    func check() throws -> HealthCheck {
        switch type {
        case "podReady": return .podReady
        case "tabletAvailable": return .tabletAvailable
        case "shardHealthy": return .shardHealthy
        case "replicationLag": return .replicationLag(max: try StoredStep.duration(max ?? ""))
        case "http":
            guard let url, let expectStatus else { throw StateError("an http check has no url or expectStatus") }
            return .http(
                HTTPCheck(
                    url: url, expectStatus: expectStatus, bodyMatches: bodyMatches,
                    timeout: try StoredStep.duration(timeout ?? "")))
        case "command":
            guard let argv, !argv.isEmpty else { throw StateError("a command check has no argv") }
            return .command(argv: argv, timeout: try StoredStep.duration(timeout ?? ""))
        default: throw StateError("unknown health check '\(type)'")
        }
    }
}
