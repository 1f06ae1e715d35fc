/// The result of reading one plan file: the plan, when it could be built, and every finding.
public struct PlanParseResult: Sendable {
    /// The decoded plan; nil when errors kept it from being built.
    public var plan: Plan?
    /// Every problem found, in file order.
    public var diagnostics: [Diagnostic]

    /// Whether the plan is usable: it was built and has no errors.
    public var isValid: Bool { plan != nil && !diagnostics.hasErrors }

    /// Pairs a plan with its findings.
    public init(plan: Plan?, diagnostics: [Diagnostic]) {
        self.plan = plan
        self.diagnostics = diagnostics
    }
}

/// Reads plan files. Pure: it takes bytes and returns values; the caller does the file I/O.
public enum PlanParser {
    /// Parses and statically validates a plan from its raw bytes.
    public static func parse(_ bytes: [UInt8]) -> PlanParseResult {
        let composed = YAMLComposer.compose(bytes)
        guard let root = composed.root else {
            return PlanParseResult(plan: nil, diagnostics: composed.diagnostics.sortedByPosition())
        }
        let (plan, found) = PlanDecoder.decode(root)
        let all = (composed.diagnostics + found).sortedByPosition()
        return PlanParseResult(plan: all.hasErrors ? nil : plan, diagnostics: all)
    }

    /// Parses and statically validates a plan from text.
    public static func parse(_ text: String) -> PlanParseResult { parse(Array(text.utf8)) }
}
