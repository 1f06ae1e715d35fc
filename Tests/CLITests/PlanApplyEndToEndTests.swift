import Foundation
import Testing
import VitessSandbox

/// A `vtop-rollout sandbox` child process: the emulated cluster the end-to-end tests run against.
final class ApplySandbox {
    let process = Process()
    let directory: URL
    let kubeconfig: String
    let server: String

    init(speed: Int = 1000, fixture: String? = nil) throws {
        directory = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        kubeconfig = directory.appendingPathComponent("sandbox.kubeconfig").path
        process.executableURL = CLITests.binary
        var arguments = ["sandbox", "--port", "0", "--speed", String(speed), "--kubeconfig-out", kubeconfig]
        if let fixture { arguments += ["--fixture", CLITests.root.appendingPathComponent(fixture).path] }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !String(decoding: line, as: UTF8.self).contains("\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "server=") else {
            process.terminate()
            throw SandboxFailure(description: "the sandbox did not start: \(text)")
        }
        server = String(text[range.upperBound...].prefix { $0 != " " && $0 != "\n" })
    }

    deinit { stop() }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Runs `vtop-rollout` against this sandbox from `directory` (where state files go).
    func run(_ arguments: [String], extra: [String: String] = [:]) throws -> CLITests.Run {
        try CLITests.run(arguments + ["--kubeconfig", kubeconfig], environment: extra, in: directory)
    }

    /// A raw HTTP call to the sandbox (the control API, or an API path), through Python's urllib.
    func http(_ method: String, _ path: String, body: String? = nil, contentType: String = "application/json")
        throws -> String
    {
        let script = """
            import sys, urllib.request
            data = sys.argv[4].encode() if len(sys.argv) > 4 else None
            request = urllib.request.Request(sys.argv[1] + sys.argv[2], data=data, method=sys.argv[3],
                                             headers={"Content-Type": sys.argv[5] if len(sys.argv) > 5 else "application/json"})
            print(urllib.request.urlopen(request).read().decode())
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, server, path, method] + (body.map { [$0, contentType] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Changes the vttablet image, as `kubectl patch vt` would.
    func changeImage(_ image: String = "vitess/lite:v18.0.0") throws {
        _ = try http(
            "PATCH", "/apis/planetscale.com/v2/namespaces/example/vitessclusters/example",
            body: #"{"spec":{"images":{"vttablet":"\#(image)"}}}"#, contentType: "application/merge-patch+json")
    }

    /// The history records, as dictionaries.
    func history() throws -> [[String: Any]] {
        let data = Data(try http("GET", "/sandbox/v1/history").utf8)
        return (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? []
    }

    /// What the sandbox's history proves about the rollout so far (the same reading the demo and the
    /// benchmarks use).
    func rolloutFacts() throws -> RolloutFacts {
        RolloutFacts(
            try JSONDecoder().decode([HistoryRecord].self, from: Data(try http("GET", "/sandbox/v1/history").utf8)))
    }

    struct SandboxFailure: Error, CustomStringConvertible { let description: String }
}

/// `plan apply` end to end: the real binary against the sandbox at a high speed, with plan time
/// scaled to match. Rollout invariants are read from the sandbox's history.
@Suite("plan apply on the sandbox", .serialized)
struct PlanApplyEndToEndTests {
    static let fast = ["--time-scale", "1000", "--check-interval", "100ms", "--no-prompt"]

    static let canary = """
        apiVersion: vtop-rollout/v1
        kind: RolloutPlan
        metadata: {name: canary}
        spec:
          cluster: example
          namespace: example
          defaults: {healthChecks: [{tabletAvailable: {}}]}
          stages:
            - name: canary
              release: tablets
              select: {keyspace: commerce, pool: replica, limit: 1}
              soak: 1m
            - name: approve
              gate: {approval: {message: "Canary fine?"}}
            - name: rest
              release: tablets
              healthChecks: [{shardHealthy: {}}]

        """

    func write(_ text: String, in sandbox: ApplySandbox, name: String = "plan.yaml") throws {
        try text.write(to: sandbox.directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    @Test("Approval gate across processes: exit 3, plan approve, then --resume finishes; history holds the invariants")
    func approvalRoundTrip() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        try write(Self.canary, in: sandbox)
        let first = try sandbox.run(["plan", "apply", "plan.yaml"] + Self.fast)
        #expect(first.status == 3, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("waiting for approval of approve"))
        let state = sandbox.directory.appendingPathComponent("canary.vtop-state.json").path
        let mode = try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try sandbox.rolloutFacts().deletions.count == 1, "only the canary rolled")

        let wrongGate = try sandbox.run(["plan", "approve", "nope"])
        #expect(wrongGate.status == 2)
        #expect(wrongGate.stderr.contains("its gates: approve"))
        let approve = try sandbox.run(["plan", "approve", "approve", "--actor", "alice"])
        #expect(approve.status == 0, "\(approve.stderr)")

        let second = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(second.stdout.contains("approved by alice"))
        let facts = try sandbox.rolloutFacts()
        #expect(facts.deletions.count == 3)
        #expect(facts.deletions.values.allSatisfy { $0 == 1 }, "\(facts.deletions)")
        #expect(facts.maxDown == 1)
        #expect(facts.lastDeleted.values.allSatisfy { $0.contains("2548885007") }, "the primary went last")
        let again = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(again.status == 0)
        #expect(again.stdout.contains("already done"))
    }

    @Test("A changed plan, a missing state and an unreadable state are refused with exit code 2")
    func resumeRefusals() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        try write(Self.canary, in: sandbox)
        let missing = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no state"))
        #expect(try sandbox.run(["plan", "apply", "plan.yaml"] + Self.fast).status == 3)
        let again = try sandbox.run(["plan", "apply", "plan.yaml"] + Self.fast)
        #expect(again.status == 2, "a second fresh start is refused")
        #expect(again.stderr.contains("--resume"))
        try write(Self.canary + "# an edit\n", in: sandbox)
        let changed = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(changed.status == 2)
        #expect(changed.stderr.contains("the plan changed"))
        try write(Self.canary, in: sandbox)
        try "{not json".write(
            to: sandbox.directory.appendingPathComponent("canary.vtop-state.json"), atomically: true, encoding: .utf8)
        let broken = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("cannot be used"))
    }

    @Test("A second run against the same cluster is locked out with exit code 6, naming the holder")
    func lockConflict() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        // A live Lease held by someone else, renewed just now.
        let now = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: "Z", with: ".000000Z")
        _ = try sandbox.http(
            "POST", "/apis/coordination.k8s.io/v1/namespaces/example/leases",
            body: """
                {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"vtop-rollout-example",
                "namespace":"example","annotations":{"vtop-rollout.io/plan":"other-plan"}},
                "spec":{"holderIdentity":"bob@laptop/42","leaseDurationSeconds":600,"acquireTime":"\(now)","renewTime":"\(now)"}}
                """)
        try write(Self.canary, in: sandbox)
        let locked = try sandbox.run(["plan", "apply", "plan.yaml"] + Self.fast)
        #expect(locked.status == 6, "\(locked.stdout)\(locked.stderr)")
        #expect(locked.stderr.contains("bob@laptop/42"))
        #expect(locked.stderr.contains("other-plan"))
        #expect(try sandbox.rolloutFacts().deletions.isEmpty, "nothing released")
        let forced = try sandbox.run(["plan", "apply", "plan.yaml", "--force-unlock"] + Self.fast)
        #expect(forced.status == 3, "\(forced.stderr)")

        // While a run holds the Lease, approve and abort refuse: that run's next save would
        // overwrite what they write.
        func hold(_ holder: String) throws {
            _ = try sandbox.http(
                "PATCH", "/apis/coordination.k8s.io/v1/namespaces/example/leases/vtop-rollout-example",
                body: #"{"spec":{"holderIdentity":"\#(holder)","renewTime":"\#(now)","leaseDurationSeconds":600}}"#,
                contentType: "application/merge-patch+json")
        }
        try hold("carol@ci/7")
        for command in [["plan", "approve", "approve"], ["plan", "abort"]] {
            let refused = try sandbox.run(command)
            #expect(refused.status == 6, "\(command): \(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("carol@ci/7"), "\(refused.stderr)")
            #expect(refused.stderr.contains("plan apply of this cluster is running"), "\(refused.stderr)")
        }
        let data = try Data(contentsOf: sandbox.directory.appendingPathComponent("canary.vtop-state.json"))
        let state = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(state["status"] as? String == "waitingApproval")
        #expect((state["approvals"] as? [Any] ?? []).isEmpty)
        try hold("")
        let approved = try sandbox.run(["plan", "approve", "approve"])
        #expect(approved.status == 0, "\(approved.stderr)")
        #expect(
            approved.stdout.contains("continue with: vtop-rollout plan apply plan.yaml --resume"), "\(approved.stdout)")
    }

    @Test("Pause on a tablet that never becomes Ready (exit 4), then resume after the fault is lifted")
    func pauseAndResume() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        _ = try sandbox.http("PUT", "/sandbox/v1/rollout-faults", body: #"{"neverReadyImages":["v18.0.0"]}"#)
        try write(
            """
            apiVersion: vtop-rollout/v1
            kind: RolloutPlan
            metadata: {name: all}
            spec:
              cluster: example
              namespace: example
              defaults: {timeout: 10m}
              stages:
                - {name: tablets, release: tablets}

            """, in: sandbox)
        let paused = try sandbox.run(["plan", "apply", "plan.yaml"] + Self.fast)
        #expect(paused.status == 4, "\(paused.stdout)\(paused.stderr)")
        #expect(paused.stdout.contains("timed out after 10m"))
        #expect(paused.stdout.contains("Ready"))
        #expect(try sandbox.rolloutFacts().deletions.count == 1, "nothing released after the failure")
        _ = try sandbox.http("PUT", "/sandbox/v1/rollout-faults", body: "{}")
        let resumed = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        let facts = try sandbox.rolloutFacts()
        #expect(facts.deletions.values.allSatisfy { $0 == 1 }, "\(facts.deletions)")
        #expect(facts.deletions.count == 3)
    }

    @Test("kill -9 at a random moment, then --resume, a few times: each tablet recreated once")
    func killAndResume() throws {
        let sandbox = try ApplySandbox(speed: 200)
        try sandbox.changeImage()
        try write(
            """
            apiVersion: vtop-rollout/v1
            kind: RolloutPlan
            metadata: {name: all}
            spec:
              cluster: example
              namespace: example
              stages:
                - {name: tablets, release: tablets, maxConcurrent: {shards: 3}}

            """, in: sandbox)
        var generator = SystemRandomNumberGenerator()
        var status: Int32 = -1
        var kills = 0
        for attempt in 0..<12 {
            let process = Process()
            process.executableURL = CLITests.binary
            process.arguments =
                [
                    "plan", "apply", "plan.yaml", "--kubeconfig", sandbox.kubeconfig, "--time-scale", "200", "-o",
                    "jsonl",
                ]
                + (attempt == 0 ? [] : ["--resume", "--force-unlock"])
            process.currentDirectoryURL = sandbox.directory
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            if attempt < 4 {
                // Kill -9 after a random number of progress events: a random moment, chosen by the
                // run's own output rather than by the clock.
                let target = Int.random(in: 5...60, using: &generator)
                var seen = 0
                while seen < target {
                    let chunk = out.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    seen += chunk.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
                }
                if process.isRunning {
                    kill(process.processIdentifier, SIGKILL)
                    kills += 1
                }
            }
            _ = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            status = process.terminationStatus
            if process.terminationReason == .exit && status == 0 { break }
        }
        #expect(status == 0)
        #expect(kills >= 1)
        let facts = try sandbox.rolloutFacts()
        #expect(facts.deletions.count == 30, "every tablet rolled")
        #expect(facts.violations(selected: Set(facts.deletions.keys), primaries: [:]) == [])
        #expect(facts.maxDown == 1)
        let state = try Data(contentsOf: sandbox.directory.appendingPathComponent("all.vtop-state.json"))
        #expect((try JSONSerialization.jsonObject(with: state) as? [String: Any])?["status"] as? String == "done")
    }

    @Test("SIGINT stops releasing, saves, exits 5; --resume finishes")
    func interruptAndResume() throws {
        let sandbox = try ApplySandbox(speed: 100, fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        try write(Self.canary.replacingOccurrences(of: "soak: 1m", with: "soak: 10m"), in: sandbox)
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["plan", "apply", "plan.yaml", "--kubeconfig", sandbox.kubeconfig, "--no-prompt"]
        process.currentDirectoryURL = sandbox.directory
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The soak lasts 10 real minutes: wait until it has started, then interrupt.
        var text = ""
        while process.isRunning, !text.contains("soak 10m started") {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGINT)
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 5, "\(text)")
        #expect(text.contains("interrupted"))
        let state = try Data(contentsOf: sandbox.directory.appendingPathComponent("canary.vtop-state.json"))
        #expect(
            (try JSONSerialization.jsonObject(with: state) as? [String: Any])?["status"] as? String == "interrupted")
        let resumed = try sandbox.run(["plan", "apply", "plan.yaml", "--resume"] + Self.fast)
        #expect(resumed.status == 3, "\(resumed.stdout)\(resumed.stderr)")
        #expect(try sandbox.rolloutFacts().deletions.count == 1)
    }

    @Test("--dry-run prints what would be released and changes nothing")
    func dryRun() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        try write(Self.canary, in: sandbox)
        let run = try sandbox.run(["plan", "apply", "plan.yaml", "--dry-run"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("would release now:"))
        #expect(run.stdout.contains("keyspace/commerce"))
        #expect(
            !FileManager.default.fileExists(
                atPath: sandbox.directory.appendingPathComponent("canary.vtop-state.json").path))
        #expect(try sandbox.history().isEmpty)
    }

    @Test("finish releases everything pending with the built-in plan")
    func finish() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        // A pause first: the resume rebuilds the same plan, --max-shards included, and says so.
        _ = try sandbox.http("PUT", "/sandbox/v1/rollout-faults", body: #"{"neverReadyImages":["v18.0.0"]}"#)
        let paused = try sandbox.run(["finish", "--max-shards", "1"] + Self.fast)
        #expect(paused.status == 4, "\(paused.stdout)\(paused.stderr)")
        #expect(paused.stdout.contains("fix it, then vtop-rollout finish --resume"), "\(paused.stdout.suffix(300))")
        let again = try sandbox.run(["finish"] + Self.fast)
        #expect(again.status == 2)
        #expect(
            again.stderr.contains(
                "unfinished run of plan finish-example (paused); continue it with vtop-rollout finish --resume"),
            "\(again.stderr)")
        _ = try sandbox.http("PUT", "/sandbox/v1/rollout-faults", body: "{}")
        let run = try sandbox.run(["finish", "--resume"] + Self.fast)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(try sandbox.rolloutFacts().deletions.count == 3)
        let status = try sandbox.run(["status", "-o", "json"])
        #expect(!status.stdout.contains("\"scheduled\""), "nothing pending any more")
        let nothing = try sandbox.run(["finish"] + Self.fast)
        #expect(nothing.status == 0)
        #expect(nothing.stdout.contains("nothing is pending"))
    }

    @Test("`rbac` grants every request a real apply, approve, status and finish make")
    func rbacCoversRealRequests() throws {
        let sandbox = try ApplySandbox(fixture: "docs/examples/sandbox-reference.yaml")
        try sandbox.changeImage()
        try write(
            Self.canary.replacingOccurrences(
                of: "soak: 1m", with: "soak: 1m\n      healthChecks: [{replicationLag: {max: 10s}}]"), in: sandbox)
        var log = ""
        let runs: [([String], Int32)] = [
            (["plan", "apply", "plan.yaml", "-v"] + Self.fast, 3), (["plan", "approve", "approve", "-v"], 0),
            (["plan", "apply", "plan.yaml", "--resume", "-v"] + Self.fast, 0), (["status", "-v"], 0),
            (["finish", "-v", "--state", "configmap:example/finish-state"] + Self.fast, 0),
        ]
        for (arguments, expected) in runs {
            // The plan rolled everything; finish gets a change of its own to release.
            if arguments[0] == "finish" { try sandbox.changeImage("vitess/lite:v19.0.0") }
            let run = try sandbox.run(arguments)
            #expect(run.status == expected, "\(arguments): \(run.stdout.suffix(500))")
            log += run.stderr
        }
        let used = CLITests.requests(inVerboseLog: log)
        let granted = CLITests.grants(inRole: try CLITests.run(["rbac"]).stdout)
        #expect(used.contains("pods/proxy get"), "the replicationLag check went through the Pod proxy")
        #expect(used.contains("leases update"))
        #expect(used.contains("configmaps create"))
        #expect(
            used.subtracting(granted).isEmpty, "requests the Role does not allow: \(used.subtracting(granted).sorted())"
        )
    }

    @Test("`vtop-rollout demo` runs the whole tour and proves the invariants from the history")
    func demo() throws {
        let run = try CLITests.run(["demo", "--speed", "300"])
        #expect(run.status == 0, "\(run.stdout.suffix(2000))\(run.stderr)")
        #expect(run.stdout.contains("demo: approving gate approve-canary automatically"))
        #expect(run.stdout.contains("tablets recreated: 30, each exactly once: yes"))
        #expect(run.stdout.contains("most tablets down at once in one shard: 1"))
        #expect(run.stdout.contains("all after the last tablet was Ready: yes"))
    }

    @Test("The demo's built-in plan is plans/demo-upgrade.yaml")
    func demoPlanIsShipped() throws {
        let shipped = try String(
            contentsOf: CLITests.root.appendingPathComponent("plans/demo-upgrade.yaml"), encoding: .utf8)
        let builtin = try CLITests.run(["demo", "--print-plan"]).stdout
        #expect(
            builtin.trimmingCharacters(in: .whitespacesAndNewlines)
                == shipped.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension CLITests {
    /// The "resource verb" pairs of the requests a `-v` log shows, such as `pods watch`:
    /// "GET http://127.0.0.1:PORT/api/v1/namespaces/example/pods?watch=1 200 3ms".
    static func requests(inVerboseLog log: String) -> Set<String> {
        var used: Set<String> = []
        for line in log.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let url = URL(string: String(parts[1])), url.path.contains("/namespaces/") else {
                continue
            }
            let segments = url.path.split(separator: "/").map(String.init)
            guard let ns = segments.firstIndex(of: "namespaces"), segments.count > ns + 2 else { continue }
            var resource = segments[ns + 2]
            let named = segments.count > ns + 3
            if segments.count > ns + 4 { resource += "/" + segments[ns + 4] }
            let query = url.query ?? ""
            let verb: String =
                switch parts[0] {
                case "GET": query.contains("watch=1") ? "watch" : named ? "get" : "list"
                case "PATCH": "patch"
                case "POST": "create"
                case "PUT": "update"
                case "DELETE": "delete"
                default: String(parts[0])
                }
            used.insert("\(resource) \(verb)")
        }
        return used
    }

    /// The "resource verb" pairs a Role printed by `vtop-rollout rbac` grants.
    static func grants(inRole role: String) -> Set<String> {
        var granted: Set<String> = []
        var resources: [String] = []
        for line in role.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            let items = { (prefix: String) in
                text.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
                    .trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                    .split(separator: ",").map {
                        $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    }
            }
            if text.hasPrefix("resources:") { resources = items("resources:") }
            if text.hasPrefix("verbs:") {
                for resource in resources { for verb in items("verbs:") { granted.insert("\(resource) \(verb)") } }
            }
        }
        return granted
    }
}
