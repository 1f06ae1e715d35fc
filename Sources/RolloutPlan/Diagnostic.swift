/// How serious a diagnostic is. Only the CLI turns severities into exit codes.
public enum Severity: String, Sendable, Codable, Comparable {
    /// Extra context attached to another finding.
    case note
    /// Suspicious but valid; `--strict` turns warnings into failures.
    case warning
    /// The plan cannot be used.
    case error

    private var rank: Int {
        switch self {
        case .note: 0
        case .warning: 1
        case .error: 2
        }
    }

    /// Orders severities from note to error.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A problem found in a plan: a stable rule id, a severity, a message and where it is.
///
/// Diagnostics are values, collected rather than thrown, so one run reports every problem.
/// Each rule's message is built by a static factory in `Diagnostic+Rules.swift`.
public struct Diagnostic: Hashable, Sendable {
    /// The stable rule id, such as `plan.unknown-key`. Documented in docs/diagnostics.md.
    public let id: DiagnosticID
    /// How serious the finding is.
    public let severity: Severity
    /// One sentence saying what is wrong, naming the offending value.
    public let message: String
    /// Where in the file the problem is; nil only for problems with the file as a whole.
    public let position: SourcePosition?
    /// The field path of the offending element.
    public let path: FieldPath
    /// A replacement the author probably meant ("did you mean").
    public let suggestion: String?
    /// Further explanation lines.
    public let notes: [String]

    /// Creates a diagnostic.
    public init(
        _ id: DiagnosticID, _ severity: Severity, _ message: String, at position: SourcePosition?,
        path: FieldPath, suggestion: String? = nil, notes: [String] = []
    ) {
        self.id = id
        self.severity = severity
        self.message = Self.bounded(message)
        self.position = position
        self.path = path
        self.suggestion = suggestion
        self.notes = notes
    }
}

extension Diagnostic {
    /// The longest message kept whole. Messages quote values from the plan, and a hostile plan's value
    /// can be a megabyte long: the middle is elided, so one diagnostic stays one readable line.
    public static let maxMessageLength = 400

    static func bounded(_ message: String) -> String {
        guard message.count > maxMessageLength else { return message }
        let keep = maxMessageLength / 2
        return "\(message.prefix(keep))… (\(message.count - 2 * keep) characters elided) …\(message.suffix(keep))"
    }
}

extension Array where Element == Diagnostic {
    /// Whether any diagnostic is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }
    /// Whether any diagnostic is a warning.
    public var hasWarnings: Bool { contains { $0.severity == .warning } }

    /// The diagnostics in file order, then by id, so output never depends on discovery order.
    public func sortedByPosition() -> [Diagnostic] {
        sorted { a, b in
            let pa = a.position ?? .start
            let pb = b.position ?? .start
            if pa != pb { return pa < pb }
            return a.id.rawValue < b.id.rawValue
        }
    }
}

/// A diagnostic can travel as an error, for I/O failures reported in the same shape as plan findings.
extension Diagnostic: Error {}
