import Foundation
import Testing

/// The docs check of issue 8: every `vtop-rollout` command shown in README.md and docs/*.md is run
/// by the built binary, so a renamed flag or a removed subcommand fails here with the file and line
/// that still shows it.
///
/// Read-only commands (status, plan validate/show/schema, rbac, anything with --dry-run) run
/// against a started sandbox. Commands that would change a cluster or a state file run with no
/// cluster reachable and from an empty directory: they get past argument parsing, then stop at
/// loading the kubeconfig or the plan, which is all this check needs. `sandbox` commands run until
/// they report ready. A command is rejected when it exits 64 or prints ArgumentParser's usage error.
@Suite struct DocsCommandTests {
    /// A command line found in a fenced block.
    struct DocCommand: CustomStringConvertible {
        let file: String
        let line: Int
        let text: String
        let arguments: [String]
        var description: String { "\(file):\(line): \(text)" }
    }

    /// Lines that look like commands but cannot run as written, with the reason. Each entry must
    /// still match a line, so the list cannot outlive what it excuses.
    static let allowList: [(file: String, text: String, reason: String)] = [
        (
            "docs/sandbox.md", "vtop-rollout sandbox [--fixture FILE] [--port P]",
            "a synopsis: the brackets mark optional flags"
        )
    ]

    static let fences: Set<String> = ["sh", "bash", "shell", "console", "text"]
    static let shellFences: Set<String> = ["sh", "bash", "shell"]

    /// README.md and docs/*.md, relative to the repository root.
    static var documents: [String] {
        let docs =
            (try? FileManager.default.contentsOfDirectory(atPath: CLITests.root.appendingPathComponent("docs").path))
            ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
    }

    /// Every command line in the fenced sh, console and text blocks of one Markdown text: lines that
    /// start with `$ vtop-rollout`, and in sh blocks also lines that start with `vtop-rollout`.
    static func commands(in markdown: String, file: String) -> [DocCommand] {
        var found: [DocCommand] = []
        // The open fence's language and backtick count: as in CommonMark, only a bare fence at least
        // as long closes it, so a ```` block can show ``` blocks.
        var fence: (language: String, length: Int)?
        for (index, raw) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("```") {
                let length = line.prefix { $0 == "`" }.count
                let info = line.dropFirst(length).trimmingCharacters(in: .whitespaces)
                if let open = fence {
                    if info.isEmpty && length >= open.length { fence = nil }
                } else {
                    fence = (info, length)
                }
                continue
            }
            guard let language = fence?.language, fences.contains(language) else { continue }
            var command: Substring
            if line.hasPrefix("$ vtop-rollout") {
                command = line.dropFirst(2)
            } else if shellFences.contains(language), line.hasPrefix("vtop-rollout") {
                command = Substring(line)
            } else {
                continue
            }
            let words = shellWords(String(command))
            guard words.first == "vtop-rollout" else { continue }
            found.append(
                DocCommand(file: file, line: index + 1, text: String(command), arguments: Array(words.dropFirst())))
        }
        return found
    }

    /// Splits a shell command line into words: quotes are honoured, and the words stop at a
    /// comment, a pipe, a redirection, `&` or `;` (what follows is another program). `dir/*.ext`
    /// globs expand against the repository, as the shell would.
    static func shellWords(_ line: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            switch character {
            case "'", "\"":
                quote = character
                inWord = true
            case " ", "\t":
                if inWord { words.append(current) }
                current = ""
                inWord = false
            case "#" where !inWord, "|", ">", "<", "&", ";":
                if inWord { words.append(current) }
                return words.flatMap(expandGlob)
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words.flatMap(expandGlob)
    }

    static func expandGlob(_ word: String) -> [String] {
        guard let star = word.range(of: "/*"), !word[star.upperBound...].contains("/") else { return [word] }
        let directory = String(word[..<star.lowerBound])
        let suffix = String(word[star.upperBound...])
        let names =
            (try? FileManager.default.contentsOfDirectory(
                atPath: CLITests.root.appendingPathComponent(directory).path)) ?? []
        let matches = names.filter { $0.hasSuffix(suffix) }.sorted().map { "\(directory)/\($0)" }
        return matches.isEmpty ? [word] : matches
    }

    /// What a finished command tells about its arguments: nil when they were accepted.
    static func rejection(_ run: WatchedRun) -> String? {
        if run.timedOut {
            return
                "did not finish within \(Int(WatchedRun.deadline)) s (stdout: \(run.stdout.prefix(300)); stderr: \(run.stderr.prefix(300)))"
        }
        if run.signalled { return "crashed with signal \(run.status)" }
        // A raw Foundation error is not the one clear line every input error must be.
        if let raw = run.stderr.split(separator: "\n").first(where: { $0.contains("Error Domain=") }) {
            return "an unhandled error: \(raw)"
        }
        // ArgumentParser's usage errors exit 64 and print "Error: ..." followed by a "Usage: " line.
        let usage = run.stderr.contains("\nUsage: ") || run.stderr.hasPrefix("Usage: ")
        if run.status == 64 || usage {
            let first = run.stderr.split(separator: "\n").first.map(String.init) ?? ""
            return "exit \(run.status): \(first)"
        }
        return nil
    }

    @Test func everyDocumentedCommandIsAcceptedByTheCLI() throws {
        var commands: [DocCommand] = []
        for file in Self.documents {
            let text = try String(contentsOf: CLITests.root.appendingPathComponent(file), encoding: .utf8)
            commands += Self.commands(in: text, file: file)
        }
        // The docs show well over a hundred commands; a parser that finds few has broken.
        #expect(commands.count >= 100, "found only \(commands.count) commands")

        var unusedAllowances = Set(Self.allowList.map { "\($0.file): \($0.text)" })
        let sandbox = try SandboxProcess.start()
        defer { sandbox.stop() }
        let empty = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        // No kubeconfig anywhere and no in-cluster service account: nothing can reach a real cluster.
        let noCluster = [
            "HOME": empty.path, "KUBECONFIG": empty.appendingPathComponent("none").path,
            "KUBERNETES_SERVICE_HOST": "", "NO_COLOR": "1",
        ]
        var rejected: [String] = []
        var succeeded = 0
        for command in commands {
            if let allowed = Self.allowList.first(where: { $0.file == command.file && command.text.hasPrefix($0.text) })
            {
                unusedAllowances.remove("\(allowed.file): \(allowed.text)")
                continue
            }
            let finished: WatchedRun
            switch Self.kind(of: command.arguments) {
            case .server:
                // Our own port and kubeconfig path, so nothing collides or lands in the repository.
                var arguments = Self.removingOption("--kubeconfig-out", from: command.arguments)
                arguments = Self.removingOption("--port", from: arguments)
                arguments += [
                    "--port", "0", "--kubeconfig-out", empty.appendingPathComponent("\(command.line).kubeconfig").path,
                ]
                finished = try WatchedRun.start(
                    arguments, environment: noCluster, in: CLITests.root, ready: { $0.hasPrefix("sandbox ready") })
            case .readOnly:
                finished = try WatchedRun.start(
                    command.arguments, environment: noCluster.merging(["KUBECONFIG": sandbox.kubeconfig]) { $1 },
                    in: CLITests.root)
            case .changesThings:
                finished = try WatchedRun.start(command.arguments, environment: noCluster, in: empty)
            }
            if let reason = Self.rejection(finished) { rejected.append("\(command): \(reason)") }
            if Self.kind(of: command.arguments) == .readOnly && finished.status == 0 { succeeded += 1 }
        }
        // Most read-only commands name real objects and files, so the sandbox answers them; if none
        // succeeded, the check ran against nothing.
        #expect(succeeded >= 20, "only \(succeeded) read-only commands succeeded against the sandbox")
        #expect(rejected.isEmpty, "the CLI rejects these documented commands:\n\(rejected.joined(separator: "\n"))")
        #expect(unusedAllowances.isEmpty, "allow-list entries that match no command: \(unusedAllowances.sorted())")
    }

    enum Kind { case server, readOnly, changesThings }

    static func kind(of arguments: [String]) -> Kind {
        if arguments.first == "sandbox" { return .server }
        if arguments.contains("--dry-run") { return .readOnly }
        switch (arguments.first, arguments.dropFirst().first) {
        case ("status", _) where !arguments.contains("--watch"): return .readOnly
        case ("plan", "validate"), ("plan", "show"), ("plan", "schema"), ("rbac", _), ("--help", _), ("--version", _):
            return .readOnly
        default: return .changesThings
        }
    }

    static func removingOption(_ name: String, from arguments: [String]) -> [String] {
        guard let index = arguments.firstIndex(of: name) else { return arguments }
        return Array(arguments[..<index] + arguments[min(index + 2, arguments.count)...])
    }

    @Test func aMistypedFlagIsRejectedAndACorrectOneIsNot() throws {
        let empty = CLITests.scratch
        let typo = try WatchedRun.start(["plan", "validate", "--ofline", "plans/x.yaml"], environment: [:], in: empty)
        #expect(Self.rejection(typo)?.hasPrefix("exit 64: Error: Unknown option '--ofline'") == true)
        let missing = try WatchedRun.start(["release", "tablet"], environment: [:], in: empty)
        #expect(Self.rejection(missing)?.hasPrefix("exit 64: Error: Missing expected argument") == true)
        let fine = try WatchedRun.start(["plan", "validate", "--offline", "plans/x.yaml"], environment: [:], in: empty)
        #expect(fine.status == 2)
        #expect(Self.rejection(fine) == nil)
    }

    @Test func theExtractorFindsCommandsAndStopsAtShellSyntax() {
        let markdown = """
            ```sh
            vtop-rollout status -n example --explain        # a comment
            vtop-rollout plan show "a b.yaml" -o dot | dot -Tsvg > plan.svg
            kubectl get pods
            ```
            ```console
            $ vtop-rollout sandbox --speed 200 &
            vtop-rollout is output here, not a command
            ```
            ```yaml
            vtop-rollout: not-a-command
            ```
            ````text
            ```
            $ vtop-rollout status --diff
            ```
            ````
            """
        let found = Self.commands(in: markdown, file: "x.md")
        #expect(found.map(\.line) == [2, 3, 7, 15])
        #expect(
            found.map(\.arguments) == [
                ["status", "-n", "example", "--explain"], ["plan", "show", "a b.yaml", "-o", "dot"],
                ["sandbox", "--speed", "200"], ["status", "--diff"],
            ])
        #expect(Self.shellWords("vtop-rollout plan validate plans/*.yaml").count == CLITests.examplePlans.count + 3)
    }
}
