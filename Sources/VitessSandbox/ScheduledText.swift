import Foundation

/// The text the operator writes into `rollout.planetscale.com/scheduled`: a two-way strategic merge patch from the
/// object as updated in place to the object fully updated, with `$setElementOrder` directives removed, marshalled
/// by yaml.v2 (sorted keys, YAML 1.1 quoting). Source: `pkg/operator/reconciler/object.go` (`describeDiff`,
/// `describeDiffPatch`, `cleanPatchMap`); docs/operator-reference.md.
///
/// Lists are atomic (replaced whole) unless a merge key is known for the field, as for the operator's CRD types,
/// which carry no patch tags; Pods merge `containers`, `initContainers`, `env`, `volumes`, … by key, as the
/// `patchMergeKey` tags of `k8s.io/api/core/v1` say.
enum ScheduledText {
    /// Merge keys of the Pod fields the operator sets (`k8s.io/api/core/v1` `patchMergeKey` tags).
    static let podMergeKeys: [String: String] = [
        "containers": "name", "initContainers": "name", "env": "name", "ports": "containerPort",
        "volumeMounts": "mountPath", "volumes": "name", "imagePullSecrets": "name",
    ]

    /// The patch that turns `current` into `desired`, nil when they are equal. A key only in `current` becomes
    /// `null`; a list with a merge key lists only its changed elements (each with its key), and a removed element
    /// as `{key: value, $patch: delete}`.
    static func patch(from current: JSON, to desired: JSON, mergeKeys: [String: String] = [:]) -> JSON? {
        objectPatch(current, desired, mergeKeys: mergeKeys)
    }

    private static func objectPatch(_ current: JSON, _ desired: JSON, mergeKeys: [String: String]) -> JSON? {
        if current == desired { return nil }
        guard case .object(let wanted) = desired, case .object(let existing) = current else { return desired }
        var result: [String: JSON] = [:]
        for key in Set(wanted.keys).union(existing.keys) {
            let old = existing[key] ?? .null
            let new = wanted[key] ?? .null
            guard old != new else { continue }
            if case .null = new {
                result[key] = .null
            } else if case .array(let newItems) = new, case .array(let oldItems) = old, let mergeKey = mergeKeys[key] {
                if let merged = listPatch(oldItems, newItems, key: mergeKey, mergeKeys: mergeKeys) {
                    result[key] = merged
                }
            } else if case .object = new, case .object = old {
                if let inner = objectPatch(old, new, mergeKeys: mergeKeys) { result[key] = inner }
            } else {
                result[key] = new
            }
        }
        return result.isEmpty ? nil : .object(result)
    }

    private static func listPatch(_ current: [JSON], _ desired: [JSON], key: String, mergeKeys: [String: String])
        -> JSON?
    {
        var items: [JSON] = []
        let desiredKeys = Set(desired.map { $0[key] })
        for element in desired {
            guard let old = current.first(where: { $0[key] == element[key] }) else {
                items.append(element)
                continue
            }
            if var changed = objectPatch(old, element, mergeKeys: mergeKeys) {
                changed[key] = element[key]
                items.append(changed)
            }
        }
        for element in current where !desiredKeys.contains(element[key]) {
            items.append([key: element[key], "$patch": "delete"])
        }
        return items.isEmpty ? nil : .array(items)
    }

    /// `spec:` and the changed fields of a spec, as the operator describes a held spec change.
    static func describe(currentSpec: JSON, desiredSpec: JSON) -> String? {
        patch(from: currentSpec, to: desiredSpec).map { render(["spec": $0]) }
    }

    // MARK: yaml.v2

    /// `value` as yaml.v2 marshals it: block style, map keys in yaml.v2's order, sequences under a key not indented.
    static func render(_ value: JSON) -> String {
        var out = ""
        emit(value, indent: 0, into: &out)
        return out
    }

    private static func emit(_ value: JSON, indent: Int, into out: inout String) {
        let pad = String(repeating: " ", count: indent)
        switch value {
        case .object(let members) where !members.isEmpty:
            for key in members.keys.sorted(by: keyOrder) {
                out += pad + scalar(.string(key), indent: indent) + ":"
                emitValue(members[key]!, indent: indent, nestedIndent: indent + 2, into: &out)
            }
        case .array(let items) where !items.isEmpty:
            for item in items {
                out += pad + "-"
                emitValue(item, indent: indent, nestedIndent: indent + 2, sequenceItem: true, into: &out)
            }
        default:
            out += pad + scalar(value, indent: indent) + "\n"
        }
    }

    /// The value after `key:` or `-`: a scalar on the same line, a map below (or, in a sequence item, its first key
    /// on the dash line), a sequence below at the key's own indentation.
    private static func emitValue(
        _ value: JSON, indent: Int, nestedIndent: Int, sequenceItem: Bool = false, into out: inout String
    ) {
        switch value {
        case .object(let members) where !members.isEmpty:
            if sequenceItem {
                var nested = ""
                emit(value, indent: nestedIndent, into: &nested)
                out += " " + nested.dropFirst(nestedIndent)
            } else {
                out += "\n"
                emit(value, indent: nestedIndent, into: &out)
            }
        case .array(let items) where !items.isEmpty:
            if sequenceItem {
                var nested = ""
                emit(value, indent: nestedIndent, into: &nested)
                out += " " + nested.dropFirst(nestedIndent)
            } else {
                out += "\n"
                emit(value, indent: indent, into: &out)
            }
        default:
            out += " " + scalar(value, indent: nestedIndent) + "\n"
        }
    }

    private static func scalar(_ value: JSON, indent: Int) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return String(flag)
        case .int(let number): return String(number)
        case .double(let number):
            if number.isNaN { return ".nan" }
            if number.isInfinite { return number > 0 ? ".inf" : "-.inf" }
            return number == number.rounded() && abs(number) < 1e21 ? String(Int(number)) : String(number)
        case .array: return "[]"
        case .object: return "{}"
        case .string(let text): return string(text, indent: indent)
        }
    }

    /// A string as yaml.v2 writes it: double-quoted when plain text would read back as another type (YAML 1.1
    /// booleans, null, numbers, timestamps), single-quoted when libyaml's emitter cannot write it plain (an
    /// indicator such as `*` first, `: ` or ` #` inside, edge spaces), a literal block when it has line breaks.
    static func string(_ text: String, indent: Int = 0) -> String {
        if text.contains("\n") {
            let pad = String(repeating: " ", count: indent)
            let chomp = text.hasSuffix("\n") ? "" : "-"
            let lines = text.hasSuffix("\n") ? text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
                : text.split(separator: "\n", omittingEmptySubsequences: false)
            return "|" + chomp + lines.map { $0.isEmpty ? "\n" : "\n" + pad + $0 }.joined()
        }
        if resolvesToNonString(text) { return doubleQuoted(text) }
        if !plainAllowed(text) {
            return text.unicodeScalars.allSatisfy(isPrintable) ? "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
                : doubleQuoted(text)
        }
        return text
    }

    private static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            default:
                if isPrintable(scalar) { out.unicodeScalars.append(scalar) } else {
                    out += String(format: "\\x%02X", scalar.value)
                }
            }
        }
        return out + "\""
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0x20 && scalar.value != 0x7F
    }

    private static let specialValues: Set<String> = [
        "", "~", "null", "Null", "NULL", "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True",
        "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF", ".nan", ".NaN", ".NAN", ".inf",
        ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<",
    ]

    /// yaml.v2's `resolve` would read the plain scalar as something other than a string.
    static func resolvesToNonString(_ text: String) -> Bool {
        if specialValues.contains(text) { return true }
        guard let first = text.unicodeScalars.first, "+-.0123456789".unicodeScalars.contains(first) else {
            return false
        }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if Int(plain) != nil { return true }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2), ("-0x", 16), ("-0b", 2), ("+0x", 16)] {
            if plain.hasPrefix(prefix), Int(plain.dropFirst(prefix.count), radix: radix) != nil { return true }
        }
        if plain.count > 1, plain.hasPrefix("0"), plain.allSatisfy(\.isNumber) { return true }
        if Double(plain) != nil, plain.lowercased() != "nan", !plain.lowercased().hasSuffix("inf"),
            !plain.lowercased().hasSuffix("infinity")
        {
            return true
        }
        // Base-60 numbers (`1:20`) and timestamps (`2001-12-14`) are not strings in YAML 1.1 either.
        if plain.range(of: #"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$"#, options: .regularExpression) != nil {
            return true
        }
        return plain.range(of: #"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"#, options: .regularExpression) != nil
    }

    /// libyaml's `yaml_emitter_analyze_scalar`, block context: may the text be written plain?
    static func plainAllowed(_ text: String) -> Bool {
        let chars = Array(text.unicodeScalars)
        guard let first = chars.first else { return false }
        if text == "---" || text == "..." || text.hasPrefix("--- ") || text.hasPrefix("... ") { return false }
        if first == " " || chars.last == " " || first == "\t" || chars.last == "\t" { return false }
        for (index, char) in chars.enumerated() {
            let next = index + 1 < chars.count ? chars[index + 1] : nil
            let followedBySpace = next == nil || next == " " || next == "\t"
            let precededBySpace = index > 0 && (chars[index - 1] == " " || chars[index - 1] == "\t")
            if !isPrintable(char) { return false }
            if index == 0 {
                switch char {
                case "#", ",", "[", "]", "{", "}", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`": return false
                case "?", ":", "-": if followedBySpace { return false }
                default: break
                }
            } else {
                if char == ":" && followedBySpace { return false }
                if char == "#" && precededBySpace { return false }
            }
        }
        return true
    }

    /// yaml.v2's map key order (`keyList.Less`): non-letters before letters at the first difference, runs of
    /// digits compared as numbers, otherwise by code point.
    static func keyOrder(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.unicodeScalars)
        let b = Array(rhs.unicodeScalars)
        var index = 0
        while index < a.count && index < b.count {
            if a[index] == b[index] {
                index += 1
                continue
            }
            let aLetter = a[index].properties.isAlphabetic
            let bLetter = b[index].properties.isAlphabetic
            if aLetter && bLetter { return a[index].value < b[index].value }
            if aLetter || bLetter { return bLetter }
            func number(_ s: [Unicode.Scalar], _ start: Int) -> (value: Int, end: Int) {
                var value = 0
                var end = start
                while end < s.count, let digit = Int(String(s[end])), s[end].properties.numericType == .decimal {
                    value = value &* 10 &+ digit
                    end += 1
                }
                return (value, end)
            }
            let (aNumber, aEnd) = number(a, index)
            let (bNumber, bEnd) = number(b, index)
            if aNumber != bNumber { return aNumber < bNumber }
            if aEnd != bEnd { return aEnd < bEnd }
            return a[index].value < b[index].value
        }
        return a.count < b.count
    }
}
