/// A mapping whose keys were checked against an allow-list, with each key's value at hand.
struct Fields {
    /// The mapping node.
    let node: YAMLNode
    /// The path of the mapping.
    let path: FieldPath
    /// Pairs by key, for the allowed keys only.
    let pairs: [String: YAMLPair]

    subscript(key: String) -> YAMLNode? { pairs[key]?.value }

    /// Whether the key is present (even with a null value).
    func has(_ key: String) -> Bool { pairs[key] != nil }

    /// Where the key itself is written.
    func keyPosition(_ key: String) -> SourcePosition { pairs[key]?.key.position ?? node.position }
}

/// Reads typed values out of YAML nodes, recording a diagnostic for every mismatch and going on.
struct NodeReader {
    /// Everything found so far.
    var diagnostics: [Diagnostic] = []

    mutating func report(_ diagnostic: Diagnostic) { diagnostics.append(diagnostic) }

    /// Checks that `node` is a mapping with only `allowed` keys. Unknown keys are reported with a suggestion.
    mutating func fields(
        _ node: YAMLNode, path: FieldPath, context: String, allowed: [String],
        hints: [String: String] = [:]
    ) -> Fields? {
        guard case .mapping(let pairs) = node.content else {
            report(.wrongType(expected: "a mapping", found: node, path: path))
            return nil
        }
        var known: [String: YAMLPair] = [:]
        for pair in pairs {
            if allowed.contains(pair.name) {
                known[pair.name] = pair
            } else {
                report(
                    .unknownKey(
                        pair.name, in: context, at: pair.key.position, path: path.key(pair.name),
                        allowed: allowed, hint: hints[pair.name]))
            }
        }
        return Fields(node: node, path: path, pairs: known)
    }

    /// A required string value.
    mutating func requiredString(_ fields: Fields, _ key: String, context: String) -> Located<String>? {
        guard let node = fields[key] else {
            report(.missingKey(key, in: context, at: fields.node.position, path: fields.path))
            return nil
        }
        return string(node, path: fields.path.key(key))
    }

    /// A string; numbers and booleans are rejected with a hint to quote them.
    mutating func string(_ node: YAMLNode, path: FieldPath) -> Located<String>? {
        guard let scalar = node.scalar else {
            report(.wrongType(expected: "a string", found: node, path: path))
            return nil
        }
        switch scalar.resolved(tag: node.tag) {
        case .string(let text):
            return Located(text, at: node.position)
        case .null:
            report(.wrongType(expected: "a string", found: node, path: path))
            return nil
        default:
            report(
                .wrongType(
                    expected: "a string", found: node, path: path,
                    hint: "quote it to use it as text: \"\(scalar.text)\""))
            return nil
        }
    }

    /// A non-empty string or a non-empty list of strings; duplicates are reported as warnings.
    mutating func stringList(_ node: YAMLNode, path: FieldPath, what: String) -> [Located<String>]? {
        if case .sequence(let items) = node.content {
            if items.isEmpty {
                report(.emptyList(what, at: node.position, path: path))
                return nil
            }
            var values: [Located<String>] = []
            var seen = Set<String>()
            for (i, item) in items.enumerated() {
                guard let value = string(item, path: path.index(i)) else { continue }
                if !seen.insert(value.value).inserted {
                    report(.duplicateValue(value.value, at: item.position, path: path.index(i)))
                    continue
                }
                values.append(value)
            }
            return values
        }
        return string(node, path: path).map { [$0] }
    }

    /// A boolean; YAML 1.1 words such as `yes` get a hint.
    mutating func bool(_ node: YAMLNode, path: FieldPath) -> Bool? {
        if let scalar = node.scalar, case .bool(let value) = scalar.resolved(tag: node.tag) { return value }
        let hint =
            ["yes", "no", "on", "off", "y", "n"].contains(node.scalar?.text.lowercased() ?? "")
            ? "write true or false" : nil
        report(.wrongType(expected: "true or false", found: node, path: path, hint: hint))
        return nil
    }

    /// An integer.
    mutating func int(_ node: YAMLNode, path: FieldPath) -> Int? {
        if let scalar = node.scalar, case .int(let value) = scalar.resolved(tag: node.tag) { return value }
        report(.wrongType(expected: "an integer", found: node, path: path))
        return nil
    }

    /// A duration; `positive` rejects `0s`.
    mutating func duration(_ node: YAMLNode, path: FieldPath, positive: Bool) -> PlanDuration? {
        guard let scalar = node.scalar else {
            report(.wrongType(expected: "a duration such as 10m", found: node, path: path))
            return nil
        }
        let resolved = scalar.resolved(tag: node.tag)
        if case .int(let seconds) = resolved {
            report(
                .invalidDuration(
                    scalar.text, at: node.position, path: path,
                    reason: "'\(scalar.text)' has no unit", suggestion: "\(seconds)s"))
            return nil
        }
        guard case .string(let text) = resolved, let duration = PlanDuration(parsing: text) else {
            report(.invalidDuration(scalar.text, at: node.position, path: path))
            return nil
        }
        if positive && duration.milliseconds == 0 {
            report(.invalidDuration(text, at: node.position, path: path, reason: "'\(text)' must be longer than zero"))
            return nil
        }
        if duration > PlanDuration.maximum {
            report(
                .invalidDuration(
                    text, at: node.position, path: path,
                    reason: "'\(text)' is longer than the 30-day maximum"))
            return nil
        }
        return duration
    }

    /// One of an enum's raw values, with suggestions and optional hints for common confusions.
    mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, path: FieldPath, what: String, _ type: E.Type, hints: [String: String] = [:]
    ) -> E? where E.RawValue == String {
        guard let text = string(node, path: path) else { return nil }
        if let value = E(rawValue: text.value) { return value }
        report(
            .unknownValue(
                text.value, for: what, at: node.position, path: path,
                allowed: E.allCases.map(\.rawValue), hints: hints))
        return nil
    }

    /// A list of one enum's values (a single value is accepted as a list of one).
    mutating func enumList<E: RawRepresentable & CaseIterable & Hashable & Sendable>(
        _ node: YAMLNode, path: FieldPath, what: String, _ type: E.Type, hints: [String: String] = [:]
    ) -> [Located<E>]? where E.RawValue == String {
        let items: [(YAMLNode, FieldPath)]
        if case .sequence(let nodes) = node.content {
            if nodes.isEmpty {
                report(.emptyList(what, at: node.position, path: path))
                return nil
            }
            items = nodes.enumerated().map { ($0.element, path.index($0.offset)) }
        } else {
            items = [(node, path)]
        }
        var values: [Located<E>] = []
        for (item, itemPath) in items {
            guard let value = enumValue(item, path: itemPath, what: what, type, hints: hints) else { continue }
            if values.contains(where: { $0.value == value }) {
                report(.duplicateValue(value.rawValue, at: item.position, path: itemPath))
                continue
            }
            values.append(Located(value, at: item.position))
        }
        return values
    }

    /// A sequence's items with their paths; anything else is reported.
    mutating func sequence(_ node: YAMLNode, path: FieldPath) -> [(node: YAMLNode, path: FieldPath)]? {
        guard case .sequence(let items) = node.content else {
            report(.wrongType(expected: "a list", found: node, path: path))
            return nil
        }
        return items.enumerated().map { ($0.element, path.index($0.offset)) }
    }
}
