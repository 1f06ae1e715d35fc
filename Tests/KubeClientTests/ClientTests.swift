import Foundation
import Testing

@testable import KubeClient

/// REST operations, typed errors, retries and request logging against the loopback server.
@Suite struct ClientTests {
    @Test func getSendsTokenUserAgentAndAcceptHeaders() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("web-0", resourceVersion: "42"))])
        let client = makeClient(server: server.url, credentials: Credentials(bearer: .token("t0k3n")))
        let pod = try await client.get(.pod, namespace: "prod", name: "web-0")
        #expect(pod.name == "web-0")
        #expect(pod.resourceVersion == "42")
        let request = try #require(try server.requests().first)
        #expect(request["method"] == "GET")
        #expect(request["path"] == "/api/v1/namespaces/prod/pods/web-0")
        #expect(request["headers"]?["authorization"] == "Bearer t0k3n")
        #expect(request["headers"]?["user-agent"]?.stringValue == KubeClient.userAgent)
        #expect(KubeClient.userAgent.hasPrefix("vtop-rollout/"))
        #expect(request["headers"]?["accept"] == "application/json")
    }

    @Test func sequentialRequestsReuseTheConnection() async throws {
        let server = try await TestServer.start([], default: Bodies.ok(Bodies.pod("a")), tls: .serverOnly)
        let client = makeClient(
            server: server.url,
            transport: TransportConfiguration(certificateAuthorityPEM: try Fixtures.data("certs/ca.crt")))
        for _ in 0..<3 { _ = try await client.get(.pod, namespace: "default", name: "a") }
        let ports = try server.requests().compactMap { $0["clientPort"]?.integerValue }
        #expect(ports.count == 3)
        #expect(Set(ports).count == 1)  // one TLS handshake for three requests
    }

    @Test func impersonationBecomesImpersonateHeaders() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))])
        let impersonation = Impersonation(user: "deployer", groups: ["ops"], extra: ["scopes": ["rollout"]])
        let client = makeClient(server: server.url, credentials: Credentials(impersonation: impersonation))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let headers = try #require(try server.requests().first?["headers"])
        #expect(headers["impersonate-user"] == "deployer")
        #expect(headers["impersonate-group"] == "ops")
        #expect(headers["impersonate-extra-scopes"] == "rollout")
    }

    @Test func basicAuthIsSentAsAnAuthorizationHeader() async throws {
        let server = try await TestServer.start([Bodies.ok(Bodies.pod("a"))])
        let client = makeClient(server: server.url, credentials: Credentials(basic: ("admin", "s3cret")))
        _ = try await client.get(.pod, namespace: nil, name: "a")
        let header = try server.requests().first?["headers"]?["authorization"]?.stringValue
        #expect(header == "Basic " + Data("admin:s3cret".utf8).base64EncodedString())
    }

    @Test func customResourcePathsUseTheirGroupAndVersion() async throws {
        let shard: JSONValue = ["kind": "VitessShard", "metadata": ["name": "ex-commerce-x-x", "generation": 3]]
        let server = try await TestServer.start([Bodies.ok(shard)])
        let client = makeClient(server: server.url + "/")
        let object = try await client.get(.vitessShard, namespace: "vt", name: "ex-commerce-x-x")
        #expect(object.generation == 3)
        #expect(
            try server.requests().first?["path"]
                == "/apis/planetscale.com/v2/namespaces/vt/vitessshards/ex-commerce-x-x")
    }

    @Test(arguments: [
        (ResourceKind.vitessCluster, "/apis/planetscale.com/v2/namespaces/ns/vitessclusters/x"),
        (.vitessCell, "/apis/planetscale.com/v2/namespaces/ns/vitesscells/x"),
        (.vitessKeyspace, "/apis/planetscale.com/v2/namespaces/ns/vitesskeyspaces/x"),
        (.vitessShard, "/apis/planetscale.com/v2/namespaces/ns/vitessshards/x"),
        (.pod, "/api/v1/namespaces/ns/pods/x"),
        (.event, "/api/v1/namespaces/ns/events/x"),
        (.configMap, "/api/v1/namespaces/ns/configmaps/x"),
        (.deployment, "/apis/apps/v1/namespaces/ns/deployments/x"),
        (.lease, "/apis/coordination.k8s.io/v1/namespaces/ns/leases/x"),
        (
            ResourceKind(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false),
            "/api/v1/namespaces/x"
        ),
    ])
    func everyKindHasItsRESTPath(kind: ResourceKind, path: String) {
        #expect(kind.objectPath(namespace: "ns", name: "x") == path)
    }

    @Test func listEncodesSelectorsAndListAllFollowsContinueTokens() async throws {
        let server = try await TestServer.start([
            Bodies.ok(Bodies.list([Bodies.pod("a"), Bodies.pod("b")], resourceVersion: "10", continueToken: "c1")),
            Bodies.ok(Bodies.list([Bodies.pod("c")], resourceVersion: "11")),
        ])
        let client = makeClient(server: server.url)
        let options = ListOptions(
            labelSelector: "planetscale.com/component=vttablet,app in (a,b)",
            fieldSelector: "status.phase!=Running", limit: 2)
        let list = try await client.listAll(.pod, namespace: "vt", options: options)
        #expect(list.items.map(\.name) == ["a", "b", "c"])
        #expect(list.resourceVersion == "11")
        let paths = try server.requests().compactMap { $0["path"]?.stringValue }
        #expect(paths.count == 2)
        #expect(
            paths[0] == "/api/v1/namespaces/vt/pods?labelSelector=planetscale.com%2Fcomponent%3Dvttablet%2Capp"
                + "%20in%20%28a%2Cb%29&fieldSelector=status.phase%21%3DRunning&limit=2")
        #expect(paths[1].hasSuffix("&limit=2&continue=c1"))
    }

    @Test func patchCreateUpdateAndDeleteUseTheRightMethodsAndBodies() async throws {
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "vtop-lock", "namespace": "vt", "resourceVersion": "5"],
        ]
        let server = try await TestServer.start([
            Bodies.ok(lease), Bodies.ok(lease), Bodies.ok(lease), Bodies.ok(lease),
            Bodies.ok(Bodies.status(200, reason: "", message: "")),
        ])
        let client = makeClient(server: server.url)
        _ = try await client.patch(
            .vitessShard, namespace: "vt", name: "s1",
            patch: .merge(["metadata": ["annotations": ["a": "1"]]]))
        _ = try await client.patch(
            .deployment, namespace: "vt", name: "d",
            patch: .json([["op": "remove", "path": "/metadata/annotations/a"]]))
        _ = try await client.create(.lease, namespace: nil, object: KubeObject(lease))
        _ = try await client.update(.lease, namespace: nil, object: KubeObject(lease))
        try await client.delete(.configMap, namespace: "vt", name: "state")
        let requests = try server.requests()
        #expect(requests.map { $0["method"]?.stringValue ?? "" } == ["PATCH", "PATCH", "POST", "PUT", "DELETE"])
        #expect(requests[0]["headers"]?["content-type"] == "application/merge-patch+json")
        #expect(requests[0]["body"] == #"{"metadata":{"annotations":{"a":"1"}}}"#)
        #expect(requests[1]["headers"]?["content-type"] == "application/json-patch+json")
        #expect(requests[1]["path"] == "/apis/apps/v1/namespaces/vt/deployments/d")
        #expect(requests[2]["path"] == "/apis/coordination.k8s.io/v1/namespaces/vt/leases")
        #expect(requests[3]["path"] == "/apis/coordination.k8s.io/v1/namespaces/vt/leases/vtop-lock")
        #expect(requests[4]["path"] == "/api/v1/namespaces/vt/configmaps/state")
    }

    struct StatusCase: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int64
        var reason: String
        var details: JSONValue?
        var expected: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        StatusCase(
            name: "notFound", status: 404, reason: "NotFound", details: ["name": "s1"],
            expected: "vitessshards.planetscale.com 's1' not found in namespace 'vt'"),
        StatusCase(
            name: "conflict", status: 409, reason: "Conflict", details: nil,
            expected: "conflict updating vitessshards.planetscale.com 's1'"),
        StatusCase(
            name: "forbidden", status: 403, reason: "Forbidden", details: nil,
            expected: "your credentials may not 'patch' vitessshards.planetscale.com in namespace 'vt'"),
        StatusCase(
            name: "unauthorized", status: 401, reason: "Unauthorized", details: nil,
            expected: "rejected the credentials"),
        StatusCase(
            name: "invalid", status: 422, reason: "Invalid",
            details: ["name": "s1", "causes": [["field": "metadata.annotations", "message": "too long"]]],
            expected: "metadata.annotations: too long"),
    ])
    func statusObjectsBecomeTypedErrors(_ testCase: StatusCase) async throws {
        let response: JSONValue = [
            "status": .integer(testCase.status),
            "body": Bodies.status(
                testCase.status, reason: testCase.reason, message: "server text",
                details: testCase.details),
        ]
        let server = try await TestServer.start([response])
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper)
        do {
            _ = try await client.patch(.vitessShard, namespace: "vt", name: "s1", patch: .merge([:]))
            Issue.record("expected an error")
        } catch let error as KubeError {
            #expect(error.description.contains(testCase.expected), "\(error)")
            switch (testCase.name, error) {
            case ("notFound", .notFound), ("conflict", .conflict), ("forbidden", .forbidden),
                ("unauthorized", .unauthorized), ("invalid", .invalid):
                break
            default:
                Issue.record("wrong case \(error)")
            }
        }
        // Client errors are never retried.
        #expect(try server.requests().count == 1)
        #expect(sleeper.delays.isEmpty)
    }

    @Test func throttlingHonoursRetryAfterAndServerErrorsBackOff() async throws {
        let server = try await TestServer.start([
            [
                "status": 429, "headers": ["Retry-After": "7"],
                "body": Bodies.status(
                    429, reason: "TooManyRequests",
                    message: "slow down"),
            ],
            ["status": 503, "body": "unavailable"],
            ["status": 500, "body": "oops"],
            Bodies.ok(Bodies.pod("a")),
        ])
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper)
        let pod = try await client.get(.pod, namespace: "default", name: "a")
        #expect(pod.name == "a")
        #expect(try server.requests().count == 4)
        let delays = sleeper.delays
        #expect(delays.count == 3)
        #expect(delays[0] == .seconds(7))  // Retry-After beats the 250 ms backoff.
        #expect(delays[1] < delays[2])  // exponential
    }

    @Test func retriesAreBoundedAndEndWithTheTypedError() async throws {
        let throttled: JSONValue = [
            "status": 429,
            "body": Bodies.status(
                429, reason: "TooManyRequests",
                message: "slow down"),
        ]
        let server = try await TestServer.start([], default: throttled)
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper, maxAttempts: 3)
        await #expect(throws: KubeError.tooManyRequests(retryAfterSeconds: nil, message: "slow down")) {
            _ = try await client.get(.pod, namespace: "default", name: "a")
        }
        #expect(try server.requests().count == 3)
        #expect(sleeper.delays.count == 2)
    }

    @Test func totalRetryTimeIsBounded() {
        let policy = RetryPolicy(
            maxAttempts: 100, baseDelay: .seconds(1), maxDelay: .seconds(4),
            maxTotalDelay: .seconds(10), random: { 1 })
        #expect(policy.delay(forRetry: 1, retryAfterSeconds: nil) == .seconds(1))
        #expect(policy.delay(forRetry: 3, retryAfterSeconds: nil) == .seconds(4))
        #expect(policy.delay(forRetry: 30, retryAfterSeconds: nil) == .seconds(4))  // capped
        #expect(policy.delay(forRetry: 1, retryAfterSeconds: 3600) == .seconds(10))  // never beyond the budget
        let jittered = RetryPolicy(baseDelay: .seconds(2), random: { 0 })
        #expect(jittered.delay(forRetry: 1, retryAfterSeconds: nil) == .seconds(1))  // half the backoff at least
    }

    @Test func droppedConnectionsAreRetriedForIdempotentVerbs() async throws {
        let server = try await TestServer.start([["drop": true], ["drop": true], Bodies.ok(Bodies.pod("a"))])
        let sleeper = SleepRecorder()
        let client = makeClient(server: server.url, sleeper: sleeper)
        let pod = try await client.get(.pod, namespace: "default", name: "a")
        #expect(pod.name == "a")
        #expect(try server.requests().count == 3)
        #expect(sleeper.delays.count == 2)
    }

    @Test func aDroppedCreateIsNotRepeated() async throws {
        let server = try await TestServer.start([["drop": true], Bodies.ok(Bodies.pod("a"))])
        let client = makeClient(server: server.url)
        do {
            _ = try await client.create(.pod, namespace: "default", object: KubeObject(Bodies.pod("a")))
            Issue.record("expected an error")
        } catch let KubeError.transport(error) {
            #expect(error.kind == .connectionLost)
        }
        #expect(try server.requests().count == 1)
    }

    @Test func connectionRefusedNamesTheURLAndTheReason() async throws {
        let port = try unusedPort()
        let sleeper = SleepRecorder()
        let client = makeClient(server: "http://127.0.0.1:\(port)", sleeper: sleeper, maxAttempts: 2)
        do {
            _ = try await client.get(.pod, namespace: "default", name: "a")
            Issue.record("expected an error")
        } catch let error as KubeError {
            #expect(error.description == "cannot reach http://127.0.0.1:\(port): connection refused")
        }
        #expect(sleeper.delays.count == 1)
    }

    @Test func aSlowRequestTimesOutWithAClearMessage() async throws {
        let server = try await TestServer.start([["status": 200, "chunks": ["{"], "holdMs": 3000]])
        let client = makeClient(
            server: server.url, transport: TransportConfiguration(requestTimeout: .milliseconds(300)), maxAttempts: 1)
        do {
            _ = try await client.get(.pod, namespace: "default", name: "slow")
            Issue.record("expected a timeout")
        } catch let KubeError.transport(error) {
            #expect(error.kind == .timeout)
            #expect(error.description.hasPrefix("timed out talking to \(server.url): "))
        }
    }

    @Test func cancellingARequestStopsTheTransfer() async throws {
        let server = try await TestServer.start([["status": 200, "chunks": ["{"], "holdMs": 5000]])
        let client = makeClient(server: server.url)
        let task = Task { try await client.get(.pod, namespace: "default", name: "slow") }
        try await server.waitForFirstRequest()  // the transfer is under way; cancel it mid-flight
        task.cancel()
        // Not a timed assertion: the server holds the response open for 5 s, so only a transfer that
        // really stopped reports cancellation (an uncancelled one would end in a decoding error).
        switch await task.result {
        case .success: Issue.record("a cancelled request succeeded")
        case .failure(let error):
            let cancelled = error is CancellationError || "\(error)".contains("cancelled")
            #expect(cancelled, "\(error)")
        }
    }

    @Test func proxySettingsRouteRequestsThroughTheProxy() async throws {
        let proxy = try await TestServer.start([Bodies.ok(Bodies.pod("a"))])
        let client = makeClient(
            server: "http://kube-apiserver.invalid:8080",
            transport: TransportConfiguration(proxyURL: proxy.url))
        _ = try await client.get(.pod, namespace: "default", name: "a")
        #expect(
            try proxy.requests().first?["path"] == "http://kube-apiserver.invalid:8080/api/v1/namespaces/default/pods/a"
        )
    }

    @Test func requestLogShowsMethodURLStatusAndLatencyOnly() async throws {
        let server = try await TestServer.start([["status": 503, "body": "x"], Bodies.ok(Bodies.pod("a"))])
        let lines = LineCollector()
        let client = makeClient(
            server: server.url, credentials: Credentials(bearer: .token("sekrit-token-123")),
            logger: { lines.append($0.description) })
        _ = try await client.get(.pod, namespace: "default", name: "a")
        let log = lines.lines
        #expect(log.count == 2)
        #expect(log[0].hasPrefix("GET \(server.url)/api/v1/namespaces/default/pods/a 503 "))
        #expect(log[1].contains(" 200 ") && log[1].hasSuffix("(attempt 2)"))
    }
}
