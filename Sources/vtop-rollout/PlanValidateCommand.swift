import ArgumentParser
import Foundation
import RolloutPlan

/// `vtop-rollout plan validate`: static (and, later, live) checks of plan files.
struct PlanValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check rollout plans and report every problem with its file, line and column.",
        discussion: """
            Exit codes: 0 when every plan is valid (warnings allowed unless --strict), 2 when any plan has
            errors (or warnings under --strict), 64 for bad flags.
            """
    )

    @Argument(help: "Plan files to validate.", completion: .file(extensions: ["yaml", "yml"]))
    var plans: [String]

    @Flag(help: "Only the static checks: no cluster is contacted.")
    var offline = false

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    @Option(name: [.short, .customLong("output")], help: "Output format: text or json.")
    var output: OutputFormat = .text

    @OptionGroup var color: ColorOptions

    func validate() throws {
        if plans.isEmpty { throw ValidationError("give at least one plan file") }
        if !offline {
            // Live validation needs the cluster inventory (issue #6); say so instead of silently
            // running only half the checks.
            throw ValidationError(
                "live validation against a cluster is not available in this build yet; "
                    + "run with --offline for the static checks")
        }
    }

    func run() throws {
        var results: [(file: String, result: PlanParseResult)] = []
        var sources: [String: String] = [:]
        for path in plans {
            switch PlanFile.read(path) {
            case .success(let bytes):
                results.append((path, PlanParser.parse(bytes)))
                sources[path] = String(decoding: bytes, as: UTF8.self)
            case .failure(let problem):
                results.append((path, PlanParseResult(plan: nil, diagnostics: [problem])))
            }
        }
        switch output {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = try encoder.encode(ValidationReport(results))
            print(String(decoding: data, as: UTF8.self))
        case .text:
            let renderer = DiagnosticRenderer(color: color.useColor(environment: ProcessInfo.processInfo.environment))
            for (file, result) in results {
                let text = renderer.render(result.diagnostics, file: file, source: sources[file])
                if !text.isEmpty { print(text, terminator: "") }
                let verdict = result.diagnostics.hasErrors ? "invalid" : "valid"
                print("\(file): \(verdict) (\(DiagnosticRenderer.summary(result.diagnostics)))")
            }
        }
        let all = results.flatMap(\.result.diagnostics)
        if all.hasErrors || (strict && all.hasWarnings) { throw Exit.invalidInput }
    }
}
