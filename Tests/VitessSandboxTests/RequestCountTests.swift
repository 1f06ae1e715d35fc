import Foundation
import Testing

@testable import VitessSandbox

/// The request counter the rollout benchmark divides by released tablets.
@Suite struct RequestCountTests {
    @Test func apiRequestsCountAndControlRequestsDoNot() throws {
        let sandbox = try Sandbox(cluster: BuiltinFixture.cluster, clock: ManualClock())
        _ = sandbox.respond(APIRequest(method: "GET", uri: "/api/v1/namespaces/example/pods"))
        _ = sandbox.respond(APIRequest(method: "GET", uri: "/version"))
        _ = sandbox.respond(APIRequest(method: "GET", uri: "/sandbox/v1/clock"))
        #expect(sandbox.requestCount == 2)
        guard case .full(200, _, let body) = sandbox.respond(APIRequest(method: "GET", uri: "/sandbox/v1/stats")) else {
            Issue.record("stats did not answer 200")
            return
        }
        #expect(try JSON.parse(body)["requests"] == 2)
    }
}
