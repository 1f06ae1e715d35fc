import ArgumentParser
import Foundation
import KubeClient
import RolloutEngine
import RolloutPlan
import RolloutRuntime
import VitessModel

#if canImport(Glibc)
    import Glibc
#endif

/// The options `plan apply` and `finish` share.
struct ApplyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Where the checkpoint goes: a file, or configmap:NAMESPACE/NAME (default: ./PLAN-NAME.vtop-state.json).",
            valueName: "state"))
    var state: String?

    @Flag(help: "Continue the run recorded in the state; its phases are re-derived from the cluster.")
    var resume = false

    @Flag(help: "Print the steps that would start now, and exit without changing anything.")
    var dryRun = false

    @Flag(name: [.short, .long], help: "Do not ask for confirmation before the first release.")
    var yes = false

    @Flag(help: "Never prompt at approval gates: save the state and exit with code 3 instead.")
    var noPrompt = false

    @Flag(help: "Accept releasing a primary that has no reparent candidate (the shard goes down).")
    var allowDowntime = false

    @Flag(help: "Take the lock over from another run (only when that run is gone).")
    var forceUnlock = false

    @Option(name: [.short, .customLong("output")], help: "Progress output: text or jsonl.")
    var output: RunOutputFormat = .text

    @Option(help: "How often a failing or soaking http, command or replicationLag check runs again.")
    var checkInterval: String = "5s"

    @Option(
        help: ArgumentHelp(
            "Run plan durations (timeouts, soaks, waits, pacing) this many times faster: for rehearsals on a "
                + "sandbox started with the same --speed.", valueName: "factor"))
    var timeScale: Double = 1

    @Option(help: "Who runs this, for approvals and audit Events (default: the kubeconfig user, then $USER).")
    var actor: String?

    func validate() throws {
        if PlanDuration(parsing: checkInterval) == nil {
            throw ValidationError("--check-interval '\(checkInterval)' is not a duration such as 5s")
        }
        if !(timeScale > 0) { throw ValidationError("--time-scale must be above 0") }
    }
}

/// Progress formats.
enum RunOutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case jsonl
}

/// `plan apply` and `finish`: load, check, compile or resume, lock, run, and map the outcome to an
/// exit code. Everything that decides is in the engine; this is wiring.
struct ApplyFlow {
    let options: ApplyOptions
    let cluster: ClusterOptions
    let color: ColorOptions

    /// Runs `bytes` (the plan file's content, or the built-in plan's) read from `path`.
    func run(planBytes bytes: [UInt8], path: String?) async throws {
        let source = String(decoding: bytes, as: UTF8.self)
        let parsed = PlanParser.parse(bytes)
        let renderer = DiagnosticRenderer(color: color.useColor(environment: ProcessInfo.processInfo.environment))
        guard let plan = parsed.plan, !parsed.diagnostics.hasErrors else {
            FileHandle.standardError.write(
                Data(renderer.render(parsed.diagnostics, file: path ?? "plan", source: source).utf8))
            throw CommandFailure(message: "the plan is invalid", code: Exit.invalidInput)
        }
        let client = try cluster.connect(namespace: plan.namespace)
        let namespace = client.defaultNamespace
        let inventory: Inventory
        do {
            inventory = try await InventoryLoader.inventory(from: client, cluster: plan.cluster, namespace: namespace)
        } catch let error as InventoryError {
            throw CommandFailure(message: error.description, code: Exit.invalidInput)
        } catch {
            throw CommandFailure(message: "cannot read the cluster: \(error)", code: Exit.failed)
        }
        let identity = ClusterIdentity(
            server: client.connection.server, namespace: namespace, name: plan.cluster, uid: inventory.cluster.uid)
        let planHash = SHA256.hex(bytes)
        let store: any StateStore
        let existing: RunState?
        do {
            store = try StateLocation.store(options.state, planName: plan.name, api: client)
            existing = try await store.load()
        } catch let error as StateError {
            throw CommandFailure(message: error.description, code: Exit.invalidInput)
        }
        let state: RunState
        if options.resume {
            state = try resumable(existing, store: store, planHash: planHash, identity: identity)
        } else {
            if let existing, existing.status == .aborted {
                throw CommandFailure(
                    message:
                        "\(store.location) records an aborted run of plan \(existing.plan.name); remove it to start "
                        + "a new run", code: Exit.invalidInput)
            }
            if let existing, existing.status != .done {
                let status = existing.status == .waitingApproval ? "waiting for approval" : existing.status.rawValue
                throw CommandFailure(
                    message:
                        "\(store.location) records an unfinished run of plan \(existing.plan.name) (\(status)); "
                        + "continue it with \(resumeCommand(path: path)), or remove the state to start over",
                    code: Exit.invalidInput)
            }
            if existing?.status == .done {
                notice(
                    "\(store.location) records a finished run of plan \(existing?.plan.name ?? ""); starting a new one")
            }
            let result = Planner.compile(
                plan, against: inventory, options: PlannerOptions(allowDowntime: options.allowDowntime))
            let findings = (parsed.diagnostics + result.diagnostics).sortedByPosition()
            if !findings.isEmpty {
                FileHandle.standardError.write(
                    Data(renderer.render(findings, file: path ?? "plan", source: source).utf8))
            }
            guard let graph = result.graph else {
                throw CommandFailure(message: "the plan does not fit the cluster", code: Exit.invalidInput)
            }
            state = RunState(
                plan: PlanIdentity(name: plan.name, hash: planHash, path: path), cluster: identity, graph: graph,
                inventory: inventory, now: Date())
        }
        if state.status == .done {
            notice("run of plan \(state.plan.name) is already done (\(store.location))")
            return
        }
        let interactive = isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1
        let prompting = interactive && !options.noPrompt
        let executorOptions = ExecutorOptions(
            allowDowntime: options.allowDowntime,
            checkInterval: PlanDuration(parsing: options.checkInterval) ?? .seconds(5), timeScale: options.timeScale,
            approvalsByPrompt: prompting, resumeCommand: resumeCommand(path: path))
        let executor = Executor(graph: state.graph, state: state, options: executorOptions)
        if options.dryRun {
            dryRun(executor, inventory: inventory, store: store)
            return
        }
        if interactive && !options.yes {
            Console.write(GraphRenderer.text(state.graph, estimate: CriticalPath(state.graph)))
            let verb = options.resume ? "Resume" : "Apply"
            guard
                Prompt.confirm(
                    "\(verb) plan \(plan.name) on VitessCluster \(namespace)/\(plan.cluster) at \(identity.server)?")
            else {
                Console.line("not confirmed; nothing was changed")
                return
            }
        }
        let actor =
            options.actor ?? client.connection.userName ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        // Caught from here on: a signal before the run starts ends it at once, cleanly, with the Lease given back.
        let interrupts = await Signals.interrupts()
        let lock = LeaseLock(
            api: client, namespace: namespace, cluster: plan.cluster, holder: LeaseLock.defaultHolder(user: actor))
        do {
            try await lock.acquire(plan: plan.name, hash: planHash, force: options.forceUnlock)
        } catch let held as LeaseLock.Held {
            throw CommandFailure(message: held.description, code: Exit.locked)
        } catch {
            throw CommandFailure(message: "cannot take the lock: \(error)", code: Exit.failed)
        }
        let printer = RunPrinter(
            format: options.output, color: color.useColor(environment: ProcessInfo.processInfo.environment),
            live: isatty(STDOUT_FILENO) == 1, timeScale: options.timeScale)
        if options.output == .text {
            Console.line(
                "\(options.resume ? "resuming" : "applying") plan \(plan.name) (\(state.graph.steps.count) steps) on "
                    + "\(namespace)/\(plan.cluster); state: \(store.location)")
        }
        var ask: (@Sendable (String, String?) async -> Bool)?
        if prompting {
            ask = { @Sendable gate, message in
                printer.suspend(true)
                defer { printer.suspend(false) }
                return await Prompt.approve(gate: gate, message: message)
            }
        }
        let runner = PlanRunner(
            api: client, store: store, actor: actor, lock: lock, prompt: ask, output: { printer.print($0) },
            progress: { printer.update($0) })
        let outcome: RunOutcome
        do {
            outcome = try await runner.run(executor, interrupts: interrupts)
            printer.finish()
        } catch let stop as PlanRunner.Stop {
            if case .lockLost = stop { throw CommandFailure(message: stop.description, code: Exit.locked) }
            throw CommandFailure(message: stop.description, code: Exit.failed)
        } catch let error as StateError {
            throw CommandFailure(message: "cannot save the state: \(error)", code: Exit.failed)
        }
        switch outcome {
        case .done: return
        default: throw ExitCode(outcome.exitCode)
        }
    }

    /// A remark about the run as a whole: on standard output in text mode, on standard error under
    /// `-o jsonl`, whose standard output carries only events.
    private func notice(_ text: String) {
        if options.output == .text {
            Console.line(text)
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// The command that continues this run: `finish --resume` for the built-in plan.
    private func resumeCommand(path: String?) -> String {
        let state = options.state.map { " --state \($0)" } ?? ""
        if let path, path.hasPrefix(DefaultPlan.pathPrefix) { return "vtop-rollout finish --resume\(state)" }
        return "vtop-rollout plan apply \(path ?? "PLAN") --resume\(state)"
    }

    private func resumable(_ existing: RunState?, store: any StateStore, planHash: String, identity: ClusterIdentity)
        throws -> RunState
    {
        guard let existing else {
            throw CommandFailure(
                message: "there is no state at \(store.location) to resume; run without --resume to start",
                code: Exit.invalidInput)
        }
        if existing.plan.hash != planHash {
            throw CommandFailure(
                message: "the plan changed since this run started (sha256 \(existing.plan.hash.prefix(12)) then, "
                    + "\(planHash.prefix(12)) now); restore it, or finish the old run's plan first",
                code: Exit.invalidInput)
        }
        if let mismatch = existing.cluster.mismatch(with: identity) {
            throw CommandFailure(message: "this is a different cluster: \(mismatch)", code: Exit.invalidInput)
        }
        if existing.status == .aborted {
            throw CommandFailure(
                message: "the run in \(store.location) was aborted; remove it to start a new run",
                code: Exit.invalidInput)
        }
        return existing
    }

    private func dryRun(_ executor: Executor, inventory: Inventory, store: any StateStore) {
        var copy = executor
        let actions = copy.handle(.observed(inventory), now: Date())
        let releases = actions.compactMap { action -> String? in
            if case .release(let step, let target) = action {
                return "  \(step): add \(RolloutAnnotation.released) to \(target.objectKind) \(target.objectName)"
            }
            return nil
        }
        Console.line("dry run: \(executor.graph.steps.count) steps; state would go to \(store.location)")
        Console.line(releases.isEmpty ? "nothing would be released right now" : "would release now:")
        releases.forEach { Console.line($0) }
        for action in actions {
            if case .emit(let event) = action,
                ["waiting", "gate-waiting", "adopted", "skipped", "done"].contains(event.type),
                event.step?.hasPrefix("stage/") == false
            {
                Console.line("  \(event.message)")
            }
        }
    }
}

/// Questions on the terminal.
enum Prompt {
    /// Asks a yes/no question; anything but y or yes is no.
    static func confirm(_ question: String) -> Bool {
        Console.write("\(question) [y/N] ")
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        return answer == "y" || answer == "yes"
    }

    /// Asks at an approval gate, off the cooperative pool since reading blocks.
    static func approve(gate: String, message: String?) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    returning: confirm("Approval gate \(gate)\(message.map { ": \($0)" } ?? ""). Approve?"))
            }
        }
    }
}

/// SIGINT and SIGTERM as a stream: the first asks the run to stop cleanly; a second exits at once
/// (the state file is written atomically, so it is consistent whenever the process dies).
enum Signals {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Catches SIGINT and SIGTERM. Returns once both handlers are registered: between `SIG_IGN`
    /// and the registration (which `resume()` only schedules) a signal would be dropped.
    static func interrupts() async -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let count = Counter()
        let registered = DispatchGroup()
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            registered.enter()
            source.setRegistrationHandler { registered.leave() }
            source.setEventHandler {
                if count.increment() > 1 {
                    FileHandle.standardError.write(Data("second signal: exiting now\n".utf8))
                    exit(Exit.interrupted.rawValue)
                }
                FileHandle.standardError.write(
                    Data("signal received: finishing in-flight calls and saving the state (again to exit now)\n".utf8))
                continuation.yield()
            }
            source.resume()
            sources.append(source)
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            registered.notify(queue: .global()) { done.resume() }
        }
        return stream
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int {
            lock.lock()
            defer { lock.unlock() }
            value += 1
            return value
        }
    }
}

/// Writes run events: one line each (text), or one JSON object per line (jsonl, docs/plan-apply.md).
/// On a terminal, text mode also keeps a live view (`RunProgress`) redrawn under the scrolling
/// lines, and leaves the "waiting for" lines to it.
final class RunPrinter: @unchecked Sendable {
    let format: RunOutputFormat
    let color: Bool
    let live: Bool
    let timeScale: Double
    private let lock = NSLock()
    private var footerLines = 0
    private var state: RunState?
    private var ticker: Task<Void, Never>?
    private var suspended = false

    init(format: RunOutputFormat, color: Bool, live: Bool = false, timeScale: Double = 1) {
        self.format = format
        self.color = color
        self.live = live && format == .text
        self.timeScale = timeScale
        if self.live {
            ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    self?.redraw()
                }
            }
        }
    }

    deinit { ticker?.cancel() }

    /// The latest state, for the live view.
    func update(_ state: RunState) {
        guard live else { return }
        lock.lock()
        self.state = state
        lock.unlock()
        redraw()
    }

    /// Stops the live view, leaving its last frame on the screen.
    func finish() {
        ticker?.cancel()
        lock.lock()
        footerLines = 0
        lock.unlock()
    }

    func print(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch format {
        case .jsonl:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(RunStateCoding.timestamp(date))
            }
            if let data = try? encoder.encode(event) { Console.line(String(decoding: data, as: UTF8.self)) }
        case .text:
            if live && event.type == "waiting" { return }
            let time = RunStateCoding.timestamp(event.at).dropFirst(11).prefix(8)
            let marker =
                switch event.type {
                case "failed", "check-failed", "patch-failed": paint("!", 31)
                case "done", "approved": paint("✓", 32)
                case "waiting", "gate-waiting": paint("…", 33)
                case "finished": paint("■", 1)
                default: "·"
                }
            Console.write(erase() + "\(time) \(marker) \(event.message)\n" + footer())
        }
    }

    /// Hides the live view while a question waits for an answer on the terminal.
    func suspend(_ suspended: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if suspended { Console.write(erase()) }
        footerLines = 0
        self.suspended = suspended
    }

    private func redraw() {
        lock.lock()
        defer { lock.unlock() }
        guard live, state != nil, !suspended else { return }
        Console.write(erase() + footer())
    }

    /// Moves up over the previous frame and clears it.
    private func erase() -> String {
        guard live, footerLines > 0 else { return "" }
        return "\u{1B}[\(footerLines)A\u{1B}[J"
    }

    private func footer() -> String {
        guard live, !suspended, let state else { return "" }
        let width = Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 100
        let text = RunProgress(width: width).render(state, now: Date(), timeScale: timeScale)
        let frame = paint(String(repeating: "─", count: min(width, 60)), 2) + "\n" + text
        footerLines = frame.filter { $0 == "\n" }.count
        return frame
    }

    private func paint(_ text: String, _ code: Int) -> String { color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}

/// Unbuffered standard output: progress lines must reach a pipe (CI logs, `tee`, a parent process)
/// when they happen, not when a buffer fills.
enum Console {
    static func line(_ text: String) { write(text + "\n") }

    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
}
