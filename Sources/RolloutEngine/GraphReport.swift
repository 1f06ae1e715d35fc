import RolloutPlan
import VitessModel

/// The machine-readable form of a compiled plan (`plan show -o json`). Fields are only ever added.
public struct GraphReport: Codable, Sendable, Equatable {
    /// Always `vtop-rollout/v1`.
    public var apiVersion = "vtop-rollout/v1"
    /// Always `StepGraph`.
    public var kind = "StepGraph"
    /// The plan name.
    public var plan: String
    /// `sha256:` and the graph's content hash.
    public var hash: String
    /// The critical-path estimate.
    public var estimate: Estimate
    /// Resource capacities.
    public var capacities: [String: Int]
    /// Pacing intervals by key, as durations (`2m`).
    public var pacing: [String: String]
    /// Steps in topological order.
    public var steps: [StepEntry]

    /// The estimate.
    public struct Estimate: Codable, Sendable, Equatable {
        /// The lower bound on the makespan, as a duration.
        public var lowerBound: String
        /// The same in seconds.
        public var lowerBoundSeconds: Double
        /// The longest dependency chain's length.
        public var longestChain: String
        /// The chain's step ids.
        public var chain: [String]
        /// What sets the bound.
        public var binding: String
    }

    /// One step.
    public struct StepEntry: Codable, Sendable, Equatable {
        /// The stable step id.
        public var id: String
        /// `releaseCell`, `releaseKeyspace`, `releaseShard`, `releaseTablet`, `releaseDeployment`,
        /// `releaseEtcdMember`, `gate`, `soak` or `stageDone`.
        public var kind: String
        /// A one-line description.
        public var description: String
        /// The owning stage.
        public var stage: String
        /// Steps that must be done first.
        public var dependsOn: [String]
        /// Counted resources held while in flight.
        public var resources: [String]
        /// The pacing key, if any.
        public var pacingKey: String?
        /// The estimate, as a duration.
        public var estimate: String
        /// Health checks by kind.
        public var checks: [String]
        /// The step timeout.
        public var timeout: String
        /// `pause` or `abort`.
        public var onFailure: String
        /// The Kubernetes object the step annotates, when it releases one.
        public var object: String?
        /// For tablet steps: the alias and whether it was the primary at plan time.
        public var tablet: String?
        /// For tablet steps: whether the tablet is the primary at plan time.
        public var primary: Bool?
    }

    /// Projects a graph and its estimate.
    public init(_ graph: StepGraph, estimate: CriticalPath) {
        plan = graph.plan
        hash = "sha256:" + graph.hash
        self.estimate = Estimate(
            lowerBound: estimate.lowerBound.description, lowerBoundSeconds: estimate.lowerBound.seconds,
            longestChain: estimate.longestChain.description, chain: estimate.chain, binding: estimate.binding)
        capacities = graph.capacities
        pacing = graph.pacing.mapValues(\.description)
        steps = graph.steps.map { step in
            var entry = StepEntry(
                id: step.id, kind: step.kind.name, description: step.kind.describe, stage: step.stage,
                dependsOn: step.dependsOn, resources: step.resources, pacingKey: step.pacingKey,
                estimate: step.estimate.description, checks: step.checks.map(\.key), timeout: step.timeout.description,
                onFailure: step.onFailure.rawValue)
            switch step.kind {
            case .releaseCell(_, let object), .releaseKeyspace(_, let object), .releaseShard(_, _, let object):
                entry.object = object
            case .releaseTablet(let alias, _, _, let pod, let primary):
                entry.object = pod
                entry.tablet = alias.description
                entry.primary = primary
            case .releaseDeployment(let name, _), .releaseEtcdMember(let name):
                entry.object = name
            case .gate, .soak, .stageDone:
                break
            }
            return entry
        }
    }
}

/// Renders a step graph for `plan show`: text, Graphviz DOT or Mermaid.
public enum GraphRenderer {
    /// The readable outline: stage → shard → tablets, with counts, limits and the estimate.
    public static func text(_ graph: StepGraph, estimate: CriticalPath) -> String {
        let work = graph.steps.filter { !$0.isStageMarker }
        let tablets = work.filter(\.isTablet)
        var out =
            "plan \(graph.plan): \(work.count) steps (\(tablets.count) tablets), graph sha256:\(graph.hash.prefix(16))\n"
        out += "estimated duration at least \(estimate.lowerBound) (set by \(estimate.binding))\n"
        for stage in stageOrder(graph) {
            let steps = graph.steps.filter { $0.stage == stage }
            // The stages this one waits for: the stage markers its steps depend on.
            var after: [String] = []
            for dep in steps.flatMap(\.dependsOn) where dep.hasPrefix("stage/") && dep != "stage/\(stage)" {
                let name = String(dep.dropFirst(6))
                if !after.contains(name) { after.append(name) }
            }
            let stageTablets = steps.filter(\.isTablet)
            var facts: [String] = []
            var shards: [String] = []
            var chains: [String: [Step]] = [:]
            for step in stageTablets {
                guard case .releaseTablet(_, let keyspace, let shard, _, _) = step.kind else { continue }
                let id = "\(keyspace)/\(shard)"
                if chains[id] == nil { shards.append(id) }
                chains[id, default: []].append(step)
            }
            if !stageTablets.isEmpty {
                facts.append(
                    "\(stageTablets.count) tablet\(stageTablets.count == 1 ? "" : "s") in \(shards.count) shard\(shards.count == 1 ? "" : "s")"
                )
            }
            // Keyspace and shard releases are "first" steps when they precede the stage's tablets or
            // vtorc Deployments; in a `release: keyspaces` or `release: shards` stage they are the work.
            let hasDependents = steps.contains { step in
                if case .releaseDeployment = step.kind { return true }
                return step.isTablet
            }
            let isFirst = { (step: Step) in hasDependents && step.isPrerequisite }
            let others = steps.filter { !$0.isTablet && !$0.isStageMarker && !isFirst($0) }
            for step in others {
                switch step.kind {
                case .gate(.approval): facts.append("approval gate")
                case .gate(.wait(let d)): facts.append("wait \(d)")
                case .gate(.window(let ranges)):
                    facts.append("time window (\(ranges.count) range\(ranges.count == 1 ? "" : "s"))")
                case .soak(let d): facts.append("soak \(d)")
                default: break
                }
            }
            let releases = others.filter {
                if case .gate = $0.kind { return false }; if case .soak = $0.kind { return false }; return true
            }
            if !releases.isEmpty { facts.append("\(releases.count) release\(releases.count == 1 ? "" : "s")") }
            if let limit = graph.capacities["stage-shards:\(stage)"] {
                facts.append("up to \(limit) shard\(limit == 1 ? "" : "s") at once")
            }
            if let limit = graph.capacities["stage:\(stage)"] { facts.append("up to \(limit) at once") }
            let pacing = Set(steps.compactMap(\.pacingKey)).sorted().compactMap { key in
                graph.pacing[key].map { "primaries of \(key.dropFirst("primaries:".count)) \($0) apart" }
            }
            facts += pacing
            if facts.isEmpty { facts.append("nothing to release") }
            out +=
                "\nstage \(stage)" + (after.isEmpty ? "" : " (after \(after.joined(separator: ", ")))")
                + ": " + facts.joined(separator: ", ") + "\n"
            let prerequisites = steps.filter(isFirst).map(\.id)
            if !prerequisites.isEmpty { out += "  first: " + prerequisites.joined(separator: ", ") + "\n" }
            let width = (shards.map(\.count).max() ?? 0) + 2
            for shard in shards {
                let chain = (chains[shard] ?? []).map { step -> String in
                    guard case .releaseTablet(let alias, _, _, _, let primary) = step.kind else { return step.id }
                    return "\(alias)" + (primary ? " (primary)" : "")
                }
                out += "  " + shard.padding(to: width) + chain.joined(separator: " → ") + "\n"
            }
            for step in releases { out += "  " + step.kind.describe + "\n" }
            if let checks = (stageTablets.first ?? releases.first)?.checks, !checks.isEmpty {
                out += "  checks: " + checks.map(\.key).joined(separator: ", ") + "\n"
            }
        }
        return out
    }

    private static func stageOrder(_ graph: StepGraph) -> [String] {
        var order: [String] = []
        for step in graph.steps where !order.contains(step.stage) { order.append(step.stage) }
        return order
    }

    /// Graphviz DOT, one cluster per stage.
    public static func dot(_ graph: StepGraph) -> String {
        var out = "digraph \"\(graph.plan)\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        var stageOrder: [String] = []
        for step in graph.steps where !stageOrder.contains(step.stage) { stageOrder.append(step.stage) }
        for (i, stage) in stageOrder.enumerated() {
            out += "  subgraph cluster_\(i) {\n    label=\"\(stage)\";\n"
            for step in graph.steps where step.stage == stage {
                let shape: String
                switch step.kind {
                case .gate: shape = ", shape=diamond"
                case .stageDone: shape = ", shape=point"
                case .soak: shape = ", shape=ellipse"
                default: shape = ""
                }
                out += "    \"\(step.id)\" [label=\"\(label(step))\"\(shape)];\n"
            }
            out += "  }\n"
        }
        for step in graph.steps {
            for dep in step.dependsOn { out += "  \"\(dep)\" -> \"\(step.id)\";\n" }
        }
        return out + "}\n"
    }

    /// A Mermaid flowchart, one subgraph per stage; paste it into a pull request. Above
    /// `collapseAbove` tablets, each shard's chain of tablets in a stage becomes one node, so a
    /// 500-tablet plan stays readable.
    public static func mermaid(_ graph: StepGraph, collapseAbove: Int = 40) -> String {
        let collapse = graph.steps.filter(\.isTablet).count > collapseAbove
        // Node of each step: its own, or its stage-and-shard group's.
        var node: [String: String] = [:]
        var labels: [(id: String, stage: String, text: String, shape: Step.Kind?)] = []
        var groups: [String: (id: String, count: Int, primary: Bool)] = [:]
        for step in graph.steps {
            if collapse, case .releaseTablet(_, let keyspace, let shard, _, let primary) = step.kind {
                let key = "\(step.stage) \(keyspace)/\(shard)"
                if let group = groups[key] {
                    groups[key] = (group.id, group.count + 1, group.primary || primary)
                } else {
                    let id = "n\(labels.count)"
                    groups[key] = (id, 1, primary)
                    labels.append((id, step.stage, "\(keyspace)/\(shard)", nil))
                }
                node[step.id] = groups[key]!.id
                continue
            }
            let id = "n\(labels.count)"
            node[step.id] = id
            labels.append((id, step.stage, label(step).replacingAll("\"", with: "'"), step.kind))
        }
        var out = "flowchart LR\n"
        for (i, stage) in stageOrder(graph).enumerated() {
            out += "  subgraph g\(i)[\"\(stage)\"]\n"
            for entry in labels where entry.stage == stage {
                switch entry.shape {
                case .gate?: out += "    \(entry.id){\"\(entry.text)\"}\n"
                case .stageDone?: out += "    \(entry.id)((\" \"))\n"
                case .soak?: out += "    \(entry.id)([\"\(entry.text)\"])\n"
                case nil:
                    let group = groups["\(stage) \(entry.text)"]!
                    let text =
                        "\(entry.text): \(group.count) tablet\(group.count == 1 ? "" : "s")"
                        + (group.primary ? ", primary last" : "")
                    out += "    \(entry.id)[\"\(text)\"]\n"
                default: out += "    \(entry.id)[\"\(entry.text)\"]\n"
                }
            }
            out += "  end\n"
        }
        var edges = Set<String>()
        for step in graph.steps {
            for dep in step.dependsOn {
                guard let from = node[dep], let to = node[step.id], from != to else { continue }
                let edge = "  \(from) --> \(to)\n"
                if edges.insert(edge).inserted { out += edge }
            }
        }
        return out
    }

    private static func label(_ step: Step) -> String {
        switch step.kind {
        case .releaseTablet(let alias, _, _, _, let primary): "\(alias)\(primary ? " (primary)" : "")"
        case .releaseCell(let cell, _): "cell \(cell)"
        case .releaseKeyspace(let keyspace, _): "keyspace \(keyspace)"
        case .releaseShard(let keyspace, let shard, _): "shard \(keyspace)/\(shard)"
        case .releaseDeployment(let name, let component): "\(component) \(name)"
        case .releaseEtcdMember(let name): "etcd \(name)"
        case .gate(.approval): "approval"
        case .gate(.wait(let d)): "wait \(d)"
        case .gate(.window): "time window"
        case .soak(let d): "soak \(d)"
        case .stageDone: step.stage
        }
    }
}

extension Step {
    /// The `stage/NAME` completion marker.
    var isStageMarker: Bool { if case .stageDone = kind { return true }; return false }
    /// A tablet release.
    var isTablet: Bool { if case .releaseTablet = kind { return true }; return false }
    /// A keyspace or shard release, which the planner inserts before tablets.
    var isPrerequisite: Bool {
        switch kind {
        case .releaseKeyspace, .releaseShard: return true
        default: return false
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
