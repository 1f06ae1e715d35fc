import Foundation
import RolloutEngine
import VitessSandbox

/// `vtop-bench soak`: fault soak (design §9, "Faults"). One uninterrupted `vtop-rollout plan apply` rolls every
/// tablet while the sandbox answers some requests with 500, some with 429 and `Retry-After`, some PATCHes with 409,
/// and cuts watch streams every few seconds. It must finish (exit 0) with the same final state and the same rules
/// kept as without faults, and the sandbox's own counters show the faults really happened.
///
///   swift run -c release vtop-bench soak            # 4 keyspaces x 9 shards x 3 tablets = 108
///   swift run -c release vtop-bench soak --quick    # 1 x 2 x 3 = 6 tablets, as CI runs it
///
/// Exits 1 when the run does not finish or a rule is broken.
enum SoakBenchmark {
    /// The faults, as `vtop-rollout sandbox --fault` spells them. The drop rate is per bookmark tick (one a
    /// second on each of the run's watches), so each watch is cut every five seconds or so.
    static let defaultFaults = [
        "error-rate=0.10", "throttle-rate=0.05", "conflict-rate=0.10", "drop-watch-rate=0.20",
    ]

    /// What the command line asked for.
    struct Settings {
        var quick = false
        var seed: UInt64 = 1
        var speed = 100.0
        var faults: [String] = []
        var timeout: Double?

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            let usage = "usage: vtop-bench soak [--quick] [--seed S] [--speed X] [--fault F]... [--timeout SECONDS]"
            while let argument = rest.popFirst() {
                switch argument {
                case "--quick": quick = true
                case "--seed": seed = rest.popFirst().flatMap { UInt64($0) } ?? seed
                case "--speed": speed = rest.popFirst().flatMap(Double.init) ?? 0
                case "--fault": faults.append(rest.popFirst() ?? "")
                case "--timeout": timeout = rest.popFirst().flatMap(Double.init)
                default: throw RolloutBenchmark.Failure("unknown argument '\(argument)'; \(usage)")
                }
            }
            guard speed > 0, (timeout ?? 1) > 0 else {
                throw RolloutBenchmark.Failure("numbers must be above 0; \(usage)")
            }
            if faults.isEmpty { faults = SoakBenchmark.defaultFaults }
        }

        var shape: (keyspaces: Int, shards: Int) { quick ? (1, 2) : (4, 9) }
        var shardsAtOnce: Int { quick ? 2 : 6 }
        /// Real seconds the run may take before it counts as stuck.
        var limit: Double { timeout ?? (quick ? 120 : 1200) }
    }

    /// Runs the soak and prints its report; blocks the calling (main) thread until done.
    static func main(_ arguments: [String]) -> Int32 {
        blocking("vtop-bench soak") { try await run(try Settings(arguments)) }
    }

    static func run(_ settings: Settings) async throws -> Int32 {
        let begin = Date()
        let faults = try FaultSettings(flags: settings.faults)
        let (keyspaces, shards) = settings.shape
        let tablets = keyspaces * shards * 3
        guard FileManager.default.isExecutableFile(atPath: ChildProcess.vtopRollout.path) else {
            throw RolloutBenchmark.Failure("\(ChildProcess.vtopRollout.path) is not built; build vtop-rollout too")
        }
        // The setup (image change, waiting for it to be scheduled) runs without faults; the run gets all of them.
        let started = try await RolloutBenchmark.start(
            keyspaces: keyspaces, shards: shards, speed: settings.speed, faultSeed: settings.seed)
        let sandbox = started.sandbox
        let directory = started.directory
        let round = RolloutRound(number: 1, image: RolloutBenchmark.newImage, sandbox: sandbox)
        try RolloutBenchmark.plan(name: "soak", shards: settings.shardsAtOnce).write(
            to: directory.appendingPathComponent("soak.yaml"), atomically: true, encoding: .utf8)
        let logURL = directory.appendingPathComponent("apply.jsonl")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        let requestsBefore = sandbox.requestCount
        let injectedBefore = sandbox.injectedFaults
        sandbox.requestFaults = faults.request
        let runStart = Date()
        let child = try ChildProcess(
            [
                "plan", "apply", "soak.yaml", "--kubeconfig", started.kubeconfig, "--time-scale",
                String(settings.speed), "--no-prompt", "-o", "jsonl",
            ], in: directory, log: log)
        var ending = await child.wait(atMost: settings.limit)
        if ending == nil {
            child.killNow()
            _ = await child.wait()
        }
        let runTime = Date().timeIntervalSince(runStart)
        sandbox.requestFaults = RequestFaults()
        try? log.close()
        let injected = sandbox.injectedFaults
        let requests = sandbox.requestCount - requestsBefore

        var violations: [String] = []
        switch ending {
        case .exited(0)?: break
        case let other?: violations.append("plan apply ended with \(other), not exit 0")
        case nil: violations.append("plan apply did not finish within \(Int(settings.limit)) s")
        }
        violations += round.violations(sandbox)
        let facts = round.facts(sandbox)
        // What the run itself reported: releases retried after a failed patch, watches it had to reopen.
        let events = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        var eventCounts: [String: Int] = [:]
        for line in events.split(separator: "\n") {
            guard let data = line.data(using: .utf8),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let type = object["type"] as? String
            else { continue }
            eventCounts[type, default: 0] += 1
        }
        let skipped = eventCounts["skipped"] ?? 0
        if skipped > 0 { violations.append("\(skipped) steps were skipped") }
        if injected.errors == injectedBefore.errors && faults.request.errorRate > 0 {
            violations.append("no 500 was injected: the soak proves nothing")
        }
        ending = ending ?? .signalled(SIGKILL)

        print(
            "vtop-bench soak\(settings.quick ? " --quick" : "") (\(tablets) tablets: \(keyspaces) keyspaces x "
                + "\(shards) shards x 3; speed \(Int(settings.speed))x; seed \(settings.seed); maxConcurrent "
                + "\(settings.shardsAtOnce) shards)")
        print("faults: \(settings.faults.map { "--fault \($0)" }.joined(separator: " "))")
        print("outcome: \(ending!) after \(String(format: "%.1f", runTime)) s")
        print("API requests during the run: \(requests)")
        print(
            "injected: \(injected.errors - injectedBefore.errors) x 500, \(injected.throttles - injectedBefore.throttles) "
                + "x 429 (Retry-After: 1), \(injected.conflicts - injectedBefore.conflicts) x 409 on PATCH, "
                + "\(injected.droppedWatches - injectedBefore.droppedWatches) watches dropped")
        print(
            "seen by the executor: \(eventCounts["patch-failed"] ?? 0) release patches retried, "
                + "\(eventCounts["released"] ?? 0) releases, \(skipped) steps skipped")
        print(
            "tablets recreated: \(facts.deletions.values.reduce(0, +)) of \(tablets); most down at once in a shard: "
                + "\(facts.maxDown)")
        print("invariant violations: \(violations.count)")
        for violation in violations.prefix(50) { print("  \(violation)") }
        print("wall time: \(String(format: "%.1f", Date().timeIntervalSince(begin))) s")
        if !violations.isEmpty {
            FileHandle.standardError.write(Data("the plan apply log is kept at \(logURL.path)\n".utf8))
            started.operatorLoop.cancel()
            await started.server.shutdown()
            return 1
        }
        await started.stop()
        return 0
    }
}
