/// A failed API request, rendered as a `metav1.Status` body with the matching HTTP code.
public struct APIError: Error, Sendable, Equatable {
    /// The HTTP status code.
    public var code: Int
    /// The Status `reason` (`NotFound`, `Conflict`, `AlreadyExists`, `Gone`, ...).
    public var reason: String
    /// The human-readable message.
    public var message: String

    /// Creates an error.
    public init(code: Int, reason: String, message: String) {
        self.code = code
        self.reason = reason
        self.message = message
    }

    /// The object does not exist.
    public static func notFound(_ type: ResourceType, _ name: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "\(type.qualified) \"\(name)\" not found")
    }

    /// A create hit an existing name.
    public static func alreadyExists(_ type: ResourceType, _ name: String) -> APIError {
        APIError(code: 409, reason: "AlreadyExists", message: "\(type.qualified) \"\(name)\" already exists")
    }

    /// A write carried a stale `resourceVersion` or UID precondition.
    public static func conflict(_ type: ResourceType, _ name: String, _ detail: String) -> APIError {
        APIError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(type.qualified) \"\(name)\": \(detail)")
    }

    /// A watch or list asked for a compacted `resourceVersion`.
    public static func gone(_ version: Int) -> APIError {
        APIError(code: 410, reason: "Expired", message: "too old resource version: \(version)")
    }

    /// The request was malformed.
    public static func badRequest(_ message: String) -> APIError {
        APIError(code: 400, reason: "BadRequest", message: message)
    }

    /// The request was well-formed but invalid.
    public static func invalid(_ message: String) -> APIError {
        APIError(code: 422, reason: "Invalid", message: message)
    }

    /// The `metav1.Status` body.
    public var status: JSON {
        [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(code),
        ]
    }
}

extension ResourceType {
    /// `plural.group`, or just `plural` for the core group, as API server messages name a resource.
    var qualified: String { group.isEmpty ? plural : "\(plural).\(group)" }
}
