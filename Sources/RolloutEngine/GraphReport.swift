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
    /// The readable listing, stage by stage.
    public static func text(_ graph: StepGraph, estimate: CriticalPath) -> String {
        let releases = graph.steps.filter {
            if case .stageDone = $0.kind { return false }; return true
        }
        var out = "plan \(graph.plan): \(releases.count) steps, graph sha256:\(graph.hash.prefix(16))\n"
        out += "estimated duration at least \(estimate.lowerBound) (set by \(estimate.binding))\n"
        var stageOrder: [String] = []
        for step in graph.steps where !stageOrder.contains(step.stage) { stageOrder.append(step.stage) }
        let byStage = Dictionary(grouping: graph.steps, by: \.stage)
        for stage in stageOrder {
            let steps = byStage[stage] ?? []
            let marker = steps.first {
                if case .stageDone = $0.kind { return true }; return false
            }
            let after =
                marker.map { m in
                    m.dependsOn.filter { $0.hasPrefix("stage/") }.map { String($0.dropFirst(6)) }
                } ?? []
            out += "\nstage \(stage)" + (after.isEmpty ? "" : "  (after \(after.joined(separator: ", ")))") + "\n"
            let shown = steps.filter {
                if case .stageDone = $0.kind { return false }; return true
            }
            if shown.isEmpty { out += "  (nothing to release)\n" }
            for step in shown {
                let inStage = step.dependsOn.filter { dep in !dep.hasPrefix("stage/") }
                var line = "  " + step.id.padding(to: 34) + " " + step.kind.describe
                if !inStage.isEmpty { line += "  after " + inStage.joined(separator: ", ") }
                if !step.checks.isEmpty { line += "  checks " + step.checks.map(\.key).joined(separator: ",") }
                out += line + "\n"
            }
        }
        return out
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

    /// A Mermaid flowchart, one subgraph per stage; paste it into a pull request.
    public static func mermaid(_ graph: StepGraph) -> String {
        var ids: [String: String] = [:]
        for (i, step) in graph.steps.enumerated() { ids[step.id] = "s\(i)" }
        var out = "flowchart LR\n"
        var stageOrder: [String] = []
        for step in graph.steps where !stageOrder.contains(step.stage) { stageOrder.append(step.stage) }
        for (i, stage) in stageOrder.enumerated() {
            out += "  subgraph g\(i)[\"\(stage)\"]\n"
            for step in graph.steps where step.stage == stage {
                let id = ids[step.id]!
                let text = label(step).replacingAll("\"", with: "'")
                switch step.kind {
                case .gate: out += "    \(id){\"\(text)\"}\n"
                case .stageDone: out += "    \(id)((\" \"))\n"
                case .soak: out += "    \(id)([\"\(text)\"])\n"
                default: out += "    \(id)[\"\(text)\"]\n"
                }
            }
            out += "  end\n"
        }
        for step in graph.steps {
            for dep in step.dependsOn { out += "  \(ids[dep] ?? dep) --> \(ids[step.id]!)\n" }
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

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    fileprivate func replacingAll(_ target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
