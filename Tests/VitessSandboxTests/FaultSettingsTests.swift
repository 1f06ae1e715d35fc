import Foundation
import Testing

@testable import VitessSandbox

@Suite("--fault flags")
struct FaultSettingsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var flags: [String]
        var check: @Sendable (FaultSettings) -> Bool
        var testDescription: String { flags.joined(separator: " ") }
    }

    @Test(
        "Each flag sets its fault",
        arguments: [
            Case(flags: ["error-rate=0.5"]) { $0.request.errorRate == 0.5 },
            Case(flags: ["throttle-rate=1"]) { $0.request.throttleRate == 1 },
            Case(flags: ["conflict-rate=0.2"]) { $0.request.conflictRate == 0.2 },
            Case(flags: ["drop-watch-rate=0.1"]) { $0.request.dropWatchRate == 0.1 },
            Case(flags: ["delay-ms=250"]) { $0.request.delayMilliseconds == 250 },
            Case(flags: ["never-ready-image=crash", "never-ready-image=bad"]) {
                $0.rollout.neverReadyImages == ["crash", "bad"]
            },
            Case(flags: ["never-ready-pod=p1"]) { $0.rollout.neverReadyPods == ["p1"] },
            Case(flags: ["fail-reparent"]) { $0.rollout.failReparent },
            Case(flags: ["slow-restart=pod-a:3.5"]) { $0.rollout.slowRestart == ["pod-a": 3.5] },
            Case(flags: ["replication-lag=zone1-0790125915:30", "replication-lag=zone2-42:0"]) {
                $0.rollout.replicationLag == ["zone1-0790125915": 30, "zone2-0000000042": 0]
            },
        ])
    func valid(_ example: Case) throws {
        #expect(example.check(try FaultSettings(flags: example.flags)))
    }

    @Test(
        "A malformed flag is an error that names it",
        arguments: [
            "error-rate=2", "error-rate", "delay-ms=-1", "fail-reparent=yes", "slow-restart=pod", "slow-restart=pod:0",
            "replication-lag=zone1:30", "replication-lag=zone1-0790125915:-5", "replication-lag=zone1-0790125915:1.5",
            "oops=1",
        ])
    func invalid(_ flag: String) {
        #expect(throws: FaultSettings.FlagError.self) { try FaultSettings(flags: [flag]) }
        do {
            _ = try FaultSettings(flags: [flag])
        } catch {
            #expect(error.description.hasPrefix("--fault \(flag): "))
        }
    }

    @Test("The control API merges a PATCH and validates replicationLag")
    func controlAPI() throws {
        let harness = try Harness()
        let patch = { (body: String) -> Int in
            let request = APIRequest(method: "PATCH", uri: "/sandbox/v1/rollout-faults", body: Data(body.utf8))
            guard case .full(let status, _, _) = harness.sandbox.respond(request) else { return 0 }
            return status
        }
        #expect(patch(#"{"failReparent":true}"#) == 200)
        #expect(patch(#"{"replicationLag":{"zone1-790125915":30}}"#) == 200)
        #expect(harness.sandbox.operator.faults.replicationLag == ["zone1-0790125915": 30])
        #expect(harness.sandbox.operator.faults.failReparent, "a PATCH keeps the settings it does not name")
        #expect(patch(#"{"replicationLag":{"zone1-0790125915":null}}"#) == 200)
        #expect(harness.sandbox.operator.faults.replicationLag.isEmpty)
        #expect(patch(#"{"replicationLag":{"not-an-alias":30}}"#) == 400)
        #expect(patch(#"{"replicationLag":{"zone1-0790125915":-1}}"#) == 400)
    }
}
