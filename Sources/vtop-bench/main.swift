// vtop-bench: how long the pure core takes on a large cluster, and how much memory it needs.
//
//   swift run -c release vtop-bench            # 64 keyspaces x 32 shards x 5 tablets = 10,240 tablets
//   swift run -c release vtop-bench --quick    # 4 x 4 x 5, as CI runs it so it cannot rot
//   swift run -c release vtop-bench rollout    # a whole plan apply on the sandbox: see RolloutBenchmark.swift
//   swift run -c release vtop-bench torture    # kill -9 plan apply at random moments: see TortureBenchmark.swift
//   swift run -c release vtop-bench soak       # plan apply under injected API faults: see SoakBenchmark.swift
//
// It synthesizes the cluster's objects (as a LIST or a snapshot would give them), then times each
// phase a user waits for: building the Inventory, `status` (report and rendering), parsing and
// statically validating a plan, and compiling it against the cluster (live validation included).
// Results go in docs/performance.md. Nothing here is asserted: speed is measured, not tested.

import Foundation
import RolloutEngine
import RolloutPlan
import VitessModel

switch CommandLine.arguments.dropFirst().first {
case "rollout": exit(RolloutBenchmark.main(Array(CommandLine.arguments.dropFirst(2))))
case "torture": exit(TortureBenchmark.main(Array(CommandLine.arguments.dropFirst(2))))
case "soak": exit(SoakBenchmark.main(Array(CommandLine.arguments.dropFirst(2))))
default: break
}

let quick = CommandLine.arguments.contains("--quick")
let (keyspaceCount, shardCount, tabletsPerShard) = quick ? (4, 4, 5) : (64, 32, 5)
let runs = quick ? 1 : 5

/// Peak resident memory of this process so far, in MiB.
func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024  // kilobytes on Linux
}

func meta(_ name: String, _ labels: [String: String], scheduled: Bool = false) -> [String: Any] {
    var meta: [String: Any] = [
        "name": name, "namespace": "bench", "uid": "uid-\(name)", "generation": 1, "labels": labels,
    ]
    if scheduled {
        meta["annotations"] = [RolloutAnnotation.scheduled: "spec:\n  images:\n    vttablet: vitess/lite:v18.0.0\n"]
    }
    return meta
}

/// Evenly split key ranges: 32 shards are -08, 08-10, ..., f8-.
func ranges(_ count: Int) -> [String] {
    guard count > 1 else { return ["-"] }
    return (0..<count).map { i in
        let start = i == 0 ? "" : String(format: "%02x", i * 256 / count)
        let end = i == count - 1 ? "" : String(format: "%02x", (i + 1) * 256 / count)
        return "\(start)-\(end)"
    }
}

func synthesize() throws -> ClusterObjects {
    var objects = ClusterObjects()
    let decoder = JSONDecoder()
    func decode<T: Decodable>(_ json: [String: Any]) throws -> T {
        try decoder.decode(T.self, from: try JSONSerialization.data(withJSONObject: json))
    }
    objects.clusters = [
        try decode([
            "metadata": ["name": "bench", "namespace": "bench", "uid": "c", "generation": 2],
            "status": ["observedGeneration": 2],
        ])
    ]
    for cell in ["zone1", "zone2"] {
        objects.cells.append(
            try decode([
                "metadata": [
                    "name": "bench-\(cell)", "namespace": "bench", "generation": 1,
                    "labels": [OperatorLabel.cluster: "bench", OperatorLabel.cell: cell],
                    "annotations": [RolloutAnnotation.scheduled: "spec: {}"],
                ],
                "spec": ["name": cell],
            ]))
    }
    var uid: UInt32 = 1000
    for k in 0..<keyspaceCount {
        let keyspace = "ks\(k)"
        objects.keyspaces.append(
            try decode([
                "metadata": meta(
                    "bench-\(keyspace)", [OperatorLabel.cluster: "bench", OperatorLabel.keyspace: keyspace],
                    scheduled: true),
                "spec": ["name": keyspace], "status": ["observedGeneration": 1],
            ]))
        for shard in ranges(shardCount) {
            let range = KeyRange(shard)!
            var tablets: [String: Any] = [:]
            var primary = ""
            for t in 0..<tabletsPerShard {
                uid += 1
                let cell = t % 2 == 0 ? "zone1" : "zone2"
                let pool = t == tabletsPerShard - 1 ? "rdonly" : "replica"
                let alias = TabletAlias(cell: cell, uid: uid)
                if t == 0 { primary = alias.description }
                tablets[alias.description] = [
                    "poolType": pool, "index": t + 1, "running": "True", "ready": "True", "available": "True",
                    "type": t == 0 ? "primary" : pool, "pendingChanges": "",
                ]
                objects.pods.append(
                    try decode([
                        "metadata": meta(
                            "bench-vttablet-\(alias)",
                            [
                                OperatorLabel.component: "vttablet", OperatorLabel.cluster: "bench",
                                OperatorLabel.keyspace: keyspace,
                                OperatorLabel.shard: range.safeName, OperatorLabel.cell: cell,
                                OperatorLabel.tabletUID: String(uid),
                                OperatorLabel.tabletType: pool,
                            ]),
                        "status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]],
                    ]))
            }
            objects.shards.append(
                try decode([
                    "metadata": meta(
                        "bench-\(keyspace)-\(range.safeName)",
                        [
                            OperatorLabel.cluster: "bench", OperatorLabel.keyspace: keyspace,
                            OperatorLabel.shard: range.safeName,
                        ]),
                    "spec": [
                        "name": shard, "keyRange": ["start": range.start, "end": range.end],
                        "tabletPools": [["cell": "zone1", "type": "replica", "replicas": tabletsPerShard - 1]],
                    ],
                    "status": [
                        "observedGeneration": 1, "lowestPodGeneration": 1, "masterAlias": primary,
                        "servingWrites": "True",
                        "tablets": tablets,
                    ],
                ]))
        }
    }
    return objects
}

let plan = """
    apiVersion: vtop-rollout/v1
    kind: RolloutPlan
    metadata: {name: bench}
    spec:
      cluster: bench
      namespace: bench
      requireFullCoverage: true
      expect:
        - {kind: keyspaces, contains: "vttablet: vitess/lite:v18.0.0"}
      defaults: {healthChecks: [{tabletAvailable: {}}]}
      stages:
        - {name: canary, release: tablets, select: {keyspace: ks0, pool: rdonly, limit: 1}, soak: 10m}
        - {name: approve, gate: {approval: {}}}
        - {name: replicas, release: tablets, select: {role: [rdonly, replica]}, maxConcurrent: {shards: 64}}
        - {name: primaries, release: tablets, select: {role: primary}, maxConcurrent: {shards: 16}, primarySwitchoverInterval: 30s}
        - {name: vtgate, release: cells, maxConcurrent: {total: 1}}
    """

func time<T>(_ body: () throws -> T) rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, clock.now - start)
}

func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }

func format(_ d: Duration) -> String {
    let ms = Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    return String(format: "%.1f ms", ms)
}

let objects = try synthesize()
var results: [(String, [Duration])] = [("inventory", []), ("status", []), ("parse+validate", []), ("compile", [])]
var summary = ""
for _ in 0..<runs {
    let (inventory, build) = time { try! Inventory.build(cluster: "bench", namespace: "bench", from: objects).get() }
    let (_, status) = time {
        StatusRenderer(color: false, diff: false, explain: true).render(StatusReport(inventory)).count
    }
    let (parsed, parse) = time { PlanParser.parse(plan) }
    let (compiled, compile) = time { Planner.compile(parsed.plan!, against: inventory) }
    guard let graph = compiled.graph else {
        FileHandle.standardError.write(
            Data("the benchmark plan did not compile: \(compiled.diagnostics.map(\.message))\n".utf8))
        exit(1)
    }
    results[0].1.append(build)
    results[1].1.append(status)
    results[2].1.append(parse)
    results[3].1.append(compile)
    summary =
        "\(inventory.tablets.count) tablets, \(inventory.shards.count) shards; graph of \(graph.steps.count) steps, "
        + "estimate \(compiled.estimate!.lowerBound)"
}
print("vtop-bench \(quick ? "--quick " : "")(\(summary)); median of \(runs) run\(runs == 1 ? "" : "s")")
print("| phase | median |")
print("|---|---|")
for (phase, durations) in results { print("| \(phase) | \(format(median(durations))) |") }
print("| peak memory | \(String(format: "%.0f MiB", peakMemoryMiB())) |")
