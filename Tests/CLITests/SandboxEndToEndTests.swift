import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `vtop-rollout status` and `release`, run as the built binary against `vtop-rollout sandbox` over
/// HTTP: an image change, the pending picture, releases down to the primary's reparent, and every
/// refusal with its exit code.
///
/// Nothing here sleeps. The sandbox runs at `--speed 1000` (a tablet restart of 50 emulated seconds
/// takes 50 ms); `release` waits on its own watches; where a test itself must wait for the cluster,
/// it reads a watch from the API server until the object it needs shows up.
@Suite("status and release against the sandbox")
struct SandboxEndToEndTests {
    static let reference = "docs/examples/sandbox-reference.yaml"
    static let lonePrimary = "docs/examples/sandbox-lone-primary.yaml"
    static let newImage = "vitess/lite:v22.0.0-mysql80"

    @Test("before a change nothing is pending; after one, status shows the keyspace and dry runs change nothing")
    func pendingKeyspaceAfterAnImageChange() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        let tablets = try sandbox.tablets(shard: "commerce/-")
        let replica = try #require(tablets.first { !$0.isPrimary })

        // Nothing pending: said so, exit 0, and the Pod is not touched.
        let before = try sandbox.pod(replica.podName)
        let idle = try sandbox.vtop("release", "tablet", replica.alias, "--timeout", "60s")
        #expect(idle.status == 0, "\(idle.stderr)")
        #expect(idle.stdout == "nothing to release: tablet \(replica.alias) has no pending change\n")
        #expect(try sandbox.pod(replica.podName).resourceVersion == before.resourceVersion)
        let quiet = try sandbox.vtop("status", "--no-color")
        #expect(
            quiet.stdout.contains(
                "\npending: 0 cells, 0 keyspaces, 0 shards, 0 tablets, 0 deployments, 0 etcd members\n"))

        try sandbox.changeTabletImage(to: Self.newImage)

        let table = try sandbox.vtop("status", "--no-color")
        #expect(table.status == 0, "\(table.stderr)")
        #expect(
            table.stdout.hasPrefix("VitessCluster example  namespace example  updateStrategy External  generation 2"))
        #expect(table.stdout.contains("\npending: 0 cells, 1 keyspace, 0 shards, 0 tablets"))
        #expect(
            table.stdout.contains("\n  commerce                      3 tablets, scheduled once released  PENDING\n"))
        let json = try sandbox.statusJSON()
        #expect(json.int("summary", "pending", "keyspaces") == 1)
        #expect(json.int("summary", "pending", "tablets") == 0)
        let commerce = try #require(json.array("keyspaces").first)
        #expect(commerce.string("name") == "commerce")
        #expect(commerce.bool("pending") == true)
        #expect(commerce.int("tablets") == 3)
        #expect(commerce.int("pendingTablets") == 0)
        #expect(commerce.string("scheduled")?.contains(Self.newImage) == true)

        // --dry-run: says what it would release, first the keyspace, and changes nothing.
        let recordsBefore = try sandbox.history().count
        let dry = try sandbox.vtop("release", "tablet", replica.alias, "--dry-run", "--timeout", "60s")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.hasPrefix("prerequisite: keyspace commerce still holds the change; releasing it first\n"))
        #expect(
            dry.stdout.contains(
                "dry run: would add rollout.planetscale.com/released to VitessKeyspace example-commerce-"))
        #expect(
            dry.stdout.hasSuffix(
                "dry run: then shard commerce/-, then tablet \(replica.alias), once the prerequisites have scheduled it\n"
            ))
        let keyspace = try sandbox.object("vitesskeyspaces", try sandbox.keyspaceObjectName("commerce"))
        #expect(keyspace.annotations["rollout.planetscale.com/scheduled"] != nil)
        #expect(keyspace.annotations["rollout.planetscale.com/released"] == nil)
        #expect(try sandbox.history().count == recordsBefore)
        #expect(try sandbox.auditEvents().isEmpty)
    }

    @Test("release one replica, then the rest, then the primary: new UIDs, an ordered history and a reparent")
    func releaseTabletsThenThePrimary() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        let tablets = try sandbox.tablets(shard: "commerce/-")
        let primary = try #require(tablets.first { $0.isPrimary })
        let replicas = tablets.filter { !$0.isPrimary }
        try #require(replicas.count == 2)
        let first = replicas[0]
        try sandbox.changeTabletImage(to: Self.newImage)

        // One replica: the keyspace and the shard are released first, announced, then the tablet.
        let release = try sandbox.vtop("release", "tablet", first.alias, "--timeout", "60s")
        #expect(release.status == 0, "\(release.stdout)\(release.stderr)")
        let lines = release.stdout.split(separator: "\n").map(String.init)
        let announcements = lines.filter {
            $0.hasPrefix("prerequisite:") || $0.hasPrefix("released ") || $0.hasPrefix("done:")
        }
        #expect(
            announcements == [
                "prerequisite: keyspace commerce still holds the change; releasing it first",
                "released keyspace commerce (VitessKeyspace \(try sandbox.keyspaceObjectName("commerce")))",
                "done: keyspace commerce",
                "prerequisite: shard commerce/- still holds the change; releasing it first",
                "released shard commerce/- (VitessShard \(try sandbox.shardObjectName("commerce/-")))",
                "done: shard commerce/-",
                "released tablet \(first.alias) (Pod \(first.podName))",
                "done: tablet \(first.alias)",
            ])
        let recreated = try sandbox.pod(first.podName)
        #expect(recreated.uid != first.podUID)
        #expect(recreated.annotations["rollout.planetscale.com/scheduled"] == nil)
        #expect(recreated.image == Self.newImage)
        for other in tablets where other.alias != first.alias {
            let pod = try sandbox.pod(other.podName)
            #expect(pod.uid == other.podUID, "\(other.alias) was recreated too")
            #expect(pod.annotations["rollout.planetscale.com/scheduled"]?.contains(Self.newImage) == true)
        }
        let status = try sandbox.statusJSON()
        let commerce = try #require(status.array("keyspaces").first)
        #expect(commerce.int("pendingTablets") == 2)
        #expect(commerce.bool("pending") == false)
        let shard = try #require(commerce.array("shards").first)
        #expect(
            shard.array("tablets").filter { $0.bool("pending") == true }.map { $0.string("alias") }
                == tablets.filter { $0.alias != first.alias }.map(\.alias))

        // The sandbox's own record: keyspace, shard, then exactly one tablet through its whole cycle.
        let history = try sandbox.history()
        #expect(
            history.map { "\($0.action) \($0.kind)" } == [
                "applied VitessKeyspace", "applied VitessShard", "released Pod", "drainStarted Pod", "drained Pod",
                "terminating Pod", "deleted Pod", "created Pod", "ready Pod", "available Pod",
            ])
        #expect(Set(history.filter { $0.kind == "Pod" }.map(\.name)) == [first.podName])

        // Audit: one Event per release on the VitessCluster, naming the actor (the kubeconfig user).
        let audit = try sandbox.auditEvents()
        #expect(audit.count == 3)
        #expect(audit.allSatisfy { $0.string("involvedObject", "kind") == "VitessCluster" })
        #expect(
            audit.contains {
                $0.string("message")
                    == "sandbox released tablet \(first.alias) (Pod \(first.podName)) with vtop-rollout"
            })

        // The primary is refused while its shard has other pending tablets, and nothing changes.
        let early = try sandbox.vtop("release", "tablet", primary.alias, "--timeout", "60s")
        #expect(early.status == 13)
        #expect(
            early.stderr.contains(
                "refused (primary-not-last): tablet \(primary.alias) is the primary of commerce/- and "))
        #expect(try sandbox.pod(primary.podName).annotations["rollout.planetscale.com/released"] == nil)

        // The other replica, then the primary: reparented away, then recreated.
        let second = try sandbox.vtop("release", "tablet", replicas[1].alias, "--timeout", "60s")
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(!second.stdout.contains("prerequisite:"))
        let last = try sandbox.vtop("release", "tablet", primary.alias, "--timeout", "60s")
        #expect(last.status == 0, "\(last.stdout)\(last.stderr)")
        #expect(last.stdout.hasSuffix("done: tablet \(primary.alias)\n"))
        let newPrimary = try #require(try sandbox.shard("commerce/-").string("status", "masterAlias"))
        #expect(newPrimary != primary.alias)
        #expect(replicas.map(\.alias).contains(newPrimary))
        #expect(try sandbox.pod(primary.podName).uid != primary.podUID)
        let reparents = try sandbox.events(reason: "PlannedReparent")
        #expect(
            reparents.map { $0.string("message") } == [
                "planned reparent from old primary \(primary.alias) to new primary \(newPrimary) succeeded"
            ])
        let order = try sandbox.history().filter { ["reparented", "terminating"].contains($0.action) }
        #expect(order.map(\.action) == ["terminating", "terminating", "reparented", "terminating"])
        #expect(order.last?.name == primary.podName)

        let done = try sandbox.vtop("status", "--no-color")
        #expect(done.stdout.contains("\npending: 0 cells, 0 keyspaces, 0 shards, 0 tablets"))
        #expect(done.stdout.contains("\n    shard -                     primary \(newPrimary)  serving writes"))
        #expect(done.stdout.contains("\n      \(newPrimary)          primary  pool replica  available\n"))
        #expect(done.stdout.contains("\n      \(primary.alias)          replica  available\n"))
        let again = try sandbox.vtop("release", "tablet", primary.alias, "--timeout", "60s")
        #expect(again.status == 0)
        #expect(again.stdout.hasPrefix("nothing to release: "))
    }

    @Test(
        "status --snapshot on a real kubectl dump gives the live picture",
        .enabled(if: SandboxProcess.kubectl != nil, "kubectl is not installed"))
    func snapshotMatchesLiveStatus() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        let replica = try #require(try sandbox.tablets(shard: "commerce/-").first { !$0.isPrimary })
        try sandbox.changeTabletImage(to: Self.newImage)
        let release = try sandbox.vtop("release", "tablet", replica.alias, "--timeout", "60s")
        try #require(release.status == 0, "\(release.stdout)\(release.stderr)")

        let dump = try sandbox.kubectl("get", "vt,vtc,vtk,vts,pods,deployments,events", "-o", "yaml")
        try #require(dump.status == 0, "\(dump.stderr)")
        let file = sandbox.directory.appendingPathComponent("snapshot.yaml")
        try dump.stdout.write(to: file, atomically: true, encoding: .utf8)

        for format in [["--no-color"], ["-o", "json"]] {
            let live = try sandbox.vtop(["status"] + format)
            let offline = try CLITests.run(["status", "--snapshot", file.path] + format)
            #expect(live.status == 0 && offline.status == 0, "\(live.stderr)\(offline.stderr)")
            #expect(offline.stdout == live.stdout)
        }
        let offline = try CLITests.run(["status", "--snapshot", file.path, "--no-color"])
        #expect(offline.stdout.contains("\n  commerce                      2/3 tablets pending\n"))
    }

    @Test("refused while another tablet of the shard is restarting or in flight (exit 14, then 11)")
    func refusedWhileTheShardIsBusy() throws {
        let sandbox = try SandboxProcess.start()  // commerce/- has six tablets in two cells
        defer { sandbox.stop() }
        let tablets = try sandbox.tablets(shard: "commerce/-").filter { !$0.isPrimary }
        try #require(tablets.count >= 3)
        let (restarting, released, refused) = (tablets[0], tablets[1], tablets[2])
        try sandbox.put("/sandbox/v1/rollout-faults", ["neverReadyPods": [restarting.podName]])
        try sandbox.changeTabletImage(to: Self.newImage)

        let version = try sandbox.podsVersion()
        let noWait = try sandbox.vtop("release", "tablet", restarting.alias, "--wait=false", "--timeout", "60s")
        #expect(noWait.status == 0, "\(noWait.stdout)\(noWait.stderr)")
        #expect(noWait.stdout.hasSuffix("released tablet \(restarting.alias) (Pod \(restarting.podName))\n"))
        try sandbox.watchPods(from: version) { $0.name == restarting.podName && $0.uid != restarting.podUID }

        // Its new Pod never becomes Ready: the operator would drain nothing else in the shard.
        let notReady = try sandbox.vtop("release", "tablet", released.alias, "--timeout", "60s")
        #expect(notReady.status == 14)
        #expect(
            notReady.stderr.contains(
                "refused (not-ready): tablet \(restarting.alias) of shard commerce/- is not available"))

        // Someone releases another tablet by hand (kubectl annotate); its drain cannot finish.
        try sandbox.annotatePod(released.podName, "rollout.planetscale.com/released")
        let busy = try sandbox.vtop("release", "tablet", refused.alias, "--wait=false", "--timeout", "60s")
        #expect(busy.status == 11)
        #expect(
            busy.stderr.contains(
                "refused (shard-busy): tablet \(released.alias) of shard commerce/- is already being released; one tablet per shard at a time"
            ))
        #expect(try sandbox.pod(refused.podName).annotations["rollout.planetscale.com/released"] == nil)
        #expect(try sandbox.auditEvents().count == 3)  // keyspace, shard, the first tablet: no more
    }

    @Test("a primary without a reparent candidate is refused (exit 10) unless downtime is accepted")
    func lonePrimaryIsRefused() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.lonePrimary, cluster: "lonely")
        defer { sandbox.stop() }
        let tablets = try sandbox.tablets(shard: "commerce/-80")
        let primary = try #require(tablets.first { $0.isPrimary })
        let rdonly = try #require(tablets.first { !$0.isPrimary })
        try sandbox.changeTabletImage(to: Self.newImage)
        let first = try sandbox.vtop("release", "tablet", rdonly.alias, "--timeout", "60s")
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")

        let refused = try sandbox.vtop("release", "tablet", primary.alias, "--timeout", "60s")
        #expect(refused.status == 10)
        #expect(
            refused.stderr.contains(
                "refused (primary-without-candidate): tablet \(primary.alias) is the primary of commerce/-80"))
        #expect(refused.stderr.contains("pass --allow-downtime"))
        #expect(try sandbox.pod(primary.podName).annotations["rollout.planetscale.com/released"] == nil)

        let forced = try sandbox.vtop(
            "release", "tablet", primary.alias, "--allow-downtime", "--wait=false", "--timeout", "60s")
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(try sandbox.pod(primary.podName).annotations["rollout.planetscale.com/released"] != nil)
        let explain = try sandbox.vtop("status", "--explain", "--no-color")
        #expect(
            explain.stdout.contains(
                "drain-blocked Pod/\(primary.podName): the released primary has no suitable candidate"))
    }

    @Test("a cluster under updateStrategy Immediate is refused (exit 12)")
    func immediateIsRefused() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        try sandbox.patchCluster(["spec": ["updateStrategy": ["type": "Immediate"]]])
        let refused = try sandbox.vtop("release", "keyspace", "commerce", "--timeout", "60s")
        #expect(refused.status == 12)
        #expect(
            refused.stderr.contains(
                "refused (not-external): VitessCluster 'example' has updateStrategy Immediate: the operator rolls changes itself"
            ))
        #expect(try sandbox.auditEvents().isEmpty)
        let status = try sandbox.vtop("status", "--no-color")
        #expect(
            status.stdout.contains("\nnote: updateStrategy is Immediate: the operator is rolling changes out itself"))
    }

    @Test("release refuses while a plan run holds the Lease (exit 6) unless --force, which the audit Event records")
    func releaseRespectsARunningPlan() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let now = formatter.string(from: Date())
        let lease: [String: Any] = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": [
                "name": "vtop-rollout-example", "namespace": "example",
                "annotations": ["vtop-rollout.io/plan": "upgrade-v18"],
            ],
            "spec": [
                "holderIdentity": "ci@runner/42", "leaseDurationSeconds": 3600, "acquireTime": now, "renewTime": now,
            ],
        ]
        let created = try sandbox.http.request(
            "POST", "/apis/coordination.k8s.io/v1/namespaces/example/leases", json: lease,
            contentType: "application/json")
        try #require(created.status == 201 || created.status == 200, "\(created.text)")
        try sandbox.changeTabletImage(to: Self.newImage)
        let refused = try sandbox.vtop("release", "keyspace", "commerce", "--timeout", "60s")
        #expect(refused.status == 6)
        #expect(
            refused.stderr.contains(
                "refused (plan-running): VitessCluster is locked by ci@runner/42 running plan upgrade-v18"))
        #expect(try sandbox.auditEvents().isEmpty)
        let forced = try sandbox.vtop("release", "keyspace", "commerce", "--force", "--timeout", "60s")
        #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
        #expect(
            try sandbox.auditEvents().contains {
                ($0.string("message") ?? "").contains("(with --force, beside the run of ci@runner/42) released keyspace")
            })
    }

    @Test("unknown objects and malformed names are input errors (exit 2) that list what exists")
    func unknownObjects() throws {
        let sandbox = try SandboxProcess.start(fixture: Self.reference)
        defer { sandbox.stop() }
        let tablets = try sandbox.tablets(shard: "commerce/-").map(\.alias).sorted()
        let cases: [(arguments: [String], message: String)] = [
            (
                ["tablet", "zone1-0000000001"],
                "tablet 'zone1-0000000001' does not exist (known: \(tablets.joined(separator: ", ")))"
            ),
            (["keyspace", "comerce"], "keyspace 'comerce' does not exist (known: commerce)"),
            (["shard", "commerce/-80"], "shard 'commerce/-80' does not exist (known: commerce/-)"),
            (["cell", "zone9"], "cell 'zone9' does not exist (known: zone1)"),
            (["etcd", "example-etcd-0"], "etcd member 'example-etcd-0' does not exist (known: example-etcd-"),
            (
                ["shard", "commerce"],
                "'commerce' is not a valid shard name (write KEYSPACE/SHARD, such as customer/-80)"
            ),
        ]
        for (arguments, message) in cases {
            let run = try sandbox.vtop(["release"] + arguments + ["--timeout", "60s"])
            #expect(run.status == 2, "\(arguments)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
        }
        #expect(try sandbox.history().isEmpty)
    }
}

// MARK: - The sandbox process and a plain HTTP client for it

/// A `vtop-rollout sandbox` child process on a free loopback port, with its kubeconfig.
final class SandboxProcess: @unchecked Sendable {
    let process: Process
    let directory: URL
    let kubeconfig: String
    let http: LoopbackHTTP
    /// The VitessCluster's name in the fixture.
    let cluster: String
    static let base = "/apis/planetscale.com/v2/namespaces/example"

    /// kubectl, when installed.
    static let kubectl: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/kubectl" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }()

    private init(process: Process, directory: URL, kubeconfig: String, port: Int, cluster: String) {
        self.cluster = cluster
        self.process = process
        self.directory = directory
        self.kubeconfig = kubeconfig
        self.http = LoopbackHTTP(port: port)
    }

    /// Starts the sandbox and returns once it printed its ready line (a blocking read, not a wait loop).
    static func start(
        fixture: String? = nil, cluster: String = "example", speed: Int = 1000, arguments extra: [String] = []
    ) throws -> SandboxProcess {
        let directory = CLITests.scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        let process = Process()
        process.executableURL = CLITests.binary
        process.currentDirectoryURL = CLITests.root
        process.arguments =
            ["sandbox", "--port", "0", "--speed", String(speed), "--kubeconfig-out", kubeconfig]
            + (fixture.map { ["--fixture", $0] } ?? []) + extra
        let out = Pipe()
        process.standardOutput = out
        let log = directory.appendingPathComponent("sandbox.stderr")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        var line = Data()
        while true {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("sandbox ready: "),
            let port = text.split(separator: ":").dropFirst(3).first
                .flatMap({ Int($0.prefix { $0.isNumber }) })
        else {
            process.terminate()
            process.waitUntilExit()
            throw SandboxFailure(
                "the sandbox did not start: \(text) \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        }
        return SandboxProcess(
            process: process, directory: directory, kubeconfig: kubeconfig, port: port, cluster: cluster)
    }

    /// Stops the sandbox with SIGTERM, as a user's Ctrl-C would.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// Runs the built `vtop-rollout` against this sandbox.
    func vtop(_ arguments: String...) throws -> CLITests.Run { try vtop(arguments) }

    func vtop(_ arguments: [String]) throws -> CLITests.Run {
        try CLITests.run(arguments + ["--kubeconfig", kubeconfig])
    }

    /// Runs kubectl against this sandbox.
    func kubectl(_ arguments: String...) throws -> CLITests.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.kubectl))
        process.arguments = ["--kubeconfig", kubeconfig] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLITests.Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    // MARK: reading the cluster

    /// A tablet as the cluster shows it before any release.
    struct Tablet {
        let alias: String
        let podName: String
        let podUID: String
        let isPrimary: Bool
    }

    /// The tablets of `keyspace/shard`, sorted by alias, with the primary from the shard's status.
    func tablets(shard id: String) throws -> [Tablet] {
        let vts = try shard(id)
        let primary = vts.string("status", "masterAlias")
        let shardLabel = vts.string("metadata", "labels", "planetscale.com/shard") ?? ""
        let keyspace = String(id.split(separator: "/").first ?? "")
        let pods = try http.get(
            "/api/v1/namespaces/example/pods?labelSelector="
                + "planetscale.com%2Fcomponent%3Dvttablet,planetscale.com%2Fkeyspace%3D\(keyspace),planetscale.com%2Fshard%3D\(shardLabel)"
        ).array("items")
        return pods.map { pod in
            let cell = pod.string("metadata", "labels", "planetscale.com/cell") ?? ""
            let uid = UInt32(pod.string("metadata", "labels", "planetscale.com/tablet-uid") ?? "") ?? 0
            let alias = "\(cell)-\(String(repeating: "0", count: max(0, 10 - String(uid).count)))\(uid)"
            return Tablet(
                alias: alias, podName: pod.string("metadata", "name") ?? "",
                podUID: pod.string("metadata", "uid") ?? "",
                isPrimary: alias == primary)
        }.sorted { $0.alias < $1.alias }
    }

    /// The VitessShard of `keyspace/shard`.
    func shard(_ id: String) throws -> JSONTree {
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        let shards = try http.get("\(Self.base)/vitessshards").array("items")
        guard
            let shard = shards.first(where: {
                $0.string("metadata", "labels", "planetscale.com/keyspace") == String(parts[0])
                    && $0.string("spec", "name") == String(parts[1])
            })
        else { throw SandboxFailure("no VitessShard \(id)") }
        return shard
    }

    func shardObjectName(_ id: String) throws -> String { try shard(id).string("metadata", "name") ?? "" }

    func keyspaceObjectName(_ name: String) throws -> String {
        let keyspaces = try http.get("\(Self.base)/vitesskeyspaces").array("items")
        return keyspaces.first { $0.string("spec", "name") == name }?.string("metadata", "name") ?? ""
    }

    /// The parts of an object the tests compare.
    struct ObjectState {
        let uid: String?
        let resourceVersion: String?
        let annotations: [String: String]
        let image: String?
        init(_ tree: JSONTree) {
            uid = tree.string("metadata", "uid")
            resourceVersion = tree.string("metadata", "resourceVersion")
            annotations = tree.value("metadata", "annotations") as? [String: String] ?? [:]
            image = tree.array("spec", "containers").first?.string("image")
        }
    }

    func pod(_ name: String) throws -> ObjectState {
        ObjectState(try http.get("/api/v1/namespaces/example/pods/\(name)"))
    }

    func object(_ plural: String, _ name: String) throws -> ObjectState {
        ObjectState(try http.get("\(Self.base)/\(plural)/\(name)"))
    }

    /// `status -o json`, parsed.
    func statusJSON() throws -> JSONTree {
        let run = try vtop("status", "-o", "json")
        guard run.status == 0 else { throw SandboxFailure("status failed: \(run.stderr)") }
        return JSONTree(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)))
    }

    /// One line of `/sandbox/v1/history`.
    struct Record {
        let action: String
        let kind: String
        let name: String
    }

    func history() throws -> [Record] {
        try http.get("/sandbox/v1/history").array().map {
            Record(action: $0.string("action") ?? "", kind: $0.string("kind") ?? "", name: $0.string("name") ?? "")
        }
    }

    func events(reason: String) throws -> [JSONTree] {
        try http.get("/api/v1/namespaces/example/events?fieldSelector=reason%3D\(reason)").array("items")
    }

    func auditEvents() throws -> [JSONTree] { try events(reason: "VtopRolloutRelease") }

    // MARK: changing the cluster, as kubectl would

    /// `kubectl patch vt example --type merge -p ...`; returns the new resourceVersion.
    @discardableResult
    func patchCluster(_ patch: [String: Any]) throws -> String {
        let response = try http.request(
            "PATCH", "\(Self.base)/vitessclusters/\(cluster)", json: patch, contentType: "application/merge-patch+json")
        guard response.status == 200 else { throw SandboxFailure("PATCH vt: \(response.status) \(response.text)") }
        return response.tree.string("metadata", "resourceVersion") ?? ""
    }

    /// Changes the vttablet image and waits, on a watch, until the operator has scheduled the change
    /// on the commerce VitessKeyspace.
    func changeTabletImage(to image: String) throws {
        let version = try patchCluster(["spec": ["images": ["vttablet": image]]])
        try http.watch("\(Self.base)/vitesskeyspaces?watch=true&resourceVersion=\(version)") { event in
            event.string("object", "spec", "name") == "commerce"
                && event.string("object", "metadata", "annotations", "rollout.planetscale.com/scheduled") != nil
        }
    }

    /// `kubectl annotate pod NAME KEY=`.
    func annotatePod(_ name: String, _ key: String) throws {
        let response = try http.request(
            "PATCH", "/api/v1/namespaces/example/pods/\(name)", json: ["metadata": ["annotations": [key: ""]]],
            contentType: "application/merge-patch+json")
        guard response.status == 200 else { throw SandboxFailure("annotate: \(response.status) \(response.text)") }
    }

    func put(_ path: String, _ body: [String: Any]) throws {
        let response = try http.request("PUT", path, json: body, contentType: "application/json")
        guard response.status == 200 else { throw SandboxFailure("PUT \(path): \(response.status) \(response.text)") }
    }

    /// The Pod list's resourceVersion: a watch from it replays every change made since.
    func podsVersion() throws -> String {
        try http.get("/api/v1/namespaces/example/pods").string("metadata", "resourceVersion") ?? ""
    }

    /// Watches Pods from `version` until one satisfies `condition`.
    func watchPods(from version: String, until condition: (_ pod: (name: String, uid: String)) -> Bool) throws {
        try http.watch("/api/v1/namespaces/example/pods?watch=true&resourceVersion=\(version)") { event in
            condition(
                (event.string("object", "metadata", "name") ?? "", event.string("object", "metadata", "uid") ?? ""))
        }
    }
}

/// A test setup step that failed.
struct SandboxFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Read-only navigation in parsed JSON.
struct JSONTree {
    let root: Any?
    init(_ root: Any?) { self.root = root }

    func value(_ path: String...) -> Any? { value(path) }
    func value(_ path: [String]) -> Any? {
        path.reduce(root) { node, key in (node as? [String: Any])?[key] }
    }
    func string(_ path: String...) -> String? { value(path) as? String }
    func int(_ path: String...) -> Int? { (value(path) as? NSNumber)?.intValue }
    func bool(_ path: String...) -> Bool? { value(path) as? Bool }
    func array(_ path: String...) -> [JSONTree] { (value(path) as? [Any] ?? []).map(JSONTree.init) }
}

/// A small blocking HTTP/1.1 client on a loopback socket, independent of the tool's KubeClient, so
/// the tests see the cluster the way any other client does. Decodes chunked bodies, which the
/// sandbox uses for watches.
struct LoopbackHTTP {
    let port: Int

    struct Response {
        let status: Int
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var tree: JSONTree { JSONTree(try? JSONSerialization.jsonObject(with: body)) }
    }

    func get(_ path: String) throws -> JSONTree {
        let response = try request("GET", path)
        guard response.status == 200 else { throw SandboxFailure("GET \(path): \(response.status) \(response.text)") }
        return response.tree
    }

    func request(_ method: String, _ path: String, json: [String: Any]? = nil, contentType: String = "") throws
        -> Response
    {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        let connection = try Connection(port: port)
        defer { connection.close() }
        let (status, headers) = try connection.send(method, path, body: body, contentType: contentType)
        var data = Data()
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while let chunk = try connection.chunk() { data += chunk }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            data = try connection.bytes(length)
        } else {
            while let more = try connection.more() { data += more }
        }
        return Response(status: status, body: data)
    }

    /// Reads watch events, one JSON object per line, until `until` accepts one. Fails when the stream
    /// ends first or nothing arrives for 30 seconds (a safety net, never the expected path).
    func watch(_ path: String, until: (JSONTree) -> Bool) throws {
        let connection = try Connection(port: port)
        defer { connection.close() }
        let (status, _) = try connection.send("GET", path, body: nil, contentType: "")
        guard status == 200 else { throw SandboxFailure("watch \(path): \(status)") }
        var pending = Data()
        while let chunk = try connection.chunk() {
            pending += chunk
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending = Data(pending[pending.index(after: newline)...])
                guard !line.isEmpty else { continue }
                let event = JSONTree(try JSONSerialization.jsonObject(with: line))
                if event.string("type") == "ERROR" {
                    throw SandboxFailure("watch \(path): \(String(decoding: line, as: UTF8.self))")
                }
                if until(event) { return }
            }
        }
        throw SandboxFailure("watch \(path) ended before the condition held")
    }

    /// One connection; `Connection: close`, so every request gets its own.
    final class Connection {
        let fd: Int32
        var buffer = Data()

        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard result == 0 else {
                Glibc.close(fd)
                throw SandboxFailure("cannot connect to 127.0.0.1:\(port)")
            }
        }

        func close() { Glibc.close(fd) }

        func send(_ method: String, _ path: String, body: Data?, contentType: String) throws
            -> (status: Int, headers: [String: String])
        {
            var head =
                "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
            if let body { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
            let bytes = Data((head + "\r\n").utf8) + (body ?? Data())
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + sent, bytes.count - sent) }
                guard count > 0 else { throw SandboxFailure("write failed") }
                sent += count
            }
            let statusLine = try line()
            let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
            var headers: [String: String] = [:]
            while true {
                let header = try line()
                if header.isEmpty { break }
                if let colon = header.firstIndex(of: ":") {
                    headers[header[..<colon].lowercased()] =
                        header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
            }
            return (status, headers)
        }

        /// More bytes from the socket, or nil at the end of the stream.
        func more() throws -> Data? {
            if !buffer.isEmpty {
                defer { buffer = Data() }
                return buffer
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
            if count < 0 { throw SandboxFailure("read failed or timed out (errno \(errno))") }
            return count == 0 ? nil : Data(chunk[0..<count])
        }

        /// Appends bytes read from the socket (never the buffer itself: `more()` hands the buffer out first).
        private func fill() throws {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = read(fd, &chunk, chunk.count)
            if count < 0 { throw SandboxFailure("read failed or timed out (errno \(errno))") }
            if count == 0 { throw SandboxFailure("connection closed early") }
            buffer.append(contentsOf: chunk[0..<count])
        }

        func line() throws -> String {
            while true {
                if let end = buffer.range(of: Data("\r\n".utf8)) {
                    let text = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                    buffer = Data(buffer[end.upperBound...])
                    return text
                }
                try fill()
            }
        }

        func bytes(_ count: Int) throws -> Data {
            while buffer.count < count { try fill() }
            let result = Data(buffer.prefix(count))
            buffer = Data(buffer.dropFirst(count))
            return result
        }

        /// The next chunk of a chunked body, or nil after the last.
        func chunk() throws -> Data? {
            let size = Int(try line().split(separator: ";").first ?? "", radix: 16) ?? 0
            if size == 0 { return nil }
            let data = try bytes(size)
            _ = try line()
            return data
        }
    }
}
