import ArgumentParser
import Foundation
import RolloutPlan

/// `vtop-rollout plan validate`: static checks, and live checks against a cluster snapshot.
struct PlanValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check rollout plans and report every problem with its file, line and column.",
        discussion: """
            By default the plan is also checked against the live cluster from the kubeconfig: selectors
            that name nothing or match nothing pending, pending changes no stage covers, expect guards,
            primaries without a reparent candidate, and primaries released before their shard's other
            tablets. --snapshot FILE checks against a `kubectl get -o yaml` dump instead, and --offline
            runs the static checks only.

            -o github prints one GitHub Actions workflow command per finding (::error, ::warning,
            ::notice with file, line, col and the rule id as title), so a CI step puts them on the
            pull request's diff.

            Exit codes: 0 when every plan is valid (warnings allowed unless --strict), 2 when any plan has
            errors (or warnings under --strict), 64 for bad flags.
            """
    )

    @Argument(help: "Plan files to validate.", completion: .file(extensions: ["yaml", "yml"]))
    var plans: [String]

    @Flag(help: "Only the static checks: no cluster is contacted.")
    var offline = false

    @Option(
        help: "Check against the cluster in this `kubectl get -o yaml` dump.",
        completion: .file(extensions: ["yaml", "yml", "json"]))
    var snapshot: String?

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Flag(help: "Accept releasing a primary that has no reparent candidate (the shard goes down).")
    var allowDowntime = false

    @Option(name: [.short, .customLong("output")], help: "Output format: text, json or github.")
    var output: OutputFormat = .text

    @OptionGroup var color: ColorOptions

    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        if plans.isEmpty { throw ValidationError("give at least one plan file") }
        if offline && snapshot != nil { throw ValidationError("--offline and --snapshot exclude each other") }
    }

    func run() async throws {
        let source: LivePlan.Source = offline ? .none : snapshot.map { .snapshot($0) } ?? .live(clusterOptions)
        var results: [(file: String, diagnostics: [Diagnostic], plan: String?)] = []
        var sources: [String: String] = [:]
        for path in plans {
            let live = try await LivePlan.load(plan: path, source: source, allowDowntime: allowDowntime)
            results.append((path, live.diagnostics, live.planName))
            sources[path] = live.source
        }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(ValidationReport(results)), as: UTF8.self))
        case .github:
            for (file, diagnostics, _) in results {
                for line in GitHubAnnotations.lines(diagnostics, file: file) { print(line) }
            }
        case .text:
            let renderer = DiagnosticRenderer(color: color.useColor(environment: ProcessInfo.processInfo.environment))
            for (file, diagnostics, _) in results {
                let text = renderer.render(diagnostics, file: file, source: sources[file])
                if !text.isEmpty { print(text, terminator: "") }
                let verdict =
                    diagnostics.hasErrors
                    ? "invalid" : strict && diagnostics.hasWarnings ? "fails under --strict" : "valid"
                print("\(file): \(verdict) (\(DiagnosticRenderer.summary(diagnostics)))")
            }
        }
        let all = results.flatMap(\.diagnostics)
        if all.hasErrors || (strict && all.hasWarnings) { throw Exit.invalidInput }
    }
}
