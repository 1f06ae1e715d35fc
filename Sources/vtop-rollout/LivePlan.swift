import Foundation
import RolloutEngine
import RolloutPlan
import VitessModel

/// Parses a plan and, with a snapshot, validates and compiles it against the cluster in it: the
/// shell half shared by `plan validate` and `plan show`.
struct LivePlan {
    /// The plan file's text, for quoting source lines.
    let source: String?
    /// Static findings plus live findings.
    let diagnostics: [Diagnostic]
    /// The compiled graph and its estimate, when there were no errors.
    let compiled: (graph: StepGraph, estimate: CriticalPath)?
    /// The plan's name, when it parsed.
    let planName: String?

    /// Where the cluster comes from: nothing (static checks only), a snapshot file, or the API server.
    enum Source {
        case none
        case snapshot(String)
        case live(ClusterOptions)
    }

    static func load(plan path: String, source sourceKind: Source, allowDowntime: Bool) async throws -> LivePlan {
        let bytes: [UInt8]
        switch PlanFile.read(path) {
        case .success(let read): bytes = read
        case .failure(let problem): return LivePlan(source: nil, diagnostics: [problem], compiled: nil, planName: nil)
        }
        let source = String(decoding: bytes, as: UTF8.self)
        let parsed = PlanParser.parse(bytes)
        let objects: ClusterObjects
        switch (parsed.plan, sourceKind) {
        case (let plan?, .snapshot(let snapshot)):
            objects = try SnapshotInventory.objects(path: snapshot)
            _ = plan
        case (let plan?, .live(let options)):
            objects = try await options.objects(namespace: plan.namespace).0
        default:
            return LivePlan(source: source, diagnostics: parsed.diagnostics, compiled: nil, planName: parsed.plan?.name)
        }
        guard let plan = parsed.plan else {
            return LivePlan(source: source, diagnostics: parsed.diagnostics, compiled: nil, planName: nil)
        }
        switch Inventory.build(cluster: plan.cluster, namespace: plan.namespace, from: objects) {
        case .failure:
            let available = objects.clusters.filter { plan.namespace == nil || $0.metadata.namespace == plan.namespace }
                .map(\.metadata.name).sorted()
            return LivePlan(
                source: source, diagnostics: parsed.diagnostics + [.clusterNotFound(plan, available: available)],
                compiled: nil, planName: plan.name)
        case .success(let inventory):
            let result = Planner.compile(
                plan, against: inventory, options: PlannerOptions(allowDowntime: allowDowntime))
            let compiled = result.graph.flatMap { graph in result.estimate.map { (graph, $0) } }
            return LivePlan(
                source: source, diagnostics: (parsed.diagnostics + result.diagnostics).sortedByPosition(),
                compiled: compiled, planName: plan.name)
        }
    }
}
