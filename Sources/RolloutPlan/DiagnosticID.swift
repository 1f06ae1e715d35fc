/// A stable diagnostic rule id. Ids never change meaning; docs/diagnostics.md has a section for each.
public struct DiagnosticID: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The id text, such as `plan.unknown-key`.
    public let rawValue: String

    /// Wraps an id string.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The id text.
    public var description: String { rawValue }
}

extension DiagnosticID {
    // The file as a whole.
    /// The file cannot be opened or read.
    public static let inputUnreadable = DiagnosticID(rawValue: "input.unreadable")
    /// The file is larger than the plan size limit.
    public static let inputTooLarge = DiagnosticID(rawValue: "input.too-large")
    /// The file contains NUL bytes, so it is not text.
    public static let inputBinary = DiagnosticID(rawValue: "input.binary")
    /// The file is not valid UTF-8.
    public static let inputInvalidUTF8 = DiagnosticID(rawValue: "input.invalid-utf8")

    // YAML.
    /// libyaml could not parse the text.
    public static let yamlSyntax = DiagnosticID(rawValue: "yaml.syntax")
    /// The document nests deeper than the parser allows.
    public static let yamlNestingLimit = DiagnosticID(rawValue: "yaml.nesting-limit")
    /// Aliases expand to more nodes than the parser allows ("billion laughs").
    public static let yamlAliasLimit = DiagnosticID(rawValue: "yaml.alias-limit")
    /// An alias names an anchor that was never defined.
    public static let yamlUndefinedAlias = DiagnosticID(rawValue: "yaml.undefined-alias")
    /// A mapping repeats a key.
    public static let yamlDuplicateKey = DiagnosticID(rawValue: "yaml.duplicate-key")
    /// A mapping key is a sequence or a mapping.
    public static let yamlComplexKey = DiagnosticID(rawValue: "yaml.complex-key")
    /// The file holds no document.
    public static let planEmptyDocument = DiagnosticID(rawValue: "plan.empty-document")
    /// The file holds more than one document.
    public static let planMultipleDocuments = DiagnosticID(rawValue: "plan.multiple-documents")

    // Plan structure.
    /// `apiVersion` is not one this build reads.
    public static let planUnsupportedAPIVersion = DiagnosticID(rawValue: "plan.unsupported-api-version")
    /// `kind` is not `RolloutPlan`.
    public static let planWrongKind = DiagnosticID(rawValue: "plan.wrong-kind")
    /// A key the plan language does not define.
    public static let planUnknownKey = DiagnosticID(rawValue: "plan.unknown-key")
    /// A required key is absent.
    public static let planMissingKey = DiagnosticID(rawValue: "plan.missing-key")
    /// A value has the wrong YAML type.
    public static let planWrongType = DiagnosticID(rawValue: "plan.wrong-type")
    /// A value is not one of the allowed words.
    public static let planUnknownValue = DiagnosticID(rawValue: "plan.unknown-value")
    /// A list that must not be empty is empty.
    public static let planEmptyList = DiagnosticID(rawValue: "plan.empty-list")
    /// A list repeats a value.
    public static let planDuplicateValue = DiagnosticID(rawValue: "plan.duplicate-value")
    /// A name is not a valid lower-case DNS label.
    public static let planInvalidName = DiagnosticID(rawValue: "plan.invalid-name")
    /// A duration is malformed, zero where it must be positive, or out of range.
    public static let planInvalidDuration = DiagnosticID(rawValue: "plan.invalid-duration")
    /// A percentage is malformed or out of range.
    public static let planInvalidPercentage = DiagnosticID(rawValue: "plan.invalid-percentage")
    /// A `limit` count is zero or negative.
    public static let planInvalidLimit = DiagnosticID(rawValue: "plan.invalid-limit")
    /// A concurrency limit is zero or negative.
    public static let planInvalidConcurrency = DiagnosticID(rawValue: "plan.invalid-concurrency")
    /// A shard selector or key range is not a valid Vitess key range.
    public static let planInvalidKeyRange = DiagnosticID(rawValue: "plan.invalid-key-range")
    /// A tablet alias is not `cell-uid`.
    public static let planInvalidTabletAlias = DiagnosticID(rawValue: "plan.invalid-tablet-alias")
    /// A regular expression does not compile.
    public static let planInvalidRegex = DiagnosticID(rawValue: "plan.invalid-regex")
    /// An HTTP check URL is not an absolute http or https URL.
    public static let planInvalidURL = DiagnosticID(rawValue: "plan.invalid-url")
    /// An expected HTTP status is outside 100-599.
    public static let planInvalidStatus = DiagnosticID(rawValue: "plan.invalid-status")
    /// A command check has an empty argv or an empty program.
    public static let planEmptyCommand = DiagnosticID(rawValue: "plan.empty-command")
    /// A time window has a malformed time or day.
    public static let planInvalidTimeWindow = DiagnosticID(rawValue: "plan.invalid-time-window")
    /// Two stages share a name.
    public static let planDuplicateStage = DiagnosticID(rawValue: "plan.duplicate-stage")
    /// `dependsOn` names a stage that does not exist.
    public static let planUnknownDependency = DiagnosticID(rawValue: "plan.unknown-dependency")
    /// Stage dependencies form a cycle.
    public static let planDependencyCycle = DiagnosticID(rawValue: "plan.dependency-cycle")
    /// A stage is neither a release nor a gate, or a gate or check names no kind.
    public static let planChoiceMissing = DiagnosticID(rawValue: "plan.choice-missing")
    /// A stage, gate or check names more than one kind.
    public static let planChoiceConflict = DiagnosticID(rawValue: "plan.choice-conflict")
    /// A selector field does not apply to what the stage releases.
    public static let planSelectorNotApplicable = DiagnosticID(rawValue: "plan.selector-not-applicable")
    /// A stage option has no effect for what the stage releases.
    public static let planOptionNotApplicable = DiagnosticID(rawValue: "plan.option-not-applicable")
    /// `tabletOrder` lists `primary` or repeats a role.
    public static let planTabletOrder = DiagnosticID(rawValue: "plan.tablet-order")
    /// An etcd stage asks for more than one member at a time.
    public static let planEtcdConcurrency = DiagnosticID(rawValue: "plan.etcd-concurrency")
    /// A stage's soak is at least as long as its timeout.
    public static let planSoakExceedsTimeout = DiagnosticID(rawValue: "plan.soak-exceeds-timeout")

    /// Every id this module can raise, in documentation order.
    public static let all: [DiagnosticID] = [
        .inputUnreadable, .inputTooLarge, .inputBinary, .inputInvalidUTF8,
        .yamlSyntax, .yamlNestingLimit, .yamlAliasLimit, .yamlUndefinedAlias, .yamlDuplicateKey, .yamlComplexKey,
        .planEmptyDocument, .planMultipleDocuments,
        .planUnsupportedAPIVersion, .planWrongKind, .planUnknownKey, .planMissingKey, .planWrongType,
        .planUnknownValue, .planEmptyList, .planDuplicateValue, .planInvalidName, .planInvalidDuration,
        .planInvalidPercentage, .planInvalidLimit, .planInvalidConcurrency, .planInvalidKeyRange,
        .planInvalidTabletAlias, .planInvalidRegex, .planInvalidURL, .planInvalidStatus, .planEmptyCommand,
        .planInvalidTimeWindow, .planDuplicateStage, .planUnknownDependency, .planDependencyCycle,
        .planChoiceMissing, .planChoiceConflict, .planSelectorNotApplicable, .planOptionNotApplicable,
        .planTabletOrder, .planEtcdConcurrency, .planSoakExceedsTimeout,
    ]
}
