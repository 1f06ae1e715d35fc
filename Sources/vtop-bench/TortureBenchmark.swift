import Foundation
import RolloutEngine
import VitessModel
import VitessSandbox

/// `vtop-bench torture`: crash torture (design §9, "Resume"). The real `vtop-rollout plan apply` is killed with
/// SIGKILL at random moments and resumed with `--resume --force-unlock`, again and again, until the rollout is done;
/// then the sandbox's history must show every tablet released and recreated exactly once, at most one tablet down
/// per shard and each primary last, and the state file must have parsed after every kill.
///
///   swift run -c release vtop-bench torture            # 4 keyspaces x 9 shards x 3 tablets = 108, 200 kills
///   swift run -c release vtop-bench torture --quick    # 1 x 2 x 3 = 6 tablets, 5 kills, as CI runs it
///
/// When a rollout ends before the kills are used up, the vttablet image changes again and another round starts,
/// so the kill count is always reached. Exits 1 on any violation.
enum TortureBenchmark {
    /// What the command line asked for.
    struct Settings {
        var quick = false
        var kills: Int?
        var seed: UInt64 = 1
        var speed = 100.0
        var maxDelay: Int?
        var attemptTimeout = 300.0

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            let usage =
                "usage: vtop-bench torture [--quick] [--kills N] [--seed S] [--speed X] [--max-delay-ms MS] "
                + "[--attempt-timeout SECONDS]"
            while let argument = rest.popFirst() {
                switch argument {
                case "--quick": quick = true
                case "--kills": kills = rest.popFirst().flatMap(Int.init)
                case "--seed": seed = rest.popFirst().flatMap { UInt64($0) } ?? seed
                case "--speed": speed = rest.popFirst().flatMap(Double.init) ?? 0
                case "--max-delay-ms": maxDelay = rest.popFirst().flatMap(Int.init)
                case "--attempt-timeout": attemptTimeout = rest.popFirst().flatMap(Double.init) ?? 0
                default: throw RolloutBenchmark.Failure("unknown argument '\(argument)'; \(usage)")
                }
            }
            guard (kills ?? 1) >= 0, speed > 0, (maxDelay ?? 1) > 0, attemptTimeout > 0 else {
                throw RolloutBenchmark.Failure("--kills wants N >= 0, the others a number above 0; \(usage)")
            }
        }

        var shape: (keyspaces: Int, shards: Int) { quick ? (1, 2) : (4, 9) }
        var killCount: Int { kills ?? (quick ? 5 : 200) }
        /// Kills land uniformly in 0..<this many real milliseconds after the child starts: some during its
        /// start-up and resume, most during releases and waits.
        var maxDelayMilliseconds: Int { maxDelay ?? (quick ? 400 : 600) }
        /// Shards in flight at once.
        var shardsAtOnce: Int { quick ? 2 : 6 }
    }

    /// What the runs saw, for the report.
    struct Tally {
        var kills = 0
        var killsBeforeFirstSave = 0
        var killsMidRelease = 0
        var killsPatchLanded = 0
        var killsPatchNotSent = 0
        var killsWhileWaiting = 0
        var resumes = 0
        var freshStarts = 0
        var stateAbsent = 0
        var stateParsed = 0
        var stateFailed = 0
        var staleTemporaryFiles = 0
        var unexpectedExits = 0
        var rounds = 0
        var tabletsRecreated = 0
        var violations: [String] = []
    }

    /// Runs the torture and prints its report; blocks the calling (main) thread until done.
    static func main(_ arguments: [String]) -> Int32 {
        blocking("vtop-bench torture") { try await run(try Settings(arguments)) }
    }

    static func run(_ settings: Settings) async throws -> Int32 {
        let begin = Date()
        let (keyspaces, shards) = settings.shape
        let tablets = keyspaces * shards * 3
        guard FileManager.default.isExecutableFile(atPath: ChildProcess.vtopRollout.path) else {
            throw RolloutBenchmark.Failure("\(ChildProcess.vtopRollout.path) is not built; build vtop-rollout too")
        }
        let started = try await RolloutBenchmark.start(
            keyspaces: keyspaces, shards: shards, speed: settings.speed, image: image(round: 1))
        let directory = started.directory
        let logURL = directory.appendingPathComponent("apply.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        var random = SplitMix64(seed: settings.seed)
        var tally = Tally()
        var round = 0
        while tally.kills < settings.killCount || round == 0 {
            round += 1
            if round > 1 { try await RolloutBenchmark.changeImage(to: image(round: round), client: started.client) }
            let judged = RolloutRound(number: round, image: image(round: round), sandbox: started.sandbox)
            let finished = try await runRound(
                round, settings: settings, started: started, log: log, random: &random, tally: &tally)
            tally.rounds = round
            let problems = judged.violations(started.sandbox)
            tally.tabletsRecreated += judged.facts(started.sandbox).deletions.values.reduce(0, +)
            tally.violations +=
                (finished ? [] : ["round \(round) did not finish"]) + problems.map { "round \(round): \($0)" }
            if !finished || !problems.isEmpty { break }
        }
        try? log.close()
        let wall = Date().timeIntervalSince(begin)
        print(
            "vtop-bench torture\(settings.quick ? " --quick" : "") (\(tablets) tablets: \(keyspaces) keyspaces x "
                + "\(shards) shards x 3; speed \(Int(settings.speed))x; seed \(settings.seed); maxConcurrent "
                + "\(settings.shardsAtOnce) shards)")
        print("rounds: \(tally.rounds) (each a whole rollout to a new vttablet image)")
        print(
            "kills: \(tally.kills) (SIGKILL 0-\(settings.maxDelayMilliseconds) ms after the child started, or, for "
                + "half of them, after its first state write)")
        print("kills before the child's first state save: \(tally.killsBeforeFirstSave)")
        print(
            "kills mid-release (an intent on disk): \(tally.killsMidRelease) (patch had reached the cluster: "
                + "\(tally.killsPatchLanded); not yet: \(tally.killsPatchNotSent))")
        print("kills while releases were in flight or waiting: \(tally.killsWhileWaiting)")
        print("resumes: \(tally.resumes) (plan apply --resume --force-unlock); fresh starts: \(tally.freshStarts)")
        print(
            "state file after a kill: \(tally.stateParsed) parsed, \(tally.stateAbsent) absent (before the first "
                + "save), \(tally.stateFailed) failed to parse")
        print("stale temporary state files left by kills: \(tally.staleTemporaryFiles)")
        print("unexpected exits: \(tally.unexpectedExits)")
        print("tablets recreated: \(tally.tabletsRecreated) (\(tablets) per round)")
        print("invariant violations: \(tally.violations.count)")
        for violation in tally.violations.prefix(50) { print("  \(violation)") }
        print("wall time: \(String(format: "%.1f", wall)) s")
        if !tally.violations.isEmpty {
            FileHandle.standardError.write(Data("the plan apply log is kept at \(logURL.path)\n".utf8))
            started.operatorLoop.cancel()
            await started.server.shutdown()
            return 1
        }
        await started.stop()
        return 0
    }

    /// The vttablet image of round `round`.
    static func image(round: Int) -> String { "vitess/lite:v22.0.\(round - 1)" }

    /// Runs one rollout to the end, killing the child until the kill budget is spent. Returns whether it finished.
    static func runRound(
        _ round: Int, settings: Settings, started: RolloutBenchmark.Started, log: FileHandle,
        random: inout SplitMix64, tally: inout Tally
    ) async throws -> Bool {
        let directory = started.directory
        let planFile = "torture-\(round).yaml"
        let statePath = directory.appendingPathComponent("torture-\(round).vtop-state.json").path
        try RolloutBenchmark.plan(name: "torture-\(round)", shards: settings.shardsAtOnce).write(
            to: directory.appendingPathComponent(planFile), atomically: true, encoding: .utf8)
        var consecutiveFailures = 0
        var attempt = 0
        while true {
            attempt += 1
            let before = FileManager.default.contents(atPath: statePath)
            let resume = before != nil
            if resume { tally.resumes += 1 } else { tally.freshStarts += 1 }
            var arguments = [
                "plan", "apply", planFile, "--state", statePath, "--kubeconfig", started.kubeconfig,
                "--time-scale", String(settings.speed), "--no-prompt", "--force-unlock",
            ]
            if resume { arguments.append("--resume") }
            log.write(
                Data("== round \(round), attempt \(attempt): vtop-rollout \(arguments.joined(separator: " "))\n".utf8))
            let child = try ChildProcess(arguments, in: directory, log: log)
            var ending: ChildProcess.Ending
            if tally.kills < settings.killCount {
                // Half the kills count from the start (they often land in start-up: reading the state,
                // listing the cluster, taking the Lease); the other half from the child's first write of
                // the state, so they land among releases, patches and checkpoints.
                var early: ChildProcess.Ending?
                if Bool.random(using: &random) {
                    early = await Self.firstWrite(of: statePath, after: before, child: child)
                }
                let delay = Int.random(in: 0..<settings.maxDelayMilliseconds, using: &random)
                if early == nil, let ended = await child.wait(atMost: Double(delay) / 1000) { early = ended }
                if let early {
                    ending = early
                } else {
                    child.killNow()
                    ending = await child.wait()
                }
            } else {
                guard let ended = await child.wait(atMost: settings.attemptTimeout) else {
                    child.killNow()
                    _ = await child.wait()
                    tally.violations.append(
                        "round \(round): an uninterrupted plan apply ran longer than \(Int(settings.attemptTimeout)) s")
                    return false
                }
                ending = ended
            }
            switch ending {
            case .signalled(SIGKILL):
                tally.kills += 1
                inspectAfterKill(
                    statePath: statePath, before: before, sandbox: started.sandbox, tally: &tally, round: round)
                consecutiveFailures = 0
            case .exited(0):
                guard let data = FileManager.default.contents(atPath: statePath),
                    let state = try? RunStateCoding.decode(data), state.status == .done
                else {
                    tally.violations.append("round \(round): plan apply exited 0 but the state does not say done")
                    return false
                }
                return true
            default:
                tally.unexpectedExits += 1
                consecutiveFailures += 1
                tally.violations.append(
                    "round \(round), attempt \(attempt): plan apply ended with \(ending) (see the log)")
                if consecutiveFailures >= 3 { return false }
            }
        }
    }

    /// Waits until the child has rewritten the state file (its content differs from `before`), for at most 10
    /// seconds; the child's ending when it ends first.
    static func firstWrite(of path: String, after before: Data?, child: ChildProcess) async -> ChildProcess.Ending? {
        for _ in 0..<2000 {
            if let ended = await child.wait(atMost: 0.005) { return ended }
            if let now = FileManager.default.contents(atPath: path), now != before { return nil }
        }
        return nil
    }

    /// After a kill: the state file must be absent (the child died before its first save) or parse; and the kill
    /// is classified by what the file says was going on.
    static func inspectAfterKill(
        statePath: String, before: Data?, sandbox: Sandbox, tally: inout Tally, round: Int
    ) {
        let directory = URL(fileURLWithPath: statePath).deletingLastPathComponent()
        let name = URL(fileURLWithPath: statePath).lastPathComponent
        let leftovers =
            (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter {
                $0.hasPrefix(".\(name).") && $0.hasSuffix(".tmp")
            } ?? []
        tally.staleTemporaryFiles = max(tally.staleTemporaryFiles, leftovers.count)
        guard let data = FileManager.default.contents(atPath: statePath) else {
            if before != nil {
                tally.stateFailed += 1
                tally.violations.append("round \(round): the state file disappeared after a kill")
            } else {
                tally.stateAbsent += 1
                tally.killsBeforeFirstSave += 1
            }
            return
        }
        let state: RunState
        do {
            state = try RunStateCoding.decode(data)
            tally.stateParsed += 1
        } catch {
            tally.stateFailed += 1
            tally.violations.append("round \(round): the state file does not parse after a kill: \(error)")
            return
        }
        if data == before {
            tally.killsBeforeFirstSave += 1
            return
        }
        let intents = state.steps.filter { $0.value.phase == .intent }
        guard !intents.isEmpty else {
            tally.killsWhileWaiting += 1
            return
        }
        tally.killsMidRelease += 1
        let landed = intents.contains { id, record in
            guard let step = state.graph.step(id) else { return false }
            return patchLanded(step, record: record, sandbox: sandbox)
        }
        if landed { tally.killsPatchLanded += 1 } else { tally.killsPatchNotSent += 1 }
    }

    /// Whether the release patch of `step` had reached the sandbox: its object carries `released`, or (for a
    /// tablet) its Pod is gone or already recreated, or (for a keyspace or shard) its change is applied.
    static func patchLanded(_ step: Step, record: StepRecord, sandbox: Sandbox) -> Bool {
        let (type, name): (ResourceType, String)
        switch step.kind {
        case .releaseTablet(let alias, _, _, let pod, _):
            (type, name) = (.pod, pod ?? OperatorNames.tabletPod(cluster: "bench", alias: alias))
        case .releaseShard(_, _, let object): (type, name) = (.vitessShard, object)
        case .releaseKeyspace(_, let object): (type, name) = (.vitessKeyspace, object)
        default: return false
        }
        guard let object = sandbox.store.get(type, namespace: sandbox.namespace, name: name) else { return true }
        let annotations = object[path: ["metadata", "annotations"]].stringMap
        if annotations[RolloutAnnotation.released] != nil { return true }
        if type == .pod { return object[path: ["metadata", "uid"]].string != record.baselineUID }
        return annotations[RolloutAnnotation.scheduled] == nil
    }
}
