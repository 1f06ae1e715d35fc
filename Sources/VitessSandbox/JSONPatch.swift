/// The two patch formats kubectl and the tool send besides strategic merge: RFC 7386 and RFC 6902.
public enum Patch {
    /// RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces.
    public static func merge(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchMembers) = patch else { return patch }
        var result: [String: JSON] = target.object ?? [:]
        for (key, value) in patchMembers {
            if value.isNull {
                result[key] = nil
            } else {
                result[key] = merge(result[key] ?? .null, value)
            }
        }
        return .object(result)
    }

    /// Why an RFC 6902 patch could not be applied; the server answers 422.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, for the Status message.
        public var description: String
    }

    /// Applies an RFC 6902 JSON patch (add, remove, replace, move, copy, test).
    public static func json(_ target: JSON, _ operations: JSON) throws -> JSON {
        guard let list = operations.array else { throw Failure(description: "a JSON patch must be an array") }
        var document = target
        for operation in list {
            guard let op = operation["op"].string, let path = operation["path"].string else {
                throw Failure(description: "each JSON patch operation needs 'op' and 'path'")
            }
            let pointer = try parsePointer(path)
            switch op {
            case "add": document = try set(document, pointer, operation["value"], insert: true)
            case "replace":
                _ = try get(document, pointer)
                document = try set(document, pointer, operation["value"], insert: false)
            case "remove": document = try remove(document, pointer)
            case "test":
                guard try get(document, pointer) == operation["value"] else {
                    throw Failure(description: "test operation failed at \(path)")
                }
            case "move", "copy":
                guard let from = operation["from"].string else { throw Failure(description: "\(op) needs 'from'") }
                let source = try parsePointer(from)
                let value = try get(document, source)
                if op == "move" { document = try remove(document, source) }
                document = try set(document, pointer, value, insert: true)
            default: throw Failure(description: "unknown JSON patch operation '\(op)'")
            }
        }
        return document
    }

    private static func parsePointer(_ path: String) throws -> [String] {
        if path.isEmpty { return [] }
        guard path.hasPrefix("/") else { throw Failure(description: "invalid JSON pointer '\(path)'") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func get(_ document: JSON, _ pointer: [String]) throws -> JSON {
        var current = document
        for token in pointer {
            switch current {
            case .object(let members):
                guard let next = members[token] else { throw Failure(description: "path not found: \(token)") }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else {
                    throw Failure(description: "index out of range: \(token)")
                }
                current = items[index]
            default: throw Failure(description: "path not found: \(token)")
            }
        }
        return current
    }

    private static func set(_ document: JSON, _ pointer: [String], _ value: JSON, insert: Bool) throws -> JSON {
        guard let token = pointer.first else { return value }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            if rest.isEmpty {
                members[token] = value
            } else {
                guard let child = members[token] else { throw Failure(description: "path not found: \(token)") }
                members[token] = try set(child, rest, value, insert: insert)
            }
            return .object(members)
        case .array(var items):
            if rest.isEmpty {
                if token == "-" && insert {
                    items.append(value)
                } else if let index = Int(token), index >= 0, index <= items.count {
                    if insert {
                        items.insert(value, at: index)
                    } else if index < items.count {
                        items[index] = value
                    } else {
                        throw Failure(description: "index out of range: \(token)")
                    }
                } else {
                    throw Failure(description: "index out of range: \(token)")
                }
            } else {
                guard let index = Int(token), items.indices.contains(index) else {
                    throw Failure(description: "index out of range: \(token)")
                }
                items[index] = try set(items[index], rest, value, insert: insert)
            }
            return .array(items)
        default:
            throw Failure(description: "path not found: \(token)")
        }
    }

    private static func remove(_ document: JSON, _ pointer: [String]) throws -> JSON {
        guard let token = pointer.first else { return .null }
        let rest = Array(pointer.dropFirst())
        switch document {
        case .object(var members):
            guard let child = members[token] else { throw Failure(description: "path not found: \(token)") }
            members[token] = rest.isEmpty ? nil : try remove(child, rest)
            return .object(members)
        case .array(var items):
            guard let index = Int(token), items.indices.contains(index) else {
                throw Failure(description: "index out of range: \(token)")
            }
            if rest.isEmpty { items.remove(at: index) } else { items[index] = try remove(items[index], rest) }
            return .array(items)
        default: throw Failure(description: "path not found: \(token)")
        }
    }
}
