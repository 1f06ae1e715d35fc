import RolloutPlan

/// A lower bound on how long a step graph takes, from the per-step estimates.
///
/// Steps are visited in topological order; a step cannot finish before the latest of the steps it
/// depends on, plus its own estimate. Concurrency limits tighten that: when a stage completes, it
/// cannot have finished before its first limited step started plus the work of that limit divided
/// by its capacity (`maxConcurrent`, one etcd member at a time), nor before its primary pacing
/// allowed (`(n - 1) × interval` plus one restart). Approval and window gates count as zero: a
/// person's speed and the wall clock are not known at plan time. One tablet per shard is already a
/// chain of dependencies within a stage; across stages that share a shard the bound is the
/// resource's total work.
///
/// No schedule can beat it; the executor's makespan is measured against it (docs/performance.md).
public struct CriticalPath: Sendable, Hashable {
    /// The lower bound.
    public var lowerBound: PlanDuration
    /// The longest dependency chain's length, ignoring concurrency limits.
    public var longestChain: PlanDuration
    /// The steps of the chain that sets the bound, first to last.
    public var chain: [String]
    /// What sets the bound: `dependencies`, or the concurrency limits and pacing keys along the
    /// bounding chain (`pacing:primaries:customer, resource:stage:vtgate`).
    public var binding: String

    /// Computes the bound of a graph.
    public init(_ graph: StepGraph) {
        var start: [String: Int64] = [:]
        var finish: [String: Int64] = [:]
        var plain: [String: Int64] = [:]  // without concurrency floors
        var via: [String: String] = [:]
        var floorReason: [String: String] = [:]
        var stageSteps: [String: [Step]] = [:]
        for step in graph.steps {
            let latest = step.dependsOn.compactMap { dep in finish[dep].map { (dep, $0) } }.max { $0.1 < $1.1 }
            start[step.id] = latest?.1 ?? 0
            var end = (latest?.1 ?? 0) + step.estimate.milliseconds
            if let latest { via[step.id] = latest.0 }
            plain[step.id] = (step.dependsOn.compactMap { plain[$0] }.max() ?? 0) + step.estimate.milliseconds
            if case .stageDone = step.kind {
                for (floor, reason) in Self.floors(stageSteps[step.stage] ?? [], graph: graph, start: start)
                where floor > end {
                    end = floor
                    floorReason[step.id] = reason
                }
            } else {
                stageSteps[step.stage, default: []].append(step)
            }
            finish[step.id] = end
        }
        let last = finish.max { ($0.value, $1.key) < ($1.value, $0.key) }
        var chain: [String] = []
        var reasons: [String] = []
        var cursor = last?.key
        while let id = cursor {
            chain.append(id)
            if let reason = floorReason[id] { reasons.insert(reason, at: 0) }
            cursor = via[id]
        }
        var binding = reasons.isEmpty ? "dependencies" : reasons.joined(separator: ", ")
        var bound = last?.value ?? 0
        // Shared resources across stages (a shard used by two parallel stages): total work per slot.
        var work: [String: Int64] = [:]
        for step in graph.steps { for r in step.resources { work[r, default: 0] += step.estimate.milliseconds } }
        for (resource, total) in work.sorted(by: { $0.key < $1.key }) {
            let perSlot = total / Int64(max(1, graph.capacities[resource] ?? 1))
            if perSlot > bound {
                bound = perSlot
                binding = "resource:\(resource)"
            }
        }
        lowerBound = PlanDuration(milliseconds: bound)
        longestChain = PlanDuration(milliseconds: plain.values.max() ?? 0)
        self.chain = chain.reversed()
        self.binding = binding
    }

    /// The earliest a stage can complete under each of its concurrency limits and pacing keys.
    private static func floors(_ steps: [Step], graph: StepGraph, start: [String: Int64]) -> [(Int64, String)] {
        var result: [(Int64, String)] = []
        var groups: [String: [Step]] = [:]
        for step in steps {
            for r in step.resources where !r.hasPrefix("shard:") { groups["resource:\(r)", default: []].append(step) }
            if let key = step.pacingKey { groups["pacing:\(key)", default: []].append(step) }
        }
        for (reason, members) in groups.sorted(by: { $0.key < $1.key }) {
            let first = members.compactMap { start[$0.id] }.min() ?? 0
            if reason.hasPrefix("resource:") {
                let capacity = Int64(max(1, graph.capacities[String(reason.dropFirst(9))] ?? 1))
                result.append((first + members.reduce(0) { $0 + $1.estimate.milliseconds } / capacity, reason))
            } else if let interval = graph.pacing[String(reason.dropFirst(7))],
                let shortest = members.map(\.estimate.milliseconds).min()
            {
                result.append((first + Int64(members.count - 1) * interval.milliseconds + shortest, reason))
            }
        }
        return result
    }
}
