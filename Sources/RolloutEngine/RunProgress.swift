import Foundation
import RolloutPlan

/// The live view of a run on a terminal: stages with progress bars, the shards in flight and their
/// tablets, what the run waits on, elapsed time and a critical-path estimate of what is left, and a
/// stall warning. A pure function of the checkpoint, so it is tested like any other renderer.
public struct RunProgress: Sendable {
    /// After how long without a step finishing the view warns.
    public var stallAfter: TimeInterval
    /// Terminal width.
    public var width: Int

    /// Creates a renderer.
    public init(stallAfter: TimeInterval = 300, width: Int = 100) {
        self.stallAfter = stallAfter
        self.width = max(60, width)
    }

    /// The block of lines to draw at the bottom of the terminal.
    public func render(_ state: RunState, now: Date, timeScale: Double = 1) -> String {
        var lines: [String] = []
        var stages: [String] = []
        var byStage: [String: [Step]] = [:]
        for step in state.graph.steps {
            if byStage[step.stage] == nil { stages.append(step.stage) }
            byStage[step.stage, default: []].append(step)
        }
        let lastWaiting = Self.lastWaiting(state)
        let nameWidth = min(24, (stages.map(\.count).max() ?? 8) + 1)
        for stage in stages {
            let steps = byStage[stage] ?? []
            let work = steps.filter { $0.kind.isRelease || $0.kind.isGateOrSoak }
            let settled = work.filter { state.steps[$0.id]?.phase.isSettled ?? false }.count
            let failed = work.contains { state.steps[$0.id]?.phase == .failed }
            let inFlight = work.filter { [.intent, .released].contains(state.steps[$0.id]?.phase) }
            let done = steps.allSatisfy { state.steps[$0.id]?.phase.isSettled ?? false }
            var line = stage.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            line += Self.bar(work.isEmpty ? 1 : Double(settled) / Double(work.count)) + " "
            line += "\(settled)/\(work.count)"
            if failed {
                line += "  FAILED"
            } else if done {
                line += "  done"
            } else if let gate = work.first(where: { $0.kind.isGateOrSoak }), !inFlight.isEmpty || settled == 0,
                state.steps[gate.id]?.phase != .done, let waiting = lastWaiting[gate.id]
            {
                line += "  " + waiting
            } else if !inFlight.isEmpty {
                line += "  \(inFlight.count) in flight"
            }
            lines.append(clip(line))
        }
        // Shards in flight, with their tablet and what it waits for.
        var shards: [String] = []
        for step in state.graph.steps where [.intent, .released].contains(state.steps[step.id]?.phase) {
            if case .releaseTablet(let alias, let keyspace, let shard, _, let primary) = step.kind {
                let waiting = lastWaiting[step.id].map { ": \($0)" } ?? ""
                shards.append(clip("  \(keyspace)/\(shard)  \(alias)\(primary ? " (primary)" : "")\(waiting)"))
            }
        }
        if !shards.isEmpty {
            lines.append("in flight:")
            lines += shards.prefix(8)
            if shards.count > 8 { lines.append("  ... and \(shards.count - 8) more") }
        } else if let waiting = state.events.last(where: { $0.type == "waiting" || $0.type == "gate-waiting" }),
            let step = waiting.step, state.steps[step]?.phase.isSettled == false
        {
            lines.append(clip("waiting on: \(waiting.message)"))
        }
        let elapsed = now.timeIntervalSince(state.createdAt)
        let remaining = Self.remaining(state)
        var footer = "elapsed \(Self.format(elapsed))"
        if let remaining {
            footer += "  ·  at least \(Self.format(remaining.seconds / timeScale)) left (critical path)"
        }
        lines.append(footer)
        let lastProgress =
            state.events.last(where: { ["done", "skipped", "approved"].contains($0.type) })?.at ?? state.createdAt
        if now.timeIntervalSince(lastProgress) > stallAfter {
            lines.append(
                "warning: no step has finished for \(Self.format(now.timeIntervalSince(lastProgress))); "
                    + "see the waiting reasons above, or vtop-rollout status --explain")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func clip(_ line: String) -> String {
        line.count <= width ? line : String(line.prefix(width - 1)) + "…"
    }

    /// The latest waiting reason per step, from the end of the log.
    static func lastWaiting(_ state: RunState) -> [String: String] {
        var result: [String: String] = [:]
        for event in state.events.suffix(2000) where event.type == "waiting" || event.type == "gate-waiting" {
            guard let step = event.step else { continue }
            let text = event.message
            if let colon = text.range(of: ": waiting for ") {
                result[step] = "waiting for " + text[colon.upperBound...]
            } else {
                result[step] = text
            }
        }
        return result
    }

    /// The critical-path lower bound of the steps not yet settled.
    static func remaining(_ state: RunState) -> PlanDuration? {
        let open = state.graph.steps.filter { !(state.steps[$0.id]?.phase.isSettled ?? false) }
        guard !open.isEmpty else { return nil }
        let ids = Set(open.map(\.id))
        var graph = state.graph
        graph.steps = open.map { step in
            var step = step
            step.dependsOn = step.dependsOn.filter(ids.contains)
            return step
        }
        return CriticalPath(graph).lowerBound
    }

    static func bar(_ fraction: Double, width: Int = 20) -> String {
        let filled = Int((fraction * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    static func format(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}

extension Step.Kind {
    var isGateOrSoak: Bool {
        switch self {
        case .gate, .soak: true
        default: false
        }
    }
}
