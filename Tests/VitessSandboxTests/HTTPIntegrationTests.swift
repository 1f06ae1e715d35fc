import Foundation
import Testing
import VitessModel

@testable import VitessSandbox

/// A served sandbox at high speed with its operator loop running.
///
/// Tests reach one through `ServedSandbox.with`, which stops the server and the operator loop whether the body
/// returns or throws, so no listener or event loop outlives its test.
final class ServedSandbox: Sendable {
    let sandbox: Sandbox
    let server: APIServer
    let loop: Task<Void, Never>
    let credentials: SandboxCredentials?
    var http: RawHTTP { RawHTTP(port: server.port) }
    var url: String { "\(credentials == nil ? "http" : "https")://127.0.0.1:\(server.port)" }

    private init(_ cluster: JSON, speed: Double, bookmarkInterval: Double, credentials: SandboxCredentials?)
        async throws
    {
        sandbox = try Sandbox(cluster: cluster, clock: ScaledClock(speed: speed))
        server = try await sandbox.serve(port: 0, bookmarkInterval: bookmarkInterval, credentials: credentials)
        self.credentials = credentials
        let sandbox = self.sandbox
        loop = Task { await sandbox.runOperator(interval: 0.005) }
    }

    /// Serves a sandbox for the duration of `body`, then shuts it down (also when `body` throws).
    static func with<T>(
        _ cluster: JSON = referenceCluster(), speed: Double = 1000, bookmarkInterval: Double = 0.2,
        credentials: SandboxCredentials? = nil, _ body: (ServedSandbox) async throws -> T
    ) async throws -> T {
        let served = try await ServedSandbox(
            cluster, speed: speed, bookmarkInterval: bookmarkInterval, credentials: credentials)
        do {
            let result = try await body(served)
            await served.stop()
            return result
        } catch {
            await served.stop()
            throw error
        }
    }

    /// Stops the operator loop and waits for it, then closes the listener, every connection and the event loops.
    func stop() async {
        loop.cancel()
        await loop.value
        await server.shutdown()
    }

    /// Waits until `condition` holds. It is checked now and again after every change the store records (the feed
    /// the API server's watches stream from), never on a timer; `timeout` seconds of real time bound the wait.
    func waitUntil(timeout: Double = 60, _ condition: () throws -> Bool) async throws -> Bool {
        let (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let store = sandbox.store
        let id = try store.watch(nil, namespace: nil, since: store.revision) { _ in continuation.yield() }
        let deadline = Task {
            try? await Task.sleep(for: .seconds(timeout))
            continuation.finish()
        }
        defer {
            store.stopWatch(id)
            deadline.cancel()
            continuation.finish()
        }
        if try condition() { return true }
        for await _ in changes where try condition() { return true }
        return try condition()
    }

    static let base = "/apis/planetscale.com/v2/namespaces/example"

    func annotate(_ plural: String, _ name: String, _ key: String) throws -> Int {
        let path = plural == "pods" ? "/api/v1/namespaces/example/pods/\(name)" : "\(Self.base)/\(plural)/\(name)"
        return try http.request(
            "PATCH", path, body: "{\"metadata\":{\"annotations\":{\"\(key)\":\"\"}}}",
            contentType: "application/merge-patch+json"
        ).status
    }

    func annotations(_ plural: String, _ name: String) throws -> [String: Any] {
        let path = plural == "pods" ? "/api/v1/namespaces/example/pods/\(name)" : "\(Self.base)/\(plural)/\(name)"
        guard case .value(let any) = try http.request("GET", path).json["metadata"]["annotations"] else { return [:] }
        return any as? [String: Any] ?? [:]
    }
}

@Suite("API server over HTTP", .serialized)
struct HTTPIntegrationTests {
    @Test("Discovery, list with selectors, 404 Status, and 409 on a stale resourceVersion")
    func restConventions() async throws {
        try await ServedSandbox.with { served in
            let http = served.http
            #expect(try http.request("GET", "/version").json["gitVersion"].string?.hasPrefix("v1.32") == true)
            let resources = try http.request("GET", "/apis/planetscale.com/v2").json["resources"]
            #expect(resources.count >= 5)
            let list = try http.request(
                "GET", "/api/v1/namespaces/example/pods?labelSelector=planetscale.com%2Fcomponent%3Dvttablet")
            #expect(list.json["items"].count == 3)
            #expect(list.json["metadata"]["resourceVersion"].string != nil)
            let byName = try http.request(
                "GET", "/api/v1/namespaces/example/pods?fieldSelector=metadata.name%3D\(primaryPod)")
            #expect(byName.json["items"].count == 1)
            let missing = try http.request("GET", "\(ServedSandbox.base)/vitessshards/nope")
            #expect(missing.status == 404)
            #expect(missing.json["kind"].string == "Status")
            #expect(missing.json["reason"].string == "NotFound")
            let stale = try http.request(
                "PATCH", "\(ServedSandbox.base)/vitessshards/\(vts)",
                body: "{\"metadata\":{\"resourceVersion\":\"1\",\"annotations\":{\"x\":\"y\"}}}",
                contentType: "application/merge-patch+json")
            #expect(stale.status == 409)
            #expect(stale.json["reason"].string == "Conflict")
            let jsonPatch = try http.request(
                "PATCH", "\(ServedSandbox.base)/vitessshards/\(vts)",
                body: "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"a\":\"b\"}}]",
                contentType: "application/json-patch+json")
            #expect(jsonPatch.status == 200)
            #expect(jsonPatch.json["metadata"]["annotations"]["a"].string == "b")
        }
    }

    @Test("Full External chain for an image change over HTTP, primary reparented last")
    func externalChain() async throws {
        try await ServedSandbox.with { served in
            let http = served.http
            let patch = try http.request(
                "PATCH", "\(ServedSandbox.base)/vitessclusters/example",
                body: "{\"spec\":{\"images\":{\"vttablet\":\"vitess/lite:v2\"}}}",
                contentType: "application/merge-patch+json")
            #expect(patch.status == 200)
            #expect(patch.json["metadata"]["generation"].int == 2)
            #expect(
                try await served.waitUntil {
                    try served.annotations("vitesskeyspaces", vtk)[RolloutAnnotation.scheduled] != nil
                })
            #expect(try served.annotate("vitesskeyspaces", vtk, RolloutAnnotation.released) == 200)
            #expect(
                try await served.waitUntil {
                    try served.annotations("vitessshards", vts)[RolloutAnnotation.scheduled] != nil
                })
            #expect(try served.annotate("vitessshards", vts, RolloutAnnotation.released) == 200)
            #expect(
                try await served.waitUntil {
                    let status = try http.request("GET", "\(ServedSandbox.base)/vitessshards/\(vts)").json
                    return status["status"]["lowestPodGeneration"].int == status["metadata"]["generation"].int
                        && status["status"]["tablets"]["zone1-2548885007"]["pendingChanges"].string?.isEmpty == false
                })
            #expect(try served.annotate("vitessshards", vts, RolloutAnnotation.cascade) == 200)
            #expect(
                try await served.waitUntil {
                    try served.annotations("vitessshards", vts)[RolloutAnnotation.cascade] == nil
                })
            let history = try JSONDecoder().decode(
                [HistoryRecord].self, from: http.request("GET", "/sandbox/v1/history").body)
            let deleted = history.filter { $0.action == "deleted" }.map(\.name)
            #expect(deleted.count == 3)
            #expect(deleted.last == primaryPod)
            #expect(history.contains { $0.action == "reparented" })
        }
    }

    @Test("A watch replays from a version, sends bookmarks, and reports 410 once compacted")
    func watchAndGone() async throws {
        try await ServedSandbox.with { served in
            let http = served.http
            let list = try http.request("GET", "\(ServedSandbox.base)/vitessshards")
            let version = try #require(list.json["metadata"]["resourceVersion"].string)
            _ = try served.annotate("vitessshards", vts, "example.com/touched")
            let events = try http.watch(
                "\(ServedSandbox.base)/vitessshards?watch=true&allowWatchBookmarks=true&resourceVersion=\(version)"
            ) { $0["type"] as? String == "BOOKMARK" }
            #expect(events.contains { $0["type"] as? String == "MODIFIED" })
            #expect(events.contains { $0["type"] as? String == "BOOKMARK" })
            #expect(try http.request("POST", "/sandbox/v1/compact").status == 200)
            let gone = try http.watch("\(ServedSandbox.base)/vitessshards?watch=true&resourceVersion=\(version)") { _ in
                true
            }
            let object = gone.first?["object"] as? [String: Any]
            #expect(gone.first?["type"] as? String == "ERROR")
            #expect(object?["code"] as? Int == 410)
            // Recovery: a fresh list gives a current version to watch from.
            let relist = try http.request("GET", "\(ServedSandbox.base)/vitessshards")
            let fresh = try #require(relist.json["metadata"]["resourceVersion"].string)
            let resumed = try http.watch(
                "\(ServedSandbox.base)/vitessshards?watch=true&allowWatchBookmarks=true&resourceVersion=\(fresh)"
            ) { $0["type"] as? String == "BOOKMARK" }
            #expect(!resumed.contains { $0["type"] as? String == "ERROR" })
        }
    }

    @Test("Pod proxy over HTTP: vttablet's status and vars, replication lag set through the control API")
    func podProxy() async throws {
        try await ServedSandbox.with { served in
            let http = served.http
            let pods = "/api/v1/namespaces/example/pods"
            let primary = "\(pods)/\(primaryPod):15000/proxy"
            #expect(try http.request("GET", "\(primary)/healthz").status == 200)
            let details = try http.request("GET", "\(primary)/debug/status_details").json
            #expect(details[0]["Key"].string == "Current State")
            #expect(details[0]["Value"].string?.hasPrefix("PRIMARY: Serving, ") == true)
            #expect(details.count == 1, "a primary has no Replication Lag entry")
            #expect(try http.request("GET", "\(primary)/debug/vars").json["replicationLagSec"].int == 0)

            let selector = try Selector(parsing: "planetscale.com/tablet-uid=0790125915")
            let replica = try #require(
                served.sandbox.store.list(.pod, namespace: "example", labels: selector).items.first?[
                    path: ["metadata", "name"]
                ].string)
            let lag = try http.request(
                "PATCH", "/sandbox/v1/rollout-faults", body: #"{"replicationLag":{"zone1-0790125915":45}}"#,
                contentType: "application/merge-patch+json")
            #expect(lag.status == 200)
            #expect(lag.json["replicationLag"]["zone1-0790125915"].int == 45)
            let vars = try http.request("GET", "\(pods)/\(replica):web/proxy/debug/vars")
            #expect(vars.headers["content-type"] == "application/json; charset=utf-8")
            #expect(vars.json["replicationLagSec"].int == 45)
            #expect(vars.json["HeartbeatCurrentLagNs"].int == 45_000_000_000)
            let lagging = try http.request("GET", "\(pods)/\(replica)/proxy/debug/status_details").json
            #expect(lagging[1]["Key"].string == "Replication Lag")
            #expect(lagging[1]["Class"].string == "unhappy")
            #expect(lagging[1]["Value"].string == "45s")

            let missing = try http.request("GET", "\(pods)/nope/proxy/healthz")
            #expect(missing.status == 404)
            #expect(missing.json["kind"].string == "Status")
            let etcd = try http.request("GET", "\(pods)/example-etcd-faf13de3-1:15000/proxy/debug/vars")
            #expect(etcd.status == 503)
            #expect(etcd.json["reason"].string == "ServiceUnavailable")
        }
    }

    @Test("Request faults: 500s, 429 with Retry-After, 409 on patches, set through the control API")
    func requestFaults() async throws {
        try await ServedSandbox.with { served in
            let http = served.http
            #expect(try http.request("PUT", "/sandbox/v1/faults", body: "{\"throttleRate\":1}").status == 200)
            let throttled = try http.request("GET", "/api/v1/namespaces/example/pods")
            #expect(throttled.status == 429)
            #expect(throttled.headers["retry-after"] == "1")
            #expect(try http.request("PUT", "/sandbox/v1/faults", body: "{\"errorRate\":1}").status == 200)
            #expect(try http.request("GET", "/api/v1/namespaces/example/pods").status == 500)
            #expect(try http.request("PUT", "/sandbox/v1/faults", body: "{\"conflictRate\":1}").status == 200)
            #expect(try served.annotate("vitessshards", vts, "x") == 409)
            #expect(try http.request("GET", "/api/v1/namespaces/example/pods").status == 200)
            #expect(try http.request("PUT", "/sandbox/v1/faults", body: "{}").status == 200)
            #expect(try served.annotate("vitessshards", vts, "x") == 200)
        }
    }
}
