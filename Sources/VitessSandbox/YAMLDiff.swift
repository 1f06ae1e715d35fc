/// The human-readable patch the operator writes into `rollout.planetscale.com/scheduled` (reference §3.1):
/// only what differs from current to desired, as YAML with sorted keys, never the whole spec.
enum YAMLDiff {
    /// The part of `desired` that differs from `current`; objects recurse, anything else is taken whole.
    static func difference(_ current: JSON, _ desired: JSON) -> JSON? {
        if current == desired { return nil }
        guard case .object(let desiredMembers) = desired, case .object(let currentMembers) = current else {
            return desired
        }
        var result: [String: JSON] = [:]
        for key in Set(desiredMembers.keys).union(currentMembers.keys) {
            let wanted = desiredMembers[key] ?? .null
            if let changed = difference(currentMembers[key] ?? .null, wanted) { result[key] = changed }
        }
        return result.isEmpty ? nil : .object(result)
    }

    /// `spec:` followed by the changed fields.
    static func describe(currentSpec: JSON, desiredSpec: JSON) -> String? {
        guard let changed = difference(currentSpec, desiredSpec) else { return nil }
        return render(["spec": changed], indent: 0)
    }

    static func render(_ value: JSON, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let members):
            if members.isEmpty { return "\(pad){}\n" }
            var out = ""
            for key in members.keys.sorted() {
                let child = members[key]!
                switch child {
                case .object(let inner) where !inner.isEmpty:
                    out += "\(pad)\(key):\n" + render(child, indent: indent + 2)
                case .array(let items) where !items.isEmpty:
                    out += "\(pad)\(key):\n" + render(child, indent: indent)
                default:
                    out += "\(pad)\(key): \(scalar(child))\n"
                }
            }
            return out
        case .array(let items):
            var out = ""
            for item in items {
                let nested = render(item, indent: indent + 2)
                out += "\(pad)- " + nested.dropFirst(indent + 2)
            }
            return out
        default:
            return "\(pad)\(scalar(value))\n"
        }
    }

    private static func scalar(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): String(flag)
        case .int(let number): String(number)
        case .double(let number): String(number)
        case .string(let text): text.isEmpty || text.contains(": ") || text.hasPrefix("{") ? "\"\(text)\"" : text
        case .array: "[]"
        case .object: "{}"
        }
    }
}
