import Foundation

/// One Kubernetes object kept as generic JSON, with typed accessors for the metadata every kind has.
/// Decoding kind-specific status into a model belongs to the callers.
public struct KubeObject: Sendable, Hashable {
    /// The whole object as sent by the API server.
    public var json: JSONValue

    /// Wraps a JSON object.
    public init(_ json: JSONValue) {
        self.json = json
    }

    /// `metadata.name`.
    public var name: String { json["metadata"]?["name"]?.stringValue ?? "" }
    /// `metadata.namespace`, or nil for cluster-scoped objects.
    public var namespace: String? { json["metadata"]?["namespace"]?.stringValue }
    /// `metadata.uid`.
    public var uid: String? { json["metadata"]?["uid"]?.stringValue }
    /// `metadata.resourceVersion`, used for optimistic concurrency and for watches.
    public var resourceVersion: String? { json["metadata"]?["resourceVersion"]?.stringValue }
    /// `metadata.generation`.
    public var generation: Int64? { json["metadata"]?["generation"]?.integerValue }
    /// `kind`.
    public var kind: String? { json["kind"]?.stringValue }
    /// `metadata.labels`.
    public var labels: [String: String] { Self.stringMap(json["metadata"]?["labels"]) }
    /// `metadata.annotations`.
    public var annotations: [String: String] { Self.stringMap(json["metadata"]?["annotations"]) }

    private static func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let members = value?.objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }
}

/// One page of a list call.
public struct KubeList: Sendable, Hashable {
    /// The objects on this page.
    public var items: [KubeObject]
    /// The list's `metadata.resourceVersion`: where a watch that follows this list starts.
    public var resourceVersion: String
    /// The `metadata.continue` token for the next page, or nil on the last page.
    public var continueToken: String?

    /// Builds a page.
    public init(items: [KubeObject], resourceVersion: String, continueToken: String?) {
        self.items = items
        self.resourceVersion = resourceVersion
        self.continueToken = continueToken
    }

    /// Reads a list response body.
    init(json: JSONValue) {
        items = (json["items"]?.arrayValue ?? []).map(KubeObject.init)
        resourceVersion = json["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let token = json["metadata"]?["continue"]?.stringValue ?? ""
        continueToken = token.isEmpty ? nil : token
    }
}

/// Options for list calls.
public struct ListOptions: Sendable, Hashable {
    /// A label selector such as `planetscale.com/cluster=example,planetscale.com/component=vttablet`.
    public var labelSelector: String?
    /// A field selector such as `involvedObject.name=example`.
    public var fieldSelector: String?
    /// The page size; nil lets the server decide.
    public var limit: Int?
    /// The continue token from the previous page.
    public var continueToken: String?

    /// Builds list options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
        continueToken: String? = nil
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
    }
}

/// Options for watch calls.
public struct WatchOptions: Sendable, Hashable {
    /// A label selector.
    public var labelSelector: String?
    /// A field selector.
    public var fieldSelector: String?
    /// Where to start; nil lists first and starts from the list's version.
    public var resourceVersion: String?
    /// How long the server keeps one watch request open before the client reconnects.
    public var timeoutSeconds: Int

    /// Builds watch options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
        timeoutSeconds: Int = 300
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.timeoutSeconds = timeoutSeconds
    }
}

/// One event from a watch.
public enum WatchEvent: Sendable, Hashable {
    /// An object was created (or was present when a relist happened).
    case added(KubeObject)
    /// An object changed.
    case modified(KubeObject)
    /// An object was deleted; the payload is its last state.
    case deleted(KubeObject)
    /// The server confirmed progress up to this resource version without any change to report.
    case bookmark(resourceVersion: String)
    /// The complete current state, from a list: first when a watch starts without a
    /// `resourceVersion`, and again whenever the watch's history expired (410 Gone). The consumer
    /// should replace what it knows with `items`. The watch then continues from `resourceVersion`.
    case relisted(items: [KubeObject], resourceVersion: String)
}

/// A patch body and its content type.
public enum Patch: Sendable, Hashable {
    /// RFC 7386 JSON merge patch (`application/merge-patch+json`).
    case merge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`): an array of operations.
    case json([JSONValue])

    /// The `Content-Type` the API server expects for this kind of patch.
    var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .json: return "application/json-patch+json"
        }
    }

    /// The encoded patch document.
    var body: Data {
        switch self {
        case .merge(let value): return value.encoded()
        case .json(let operations): return JSONValue.array(operations).encoded()
        }
    }
}
