import Foundation
import KubeClient
import RolloutPlan
import RolloutRuntime
import Testing
import VitessModel

@testable import RolloutEngine

/// Plan and cluster values are data, never code; the checkpoint is readable by its owner only.
@Suite struct SecurityTests {
    /// A fresh directory for one test.
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vtop-security-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Values that a shell would execute: command substitution, backticks, separators, globs, quotes.
    static func hostile(_ marker: String) -> [String: String] {
        [
            "keyspace": "$(touch \(marker)-1)",
            "tablet.alias": "`touch \(marker)-2`",
            "pod.name": "p; touch \(marker)-3; echo",
            "shard": "-80 && touch \(marker)-4 || '\"",
            "cell": "zone1 | touch \(marker)-5 > /dev/null *",
            "cluster": "example\ntouch \(marker)-6",
        ]
    }

    @Test func commandChecksGetHostileContextValuesVerbatim() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("pwned").path
        let values = Self.hostile(marker)
        let out = dir.appendingPathComponent("out")
        // The test's own argv uses a shell to write each variable out byte for byte; the values it
        // prints must not be re-interpreted on the way.
        let script = values.keys.sorted().map { key in
            let name = "VTOP_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
            return "printf '%s\\0' \"$\(name)\" >> \"$1\""
        }.joined(separator: "; ")
        let context = CheckContext(values: values, tablets: [])
        let runner = HealthCheckRunner(api: try FakeCluster(ClusterObjects()), namespace: "example")
        let result = await runner.run(
            .command(argv: ["/bin/sh", "-c", script, "sh", out.path], timeout: PlanDuration(milliseconds: 30_000)),
            context: context)
        #expect(result.passed, "\(result.detail)")
        let written = try Data(contentsOf: out).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(written == values.keys.sorted().map { values[$0]! })
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(left == ["out"], "a hostile value was executed: \(left)")
    }

    @Test func commandArgvIsNotRunThroughAShell() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let marker = dir.appendingPathComponent("pwned").path
        let out = dir.appendingPathComponent("out").path
        // printf writes its arguments; a shell would have run the substitutions instead.
        let hostileArguments = [
            "$(touch \(marker)-1)", "`touch \(marker)-2`", "; touch \(marker)-3", "{{keyspace}}", "> \(marker)-4",
        ]
        let context = CheckContext(values: Self.hostile(marker), tablets: [])
        let runner = HealthCheckRunner(api: try FakeCluster(ClusterObjects()), namespace: "example")
        let result = await runner.run(
            .command(
                argv: ["/bin/sh", "-c", "printf '%s\\n' \"$@\" > \"$0\"", out] + hostileArguments,
                timeout: PlanDuration(milliseconds: 30_000)),
            context: context)
        #expect(result.passed, "\(result.detail)")
        let written = try String(contentsOfFile: out, encoding: .utf8)
        // Placeholders in argv are not filled either: a check gets context only through VTOP_* variables.
        #expect(written == hostileArguments.map { $0 + "\n" }.joined())
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out"])
    }

    @Test func httpPlaceholdersCannotChangeTheURLsShape() {
        let context = CheckContext(
            values: ["keyspace": "a&admin=1#x", "pod.name": "../../api?y=1 z"], tablets: [])
        let url = context.fill("https://grafana.example/check?ks={{keyspace}}&pod={{pod.name}}")
        #expect(url == "https://grafana.example/check?ks=a%26admin%3D1%23x&pod=../../api%3Fy%3D1%20z")
        #expect(URL(string: url) != nil)
    }

    @Test func stateFileIsOwnerOnlyEvenWhenItReplacesAWiderFile() throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("run.vtop-state.json").path
        func mode() throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
        }
        try FileStateStore.write(Data("{}".utf8), to: path)
        #expect(try mode() == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        try FileStateStore.write(Data("{\"a\": 1}".utf8), to: path)
        #expect(try mode() == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\": 1}")
        // No temporary file is left next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["run.vtop-state.json"])
    }

    @Test func loadingRemovesWhatARunKilledMidWriteLeft() async throws {
        let dir = try Self.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("run.vtop-state.json").path
        // A process that no longer exists (kill -9 during a write), and this live one.
        let dead = dir.appendingPathComponent(".run.vtop-state.json.2147483000.tmp").path
        let live = dir.appendingPathComponent(".run.vtop-state.json.\(getpid()).tmp").path
        let other = dir.appendingPathComponent(".other.json.2147483000.tmp").path
        for file in [dead, live, other] { #expect(FileManager.default.createFile(atPath: file, contents: Data())) }
        #expect(try await FileStateStore(path: path).load() == nil)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live), "a live writer's file stays")
        #expect(FileManager.default.fileExists(atPath: other), "another state file's temporaries are not ours")
    }
}
