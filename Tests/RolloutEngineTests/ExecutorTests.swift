import Foundation
import RolloutPlan
import Testing
import VitessSandbox

@testable import RolloutEngine
@testable import VitessModel

private let header = """
    apiVersion: vtop-rollout/v1
    kind: RolloutPlan
    metadata: {name: t}
    spec:
      cluster: example
      namespace: example

    """

private let allTablets =
    header + """
          stages:
            - name: tablets
              release: tablets
              maxConcurrent: {shards: 2}
              healthChecks: [{tabletAvailable: {}}, {shardHealthy: {}}]
            - name: vtgate
              release: cells
        """

@Suite("Executor state machine against the emulated operator (manual clock)")
struct ExecutorTests {
    @Test("Every tablet rolls exactly once, one per shard at a time, primaries last")
    func fullRollout() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        let outcome = try harness.run()
        #expect(outcome == .done)
        #expect(harness.maxTabletsDownPerShard() == 1)
        #expect(harness.primariesLast())
        let deletions = harness.deletions()
        #expect(Set(deletions.keys) == harness.selectedPods())
        #expect(deletions.values.allSatisfy { $0 == 1 }, "\(deletions)")
        #expect(harness.executor.state.status == .done)
        #expect(harness.executor.state.steps.values.allSatisfy { $0.phase == .done })
        let final = try ExecutorHarness.observe(harness.sandbox)
        #expect(final.tablets.allSatisfy { !$0.marks.isPending && $0.ready })
        #expect(final.cells.allSatisfy { !$0.marks.isPending })
    }

    @Test("maxConcurrent shards bounds the shards with a tablet in flight")
    func shardConcurrency() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        try harness.run()
        var inFlight: Set<String> = []
        var worst = 0
        for event in harness.events {
            guard let step = event.step, step.hasPrefix("tablet/") else { continue }
            if event.type == "intent" { inFlight.insert(step) }
            if event.type == "done" { inFlight.remove(step) }
            worst = max(worst, inFlight.count)
        }
        #expect(worst == 2)
    }

    @Test("primarySwitchoverInterval spaces the primaries of a keyspace")
    func primaryPacing() throws {
        let plan =
            header + """
                  stages:
                    - name: customer
                      release: tablets
                      select: {keyspace: customer}
                      primarySwitchoverInterval: 5m
                """
        let harness = try ExecutorHarness(plan: plan)
        #expect(try harness.run() == .done)
        let primaries = harness.releases.filter { release in
            harness.graph.step(release.step).map {
                if case .releaseTablet(_, _, _, _, true) = $0.kind { true } else { false }
            } ?? false
        }
        #expect(primaries.count == 2)
        for (a, b) in zip(primaries, primaries.dropFirst()) { #expect(b.at - a.at >= 300) }
    }

    @Test("An approval gate ends the run waiting; an approval in the state lets a resumed run continue")
    func approvalRoundTrip() throws {
        let plan =
            header + """
                  stages:
                    - name: canary
                      release: tablets
                      select: {keyspace: customer, shard: "-80", pool: rdonly, limit: 1}
                    - name: approve
                      gate: {approval: {message: "Looks fine?"}}
                    - name: rest
                      release: tablets
                """
        let harness = try ExecutorHarness(plan: plan)
        #expect(try harness.run() == .waitingApproval(["approve"]))
        #expect(harness.releases.count == 3, "keyspace, shard, canary tablet: \(harness.releases.map(\.step))")
        #expect(harness.saved.status == .waitingApproval)
        // `plan approve approve` writes the approval into the file; `--resume` reads it.
        harness.crashAndResume { $0.approvals.append(Approval(gate: "approve", actor: "alice", at: harness.now)) }
        #expect(try harness.run() == .done)
        #expect(
            harness.events.contains { $0.type == "done" && $0.step == "gate/approve" && $0.message.contains("alice") })
        #expect(harness.deletions().values.allSatisfy { $0 == 1 })
    }

    @Test("With a prompt, the gate is asked and an answer continues the same run")
    func approvalByPrompt() throws {
        let plan =
            header + """
                  stages:
                    - name: gate
                      gate: {approval: {}}
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                """
        let harness = try ExecutorHarness(plan: plan, options: ExecutorOptions(approvalsByPrompt: true))
        harness.autoApprove = true
        #expect(try harness.run() == .done)
        #expect(harness.askedGates == ["gate"])
        #expect(harness.executor.state.approvals.map(\.actor) == ["tester"])
    }

    @Test("A crash at any release resumes without releasing a rolled tablet twice")
    func crashAndResume() throws {
        for crashPoint in [1, 3, 6, 10] {
            let harness = try ExecutorHarness(plan: allTablets)
            #expect(try harness.run(stopAfterReleases: crashPoint) == nil)
            // Let the operator get ahead of the dead process for a while.
            for _ in 0..<90 {
                harness.clock.advance(by: 1)
                harness.sandbox.operator.settle()
            }
            harness.crashAndResume()
            #expect(try harness.run() == .done, "crash after \(crashPoint) releases")
            let deletions = harness.deletions()
            #expect(deletions.values.allSatisfy { $0 == 1 }, "crash after \(crashPoint): \(deletions)")
            #expect(Set(deletions.keys) == harness.selectedPods())
            #expect(harness.maxTabletsDownPerShard() == 1)
            #expect(harness.primariesLast())
        }
    }

    @Test("A crash between the intent and the patch re-checks the cluster and patches once")
    func crashBetweenIntentAndPatch() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        try harness.run(stopAfterReleases: 3)
        let intents = harness.saved.steps.filter { $0.value.phase == .intent }
        #expect(!intents.isEmpty, "the last save before a patch holds the intent")
        harness.crashAndResume()
        #expect(try harness.run() == .done)
        #expect(harness.deletions().values.allSatisfy { $0 == 1 })
    }

    @Test("SIGINT stops new releases and ends the run interrupted; a resume finishes it")
    func interrupt() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        #expect(try harness.run(interruptAt: 5) == .interrupted)
        #expect(harness.releases.count == harness.releasesAtInterrupt, "nothing released after the signal")
        #expect(harness.releases.count >= 5)
        #expect(harness.saved.status == .interrupted)
        harness.crashAndResume()
        #expect(try harness.run() == .done)
        #expect(harness.deletions().values.allSatisfy { $0 == 1 })
    }

    @Test("A tablet that never becomes Ready times out the step and pauses the run with the reason")
    func neverReadyPauses() throws {
        let plan =
            header + """
                  defaults: {timeout: 5m}
                  stages:
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                """
        let harness = try ExecutorHarness(plan: plan)
        var faults = RolloutFaults()
        faults.neverReadyImages = ["v18.0.0"]
        harness.sandbox.operator.faults = faults
        let outcome = try harness.run()
        guard case .paused(let step, let reason) = outcome else {
            Issue.record("expected a pause, got \(String(describing: outcome))")
            return
        }
        #expect(step.hasPrefix("tablet/"))
        #expect(reason.contains("timed out after 5m"))
        #expect(reason.contains("Ready"))
        #expect(harness.releases.filter { $0.step.hasPrefix("tablet/") }.count == 1, "nothing more after the failure")
        #expect(harness.saved.status == .paused)
        #expect(harness.saved.steps[step]?.phase == .failed)
    }

    @Test("A resume after a timeout gives the step its full timeout again, and it completes once the cause is fixed")
    func resumeAfterTimeout() throws {
        let plan =
            header + """
                  defaults: {timeout: 5m}
                  stages:
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                """
        let harness = try ExecutorHarness(plan: plan)
        var faults = RolloutFaults()
        faults.neverReadyImages = ["v18.0.0"]
        harness.sandbox.operator.faults = faults
        guard case .paused(let step, _) = try harness.run() else {
            Issue.record("expected a pause")
            return
        }
        // The user looks for a while, then resumes without fixing anything: the step waits its full
        // timeout again rather than failing at once on the old deadline.
        harness.clock.advance(by: 600)
        harness.crashAndResume()
        let resumedAt = harness.now
        guard case .paused(let again, let reason) = try harness.run() else {
            Issue.record("expected a second pause")
            return
        }
        #expect(again == step)
        #expect(reason.contains("timed out after 5m"))
        let failedAt = try #require(harness.saved.steps[step]?.finishedAt)
        #expect(failedAt.timeIntervalSince(resumedAt) >= 300, "a full timeout after the resume")
        // Now the image is fixed (the fault lifted): the resumed run finishes, and the stuck tablet
        // was never released twice.
        harness.sandbox.operator.faults = RolloutFaults()
        harness.crashAndResume()
        #expect(try harness.run() == .done)
        #expect(harness.deletions().values.allSatisfy { $0 == 1 }, "\(harness.deletions())")
    }

    @Test("onFailure: abort ends the run aborted")
    func abortPolicy() throws {
        let plan =
            header + """
                  stages:
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                      onFailure: abort
                      timeout: 2m
                """
        let harness = try ExecutorHarness(plan: plan)
        var faults = RolloutFaults()
        faults.neverReadyImages = ["v18.0.0"]
        harness.sandbox.operator.faults = faults
        guard case .aborted = try harness.run() else {
            Issue.record("expected abort")
            return
        }
        #expect(harness.saved.status == .aborted)
    }

    @Test("A failing http check is retried until the timeout, then pauses; passing later lets it through")
    func failingCheck() throws {
        let plan =
            header + """
                  stages:
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce, pool: rdonly, cell: zone1}
                      timeout: 3m
                      healthChecks: [{http: {url: "http://dash/{{tablet.alias}}", expectStatus: 200}}]
                """
        let harness = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
        var urls: [String] = []
        harness.checkResult = { check, context in
            if case .http(let http) = check { urls.append(context.fill(http.url)) }
            return CheckResult(passed: false, detail: "HTTP 503")
        }
        guard case .paused(_, let reason) = try harness.run() else {
            Issue.record("expected a pause")
            return
        }
        #expect(reason.contains("http: HTTP 503"))
        #expect(urls.count > 3, "retried every 10s")
        #expect(urls.allSatisfy { $0.hasPrefix("http://dash/zone1-") })

        let second = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
        var calls = 0
        second.checkResult = { _, _ in
            calls += 1
            return CheckResult(passed: calls > 2, detail: calls > 2 ? "HTTP 200" : "HTTP 503")
        }
        #expect(try second.run() == .done)
        #expect(calls == 3)
    }

    @Test("A soak keeps running checks for its duration and fails on the first failure")
    func soak() throws {
        let plan =
            header + """
                  stages:
                    - name: canary
                      release: tablets
                      select: {keyspace: commerce, pool: rdonly, cell: zone1}
                      soak: 2m
                      healthChecks: [{replicationLag: {max: 10s}}]
                """
        let passing = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
        #expect(try passing.run() == .done)
        #expect(passing.runChecks >= 12, "checked every 10s over the 2m soak: \(passing.runChecks)")
        let soakDone = try #require(passing.events.first { $0.step == "soak/canary" && $0.type == "done" })
        let soakStart = try #require(passing.events.first { $0.step == "soak/canary" && $0.type == "started" })
        #expect(soakDone.at.timeIntervalSince(soakStart.at) >= 120)

        let failing = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
        var calls = 0
        failing.checkResult = { _, _ in
            calls += 1
            return CheckResult(passed: calls < 5, detail: calls < 5 ? "lag 0s" : "lag 42s")
        }
        guard case .paused(let step, let reason) = try failing.run() else {
            Issue.record("expected a pause")
            return
        }
        #expect(step == "soak/canary")
        #expect(reason.contains("lag 42s"))
    }

    @Test("A soak that failed starts over on a resume, with its checks, for its whole duration")
    func soakRestartsOnResume() throws {
        let plan =
            header + """
                  stages:
                    - name: canary
                      release: tablets
                      select: {keyspace: commerce, pool: rdonly, cell: zone1}
                      soak: 2m
                      healthChecks: [{replicationLag: {max: 10s}}]
                """
        let harness = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
        var failing = true
        harness.checkResult = { _, context in
            let fails = failing && context.values["step"] == "soak/canary"
            return CheckResult(passed: !fails, detail: fails ? "lag 42s" : "lag 0s")
        }
        guard case .paused(let step, _) = try harness.run() else {
            Issue.record("expected a pause")
            return
        }
        #expect(step == "soak/canary")
        harness.clock.advance(by: 3600)
        failing = false
        let checksBefore = harness.runChecks
        harness.crashAndResume()
        let resumedAt = harness.now
        #expect(try harness.run() == .done)
        let restarted = try #require(
            harness.events.last { $0.step == "soak/canary" && $0.type == "started" && $0.at >= resumedAt })
        let done = try #require(harness.events.last { $0.step == "soak/canary" && $0.type == "done" })
        #expect(done.at.timeIntervalSince(restarted.at) >= 120)
        #expect(harness.runChecks - checksBefore >= 12, "checked again over the whole soak")
    }

    @Test("A soak's checks see what its stage's tablets share: a canary's alias, a shard's keyspace and shard")
    func soakContext() throws {
        func urls(select: String) throws -> Set<String> {
            let plan =
                header + """
                      stages:
                        - name: canary
                          release: tablets
                          select: \(select)
                          soak: 1m
                          healthChecks:
                            - http: {url: "http://dash/{{keyspace}}/{{shard}}/{{tablet.alias}}", expectStatus: 200}
                    """
            let harness = try ExecutorHarness(plan: plan, options: ExecutorOptions(checkInterval: .seconds(10)))
            var seen: Set<String> = []
            harness.checkResult = { check, context in
                if case .http(let http) = check, context.values["step"] == "soak/canary" {
                    seen.insert(context.fill(http.url))
                }
                return CheckResult(passed: true, detail: "HTTP 200")
            }
            #expect(try harness.run() == .done)
            return seen
        }
        let canary = try urls(select: "{keyspace: customer, shard: \"-80\", pool: rdonly, limit: 1}")
        #expect(canary.count == 1)
        let url = try #require(canary.first)
        #expect(url.hasPrefix("http://dash/customer/-80/zone"), "\(url)")
        #expect(!url.contains("{{"), "\(url)")
        let shard = try urls(select: "{keyspace: customer, shard: \"-80\"}")
        // Several tablets share no alias: that placeholder stays as written.
        #expect(shard == ["http://dash/customer/-80/{{tablet.alias}}"], "\(shard)")
    }

    @Test("A wait gate counts down in plan time; the time scale shortens it")
    func waitGate() throws {
        let plan =
            header + """
                  stages:
                    - name: pause
                      gate: {wait: {duration: 10m}}
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                """
        let harness = try ExecutorHarness(plan: plan, options: ExecutorOptions(timeScale: 10))
        #expect(try harness.run() == .done)
        let first = try #require(harness.releases.first)
        #expect(first.at >= 60 && first.at <= 62, "10m at a time scale of 10 is 60s: \(first.at)")
    }

    @Test("A primary is re-checked right before its release: a shard that degraded since planning stops it")
    func primaryRecheckedBeforeRelease() throws {
        let plan =
            header + """
                  stages:
                    - name: commerce
                      release: tablets
                      select: {keyspace: commerce}
                      timeout: 10m
                """
        let harness = try ExecutorHarness(plan: plan)
        let shard = try #require(harness.initial.shards.first { $0.keyspace == "commerce" })
        let primary = try #require(shard.tablets.first { $0.isPrimary })
        let primaryStep = "tablet/\(primary.alias)"
        // Run until one replica is left in flight, then take the rolled ones down: when the last
        // replica finishes, the primary's turn comes in a shard that is no longer healthy.
        let others = shard.tablets.filter { $0.alias != primary.alias }
        try harness.run { harness in
            harness.executor.state.steps.filter { $0.key.hasPrefix("tablet/") && $0.key != primaryStep }
                .filter { $0.value.phase == .done }.count == others.count - 1
        }
        let inFlight = harness.executor.state.steps.first { $0.key.hasPrefix("tablet/") && $0.value.phase == .released }
        for tablet in others where "tablet/\(tablet.alias)" != inFlight?.key {
            _ = try harness.sandbox.store.mutate(.pod, namespace: "example", name: try #require(tablet.podName)) {
                $0[path: ["status", "conditions"]] = [["type": "Ready", "status": "False"]]
            }
        }
        guard case .paused(let step, let reason) = try harness.run() else {
            Issue.record("expected a pause")
            return
        }
        #expect(step == primaryStep || step == inFlight?.key)
        #expect(reason.contains("timed out"))
        #expect(harness.deletions()[try #require(primary.podName)] == nil, "the primary was never released")
        #expect(!harness.releases.contains { $0.step == primaryStep })
    }
}

@Suite("Checkpoint document")
struct RunStateTests {
    @Test("Timestamps are written and read by hand exactly as ISO8601DateFormatter would, across eras and leap days")
    func timestampsMatchTheFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        let fixed: [Double] = [
            0, -1, 951_782_400, 1_709_164_800.999, 4_102_444_799.5, 1_800_000_000.123, -86_400 * 365.25 * 30,
        ]
        let random = (0..<2000).map { _ in
            Double(Int64.random(in: -2_000_000_000_000...5_000_000_000_000, using: &generator)) / 1000
        }
        for seconds in fixed + random {
            let date = Date(timeIntervalSince1970: seconds)
            let ours = RunStateCoding.timestamp(date)
            #expect(ours == formatter.string(from: date), "\(seconds)")
            let back = RunStateCoding.parseTimestamp(ours)
            #expect(back.map { abs($0.timeIntervalSince(date)) <= 0.0005 } == true, "\(ours)")
            #expect(back.map(RunStateCoding.timestamp) == ours, "a round trip keeps the text")
        }
        #expect(RunStateCoding.parseTimestamp("2026-11-22T18:16:15Z") != nil, "without milliseconds, by the formatter")
        #expect(RunStateCoding.parseTimestamp("2026-13-22T18:16:15.000Z") == nil)
    }

    @Test("Round trip keeps every field and the graph hash")
    func roundTrip() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        try harness.run(stopAfterReleases: 4)
        let state = harness.saved
        let data = try RunStateCoding.encode(state)
        let decoded = try RunStateCoding.decode(data)
        #expect(decoded.graph.hash == state.graphHash)
        #expect(decoded.steps == state.steps)
        #expect(decoded.events.count == state.events.count)
        #expect(try RunStateCoding.encode(decoded) == data, "the same state is the same bytes")
    }

    @Test(
        "Unusable documents are refused with a reason",
        arguments: [
            ("not json", "not a JSON object"),
            (#"{"apiVersion": "vtop-rollout/state-v9"}"#, "apiVersion is 'vtop-rollout/state-v9'"),
            (#"{"kind": "x"}"#, "apiVersion is missing"),
            (#"{"apiVersion": "vtop-rollout/state-v1"}"#, "is missing"),
        ])
    func refused(text: String, message: String) {
        #expect {
            try RunStateCoding.decode(Data(text.utf8))
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("An edited graph no longer matches its hash")
    func tamperedGraph() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        var state = harness.saved
        state.graph.steps.removeLast()
        let data = try RunStateCoding.encode(state)
        #expect(throws: StateError.self) { try RunStateCoding.decode(data) }
    }
}

@Suite("Time windows")
struct TimeWindowTests {
    // 2026-11-23 is a Monday.
    let monday0930 = Date(timeIntervalSince1970: 1_795_426_200)

    @Test func insideAndOutside() {
        let weekdays = TimeWindow(days: [.mon, .tue], fromMinute: 9 * 60, toMinute: 16 * 60)
        #expect(weekdays.contains(monday0930))
        #expect(!weekdays.contains(monday0930.addingTimeInterval(7 * 3600)))
        #expect(!weekdays.contains(monday0930.addingTimeInterval(-86_400)), "Sunday")
        #expect(weekdays.nextOpening(after: monday0930) == monday0930.addingTimeInterval(86_400 - 1800))
    }

    @Test func spanningMidnight() {
        let night = TimeWindow(days: [.sun], fromMinute: 22 * 60, toMinute: 4 * 60)
        let sunday2300 = monday0930.addingTimeInterval(-(10 * 3600 + 30 * 60))
        #expect(night.contains(sunday2300))
        #expect(night.contains(monday0930.addingTimeInterval(-6 * 3600)), "Monday 03:30 is Sunday night's window")
        #expect(!night.contains(monday0930))
        #expect(night.nextOpening(after: monday0930) == sunday2300.addingTimeInterval(7 * 86_400 - 3600))
    }
}

@Suite("State file schema")
struct StateSchemaTests {
    @Test(
        "Saved states of paused, waiting, interrupted and finished runs validate against schemas/state-file.schema.json"
    )
    func savedStatesValidate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-state-schema-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var files: [String] = []
        var types: Set<String> = []
        let plans = [
            header + """
                  stages:
                    - {name: canary, release: tablets, select: {keyspace: commerce, pool: rdonly}, soak: 1m,
                       healthChecks: [{replicationLag: {max: 10s}}, {http: {url: "http://x/{{tablet.alias}}"}},
                                      {command: {argv: ["true"]}}]}
                    - {name: gate, gate: {approval: {message: ok?}}}
                    - {name: window, gate: {window: {allowed: [{days: [Mon], from: "09:00", to: "17:00"}]}}}
                    - {name: rest, release: tablets}
                """,
            allTablets,
        ]
        for (index, plan) in plans.enumerated() {
            let harness = try ExecutorHarness(plan: plan)
            try harness.run()
            types.formUnion(harness.events.map(\.type))
            let file = dir.appendingPathComponent("state-\(index).json")
            try RunStateCoding.encode(harness.saved).write(to: file)
            files.append(file.path)
        }
        let schema = Snapshot.root.appendingPathComponent("schemas/state-file.schema.json")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: schema)) as? [String: Any])
        let defs = try #require(json["$defs"] as? [String: Any])
        let event = try #require((defs["event"] as? [String: Any])?["properties"] as? [String: Any])
        let allowed = Set(try #require((event["type"] as? [String: Any])?["enum"] as? [String]))
        #expect(types.isSubset(of: allowed), "event types missing from the schema: \(types.subtracting(allowed))")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                "python3", Snapshot.root.appendingPathComponent("Tests/RolloutPlanTests/schema_check.py").path,
                schema.path,
            ]
            + files
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 3 || process.terminationStatus == 127 {
            print("skipping the Python schema check: python3 with jsonschema and PyYAML is not available")
            return
        }
        let verdicts = try #require(try JSONSerialization.jsonObject(with: data) as? [String: String])
        for file in files { #expect(verdicts[file] == "valid", "\(file): \(verdicts[file] ?? "missing")") }
    }
}

@Suite("Live view")
struct RunProgressTests {
    @Test("Stages with bars and counts, the shards in flight with what they wait for, time left, and a stall warning")
    func frame() throws {
        let harness = try ExecutorHarness(plan: allTablets)
        try harness.run(stopAfterReleases: 6)
        let state = harness.executor.state
        let frame = RunProgress(stallAfter: 300, width: 120).render(state, now: harness.now)
        let lines = frame.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("tablets "))
        #expect(lines[0].contains("[") && lines[0].contains("in flight"))
        #expect(lines[1].hasPrefix("vtgate "))
        #expect(lines.contains("in flight:"))
        #expect(lines.contains { $0.hasPrefix("  customer/") || $0.hasPrefix("  commerce/") })
        #expect(lines.last?.hasPrefix("elapsed ") == true)
        #expect(lines.last?.contains("left (critical path)") == true)
        #expect(!frame.contains("warning"))
        let stalled = RunProgress(stallAfter: 300).render(state, now: harness.now.addingTimeInterval(3600))
        #expect(stalled.contains("warning: no step has finished for"))
        #expect(
            RunProgress(width: 60).render(state, now: harness.now).split(separator: "\n").allSatisfy { $0.count <= 60 })
    }
}
