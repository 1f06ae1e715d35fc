import Foundation

/// Maps Kubernetes REST requests onto the object store: discovery, CRUD, patch, list and watch.
///
/// It is pure request-to-response logic, so it is tested without sockets; `APIServer` only moves bytes.
public struct APIRouter: Sendable {
    /// The store served.
    public let store: ObjectStore
    /// The kubernetes version `/version` reports.
    public var gitVersion = "v1.32.0-vitess-sandbox"

    /// Creates a router over a store.
    /// Deletes a Pod as the API server does for a running Pod: it gets a `deletionTimestamp` and is gone once the
    /// kubelet has stopped it. Nil deletes at once.
    public let deletePod: (@Sendable (_ name: String, _ uid: String?) throws(APIError) -> JSON)?

    /// Creates a router over a store.
    public init(
        store: ObjectStore, deletePod: (@Sendable (_ name: String, _ uid: String?) throws(APIError) -> JSON)? = nil
    ) {
        self.store = store
        self.deletePod = deletePod
    }

    /// Answers one request.
    public func handle(_ request: APIRequest) -> APIResponse {
        let segments = request.path.split(separator: "/").map(String.init)
        do throws(APIError) {
            switch segments.first {
            case "version":
                return .json(200, versionInfo)
            case "api":
                if segments.count == 1 {
                    return .json(200, ["kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []])
                }
                guard segments.count >= 2, segments[1] == "v1" else { throw APIError.notFound404(request.path) }
                if segments.count == 2 { return .json(200, resourceList(group: "", version: "v1")) }
                return try resource(request, group: "", version: "v1", rest: Array(segments.dropFirst(2)))
            case "apis":
                if segments.count == 1 { return .json(200, groupList) }
                let groups = Dictionary(grouping: ResourceType.all.filter { !$0.group.isEmpty }, by: \.group)
                guard let types = groups[segments[1]] else { throw APIError.notFound404(request.path) }
                if segments.count == 2 { return .json(200, groupEntry(segments[1], types[0].version)) }
                guard segments[2] == types[0].version else { throw APIError.notFound404(request.path) }
                if segments.count == 3 { return .json(200, resourceList(group: segments[1], version: segments[2])) }
                return try resource(
                    request, group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)))
            default:
                throw APIError.notFound404(request.path)
            }
        } catch {
            return .error(error)
        }
    }

    // MARK: discovery

    private var versionInfo: JSON {
        [
            "major": "1", "minor": "32", "gitVersion": .string(gitVersion), "gitCommit": "0000000",
            "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23",
            "compiler": "gc", "platform": "linux/amd64",
        ]
    }

    private func groupEntry(_ group: String, _ version: String) -> JSON {
        let groupVersion: JSON = ["groupVersion": .string("\(group)/\(version)"), "version": .string(version)]
        return [
            "kind": "APIGroup", "apiVersion": "v1", "name": .string(group), "versions": [groupVersion],
            "preferredVersion": groupVersion,
        ]
    }

    private var groupList: JSON {
        var seen: [String] = []
        for type in ResourceType.all where !type.group.isEmpty && !seen.contains(type.group) { seen.append(type.group) }
        let groups = seen.map { group in
            var entry = groupEntry(group, ResourceType.all.first { $0.group == group }!.version)
            entry["kind"] = .null
            entry["apiVersion"] = .null
            return entry
        }
        return ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)]
    }

    private func resourceList(group: String, version: String) -> JSON {
        var resources: [JSON] = []
        for type in ResourceType.all where type.group == group && type.version == version {
            var entry: JSON = [
                "name": .string(type.plural), "singularName": .string(type.singular), "namespaced": true,
                "kind": .string(type.kind),
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            ]
            if !type.shortNames.isEmpty { entry["shortNames"] = .array(type.shortNames.map { .string($0) }) }
            if type.group == "planetscale.com" { entry["categories"] = ["all"] }
            resources.append(entry)
            if type.hasStatus {
                resources.append([
                    "name": .string("\(type.plural)/status"), "singularName": "", "namespaced": true,
                    "kind": .string(type.kind), "verbs": ["get", "patch", "update"],
                ])
            }
            if type == .pod {
                resources.append([
                    "name": "pods/proxy", "singularName": "", "namespaced": true, "kind": "PodProxyOptions",
                    "verbs": ["create", "delete", "get", "patch", "update"],
                ])
            }
        }
        if group.isEmpty {
            resources.append([
                "name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
                "verbs": ["get", "list"], "shortNames": ["ns"],
            ])
        }
        return [
            "kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(resources),
        ]
    }

    // MARK: resources

    private func resource(_ request: APIRequest, group: String, version: String, rest: [String]) throws(APIError)
        -> APIResponse
    {
        var rest = rest
        var namespace: String?
        if rest.first == "namespaces" {
            if rest.count == 1 { return .json(200, namespaceList) }
            if rest.count == 2 { return .json(200, namespaceObject(rest[1])) }
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard let plural = rest.first, let type = ResourceType.find(group: group, plural: plural) else {
            throw APIError.notFound404(request.path)
        }
        let name = rest.count > 1 ? rest[1] : nil
        let subresource = rest.count > 2 ? rest[2] : nil
        if let subresource, subresource != "status" { throw APIError.notFound404(request.path) }
        let scope: WriteScope = subresource == "status" ? .status : .main

        guard let name else {
            switch request.method {
            case "GET": return try collection(request, type, namespace: namespace)
            case "POST":
                guard let namespace else {
                    throw APIError(code: 405, reason: "MethodNotAllowed", message: "create needs a namespace")
                }
                var object = try body(request)
                if let bodyNamespace = object[path: ["metadata", "namespace"]].string, bodyNamespace != namespace {
                    throw APIError.badRequest(
                        "the namespace of the provided object does not match the namespace sent on the request")
                }
                object[path: ["metadata", "namespace"]] = .string(namespace)
                if request.query["dryRun"] != nil { return .json(201, object) }
                return .json(201, try store.create(type, namespace: namespace, object: object))
            default:
                throw APIError(
                    code: 405, reason: "MethodNotAllowed", message: "\(request.method) is not supported here")
            }
        }
        let ns = namespace ?? ""
        switch request.method {
        case "GET":
            guard let object = store.get(type, namespace: ns, name: name) else { throw APIError.notFound(type, name) }
            return .json(200, object)
        case "PUT":
            let object = try body(request)
            return .json(200, try store.update(type, namespace: ns, name: name, object: object, scope: scope))
        case "PATCH":
            return .json(200, try patch(request, type, namespace: ns, name: name, scope: scope))
        case "DELETE":
            var uid: String?
            var version: String?
            if !request.body.isEmpty, let options = try? JSON.parse(request.body) {
                uid = options[path: ["preconditions", "uid"]].string
                version = options[path: ["preconditions", "resourceVersion"]].string
            }
            if type == .pod, let deletePod, version == nil { return .json(200, try deletePod(name, uid)) }
            return .json(200, try store.delete(type, namespace: ns, name: name, uid: uid, resourceVersion: version))
        default:
            throw APIError(code: 405, reason: "MethodNotAllowed", message: "\(request.method) is not supported here")
        }
    }

    private func patch(_ request: APIRequest, _ type: ResourceType, namespace: String, name: String, scope: WriteScope)
        throws(APIError) -> JSON
    {
        let contentType = request.headers["content-type"] ?? "application/merge-patch+json"
        let patchBody = try body(request)
        guard let current = store.get(type, namespace: namespace, name: name) else {
            throw APIError.notFound(type, name)
        }
        var next: JSON
        if contentType.hasPrefix("application/json-patch+json") {
            do {
                next = try Patch.json(current, patchBody)
            } catch {
                throw APIError.invalid("the server rejected our request due to an error in our request: \(error)")
            }
        } else if contentType.hasPrefix("application/merge-patch+json")
            || contentType.hasPrefix("application/strategic-merge-patch+json")
        {
            // Strategic merge is served as a JSON merge patch: lists are replaced rather than merged by key.
            // kubectl's annotate, label and apply of the fields this sandbox models behave the same either way.
            next = Patch.merge(current, patchBody)
        } else if contentType.hasPrefix("application/apply-patch") {
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "server-side apply is not supported")
        } else {
            throw APIError(code: 415, reason: "UnsupportedMediaType", message: "unsupported patch type \(contentType)")
        }
        // A patch only carries a resourceVersion precondition when the patch itself names one.
        let precondition = patchBody[path: ["metadata", "resourceVersion"]].string
        next[path: ["metadata", "resourceVersion"]] = precondition.map { .string($0) } ?? .null
        if request.query["dryRun"] != nil { return next }
        return try store.update(type, namespace: namespace, name: name, object: next, scope: scope)
    }

    private func collection(_ request: APIRequest, _ type: ResourceType, namespace: String?) throws(APIError)
        -> APIResponse
    {
        let labels = try Selector(parsing: request.query["labelSelector"] ?? "")
        let fields = try Selector(parsing: request.query["fieldSelector"] ?? "")
        let watching = request.query["watch"].map { $0 == "true" || $0 == "1" } ?? false
        if watching {
            let version = request.query["resourceVersion"].flatMap { Int($0) }
            return .watch(
                WatchRequest(
                    resource: type, namespace: namespace, labels: labels, fields: fields,
                    since: version == 0 ? nil : version,
                    bookmarks: request.query["allowWatchBookmarks"] == "true",
                    timeoutSeconds: request.query["timeoutSeconds"].flatMap { Int($0) }))
        }
        var (items, revision) = store.list(type, namespace: namespace, labels: labels, fields: fields)
        var metadata: JSON = [:]
        if let text = request.query["continue"], !text.isEmpty {
            guard let token = ContinueToken(text) else {
                throw APIError.badRequest("continue key is not valid: the token is malformed")
            }
            if token.revision < store.compactedRevision {
                // As kube-apiserver does once etcd compacted the page's revision: 410, plus a token that goes on
                // from the same key at the current revision, for a client that accepts an inconsistent list.
                let fresh = ContinueToken(revision: revision, after: token.after)
                var status = APIError(
                    code: 410, reason: "Expired",
                    message: "The provided continue parameter is too old to display a consistent list result. "
                        + "You can start a new list without the continue parameter, or use the continue token in "
                        + "this response to retrieve the remainder of the results. Continuing with the provided "
                        + "token results in an inconsistent list - objects that were created, modified, or deleted "
                        + "between the time the first chunk was returned and now may show up in the list."
                ).status
                status["metadata"] = ["continue": .string(fresh.text)]
                return .json(410, status)
            }
            items = items.filter { Self.key($0) > token.after }
            // Every page reports the first page's revision, so a watch started from it misses nothing.
            revision = token.revision
        }
        if let text = request.query["limit"], !text.isEmpty {
            guard let limit = Int(text), limit >= 0 else { throw APIError.badRequest("limit must be a whole number") }
            if limit > 0 && items.count > limit {
                let remaining = items.count - limit
                items = Array(items.prefix(limit))
                metadata["continue"] = .string(
                    ContinueToken(revision: revision, after: Self.key(items[limit - 1])).text)
                // The API server counts what is left only when no selector filters the list.
                if labels == .everything && fields == .everything { metadata["remainingItemCount"] = .int(remaining) }
            }
        }
        metadata["resourceVersion"] = .string(String(revision))
        return .json(
            200,
            [
                "kind": .string("\(type.kind)List"), "apiVersion": .string(type.groupVersion),
                "metadata": metadata, "items": .array(items),
            ])
    }

    /// The store's sort key of an object: `namespace/name`.
    private static func key(_ object: JSON) -> String {
        "\(object[path: ["metadata", "namespace"]].string ?? "")/\(object[path: ["metadata", "name"]].string ?? "")"
    }

    private var namespaceList: JSON {
        var names = Set<String>(["default"])
        for type in ResourceType.all {
            for object in store.list(type, namespace: nil).items {
                if let namespace = object[path: ["metadata", "namespace"]].string { names.insert(namespace) }
            }
        }
        return [
            "kind": "NamespaceList", "apiVersion": "v1",
            "metadata": ["resourceVersion": .string(String(store.revision))],
            "items": .array(names.sorted().map(namespaceObject)),
        ]
    }

    private func namespaceObject(_ name: String) -> JSON {
        [
            "kind": "Namespace", "apiVersion": "v1",
            "metadata": ["name": .string(name), "uid": .string("ns-\(name)"), "resourceVersion": "1"],
            "status": ["phase": "Active"],
        ]
    }

    private func body(_ request: APIRequest) throws(APIError) -> JSON {
        do {
            return try JSON.parse(request.body)
        } catch {
            throw APIError.badRequest("the request body is not valid JSON")
        }
    }
}

extension APIError {
    /// A path the server does not serve.
    static func notFound404(_ path: String) -> APIError {
        APIError(code: 404, reason: "NotFound", message: "the server could not find the requested resource (\(path))")
    }
}

/// The opaque `continue` token of a paged list: the revision of the first page and the key of the last object
/// returned, base64 of JSON as kube-apiserver's tokens are (`{"v":"meta.k8s.io/v1","rv":N,"start":KEY}`).
struct ContinueToken: Equatable {
    /// The store revision the first page was read at.
    var revision: Int
    /// The last `namespace/name` returned; the next page starts after it.
    var after: String

    init(revision: Int, after: String) {
        self.revision = revision
        self.after = after
    }

    /// Decodes a token; nil when it is not one of ours.
    init?(_ text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let json = try? JSON.parse(data),
            json["v"].string == "meta.k8s.io/v1", let revision = json["rv"].int, let start = json["start"].string
        else { return nil }
        self.revision = revision
        after = start
    }

    /// The token text: URL-safe base64 without padding, so it travels in a query unescaped.
    var text: String {
        let json: JSON = ["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(after)]
        return json.data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
