import Foundation
import Testing
import VitessModel

@testable import VitessSandbox

/// The Pod proxy to vttablet's web port, driven in process through `Sandbox.respond` with a manual clock.
@Suite("Pod proxy to vttablet's web port")
struct TabletProxyTests {
    static let pods = "/api/v1/namespaces/example/pods"
    static let replicaAlias = "zone1-0790125915"

    /// The Pod of the replica `replicaAlias`.
    static func replicaPod(_ harness: Harness) throws -> String {
        let selector = try Selector(parsing: "planetscale.com/component=vttablet,planetscale.com/tablet-uid=0790125915")
        let pods = harness.store.list(.pod, namespace: "example", labels: selector).items
        return try #require(pods.first?[path: ["metadata", "name"]].string)
    }

    static func get(_ harness: Harness, _ path: String) -> (status: Int, body: JSON, text: String) {
        guard case .full(let status, _, let body) = harness.sandbox.respond(APIRequest(method: "GET", uri: path)) else {
            return (0, .null, "")
        }
        return (status, (try? JSON.parse(body)) ?? .null, String(decoding: body, as: UTF8.self))
    }

    static func setLag(_ harness: Harness, _ lag: [String: Int]) {
        var faults = harness.sandbox.operator.faults
        faults.replicationLag = lag
        harness.sandbox.operator.faults = faults
    }

    struct PortCase: CustomTestStringConvertible, Sendable {
        var segment: String
        var status: Int
        var testDescription: String { "\(segment) -> \(status)" }
    }

    @Test(
        "The port in the path: name, number, port name and scheme; other ports and non-tablet Pods are errors",
        arguments: [
            PortCase(segment: "POD", status: 200), PortCase(segment: "POD:15000", status: 200),
            PortCase(segment: "POD:web", status: 200), PortCase(segment: "http:POD:15000", status: 200),
            PortCase(segment: "POD:15999", status: 503), PortCase(segment: "POD:grpc", status: 503),
            PortCase(segment: "https:POD:15000", status: 503),
            PortCase(segment: "example-etcd-faf13de3-1", status: 503),
            PortCase(segment: "example-etcd-faf13de3-1:15000", status: 503),
            PortCase(segment: "nope:15000", status: 404),
        ])
    func ports(_ port: PortCase) throws {
        let harness = try Harness()
        let segment = port.segment.replacingOccurrences(of: "POD", with: primaryPod)
        let response = Self.get(harness, "\(Self.pods)/\(segment)/proxy/healthz")
        #expect(response.status == port.status, "\(response.text)")
        if port.status == 200 {
            #expect(response.text == "ok\n")
        } else {
            #expect(response.body["kind"] == "Status")
            #expect(response.body["code"] == .int(port.status))
            #expect(response.body["reason"] == (port.status == 404 ? "NotFound" : "ServiceUnavailable"))
        }
    }

    @Test("A primary: PRIMARY: Serving with its term start, no lag entry, lag 0 whatever is injected")
    func primary() throws {
        let harness = try Harness()
        Self.setLag(harness, ["zone1-2548885007": 99])
        let base = "\(Self.pods)/\(primaryPod):15000/proxy"
        let details = Self.get(harness, "\(base)/debug/status_details")
        #expect(details.status == 200)
        let entries = try #require(details.body.array)
        #expect(entries.count == 1)
        #expect(entries[0]["Key"] == "Current State")
        #expect(entries[0]["Class"] == "healthy")
        let value = try #require(entries[0]["Value"].string)
        #expect(
            value.wholeMatch(of: /PRIMARY: Serving, [A-Z][a-z]{2} \d{1,2}, \d{4} at \d\d:\d\d:\d\d \(UTC\)/) != nil,
            "\(value)")
        let vars = Self.get(harness, "\(base)/debug/vars").body
        #expect(vars["replicationLagSec"] == 0)
        #expect(vars["HeartbeatCurrentLagNs"] == 0)
        #expect(vars["TabletType"] == "primary")
        #expect(vars["TabletStateName"] == "SERVING")
        #expect(vars["TabletState"] == 2)
    }

    struct LagCase: CustomTestStringConvertible, Sendable {
        var seconds: Int
        var lagClass: String
        var serving: Bool
        var testDescription: String { "\(seconds)s" }
    }

    @Test(
        "Replica lag: /debug/vars replicationLagSec, the lag entry's class, and serving state at vttablet's thresholds",
        arguments: [
            LagCase(seconds: 0, lagClass: "healthy", serving: true),
            LagCase(seconds: 30, lagClass: "healthy", serving: true),
            LagCase(seconds: 31, lagClass: "unhappy", serving: true),
            LagCase(seconds: 7200, lagClass: "unhappy", serving: true),
            LagCase(seconds: 7201, lagClass: "unhealthy", serving: false),
        ])
    func replicaLag(_ lag: LagCase) throws {
        let harness = try Harness()
        Self.setLag(harness, [Self.replicaAlias: lag.seconds])
        let base = "\(Self.pods)/\(try Self.replicaPod(harness))/proxy"
        let vars = Self.get(harness, "\(base)/debug/vars").body
        #expect(vars["replicationLagSec"] == .int(lag.seconds))
        #expect(vars["HeartbeatCurrentLagNs"] == .int(lag.seconds * 1_000_000_000))
        #expect(vars["TabletType"] == "replica")
        #expect(vars["TabletStateName"] == (lag.serving ? "SERVING" : "NOT_SERVING"))
        #expect(vars["TabletState"] == (lag.serving ? 2 : 0))
        let details = Self.get(harness, "\(base)/debug/status_details").body
        #expect(details[0] == ["Key": "Current State", "Class": "healthy", "Value": "REPLICA: Serving"])
        #expect(
            details[1] == [
                "Key": "Replication Lag", "Class": .string(lag.lagClass), "Value": .string("\(lag.seconds)s"),
            ])
        #expect(Self.get(harness, "\(base)/healthz").status == (lag.serving ? 200 : 500))
    }

    @Test("A tablet whose Pod is not Ready is not serving: /healthz is 500, never 200")
    func notReady() throws {
        let harness = try Harness()
        let pod = try Self.replicaPod(harness)
        try harness.store.mutate(.pod, namespace: "example", name: pod) {
            $0["status"] = Kubelet.status(for: $0, phase: .starting, now: "2026-01-01T00:00:00Z", since: "2026-01-01T00:00:00Z", started: "2026-01-01T00:00:00Z")
        }
        let base = "\(Self.pods)/\(pod):web/proxy"
        let health = Self.get(harness, "\(base)/healthz")
        #expect(health.status == 500)
        #expect(health.text == "500 internal server error: vttablet is not serving\n")
        #expect(Self.get(harness, "\(base)/debug/health").status == 500)
        let details = Self.get(harness, "\(base)/debug/status_details").body
        #expect(details[0] == ["Key": "Current State", "Class": "unhappy", "Value": "REPLICA: Not Serving"])
        let vars = Self.get(harness, "\(base)/debug/vars").body
        #expect(vars["TabletStateName"] == "NOT_SERVING")
        #expect(vars["TabletState"] == 1)
        #expect(Self.get(harness, "\(base)/nothing-here").status == 404)
    }

    @Test("Injected lag follows the alias: a primary reports 0 until a reparent makes it a replica")
    func lagAfterReparent() throws {
        let harness = try Harness()
        Self.setLag(harness, ["zone1-2548885007": 12])
        let base = "\(Self.pods)/\(primaryPod)/proxy"
        #expect(Self.get(harness, "\(base)/debug/vars").body["replicationLagSec"] == 0)
        try harness.setImage("vitess/lite:v2")
        try harness.annotate(.vitessKeyspace, vtk, RolloutAnnotation.released)
        try harness.annotate(.vitessShard, vts, RolloutAnnotation.released)
        try harness.annotate(.pod, primaryPod, RolloutAnnotation.released)
        #expect(
            harness.run { harness.sandbox.operator.history.contains { $0.action == "ready" && $0.name == primaryPod } })
        let vars = Self.get(harness, "\(base)/debug/vars").body
        #expect(vars["TabletType"] == "replica")
        #expect(vars["replicationLagSec"] == 12)
        let promoted = try #require(harness.get(.vitessShard, vts)[path: ["status", "masterAlias"]].string)
        let newPrimary = try #require(
            harness.store.list(.pod, namespace: "example").items.first {
                $0[path: ["metadata", "labels", OperatorLabel.tabletUID]].string.flatMap { UInt32($0) }
                    == TabletAlias(promoted)?.uid
            }?[path: ["metadata", "name"]].string)
        let state = Self.get(harness, "\(Self.pods)/\(newPrimary)/proxy/debug/status_details").body[0]["Value"]
        #expect(state.string?.hasPrefix("PRIMARY: Serving, ") == true)
    }
}

extension JSON {
    /// The element at `index` of an array, or `.null`.
    fileprivate subscript(index: Int) -> JSON {
        guard let array, array.indices.contains(index) else { return .null }
        return array[index]
    }
}
