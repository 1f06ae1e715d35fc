import Foundation

/// The cluster operations the rollout runtime needs. `KubeClient` implements it over HTTP; tests and
/// the engine substitute an in-memory implementation.
public protocol ClusterAPI: Sendable {
    /// The namespace the user selected (flag, context, or `default`).
    var defaultNamespace: String { get }
    /// Reads one object.
    func get(_ kind: ResourceKind, namespace: String?, name: String) async throws -> KubeObject
    /// Reads one page of objects.
    func list(_ kind: ResourceKind, namespace: String?, options: ListOptions) async throws -> KubeList
    /// Watches objects until the stream is dropped; on 410 Gone it relists and continues.
    func watch(_ kind: ResourceKind, namespace: String?, options: WatchOptions)
        -> AsyncThrowingStream<WatchEvent, any Error>
    /// Patches one object.
    func patch(_ kind: ResourceKind, namespace: String?, name: String, patch: Patch) async throws -> KubeObject
    /// Creates an object.
    func create(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject
    /// Replaces an object; its `metadata.resourceVersion` makes this a compare-and-swap.
    func update(_ kind: ResourceKind, namespace: String?, object: KubeObject) async throws -> KubeObject
    /// Deletes an object.
    func delete(_ kind: ResourceKind, namespace: String?, name: String) async throws
    /// GETs `path` from a Pod's `port` through the API server's Pod proxy
    /// (`/api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH`) and returns the body.
    func proxyGet(namespace: String?, pod: String, port: Int, path: String) async throws -> Data
}

extension ClusterAPI {
    /// Implementations without a Pod proxy say so.
    public func proxyGet(namespace: String?, pod: String, port: Int, path: String) async throws -> Data {
        throw KubeError.malformedResponse("this cluster connection has no Pod proxy")
    }

    /// Reads every page of a list, following `continue` tokens.
    public func listAll(_ kind: ResourceKind, namespace: String?, options: ListOptions = ListOptions())
        async throws -> KubeList
    {
        var options = options
        var page = try await list(kind, namespace: namespace, options: options)
        var items = page.items
        while let token = page.continueToken {
            options.continueToken = token
            page = try await list(kind, namespace: namespace, options: options)
            items += page.items
        }
        return KubeList(items: items, resourceVersion: page.resourceVersion, continueToken: nil)
    }
}
