import Foundation
import Testing

/// Runs the built `vtop-rollout` binary as a user would and checks exit codes and output.
@Suite struct CLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Run {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The binary sits next to the test bundle in SwiftPM's build directory.
    static var binary: URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("vtop-rollout")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/vtop-rollout")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
        try run(arguments, executable: binary, environment: environment, in: root)
    }

    /// Runs the binary in `directory`.
    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws -> Run {
        try run(arguments, executable: binary, environment: environment, in: directory)
    }

    /// Runs any program (not only vtop-rollout) from `directory`.
    static func run(
        _ arguments: [String], executable: URL, environment: [String: String] = [:], in directory: URL
    ) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting, so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    static var examplePlans: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("plans").path)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "plans/\($0)" }
    }

    @Test func versionPrintsTheToolVersion() throws {
        let run = try Self.run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("0."))
    }

    @Test func everyExamplePlanValidatesOffline() throws {
        let plans = Self.examplePlans
        try #require(plans.count >= 5)
        let run = try Self.run(["plan", "validate", "--offline", "--strict"] + plans)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.components(separatedBy: ": valid (0 errors, 0 warnings)").count == plans.count + 1)
    }

    /// A directory for this test run's files, removed when the process exits.
    static let scratch: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-cli-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: CLITests.scratchPath) }
        return dir
    }()
    static let scratchPath = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-cli-\(getpid())")

    /// Writes a plan to a fresh temporary file and returns its path.
    static func temporaryPlan(_ text: String, name: String = "plan.yaml") throws -> String {
        let dir = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static let header =
        "apiVersion: vtop-rollout/v1\nkind: RolloutPlan\nmetadata: {name: t}\nspec:\n  cluster: example\n"

    @Test func invalidPlanExitsTwoWithLocatedDiagnostics() throws {
        let file = try Self.temporaryPlan(
            Self.header + "  stages:\n    - name: a\n      release: tablets\n      selct: {}\n")
        let run = try Self.run(["plan", "validate", "--offline", file])
        #expect(run.status == 2)
        #expect(run.stdout.contains("plan.yaml:9:7: error[plan.unknown-key]: unknown key 'selct' in a release stage"))
        #expect(run.stdout.contains("(did you mean 'select'?)"))
        #expect(run.stdout.contains("\n 9 |       selct: {}\n   |       ^\n"))
        #expect(run.stdout.hasSuffix("plan.yaml: invalid (1 error, 0 warnings)\n"))
    }

    @Test func warningsPassUnlessStrict() throws {
        let file = try Self.temporaryPlan(
            Self.header + "  stages: [{name: a, release: tablets, select: {cell: [z1, z1]}}]\n")
        let lenient = try Self.run(["plan", "validate", "--offline", file])
        #expect(lenient.status == 0)
        #expect(lenient.stdout.contains("warning[plan.duplicate-value]"))
        let strict = try Self.run(["plan", "validate", "--offline", "--strict", file])
        #expect(strict.status == 2)
    }

    @Test func jsonOutputIsMachineReadable() throws {
        let cycle = try Self.temporaryPlan(
            Self.header
                + "  stages:\n    - {name: a, release: tablets, dependsOn: b}\n    - {name: b, release: cells, dependsOn: a}\n"
        )
        let run = try Self.run(["plan", "validate", "--offline", "-o", "json", cycle, "plans/per-cell-waves.yaml"])
        #expect(run.status == 2)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let report = try #require(object)
        #expect(report["errors"] as? Int == 1)
        let files = try #require(report["files"] as? [[String: Any]])
        #expect(files.map { $0["valid"] as? Bool } == [false, true])
        #expect(files.map { $0["plan"] as? String } == [nil, "per-cell-waves"])
        let first = try #require((files[0]["diagnostics"] as? [[String: Any]])?.first)
        #expect(first["id"] as? String == "plan.dependency-cycle")
        #expect(first["message"] as? String == "stage dependencies form a cycle: a -> b -> a")
        #expect(first["line"] as? Int == 7)
        #expect(first["column"] as? Int == 7)
    }

    @Test func githubOutputAnnotatesEveryFindingAndKeepsTheExitCode() throws {
        let broken = try Self.run(["plan", "validate", "--offline", "-o", "github", "docs/examples/broken-plan.yaml"])
        #expect(broken.status == 2)
        #expect(broken.stderr.isEmpty)
        let file = "file=docs/examples/broken-plan.yaml"
        #expect(
            broken.stdout.split(separator: "\n", omittingEmptySubsequences: false) == [
                "::error \(file),line=13,col=7,title=plan.unknown-key::unknown key 'selct' in a release stage (did you mean 'select'?)",
                "::error \(file),line=14,col=16,title=plan.invalid-duration::'30' has no unit (did you mean '30s'?)%0Anote: write durations like 90s, 10m, 1h30m or 500ms",
                "::warning \(file),line=17,col=30,title=plan.duplicate-value::'zone1' is listed more than once",
                "::error \(file),line=18,col=19,title=plan.unknown-dependency::dependsOn names stage 'canery', which does not exist (did you mean 'canary'?)",
                "::notice \(file),line=21,col=27,title=plan.unknown-value::vtgate follows its VitessCell: release it with a 'release: cells' stage",
                "::error \(file),line=21,col=36,title=plan.unknown-value::'vtgate' is not a valid deployment component%0Anote: allowed: vtctld, vtadmin, vtorc",
                "",
            ])
        // Valid plans print nothing and exit 0; a warning alone passes unless --strict.
        let valid = try Self.run(["plan", "validate", "--offline", "-o", "github"] + Self.examplePlans)
        #expect(valid.status == 0)
        #expect(valid.stdout.isEmpty)
        let warning = try Self.temporaryPlan(
            Self.header + "  stages: [{name: a, release: tablets, select: {cell: [z1, z1]}}]\n")
        let lenient = try Self.run(["plan", "validate", "--offline", "-o", "github", warning])
        #expect(lenient.status == 0)
        #expect(lenient.stdout.hasPrefix("::warning file=\(warning),line=6,col="))
        let strict = try Self.run(["plan", "validate", "--offline", "--strict", "-o", "github", warning])
        #expect(strict.status == 2)
        #expect(strict.stdout == lenient.stdout)
        // A whole-file problem has no line and column.
        let missing = try Self.run(["plan", "validate", "--offline", "-o", "github", "plans/does-not-exist.yaml"])
        #expect(missing.status == 2)
        #expect(
            missing.stdout
                == "::error file=plans/does-not-exist.yaml,title=input.unreadable::cannot open 'plans/does-not-exist.yaml': it does not exist\n"
        )
    }

    @Test func onlyPlanValidateTakesGithubOutput() throws {
        let run = try Self.run(["plan", "show", "plans/per-cell-waves.yaml", "-o", "github"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("Please provide one of 'text', 'json', 'dot' or 'mermaid'"))
    }

    @Test func missingFileIsAnInputError() throws {
        let run = try Self.run(["plan", "validate", "--offline", "plans/does-not-exist.yaml"])
        #expect(run.status == 2)
        #expect(
            run.stdout.contains("error[input.unreadable]: cannot open 'plans/does-not-exist.yaml': it does not exist"))
    }

    @Test func liveValidationWithoutAKubeconfigSaysWhatToDo() throws {
        let run = try Self.run(
            ["plan", "validate", "plans/per-cell-waves.yaml"],
            environment: ["HOME": Self.scratch.path, "KUBECONFIG": ""])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no kubeconfig found"))
    }

    @Test func schemaCommandPrintsTheCheckedInSchema() throws {
        let run = try Self.run(["plan", "schema"])
        #expect(run.status == 0)
        let file = try String(
            contentsOf: Self.root.appendingPathComponent("schemas/rollout-plan.schema.json"),
            encoding: .utf8)
        #expect(run.stdout == file)
    }

    @Test func noColorWhenNotATerminalOrWhenAsked() throws {
        let file = try Self.temporaryPlan(
            Self.header.replacingOccurrences(of: "RolloutPlan", with: "Plan")
                + "  stages: [{name: a, release: tablets}]\n")
        let run = try Self.run(["plan", "validate", "--offline", file], environment: ["NO_COLOR": "1"])
        #expect(!run.stdout.contains("\u{1B}["))
        let flagged = try Self.run(["plan", "validate", "--offline", "--no-color", file])
        #expect(!flagged.stdout.contains("\u{1B}["))
    }

    @Test func helpListsThePlanCommands() throws {
        let run = try Self.run(["plan", "--help"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("validate") && run.stdout.contains("schema"))
    }
}

/// `vtop-rollout status` on a snapshot file.
@Suite struct StatusCLITests {
    static let snapshot = "Tests/VitessModelTests/Fixtures/example-snapshot.yaml"

    @Test func treeShowsPendingChangesAndBlockers() throws {
        let run = try CLITests.run(["status", "--snapshot", Self.snapshot, "--cluster", "example", "--explain"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("VitessCluster example  namespace example  updateStrategy External"))
        #expect(run.stdout.contains("pending: 1 cell, 1 keyspace, 0 shards, 2 tablets, 1 deployment, 2 etcd members"))
        #expect(run.stdout.contains("tablet-not-ready Pod/example-vttablet-zone1-0790125915"))
    }

    @Test func jsonAndYamlCarryTheSameReport() throws {
        let json = try CLITests.run(["status", "--snapshot", Self.snapshot, "--cluster", "example", "-o", "json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["kind"] as? String == "Status")
        let yaml = try CLITests.run(["status", "--snapshot", Self.snapshot, "--cluster", "example", "-o", "yaml"])
        #expect(yaml.status == 0)
        #expect(yaml.stdout.contains("kind: Status\n"))
        #expect(yaml.stdout.contains("updateStrategy: External\n"))
    }

    @Test func ambiguousOrUnknownClustersAreInputErrors() throws {
        let ambiguous = try CLITests.run(["status", "--snapshot", Self.snapshot])
        #expect(ambiguous.status == 2)
        #expect(ambiguous.stderr.contains("holds several VitessClusters (example, other); choose one with --cluster"))
        let unknown = try CLITests.run(["status", "--snapshot", Self.snapshot, "--cluster", "exampel"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("VitessCluster 'exampel' not found (available: example, other)"))
    }

    @Test func withoutAKubeconfigStatusSaysWhatToDo() throws {
        let run = try CLITests.run(["status"], environment: ["HOME": CLITests.scratch.path, "KUBECONFIG": ""])
        #expect(run.status == 1)
        #expect(run.stderr.contains("no kubeconfig found"))
    }
}

/// `plan validate --snapshot` and `plan show`.
@Suite struct PlanLiveCLITests {
    static let snapshot = "Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml"

    @Test func validateAgainstASnapshotAddsLiveFindings() throws {
        let run = try CLITests.run([
            "plan", "validate", "--snapshot", Self.snapshot, "plans/customer-config-change.yaml",
        ])
        #expect(run.status == 2)
        #expect(
            run.stdout.contains(
                "error[live.expect-failed]: the pending change of VitessKeyspace customer does not match"))
        #expect(run.stdout.contains("warning[live.uncovered-change]"))
    }

    @Test func githubOutputCarriesTheLiveFindings() throws {
        let run = try CLITests.run([
            "plan", "validate", "--snapshot", Self.snapshot, "-o", "github", "plans/customer-config-change.yaml",
        ])
        #expect(run.status == 2)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(
            lines.first
                == "::warning file=plans/customer-config-change.yaml,line=12,col=3,title=live.uncovered-change::2 pending cells are released by no stage: zone1, zone2%0Anote: set requireFullCoverage: true to make this an error"
        )
        #expect(
            lines.last?.hasPrefix(
                "::error file=plans/customer-config-change.yaml,line=15,col=7,title=live.expect-failed::the pending change of VitessKeyspace customer does not match"
            ) == true)
    }

    @Test func showPrintsTheGraphAndItsEstimate() throws {
        let run = try CLITests.run(["plan", "show", "plans/upgrade-vttablet-canary.yaml", "--snapshot", Self.snapshot])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.hasPrefix("plan upgrade-v18: "))
        #expect(run.stdout.contains("estimated duration at least 29m50s"))
        #expect(run.stdout.contains("  customer/-40  zone1-0000000107\n"))
        let mermaid = try CLITests.run([
            "plan", "show", "plans/upgrade-vttablet-canary.yaml", "--snapshot", Self.snapshot,
            "-o", "mermaid",
        ])
        #expect(mermaid.stdout.hasPrefix("flowchart LR\n"))
        let dot = try CLITests.run([
            "plan", "show", "plans/upgrade-vttablet-canary.yaml", "--snapshot", Self.snapshot,
            "-o", "dot",
        ])
        #expect(dot.stdout.hasPrefix("digraph \"upgrade-v18\" {"))
        let json = try CLITests.run([
            "plan", "show", "plans/upgrade-vttablet-canary.yaml", "--snapshot", Self.snapshot,
            "-o", "json",
        ])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["kind"] as? String == "StepGraph")
        #expect((object?["hash"] as? String)?.hasPrefix("sha256:") == true)
    }

    @Test func showRefusesAnInvalidPlanWithFindingsOnStandardError() throws {
        let plan = try CLITests.temporaryPlan(
            CLITests.header + "  namespace: example\n  stages:\n"
                + "    - {name: zone1, release: tablets, select: {cell: zone1}}\n    - {name: zone2, release: tablets, select: {cell: zone2}}\n"
        )
        let run = try CLITests.run(["plan", "show", plan, "--snapshot", Self.snapshot])
        #expect(run.status == 2)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("error[live.primary-not-last]"))
    }

    @Test func unknownClusterIsLocatedInThePlan() throws {
        let plan = try CLITests.temporaryPlan(
            CLITests.header.replacingOccurrences(of: "cluster: example", with: "cluster: exmaple")
                + "  stages: [{name: a, release: tablets}]\n")
        let run = try CLITests.run(["plan", "validate", "--snapshot", Self.snapshot, plan])
        #expect(run.status == 2)
        #expect(
            run.stdout.contains(
                "plan.yaml:5:12: error[live.cluster-not-found]: VitessCluster 'exmaple' does not exist (did you mean 'example'?)"
            ))
    }
}

/// The live paths, against a loopback API server that serves the example snapshot's objects.
@Suite struct LiveClusterCLITests {
    /// Starts Tests/KubeClientTests/Fixtures/test_apiserver.py with one route per LIST, and writes a
    /// kubeconfig for it. Returns the kubeconfig path and a stop function.
    static func serve(_ snapshot: String) throws -> (kubeconfig: String, stop: () -> Void) {
        let dir = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let script = dir.appendingPathComponent("script.json")
        let convert = Process()
        convert.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        convert.arguments = [
            "python3", CLITests.root.appendingPathComponent("Tests/CLITests/Fixtures/snapshot_routes.py").path,
            CLITests.root.appendingPathComponent(snapshot).path, "example",
        ]
        FileManager.default.createFile(atPath: script.path, contents: nil)
        convert.standardOutput = try FileHandle(forWritingTo: script)
        try convert.run()
        convert.waitUntilExit()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = [
            "python3", CLITests.root.appendingPathComponent("Tests/KubeClientTests/Fixtures/test_apiserver.py").path,
            script.path, dir.appendingPathComponent("log.jsonl").path,
        ]
        let out = Pipe()
        let input = Pipe()  // the server exits when its standard input closes
        server.standardOutput = out
        server.standardInput = input
        try server.run()
        var line = Data()
        while true {  // "PORT <n>" once it listens
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        let port = String(decoding: line, as: UTF8.self).split(separator: " ").last.map(String.init) ?? "0"
        let kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try """
        apiVersion: v1
        kind: Config
        current-context: test
        clusters: [{name: test, cluster: {server: "http://127.0.0.1:\(port)"}}]
        users: [{name: test, user: {token: test-token}}]
        contexts: [{name: test, context: {cluster: test, user: test, namespace: example}}]
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        return (
            kubeconfig,
            {
                try? input.fileHandleForWriting.close()
                server.terminate()
                server.waitUntilExit()
            }
        )
    }

    @Test func liveStatusPrintsWhatTheSnapshotPrints() throws {
        let snapshot = "Tests/VitessModelTests/Fixtures/example-snapshot.yaml"
        let (kubeconfig, stop) = try Self.serve(snapshot)
        defer { stop() }
        let live = try CLITests.run([
            "status", "--kubeconfig", kubeconfig, "--cluster", "example", "--explain", "--diff",
        ])
        let offline = try CLITests.run([
            "status", "--snapshot", snapshot, "--cluster", "example", "--explain", "--diff",
        ])
        #expect(live.status == 0, "\(live.stderr)")
        #expect(live.stdout == offline.stdout)
        let verbose = try CLITests.run(["status", "--kubeconfig", kubeconfig, "--cluster", "example", "-v"])
        #expect(verbose.stderr.contains("/apis/planetscale.com/v2/namespaces/example/vitessshards?limit=500 200 "))
        #expect(!verbose.stderr.contains("test-token"))
    }

    @Test func livePlanValidationAndShow() throws {
        let snapshot = "Tests/RolloutEngineTests/Fixtures/upgrade-snapshot.yaml"
        let (kubeconfig, stop) = try Self.serve(snapshot)
        defer { stop() }
        let validate = try CLITests.run([
            "plan", "validate", "--kubeconfig", kubeconfig, "plans/upgrade-vttablet-canary.yaml",
        ])
        #expect(validate.status == 0, "\(validate.stdout)\(validate.stderr)")
        let github = try CLITests.run([
            "plan", "validate", "--kubeconfig", kubeconfig, "-o", "github", "plans/upgrade-vttablet-canary.yaml",
            "plans/customer-config-change.yaml",
        ])
        #expect(github.status == 2)
        #expect(github.stdout.contains("title=live.expect-failed::"))
        #expect(!github.stdout.contains("file=plans/upgrade-vttablet-canary.yaml"))
        let live = try CLITests.run([
            "plan", "show", "--kubeconfig", kubeconfig, "plans/upgrade-vttablet-canary.yaml", "-o", "json",
        ])
        let offline = try CLITests.run([
            "plan", "show", "--snapshot", snapshot, "plans/upgrade-vttablet-canary.yaml", "-o", "json",
        ])
        #expect(live.status == 0)
        #expect(live.stdout == offline.stdout)
    }

    @Test func anUnreachableClusterIsOneClearError() throws {
        let dir = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let kubeconfig = dir.appendingPathComponent("kubeconfig").path
        try """
        current-context: test
        clusters: [{name: test, cluster: {server: "http://127.0.0.1:1"}}]
        users: [{name: test, user: {}}]
        contexts: [{name: test, context: {cluster: test, user: test}}]
        """.write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let run = try CLITests.run(["status", "--kubeconfig", kubeconfig])
        #expect(run.status == 1)
        #expect(run.stderr.contains("127.0.0.1:1"))
        #expect(run.stderr.contains("connection refused"))
    }
}

/// `vtop-rollout sandbox` as scripts use it: wait for the ready line, then stop it.
@Suite struct SandboxCommandCLITests {
    /// The ready line used to come before the signal handlers, so a SIGTERM sent at once could be
    /// ignored and the sandbox ran on. Forty rounds, because the window is short: the old code lost
    /// several of them here.
    @Test func aSIGTERMRightAfterTheReadyLineStopsTheSandbox() throws {
        for round in 0..<40 {
            let kubeconfig = CLITests.scratch.appendingPathComponent("\(UUID().uuidString).kubeconfig").path
            let run = try WatchedRun.start(
                ["sandbox", "--port", "0", "--kubeconfig-out", kubeconfig], environment: [:], in: CLITests.scratch,
                ready: { $0.hasPrefix("sandbox ready: ") })
            #expect(!run.timedOut, "round \(round): the sandbox ignored SIGTERM")
            #expect(run.stdout.hasPrefix("sandbox ready: server=http://127.0.0.1:"))
        }
    }

    @Test func aMissingOrBrokenFixtureIsOneLineAndExitCodeTwo() throws {
        let missing = try CLITests.run(["sandbox", "--fixture", "does-not-exist.yaml"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "error: cannot open fixture 'does-not-exist.yaml': it does not exist\n")
        let broken = try CLITests.run(["sandbox", "--fixture", "README.md"])
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("error: fixture 'README.md' is not a VitessCluster manifest in YAML or JSON: "))
    }
}

/// The benchmark's quick mode runs in CI so it cannot rot; its numbers are not asserted.
@Suite struct BenchmarkSmokeTests {
    @Test func quickBenchmarkCompilesItsPlanAndPrintsTheTable() throws {
        let process = Process()
        process.executableURL = CLITests.binary.deletingLastPathComponent().appendingPathComponent("vtop-bench")
        process.arguments = ["--quick"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(text.hasPrefix("vtop-bench --quick (80 tablets, 16 shards; graph of "))
        for phase in ["inventory", "status", "parse+validate", "compile", "peak memory"] {
            #expect(text.contains("| \(phase) | "), "missing \(phase)")
        }
    }
}

/// `vtop-bench rollout --quick`: a whole plan apply on the sandbox, plus the kubectl baseline when kubectl is
/// installed. Only the shape of the report is checked, never a number.
@Suite struct RolloutBenchmarkSmokeTests {
    @Test func quickRolloutBenchmarkCompletesAndReportsEveryMetric() throws {
        let process = Process()
        process.executableURL = CLITests.binary.deletingLastPathComponent().appendingPathComponent("vtop-bench")
        process.arguments = ["rollout", "--quick"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        #expect(text.hasPrefix("vtop-bench rollout --quick (6 tablets: 1 keyspaces x 2 shards x 3; "))
        #expect(text.contains("\noutcome: done; tablets released: 6\n"), "\(text)")
        for metric in [
            "reaction latency median", "reaction latency p99", "makespan (emulated)", "makespan / critical-path bound",
            "API requests per released tablet", "CLI start-up",
        ] {
            #expect(text.contains("| \(metric)"), "missing \(metric)")
        }
        let kubectl = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/kubectl")
        }
        if kubectl { #expect(text.contains("kubectl loop: outcome done, 6 tablets released"), "\(text)") }
    }

    static var bench: URL { CLITests.binary.deletingLastPathComponent().appendingPathComponent("vtop-bench") }

    /// The value after `label` on its report line ("kills: 5 (…)" gives 5).
    static func number(_ label: String, in text: String) -> Int? {
        text.split(separator: "\n").first { $0.hasPrefix(label) }
            .flatMap { Int($0.dropFirst(label.count).prefix { $0.isNumber }) }
    }

    @Test("vtop-bench torture --quick: kill -9 five times, resume, every rule kept, the state always parsed")
    func quickTorture() throws {
        let run = try CLITests.run(["torture", "--quick"], executable: Self.bench, in: CLITests.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(Self.number("kills: ", in: run.stdout) == 5, "\(run.stdout)")
        #expect(Self.number("invariant violations: ", in: run.stdout) == 0, "\(run.stdout)")
        #expect(run.stdout.contains(" 0 failed to parse\n"), "\(run.stdout)")
        #expect(Self.number("tablets recreated: ", in: run.stdout) == 6, "\(run.stdout)")
        #expect(Self.number("unexpected exits: ", in: run.stdout) == 0, "\(run.stdout)")
    }

    @Test("vtop-bench soak --quick: 500s, 429s, 409s and dropped watches are injected and absorbed")
    func quickSoak() throws {
        let run = try CLITests.run(["soak", "--quick"], executable: Self.bench, in: CLITests.root)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\noutcome: exit 0 "), "\(run.stdout)")
        #expect(Self.number("invariant violations: ", in: run.stdout) == 0, "\(run.stdout)")
        #expect(run.stdout.contains("tablets recreated: 6 of 6; most down at once in a shard: 1"), "\(run.stdout)")
        // Which requests meet a fault depends on timing, so only the total is sure to be above zero.
        let injected = run.stdout.split(separator: "\n").first { $0.hasPrefix("injected: ") } ?? ""
        let counts = injected.dropFirst("injected: ".count).split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
        }
        #expect(counts.count == 4 && counts.reduce(0, +) > 0, "\(run.stdout)")
    }
}
