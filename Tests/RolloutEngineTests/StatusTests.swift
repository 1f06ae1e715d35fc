import Foundation
import RolloutEngine
import Testing

@testable import VitessModel

/// Loads the shared example snapshot (Tests/VitessModelTests/Fixtures).
enum Snapshot {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func objects() throws -> ClusterObjects {
        let url = root.appendingPathComponent("Tests/VitessModelTests/Fixtures/example-snapshot.yaml")
        return try ClusterSnapshot.parse(try String(contentsOf: url, encoding: .utf8))
    }

    static func inventory(_ edit: (inout ClusterObjects) -> Void = { _ in }) throws -> Inventory {
        var objects = try objects()
        edit(&objects)
        return try Inventory.build(cluster: "example", namespace: "example", from: objects).get()
    }

    /// Compares with a golden file; VTOP_RECORD_GOLDEN=1 re-records it on purpose.
    static func matchesGolden(_ text: String, _ name: String) throws -> Bool {
        let url = root.appendingPathComponent("Tests/RolloutEngineTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["VTOP_RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return text == (try? String(contentsOf: url, encoding: .utf8))
    }
}

@Suite struct StatusTests {
    @Test func summaryCountsPendingAndReleasedPerLevel() throws {
        let report = StatusReport(try Snapshot.inventory())
        let pending = report.summary.pending
        let counts: [Int] = [
            pending.cells, pending.keyspaces, pending.shards, pending.tablets, pending.deployments, pending.etcdMembers,
        ]
        #expect(counts == [1, 1, 0, 2, 1, 2])
        #expect(report.summary.released.tablets == 1)
        #expect(report.keyspaces.map(\.pendingTablets) == [2, 0])
    }

    @Test func textTreeMatchesTheGoldenFile() throws {
        let text = StatusRenderer(color: false, diff: true, explain: true).render(
            StatusReport(try Snapshot.inventory()))
        #expect(try Snapshot.matchesGolden(text, "status-example.txt"))
    }

    @Test func jsonMatchesTheGoldenFile() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(StatusReport(try Snapshot.inventory())), as: UTF8.self) + "\n"
        #expect(try Snapshot.matchesGolden(json, "status-example.json"))
    }

    @Test func immediateStrategyIsSaidPlainly() throws {
        let inventory = try Snapshot.inventory { objects in
            objects.clusters[0].spec = .init(updateStrategy: .init(type: "Immediate"))
        }
        let text = StatusRenderer(color: false, diff: false, explain: false).render(StatusReport(inventory))
        #expect(text.contains("the operator is rolling changes out itself"))
    }

    @Test func colourOnlyWhenAsked() throws {
        let report = StatusReport(try Snapshot.inventory())
        #expect(!StatusRenderer(color: false, diff: false, explain: false).render(report).contains("\u{1B}["))
        #expect(StatusRenderer(color: true, diff: false, explain: false).render(report).contains("\u{1B}["))
    }
}

/// Each `--explain` case, made by editing the example snapshot.
@Suite struct ExplanationTests {
    static func reasons(_ edit: @escaping (inout ClusterObjects) -> Void) throws -> [String] {
        Explanation.blockers(in: try Snapshot.inventory(edit)).map(\.reason)
    }

    static func pod(_ objects: inout ClusterObjects, uid: String, _ change: (inout PodObject) -> Void) {
        let index = objects.pods.firstIndex { $0.metadata.label(OperatorLabel.tabletUID)?.hasSuffix(uid) ?? false }!
        change(&objects.pods[index])
    }

    @Test func clusterNotObserved() throws {
        let reasons = try Self.reasons { $0.clusters[0].status?.observedGeneration = 3 }
        #expect(reasons.contains("cluster-not-observed"))
    }

    @Test func shardPodsNotObserved() throws {
        let reasons = try Self.reasons { objects in
            let i = objects.shards.firstIndex { $0.metadata.name == "example-commerce-x-x-0f5afee6" }!
            objects.shards[i].status?.lowestPodGeneration = 4
        }
        #expect(reasons.contains("pods-not-observed"))
    }

    @Test func tabletNotReadyNamesTheCrashLoop() throws {
        let blockers = Explanation.blockers(in: try Snapshot.inventory())
        let crash = try #require(blockers.first { $0.reason == "tablet-not-ready" })
        #expect(crash.message.contains("CrashLoopBackOff"))
        #expect(crash.command.hasSuffix("-c vttablet --previous"))
    }

    @Test func releasedPrimaryWithoutCandidateIsDrainBlocked() throws {
        let blockers = Explanation.blockers(
            in: try Snapshot.inventory { objects in
                Self.pod(&objects, uid: "2469782763") { pod in
                    pod.metadata.annotations?[RolloutAnnotation.released] = ""
                }
            })
        let blocked = try #require(blockers.first { $0.reason == "drain-blocked" })
        #expect(blocked.object.contains("2469782763"))
        #expect(blocked.command.contains("rollout.planetscale.com/released- drain.planetscale.com/started-"))
    }

    @Test func staleCascade() throws {
        let reasons = try Self.reasons { objects in
            let i = objects.shards.firstIndex { $0.metadata.name == "example-customer-x-80-9a2d1c4e" }!
            objects.shards[i].metadata.annotations = [RolloutAnnotation.cascade: ""]
        }
        #expect(reasons.contains("stale-cascade"))
    }

    @Test func cascadeOnAKeyspaceIsIgnoredByTheOperator() throws {
        let reasons = try Self.reasons { objects in
            objects.keyspaces[0].metadata.annotations = [RolloutAnnotation.cascade: ""]
        }
        #expect(reasons.contains("ignored-cascade"))
    }

    @Test func cascadeOnADeploymentIsIgnoredByTheOperator() throws {
        let reasons = try Self.reasons { objects in
            objects.deployments[0].metadata.annotations = [RolloutAnnotation.cascade: ""]
        }
        #expect(reasons.contains("ignored-cascade"))
    }

    @Test func releasedOnTheClusterIsIgnoredByTheOperator() throws {
        let blockers = Explanation.blockers(
            in: try Snapshot.inventory { objects in
                objects.clusters[0].metadata.annotations = [RolloutAnnotation.released: ""]
            })
        let ignored = try #require(blockers.first { $0.reason == "ignored-annotation" })
        #expect(ignored.object.hasPrefix("VitessCluster/"))
        #expect(ignored.command.hasSuffix("annotate vt example rollout.planetscale.com/released-"))
        #expect(!Explanation.blockers(in: try Snapshot.inventory()).contains { $0.reason == "ignored-annotation" })
    }

    @Test func leftoverDrain() throws {
        let reasons = try Self.reasons { objects in
            Self.pod(&objects, uid: "1111111112") { pod in
                pod.metadata.annotations?[DrainAnnotation.started] = "rolling update"
                pod.metadata.annotations?[DrainAnnotation.finished] = "2026-11-20T10:00:00Z"
            }
        }
        #expect(reasons.contains("leftover-drain"))
    }

    @Test func releasedDeploymentStillRolling() throws {
        let reasons = try Self.reasons { objects in
            let i = objects.deployments.firstIndex { $0.metadata.name == "example-zone1-vtctld-1d4dcad0" }!
            objects.deployments[i].metadata.annotations?[RolloutAnnotation.released] = ""
            objects.deployments[i].metadata.generation = 2
        }
        #expect(reasons.contains("deployment-rolling"))
    }

    @Test func releaseNotConsumed() throws {
        let reasons = try Self.reasons { objects in
            objects.keyspaces[1].metadata.annotations?[RolloutAnnotation.released] = ""
        }
        #expect(reasons.contains("release-not-consumed"))
    }
}
