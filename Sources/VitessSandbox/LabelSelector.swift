import Foundation

/// A parsed Kubernetes label or field selector (`a=b,c!=d,e in (x,y),!f`).
public struct Selector: Sendable, Hashable {
    /// One requirement of a selector.
    public enum Requirement: Sendable, Hashable {
        /// The value equals one of these.
        case oneOf(String, Set<String>)
        /// The value, if present, equals none of these.
        case noneOf(String, Set<String>)
        /// The key is present.
        case exists(String)
        /// The key is absent.
        case absent(String)
    }

    /// All requirements; every one must hold.
    public var requirements: [Requirement]

    /// The selector that matches everything.
    public static let everything = Selector(requirements: [])

    /// Creates a selector from requirements.
    public init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses selector text; an empty string matches everything.
    public init(parsing text: String) throws(APIError) {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        var requirements: [Requirement] = []
        for raw in parts {
            let part = raw.trimmingCharacters(in: .whitespaces)
            if part.isEmpty { continue }
            requirements.append(try Self.requirement(part))
        }
        self.requirements = requirements
    }

    private static func requirement(_ part: String) throws(APIError) -> Requirement {
        if let range = part.range(of: "!=") {
            return .noneOf(trim(part[..<range.lowerBound]), [trim(part[range.upperBound...])])
        }
        if let range = part.range(of: "==") ?? part.range(of: "=") {
            return .oneOf(trim(part[..<range.lowerBound]), [trim(part[range.upperBound...])])
        }
        for (word, negated) in [(" notin ", true), (" in ", false)] {
            if let range = part.range(of: word) {
                let key = trim(part[..<range.lowerBound])
                var list = trim(part[range.upperBound...])
                guard list.hasPrefix("("), list.hasSuffix(")") else {
                    throw APIError.badRequest("unable to parse requirement: \(part)")
                }
                list = String(list.dropFirst().dropLast())
                let values = Set(list.split(separator: ",").map { trim($0) })
                return negated ? .noneOf(key, values) : .oneOf(key, values)
            }
        }
        if part.hasPrefix("!") { return .absent(trim(part.dropFirst())) }
        guard !part.contains(" ") else { throw APIError.badRequest("unable to parse requirement: \(part)") }
        return .exists(part)
    }

    private static func trim<S: StringProtocol>(_ text: S) -> String {
        text.trimmingCharacters(in: .whitespaces)
    }

    /// Whether a key-to-value lookup satisfies every requirement.
    public func matches(_ lookup: (String) -> String?) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .oneOf(let key, let values): lookup(key).map(values.contains) ?? false
            case .noneOf(let key, let values): lookup(key).map { !values.contains($0) } ?? true
            case .exists(let key): lookup(key) != nil
            case .absent(let key): lookup(key) == nil
            }
        }
    }

    /// Matches against an object's labels.
    public func matchesLabels(of object: JSON) -> Bool {
        guard !requirements.isEmpty else { return true }
        // Looked up in place: building a [String: String] of every label costs more than the match itself.
        let labels = object["metadata"]["labels"]
        return matches { labels[$0].string }
    }

    /// Matches against an object's fields, addressed by dotted path (`metadata.name`, `involvedObject.uid`).
    public func matchesFields(of object: JSON) -> Bool {
        guard !requirements.isEmpty else { return true }
        return matches { path in
            let value = object[path: path.split(separator: ".").map(String.init)]
            switch value {
            case .string(let text): return text
            case .int(let number): return String(number)
            case .bool(let flag): return String(flag)
            case .null: return path == "metadata.namespace" ? "" : nil
            default: return nil
            }
        }
    }
}
