/// The machine-readable result of validating plan files (`plan validate -o json`).
///
/// The field names are a stable interface: scripts and CI read them. Documented in docs/diagnostics.md.
public struct ValidationReport: Codable, Sendable, Equatable {
    /// One entry per file, in the order given.
    public var files: [FileReport]
    /// The total number of errors.
    public var errors: Int
    /// The total number of warnings.
    public var warnings: Int

    /// One file's findings.
    public struct FileReport: Codable, Sendable, Equatable {
        /// The path as given on the command line.
        public var file: String
        /// True when the file has no errors (warnings allowed).
        public var valid: Bool
        /// The plan name, when the plan could be read.
        public var plan: String?
        /// The findings, in file order.
        public var diagnostics: [Entry]
    }

    /// One diagnostic, flattened for JSON.
    public struct Entry: Codable, Sendable, Equatable {
        /// The rule id.
        public var id: String
        /// `error`, `warning` or `note`.
        public var severity: String
        /// The message.
        public var message: String
        /// 1-based line, when known.
        public var line: Int?
        /// 1-based column, when known.
        public var column: Int?
        /// The field path.
        public var path: String
        /// The "did you mean" replacement, if any.
        public var suggestion: String?
        /// Extra explanation.
        public var notes: [String]
    }

    /// Builds the report from parse results paired with their file names.
    public init(_ results: [(file: String, result: PlanParseResult)]) {
        self.init(results.map { ($0.file, $0.result.diagnostics, $0.result.plan?.name) })
    }

    /// Builds the report from each file's findings and, when it could be read, its plan name.
    public init(_ results: [(file: String, diagnostics: [Diagnostic], plan: String?)]) {
        files = results.map { file, diagnostics, plan in
            FileReport(
                file: file, valid: !diagnostics.hasErrors, plan: plan,
                diagnostics: diagnostics.map { d in
                    Entry(
                        id: d.id.rawValue, severity: d.severity.rawValue, message: d.message, line: d.position?.line,
                        column: d.position?.column, path: d.path.description, suggestion: d.suggestion,
                        notes: d.notes)
                })
        }
        let all = results.flatMap(\.diagnostics)
        errors = all.filter { $0.severity == .error }.count
        warnings = all.filter { $0.severity == .warning }.count
    }
}
