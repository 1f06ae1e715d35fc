import Foundation
import Testing
import VitessModel

@testable import VitessSandbox

/// A served sandbox at high speed with its operator loop running.
final class ServedSandbox: @unchecked Sendable {
    let sandbox: Sandbox
    let server: APIServer
    let loop: Task<Void, Never>
    var http: RawHTTP { RawHTTP(port: server.port) }

    init(_ cluster: JSON = referenceCluster(), speed: Double = 1000, bookmarkInterval: Double = 0.2) async throws {
        sandbox = try Sandbox(cluster: cluster, clock: ScaledClock(speed: speed))
        server = try await sandbox.serve(port: 0, bookmarkInterval: bookmarkInterval)
        let sandbox = self.sandbox
        loop = Task { await sandbox.runOperator(interval: 0.005) }
    }

    func stop() async {
        loop.cancel()
        await server.shutdown()
    }

    /// Polls `condition` against the server; the emulation runs at high speed, so this waits briefly.
    func eventually(_ condition: () throws -> Bool) async rethrows -> Bool {
        for _ in 0..<1000 {
            if try condition() { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
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
        let served = try await ServedSandbox()
        defer { Task { await served.stop() } }
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

    @Test("Full External chain for an image change over HTTP, primary reparented last")
    func externalChain() async throws {
        let served = try await ServedSandbox()
        defer { Task { await served.stop() } }
        let http = served.http
        let patch = try http.request(
            "PATCH", "\(ServedSandbox.base)/vitessclusters/example",
            body: "{\"spec\":{\"images\":{\"vttablet\":\"vitess/lite:v2\"}}}", contentType: "application/merge-patch+json")
        #expect(patch.status == 200)
        #expect(patch.json["metadata"]["generation"].int == 2)
        #expect(try await served.eventually { try served.annotations("vitesskeyspaces", vtk)[RolloutAnnotation.scheduled] != nil })
        #expect(try served.annotate("vitesskeyspaces", vtk, RolloutAnnotation.released) == 200)
        #expect(try await served.eventually { try served.annotations("vitessshards", vts)[RolloutAnnotation.scheduled] != nil })
        #expect(try served.annotate("vitessshards", vts, RolloutAnnotation.released) == 200)
        #expect(try await served.eventually {
            let status = try http.request("GET", "\(ServedSandbox.base)/vitessshards/\(vts)").json
            return status["status"]["lowestPodGeneration"].int == status["metadata"]["generation"].int
                && status["status"]["tablets"]["zone1-2548885007"]["pendingChanges"].string?.isEmpty == false
        })
        #expect(try served.annotate("vitessshards", vts, RolloutAnnotation.cascade) == 200)
        #expect(try await served.eventually { try served.annotations("vitessshards", vts)[RolloutAnnotation.cascade] == nil })
        let history = try JSONDecoder().decode([HistoryRecord].self, from: http.request("GET", "/sandbox/v1/history").body)
        let deleted = history.filter { $0.action == "deleted" }.map(\.name)
        #expect(deleted.count == 3)
        #expect(deleted.last == primaryPod)
        #expect(history.contains { $0.action == "reparented" })
    }

    @Test("A watch replays from a version, sends bookmarks, and reports 410 once compacted")
    func watchAndGone() async throws {
        let served = try await ServedSandbox()
        defer { Task { await served.stop() } }
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
        let gone = try http.watch("\(ServedSandbox.base)/vitessshards?watch=true&resourceVersion=\(version)") { _ in true }
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

    @Test("Request faults: 500s, 429 with Retry-After, 409 on patches, set through the control API")
    func requestFaults() async throws {
        let served = try await ServedSandbox()
        defer { Task { await served.stop() } }
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
