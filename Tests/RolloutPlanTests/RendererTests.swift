import Foundation
import RolloutPlan
import Testing

@Suite struct RendererTests {
    static let source = """
        apiVersion: vtop-rollout/v1
        kind: RolloutPlan
        metadata: {name: demo}
        spec:
          cluster: example
          stages:
            - name: canary
              release: tablets
              selct: {keyspace: commerce}
              timeout: 30
            - name: vtgate
              release: cells
              dependsOn: [canery]

        """

    /// The text rendering is a golden file: re-record it on purpose with VTOP_RECORD_GOLDEN=1.
    @Test func textRenderingMatchesTheGoldenFile() throws {
        let result = PlanParser.parse(Self.source)
        let rendered = DiagnosticRenderer(color: false).render(
            result.diagnostics, file: "plans/demo.yaml",
            source: Self.source)
        let golden = Repo.root.appendingPathComponent("Tests/RolloutPlanTests/Golden/render-demo.txt")
        if ProcessInfo.processInfo.environment["VTOP_RECORD_GOLDEN"] == "1" {
            try rendered.write(to: golden, atomically: true, encoding: .utf8)
        }
        #expect(rendered == Repo.text(golden))
    }

    @Test func colourIsOnlyAddedWhenAsked() {
        let result = PlanParser.parse(Self.source)
        let plain = DiagnosticRenderer(color: false).render(result.diagnostics, file: "f", source: Self.source)
        let coloured = DiagnosticRenderer(color: true).render(result.diagnostics, file: "f", source: Self.source)
        #expect(!plain.contains("\u{1B}["))
        #expect(coloured.contains("\u{1B}[1;31merror"))
    }

    @Test func summaryCountsSeverities() {
        let result = PlanParser.parse(Self.source)
        #expect(DiagnosticRenderer.summary(result.diagnostics) == "3 errors, 0 warnings")
    }

    @Test func jsonReportIsStable() throws {
        let report = ValidationReport([("plans/demo.yaml", PlanParser.parse(Self.source))])
        #expect(report.errors == 3)
        let entry = try #require(report.files.first?.diagnostics.first)
        #expect(entry.id == "plan.unknown-key")
        #expect(entry.line == 9 && entry.column == 7)
        #expect(entry.path == "spec.stages[0].selct")
        #expect(entry.suggestion == "select")
    }
}

@Suite struct SuggestionTests {
    @Test(arguments: [
        ("selct", "select"), ("dependson", "dependsOn"), ("healthcheck", "healthChecks"),
        ("tabletorder", "tabletOrder"),
        ("maxConc", "maxConcurrent"), ("realease", "release"),
    ])
    func suggestsTheIntendedKey(typo: String, intended: String) {
        let result = PlanParser.parse(
            """
            apiVersion: vtop-rollout/v1
            kind: RolloutPlan
            metadata: {name: t}
            spec:
              cluster: c
              stages:
                - {name: a, release: tablets, select: {}, \(typo): x}
            """)
        let suggestions = result.diagnostics.compactMap(\.suggestion)
        #expect(suggestions.contains(intended), "\(result.diagnostics.map(\.message))")
    }

    @Test func aHugeValueStaysOneReadableDiagnostic() {
        // Found by the bad-input corpus: a 300,000-character stage name came back twice, whole,
        // in the message and in the quoted line (600 KB of output for one error).
        let name = String(repeating: "x", count: 300_000)
        let source =
            "apiVersion: vtop-rollout/v1\nkind: RolloutPlan\nmetadata: {name: t}\nspec:\n  cluster: c\n"
            + "  stages:\n    - {release: tablets, name: \(name)}\n"
        let result = PlanParser.parse(source)
        let diagnostic = result.diagnostics.first { $0.id == .planInvalidName }
        #expect(diagnostic?.message.count ?? .max <= Diagnostic.maxMessageLength + 60)
        #expect(diagnostic?.message.contains("characters elided") == true)
        let rendered = DiagnosticRenderer(color: false).render(result.diagnostics, file: "f", source: source)
        #expect(rendered.count < 2_000, "\(rendered.prefix(300))")
        // The caret still points at the value: the window starts at the line's start here.
        #expect(rendered.contains(" 7 |     - {release: tablets, name: xxx"))
        #expect(rendered.contains("\n   | " + String(repeating: " ", count: 31) + "^\n"), "\(rendered.prefix(400))")
    }

    @Test func theExcerptWindowFollowsTheCaret() {
        let line = String(repeating: "a", count: 1_000) + "B" + String(repeating: "c", count: 1_000)
        let (text, caret) = DiagnosticRenderer.excerpt(line, column: 1_000)
        #expect(text.count == DiagnosticRenderer.maxExcerptWidth + 2)
        #expect(text.hasPrefix("…") && text.hasSuffix("…"))
        #expect(Array(text)[caret] == "B")
        #expect(DiagnosticRenderer.excerpt("short", column: 2) == ("short", 2))
    }
}
