import Foundation
import Testing

/// Every plan shipped in `plans/` runs to completion with `plan apply` on the sandbox, and the
/// sandbox's history proves the rollout rules: each selected tablet recreated exactly once, nothing
/// else touched, at most one tablet down per shard, and the primary last.
///
/// The sandbox hosts no Grafana, vtgate status page or site-specific check script, and the test
/// cannot wait for Tuesday, so a plan's text is changed in exactly these ways, each listed with its
/// case: `http` checks go through `http_proxy` (which `plan apply` honours, like curl) to a stub that
/// answers 200 and logs what it was asked; a `command` check's program is a stub script that logs
/// its arguments and `VTOP_*` environment; a `window` gate's ranges become the whole week.
@Suite("Every plan in plans/ runs to completion on the sandbox", .serialized)
struct ShippedPlansTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let plan: String
        /// JSON Patch operations on the VitessCluster that give the plan its pending changes.
        let edits: String
        /// Whether the plan releases every pending change the edits make.
        let coversEverything: Bool
        var testDescription: String { plan }
    }

    /// A JSON Patch operation that sets one image of the VitessCluster.
    static func image(_ component: String, _ value: String = "vitess/lite:v22.0.0-mysql80") -> String {
        #"{"op":"replace","path":"/spec/images/\#(component)","value":"\#(value)"}"#
    }

    static let cases: [Case] = [
        Case(
            plan: "plans/control-plane-deployments.yaml",
            edits: "[\(image("vttablet")),\(image("vtorc")),\(image("vtctld"))]", coversEverything: true),
        Case(
            plan: "plans/customer-config-change.yaml",
            edits: "["
                + (0..<4).map {
                    #"{"op":"add","path":"/spec/keyspaces/1/partitionings/0/equal/shardTemplate/tabletPools/\#($0)/vttablet","value":{"extraFlags":{"queryserver-config-query-timeout":"60s"}}}"#
                }.joined(separator: ",") + "]", coversEverything: true),
        Case(
            plan: "plans/demo-upgrade.yaml",
            edits: "[\(image("vttablet")),\(image("vtorc")),\(image("vtctld")),\(image("vtgate"))]",
            coversEverything: true),
        Case(
            plan: "plans/etcd-one-at-a-time.yaml",
            edits:
                #"[{"op":"add","path":"/spec/globalLockserver","value":{"etcd":{"image":"quay.io/coreos/etcd:v3.5.21"}}}]"#,
            coversEverything: true),
        Case(
            plan: "plans/per-cell-waves.yaml", edits: "[\(image("vttablet")),\(image("vtgate"))]",
            coversEverything: true),
        Case(
            plan: "plans/upgrade-vttablet-canary.yaml",
            edits: "[\(image("vttablet", "vitess/lite:v18.0.0")),\(image("vtorc")),\(image("vtctld")),"
                + "\(image("vtgate"))]", coversEverything: true),
        Case(
            plan: "plans/vtgate-after-tablets.yaml",
            edits: "[\(image("vttablet")),\(image("vtorc")),\(image("vtctld")),\(image("vtgate"))]",
            coversEverything: true),
    ]

    @Test("The cases cover every shipped plan")
    func everyPlanHasACase() {
        #expect(Set(Self.cases.map(\.plan)) == Set(CLITests.examplePlans))
    }

    @Test("Runs to completion, approving gates from another process, with the rollout rules kept", arguments: cases)
    func runsToCompletion(_ shipped: Case) throws {
        let sandbox = try ApplySandbox()
        let stub = try DashboardStub(directory: sandbox.directory)
        defer { stub.stop() }
        _ = try sandbox.http(
            "PATCH", "/apis/planetscale.com/v2/namespaces/example/vitessclusters/example", body: shipped.edits,
            contentType: "application/json-patch+json")
        let checkScript = sandbox.directory.appendingPathComponent("check-stub")
        let checkLog = sandbox.directory.appendingPathComponent("check.log")
        try """
        #!/bin/sh
        echo "$* keyspace=$VTOP_KEYSPACE stage=$VTOP_STAGE" >> '\(checkLog.path)'
        """.write(to: checkScript, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: checkScript.path)

        var text = try String(contentsOf: CLITests.root.appendingPathComponent(shipped.plan), encoding: .utf8)
        let original = text
        text = text.replacingOccurrences(of: "/usr/local/bin/check-write-latency", with: checkScript.path)
        text = text.replacingOccurrences(
            of: #"{days: [Tue, Wed, Thu], from: "09:00", to: "16:00"}"#, with: #"{from: "00:00", to: "24:00"}"#)
        try text.write(to: sandbox.directory.appendingPathComponent("plan.yaml"), atomically: true, encoding: .utf8)

        let environment = ["http_proxy": stub.url, "no_proxy": "127.0.0.1,localhost"]
        // Plan time 300 times faster: a 30m timeout is 6 s, with room for a loaded machine.
        let flags = ["--time-scale", "300", "--check-interval", "100ms", "--no-prompt"]
        var resume: [String] = []
        var transcript = ""
        var requestLog = ""
        var finished = false
        for _ in 0..<6 {
            let run = try sandbox.run(["plan", "apply", "plan.yaml", "-v"] + resume + flags, extra: environment)
            transcript += run.stdout
            requestLog += run.stderr
            if run.status == 0 {
                finished = true
                break
            }
            // Exit 3 names the gates: "waiting for approval of GATE[, GATE]: vtop-rollout plan approve ..."
            guard run.status == 3,
                let line = run.stdout.split(separator: "\n").last(where: { $0.contains("waiting for approval of ") }),
                let names = line.components(separatedBy: "waiting for approval of ").last?.split(separator: ":").first
            else {
                Issue.record(
                    "\(shipped.plan): exit \(run.status)\n\(transcript.suffix(3000))\(run.stderr.suffix(1000))")
                return
            }
            for gate in names.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                let approved = try sandbox.run(["plan", "approve", gate, "-v"])
                #expect(approved.status == 0, "\(approved.stderr)")
                requestLog += approved.stderr
            }
            resume = ["--resume"]
        }
        #expect(finished, "\(shipped.plan) did not finish:\n\(transcript.suffix(3000))")

        // The rollout rules, from the sandbox's history and the run's compiled graph.
        let stateFile = try #require(
            try FileManager.default.contentsOfDirectory(atPath: sandbox.directory.path).first {
                $0.hasSuffix(".vtop-state.json")
            })
        let state = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: sandbox.directory.appendingPathComponent(stateFile)))
                as? [String: Any])
        #expect(state["status"] as? String == "done")
        let steps = ((state["graph"] as? [String: Any])?["steps"] as? [[String: Any]]) ?? []
        let tabletSteps = steps.filter { $0["kind"] as? String == "releaseTablet" }
        let selected = Set(tabletSteps.compactMap { $0["pod"] as? String })
        let primaries = Dictionary(
            tabletSteps.filter { $0["primary"] as? Bool == true }.compactMap { step -> (String, String)? in
                guard let keyspace = step["keyspace"] as? String, let shard = step["shard"] as? String,
                    let pod = step["pod"] as? String
                else { return nil }
                return ("\(keyspace)/\(shard)", pod)
            }, uniquingKeysWith: { first, _ in first })
        // Each selected tablet released and recreated once, no other one; one down per shard; primaries last.
        #expect(try sandbox.rolloutFacts().violations(selected: selected, primaries: primaries) == [])
        if shipped.coversEverything {
            let status = try sandbox.run(["status", "-o", "json"])
            #expect(!status.stdout.contains("\"scheduled\""), "\(shipped.plan) left changes pending")
        }

        // `rbac --plan` grants every request the run made, and no patch the plan cannot make.
        let role = try CLITests.run(["rbac", "--plan", "plan.yaml"], in: sandbox.directory)
        #expect(role.status == 0, "\(role.stderr)")
        let granted = CLITests.grants(inRole: role.stdout)
        let used = CLITests.requests(inVerboseLog: requestLog)
        #expect(used.contains("leases update"), "the log was read")
        #expect(used.subtracting(granted).isEmpty, "not granted: \(used.subtracting(granted).sorted())")
        let patchable = Set(granted.filter { $0.hasSuffix(" patch") })
        let patched = Set(used.filter { $0.hasSuffix(" patch") })
        #expect(patched == patchable, "patch granted on exactly what the plan released")

        // The stand-ins were really used, with the step's values.
        if original.contains("http:") {
            #expect(!stub.requests().isEmpty, "the http checks went through the proxy")
        }
        if original.contains("{{tablet.alias}}") {
            #expect(stub.requests().contains { $0.contains("tablet=zone1-") }, "\(stub.requests())")
        }
        if original.contains("check-write-latency") {
            let log = (try? String(contentsOf: checkLog, encoding: .utf8)) ?? ""
            #expect(
                log.contains("--keyspace customer --max-p99 50ms keyspace=customer stage=customer-primaries"), "\(log)")
        }
    }
}

/// A loopback HTTP server that answers 200 to every GET, standing in for dashboards through
/// `http_proxy`, and logs each request line.
final class DashboardStub {
    let process = Process()
    let log: URL
    let url: String

    init(directory: URL) throws {
        log = directory.appendingPathComponent("dashboard.log")
        let script = """
            import http.server, signal, sys
            # A child of the test process may inherit a mask that blocks SIGTERM.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
            log = open(sys.argv[1], "a", buffering=1)
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    log.write(self.path + "\\n")
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, log.path]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw ApplySandbox.SandboxFailure(description: "the dashboard stub did not start")
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// The request targets it saw: absolute URLs, since it is reached as a proxy.
    func requests() -> [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}
