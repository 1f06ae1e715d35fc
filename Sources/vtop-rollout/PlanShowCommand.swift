import ArgumentParser
import Foundation
import RolloutEngine
import RolloutPlan

/// `vtop-rollout plan show`: the step DAG a plan compiles to, with its critical-path estimate.
struct PlanShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Compile a plan against a cluster and print its steps, as text, JSON, DOT or Mermaid.",
        discussion: """
            The plan is compiled against the live cluster from the kubeconfig, or against a
            `kubectl get -o yaml` dump with --snapshot. Findings go to standard error; the graph goes to
            standard output, so
              vtop-rollout plan show plan.yaml --snapshot snap.yaml -o mermaid > plan.mmd
            works in CI. Exit code 2 when the plan has errors.

            --default prints the built-in plan `vtop-rollout finish` runs, as YAML, for --cluster and
            --namespace; save it, edit it, and apply it as any other plan.
            """
    )

    @Argument(help: "The plan file.", completion: .file(extensions: ["yaml", "yml"]))
    var plan: String?

    @Flag(name: .customLong("default"), help: "Print the built-in plan of `vtop-rollout finish` instead.")
    var builtin = false

    @Option(help: "With --default: the VitessCluster's name.")
    var cluster: String = "example"

    @Option(
        help: "Compile against the cluster in this `kubectl get -o yaml` dump.",
        completion: .file(extensions: ["yaml", "yml", "json"]))
    var snapshot: String?

    @Option(name: [.short, .customLong("output")], help: "Output format: text, json, dot or mermaid.")
    var output: GraphFormat = .text

    @Flag(help: "Accept releasing a primary that has no reparent candidate (the shard goes down).")
    var allowDowntime = false

    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        if builtin == (plan != nil) { throw ValidationError("give a plan file, or --default") }
    }

    func run() async throws {
        if builtin {
            print(
                DefaultPlan.text(cluster: cluster, namespace: clusterOptions.namespace ?? "default"), terminator: "")
            return
        }
        guard let plan else { return }
        let source: LivePlan.Source = snapshot.map { .snapshot($0) } ?? .live(clusterOptions)
        let live = try await LivePlan.load(plan: plan, source: source, allowDowntime: allowDowntime)
        let rendered = DiagnosticRenderer(color: false).render(live.diagnostics, file: plan, source: live.source)
        if !rendered.isEmpty { FileHandle.standardError.write(Data(rendered.utf8)) }
        guard let (graph, estimate) = live.compiled else {
            FileHandle.standardError.write(
                Data("\(plan): invalid (\(DiagnosticRenderer.summary(live.diagnostics)))\n".utf8))
            throw Exit.invalidInput
        }
        switch output {
        case .text: print(GraphRenderer.text(graph, estimate: estimate), terminator: "")
        case .dot: print(GraphRenderer.dot(graph), terminator: "")
        case .mermaid: print(GraphRenderer.mermaid(graph), terminator: "")
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(GraphReport(graph, estimate: estimate)), as: UTF8.self))
        }
    }
}

/// Output formats of `plan show`.
enum GraphFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
    case dot
    case mermaid
}
