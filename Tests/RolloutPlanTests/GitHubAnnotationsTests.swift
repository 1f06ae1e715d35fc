import RolloutPlan
import Testing

/// `plan validate -o github`: workflow commands that GitHub turns into annotations on the diff.
@Suite struct GitHubAnnotationsTests {
    static func diagnostic(
        _ severity: Severity, _ message: String, at position: SourcePosition? = SourcePosition(line: 12, column: 7),
        id: String = "plan.unknown-key", suggestion: String? = nil, notes: [String] = []
    ) -> Diagnostic {
        Diagnostic(
            DiagnosticID(rawValue: id), severity, message, at: position, path: FieldPath(components: ["spec"]),
            suggestion: suggestion, notes: notes)
    }

    struct SeverityCase: CustomTestStringConvertible, Sendable {
        let severity: Severity
        let command: String
        var testDescription: String { "\(severity) -> ::\(command)" }
    }

    @Test(arguments: [
        SeverityCase(severity: .error, command: "error"),
        SeverityCase(severity: .warning, command: "warning"),
        SeverityCase(severity: .note, command: "notice"),
    ])
    func severityChoosesTheCommand(_ test: SeverityCase) {
        let line = GitHubAnnotations.line(Self.diagnostic(test.severity, "boom"), file: "plans/a.yaml")
        #expect(line == "::\(test.command) file=plans/a.yaml,line=12,col=7,title=plan.unknown-key::boom")
    }

    @Test func aDiagnosticWithoutAPositionOmitsLineAndColumn() {
        let line = GitHubAnnotations.line(
            Self.diagnostic(.error, "cannot open 'x.yaml'", at: nil, id: "input.unreadable"), file: "x.yaml")
        #expect(line == "::error file=x.yaml,title=input.unreadable::cannot open 'x.yaml'")
    }

    @Test func theSuggestionAndTheNotesJoinTheMessage() {
        let line = GitHubAnnotations.line(
            Self.diagnostic(
                .error, "'30' has no unit", id: "plan.invalid-duration", suggestion: "30s",
                notes: ["write durations like 90s", "or 1h30m"]),
            file: "plans/a.yaml")
        #expect(
            line
                == "::error file=plans/a.yaml,line=12,col=7,title=plan.invalid-duration::'30' has no unit (did you mean '30s'?)%0Anote: write durations like 90s%0Anote: or 1h30m"
        )
    }

    struct EscapeCase: CustomTestStringConvertible, Sendable {
        let name: String
        let input: String
        let data: String
        let property: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        EscapeCase(
            name: "plain text is unchanged", input: "plans/a b.yaml", data: "plans/a b.yaml", property: "plans/a b.yaml"
        ),
        EscapeCase(
            name: "percent first, so escapes are not re-read", input: "100%0A", data: "100%250A", property: "100%250A"),
        EscapeCase(name: "CR and LF", input: "a\r\nb\nc", data: "a%0D%0Ab%0Ac", property: "a%0D%0Ab%0Ac"),
        EscapeCase(
            name: "colon and comma only in properties", input: "C:\\x,y::z", data: "C:\\x,y::z",
            property: "C%3A\\x%2Cy%3A%3Az"),
    ])
    func escaping(_ test: EscapeCase) {
        #expect(GitHubAnnotations.escapeData(test.input) == test.data)
        #expect(GitHubAnnotations.escapeProperty(test.input) == test.property)
    }

    @Test func aFileNameWithACommaCannotAddAProperty() {
        let line = GitHubAnnotations.line(Self.diagnostic(.warning, "a: b, c"), file: "plans/x,line=1.yaml")
        #expect(line == "::warning file=plans/x%2Cline=1.yaml,line=12,col=7,title=plan.unknown-key::a: b, c")
    }

    @Test func aParsedPlanGivesOneLinePerFindingInOrder() {
        let source = """
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

            """
        let lines = GitHubAnnotations.lines(PlanParser.parse(source).diagnostics, file: "plans/demo.yaml")
        #expect(
            lines == [
                "::error file=plans/demo.yaml,line=9,col=7,title=plan.unknown-key::unknown key 'selct' in a release stage (did you mean 'select'?)",
                "::error file=plans/demo.yaml,line=10,col=16,title=plan.invalid-duration::'30' has no unit (did you mean '30s'?)%0Anote: write durations like 90s, 10m, 1h30m or 500ms",
            ])
    }
}
