/// A composed YAML node with the position of its first character.
///
/// This is the parser's own document model rather than Yams' `Node`, so that duplicate keys,
/// alias expansion and nesting depth are reported as diagnostics instead of thrown as a single error.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        /// A scalar with its text and style.
        case scalar(YAMLScalar)
        /// A sequence of nodes.
        case sequence([YAMLNode])
        /// A mapping, in document order. Keys are unique: the composer drops and reports repeats.
        case mapping([YAMLPair])
    }

    /// The node's content.
    public let content: Content
    /// Where the node starts.
    public let position: SourcePosition
    /// The explicit tag (`tag:yaml.org,2002:str` for `!!str`), if any.
    public let tag: String?
    /// The number of nodes in this subtree with aliases expanded; it bounds alias bombs.
    public let weight: Int

    /// Creates a node; the weight is derived from the children.
    public init(_ content: Content, at position: SourcePosition, tag: String? = nil) {
        self.content = content
        self.position = position
        self.tag = tag
        switch content {
        case .scalar: weight = 1
        case .sequence(let items): weight = items.reduce(1) { $0 + $1.weight }
        case .mapping(let pairs): weight = pairs.reduce(1) { $0 + $1.key.weight + $1.value.weight }
        }
    }

    /// A short word for the node's YAML type, used in "expected X, found Y" messages.
    public var typeName: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s):
            switch s.resolved(tag: tag) {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .float: return "a number"
            case .string: return "a string"
            }
        }
    }

    /// The scalar, when this node is one.
    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// Whether this is an empty plain scalar or an explicit null.
    public var isNull: Bool {
        if case .null = scalar?.resolved(tag: tag) { return true }
        return false
    }
}

/// A key and its value inside a mapping.
public struct YAMLPair: Sendable {
    /// The key node; always a scalar.
    public let key: YAMLNode
    /// The value node.
    public let value: YAMLNode

    /// The key's text.
    public var name: String { key.scalar?.text ?? "" }
}

/// A scalar's text and how it was written.
public struct YAMLScalar: Sendable, Hashable {
    /// How the scalar was written; only plain scalars are resolved to non-string types.
    public enum Style: Sendable, Hashable {
        /// Unquoted.
        case plain
        /// Single- or double-quoted.
        case quoted
        /// A `|` or `>` block scalar.
        case block
    }

    /// The scalar's text after YAML unescaping and folding.
    public let text: String
    /// How it was written.
    public let style: Style

    /// A scalar resolved by the YAML 1.2 core schema.
    public enum Resolved: Sendable, Equatable {
        /// `~`, `null` or nothing.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// A decimal, octal (`0o`) or hex (`0x`) integer.
        case int(Int)
        /// A floating-point number.
        case float(Double)
        /// Anything else, and every quoted or block scalar.
        case string(String)
    }

    /// Resolves the scalar by the YAML 1.2 core schema. `yes`/`no`/`on`/`off` stay strings, as in
    /// YAML 1.2; the plan decoder points authors at `true`/`false` when it sees them.
    public func resolved(tag: String?) -> Resolved {
        if tag == "tag:yaml.org,2002:str" || style != .plain { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let int = Self.parseInt(text) { return .int(int) }
        if Self.looksLikeFloat(text), let value = Double(text) { return .float(value) }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: return .string(text)
        }
    }

    private static func parseInt(_ text: String) -> Int? {
        if text.hasPrefix("0x") { return Int(text.dropFirst(2), radix: 16) }
        if text.hasPrefix("0o") { return Int(text.dropFirst(2), radix: 8) }
        var digits = Substring(text)
        if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    private static func looksLikeFloat(_ text: String) -> Bool {
        // The core schema's float: [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
        var chars = Substring(text)
        if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
        guard let first = chars.first, first == "." || first.isASCII && first.isNumber else { return false }
        return chars.allSatisfy {
            $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+")
        }
    }
}
