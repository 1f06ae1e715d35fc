// One factory per rule, so each message is written once, next to its id.

extension Diagnostic {
    /// `input.too-large`, for the shell that knows the file's real size.
    public static func inputTooLarge(bytes: Int, limit: Int) -> Diagnostic {
        Diagnostic(
            .inputTooLarge, .error, "the file is \(bytes) bytes; plans are limited to \(limit) bytes",
            at: nil, path: .root, notes: ["a plan selects components; it should never need more than a few kilobytes"])
    }

    static func inputBinary(at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .inputBinary, .error, "the file contains a NUL byte, so it is not a YAML text file", at: position,
            path: .root)
    }

    static func inputInvalidUTF8(at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .inputInvalidUTF8, .error, "the file is not valid UTF-8", at: position, path: .root,
            notes: ["save the plan as UTF-8"])
    }

    static func yamlSyntax(_ problem: String, at position: SourcePosition) -> Diagnostic {
        Diagnostic(.yamlSyntax, .error, "invalid YAML: \(problem)", at: position, path: .root)
    }

    static func nestingLimit(at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .yamlNestingLimit, .error, "the YAML nests deeper than the parser allows (about 1000 levels)",
            at: position, path: .root)
    }

    static func aliasLimit(limit: Int, at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .yamlAliasLimit, .error,
            "the document expands to more than \(limit) nodes once aliases are followed", at: position,
            path: .root, notes: ["this is the shape of an alias bomb (\"billion laughs\"); plans never need it"])
    }

    static func undefinedAlias(_ name: String, at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .yamlUndefinedAlias, .error, "alias '*\(name)' refers to no anchor defined before it",
            at: position, path: .root)
    }

    static func duplicateKey(_ key: String, at position: SourcePosition, first: SourcePosition) -> Diagnostic {
        Diagnostic(
            .yamlDuplicateKey, .error, "duplicate key '\(key)'", at: position, path: .root,
            notes: ["'\(key)' is first set at line \(first.line), column \(first.column); the first value is used"])
    }

    static func complexKey(at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .yamlComplexKey, .error, "mapping keys must be plain scalars, not lists or mappings",
            at: position, path: .root)
    }

    static func emptyDocument() -> Diagnostic {
        Diagnostic(
            .planEmptyDocument, .error, "the file holds no plan", at: .start, path: .root,
            notes: ["start from `vtop-rollout plan schema` or one of the files in plans/"])
    }

    static func multipleDocuments(at position: SourcePosition) -> Diagnostic {
        Diagnostic(
            .planMultipleDocuments, .error, "the file holds more than one YAML document; write one plan per file",
            at: position, path: .root)
    }

    static func unsupportedAPIVersion(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planUnsupportedAPIVersion, .error,
            "apiVersion '\(value)' is not supported; this build reads '\(PlanAPI.version)'", at: position,
            path: path, suggestion: PlanAPI.version)
    }

    static func wrongKind(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planWrongKind, .error, "kind '\(value)' is not '\(PlanAPI.kind)'", at: position, path: path,
            suggestion: PlanAPI.kind)
    }

    static func unknownKey(
        _ key: String, in context: String, at position: SourcePosition, path: FieldPath,
        allowed: [String], hint: String? = nil
    ) -> Diagnostic {
        let suggestion = hint ?? Suggestions.closest(to: key, in: allowed)
        return Diagnostic(
            .planUnknownKey, .error, "unknown key '\(key)' in \(context)", at: position, path: path,
            suggestion: suggestion,
            notes: suggestion == nil ? ["allowed keys: \(allowed.joined(separator: ", "))"] : [])
    }

    static func missingKey(
        _ key: String, in context: String, at position: SourcePosition, path: FieldPath,
        note: String? = nil
    ) -> Diagnostic {
        Diagnostic(
            .planMissingKey, .error, "\(context) needs '\(key)'", at: position, path: path.key(key),
            notes: note.map { [$0] } ?? [])
    }

    static func wrongType(expected: String, found node: YAMLNode, path: FieldPath, hint: String? = nil) -> Diagnostic {
        Diagnostic(
            .planWrongType, .error, "expected \(expected), found \(node.typeName)", at: node.position,
            path: path, notes: hint.map { [$0] } ?? [])
    }

    static func unknownValue(
        _ value: String, for what: String, at position: SourcePosition, path: FieldPath,
        allowed: [String], hints: [String: String] = [:]
    ) -> Diagnostic {
        let suggestion = hints[value] ?? Suggestions.closest(to: value, in: allowed)
        return Diagnostic(
            .planUnknownValue, .error, "'\(value)' is not a valid \(what)", at: position, path: path,
            suggestion: suggestion, notes: ["allowed: \(allowed.joined(separator: ", "))"])
    }

    static func emptyList(_ what: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(.planEmptyList, .error, "\(what) must not be empty", at: position, path: path)
    }

    static func duplicateValue(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(.planDuplicateValue, .warning, "'\(value)' is listed more than once", at: position, path: path)
    }

    static func invalidName(_ value: String, what: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidName, .error,
            "\(what) '\(value)' must be a lower-case DNS label: a-z, 0-9 and '-', at most 63 characters, "
                + "starting and ending with a letter or digit", at: position, path: path)
    }

    static func invalidDuration(
        _ value: String, at position: SourcePosition, path: FieldPath, reason: String? = nil, suggestion: String? = nil
    ) -> Diagnostic {
        Diagnostic(
            .planInvalidDuration, .error, reason ?? "'\(value)' is not a duration", at: position, path: path,
            suggestion: suggestion, notes: ["write durations like 90s, 10m, 1h30m or 500ms"])
    }

    static func invalidPercentage(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidPercentage, .error, "'\(value)' is not a percentage from 1% to 100%", at: position,
            path: path)
    }

    static func invalidLimit(_ value: Int, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidLimit, .error, "limit \(value) selects nothing; use a count of at least 1 or a percentage",
            at: position, path: path)
    }

    static func invalidConcurrency(_ value: Int, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidConcurrency, .error, "concurrency must be at least 1, found \(value)", at: position,
            path: path, notes: ["to pause a rollout, add a gate stage instead"])
    }

    static func invalidKeyRange(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidKeyRange, .error,
            "'\(value)' is not a key range such as '-80', '80-', '40-80' or '-'", at: position, path: path,
            notes: ["bounds are hex with an even number of digits, and the start must sort before the end"])
    }

    static func invalidTabletAlias(_ value: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planInvalidTabletAlias, .error, "'\(value)' is not a tablet alias such as 'zone1-2548885007'",
            at: position, path: path)
    }

    static func invalidRegex(_ pattern: String, error: String, at position: SourcePosition, path: FieldPath)
        -> Diagnostic
    {
        Diagnostic(
            .planInvalidRegex, .error, "'\(pattern)' is not a valid regular expression: \(error)",
            at: position, path: path)
    }

    static func invalidURL(_ value: String, reason: String, at position: SourcePosition, path: FieldPath)
        -> Diagnostic
    {
        Diagnostic(
            .planInvalidURL, .error, "'\(value)' is not a usable check URL: \(reason)", at: position,
            path: path)
    }

    static func invalidStatus(_ value: Int, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(.planInvalidStatus, .error, "HTTP status \(value) is outside 100-599", at: position, path: path)
    }

    static func emptyCommand(at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planEmptyCommand, .error, "a command check needs a program in argv[0]", at: position, path: path,
            notes: ["argv runs without a shell: write [\"/usr/local/bin/check\", \"--tablet\", ...]"])
    }

    static func invalidTimeWindow(_ reason: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(.planInvalidTimeWindow, .error, reason, at: position, path: path)
    }

    static func duplicateStage(_ name: String, at position: SourcePosition, first: SourcePosition, path: FieldPath)
        -> Diagnostic
    {
        Diagnostic(
            .planDuplicateStage, .error, "stage name '\(name)' is already used", at: position, path: path,
            notes: ["the first stage named '\(name)' is at line \(first.line)"])
    }

    static func unknownDependency(_ name: String, at position: SourcePosition, path: FieldPath, stages: [String])
        -> Diagnostic
    {
        Diagnostic(
            .planUnknownDependency, .error, "dependsOn names stage '\(name)', which does not exist",
            at: position, path: path, suggestion: Suggestions.closest(to: name, in: stages))
    }

    static func dependencyCycle(_ cycle: [String], at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planDependencyCycle, .error,
            "stage dependencies form a cycle: \(cycle.joined(separator: " -> "))", at: position, path: path)
    }

    static func choiceMissing(_ context: String, choices: [String], at position: SourcePosition, path: FieldPath)
        -> Diagnostic
    {
        Diagnostic(
            .planChoiceMissing, .error,
            "\(context) must have exactly one of: \(choices.joined(separator: ", "))", at: position, path: path)
    }

    static func choiceConflict(_ context: String, keys: [String], at position: SourcePosition, path: FieldPath)
        -> Diagnostic
    {
        Diagnostic(
            .planChoiceConflict, .error,
            "\(context) has both \(keys.map { "'\($0)'" }.joined(separator: " and ")); it must be exactly one",
            at: position, path: path)
    }

    static func selectorNotApplicable(
        _ key: String, target: ReleaseTarget, at position: SourcePosition,
        path: FieldPath, applicable: [String]
    ) -> Diagnostic {
        Diagnostic(
            .planSelectorNotApplicable, .error,
            "selector '\(key)' does not apply when releasing \(target.rawValue)", at: position, path: path,
            notes: ["\(target.rawValue) can be selected by: \(applicable.joined(separator: ", "))"])
    }

    static func optionNotApplicable(
        _ key: String, target: ReleaseTarget, at position: SourcePosition,
        path: FieldPath, reason: String
    ) -> Diagnostic {
        Diagnostic(
            .planOptionNotApplicable, .warning,
            "'\(key)' has no effect when releasing \(target.rawValue): \(reason)", at: position, path: path)
    }

    static func tabletOrder(_ reason: String, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planTabletOrder, .error, reason, at: position, path: path,
            notes: ["the primary is always released last in its shard; tabletOrder orders the other roles"])
    }

    static func etcdConcurrency(_ value: Int, at position: SourcePosition, path: FieldPath) -> Diagnostic {
        Diagnostic(
            .planEtcdConcurrency, .error,
            "etcd members are released one at a time to keep quorum; maxConcurrent.total \(value) is not allowed",
            at: position, path: path)
    }

    static func soakExceedsTimeout(
        soak: PlanDuration, timeout: PlanDuration, at position: SourcePosition,
        path: FieldPath
    ) -> Diagnostic {
        Diagnostic(
            .planSoakExceedsTimeout, .warning,
            "soak \(soak) is not shorter than the stage timeout \(timeout), so the stage times out while soaking",
            at: position, path: path)
    }
}
