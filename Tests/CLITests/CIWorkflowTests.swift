import Foundation
import Testing
import Yams

/// docs/examples/github-workflow.yml, the workflow docs/ci-integration.md shows: its steps' scripts
/// run here with bash, the built binary on PATH and GitHub's environment variables pointed at
/// scratch files, so a change to the CLI that breaks the documented workflow fails here.
@Suite struct CIWorkflowTests {
    static let workflowPath = "docs/examples/github-workflow.yml"
    static let snapshot = "Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml"

    /// The workflow's only job.
    static func job() throws -> Node {
        let text = try String(contentsOf: CLITests.root.appendingPathComponent(workflowPath), encoding: .utf8)
        let workflow = try #require(try Yams.compose(yaml: text))
        return try #require(workflow.value("jobs")?.value("validate"))
    }

    /// The `run` script of the step with this `id`.
    static func script(_ id: String) throws -> String {
        let steps = try #require(try job().value("steps")?.sequence)
        let step = try #require(steps.first { $0.value("id")?.string == id }, "no step with id \(id)")
        return try #require(step.value("run")?.string)
    }

    /// Runs a step's script the way GitHub's `shell: bash` does, from `directory`, with RUNNER_TEMP
    /// (where the steps keep their files), the summary and the outputs in a fresh scratch directory.
    /// `plans` is the list the "changed" step would have left there.
    static func runStep(
        _ id: String, plans: [String]? = nil, environment: [String: String] = [:], in directory: URL = CLITests.root
    ) throws -> (run: CLITests.Run, temp: URL) {
        let temp = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: true)
        if let plans {
            try (plans.joined(separator: "\n") + "\n").write(
                to: temp.appendingPathComponent("changed-plans.txt"), atomically: true, encoding: .utf8)
        }
        let path =
            CLITests.binary.deletingLastPathComponent().path + ":"
            + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let base = [
            "PATH": path, "RUNNER_TEMP": temp.path, "HOME": temp.path, "SNAPSHOT": snapshot,
            "GITHUB_STEP_SUMMARY": temp.appendingPathComponent("summary.md").path,
            "GITHUB_OUTPUT": temp.appendingPathComponent("output.txt").path,
        ]
        let run = try CLITests.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", try script(id)],
            executable: URL(fileURLWithPath: "/usr/bin/env"), environment: base.merging(environment) { $1 },
            in: directory)
        return (run, temp)
    }

    @Test func runsOnPlanChangesAndBuildsTheReleaseBinaryInASwiftContainer() throws {
        let text = try String(contentsOf: CLITests.root.appendingPathComponent(Self.workflowPath), encoding: .utf8)
        let workflow = try #require(try Yams.compose(yaml: text))
        let paths = workflow.value("on")?.value("pull_request")?.value("paths")?.sequence?.compactMap(\.string)
        #expect(paths == ["plans/**"])
        let job = try Self.job()
        #expect(job.value("container")?.string?.hasPrefix("swift:") == true)
        #expect(try Self.script("build").contains("swift build -c release"))
        #expect(try Self.script("build").contains(">> \"$GITHUB_PATH\""))
        // Untrusted context (branch names) reaches scripts only through env, never spliced in.
        for id in ["build", "changed", "validate", "graphs"] {
            #expect(try !Self.script(id).contains("${{"), "step \(id) splices an expression into its script")
        }
    }

    @Test func theGuideShowsTheWorkflowFileVerbatim() throws {
        let file = try String(contentsOf: CLITests.root.appendingPathComponent(Self.workflowPath), encoding: .utf8)
        let guide = try String(
            contentsOf: CLITests.root.appendingPathComponent("docs/ci-integration.md"), encoding: .utf8)
        #expect(guide.contains("```yaml\n\(file)```\n"))
    }

    @Test func theChangedStepListsOnlyPlansTheBranchAddsOrChanges() throws {
        let repo = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(
            at: repo.appendingPathComponent("plans"), withIntermediateDirectories: true)
        func git(_ arguments: String...) throws {
            let run = try CLITests.run(
                ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"] + arguments,
                executable: URL(fileURLWithPath: "/usr/bin/env"), environment: ["HOME": repo.path], in: repo)
            try #require(run.status == 0, "git \(arguments): \(run.stderr)")
        }
        func write(_ path: String, _ text: String) throws {
            try text.write(to: repo.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        try git("init", "-q", "-b", "main")
        for name in ["plans/kept.yaml", "plans/edited.yaml", "plans/removed.yaml", "README.md"] {
            try write(name, "a\n")
        }
        try git("add", ".")
        try git("commit", "-q", "-m", "base")
        try git("update-ref", "refs/remotes/origin/main", "HEAD")
        try write("plans/edited.yaml", "b\n")
        try write("plans/new.yml", "b\n")
        try write("README.md", "b\n")
        try git("rm", "-q", "plans/removed.yaml")
        try git("add", ".")
        try git("commit", "-q", "-m", "change")

        let (run, temp) = try Self.runStep("changed", environment: ["BASE_REF": "main"], in: repo)
        #expect(run.status == 0, "\(run.stderr)")
        let list = try String(contentsOf: temp.appendingPathComponent("changed-plans.txt"), encoding: .utf8)
        #expect(list == "plans/edited.yaml\nplans/new.yml\n")
        let output = try String(contentsOf: temp.appendingPathComponent("output.txt"), encoding: .utf8)
        #expect(output == "any=true\n")
    }

    @Test func theValidateStepPassesTheShippedPlansSilently() throws {
        let plans = CLITests.examplePlans
        try #require(plans.count >= 5)
        let (run, _) = try Self.runStep("validate", plans: plans)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func theValidateStepAnnotatesABrokenPlanAndFails() throws {
        let (run, _) = try Self.runStep(
            "validate", plans: ["plans/per-cell-waves.yaml", "docs/examples/broken-plan.yaml"])
        #expect(run.status == 2)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix("::") && $0.contains(" file=docs/examples/broken-plan.yaml,") })
        #expect(lines.contains { $0.hasPrefix("::error file=docs/examples/broken-plan.yaml,line=13,col=7,") })
    }

    @Test func theGraphStepWritesMermaidOrTheReasonToTheSummary() throws {
        let (run, temp) = try Self.runStep(
            "graphs", plans: ["plans/upgrade-vttablet-canary.yaml", "plans/customer-config-change.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try String(contentsOf: temp.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.hasPrefix("### `plans/upgrade-vttablet-canary.yaml`\n```mermaid\nflowchart LR\n"))
        let mermaid = try CLITests.run([
            "plan", "show", "plans/upgrade-vttablet-canary.yaml", "--snapshot", Self.snapshot, "-o", "mermaid",
        ])
        #expect(summary.contains("```mermaid\n\(mermaid.stdout)```\n\n"))
        // This plan's expect guard does not match the snapshot: no graph, and the finding says why.
        let second = try #require(summary.range(of: "### `plans/customer-config-change.yaml`\n"))
        let rest = summary[second.upperBound...]
        #expect(rest.hasPrefix("No graph: the plan does not compile against `\(Self.snapshot)`:\n\n```text\n"))
        #expect(rest.contains("error[live.expect-failed]"))
        #expect(rest.hasSuffix("```\n\n"))
    }
}

extension Node {
    /// The value under a string key of a mapping (Yams' own subscript would read `on` as a boolean).
    func value(_ key: String) -> Node? {
        mapping?.first { $0.key.string == key }?.value
    }
}
