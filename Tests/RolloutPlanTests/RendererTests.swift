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
}
